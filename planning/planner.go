package planning

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/scheduler"
	"github.com/fieldvisit/fieldvisit/travel"
)

// Store is what the planner reads and writes; *store.Store implements it.
type Store interface {
	Trainers(ctx context.Context, f models.TrainerFilter, p models.Page) ([]models.Trainer, error)
	Clinics(ctx context.Context, f models.ClinicFilter, p models.Page) ([]models.Clinic, error)
	Requests(ctx context.Context, f models.RequestFilter, p models.Page) ([]models.Request, error)
	Visit(ctx context.Context, id string) (*models.Visit, error)
	Visits(ctx context.Context, f models.VisitFilter) ([]models.Visit, error)
	CreatePlan(ctx context.Context, p *models.Plan) error
}

// Config is what NewPlanner needs. Store, Travel and Location are required.
type Config struct {
	Store    Store
	Travel   travel.Source
	Location *time.Location
	// TimeLimit bounds the engine's search; 0 leaves it to the engine's
	// iteration budget, which makes a run depend only on its input and Seed.
	TimeLimit time.Duration
	// Saturday adds Saturday to the planned days (Monday to Friday otherwise).
	Saturday bool
	// Seed makes runs reproducible; every plan records the seed it used.
	Seed int64
	// Workers is the number of parallel searches (0 means 1).
	Workers int
	// Weights prices the objective; nil means scheduler.DefaultWeights.
	Weights *scheduler.Weights
	// MaxExtension bounds the longer shifts and moved pinned times that
	// explanations of unassigned requests suggest; 0 means the engine's
	// default of two hours.
	MaxExtension time.Duration
	// Now is the clock (nil means time.Now); Logger nil discards.
	Now    func() time.Time
	Logger *slog.Logger
}

// Planner plans one week at a time and saves the result as a draft.
type Planner struct {
	cfg Config
	log *slog.Logger
	now func() time.Time
}

// NewPlanner checks cfg and returns a Planner.
func NewPlanner(cfg Config) (*Planner, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("planning: Config.Store is required")
	case cfg.Travel == nil:
		return nil, errors.New("planning: Config.Travel is required")
	case cfg.Location == nil:
		return nil, errors.New("planning: Config.Location is required")
	case cfg.TimeLimit < 0:
		return nil, fmt.Errorf("planning: negative time limit %s", cfg.TimeLimit)
	}
	p := &Planner{cfg: cfg, log: cfg.Logger, now: cfg.Now}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

// Days is the number of days the planner plans from Monday.
func (p *Planner) Days() int {
	if p.cfg.Saturday {
		return 6
	}
	return 5
}

// PlanWeek plans the week starting on Monday week from the stored open
// requests, trainers, clinics and the week's published visits, and saves
// the result as a new draft version, which it returns. trigger says who
// asked ("cron", "api", "cli") and is recorded in the plan. Pins that cannot
// be honoured do not fail the run: they are named in the plan's warnings
// and the requests are listed as unassigned with reason "pin".
func (p *Planner) PlanWeek(ctx context.Context, week models.Date, trigger string) (*models.Plan, error) {
	if !week.StartsWeek() {
		return nil, &models.ValidationError{Fields: []models.FieldError{{Field: "week", Message: fmt.Sprintf("%q is not the date of a Monday", week)}}}
	}
	in, skipped, err := p.load(ctx, week)
	if err != nil {
		return nil, fmt.Errorf("plan week %s: %w", week, err)
	}
	prob, idx, err := Build(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("plan week %s: %w", week, err)
	}
	started := p.now()
	sol, err := scheduler.Solve(ctx, prob, scheduler.Options{
		Seed:            p.cfg.Seed,
		TimeLimit:       p.cfg.TimeLimit,
		StallIterations: scheduler.DefaultStallIterations(len(prob.Stops)),
		Workers:         p.cfg.Workers,
		Logger:          p.log,
		Now:             p.cfg.Now,
		Explain:         scheduler.ExplainOptions{MaxExtension: int64(p.cfg.MaxExtension / time.Second)},
	})
	var pinErr *scheduler.PinError
	if err != nil && !errors.As(err, &pinErr) {
		return nil, fmt.Errorf("plan week %s: solve: %w", week, err)
	}
	elapsed := p.now().Sub(started)
	plan := Decode(prob, idx, sol)
	plan.Warnings = append(plan.Warnings, skipped...)
	if pinErr != nil {
		plan.Warnings = append(plan.Warnings, pinWarnings(idx, pinErr)...)
	}
	plan.Status = models.PlanDraft
	plan.Trigger = trigger
	plan.Seed = p.cfg.Seed
	plan.KPIs.SolveMillis = elapsed.Milliseconds()
	if err := p.cfg.Store.CreatePlan(ctx, plan); err != nil {
		return nil, fmt.Errorf("plan week %s: save: %w", week, err)
	}
	p.log.Info("week planned", "week", week, "version", plan.Version, "trigger", trigger,
		"requests", plan.KPIs.Requests, "scheduled", plan.KPIs.Scheduled, "unassigned", len(plan.Unassigned),
		"trainer_days", plan.KPIs.TrainerDays, "travel_minutes", plan.KPIs.TravelMinutes,
		"moved", plan.KPIs.Moved, "warnings", len(plan.Warnings), "solve", elapsed)
	return plan, nil
}

