package planning

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/scheduler"
	"github.com/fieldvisit/fieldvisit/scheduler/checker"
)

// Edit is one coordinator's hand edit of a draft plan.
type Edit struct {
	// Op is models.EditMove, EditSwap, EditUnassign or EditAssign.
	Op string
	// RequestID names the request of move, unassign and assign;
	// RequestIDs the two of swap.
	RequestID  string
	RequestIDs []string
	// TrainerID and Date say where move and assign put the request; Start,
	// for move only, when it starts (otherwise the engine picks the time).
	TrainerID string
	Date      models.Date
	Start     *models.TimeOfDay
}

// Validate checks the edit's shape; whether it fits the week is Apply's
// question.
func (e Edit) Validate() error {
	v := &models.ValidationError{}
	needOne := func() {
		if !models.ValidID(e.RequestID) {
			v.Add("request_id", "is required and must be a request id")
		}
		if len(e.RequestIDs) > 0 {
			v.Add("request_ids", "belongs to swap only")
		}
	}
	place := func(required bool) {
		if required && !models.ValidID(e.TrainerID) {
			v.Add("trainer_id", "is required and must be a trainer id")
		}
		if required && !e.Date.Valid() {
			v.Add("date", "is required and must be a date YYYY-MM-DD")
		}
		if !required && (e.TrainerID != "" || e.Date != "") {
			v.Add("trainer_id", "%s takes no trainer or date", e.Op)
		}
	}
	switch e.Op {
	case models.EditMove:
		needOne()
		place(true)
		if e.Start != nil && (*e.Start < 0 || *e.Start >= 24*60) {
			v.Add("start", "must be a time of day HH:MM")
		}
	case models.EditAssign, models.EditUnassign:
		needOne()
		place(e.Op == models.EditAssign)
	case models.EditSwap:
		if len(e.RequestIDs) != 2 || !models.ValidID(e.RequestIDs[0]) || !models.ValidID(e.RequestIDs[1]) || e.RequestIDs[0] == e.RequestIDs[1] {
			v.Add("request_ids", "swap takes two different request ids")
		}
		if e.RequestID != "" {
			v.Add("request_id", "swap takes request_ids")
		}
		place(false)
	default:
		v.Add("op", "must be move, swap, unassign or assign")
	}
	if e.Op != models.EditMove && e.Start != nil {
		v.Add("start", "only move takes a start time")
	}
	return v.Err()
}

// EditError is an edit the week cannot take. Nothing was written. Its
// Refusal is a code with the names and times it speaks of, put into words
// only for a reader (Why), in the reader's language.
type EditError struct{ Refusal models.EditRefusal }

// Error is the refusal in English, for logs.
func (e *EditError) Error() string { return "the edit does not fit: " + e.Why("en") }

// Why is the refusal in words a coordinator acts on, in lang ("ru", the
// default, or "en").
func (e *EditError) Why(lang string) string { return models.RenderEditRefusal(lang, e.Refusal) }

func refuse(r models.EditRefusal) error { return &EditError{Refusal: r} }

// target is where an edit puts one request.
type target struct {
	trainer string
	date    models.Date
	start   *models.TimeOfDay
}

// stopPlacement is one stop of the edited plan, with its route.
type stopPlacement struct {
	route *models.PlanRoute
	stop  *models.PlanStop
}

func routeKey(trainer string, date models.Date) string { return trainer + "/" + string(date) }

