package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
)

// TickRunner runs the planning job for a cron tick (PlanRunner).
type TickRunner interface {
	RunTick(ctx context.Context, tick time.Time) error
}

// DayRunner runs a daily job for the day of now (Reminders).
type DayRunner interface {
	Run(ctx context.Context, now time.Time) error
}

// PassRunner makes one pass of a periodic job (Dispatcher, Housekeeping).
type PassRunner interface {
	Run(ctx context.Context) error
}

// CronConfig says which jobs run when. A nil job is not scheduled (and its
// schedule is not needed). Schedules and the zone come parsed and checked
// (config.Config.Schedules): there is nothing left here to get wrong.
type CronConfig struct {
	// Location is the service's time zone, in which schedules are read and
	// a planning tick's date is taken.
	Location *time.Location
	// PlanSchedule is when the planning run starts.
	PlanSchedule cron.Schedule
	Plan         TickRunner
	// ReminderSchedule is when the reminder run starts.
	ReminderSchedule cron.Schedule
	Reminders        DayRunner
	// HousekeepingSchedule is when housekeeping runs.
	HousekeepingSchedule cron.Schedule
	Housekeeping         PassRunner
	// OutboxInterval is the time between outbox passes (cron rounds it up
	// to a whole second).
	OutboxInterval time.Duration
	Outbox         PassRunner
	// Now is the clock jobs get their tick and day from; default time.Now.
	// Cron itself wakes by the system clock.
	Now    func() time.Time
	Logger *slog.Logger
}

// Cron runs the jobs on their schedules with robfig/cron: a panicking job
// is recovered and logged, and a job still running when its next time
// comes is skipped rather than doubled. Jobs get a context that Stop
// cancels when its own deadline passes.
type Cron struct {
	cron   *cron.Cron
	ctx    context.Context
	cancel context.CancelFunc
}

// NewCron registers the jobs on their schedules; a job without a schedule
// is an error.
func NewCron(cfg CronConfig) (*Cron, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	var errs []error
	if cfg.Location == nil {
		errs = append(errs, errors.New("no time zone"))
	}
	if cfg.Plan != nil && cfg.PlanSchedule == nil {
		errs = append(errs, errors.New("the planning job has no schedule"))
	}
	if cfg.Reminders != nil && cfg.ReminderSchedule == nil {
		errs = append(errs, errors.New("the reminder job has no schedule"))
	}
	if cfg.Housekeeping != nil && cfg.HousekeepingSchedule == nil {
		errs = append(errs, errors.New("the housekeeping job has no schedule"))
	}
	if cfg.Outbox != nil && cfg.OutboxInterval <= 0 {
		errs = append(errs, fmt.Errorf("outbox interval %s is not positive", cfg.OutboxInterval))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("new cron: %w", err)
	}

	loc := cfg.Location
	cl := cronLogger{log: log}
	c := cron.New(
		cron.WithLocation(loc),
		cron.WithLogger(cl),
		cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)),
	)
	ctx, cancel := context.WithCancel(context.Background())
	s := &Cron{cron: c, ctx: ctx, cancel: cancel}
	if cfg.Plan != nil {
		c.Schedule(cfg.PlanSchedule, cron.FuncJob(func() {
			tick := lastActivation(cfg.PlanSchedule, now().In(loc))
			if err := cfg.Plan.RunTick(s.ctx, tick); err != nil {
				log.Error("planning job failed", "tick", tick, "error", err)
			}
		}))
	}
	if cfg.Reminders != nil {
		c.Schedule(cfg.ReminderSchedule, cron.FuncJob(func() {
			if err := cfg.Reminders.Run(s.ctx, now()); err != nil {
				log.Error("reminder job failed", "error", err)
			}
		}))
	}
	if cfg.Housekeeping != nil {
		c.Schedule(cfg.HousekeepingSchedule, cron.FuncJob(func() {
			if err := cfg.Housekeeping.Run(s.ctx); err != nil {
				log.Warn("housekeeping failed; it runs again next time", "error", err)
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

// Start starts the schedule in the background; Stop ends it.
func (s *Cron) Start() { s.cron.Start() }

// Stop stops scheduling and waits for running jobs to finish. When ctx ends
// first, the jobs' context is cancelled and Stop still waits for them to
// return (they honour it promptly), then reports ctx's error.
func (s *Cron) Stop(ctx context.Context) error {
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
