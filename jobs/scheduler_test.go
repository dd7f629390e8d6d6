package jobs_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/models"
)

// passFunc adapts a function to the scheduler's job interfaces.
type passFunc func(ctx context.Context) error

func (f passFunc) Run(ctx context.Context) error { return f(ctx) }

type tickFunc func(ctx context.Context, tick time.Time) error

func (f tickFunc) RunTick(ctx context.Context, tick time.Time) error { return f(ctx, tick) }

type dayFunc func(ctx context.Context, now time.Time) error

func (f dayFunc) Run(ctx context.Context, now time.Time) error { return f(ctx, now) }

func TestNewSchedulerReportsBadSettings(t *testing.T) {
	noop := tickFunc(func(context.Context, time.Time) error { return nil })
	day := dayFunc(func(context.Context, time.Time) error { return nil })
	pass := passFunc(func(context.Context) error { return nil })
	valid := func() jobs.SchedulerConfig {
		return jobs.SchedulerConfig{
			PlanCron: "0 2 * * *", Plan: noop,
			ReminderCron: "0 9 * * *", Reminders: day,
			OutboxInterval: 10 * time.Second, Outbox: pass,
			TimeZone: "Europe/Moscow",
		}
	}
	tests := []struct {
		name   string
		change func(*jobs.SchedulerConfig)
		want   []string // parts of the error; none means it must be accepted
	}{
		{"defaults", func(*jobs.SchedulerConfig) {}, nil},
		{"descriptor", func(c *jobs.SchedulerConfig) { c.PlanCron = "@daily" }, nil},
		{"spec with its own zone", func(c *jobs.SchedulerConfig) { c.PlanCron = "CRON_TZ=Asia/Yekaterinburg 0 2 * * 1-5" }, nil},
		{"six fields", func(c *jobs.SchedulerConfig) { c.PlanCron = "0 0 2 * * *" }, []string{"FIELDVISIT_PLAN_CRON", `"0 0 2 * * *"`, "not a cron spec"}},
		{"hour out of range", func(c *jobs.SchedulerConfig) { c.PlanCron = "0 25 * * *" }, []string{"FIELDVISIT_PLAN_CRON", "25"}},
		{"bad reminder spec", func(c *jobs.SchedulerConfig) { c.ReminderCron = "nightly" }, []string{"FIELDVISIT_REMINDER_CRON", `"nightly"`}},
		{"both specs bad", func(c *jobs.SchedulerConfig) { c.PlanCron, c.ReminderCron = "x", "y" }, []string{"FIELDVISIT_PLAN_CRON", "FIELDVISIT_REMINDER_CRON"}},
		{"unknown zone", func(c *jobs.SchedulerConfig) { c.TimeZone = "Europe/Mordor" }, []string{"FIELDVISIT_TZ", `"Europe/Mordor"`, "IANA"}},
		{"empty zone", func(c *jobs.SchedulerConfig) { c.TimeZone = "" }, []string{"FIELDVISIT_TZ", "empty"}},
		{"outbox too often", func(c *jobs.SchedulerConfig) { c.OutboxInterval = 10 * time.Millisecond }, []string{"FIELDVISIT_OUTBOX_INTERVAL", "at least 1s"}},
		{"no planning job, no spec needed", func(c *jobs.SchedulerConfig) { c.Plan, c.PlanCron = nil, "" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.change(&cfg)
			s, err := jobs.NewScheduler(cfg)
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
	loc := moscow(t)
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

// TestSchedulerRunsJobs runs the real cron with an outbox pass every second
// and a planning entry every minute: the pass delivers a queued message to
// the development mailbox, and Stop waits for a running job, cancelling it
// when its own deadline passes.
func TestSchedulerRunsJobs(t *testing.T) {
	stores, clock := instances(t, 1)
	s := stores[0]
	enqueue(t, s, "m1")
	d := newDispatcher(t, s, clock, nil, "a", 8)
	passes := make(chan struct{}, 100)
	blocked := make(chan struct{})
	var once sync.Once
	sched, err := jobs.NewScheduler(jobs.SchedulerConfig{
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
		TimeZone: "Europe/Moscow",
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
