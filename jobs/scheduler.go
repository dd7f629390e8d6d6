package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
)

// Configuration keys named in construction errors, so an operator knows
// which setting to fix.
const (
	KeyPlanCron       = "FIELDVISIT_PLAN_CRON"
	KeyReminderCron   = "FIELDVISIT_REMINDER_CRON"
	KeyTimeZone       = "FIELDVISIT_TZ"
	KeyOutboxInterval = "FIELDVISIT_OUTBOX_INTERVAL"
)

// TickRunner runs the planning job for a cron tick (PlanRunner).
type TickRunner interface {
	RunTick(ctx context.Context, tick time.Time) error
}

// DayRunner runs a daily job for the day of now (Reminders).
type DayRunner interface {
	Run(ctx context.Context, now time.Time) error
}

// PassRunner makes one pass of a periodic job (Dispatcher).
type PassRunner interface {
	Run(ctx context.Context) error
}

// SchedulerConfig says which jobs run when. A nil job is not scheduled (and
// its spec is not needed).
type SchedulerConfig struct {
	// PlanCron is the five-field cron spec of the planning run, in TimeZone.
	PlanCron string
	Plan     TickRunner
	// ReminderCron is the cron spec of the reminder run, in TimeZone.
	ReminderCron string
	Reminders    DayRunner
	// OutboxInterval is the time between outbox passes (at least 1s).
	OutboxInterval time.Duration
	Outbox         PassRunner
	// TimeZone is the IANA zone the cron specs are read in.
	TimeZone string
	// Now is the clock jobs get their tick and day from; default time.Now.
	// Cron itself wakes by the system clock.
	Now    func() time.Time
	Logger *slog.Logger
}

// Scheduler runs the jobs on their schedules with robfig/cron: a panicking
// job is recovered and logged, and a job still running when its next time
// comes is skipped rather than doubled. Jobs get a context that Stop
// cancels when its own deadline passes.
type Scheduler struct {
	cron   *cron.Cron
	ctx    context.Context
	cancel context.CancelFunc
}

// NewScheduler parses the specs and the time zone and registers the jobs;
// an invalid setting is an error naming its configuration key.
func NewScheduler(cfg SchedulerConfig) (*Scheduler, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	if cfg.TimeZone == "" {
		return nil, fmt.Errorf("%s is empty: give an IANA time zone such as Europe/Moscow", KeyTimeZone)
	}
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("%s=%q is not an IANA time zone such as Europe/Moscow: %w", KeyTimeZone, cfg.TimeZone, err)
	}
	var planSchedule, reminderSchedule cron.Schedule
	var errs []error
	if cfg.Plan != nil {
		if planSchedule, err = parseSpec(KeyPlanCron, cfg.PlanCron); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.Reminders != nil {
		if reminderSchedule, err = parseSpec(KeyReminderCron, cfg.ReminderCron); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.Outbox != nil && cfg.OutboxInterval < time.Second {
		errs = append(errs, fmt.Errorf("%s=%s must be at least 1s", KeyOutboxInterval, cfg.OutboxInterval))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	cl := cronLogger{log: log}
	c := cron.New(
		cron.WithLocation(loc),
		cron.WithLogger(cl),
		cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)),
	)
	ctx, cancel := context.WithCancel(context.Background())
	s := &Scheduler{cron: c, ctx: ctx, cancel: cancel}
	if cfg.Plan != nil {
		c.Schedule(planSchedule, cron.FuncJob(func() {
			tick := lastActivation(planSchedule, now().In(loc))
			if err := cfg.Plan.RunTick(s.ctx, tick); err != nil {
				log.Error("planning job failed", "tick", tick, "error", err)
			}
		}))
	}
	if cfg.Reminders != nil {
		c.Schedule(reminderSchedule, cron.FuncJob(func() {
			if err := cfg.Reminders.Run(s.ctx, now()); err != nil {
				log.Error("reminder job failed", "error", err)
			}
		}))
	}
	if cfg.Outbox != nil {
		c.Schedule(cron.Every(cfg.OutboxInterval), cron.FuncJob(func() {
			if err := cfg.Outbox.Run(s.ctx); err != nil {
				log.Error("outbox pass failed", "error", err)
			}
		}))
	}
	return s, nil
}

// parseSpec parses a standard five-field spec (or a descriptor such as
// @daily), naming key in the error.
func parseSpec(key, spec string) (cron.Schedule, error) {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("%s=%q is not a cron spec (minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\"): %w", key, spec, err)
	}
	return sched, nil
}

// Start starts the schedule in the background; Stop ends it.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling and waits for running jobs to finish. When ctx ends
// first, the jobs' context is cancelled and Stop still waits for them to
// return (they honour it promptly), then reports ctx's error.
func (s *Scheduler) Stop(ctx context.Context) error {
	stopped := s.cron.Stop()
	defer s.cancel()
	select {
	case <-stopped.Done():
		return nil
	case <-ctx.Done():
		s.cancel()
		<-stopped.Done()
		return fmt.Errorf("stop jobs: %w", ctx.Err())
	}
}

// tickLookback is how far back lastActivation looks for the activation a job
// runs for; cron starts a job at its activation time, so this only has to
// absorb a late wake-up.
const tickLookback = time.Hour

// lastActivation returns the latest activation of sched at or before now:
// the tick a job started by cron belongs to, the same on every instance
// whatever its scheduling delay. If none lies within tickLookback (the
// process was suspended), now to the second stands in.
func lastActivation(sched cron.Schedule, now time.Time) time.Time {
	t := sched.Next(now.Add(-tickLookback))
	if t.IsZero() || t.After(now) {
		return now.Truncate(time.Second)
	}
	for {
		next := sched.Next(t)
		if next.IsZero() || next.After(now) {
			return t
		}
		t = next
	}
}

// cronLogger adapts slog to cron's logger: its routine chatter (every
// wake-up and start) goes to debug, errors (recovered panics) to error.
type cronLogger struct {
	log *slog.Logger
}

// Info logs cron's routine messages at debug level.
func (l cronLogger) Info(msg string, keysAndValues ...any) {
	l.log.Debug("cron: "+msg, keysAndValues...)
}

// Error logs cron's errors.
func (l cronLogger) Error(err error, msg string, keysAndValues ...any) {
	l.log.Error("cron: "+msg, append([]any{"error", err}, keysAndValues...)...)
}
