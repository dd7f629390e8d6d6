package planning

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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

// EditError is an edit the week cannot take; Why says so in words a
// coordinator acts on. Nothing was written.
type EditError struct{ Why string }

func (e *EditError) Error() string { return "the edit does not fit: " + e.Why }

func refuse(format string, args ...any) error {
	return &EditError{Why: fmt.Sprintf(format, args...)}
}

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
	st := p.cfg.Store
	base, err := st.Plan(ctx, week, version)
	if err != nil {
		return nil, fmt.Errorf("edit plan %s: %w", models.PlanID(week, version), err)
	}
	switch {
	case base.Status != models.PlanDraft:
		return nil, &models.ConflictError{Message: fmt.Sprintf("version %d is %s; only a draft can be edited (run the week for a new one)", version, base.Status)}
	case base.Edited:
		return nil, &models.ConflictError{Message: fmt.Sprintf("version %d has been edited into a newer version already; edit the newest", version)}
	}
	in, skipped, err := p.load(ctx, week)
	if err != nil {
		return nil, fmt.Errorf("edit plan %s: %w", base.ID, err)
	}
	in.Optimise = true // every pin is set below
	in.EditPins = nil

	placed := map[string]stopPlacement{}
	for i := range base.Routes {
		for j := range base.Routes[i].Stops {
			placed[base.Routes[i].Stops[j].RequestID] = stopPlacement{&base.Routes[i], &base.Routes[i].Stops[j]}
		}
	}
	requests := map[string]*models.Request{}
	for i := range in.Requests {
		requests[in.Requests[i].ID] = &in.Requests[i]
	}
	named := func(id string) (*models.Request, error) {
		r := requests[id]
		if r == nil {
			return nil, refuse("request %s is not open for this week (cancelled, done, booked in another week or unknown)", id)
		}
		return r, nil
	}

	targets := map[string]target{}
	affected := map[string]bool{}
	var removed string
	switch e.Op {
	case models.EditMove, models.EditAssign:
		if _, err := named(e.RequestID); err != nil {
			return nil, err
		}
		cur, isPlaced := placed[e.RequestID]
		if e.Op == models.EditAssign && isPlaced {
			return nil, refuse("request %s is already on %s's route on %s; move it instead", e.RequestID, cur.route.TrainerName, cur.route.Date)
		}
		if e.Op == models.EditMove && !isPlaced {
			return nil, refuse("request %s is not in this plan; assign it instead", e.RequestID)
		}
		if isPlaced {
			affected[routeKey(cur.route.TrainerID, cur.route.Date)] = true
		}
		targets[e.RequestID] = target{e.TrainerID, e.Date, e.Start}
		affected[routeKey(e.TrainerID, e.Date)] = true
	case models.EditSwap:
		a, b := e.RequestIDs[0], e.RequestIDs[1]
		for _, id := range e.RequestIDs {
			if _, err := named(id); err != nil {
				return nil, err
			}
			if _, ok := placed[id]; !ok {
				return nil, refuse("request %s is not in this plan; only two planned visits can be swapped", id)
			}
		}
		pa, pb := placed[a], placed[b]
		targets[a] = target{trainer: pb.route.TrainerID, date: pb.route.Date}
		targets[b] = target{trainer: pa.route.TrainerID, date: pa.route.Date}
		affected[routeKey(pa.route.TrainerID, pa.route.Date)] = true
		affected[routeKey(pb.route.TrainerID, pb.route.Date)] = true
	case models.EditUnassign:
		cur, ok := placed[e.RequestID]
		if !ok {
			return nil, refuse("request %s is not in this plan", e.RequestID)
		}
		affected[routeKey(cur.route.TrainerID, cur.route.Date)] = true
		removed = e.RequestID
	}

	// The edited week: the plan's requests that are still open, and the
	// one assigned.
	keep := in.Requests[:0:0]
	for _, r := range in.Requests {
		if _, ok := targets[r.ID]; ok || (placed[r.ID] != stopPlacement{} && r.ID != removed) {
			keep = append(keep, r)
		}
	}
	in.Requests = keep
	prob, idx, err := Build(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("edit plan %s: %w", base.ID, err)
	}
	ed := &editor{p: prob, idx: idx, base: base, loc: p.cfg.Location, placed: placed, load: map[string]int{}}
	// How many visits each trainer-day has once the edit is applied.
	for id, pl := range placed {
		if _, moving := targets[id]; !moving && id != removed && requests[id] != nil {
			ed.load[routeKey(pl.route.TrainerID, pl.route.Date)]++
		}
	}
	for _, t := range targets {
		ed.load[routeKey(t.trainer, t.date)]++
	}
	for _, u := range idx.Unplaceable {
		if _, ok := targets[u.RequestID]; ok {
			return nil, refuse("request %s cannot be placed in this week at all: %s", u.RequestID, u.Detail)
		}
	}
	for i := range prob.Stops {
		s := &prob.Stops[i]
		if t, ok := targets[s.ID]; ok {
			pin, err := ed.pin(i, t)
			if err != nil {
				return nil, err
			}
			s.Pin = pin
			continue
		}
		cur := placed[s.ID]
		day := slices.Index(idx.Dates, cur.route.Date)
		if day < 0 {
			continue
		}
		if idx.PinSources[s.ID] == PinRequest && s.Pin != nil && s.Pin.HasStart {
			continue // a coordinator's exact pin holds on any route
		}
		if affected[routeKey(cur.route.TrainerID, cur.route.Date)] {
			s.Pin = &scheduler.Pin{Vehicle: cur.route.TrainerID, Day: day, HasDay: true}
		} else {
			s.Pin = &scheduler.Pin{Vehicle: cur.route.TrainerID, Day: day, HasDay: true,
				Start: int64(cur.stop.Start.Sub(idx.Origin) / time.Second), HasStart: true}
		}
	}

	sol, err := scheduler.Solve(ctx, prob, scheduler.Options{
		Seed: p.cfg.Seed, TimeLimit: p.cfg.TimeLimit, StallIterations: scheduler.DefaultStallIterations(len(prob.Stops)),
		Workers: p.cfg.Workers, Logger: p.log, Now: p.cfg.Now,
	})
	var pinErr *scheduler.PinError
	if errors.As(err, &pinErr) {
		return nil, ed.explain(targets, pinErr.Stops)
	}
	if err != nil {
		return nil, fmt.Errorf("edit plan %s: solve: %w", base.ID, err)
	}
	if _, err := checker.Check(prob, sol); err != nil {
		return nil, fmt.Errorf("edit plan %s: the edited plan fails the checker: %w", base.ID, err)
	}

	plan := Decode(prob, idx, sol)
	plan.Warnings = append(plan.Warnings, skipped...)
	// Requests the plan left out stay out, with their reasons.
	for _, u := range base.Unassigned {
		if _, ok := targets[u.RequestID]; ok || requests[u.RequestID] == nil {
			continue
		}
		plan.Unassigned = append(plan.Unassigned, u)
		countUnassigned(&plan.KPIs, u.Priority)
	}
	if removed != "" {
		r := requests[removed]
		plan.Unassigned = append(plan.Unassigned, models.Unassigned{RequestID: r.ID, ClinicID: r.ClinicID, Priority: r.Priority,
			Reason: "unassigned", Detail: "taken out of the plan by a coordinator"})
		countUnassigned(&plan.KPIs, r.Priority)
	}
	plan.KPIs.Moved = movedBookings(in, plan)
	now := p.now()
	edit := models.PlanEdit{Op: e.Op, RequestIDs: editRequests(e), TrainerID: e.TrainerID, Date: e.Date, Start: e.Start,
		By: by, At: now.UTC(), Version: version}
	plan.Edits = append(slices.Clone(base.Edits), edit)
	plan.Pins = mergePins(base.Pins, resultPins(targets, removed))
	plan.BasedOn, plan.Status, plan.Mode, plan.Seed = version, models.PlanDraft, base.Mode, base.Seed
	plan.Trigger = "edit:" + by

	marked, err := st.MarkPlanEdited(ctx, base.ID, base.Rev)
	if err != nil {
		return nil, fmt.Errorf("edit plan %s: %w", base.ID, err)
	}
	if err := st.CreatePlan(ctx, plan); err != nil {
		if uerr := st.UnmarkPlanEdited(context.WithoutCancel(ctx), marked.ID, marked.Rev); uerr != nil {
			p.log.Warn("unmark an edited plan", "plan", marked.ID, "err", uerr)
		}
		return nil, fmt.Errorf("edit plan %s: save: %w", base.ID, err)
	}
	p.log.Info("plan edited", "week", week, "from", version, "version", plan.Version, "op", e.Op, "by", by)
	return plan, nil
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

