package publish

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// ChangeKind says what publishing does to one visit.
type ChangeKind string

// Change kinds of a visit in a change set.
const (
	ChangeAdded     ChangeKind = "added"
	ChangeMoved     ChangeKind = "moved"
	ChangeDropped   ChangeKind = "dropped"
	ChangeUnchanged ChangeKind = "unchanged"
)

// Slot is where and when a visit takes place.
type Slot struct {
	TrainerID string      `json:"trainer_id"`
	Date      models.Date `json:"date"`
	Start     time.Time   `json:"start"`
	End       time.Time   `json:"end"`
}

// VisitChange is one visit publishing adds, moves or drops.
type VisitChange struct {
	RequestID string     `json:"request_id"`
	ClinicID  string     `json:"clinic_id"`
	Kind      ChangeKind `json:"kind"`
	// From is the booked slot (nil for an added visit), To the new one (nil
	// for a dropped visit).
	From *Slot `json:"from,omitempty"`
	To   *Slot `json:"to,omitempty"`
	// Reason says why a dropped visit is dropped.
	Reason string `json:"reason,omitempty"`
}

// PlannedMail is one e-mail a publication sends: its outbox key, its
// recipients and its kind ("clinic.booked", "trainer.week", …).
type PlannedMail struct {
	Key  string   `json:"key"`
	To   []string `json:"to"`
	Kind string   `json:"kind"`
}

// KPIDelta is how a plan's figures differ from the plan it is compared with
// (this minus that).
type KPIDelta struct {
	Scheduled           int                     `json:"scheduled"`
	ScheduledByPriority map[models.Priority]int `json:"scheduled_by_priority"`
	TravelMinutes       int                     `json:"travel_minutes"`
	// WorkSpreadMinutes is the change in the gap between the busiest and
	// the least busy trainer's working minutes over the week.
	WorkSpreadMinutes int `json:"work_spread_minutes"`
	// Changes counts the booked visits publishing moves or drops; it is the
	// plan's kpis.moved when the plan is compared with what is booked.
	Changes int `json:"changes"`
}

// ChangeSet is what publishing a plan version does: every visit it adds,
// moves and drops, how many it leaves alone, and the e-mails it sends.
// Preview returns it; Publish computes the same set with the same code and
// applies it, so the two cannot disagree.
type ChangeSet struct {
	Week    models.Date `json:"week"`
	Version int         `json:"version"`
	// Against is the version compared with; 0 means what is booked now
	// (the published plan's visits).
	Against   int           `json:"against"`
	Added     []VisitChange `json:"added"`
	Moved     []VisitChange `json:"moved"`
	Dropped   []VisitChange `json:"dropped"`
	Unchanged int           `json:"unchanged"`
	KPIs      KPIDelta      `json:"kpis"`
	Mails     []PlannedMail `json:"mails"`
	Warnings  []string      `json:"warnings,omitempty"`
}

// writeKind is the store write one visit change needs.
type writeKind int

const (
	writeNone writeKind = iota
	writeCreate
	writeUpdate
)

// change is one visit's decision: its stored state, its state after the
// publication, and the write that gets it there.
type change struct {
	kind  ChangeKind
	cur   *models.Visit
	next  *models.Visit
	write writeKind
	// reason is why a dropped visit is dropped.
	reason string
}