// ApplyEdit makes a new draft version of week from version with the edit
// applied, by by (a user id). Routes the edit touches are timed afresh by
// the engine; every other stop keeps its exact trainer, day and start. The
// result is verified by the independent checker. An edit the week cannot
// take returns an *EditError saying why and writes nothing; an edit of a
// version someone else edited first is a models.ErrConflict.
func (p *Planner) ApplyEdit(ctx context.Context, week models.Date, version int, e Edit, by string) (*models.Plan, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	base, err := p.editableBase(ctx, week, version)
	if err != nil {
		return nil, err
	}
	in, skipped, err := p.load(ctx, week)
	if err != nil {
		return nil, fmt.Errorf("edit plan %s: %w", base.ID, err)
	}
	in.Optimise = true // every pin is set below
	in.EditPins = nil

	placed := placedStops(base)
	requests := requestsByID(in.Requests)
	sc, err := scopeEdit(e, placed, requests, requestNamer(placed, requests, in.Clinics))
	if err != nil {
		return nil, err
	}
	in.Requests = sc.keep(in.Requests, placed)
	prob, idx, err := Build(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("edit plan %s: %w", base.ID, err)
	}
	ed := newEditor(prob, idx, base, p.cfg.Location, placed, sc, requests)
	for _, t := range in.Trainers {
		ed.trainerNames[t.ID] = t.Name
	}
	if err := ed.pinStops(sc); err != nil {
		return nil, err
	}
	sol, err := p.solveEdit(ctx, ed, sc)
	if err != nil {
		return nil, err
	}

	plan := Decode(prob, idx, sol)
	plan.Warnings = append(plan.Warnings, skipped...)
	carryUnassigned(plan, base, sc, requests)
	plan.KPIs.Moved = movedBookings(in, plan)
	recordEdit(plan, base, e, by, p.now(), sc)
	if err := p.saveEdit(ctx, base, plan); err != nil {
		return nil, err
	}
	p.log.Info("plan edited", "week", week, "from", version, "version", plan.Version, "op", e.Op, "by", by)
	return plan, nil
}

// editableBase reads the version an edit starts from and makes sure it is
// a draft nobody has edited yet.
func (p *Planner) editableBase(ctx context.Context, week models.Date, version int) (*models.Plan, error) {
	base, err := p.cfg.Store.Plan(ctx, week, version)
	if err != nil {
		return nil, fmt.Errorf("edit plan %s: %w", models.PlanID(week, version), err)
	}
	switch {
	case base.Status != models.PlanDraft:
		return nil, &models.ConflictError{Message: fmt.Sprintf("version %d is %s; only a draft can be edited (run the week for a new one)", version, base.Status)}
	case base.Edited:
		return nil, &models.ConflictError{Message: fmt.Sprintf("version %d has been edited into a newer version already; edit the newest", version)}
	}
	return base, nil
}

// placedStops finds each request of the plan on its route.
func placedStops(plan *models.Plan) map[string]stopPlacement {
	placed := map[string]stopPlacement{}
	for i := range plan.Routes {
		for j := range plan.Routes[i].Stops {
			placed[plan.Routes[i].Stops[j].RequestID] = stopPlacement{&plan.Routes[i], &plan.Routes[i].Stops[j]}
		}
	}
	return placed
}

// requestsByID indexes the week's open requests.
func requestsByID(rs []models.Request) map[string]*models.Request {
	requests := map[string]*models.Request{}
	for i := range rs {
		requests[rs[i].ID] = &rs[i]
	}
	return requests
}

// editScope is what an edit changes: where each request it places goes,
// the trainer-days whose timing is redone, and the request it takes out.
type editScope struct {
	targets  map[string]target
	affected map[string]bool
	removed  string
}

// touch marks the route of trainer on date for fresh timing.
func (sc *editScope) touch(trainer string, date models.Date) {
	sc.affected[routeKey(trainer, date)] = true
}

// requestNamer returns what names a request in a refusal: its id and its
// clinic, from the plan's stop or from the open request.
func requestNamer(placed map[string]stopPlacement, requests map[string]*models.Request, clinics []models.Clinic) func(string) *models.NoteRef {
	return func(id string) *models.NoteRef {
		ref := &models.NoteRef{ID: id}
		if pl, ok := placed[id]; ok {
			ref.Name = pl.stop.ClinicName
		}
		if r := requests[id]; ref.Name == "" && r != nil {
			if i := slices.IndexFunc(clinics, func(c models.Clinic) bool { return c.ID == r.ClinicID }); i >= 0 {
				ref.Name = clinics[i].Name
			}
		}
		return ref
	}
}

