package planning

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/scheduler"
	"github.com/fieldvisit/fieldvisit/travel"
)

// Store is what the planner reads and writes; *store.Store implements it.
type Store interface {
	AllTrainers(ctx context.Context) ([]models.Trainer, error)
	AllClinics(ctx context.Context) ([]models.Clinic, error)
	AllRequests(ctx context.Context, f models.RequestFilter) ([]models.Request, error)
	Request(ctx context.Context, id string) (*models.Request, error)
	Visits(ctx context.Context, f models.VisitFilter) ([]models.Visit, error)
	CreatePlan(ctx context.Context, p *models.Plan) error
	Plan(ctx context.Context, week models.Date, version int) (*models.Plan, error)
	LatestPlan(ctx context.Context, week models.Date) (*models.Plan, error)
	MarkPlanEdited(ctx context.Context, id string, rev int64) (*models.Plan, error)
	UnmarkPlanEdited(ctx context.Context, id string, rev int64) error
}

// Config is what NewPlanner needs. Store, Travel and Location are required.
type Config struct {
	Store    Store
	Travel   travel.Source
	Location *time.Location
	// TimeLimit bounds the whole run, from loading the week to saving the
	// plan: each search gets what remains less a reserve for the phases
	// after it. 0 leaves the search to the engine's iteration budget, which
	// makes a run depend only on its input and Seed.
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

// RunOptions choose how a run treats the week's booked (published) visits.
// The zero value is a repair.
type RunOptions struct {
	// Mode is models.PlanRepair ("" too) or models.PlanOptimise.
	Mode string
	// MaxChanges, in optimise mode, caps how many booked visits may move
	// (or drop out); nil leaves it to the engine's pricing.
	MaxChanges *int
}

// Validate refuses an unknown mode or a negative cap.
func (o RunOptions) Validate() error {
	v := &models.ValidationError{}
	switch o.Mode {
	case "", models.PlanRepair, models.PlanOptimise:
	default:
		v.Add("mode", "must be %s or %s", models.PlanRepair, models.PlanOptimise)
	}
	if o.MaxChanges != nil {
		switch {
		case *o.MaxChanges < 0:
			v.Add("max_changes", "must not be negative")
		case o.Mode != models.PlanOptimise:
			v.Add("max_changes", "applies only to mode %s; a repair moves only what must move", models.PlanOptimise)
		}
	}
	return v.Err()
}

type runOptionsKey struct{}

// WithRunOptions returns ctx carrying o for PlanWeek. The options travel in
// the context because a run goes through the jobs runner (lease, job
// record), whose entry point other callers rely on and which has no say in
// how a week is planned.
func WithRunOptions(ctx context.Context, o RunOptions) context.Context {
	return context.WithValue(ctx, runOptionsKey{}, o)
}

// runOptions returns the options ctx carries; a repair when none.
func runOptions(ctx context.Context) RunOptions {
	o, _ := ctx.Value(runOptionsKey{}).(RunOptions)
	return o
}

// maxRounds bounds how often a run solves again after releasing booked
// visits that cannot stay or holding back moves beyond the cap.
const maxRounds = 5

// PlanWeek plans the week starting on Monday week from the stored open
// requests, trainers, clinics and the week's published visits, and saves
// the result as a new draft version, which it returns. trigger says who
// asked ("cron", "api", "cli") and is recorded in the plan. Pins that cannot
// be honoured do not fail the run: they are named in the plan's warnings
// and the requests are listed as unassigned with reason "pin".
//
// The run is a repair unless ctx carries other RunOptions (WithRunOptions):
// every booked visit whose request is unchanged and whose trainer still
// works that day is pinned to its trainer, day and start; those the pins
// leave infeasible are released and the week solved again, so that only
// what must move moves.
//
// It stays one function on purpose: its phases (load, build, the solve
// rounds, decode, save) share one deadline and one phase record, and read
// best top to bottom.
func (p *Planner) PlanWeek(ctx context.Context, week models.Date, trigger string) (*models.Plan, error) {
	if !week.StartsWeek() {
		return nil, &models.ValidationError{Fields: []models.FieldError{{Field: "week", Message: fmt.Sprintf("%q is not the date of a Monday", week)}}}
	}
	opts := runOptions(ctx)
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("plan week %s: %w", week, err)
	}
	clock := newRunClock(p.now, p.cfg.TimeLimit)
	in, skipped, err := p.load(ctx, week)
	if err != nil {
		return nil, fmt.Errorf("plan week %s: %w", week, err)
	}
	clock.mark("load")
	in.Optimise = opts.Mode == models.PlanOptimise
	prob, idx, err := Build(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("plan week %s: %w", week, err)
	}
	clock.mark("build")
	var (
		sol    *scheduler.Solution
		pinErr *scheduler.PinError
		notes  []string
		// released holds the booked visits whose slot no longer fits.
		released = map[string]bool{}
	)
	for round := 0; ; round++ {
		pinErr = nil
		// Another round follows only when booked visits are pinned (one
		// may no longer fit) or moves are capped; then this round leaves
		// it half of the time.
		share := 1
		if round+1 < maxRounds && (hasBookedPins(idx) || (in.Optimise && opts.MaxChanges != nil)) {
			share = 2
		}
		limit, left, explainBy := clock.solveBudget(len(prob.Stops), share)
		var explained time.Duration
		sol, err = scheduler.Solve(ctx, prob, scheduler.Options{
			Seed:            p.cfg.Seed,
			TimeLimit:       limit,
			StallIterations: scheduler.DefaultStallIterations(len(prob.Stops)),
			Workers:         p.cfg.Workers,
			Logger:          p.log,
			Now:             p.now,
			Explain: scheduler.ExplainOptions{MaxExtension: int64(p.cfg.MaxExtension / time.Second), Deadline: explainBy,
				Explained: func(took time.Duration) { explained = took }},
		})
		if err != nil && !errors.As(err, &pinErr) {
			return nil, fmt.Errorf("plan week %s: solve: %w", week, err)
		}
		clock.solved(round+1, limit, left, explained)
		if round+1 >= maxRounds {
			break
		}
		if pinErr != nil && releaseBooked(prob, idx, pinErr.Stops, released, &notes) {
			continue
		}
		if in.Optimise && opts.MaxChanges != nil && holdBack(prob, idx, sol, *opts.MaxChanges, released) {
			continue
		}
		break
	}
	plan := Decode(prob, idx, sol)
	plan.Warnings = append(plan.Warnings, skipped...)
	plan.Warnings = append(plan.Warnings, notes...)
	if pinErr != nil {
		plan.Warnings = append(plan.Warnings, pinWarnings(idx, pinErr)...)
	}
	plan.KPIs.Moved = movedBookings(in, plan)
	plan.Pins = keptPins(in)
	plan.Status = models.PlanDraft
	plan.Trigger = trigger
	plan.Mode = models.PlanRepair
	if in.Optimise {
		plan.Mode = models.PlanOptimise
	}
	plan.Seed = p.cfg.Seed
	plan.KPIs.SolveMillis = clock.solving().Milliseconds()
	clock.mark("decode")
	if err := p.cfg.Store.CreatePlan(ctx, plan); err != nil {
		return nil, fmt.Errorf("plan week %s: save: %w", week, err)
	}
	clock.mark("save")
	plan.Phases = clock.phases
	p.log.Info("week planned", "week", week, "version", plan.Version, "trigger", trigger, "mode", plan.Mode,
		"requests", plan.KPIs.Requests, "scheduled", plan.KPIs.Scheduled, "unassigned", len(plan.Unassigned),
		"trainer_days", plan.KPIs.TrainerDays, "travel_minutes", plan.KPIs.TravelMinutes,
		"moved", plan.KPIs.Moved, "warnings", len(plan.Warnings),
		"took", p.now().Sub(clock.started), "time_limit", p.cfg.TimeLimit, "phases", clock.summary())
	return plan, nil
}