func (ed *editor) trainerName(id string) string {
	for _, t := range ed.idx.RouteTrainers {
		if t.ID == id && t.Name != "" {
			return t.Name
		}
	}
	return "trainer " + id
}

func (ed *editor) clinicName(stop int) string {
	r := ed.idx.StopRequests[stop]
	if c := ed.idx.Clinics[r.ClinicID]; c != nil && c.Name != "" {
		return c.Name
	}
	return "clinic " + r.ClinicID
}

// pin turns a target into the stop's pin, refusing what can be told
// before solving: the trainer off that day, a missing skill, a time
// outside the clinic's hours or the trainer's, a full day.
func (ed *editor) pin(stop int, t target) (*scheduler.Pin, error) {
	s := &ed.p.Stops[stop]
	day := slices.Index(ed.idx.Dates, t.date)
	if day < 0 {
		return nil, refuse("%s is not a planned day of the week of %s", t.date, ed.idx.Week)
	}
	ri := ed.route(t.trainer, t.date)
	if ri < 0 {
		return nil, refuse("%s is off on %s (no working hours that day)", ed.trainerName(t.trainer), t.date)
	}
	r := &ed.p.Routes[ri]
	var missing []string
	for _, sk := range s.Skills {
		if !slices.Contains(r.Skills, sk) {
			missing = append(missing, sk)
		}
	}
	if len(missing) > 0 {
		return nil, refuse("%s lacks the skill %s that request %s needs", ed.trainerName(t.trainer), strings.Join(missing, ", "), s.ID)
	}
	if n := ed.load[routeKey(t.trainer, t.date)]; r.Capacity > 0 && int64(n) > r.Capacity {
		return nil, refuse("%s already has %d visits on %s, the most allowed", ed.trainerName(t.trainer), n-1, t.date)
	}
	if slices.Contains(s.Excluded, t.trainer) {
		return nil, refuse("the clinic does not want %s", ed.trainerName(t.trainer))
	}
	dayWindows := ed.windowsOn(s, day)
	if len(dayWindows) == 0 {
		return nil, refuse("%s on %s is outside the clinic's hours or the request's dates (%s)", ed.clinicName(stop), t.date, ed.allowedDays(s))
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
			return nil, refuse("the clinic's hours on %s (%s) do not meet %s's working hours (%s)",
				t.date, ed.spans(dayWindows, s.Service), ed.trainerName(t.trainer), ed.spans(r.Shifts, 0))
		}
		return pin, nil
	}
	start := ed.seconds(t.date, *t.start)
	if !slices.ContainsFunc(dayWindows, func(w scheduler.Window) bool { return w.Contains(start) }) {
		return nil, refuse("%s at %s is outside the clinic's hours or the request's times (it can start %s)",
			ed.clinicName(stop), t.start, ed.spans(dayWindows, 0))
	}
	if !slices.ContainsFunc(r.Shifts, func(sh scheduler.Window) bool { return sh.Start <= start && start+s.Service <= sh.End }) {
		return nil, refuse("%s–%s is outside %s's working hours on %s (%s)",
			t.start, ed.clock(start+s.Service), ed.trainerName(t.trainer), t.date, ed.spans(r.Shifts, 0))
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

// allowedDays names the dates the stop may be served on.
func (ed *editor) allowedDays(s *scheduler.Stop) string {
	var days []string
	for d, date := range ed.idx.Dates {
		if len(ed.windowsOn(s, d)) > 0 {
			days = append(days, string(date))
		}
	}
	if len(days) == 0 {
		return "no day of this week"
	}
	return "possible: " + strings.Join(days, ", ")
}

// spans formats windows as local "HH:MM–HH:MM" (extended by extra, so that
// start windows read as the time the visit may take).
func (ed *editor) spans(ws []scheduler.Window, extra int64) string {
	var out []string
	for _, w := range ws {
		out = append(out, ed.clock(w.Start)+"–"+ed.clock(w.End+extra))
	}
	return strings.Join(out, ", ")
}

// explain says why the engine could not honour the edit's pins.
func (ed *editor) explain(targets map[string]target, failed []string) error {
	for _, id := range failed {
		t, ok := targets[id]
		if !ok {
			continue
		}
		stop := slices.IndexFunc(ed.p.Stops, func(s scheduler.Stop) bool { return s.ID == id })
		return refuse("%s", ed.why(stop, t))
	}
	// The edited stop fits, but a visit already on the route no longer does.
	for _, id := range failed {
		cur := ed.placed[id]
		if cur.route == nil {
			continue
		}
		return refuse("no room: the visit to %s at %s on %s's route would no longer fit",
			cur.stop.ClinicName, cur.stop.Start.In(ed.loc).Format("15:04"), cur.route.TrainerName)
	}
	return refuse("the edit leaves pinned visits without a place: %s", strings.Join(failed, ", "))
}

// why explains why stop cannot go to t although the trainer works that
// day with the skills and the time is within the hours: the visits
// around it leave no room, or travel from the previous one is too long.
func (ed *editor) why(stop int, t target) string {
	s := &ed.p.Stops[stop]
	ri := ed.route(t.trainer, t.date)
	r := &ed.p.Routes[ri]
	m := &ed.p.Matrices[r.Profile]
	name := ed.trainerName(t.trainer)
	// The other visits of the target route in the base plan, by start.
	type busy struct {
		start, end int64
		loc        int
		clinic     string
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
				ed.p.Stops[j].Loc, st.ClinicName})
		}
	}
	slices.SortFunc(around, func(a, b busy) int { return cmp.Compare(a.start, b.start) })
	if r.Capacity > 0 && int64(len(around)) >= r.Capacity {
		return fmt.Sprintf("%s already has %d visits on %s, the most allowed", name, len(around), t.date)
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
				return fmt.Sprintf("travel from the previous stop (%s, until %s) takes %d min: %s arrives at %s, after %s",
					prev.clinic, ed.clock(prev.end), m.At(prev.loc, s.Loc)/60, name, ed.clock(arrive), t.start)
			}
		}
		return fmt.Sprintf("no room between %s and %s on %s's route on %s for a %d-minute visit with its travel",
			ed.clock(gapFrom), ed.clock(gapTo), name, t.date, s.Service/60)
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
	return fmt.Sprintf("no room on %s's route on %s: the longest free time is between %s and %s, too short for a %d-minute visit with its travel",
		name, t.date, ed.clock(best[0]), ed.clock(best[1]), s.Service/60)
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