// scopeEdit works out what e changes in the plan whose stops are placed,
// refusing an edit of a request that is not open or not where the op
// needs it to be; ref names a request in a refusal.
func scopeEdit(e Edit, placed map[string]stopPlacement, requests map[string]*models.Request, ref func(string) *models.NoteRef) (*editScope, error) {
	sc := &editScope{targets: map[string]target{}, affected: map[string]bool{}}
	named := func(id string) error {
		if requests[id] == nil {
			return refuse(models.EditRefusal{Code: models.RefusalNotOpen, Request: ref(id)})
		}
		return nil
	}
	notInPlan := func(id string) error {
		return refuse(models.EditRefusal{Code: models.RefusalNotInPlan, Op: e.Op, Request: ref(id)})
	}
	switch e.Op {
	case models.EditMove, models.EditAssign:
		if err := named(e.RequestID); err != nil {
			return nil, err
		}
		cur, isPlaced := placed[e.RequestID]
		if e.Op == models.EditAssign && isPlaced {
			return nil, refuse(models.EditRefusal{Code: models.RefusalAlreadyPlanned, Request: ref(e.RequestID),
				Trainer: &models.NoteRef{ID: cur.route.TrainerID, Name: cur.route.TrainerName}, Date: cur.route.Date})
		}
		if e.Op == models.EditMove && !isPlaced {
			return nil, notInPlan(e.RequestID)
		}
		if isPlaced {
			sc.touch(cur.route.TrainerID, cur.route.Date)
		}
		sc.targets[e.RequestID] = target{e.TrainerID, e.Date, e.Start}
		sc.touch(e.TrainerID, e.Date)
	case models.EditSwap:
		for _, id := range e.RequestIDs {
			if err := named(id); err != nil {
				return nil, err
			}
			if _, ok := placed[id]; !ok {
				return nil, notInPlan(id)
			}
		}
		a, b := e.RequestIDs[0], e.RequestIDs[1]
		pa, pb := placed[a], placed[b]
		sc.targets[a] = target{trainer: pb.route.TrainerID, date: pb.route.Date}
		sc.targets[b] = target{trainer: pa.route.TrainerID, date: pa.route.Date}
		sc.touch(pa.route.TrainerID, pa.route.Date)
		sc.touch(pb.route.TrainerID, pb.route.Date)
	case models.EditUnassign:
		// A request closed since the draft was made is no longer the
		// draft's to take out; a new run drops it.
		if err := named(e.RequestID); err != nil {
			return nil, err
		}
		cur, ok := placed[e.RequestID]
		if !ok {
			return nil, notInPlan(e.RequestID)
		}
		sc.touch(cur.route.TrainerID, cur.route.Date)
		sc.removed = e.RequestID
	}
	return sc, nil
}

// keep returns the requests of the edited week: the plan's requests that
// are still open, and the one assigned.
func (sc *editScope) keep(rs []models.Request, placed map[string]stopPlacement) []models.Request {
	keep := rs[:0:0]
	for _, r := range rs {
		if _, ok := sc.targets[r.ID]; ok || (placed[r.ID] != stopPlacement{} && r.ID != sc.removed) {
			keep = append(keep, r)
		}
	}
	return keep
}

// newEditor sets up pinning and explaining the edit on the built problem,
// counting how many visits each trainer-day has once the edit is applied.
func newEditor(prob *scheduler.Problem, idx *Index, base *models.Plan, loc *time.Location,
	placed map[string]stopPlacement, sc *editScope, requests map[string]*models.Request) *editor {
	ed := &editor{p: prob, idx: idx, base: base, loc: loc, placed: placed, load: map[string]int{}, trainerNames: map[string]string{}}
	for id, pl := range placed {
		if _, moving := sc.targets[id]; !moving && id != sc.removed && requests[id] != nil {
			ed.load[routeKey(pl.route.TrainerID, pl.route.Date)]++
		}
	}
	for _, t := range sc.targets {
		ed.load[routeKey(t.trainer, t.date)]++
	}
	return ed
}

// pinStops pins every stop of the problem: each request the edit places
// to its target, every other visit of a touched route to its trainer and
// day, and every visit of an untouched route to its exact start. It
// refuses a target the week cannot take, as far as that can be told
// before solving.
func (ed *editor) pinStops(sc *editScope) error {
	for _, u := range ed.idx.Unplaceable {
		if _, ok := sc.targets[u.RequestID]; ok {
			return refuse(models.EditRefusal{Code: models.RefusalUnplaceable,
				Request: &models.NoteRef{ID: u.RequestID, Name: u.ClinicName}, Why: u.Why})
		}
	}
	for i := range ed.p.Stops {
		s := &ed.p.Stops[i]
		if t, ok := sc.targets[s.ID]; ok {
			pin, err := ed.pin(i, t)
			if err != nil {
				return err
			}
			s.Pin = pin
			continue
		}
		cur := ed.placed[s.ID]
		day := slices.Index(ed.idx.Dates, cur.route.Date)
		if day < 0 {
			continue
		}
		if ed.idx.PinSources[s.ID] == PinRequest && s.Pin != nil && s.Pin.HasStart {
			continue // a coordinator's exact pin holds on any route
		}
		if sc.affected[routeKey(cur.route.TrainerID, cur.route.Date)] {
			s.Pin = &scheduler.Pin{Vehicle: cur.route.TrainerID, Day: day, HasDay: true}
		} else {
			s.Pin = &scheduler.Pin{Vehicle: cur.route.TrainerID, Day: day, HasDay: true,
				Start: int64(cur.stop.Start.Sub(ed.idx.Origin) / time.Second), HasStart: true}
		}
	}
	return nil
}

