// Package publish makes a draft plan the published plan of its week: it
// turns the plan's stops into bookable visits, moves request statuses, and
// enqueues one e-mail per recipient and change in the outbox. Done visits
// (and booked visits whose request was closed as done) are history and
// never changed.
//
// # Order of writes
//
// MongoDB gives no transaction across documents, so a publication is a
// sequence of single-document writes that can stop anywhere (a crash, a
// lost connection). It is built so that running it again finishes the job
// without doing anything twice:
//
//  1. Visits. One function (decide) compares each visit with the plan and
//     produces the change set that Preview shows and this step applies, so
//     a preview and the publication after it cannot disagree: new visits
//     are created (Sequence 0), changed ones updated (Sequence+1) and ones
//     the plan dropped cancelled (Sequence+1). Every write stamps the visit with the
//     plan's version (PlanVersion), so a re-run sees that it was already
//     applied and leaves it alone; an unchanged visit keeps its older stamp.
//     A visit stamped with another version that is still a draft was
//     written by a publication that stopped half-way; when the plan keeps it
//     as it is, it is stamped with this version all the same, so that steps
//     2 and 3 announce the change that run made (publishing another version
//     after a crash must not swallow it).
//  2. Outbox. Every message is derived from stored state only: a visit
//     stamped with this version, the previously published plan (an
//     immutable document) and the trainers' and clinics' current contacts.
//     Its _id is the idempotency key of the change and recipient
//     ("visit:<id>:seq:<n>:clinic:<email>"), so enqueueing it again is a
//     no-op. A crash between a visit write and its messages is repaired by
//     the re-run, which enqueues the messages of every stamped visit.
//  3. Request statuses (a booked request is confirmed, as its e-mail says;
//     back to new when its visit vanished), each a version-guarded single
//     update that a re-run finds done.
//  4. Plan statuses, last: this plan becomes published, then any other
//     published plan of the week superseded. Until this step the plan is
//     still a draft, so a re-run redoes steps 1–3 (finding them done). A
//     publication of a plan that is already published only finishes step 4
//     and reports everything unchanged, so publishing the same version twice
//     changes and sends nothing.
//
// A lease per week ("publish:<week>") keeps two instances from publishing
// the same week at once; should it expire mid-run, the version-guarded
// writes and the idempotent outbox keys still keep the result consistent.
package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
)

// Store is what a publication reads and writes; *store.Store implements it.
type Store interface {
	Plan(ctx context.Context, week models.Date, version int) (*models.Plan, error)
	PublishedPlan(ctx context.Context, week models.Date) (*models.Plan, error)
	Plans(ctx context.Context, week models.Date) ([]models.Plan, error)
	SetPlanStatus(ctx context.Context, id string, rev int64, to models.PlanStatus, at *time.Time) (*models.Plan, error)
	Visits(ctx context.Context, f models.VisitFilter) ([]models.Visit, error)
	Visit(ctx context.Context, id string) (*models.Visit, error)
	CreateVisit(ctx context.Context, v *models.Visit) error
	UpdateVisit(ctx context.Context, v *models.Visit) error
	Requests(ctx context.Context, f models.RequestFilter, p models.Page) ([]models.Request, error)
	Request(ctx context.Context, id string) (*models.Request, error)
	SetRequestStatus(ctx context.Context, id string, version int64, to models.Status) (*models.Request, error)
	Clinic(ctx context.Context, id string) (*models.Clinic, error)
	Trainer(ctx context.Context, id string) (*models.Trainer, error)
	EnqueueMail(ctx context.Context, m *models.OutboxMessage) (created bool, err error)
	ClaimLease(ctx context.Context, resource, holder string, ttl time.Duration) (*models.Lease, error)
	RenewLease(ctx context.Context, l *models.Lease, ttl time.Duration) error
	ReleaseLease(ctx context.Context, l *models.Lease, done bool) error
}

// Composer writes the e-mails; *notify.Composer implements it.
type Composer interface {
	ClinicBooking(change notify.Change, b notify.Booking, now time.Time) (notify.Message, error)
	TrainerChange(change notify.Change, b notify.Booking, now time.Time) (notify.Message, error)
	TrainerWeek(t notify.Trainer, weekStart time.Time, planVersion int, bookings []notify.Booking, now time.Time) (notify.Message, error)
}

// Config is what New needs; Store, Composer and Location are required.
type Config struct {
	Store    Store
	Composer Composer
	Location *time.Location
	// Holder names this instance in leases (e.g. host:pid).
	Holder string
	// LeaseTTL bounds how long a crashed publisher blocks its week; zero
	// means DefaultLeaseTTL.
	LeaseTTL time.Duration
	// Now is the clock (nil means time.Now); Logger nil discards.
	Now    func() time.Time
	Logger *slog.Logger
}

