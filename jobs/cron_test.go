package jobs_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/models"
)

// passFunc adapts a function to Cron's job interfaces.
type passFunc func(ctx context.Context) error

func (f passFunc) Run(ctx context.Context) error { return f(ctx) }

type tickFunc func(ctx context.Context, tick time.Time) error

func (f tickFunc) RunTick(ctx context.Context, tick time.Time) error { return f(ctx, tick) }

type dayFunc func(ctx context.Context, now time.Time) error

func (f dayFunc) Run(ctx context.Context, now time.Time) error { return f(ctx, now) }

func TestNewCronNeedsEveryScheduleOfItsJobs(t *testing.T) {
	noop := tickFunc(func(context.Context, time.Time) error { return nil })
	day := dayFunc(func(context.Context, time.Time) error { return nil })
	pass := passFunc(func(context.Context) error { return nil })
	hourly, err := cron.ParseStandard("0 * * * *")
	if err != nil {
		t.Fatal(err)
	}
	valid := func() jobs.CronConfig {
		return jobs.CronConfig{
			Location:     testkit.Moscow(t),
			PlanSchedule: hourly, Plan: noop,
			ReminderSchedule: hourly, Reminders: day,
			HousekeepingSchedule: hourly, Housekeeping: pass,
			OutboxInterval: 10 * time.Second, Outbox: pass,
		}
	}
	tests := []struct {
		name   string
		change func(*jobs.CronConfig)
		want   []string // parts of the error; none means it must be accepted
	}{
		{"all set", func(*jobs.CronConfig) {}, nil},
		{"no planning job, no schedule needed", func(c *jobs.CronConfig) { c.Plan, c.PlanSchedule = nil, nil }, nil},
		{"no zone", func(c *jobs.CronConfig) { c.Location = nil }, []string{"time zone"}},
		{"planning without schedule", func(c *jobs.CronConfig) { c.PlanSchedule = nil }, []string{"planning job has no schedule"}},
		{"reminders without schedule", func(c *jobs.CronConfig) { c.ReminderSchedule = nil }, []string{"reminder job has no schedule"}},
		{"housekeeping without schedule", func(c *jobs.CronConfig) { c.HousekeepingSchedule = nil }, []string{"housekeeping job has no schedule"}},
		{"outbox without interval", func(c *jobs.CronConfig) { c.OutboxInterval = 0 }, []string{"outbox interval"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.change(&cfg)
			s, err := jobs.NewCron(cfg)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if err := s.Stop(context.Background()); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, part := range tt.want {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not mention %q", err, part)
				}
			}
		})
	}
}

func TestWeekAfter(t *testing.T) {
	loc := testkit.Moscow(t)
	tests := []struct {
		tick time.Time
		want models.Date
	}{
		{time.Date(2026, 12, 3, 2, 0, 0, 0, loc), "2026-12-07"},         // Thursday night
		{time.Date(2026, 12, 6, 2, 0, 0, 0, loc), "2026-12-07"},         // Sunday night: the next day's week
		{time.Date(2026, 12, 7, 2, 0, 0, 0, loc), "2026-12-14"},         // Monday night: the week after
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "2027-01-04"}, // already 1 Jan 02:30 in Moscow, a Friday
		{time.Date(2027, 1, 2, 22, 0, 0, 0, time.UTC), "2027-01-04"},    // Sunday 01:00 in Moscow
	}
	for _, tt := range tests {
		if got := jobs.WeekAfter(tt.tick, loc); got != tt.want {
			t.Errorf("WeekAfter(%s) = %s, want %s", tt.tick, got, tt.want)
		}
	}
}

// TestCronRunsJobs runs the real cron with an outbox pass every second
// and a planning entry every minute: the pass delivers a queued message to
// the development mailbox, and Stop waits for a running job, cancelling it
// when its own deadline passes.
func TestCronRunsJobs(t *testing.T) {
	s, clock := instance(t)
	enqueue(t, s, "m1")
	d := newDispatcher(t, s, clock, nil, "a", 8)
	passes := make(chan struct{}, 100)
	blocked := make(chan struct{})
	var once sync.Once
	sched, err := jobs.NewCron(jobs.CronConfig{
		OutboxInterval: time.Second,
		Outbox: passFunc(func(ctx context.Context) error {
			err := d.Run(ctx)
			passes <- struct{}{}
			if m, _ := s.OutboxMessage(ctx, "m1"); m != nil && m.Status == models.OutboxSent {
				once.Do(func() { close(blocked) })
				<-ctx.Done() // a job that only stops when told
			}
			return err
		}),
		Location: testkit.Moscow(t),
		Now:      clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	sched.Start()
	<-passes
	<-blocked
	if m := message(t, s, "m1"); m.Status != models.OutboxSent || !m.Mailbox {
		t.Fatalf("after a pass: %s mailbox=%v, want sent to the mailbox", m.Status, m.Mailbox)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no grace: the running job must be told to stop
	if err := sched.Stop(ctx); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("Stop with an expired context = %v, want the context's error", err)
	}
}