// solveEdit times the pinned problem and verifies the result with the
// independent checker; pins the engine cannot honour come back as an
// *EditError saying why.
func (p *Planner) solveEdit(ctx context.Context, ed *editor, sc *editScope) (*scheduler.Solution, error) {
	prob := ed.p
	sol, err := scheduler.Solve(ctx, prob, scheduler.Options{
		Seed: p.cfg.Seed, TimeLimit: p.cfg.TimeLimit, StallIterations: scheduler.DefaultStallIterations(len(prob.Stops)),
		Workers: p.cfg.Workers, Logger: p.log, Now: p.cfg.Now,
	})
	var pinErr *scheduler.PinError
	if errors.As(err, &pinErr) {
		return nil, ed.explain(sc.targets, pinErr.Stops)
	}
	if err != nil {
		return nil, fmt.Errorf("edit plan %s: solve: %w", ed.base.ID, err)
	}
	if _, err := checker.Check(prob, sol); err != nil {
		return nil, fmt.Errorf("edit plan %s: the edited plan fails the checker: %w", ed.base.ID, err)
	}
	return sol, nil
}

// carryUnassigned keeps the requests the base plan left out out, with
// their reasons, and adds the one the edit took out.
func carryUnassigned(plan, base *models.Plan, sc *editScope, requests map[string]*models.Request) {
	for _, u := range base.Unassigned {
		if _, ok := sc.targets[u.RequestID]; ok || requests[u.RequestID] == nil {
			continue
		}
		plan.Unassigned = append(plan.Unassigned, u)
		countUnassigned(&plan.KPIs, u.Priority)
	}
	if sc.removed != "" {
		r := requests[sc.removed]
		plan.Unassigned = append(plan.Unassigned, models.Unassigned{RequestID: r.ID, ClinicID: r.ClinicID, Priority: r.Priority,
			Reason: "unassigned", Detail: "taken out of the plan by a coordinator"})
		countUnassigned(&plan.KPIs, r.Priority)
	}
}

// recordEdit makes plan the draft that follows base by e: its edit
// history, the pins later runs keep, and where it came from.
func recordEdit(plan, base *models.Plan, e Edit, by string, now time.Time, sc *editScope) {
	edit := models.PlanEdit{Op: e.Op, RequestIDs: editRequests(e), TrainerID: e.TrainerID, Date: e.Date, Start: e.Start,
		By: by, At: now.UTC(), Version: base.Version}
	plan.Edits = append(slices.Clone(base.Edits), edit)
	plan.Pins = mergePins(base.Pins, resultPins(sc.targets, sc.removed))
	plan.BasedOn, plan.Status, plan.Mode, plan.Seed = base.Version, models.PlanDraft, base.Mode, base.Seed
	plan.Trigger = "edit:" + by
}

// saveEdit marks base edited, so that a second edit of it is a conflict,
// then stores plan; if storing fails the mark is taken back.
func (p *Planner) saveEdit(ctx context.Context, base, plan *models.Plan) error {
	st := p.cfg.Store
	marked, err := st.MarkPlanEdited(ctx, base.ID, base.Rev)
	if err != nil {
		return fmt.Errorf("edit plan %s: %w", base.ID, err)
	}
	if err := st.CreatePlan(ctx, plan); err != nil {
		if uerr := st.UnmarkPlanEdited(context.WithoutCancel(ctx), marked.ID, marked.Rev); uerr != nil {
			p.log.Warn("unmark an edited plan", "plan", marked.ID, "err", uerr)
		}
		return fmt.Errorf("edit plan %s: save: %w", base.ID, err)
	}
	return nil
}

