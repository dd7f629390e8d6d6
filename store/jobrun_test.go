package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
)

func TestJobRuns(t *testing.T) {
	ctx := context.Background()
	s, clock := newStore(t)
	var runs []*models.JobRun
	for i, job := range []string{"plan", "reminders", "plan"} {
		r := &models.JobRun{Job: job, Holder: "host:1", Trigger: "cron"}
		if err := s.StartJobRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.ID == "" || r.Outcome != store.JobRunRunning || !r.StartedAt.Equal(clock.Now()) {
			t.Fatalf("run %d started as %+v", i, r)
		}
		runs = append(runs, r)
		clock.Advance(time.Minute)
	}
	clock.Advance(1500 * time.Millisecond)
	last := runs[2]
	last.Outcome, last.Error, last.Figures = "failed", "boom", map[string]any{"scheduled": 7}
	if err := s.FinishJobRun(ctx, last); err != nil {
		t.Fatal(err)
	}
	if last.Millis != 61500 || last.FinishedAt == nil {
		t.Fatalf("finished run = %+v", last)
	}

	list, err := s.JobRuns(ctx, "plan", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != last.ID || list[1].ID != runs[0].ID {
		t.Fatalf("plan runs = %+v", list)
	}
	got := list[0]
	if got.Outcome != "failed" || got.Error != "boom" || got.Millis != 61500 || got.FinishedAt == nil || got.Figures["scheduled"] == nil {
		t.Fatalf("stored run = %+v", got)
	}
	if list[1].Outcome != store.JobRunRunning || list[1].FinishedAt != nil {
		t.Fatalf("unfinished run = %+v", list[1])
	}
	if all, err := s.JobRuns(ctx, "", 2); err != nil || len(all) != 2 {
		t.Fatalf("all runs limited to 2 = %d, %v", len(all), err)
	}
}