// DefaultLeaseTTL is the lease a publication holds on its week, renewed
// while it runs (keepLease): short, so that on a shared MongoDB the week
// of a publisher that died is free again within a minute. (With the
// embedded database a restart ends the dead process's leases at once.)
const DefaultLeaseTTL = 30 * time.Second

// Result counts what a publication did. Visits are Created (new, or booked
// again after a cancellation or a visit reported not done), Moved (a booked
// visit whose trainer, date or time changed), Cancelled or left Unchanged; Enqueued counts the e-mails newly put in the outbox.
type Result struct {
	Week      models.Date `json:"week"`
	Version   int         `json:"version"`
	Created   int         `json:"created"`
	Moved     int         `json:"moved"`
	Cancelled int         `json:"cancelled"`
	Unchanged int         `json:"unchanged"`
	Enqueued  int         `json:"enqueued"`
	// Mails lists every e-mail of the publication (newly enqueued or found
	// in the outbox from an interrupted run), as Preview lists them.
	Mails []PlannedMail `json:"mails,omitempty"`
	// Warnings name what could not be done for one visit or recipient (a
	// request cancelled meanwhile, a contact without an address).
	Warnings []string `json:"warnings,omitempty"`
}

// Publisher publishes plans.
type Publisher struct {
	cfg Config
	log *slog.Logger
	now func() time.Time
}

// New checks cfg and returns a Publisher.
func New(cfg Config) (*Publisher, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("publish: Config.Store is required")
	case cfg.Composer == nil:
		return nil, errors.New("publish: Config.Composer is required")
	case cfg.Location == nil:
		return nil, errors.New("publish: Config.Location is required")
	}
	p := &Publisher{cfg: cfg, log: cfg.Logger, now: cfg.Now}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.cfg.Holder == "" {
		p.cfg.Holder = "publisher"
	}
	if p.cfg.LeaseTTL <= 0 {
		p.cfg.LeaseTTL = DefaultLeaseTTL
	}
	return p, nil
}

// Publish makes version version of week's plan the published one. A plan
// already published is left as it is (Result counts its visits as
// unchanged); a superseded one cannot be published again
// (models.ErrConflict), nor can a week another instance is publishing now.
func (p *Publisher) Publish(ctx context.Context, week models.Date, version int) (Result, error) {
	res := Result{Week: week, Version: version}
	if !week.StartsWeek() {
		return res, &models.ValidationError{Fields: []models.FieldError{{Field: "week", Message: fmt.Sprintf("%q is not the date of a Monday", week)}}}
	}
	plan, err := p.cfg.Store.Plan(ctx, week, version)
	if err != nil {
		return res, fmt.Errorf("publish %s: %w", models.PlanID(week, version), err)
	}
	if done, err := p.settled(ctx, plan, &res); done {
		return res, err
	}

	lease, err := p.cfg.Store.ClaimLease(ctx, "publish:"+string(week), p.cfg.Holder, p.cfg.LeaseTTL)
	if err != nil {
		return res, fmt.Errorf("publish %s: %w", plan.ID, err)
	}
	stopRenewing := p.keepLease(ctx, lease)
	defer func() {
		stopRenewing()
		if err := p.cfg.Store.ReleaseLease(context.WithoutCancel(ctx), lease, false); err != nil {
			p.log.Warn("release publish lease", "week", week, "err", err)
		}
	}()
	// Read the plan again under the lease: another instance may have
	// published it between the first read and the claim. Going on with the
	// stale draft would take the plan for its own predecessor and mail every
	// trainer a change for each visit on top of the week they just got.
	if plan, err = p.cfg.Store.Plan(ctx, week, version); err != nil {
		return res, fmt.Errorf("publish %s: %w", models.PlanID(week, version), err)
	}
	if done, err := p.settled(ctx, plan, &res); done {
		return res, err
	}

	run, err := p.newRun(ctx, plan)
	if err != nil {
		return res, fmt.Errorf("publish %s: %w", plan.ID, err)
	}
	run.res = &res
	if err := run.decide(ctx); err != nil {
		return res, fmt.Errorf("publish %s: %w", plan.ID, err)
	}
	if err := run.apply(ctx); err != nil {
		return res, fmt.Errorf("publish %s: %w", plan.ID, err)
	}
	if err := run.enqueue(ctx); err != nil {
		return res, fmt.Errorf("publish %s: %w", plan.ID, err)
	}
	res.Mails = run.mails
	if err := run.moveRequests(ctx); err != nil {
		return res, fmt.Errorf("publish %s: %w", plan.ID, err)
	}
	at := p.now()
	published, err := p.cfg.Store.SetPlanStatus(ctx, plan.ID, plan.Rev, models.PlanPublished, &at)
	if err != nil {
		return res, fmt.Errorf("publish %s: %w", plan.ID, err)
	}
	if err := p.supersedeOthers(ctx, published); err != nil {
		return res, err
	}
	p.log.Info("plan published", "week", week, "version", version, "created", res.Created, "moved", res.Moved,
		"cancelled", res.Cancelled, "unchanged", res.Unchanged, "enqueued", res.Enqueued, "warnings", len(res.Warnings))
	for _, w := range res.Warnings {
		p.log.Warn("publish", "week", week, "version", version, "warning", w)
	}
	return res, nil
}