func editRequests(e Edit) []string {
	if e.Op == models.EditSwap {
		return slices.Clone(e.RequestIDs)
	}
	return []string{e.RequestID}
}

func countUnassigned(k *models.PlanKPIs, pr models.Priority) {
	k.Requests++
	pk := k.ByPriority[pr]
	pk.Total++
	k.ByPriority[pr] = pk
}

// mergePins returns old with each of add replacing the pin of its request.
func mergePins(old, add []models.EditPin) []models.EditPin {
	out := slices.DeleteFunc(slices.Clone(old), func(p models.EditPin) bool {
		return slices.ContainsFunc(add, func(a models.EditPin) bool { return a.RequestID == p.RequestID })
	})
	return append(out, add...)
}

// editor holds what explaining and pinning an edit needs.
type editor struct {
	p      *scheduler.Problem
	idx    *Index
	base   *models.Plan
	loc    *time.Location
	placed map[string]stopPlacement
	// load counts the visits of each trainer-day after the edit.
	load map[string]int
	// trainerNames names every trainer of the week by id, also those off
	// the whole week (who have no route), for refusals.
	trainerNames map[string]string
}

// clock formats problem time as local HH:MM.
func (ed *editor) clock(sec int64) string {
	return ed.idx.Origin.Add(time.Duration(sec) * time.Second).In(ed.loc).Format("15:04")
}

func (ed *editor) route(trainer string, date models.Date) int {
	for i, t := range ed.idx.RouteTrainers {
		if t.ID == trainer && ed.idx.RouteDates[i] == date {
			return i
		}
	}
	return -1
}

// trainerRef names a trainer in a refusal.
func (ed *editor) trainerRef(id string) *models.NoteRef {
	return &models.NoteRef{ID: id, Name: ed.trainerNames[id]}
}

// requestRef names the request of a stop, by its clinic, in a refusal.
func (ed *editor) requestRef(stop int) *models.NoteRef {
	r := ed.idx.StopRequests[stop]
	ref := &models.NoteRef{ID: r.ID}
	if c := ed.idx.Clinics[r.ClinicID]; c != nil {
		ref.Name = c.Name
	}
	return ref
}

// pin turns a target into the stop's pin, refusing what can be told
// before solving: the trainer off that day, a missing skill, a time
// outside the clinic's hours or the trainer's, a full day.
func (ed *editor) pin(stop int, t target) (*scheduler.Pin, error) {
	s := &ed.p.Stops[stop]
	day := slices.Index(ed.idx.Dates, t.date)
	if day < 0 {
		return nil, refuse(models.EditRefusal{Code: models.RefusalNotPlannedDay, Date: t.date, Week: ed.idx.Week})
	}
	trainer := ed.trainerRef(t.trainer)
	ri := ed.route(t.trainer, t.date)
	if ri < 0 {
		return nil, refuse(models.EditRefusal{Code: models.RefusalTrainerOff, Trainer: trainer, Date: t.date})
	}
	r := &ed.p.Routes[ri]
	var missing []string
	for _, sk := range s.Skills {
		if !slices.Contains(r.Skills, sk) {
			missing = append(missing, sk)
		}
	}
	if len(missing) > 0 {
		return nil, refuse(models.EditRefusal{Code: models.RefusalMissingSkill, Trainer: trainer, Skills: missing, Request: ed.requestRef(stop)})
	}
	if n := ed.load[routeKey(t.trainer, t.date)]; r.Capacity > 0 && int64(n) > r.Capacity {
		return nil, refuse(models.EditRefusal{Code: models.RefusalDayFull, Trainer: trainer, Visits: n - 1, Date: t.date})
	}
	if slices.Contains(s.Excluded, t.trainer) {
		return nil, refuse(models.EditRefusal{Code: models.RefusalExcluded, Trainer: trainer, Request: ed.requestRef(stop)})
	}
	dayWindows := ed.windowsOn(s, day)
	if len(dayWindows) == 0 {
		return nil, refuse(models.EditRefusal{Code: models.RefusalClinicClosedDay, Request: ed.requestRef(stop), Date: t.date,
			Days: ed.allowedDays(s)})
	}
	pin := &scheduler.Pin{Vehicle: t.trainer, Day: day, HasDay: true}
	if t.start == nil {
		fits := false
		for _, w := range dayWindows {
			for _, sh := range r.Shifts {
				if max(w.Start, sh.Start) <= min(w.End, sh.End-s.Service) {
					fits = true
				}
			}
		}
		if !fits {
			return nil, refuse(models.EditRefusal{Code: models.RefusalHoursDoNotMeet, Request: ed.requestRef(stop), Date: t.date,
				Windows: ed.spans(t.date, dayWindows, s.Service), Trainer: trainer, Shifts: ed.spans(t.date, r.Shifts, 0)})
		}
		return pin, nil
	}
	start := ed.seconds(t.date, *t.start)
	if !slices.ContainsFunc(dayWindows, func(w scheduler.Window) bool { return w.Contains(start) }) {
		return nil, refuse(models.EditRefusal{Code: models.RefusalStartOutsideClinic, Request: ed.requestRef(stop), Date: t.date,
			Time: t.start.String(), Windows: ed.spans(t.date, dayWindows, 0)})
	}
	if !slices.ContainsFunc(r.Shifts, func(sh scheduler.Window) bool { return sh.Start <= start && start+s.Service <= sh.End }) {
		return nil, refuse(models.EditRefusal{Code: models.RefusalOutsideShift, Time: t.start.String(), End: ed.clock(start + s.Service),
			Trainer: trainer, Date: t.date, Shifts: ed.spans(t.date, r.Shifts, 0)})
	}
	pin.Start, pin.HasStart = start, true
	return pin, nil
}