// decide is step 1 without writing: for every stop of the plan and every
// visit of the week it decides whether the visit is created, moved,
// cancelled or left alone, and leaves the state after the publication in
// r.visits. Done visits are history and never change; a scheduled visit
// whose request was closed as done is left as it is.
func (r *run) decide(ctx context.Context) error {
	st := r.p.cfg.Store
	for _, route := range r.plan.Routes {
		for _, stop := range route.Stops {
			req, err := r.request(ctx, stop.RequestID)
			if err != nil {
				return err
			}
			if req == nil || !req.Status.Open() {
				r.warn("request %s is no longer open; its visit is not booked", stop.RequestID)
				delete(r.wanted, stop.RequestID)
				continue
			}
			want := r.visitFor(route, stop, req)
			cur := r.visits[stop.RequestID]
			if cur == nil && !r.synthetic {
				other, err := st.Visit(ctx, want.ID)
				switch {
				case errors.Is(err, models.ErrNotFound):
				case err != nil:
					return fmt.Errorf("load visit of request %s: %w", req.ID, err)
				case other.Week != r.plan.Week && other.Status == models.VisitScheduled:
					r.warn("request %s is booked in the week of %s; not booked again", req.ID, other.Week)
					delete(r.wanted, stop.RequestID)
					continue
				default:
					cur = other
				}
			}
			if cur == nil {
				r.record(&change{kind: ChangeAdded, next: want, write: writeCreate})
				continue
			}
			switch {
			case cur.Status == models.VisitDone && cur.Outcome != nil && cur.Outcome.Result == models.OutcomeNotDone:
				// Reported not done and its request reopened: booked again,
				// the earlier attempt kept in its history.
				next := *want
				next.Version, next.Sequence = cur.Version, cur.Sequence+1
				// The calendar event is the one already sent: keep its UID.
				next.UID = cur.CalendarUID()
				next.PastOutcomes = append(slices.Clone(cur.PastOutcomes), *cur.Outcome)
				r.record(&change{kind: ChangeAdded, cur: cur, next: &next, write: writeUpdate})
			case cur.Status == models.VisitDone:
				r.record(&change{kind: ChangeUnchanged, cur: cur, next: cur})
			case cur.PlanVersion == r.plan.Version:
				// Written by an earlier, interrupted run of this publication.
				r.record(&change{kind: r.interruptedKind(cur), cur: cur, next: cur})
			case cur.Status == models.VisitCancelled || cur.Week != want.Week || !cur.Unchanged(&route, &stop):
				// A booked visit in another slot moves; one that is not
				// booked now (cancelled earlier) is booked again, an addition.
				next := *want
				next.Version, next.Sequence = cur.Version, cur.Sequence+1
				// The calendar event is the one already sent: keep its UID.
				next.UID = cur.CalendarUID()
				next.PastOutcomes = cur.PastOutcomes
				kind := ChangeMoved
				if cur.Status != models.VisitScheduled || cur.Week != want.Week {
					kind = ChangeAdded
				}
				r.record(&change{kind: kind, cur: cur, next: &next, write: writeUpdate})
			case r.unfinished[cur.PlanVersion]:
				next := *cur
				next.PlanVersion = r.plan.Version
				r.record(&change{kind: r.interruptedKind(cur), cur: cur, next: &next, write: writeUpdate})
			case cur.RequestDigest != want.RequestDigest:
				// Kept as booked under the request as it is now: later
				// repairs compare with this.
				next := *cur
				next.RequestDigest = want.RequestDigest
				r.record(&change{kind: ChangeUnchanged, cur: cur, next: &next, write: writeUpdate})
			default:
				r.record(&change{kind: ChangeUnchanged, cur: cur, next: cur})
			}
		}
	}
	var rest []*models.Visit
	for _, v := range r.visits {
		if _, ok := r.wanted[v.ID]; !ok && v.Week == r.plan.Week {
			rest = append(rest, v)
		}
	}
	slices.SortFunc(rest, func(a, b *models.Visit) int { return cmp.Compare(a.ID, b.ID) })
	for _, v := range rest {
		switch {
		case v.Status == models.VisitScheduled:
			req, err := r.request(ctx, v.RequestID)
			if err != nil {
				return err
			}
			if req != nil && req.Status == models.StatusDone {
				// Closed as done while still scheduled: history, not a
				// cancellation.
				continue
			}
			next := *v
			next.Status, next.Sequence, next.PlanVersion = models.VisitCancelled, v.Sequence+1, r.plan.Version
			r.record(&change{kind: ChangeDropped, cur: v, next: &next, write: writeUpdate, reason: r.dropReason(req)})
		case v.Status == models.VisitCancelled && v.PlanVersion == r.plan.Version:
			r.record(&change{kind: ChangeDropped, cur: v, next: v, reason: r.dropReason(nil)})
		case v.Status == models.VisitCancelled && r.unfinished[v.PlanVersion]:
			next := *v
			next.PlanVersion = r.plan.Version
			r.record(&change{kind: ChangeDropped, cur: v, next: &next, write: writeUpdate, reason: r.dropReason(nil)})
		}
	}
	return nil
}

// interruptedKind classifies a visit an interrupted publication wrote.
func (r *run) interruptedKind(v *models.Visit) ChangeKind {
	switch {
	case v.Status == models.VisitCancelled:
		return ChangeDropped
	case v.Sequence == 0:
		return ChangeAdded
	default:
		return ChangeMoved
	}
}

