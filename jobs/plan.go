package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/publish"
)

// JobPlan is the job name of planning runs in the job-run records.
const JobPlan = "plan"

// Outcomes recorded in job runs.
const (
	OutcomeOK     = "ok"
	OutcomeFailed = "failed"
	// OutcomeLeaseLost is a run stopped because its lease was taken over.
	OutcomeLeaseLost = "lease_lost"
)

// WeekPlanner plans one week and saves the result as a new draft plan
// version (planning.Planner implements it).
type WeekPlanner interface {
	PlanWeek(ctx context.Context, week models.Date, trigger string) (*models.Plan, error)
}

// Publisher publishes a plan version (publish.Publisher implements it).
type Publisher interface {
	Publish(ctx context.Context, week models.Date, version int) (publish.Result, error)
}

// JobRunStore records job runs (store.Store implements it).
type JobRunStore interface {
	StartJobRun(ctx context.Context, r *models.JobRun) error
	FinishJobRun(ctx context.Context, r *models.JobRun) error
}

// PlanStore is what a PlanRunner needs from the store.
type PlanStore interface {
	LeaseStore
	JobRunStore
}

// PlanRunnerConfig configures a PlanRunner.
type PlanRunnerConfig struct {
	Store   PlanStore
	Planner WeekPlanner
	// Publisher publishes each new plan when AutoPublish is set.
	Publisher   Publisher
	AutoPublish bool
	// Holder names this instance in leases and job runs; default HolderID().
	Holder string
	// Location is the service's time zone, in which a tick's date (and so
	// the week it plans) is read.
	Location *time.Location
	// LeaseTTL is how long a claim lasts without renewal: how long another
	// instance waits before taking over from a holder that died. Default
	// 30s: short, because the holder renews it while it works.
	LeaseTTL time.Duration
	// RenewEvery is how often the holder renews; default a third of LeaseTTL.
	RenewEvery time.Duration
	Logger     *slog.Logger
}

// PlanRunner runs the planning job: it claims the run with a lease, keeps
// the lease while the planner works, records the run, and publishes the
// result when auto-publish is on.
type PlanRunner struct {
	cfg PlanRunnerConfig
	log *slog.Logger
}

// NewPlanRunner checks cfg and fills its defaults.
func NewPlanRunner(cfg PlanRunnerConfig) (*PlanRunner, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("new plan runner: no store")
	case cfg.Planner == nil:
		return nil, errors.New("new plan runner: no planner")
	case cfg.AutoPublish && cfg.Publisher == nil:
		return nil, errors.New("new plan runner: auto-publish needs a publisher")
	case cfg.Location == nil:
		return nil, errors.New("new plan runner: no time zone")
	}
	if cfg.Holder == "" {
		cfg.Holder = HolderID()
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 30 * time.Second
	}
	if cfg.RenewEvery <= 0 {
		cfg.RenewEvery = cfg.LeaseTTL / 3
	}
	if cfg.RenewEvery >= cfg.LeaseTTL {
		return nil, fmt.Errorf("new plan runner: renewing every %s keeps no lease of %s alive", cfg.RenewEvery, cfg.LeaseTTL)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &PlanRunner{cfg: cfg, log: log.With("job", JobPlan, "holder", cfg.Holder)}, nil
}

// WeekAfter returns the week a planning tick at tick plans: the one that
// starts on the first Monday after the tick's date in loc. A nightly tick
// thus always plans the coming working week, and the tick of a Sunday night
// plans the week that starts the next day.
func WeekAfter(tick time.Time, loc *time.Location) models.Date {
	return models.DateOf(tick, loc).Monday().AddDays(7)
}

// TickResource names the lease of the planning tick at tick for week.
func TickResource(week models.Date, tick time.Time) string {
	return fmt.Sprintf("plan:%s@%s", week, tick.Format(time.RFC3339))
}

// RunTick is what cron calls: it plans the week after tick, unless another
// instance has claimed this tick, which is logged and not an error.
func (r *PlanRunner) RunTick(ctx context.Context, tick time.Time) error {
	tick = tick.In(r.cfg.Location)
	week := WeekAfter(tick, r.cfg.Location)
	_, err := r.run(ctx, week, "cron@"+tick.Format(time.RFC3339), TickResource(week, tick))
	if errors.Is(err, ErrClaimed) {
		r.log.Info("planning tick taken by another instance", "week", week, "tick", tick, "reason", err)
		return nil
	}
	return err
}

// Plan plans week now, on demand (the command line, an endpoint), and
// returns the new draft plan (published already when auto-publish is on):
// trigger says who asked, e.g. "api:<user id>" or "cli". Each manual run
// claims a lease of its own, so it always runs, and is recorded like a
// cron run.
func (r *PlanRunner) Plan(ctx context.Context, week models.Date, trigger string) (*models.Plan, error) {
	if !week.StartsWeek() {
		return nil, fmt.Errorf("plan week %q: %w", week, &models.ValidationError{Fields: []models.FieldError{{Field: "week", Message: "must be the date of a Monday, YYYY-MM-DD"}}})
	}
	return r.run(ctx, week, trigger, fmt.Sprintf("plan:%s@manual:%s", week, randomSuffix()+randomSuffix()))
}