func (ed *editor) seconds(d models.Date, tod models.TimeOfDay) int64 {
	return int64(d.At(tod, ed.loc).Sub(ed.idx.Origin) / time.Second)
}

// windowsOn returns the stop's start windows on day.
func (ed *editor) windowsOn(s *scheduler.Stop, day int) []scheduler.Window {
	from, to := int64(day)*ed.p.DayLength, int64(day+1)*ed.p.DayLength
	var out []scheduler.Window
	for _, w := range s.Windows {
		if w.End >= from && w.Start < to {
			out = append(out, scheduler.Window{Start: max(w.Start, from), End: min(w.End, to-1)})
		}
	}
	slices.SortFunc(out, func(a, b scheduler.Window) int { return cmp.Compare(a.Start, b.Start) })
	return out
}

// allowedDays lists the dates the stop may be served on.
func (ed *editor) allowedDays(s *scheduler.Stop) []models.Date {
	var days []models.Date
	for d, date := range ed.idx.Dates {
		if len(ed.windowsOn(s, d)) > 0 {
			days = append(days, date)
		}
	}
	return days
}

// spans gives windows of date as local "HH:MM" periods (extended by extra,
// so that start windows read as the time the visit may take).
func (ed *editor) spans(date models.Date, ws []scheduler.Window, extra int64) []models.NoteWindow {
	out := make([]models.NoteWindow, 0, len(ws))
	for _, w := range ws {
		out = append(out, models.NoteWindow{Date: date, From: ed.clock(w.Start), To: ed.clock(w.End + extra)})
	}
	return out
}

// explain says why the engine could not honour the edit's pins.
func (ed *editor) explain(targets map[string]target, failed []string) error {
	for _, id := range failed {
		t, ok := targets[id]
		if !ok {
			continue
		}
		stop := slices.IndexFunc(ed.p.Stops, func(s scheduler.Stop) bool { return s.ID == id })
		return refuse(ed.why(stop, t))
	}
	// The edited stop fits, but a visit already on the route no longer does.
	for _, id := range failed {
		cur := ed.placed[id]
		if cur.route == nil {
			continue
		}
		return refuse(models.EditRefusal{Code: models.RefusalDisplaces,
			Other:   &models.RefusalVisit{Request: models.NoteRef{ID: id, Name: cur.stop.ClinicName}, Start: cur.stop.Start.In(ed.loc).Format("15:04")},
			Trainer: &models.NoteRef{ID: cur.route.TrainerID, Name: cur.route.TrainerName}, Date: cur.route.Date})
	}
	refused := models.EditRefusal{Code: models.RefusalPinsUnplaced}
	for _, id := range failed {
		ref := &models.NoteRef{ID: id}
		if stop := slices.IndexFunc(ed.p.Stops, func(s scheduler.Stop) bool { return s.ID == id }); stop >= 0 {
			ref = ed.requestRef(stop)
		}
		refused.Requests = append(refused.Requests, *ref)
	}
	return refuse(refused)
}

