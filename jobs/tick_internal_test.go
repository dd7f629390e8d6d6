package jobs

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
)

func TestLastActivation(t *testing.T) {
	loc := testkit.Moscow(t)
	at := func(day, hour, minute, second int) time.Time {
		return time.Date(2026, 12, day, hour, minute, second, 0, loc)
	}
	tests := []struct {
		spec string
		now  time.Time
		want time.Time
	}{
		{"0 2 * * *", at(3, 2, 0, 0), at(3, 2, 0, 0)},                           // on time
		{"0 2 * * *", at(3, 2, 0, 1).Add(3 * time.Millisecond), at(3, 2, 0, 0)}, // a little late
		{"0 2 * * *", at(3, 2, 40, 0), at(3, 2, 0, 0)},                          // very late, within the lookback
		{"*/5 * * * *", at(3, 10, 7, 0), at(3, 10, 5, 0)},                       // the latest of several
		{"0 2 * * *", at(3, 5, 0, 0), at(3, 5, 0, 0)},                           // none within the lookback: now
		{"@every 10s", at(3, 5, 0, 0), at(3, 5, 0, 0)},                          // a delay schedule counts from now
	}
	for _, tt := range tests {
		sched, err := cron.ParseStandard(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := lastActivation(sched, tt.now); !got.Equal(tt.want) {
			t.Errorf("lastActivation(%q, %s) = %s, want %s", tt.spec, tt.now, got, tt.want)
		}
	}
}