// run claims resource, then plans week under the lease and records the run.
func (r *PlanRunner) run(ctx context.Context, week models.Date, trigger, resource string) (_ *models.Plan, err error) {
	lease, err := claim(ctx, r.cfg.Store, resource, r.cfg.Holder, r.cfg.LeaseTTL)
	if err != nil {
		return nil, fmt.Errorf("plan week %s: %w", week, err)
	}
	log := r.log.With("week", week, "trigger", trigger, "lease", lease.ID)
	run := &models.JobRun{Job: JobPlan, Holder: r.cfg.Holder, Trigger: trigger, Figures: map[string]any{"week": string(week)}}
	if err := r.cfg.Store.StartJobRun(ctx, run); err != nil {
		r.release(ctx, lease, false, log)
		return nil, fmt.Errorf("plan week %s: %w", week, err)
	}
	log.Info("planning started", "run", run.ID)

	held, stop := keepLease(ctx, r.cfg.Store, lease, r.cfg.LeaseTTL, r.cfg.RenewEvery, log)
	plan, err := r.planAndPublish(held, week, trigger, run.Figures)
	lost := context.Cause(held)
	stop()

	switch {
	case err == nil:
		run.Outcome = OutcomeOK
		if errors.Is(lost, ErrLeaseLost) {
			// The work is done and saved; another instance may have started
			// the same run meanwhile, which at worst saves a second draft.
			log.Warn("lease lost after the plan was saved", "cause", lost)
		}
	case errors.Is(lost, ErrLeaseLost):
		run.Outcome, err = OutcomeLeaseLost, fmt.Errorf("%w (%w)", lost, err)
	default:
		run.Outcome = OutcomeFailed
	}
	if err != nil {
		run.Error = err.Error()
	}
	fctx, cancel := detached(ctx)
	defer cancel()
	if ferr := r.cfg.Store.FinishJobRun(fctx, run); ferr != nil {
		log.Error("recording the end of a planning run failed", "run", run.ID, "error", ferr)
	}
	// A completed tick must never be planned again; a failed one may be
	// retried by an instance that fires for it later.
	r.release(fctx, lease, err == nil, log)
	if err != nil {
		log.Error("planning failed", "run", run.ID, "outcome", run.Outcome, "error", err)
		return nil, fmt.Errorf("plan week %s: %w", week, err)
	}
	log.Info("planning finished", "run", run.ID, "version", plan.Version, "scheduled", plan.KPIs.Scheduled, "unassigned", len(plan.Unassigned))
	return plan, nil
}

// planAndPublish runs the planner and, with auto-publish, the publisher,
// noting the figures of the result.
func (r *PlanRunner) planAndPublish(ctx context.Context, week models.Date, trigger string, figures map[string]any) (*models.Plan, error) {
	plan, err := r.cfg.Planner.PlanWeek(ctx, week, trigger)
	if err != nil {
		return nil, err
	}
	figures["plan_version"] = plan.Version
	figures["requests"] = plan.KPIs.Requests
	figures["scheduled"] = plan.KPIs.Scheduled
	figures["unassigned"] = len(plan.Unassigned)
	if len(plan.Phases) > 0 {
		figures["phases"] = phaseFigures(plan.Phases)
	}
	if !r.cfg.AutoPublish {
		return plan, nil
	}
	res, err := r.cfg.Publisher.Publish(ctx, week, plan.Version)
	if err != nil {
		return nil, fmt.Errorf("publish version %d: %w", plan.Version, err)
	}
	figures["published"] = true
	figures["visits_created"], figures["visits_moved"], figures["visits_cancelled"] = res.Created, res.Moved, res.Cancelled
	figures["mails_enqueued"] = res.Enqueued
	return plan, nil
}

// phaseFigures are the planner's phases as the job run stores them: name,
// round (solve and explain), milliseconds taken and, for a solve round,
// the search's time limit and what remained of the run's.
func phaseFigures(phases []models.PlanPhase) []map[string]any {
	out := make([]map[string]any, 0, len(phases))
	for _, ph := range phases {
		f := map[string]any{"name": ph.Name, "millis": ph.Took.Milliseconds()}
		if ph.Round > 0 {
			f["round"] = ph.Round
		}
		if ph.Limit > 0 {
			f["limit_millis"], f["left_millis"] = ph.Limit.Milliseconds(), ph.Left.Milliseconds()
		}
		out = append(out, f)
	}
	return out
}

func (r *PlanRunner) release(ctx context.Context, l *models.Lease, done bool, log *slog.Logger) {
	if err := r.cfg.Store.ReleaseLease(ctx, l, done); err != nil {
		// The lease expires by itself; only a takeover comes sooner.
		log.Warn("releasing the planning lease failed", "lease", l.ID, "error", err)
	}
}