// hasBookedPins reports whether a repair keeps booked visits in place, any
// of which may no longer fit and make the run solve again.
func hasBookedPins(idx *Index) bool {
	for _, src := range idx.PinSources {
		if src == PinBooked {
			return true
		}
	}
	return false
}

// keptPins are the edit pins of in's open requests, carried into the new
// plan so that they hold for the week's later runs too.
func keptPins(in Input) []models.EditPin {
	open := map[string]bool{}
	for _, r := range in.Requests {
		open[r.ID] = true
	}
	var out []models.EditPin
	for _, p := range in.EditPins {
		if open[p.RequestID] {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b models.EditPin) int { return cmp.Compare(a.RequestID, b.RequestID) })
	return out
}

// releaseBooked unpins the booked visits among stops (whose pins the engine
// could not honour), leaving their old slot priced as Previous, and reports
// whether it released any. A coordinator's pin is never released.
func releaseBooked(p *scheduler.Problem, idx *Index, stops []string, released map[string]bool, notes *[]string) bool {
	done := false
	for _, id := range stops {
		if idx.PinSources[id] != PinBooked {
			continue
		}
		i := stopIndex(p, id)
		if i < 0 {
			continue
		}
		p.Stops[i].Pin = nil
		delete(idx.PinSources, id)
		released[id] = true
		done = true
		*notes = append(*notes, fmt.Sprintf("request %s: its booked time no longer fits; it is placed again", id))
	}
	return done
}