// dropReason says why the plan drops the visit of req.
func (r *run) dropReason(req *models.Request) string {
	if req == nil {
		return "the request no longer exists"
	}
	if !req.Status.Open() {
		return fmt.Sprintf("the request is %s", req.Status)
	}
	for _, u := range r.plan.Unassigned {
		if u.RequestID == req.ID {
			if u.Detail != "" {
				return u.Reason + ": " + u.Detail
			}
			return u.Reason
		}
	}
	return "the plan does not include it"
}

// record adds c to the run and counts it.
func (r *run) record(c *change) {
	r.changes = append(r.changes, c)
	r.visits[c.next.ID] = c.next
	switch c.kind {
	case ChangeAdded:
		r.res.Created++
	case ChangeMoved:
		r.res.Moved++
	case ChangeDropped:
		r.res.Cancelled++
	default:
		r.res.Unchanged++
	}
}

// apply writes the decided visits.
func (r *run) apply(ctx context.Context) error {
	st := r.p.cfg.Store
	for _, c := range r.changes {
		switch c.write {
		case writeCreate:
			if err := st.CreateVisit(ctx, c.next); err != nil {
				return fmt.Errorf("book request %s: %w", c.next.RequestID, err)
			}
		case writeUpdate:
			if err := st.UpdateVisit(ctx, c.next); err != nil {
				return fmt.Errorf("write visit %s (%s): %w", c.next.ID, c.kind, err)
			}
		}
	}
	return nil
}

// changeSet renders the run's decisions and mails.
func (r *run) changeSet() *ChangeSet {
	cs := &ChangeSet{
		Week: r.plan.Week, Version: r.plan.Version,
		Added: []VisitChange{}, Moved: []VisitChange{}, Dropped: []VisitChange{},
		Mails: slices.Clone(r.mails), Warnings: slices.Clone(r.res.Warnings),
	}
	if cs.Mails == nil {
		cs.Mails = []PlannedMail{}
	}
	slot := func(v *models.Visit) *Slot {
		if v == nil {
			return nil
		}
		return &Slot{TrainerID: v.TrainerID, Date: v.Date, Start: v.Start, End: v.End}
	}
	for _, c := range r.changes {
		vc := VisitChange{RequestID: c.next.RequestID, ClinicID: c.next.ClinicID, Kind: c.kind, Reason: c.reason}
		switch c.kind {
		case ChangeAdded:
			vc.To = slot(c.next)
			cs.Added = append(cs.Added, vc)
		case ChangeMoved:
			if c.cur != nil && c.cur.Status == models.VisitScheduled && c.cur != c.next {
				vc.From = slot(c.cur)
			} else if prev, ok := r.prevStops[c.next.ID]; ok {
				vc.From = &Slot{TrainerID: prev.route.TrainerID, Date: prev.route.Date, Start: prev.stop.Start, End: prev.stop.End}
			}
			vc.To = slot(c.next)
			cs.Moved = append(cs.Moved, vc)
		case ChangeDropped:
			vc.From = slot(c.cur)
			if c.cur != nil && c.cur.Status != models.VisitScheduled {
				if prev, ok := r.prevStops[c.next.ID]; ok {
					vc.From = &Slot{TrainerID: prev.route.TrainerID, Date: prev.route.Date, Start: prev.stop.Start, End: prev.stop.End}
				}
			}
			cs.Dropped = append(cs.Dropped, vc)
		default:
			cs.Unchanged++
		}
	}
	cs.KPIs = kpiDelta(r.plan, r.prev)
	cs.KPIs.Changes = len(cs.Moved) + len(cs.Dropped)
	return cs
}

// kpiDelta compares the figures of plan with those of base (nil: an empty
// week).
func kpiDelta(plan, base *models.Plan) KPIDelta {
	d := KPIDelta{ScheduledByPriority: map[models.Priority]int{}}
	if base == nil {
		base = &models.Plan{}
	}
	d.Scheduled = plan.KPIs.Scheduled - base.KPIs.Scheduled
	d.TravelMinutes = plan.KPIs.TravelMinutes - base.KPIs.TravelMinutes
	for _, pr := range models.Priorities {
		if n := plan.KPIs.ByPriority[pr].Scheduled - base.KPIs.ByPriority[pr].Scheduled; n != 0 {
			d.ScheduledByPriority[pr] = n
		}
	}
	d.WorkSpreadMinutes = workSpread(plan) - workSpread(base)
	return d
}