// settled handles a plan whose publication is over and reports done for it:
// a superseded plan is refused, and a published one only has any other
// published plan of its week retired (a crash may have hit between the two
// status changes) and its visits counted unchanged. A draft is not done.
func (p *Publisher) settled(ctx context.Context, plan *models.Plan, res *Result) (done bool, err error) {
	switch plan.Status {
	case models.PlanSuperseded:
		return true, fmt.Errorf("publish %s: %w", plan.ID, &models.ConflictError{
			Message: fmt.Sprintf("plan %s was superseded by a later publication; run or pick a newer version", plan.ID)})
	case models.PlanPublished:
		if err := p.supersedeOthers(ctx, plan); err != nil {
			return true, err
		}
		res.Unchanged = stopCount(plan)
		return true, nil
	}
	return false, nil
}

// supersedeOthers marks every other published plan of the week superseded.
func (p *Publisher) supersedeOthers(ctx context.Context, published *models.Plan) error {
	list, err := p.cfg.Store.Plans(ctx, published.Week)
	if err != nil {
		return fmt.Errorf("publish %s: list the week's plans: %w", published.ID, err)
	}
	for _, other := range list {
		if other.Status != models.PlanPublished || other.ID == published.ID {
			continue
		}
		if _, err := p.cfg.Store.SetPlanStatus(ctx, other.ID, other.Rev, models.PlanSuperseded, nil); err != nil {
			return fmt.Errorf("publish %s: supersede %s: %w", published.ID, other.ID, err)
		}
	}
	return nil
}

func stopCount(plan *models.Plan) int {
	n := 0
	for _, r := range plan.Routes {
		n += len(r.Stops)
	}
	return n
}

// wanted is one stop of the plan with the route it is on.
type wanted struct {
	route *models.PlanRoute
	stop  *models.PlanStop
}

// run is the state of one publication.
type run struct {
	p    *Publisher
	plan *models.Plan
	res  *Result
	now  time.Time
	// prev is the previously published plan, nil on the first publication
	// of the week; prevStops indexes its stops by request and prevTrainers
	// lists the trainers it gave visits (they already have their week).
	prev         *models.Plan
	prevStops    map[string]wanted
	prevTrainers map[string]bool
	// unfinished holds the other versions of the week that are still
	// drafts: a visit stamped with one was written by a publication that
	// stopped before it was done, and its mails may never have been queued.
	unfinished map[int]bool
	wanted     map[string]wanted
	visits     map[string]*models.Visit
	// changes are decide's decisions, mails the e-mails of the run. A
	// preview decides and composes but writes nothing; a synthetic one
	// compares with a plan version instead of the stored visits.
	changes   []*change
	mails     []PlannedMail
	preview   bool
	synthetic bool
	requests  map[string]*models.Request
	clinics   map[string]*models.Clinic
	trainers  map[string]*models.Trainer
}

func (p *Publisher) newRun(ctx context.Context, plan *models.Plan) (*run, error) {
	st := p.cfg.Store
	r := &run{
		p: p, plan: plan, now: p.now(),
		prevStops: map[string]wanted{}, prevTrainers: map[string]bool{}, unfinished: map[int]bool{},
		wanted: map[string]wanted{}, visits: map[string]*models.Visit{},
		requests: map[string]*models.Request{}, clinics: map[string]*models.Clinic{}, trainers: map[string]*models.Trainer{},
	}
	prev, err := st.PublishedPlan(ctx, plan.Week)
	switch {
	case err == nil:
		r.prev = prev
		for i := range prev.Routes {
			route := &prev.Routes[i]
			for j := range route.Stops {
				r.prevStops[route.Stops[j].RequestID] = wanted{route, &route.Stops[j]}
				r.prevTrainers[route.TrainerID] = true
			}
		}
	case !errors.Is(err, models.ErrNotFound):
		return nil, fmt.Errorf("load the published plan: %w", err)
	}
	versions, err := st.Plans(ctx, plan.Week)
	if err != nil {
		return nil, fmt.Errorf("list the week's plans: %w", err)
	}
	for _, v := range versions {
		if v.Status == models.PlanDraft && v.Version != plan.Version {
			r.unfinished[v.Version] = true
		}
	}
	for i := range plan.Routes {
		route := &plan.Routes[i]
		for j := range route.Stops {
			r.wanted[route.Stops[j].RequestID] = wanted{route, &route.Stops[j]}
		}
	}
	visits, err := st.Visits(ctx, models.VisitFilter{Week: plan.Week})
	if err != nil {
		return nil, fmt.Errorf("load the week's visits: %w", err)
	}
	for i := range visits {
		r.visits[visits[i].ID] = &visits[i]
	}
	// Every request the plan can name lies in the week; one read, not one
	// per stop.
	pg := models.Page{Limit: models.MaxPageSize}
	for {
		list, err := st.Requests(ctx, models.RequestFilter{From: plan.Week, To: plan.Week.AddDays(6)}, pg)
		if err != nil {
			return nil, fmt.Errorf("load the week's requests: %w", err)
		}
		for i := range list {
			r.requests[list[i].ID] = &list[i]
		}
		if len(list) < pg.Limit {
			break
		}
		pg.After = list[len(list)-1].ID
	}
	return r, nil
}