// holdBack, when more than limit booked visits moved in sol, pins every
// booked visit back to its booked slot except limit of the movers (the
// strongest priorities first, then by id) and those released because their
// slot no longer fits. It reports whether it pinned any.
func holdBack(p *scheduler.Problem, idx *Index, sol *scheduler.Solution, limit int, released map[string]bool) bool {
	moved := slices.DeleteFunc(movedStops(p, sol), func(i int) bool { return released[p.Stops[i].ID] })
	if len(moved) <= limit {
		return false
	}
	slices.SortFunc(moved, func(a, b int) int {
		return cmp.Or(cmp.Compare(p.Stops[a].Priority, p.Stops[b].Priority), cmp.Compare(p.Stops[a].ID, p.Stops[b].ID))
	})
	free := map[int]bool{}
	for _, i := range moved[:limit] {
		free[i] = true
	}
	held := false
	for i := range p.Stops {
		s := &p.Stops[i]
		if s.Previous == nil || s.Pin != nil || free[i] || released[s.ID] {
			continue
		}
		s.Pin = BookedPin(s.Previous)
		idx.PinSources[s.ID] = PinBooked
		held = true
	}
	return held
}

// movedStops lists the stops with a Previous placement that sol leaves out
// or serves on another trainer, day or start.
func movedStops(p *scheduler.Problem, sol *scheduler.Solution) []int {
	type at struct {
		vehicle string
		day     int
		start   int64
	}
	placed := map[int]at{}
	for _, rp := range sol.Routes {
		route := &p.Routes[rp.Route]
		for _, v := range rp.Visits {
			placed[v.Stop] = at{route.Vehicle, route.Day, v.Start}
		}
	}
	var out []int
	for i := range p.Stops {
		prev := p.Stops[i].Previous
		if prev == nil {
			continue
		}
		if got, ok := placed[i]; !ok || got != (at{prev.Vehicle, prev.Day, prev.Start}) {
			out = append(out, i)
		}
	}
	return out
}

func stopIndex(p *scheduler.Problem, id string) int {
	return slices.IndexFunc(p.Stops, func(s scheduler.Stop) bool { return s.ID == id })
}