// workSpread is the gap in minutes between the trainer who works most in
// the plan's week and the one who works least (among those with routes).
func workSpread(p *models.Plan) int {
	work := map[string]int{}
	for _, r := range p.Routes {
		work[r.TrainerID] += r.WorkMinutes
	}
	if len(work) == 0 {
		return 0
	}
	lo, hi := -1, 0
	for _, m := range work {
		hi = max(hi, m)
		if lo < 0 || m < lo {
			lo = m
		}
	}
	return hi - lo
}

// Preview returns what publishing version of week would do, computed by
// the code that publishing runs, without writing anything. against 0
// compares with what is booked now (the published plan's visits); another
// version compares with that plan as if it were what is booked, naming the
// mails its publication would be followed by.
func (p *Publisher) Preview(ctx context.Context, week models.Date, version, against int) (*ChangeSet, error) {
	if !week.Valid() || week.Weekday() != time.Monday {
		return nil, &models.ValidationError{Fields: []models.FieldError{{Field: "week", Message: fmt.Sprintf("%q is not the date of a Monday", week)}}}
	}
	plan, err := p.cfg.Store.Plan(ctx, week, version)
	if err != nil {
		return nil, fmt.Errorf("preview %s: %w", models.PlanID(week, version), err)
	}
	var base *models.Plan
	if against > 0 {
		if base, err = p.cfg.Store.Plan(ctx, week, against); err != nil {
			return nil, fmt.Errorf("preview %s against version %d: %w", plan.ID, against, err)
		}
		if base.Status == models.PlanPublished {
			base = nil // what is booked is the published plan
		}
	}
	if base == nil && plan.Status == models.PlanSuperseded {
		// Publishing it is refused, so there is nothing to preview.
		return nil, fmt.Errorf("preview %s: %w", plan.ID, &models.ConflictError{
			Message: fmt.Sprintf("plan %s was superseded by a later publication; compare it with ?against= or pick a newer version", plan.ID)})
	}
	if base == nil && plan.Status == models.PlanPublished {
		// Published already: publishing it again changes nothing.
		cs := &ChangeSet{Week: week, Version: version, Against: against, Added: []VisitChange{}, Moved: []VisitChange{},
			Dropped: []VisitChange{}, Mails: []PlannedMail{}, Unchanged: stopCount(plan), KPIs: KPIDelta{ScheduledByPriority: map[models.Priority]int{}}}
		return cs, nil
	}
	r, err := p.newRun(ctx, plan)
	if err != nil {
		return nil, fmt.Errorf("preview %s: %w", plan.ID, err)
	}
	r.res, r.preview = &Result{Week: week, Version: version}, true
	if base != nil {
		r.pretendBooked(base)
	}
	if err := r.decide(ctx); err != nil {
		return nil, fmt.Errorf("preview %s: %w", plan.ID, err)
	}
	if err := r.enqueue(ctx); err != nil {
		return nil, fmt.Errorf("preview %s: %w", plan.ID, err)
	}
	cs := r.changeSet()
	cs.Against = against
	return cs, nil
}

// pretendBooked replaces the run's view of what is booked with base's
// stops, for a preview against a version that is not the published one.
func (r *run) pretendBooked(base *models.Plan) {
	r.synthetic = true
	r.prev = base
	r.prevStops, r.prevTrainers = map[string]wanted{}, map[string]bool{}
	r.unfinished = map[int]bool{}
	booked := map[string]*models.Visit{}
	for _, v := range r.visits {
		if v.Status == models.VisitDone {
			booked[v.ID] = v
		}
	}
	for i := range base.Routes {
		route := &base.Routes[i]
		for j := range route.Stops {
			stop := &route.Stops[j]
			r.prevStops[stop.RequestID] = wanted{route, stop}
			r.prevTrainers[route.TrainerID] = true
			if booked[stop.RequestID] != nil {
				continue
			}
			booked[stop.RequestID] = &models.Visit{
				ID: stop.RequestID, RequestID: stop.RequestID, ClinicID: stop.ClinicID, TrainerID: route.TrainerID,
				Week: base.Week, Date: route.Date, Start: stop.Start, End: stop.End, Kind: stop.Kind, Topic: stop.Topic,
				Status: models.VisitScheduled, PlanVersion: base.Version, UID: models.VisitUID(stop.RequestID), Sequence: 1,
			}
			if q := r.requests[stop.RequestID]; q != nil {
				booked[stop.RequestID].RequestDigest = models.BookingDigest(q)
			}
		}
	}
	r.visits = booked
}