func (r *run) warn(format string, args ...any) {
	r.res.Warnings = append(r.res.Warnings, fmt.Sprintf(format, args...))
}

// request returns the request of id, loading it when it lies outside the
// week's range (a visit of this week whose request was edited since).
func (r *run) request(ctx context.Context, id string) (*models.Request, error) {
	if q, ok := r.requests[id]; ok {
		return q, nil
	}
	q, err := r.p.cfg.Store.Request(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		r.requests[id] = nil
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load request %s: %w", id, err)
	}
	r.requests[id] = q
	return q, nil
}

// visitFor is the visit the plan wants for one stop.
func (r *run) visitFor(route models.PlanRoute, stop models.PlanStop, req *models.Request) *models.Visit {
	return &models.Visit{
		ID:            req.ID,
		RequestID:     req.ID,
		ClinicID:      req.ClinicID,
		TrainerID:     route.TrainerID,
		Week:          r.plan.Week,
		Date:          route.Date,
		Start:         stop.Start.UTC(),
		End:           stop.End.UTC(),
		Kind:          req.Kind,
		Topic:         req.Topic,
		Participants:  req.Participants,
		Status:        models.VisitScheduled,
		PlanVersion:   r.plan.Version,
		UID:           models.VisitUID(req.ID),
		RequestDigest: models.BookingDigest(req),
	}
}

// changed lists the visits this publication wrote, in a stable order.
func (r *run) changed() []*models.Visit {
	var out []*models.Visit
	for _, v := range r.visits {
		if v.PlanVersion == r.plan.Version && v.Week == r.plan.Week {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b *models.Visit) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// moveRequests is step 3: a booked visit makes its request confirmed (the
// booking is what the clinic's e-mail confirms, and a moved booking stays
// booked), and a request whose visit vanished is new again. A request the
// publication leaves alone keeps its status.
func (r *run) moveRequests(ctx context.Context) error {
	for _, v := range r.changed() {
		req, err := r.request(ctx, v.RequestID)
		if err != nil {
			return err
		}
		if req == nil || !req.Status.Open() {
			continue
		}
		var steps []models.Status
		switch {
		case v.Status == models.VisitCancelled && req.Status != models.StatusNew:
			steps = []models.Status{models.StatusNew}
		case v.Status == models.VisitScheduled && req.Status == models.StatusNew:
			steps = []models.Status{models.StatusPlanned, models.StatusConfirmed}
		case v.Status == models.VisitScheduled && req.Status == models.StatusPlanned:
			steps = []models.Status{models.StatusConfirmed}
		}
		for _, to := range steps {
			if err := r.setStatus(ctx, r.requests[req.ID], to); err != nil {
				return err
			}
		}
	}
	return nil
}

// setStatus moves a request, re-reading it once when someone else changed
// it since it was loaded.
func (r *run) setStatus(ctx context.Context, req *models.Request, to models.Status) error {
	st := r.p.cfg.Store
	got, err := st.SetRequestStatus(ctx, req.ID, req.Version, to)
	if errors.Is(err, models.ErrConflict) {
		fresh, ferr := st.Request(ctx, req.ID)
		if ferr != nil {
			return fmt.Errorf("reload request %s: %w", req.ID, ferr)
		}
		if fresh.Status == to || !models.CanTransition(fresh.Status, to) {
			r.requests[req.ID] = fresh
			if fresh.Status != to {
				r.warn("request %s is %s now; left as it is", req.ID, fresh.Status)
			}
			return nil
		}
		got, err = st.SetRequestStatus(ctx, fresh.ID, fresh.Version, to)
	}
	if err != nil {
		return fmt.Errorf("move request %s to %s: %w", req.ID, to, err)
	}
	r.requests[req.ID] = got
	return nil
}