// why explains why stop cannot go to t although the trainer works that
// day with the skills and the time is within the hours: the visits
// around it leave no room, or travel from the previous one is too long.
func (ed *editor) why(stop int, t target) models.EditRefusal {
	s := &ed.p.Stops[stop]
	ri := ed.route(t.trainer, t.date)
	r := &ed.p.Routes[ri]
	m := &ed.p.Matrices[r.Profile]
	trainer := ed.trainerRef(t.trainer)
	// The other visits of the target route in the base plan, by start.
	type busy struct {
		start, end int64
		loc        int
		clinic     models.NoteRef
	}
	var around []busy
	for i := range ed.base.Routes {
		br := &ed.base.Routes[i]
		if br.TrainerID != t.trainer || br.Date != t.date {
			continue
		}
		for _, st := range br.Stops {
			if st.RequestID == s.ID {
				continue
			}
			j := slices.IndexFunc(ed.p.Stops, func(x scheduler.Stop) bool { return x.ID == st.RequestID })
			if j < 0 {
				continue
			}
			around = append(around, busy{int64(st.Start.Sub(ed.idx.Origin) / time.Second), int64(st.End.Sub(ed.idx.Origin) / time.Second),
				ed.p.Stops[j].Loc, models.NoteRef{ID: st.RequestID, Name: st.ClinicName}})
		}
	}
	slices.SortFunc(around, func(a, b busy) int { return cmp.Compare(a.start, b.start) })
	if r.Capacity > 0 && int64(len(around)) >= r.Capacity {
		return models.EditRefusal{Code: models.RefusalDayFull, Trainer: trainer, Visits: len(around), Date: t.date}
	}
	if t.start != nil {
		start := ed.seconds(t.date, *t.start)
		gapFrom, gapTo := r.Shifts[0].Start, r.Shifts[len(r.Shifts)-1].End
		var prev *busy
		for i := range around {
			if around[i].start < start {
				prev = &around[i]
				gapFrom = around[i].end
			} else {
				gapTo = around[i].start
				break
			}
		}
		if prev != nil {
			arrive := prev.end + m.At(prev.loc, s.Loc)
			if arrive > start {
				return models.EditRefusal{Code: models.RefusalTravel, Trainer: trainer, Date: t.date,
					Other:  &models.RefusalVisit{Request: prev.clinic, Start: ed.clock(prev.start), End: ed.clock(prev.end)},
					Travel: int(m.At(prev.loc, s.Loc) / 60), Arrive: ed.clock(arrive), Time: t.start.String()}
			}
		}
		return models.EditRefusal{Code: models.RefusalNoRoomAt, Gap: &models.NoteWindow{Date: t.date, From: ed.clock(gapFrom), To: ed.clock(gapTo)},
			Trainer: trainer, Date: t.date, Minutes: int(s.Service / 60)}
	}
	// No start named: the largest free gap of the day shows how full it is.
	from, best := r.Shifts[0].Start, [2]int64{}
	for _, b := range around {
		if b.start-from > best[1]-best[0] {
			best = [2]int64{from, b.start}
		}
		from = max(from, b.end)
	}
	if end := r.Shifts[len(r.Shifts)-1].End; end-from > best[1]-best[0] {
		best = [2]int64{from, end}
	}
	return models.EditRefusal{Code: models.RefusalNoRoom, Gap: &models.NoteWindow{Date: t.date, From: ed.clock(best[0]), To: ed.clock(best[1])},
		Trainer: trainer, Date: t.date, Minutes: int(s.Service / 60)}
}

// resultPins are the pins the edit leaves for later runs: each request it
// placed keeps the trainer and day it got (and the start, when the
// coordinator named one); an unassigned request stays out.
func resultPins(targets map[string]target, removed string) []models.EditPin {
	var out []models.EditPin
	for id, t := range targets {
		pin := models.EditPin{RequestID: id, TrainerID: t.trainer, Date: t.date}
		if t.start != nil {
			start := *t.start
			pin.Start = &start
		}
		out = append(out, pin)
	}
	if removed != "" {
		out = append(out, models.EditPin{RequestID: removed, Out: true})
	}
	slices.SortFunc(out, func(a, b models.EditPin) int { return cmp.Compare(a.RequestID, b.RequestID) })
	return out
}