// movedBookings counts the booked visits of the week the plan moves or
// drops, by the definition publishing uses (models.Visit.Unchanged): a
// visit whose request was closed as done is history and not counted.
func movedBookings(in Input, plan *models.Plan) int {
	type slot struct {
		route *models.PlanRoute
		stop  *models.PlanStop
	}
	stops := map[string]slot{}
	for i := range plan.Routes {
		for j := range plan.Routes[i].Stops {
			stops[plan.Routes[i].Stops[j].RequestID] = slot{&plan.Routes[i], &plan.Routes[i].Stops[j]}
		}
	}
	n := 0
	for i := range in.Published {
		v := &in.Published[i]
		if v.Status != models.VisitScheduled || in.closed[v.RequestID] {
			continue
		}
		if s, ok := stops[v.RequestID]; !ok || !v.Unchanged(s.route, s.stop) {
			n++
		}
	}
	return n
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
		if idx.PinSources[id] == PinBooked {
			what = "booked time"
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
	if in.Trainers, err = st.AllTrainers(ctx); err != nil {
		return in, nil, fmt.Errorf("load trainers: %w", err)
	}
	if in.Clinics, err = st.AllClinics(ctx); err != nil {
		return in, nil, fmt.Errorf("load clinics: %w", err)
	}
	filter := models.RequestFilter{
		Statuses: []models.Status{models.StatusNew, models.StatusPlanned, models.StatusConfirmed},
		// No lower bound: an open request whose due date has passed still
		// needs its visit, and Build plans it as early as the week allows.
		To: week.AddDays(6),
	}
	requests, err := st.AllRequests(ctx, filter)
	if err != nil {
		return in, nil, fmt.Errorf("load requests: %w", err)
	}
	// Every booked and done visit in one query, not one per request: each
	// query is a full scan of the visits on the embedded database.
	visits, err := st.Visits(ctx, models.VisitFilter{Statuses: []models.VisitStatus{models.VisitScheduled, models.VisitDone}})
	if err != nil {
		return in, nil, fmt.Errorf("load visits: %w", err)
	}
	visitOf, done := in.sortVisits(visits)
	skipped := in.keepRequests(requests, visitOf)
	if err := in.loadEditPins(ctx, st); err != nil {
		return in, nil, err
	}
	if err := in.markClosed(ctx, st, requests); err != nil {
		return in, nil, err
	}
	in.addHistory(done)
	return in, skipped, nil
}

// sortVisits files the booked visits of the week as published and answers
// every visit by request and the done ones, for history.
func (in *Input) sortVisits(visits []models.Visit) (map[string]*models.Visit, []models.Visit) {
	visitOf := make(map[string]*models.Visit, len(visits))
	var done []models.Visit
	for i := range visits {
		v := &visits[i]
		visitOf[v.RequestID] = v
		switch {
		case v.Status == models.VisitDone:
			done = append(done, *v)
		case v.Week == in.Week:
			in.Published = append(in.Published, *v)
		}
	}
	return visitOf, done
}

// keepRequests takes the requests to plan. A request spanning two weeks may
// already be booked in the other one; planning it again would book it
// twice, so it is skipped with a line saying so.
func (in *Input) keepRequests(requests []models.Request, visitOf map[string]*models.Visit) []string {
	inWeek := map[string]bool{}
	for _, v := range in.Published {
		inWeek[v.RequestID] = true
	}
	var skipped []string
	for _, r := range requests {
		if r.Status != models.StatusNew && !inWeek[r.ID] {
			if v := visitOf[r.ID]; v != nil && v.Week != in.Week {
				skipped = append(skipped, fmt.Sprintf("request %s is booked in the week of %s; not planned again", r.ID, v.Week))
				continue
			}
		}
		in.Requests = append(in.Requests, r)
	}
	return skipped
}

// loadEditPins keeps the coordinators' hand edits of the week in force.
func (in *Input) loadEditPins(ctx context.Context, st Store) error {
	switch latest, err := st.LatestPlan(ctx, in.Week); {
	case err == nil && len(latest.Pins) > 0:
		in.EditPins = map[string]models.EditPin{}
		for _, pin := range latest.Pins {
			in.EditPins[pin.RequestID] = pin
		}
	case err != nil && !errors.Is(err, models.ErrNotFound):
		return fmt.Errorf("load the week's edits: %w", err)
	}
	return nil
}

// markClosed marks the booked visits whose request was closed as done:
// history, which neither a plan nor a publication changes.
func (in *Input) markClosed(ctx context.Context, st Store, requests []models.Request) error {
	in.closed = map[string]bool{}
	open := map[string]bool{}
	for _, r := range requests {
		open[r.ID] = true
	}
	for _, v := range in.Published {
		if open[v.RequestID] {
			continue
		}
		r, err := st.Request(ctx, v.RequestID)
		switch {
		case err == nil && r.Status == models.StatusDone:
			in.closed[v.RequestID] = true
		case err != nil && !errors.Is(err, models.ErrNotFound):
			return fmt.Errorf("load request %s of a booked visit: %w", v.RequestID, err)
		}
	}
	return nil
}

// addHistory counts the done visits per clinic and trainer, for continuity.
func (in *Input) addHistory(done []models.Visit) {
	for _, v := range done {
		if v.Outcome != nil && v.Outcome.Result == models.OutcomeNotDone {
			continue // the trainer never got to know the clinic
		}
		if in.History[v.ClinicID] == nil {
			in.History[v.ClinicID] = map[string]int{}
		}
		in.History[v.ClinicID][v.TrainerID]++
	}
}