// pinWarnings names each request whose pin the engine could not honour.
func pinWarnings(idx *Index, e *scheduler.PinError) []string {
	byID := map[string]*models.Request{}
	for _, r := range idx.StopRequests {
		byID[r.ID] = r
	}
	out := make([]string, 0, len(e.Stops))
	for _, id := range e.Stops {
		what := "pin"
		if idx.PinSources[id] == "confirmed" {
			what = "confirmed time"
		}
		clinic := ""
		if r := byID[id]; r != nil {
			if c := idx.Clinics[r.ClinicID]; c != nil {
				clinic = " (" + c.Name + ")"
			}
		}
		out = append(out, fmt.Sprintf("request %s%s: its %s cannot be honoured; it is left unassigned", id, clinic, what))
	}
	return out
}

// load reads the week's world from the store. The second result lists
// requests left out because they are booked in another week.
func (p *Planner) load(ctx context.Context, week models.Date) (Input, []string, error) {
	st := p.cfg.Store
	in := Input{
		Week: week, Days: p.Days(), Location: p.cfg.Location,
		Travel: p.cfg.Travel, Weights: p.cfg.Weights, History: History{},
	}
	var err error
	if in.Trainers, err = allPages(ctx, func(ctx context.Context, pg models.Page) ([]models.Trainer, error) {
		return st.Trainers(ctx, models.TrainerFilter{}, pg)
	}, func(t models.Trainer) string { return t.ID }); err != nil {
		return in, nil, fmt.Errorf("load trainers: %w", err)
	}
	if in.Clinics, err = allPages(ctx, func(ctx context.Context, pg models.Page) ([]models.Clinic, error) {
		return st.Clinics(ctx, models.ClinicFilter{}, pg)
	}, func(c models.Clinic) string { return c.ID }); err != nil {
		return in, nil, fmt.Errorf("load clinics: %w", err)
	}
	filter := models.RequestFilter{
		Statuses: []models.Status{models.StatusNew, models.StatusPlanned, models.StatusConfirmed},
		// No lower bound: an open request whose due date has passed still
		// needs its visit, and Build plans it as early as the week allows.
		To: week.AddDays(6),
	}
	requests, err := allPages(ctx, func(ctx context.Context, pg models.Page) ([]models.Request, error) {
		return st.Requests(ctx, filter, pg)
	}, func(r models.Request) string { return r.ID })
	if err != nil {
		return in, nil, fmt.Errorf("load requests: %w", err)
	}
	in.Published, err = st.Visits(ctx, models.VisitFilter{Week: week, Statuses: []models.VisitStatus{models.VisitScheduled}})
	if err != nil {
		return in, nil, fmt.Errorf("load published visits: %w", err)
	}
	inWeek := map[string]bool{}
	for _, v := range in.Published {
		inWeek[v.RequestID] = true
	}
	// A request spanning two weeks may already be booked in the other one;
	// planning it again would book it twice.
	var skipped []string
	for _, r := range requests {
		if r.Status != models.StatusNew && !inWeek[r.ID] {
			v, err := st.Visit(ctx, r.ID)
			switch {
			case err == nil && v.Status != models.VisitCancelled && v.Week != week:
				skipped = append(skipped, fmt.Sprintf("request %s is booked in the week of %s; not planned again", r.ID, v.Week))
				continue
			case err != nil && !errors.Is(err, models.ErrNotFound):
				return in, nil, fmt.Errorf("load visit of request %s: %w", r.ID, err)
			}
		}
		in.Requests = append(in.Requests, r)
	}
	done, err := st.Visits(ctx, models.VisitFilter{Statuses: []models.VisitStatus{models.VisitDone}})
	if err != nil {
		return in, nil, fmt.Errorf("load visit history: %w", err)
	}
	for _, v := range done {
		if in.History[v.ClinicID] == nil {
			in.History[v.ClinicID] = map[string]int{}
		}
		in.History[v.ClinicID][v.TrainerID]++
	}
	return in, skipped, nil
}

// allPages reads a paged list to its end.
func allPages[T any](ctx context.Context, page func(context.Context, models.Page) ([]T, error), id func(T) string) ([]T, error) {
	var all []T
	pg := models.Page{Limit: models.MaxPageSize}
	for {
		list, err := page(ctx, pg)
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
		if len(list) < pg.Limit {
			return all, nil
		}
		pg.After = id(list[len(list)-1])
	}
}
