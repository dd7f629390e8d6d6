package scheduler

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// This file explains the stops a plan leaves out. It has its own small
// feasibility probe instead of the search's incremental route state, for
// the same reason the checker is separate: an explanation is only worth
// something if it is found by checks that do not share the search's code.
// The probe follows the model documented on Route, Stop and Break: services
// start inside the stop's windows and lie inside one shift, the trainer
// leaves no earlier than the first shift starts and is back by the end of
// the last, the break is taken in one gap (after travelling, or before it
// when the break window closes earlier) and a used route always takes it,
// load within capacity, and the work time (return minus the latest
// departure that still returns as early) within MaxWork.
//
// The reason of each stop is the first check, in this order, that no
// trainer-day passes:
//
//  1. a pin that cannot be honoured (ReasonPin, with what stands in the way);
//  2. skills (ReasonNoSkill), then exclusions (ReasonExcluded), then load
//     above capacity (ReasonLoad);
//  3. an allowed start time inside a shift (ReasonNoWindowOverlap; also when
//     the only such times fall in the lunch break);
//  4. the stop alone on the trainer-day, travel included (ReasonUnreachable
//     when it fits without travel, ReasonMaxWork when it fits without the
//     working-time limit);
//  5. an insertion into the plan as it is: none gives ReasonCapacity, one
//     gives ReasonNotFound (the search missed it).
//
// The relaxation is the smallest single change, measured in minutes of
// change, that lets the stop into the plan as it is, nothing else moved:
// a trainer's shift ending later or starting earlier, with the maximum
// working time growing alike (the minutes), the due
// day moving later or the earliest day earlier with the same hours as on
// that day (an hour per day), a trainer-day's capacity (half an hour per
// unit of load), its maximum working time (the minutes), a skill gained or
// an exclusion lifted (for those reasons, the only change that helps). For
// a pin: the pinned time moved or the pinned trainer-day's shift extended
// (the minutes), or else the pin lifted.

// explainProbeBudget bounds the feasibility checks spent on relaxations
// for one solution (a check costs well under a microsecond on a day of a
// dozen visits).
const explainProbeBudget = 1_000_000

// explainer holds what every explanation of one solution needs.
type explainer struct {
	p      *Problem
	plan   [][]int   // per route, the stops the solution gives it in order
	visits [][]Visit // per route, the planned visits with their times
	// probes counts route feasibility checks; past explainProbeBudget the
	// search for relaxations stops, so that explaining a large week left
	// mostly unplanned stays within about a second. Reasons are always
	// computed.
	probes int64
	// views caches stopView(s, true), the form planned stops take, and
	// items the planned stops as items of their route (by route × stops +
	// stop).
	views []explainStopView
	items map[int64]explainItem
	skill map[string]bool
}

// explainStopView is a stop as the probe sees it: its windows (already
// narrowed by a pinned time) and what it needs from a route.
type explainStopView struct {
	idx     int
	windows []Window // merged allowed starts
}

// explainRelaxation is one candidate single change.
type explainRelaxation struct {
	score    int64 // minutes of change, for choosing the smallest
	sentence string
}

// explainUnassigned fills Reason, Detail and Relaxation of every entry of
// sol.Unassigned that has no Reason yet by the checks described above
// (entries with a Reason, such as the stops an interrupted construction
// never tried, are left as they are). When ctx is done it still gives
// every stop its reason, but skips the search for relaxations, which is
// the slow part.
func explainUnassigned(ctx context.Context, p *Problem, sol *Solution) {
	x := &explainer{p: p, plan: make([][]int, len(p.Routes)), visits: make([][]Visit, len(p.Routes)),
		skill: map[string]bool{}, views: make([]explainStopView, len(p.Stops)), items: map[int64]explainItem{}}
	for _, rp := range sol.Routes {
		x.visits[rp.Route] = rp.Visits
		for _, v := range rp.Visits {
			x.plan[rp.Route] = append(x.plan[rp.Route], v.Stop)
		}
	}
	for _, r := range p.Routes {
		for _, s := range r.Skills {
			x.skill[s] = true
		}
	}
	for i := range sol.Unassigned {
		u := &sol.Unassigned[i]
		if u.Reason != "" {
			continue
		}
		u.Reason, u.Detail, u.Relaxation = x.explain(u.Stop, ctx.Err() == nil)
	}
}

// explain returns the reason, its detail and, when relax is set and one
// exists, the smallest relaxation for stop s.
func (x *explainer) explain(s int, relax bool) (Reason, string, string) {
	st := &x.p.Stops[s]
	if st.Pin != nil {
		return x.explainPin(s, relax)
	}
	all := x.routeIndexes(func(int) bool { return true })
	skilled := x.filter(all, func(r int) bool { return x.hasSkills(&x.p.Routes[r], st.Skills) })
	if len(skilled) == 0 {
		return ReasonNoSkill, x.noSkillDetail(st), x.pick(relax, func() []explainRelaxation { return x.relaxSkills(s) })
	}
	allowed := x.filter(skilled, func(r int) bool { return !slices.Contains(st.Excluded, x.p.Routes[r].Vehicle) })
	if len(allowed) == 0 {
		return ReasonExcluded,
			fmt.Sprintf("every trainer with the skills it needs (%s) is excluded by the request", x.vehicleList(skilled)),
			x.pick(relax, func() []explainRelaxation { return x.relaxExclusion(s, skilled) })
	}
	loadable := x.filter(allowed, func(r int) bool {
		c := x.p.Routes[r].Capacity
		return c == 0 || st.Load <= c
	})
	if len(loadable) == 0 {
		return ReasonLoad,
			fmt.Sprintf("its load %d exceeds the capacity of every qualified trainer-day", st.Load),
			x.pick(relax, func() []explainRelaxation { return x.relaxCapacity(s, allowed) })
	}
	view := x.stopView(s, false)
	overlapping := x.filter(loadable, func(r int) bool { return len(x.starts(&x.p.Routes[r], view)) > 0 })
	general := func() []explainRelaxation {
		var out []explainRelaxation
		out = append(out, x.relaxShifts(view, loadable)...)
		out = append(out, x.relaxDays(s, loadable)...)
		out = append(out, x.relaxCapacity(s, loadable)...)
		out = append(out, x.relaxMaxWork(s, loadable)...)
		return out
	}
	if len(overlapping) == 0 {
		return ReasonNoWindowOverlap,
			fmt.Sprintf("none of its allowed times (%s) falls within a shift of a qualified trainer", x.windowList(view.windows)),
			x.pick(relax, general)
	}
	free := probeOptions{noTravel: true, noMaxWork: true}
	alone := x.filter(overlapping, func(r int) bool { return x.fitsAlone(r, s, probeOptions{noMaxWork: true}) })
	if len(alone) == 0 {
		if x.any(overlapping, func(r int) bool { return x.fitsAlone(r, s, free) }) {
			return ReasonUnreachable,
				"no qualified trainer can travel from the start place, serve it within its allowed times and get back before the shift ends",
				x.pick(relax, general)
		}
		return ReasonNoWindowOverlap,
			"its allowed times meet qualified shifts only during the lunch break",
			x.pick(relax, general)
	}
	if !x.any(alone, func(r int) bool { return x.fitsAlone(r, s, probeOptions{}) }) {
		return ReasonMaxWork,
			"serving it would take every qualified trainer-day past its maximum working time",
			x.pick(relax, general)
	}
	for _, r := range alone {
		if pos, ok := x.insertion(r, x.p.Routes[r], view, probeOptions{}); ok {
			return ReasonNotFound,
				fmt.Sprintf("it fits %s %s, but the search did not find this placement", x.routeName(r), x.positionText(r, pos)),
				""
		}
	}
	return ReasonCapacity, x.capacityDetail(s, alone), x.pick(relax, general)
}

// explainPin explains a pinned stop: what of the pin cannot be honoured.
func (x *explainer) explainPin(s int, relax bool) (Reason, string, string) {
	st := &x.p.Stops[s]
	pin := st.Pin
	var what []string
	if pin.Vehicle != "" {
		what = append(what, "trainer "+pin.Vehicle)
	}
	if pin.HasDay {
		what = append(what, "day "+x.dayName(pin.Day))
	}
	if pin.HasStart {
		what = append(what, "at "+x.clock(pin.Start))
	}
	pinned := "pinned"
	if len(what) > 0 {
		pinned += " to " + strings.Join(what, ", ")
	}
	relaxation := x.pick(relax, func() []explainRelaxation { return x.relaxPin(s) })
	routes := x.routeIndexes(func(r int) bool {
		rt := &x.p.Routes[r]
		return (pin.Vehicle == "" || rt.Vehicle == pin.Vehicle) && (!pin.HasDay || rt.Day == pin.Day)
	})
	fail := func(format string, args ...any) (Reason, string, string) {
		return ReasonPin, pinned + ": " + fmt.Sprintf(format, args...), relaxation
	}
	if len(routes) == 0 {
		return fail("that trainer does not work that day")
	}
	skilled := x.filter(routes, func(r int) bool { return x.hasSkills(&x.p.Routes[r], st.Skills) })
	if len(skilled) == 0 {
		return fail("%s lacks the skills %s", x.vehicleList(routes), strings.Join(st.Skills, ", "))
	}
	allowed := x.filter(skilled, func(r int) bool { return !slices.Contains(st.Excluded, x.p.Routes[r].Vehicle) })
	if len(allowed) == 0 {
		return fail("the request excludes %s", x.vehicleList(skilled))
	}
	loadable := x.filter(allowed, func(r int) bool {
		c := x.p.Routes[r].Capacity
		return c == 0 || st.Load <= c
	})
	if len(loadable) == 0 {
		return fail("its load %d exceeds the trainer-day's capacity", st.Load)
	}
	view := x.stopView(s, true)
	if len(view.windows) == 0 {
		return fail("the pinned time is outside its allowed times (%s)", x.windowList(x.stopView(s, false).windows))
	}
	overlapping := x.filter(loadable, func(r int) bool { return len(x.starts(&x.p.Routes[r], view)) > 0 })
	if len(overlapping) == 0 {
		return fail("none of its allowed times (%s) falls within the pinned trainer-day's shifts", x.windowList(view.windows))
	}
	if !x.any(overlapping, func(r int) bool { return x.fitsAlone(r, s, probeOptions{noMaxWork: true}) }) {
		if x.any(overlapping, func(r int) bool { return x.fitsAlone(r, s, probeOptions{noMaxWork: true, noTravel: true}) }) {
			return fail("the trainer cannot travel there, serve it as pinned and get back within the shift, even on an empty day")
		}
		return fail("the lunch break leaves no room for it as pinned")
	}
	if !x.any(overlapping, func(r int) bool { return x.fitsAlone(r, s, probeOptions{}) }) {
		return fail("it would exceed the maximum working time")
	}
	for _, r := range overlapping {
		if pos, ok := x.insertion(r, x.p.Routes[r], view, probeOptions{}); ok {
			return ReasonPin, fmt.Sprintf("%s: it fits %s %s, but the search did not place it", pinned, x.routeName(r), x.positionText(r, pos)), ""
		}
	}
	// Pins come before everything else: if only unpinned visits stand in
	// the way, the search should have moved them.
	for _, r := range overlapping {
		var pinnedOnly []int
		for _, b := range x.plan[r] {
			if x.p.Stops[b].Pin != nil {
				pinnedOnly = append(pinnedOnly, b)
			}
		}
		if _, ok := x.insertionInto(r, x.p.Routes[r], pinnedOnly, view, probeOptions{}); ok {
			return ReasonPin, fmt.Sprintf("%s: unpinned visits fill %s, and the search did not move them to make room", pinned, x.routeName(r)), relaxation
		}
	}
	return fail("it collides with the pinned visits on %s", x.routeList(overlapping))
}

// probeOptions switch constraints off, to find which one is binding.
type probeOptions struct {
	noTravel  bool
	noMaxWork bool
	noLoad    bool
}

// stopView returns the stop's merged allowed starts, narrowed to the pinned
// time when pinned is set and the stop has one.
func (x *explainer) stopView(s int, pinned bool) explainStopView {
	if pinned && x.views[s].windows != nil {
		return x.views[s]
	}
	st := &x.p.Stops[s]
	win := mergeWindows(st.Windows)
	if pinned && st.Pin != nil && st.Pin.HasStart {
		win = intersectWindows(win, []Window{{st.Pin.Start, st.Pin.Start}})
	}
	v := explainStopView{idx: s, windows: win}
	if pinned && win != nil {
		x.views[s] = v
	}
	return v
}

// starts returns the times the stop may start on the route: its windows
// within the parts of shifts long enough for its service.
func (x *explainer) starts(rt *Route, v explainStopView) []Window {
	svc := x.p.Stops[v.idx].Service
	var fit []Window
	for _, sh := range rt.Shifts {
		if sh.End-svc >= sh.Start {
			fit = append(fit, Window{sh.Start, sh.End - svc})
		}
	}
	return intersectWindows(v.windows, fit)
}

// fitsAlone reports whether stop s alone fits route r.
func (x *explainer) fitsAlone(r, s int, o probeOptions) bool {
	rt := x.p.Routes[r]
	it, ok := x.item(&rt, x.stopView(s, true))
	return ok && x.feasible(&rt, []explainItem{it}, o)
}

// explainItem is a stop as placed on one route: where, how long, how
// heavy, and when it may start there.
type explainItem struct {
	loc       int
	svc, load int64
	win       []Window
}

// item returns stop view v as an item of route rt, and false when it has
// no allowed start on the route at all.
func (x *explainer) item(rt *Route, v explainStopView) (explainItem, bool) {
	st := &x.p.Stops[v.idx]
	it := explainItem{loc: st.Loc, svc: st.Service, load: st.Load, win: x.starts(rt, v)}
	return it, len(it.win) > 0
}

// insertion returns the first position at which stop view v fits into
// route r's planned sequence, with the route's constraints taken from rt
// (a possibly relaxed copy).
func (x *explainer) insertion(r int, rt Route, v explainStopView, o probeOptions) (int, bool) {
	return x.insertionInto(r, rt, x.plan[r], v, o)
}

// insertionInto is insertion into the given sequence of route r's stops.
func (x *explainer) insertionInto(r int, rt Route, base []int, v explainStopView, o probeOptions) (int, bool) {
	it, ok := x.item(&rt, v)
	if !ok {
		return 0, false
	}
	load := it.load
	items := make([]explainItem, 0, len(base)+1)
	// The planned stops' allowed starts depend on the shifts only; while
	// those are the route's own, they are worth keeping.
	own := len(rt.Shifts) > 0 && &rt.Shifts[0] == &x.p.Routes[r].Shifts[0]
	for _, b := range base {
		key := int64(r)*int64(len(x.p.Stops)) + int64(b)
		bi, cached := x.items[key]
		if !cached || !own {
			bi, ok = x.item(&rt, x.stopView(b, true))
			if !ok {
				return 0, false
			}
			if own {
				x.items[key] = bi
			}
		}
		items = append(items, bi)
		load += bi.load
	}
	if !o.noLoad && rt.Capacity > 0 && load > rt.Capacity {
		return 0, false
	}
	seq := make([]explainItem, len(base)+1)
	for pos := 0; pos <= len(base); pos++ {
		copy(seq, items[:pos])
		seq[pos] = it
		copy(seq[pos+1:], items[pos:])
		if x.feasible(&rt, seq, o) {
			return pos, true
		}
	}
	return 0, false
}

// feasible reports whether route rt serves seq in that order. It tracks,
// per position, the earliest end of service with the break still to take
// (e0) and already taken (e1); waiting is allowed, so the earliest is
// always the best and the check is exact.
func (x *explainer) feasible(rt *Route, seq []explainItem, o probeOptions) bool {
	x.probes++
	if !o.noLoad && rt.Capacity > 0 {
		var load int64
		for _, it := range seq {
			load += it.load
		}
		if load > rt.Capacity {
			return false
		}
	}
	pr := explainPath{rt: rt, mat: &x.p.Matrices[rt.Profile], seq: seq, noTravel: o.noTravel}
	last := rt.Shifts[len(rt.Shifts)-1].End
	pr.endWin = []Window{{ninf, last}}
	brk := rt.Break
	e0, e1 := rt.Shifts[0].Start, inf
	for p := 1; p <= len(seq)+1; p++ {
		e0, e1 = pr.step(e0, p), min(pr.step(e1, p), pr.stepBreak(e0, p))
	}
	end := e0
	if brk != nil {
		end = e1
	}
	if end >= inf {
		return false
	}
	if o.noMaxWork || rt.MaxWork == 0 || len(seq) == 0 {
		return true
	}
	return end-pr.latestDeparture(end) <= rt.MaxWork
}

// explainPath is a route with a sequence of items between its start
// (position 0) and its end (position len(seq)+1).
type explainPath struct {
	rt       *Route
	mat      *Matrix
	seq      []explainItem
	endWin   []Window
	noTravel bool
}

func (pr *explainPath) loc(p int) int {
	switch {
	case p == 0:
		return pr.rt.StartLoc
	case p > len(pr.seq):
		return pr.rt.EndLoc
	}
	return pr.seq[p-1].loc
}

// at returns the allowed starts and the service at position p (the end
// location: any time up to the end of the last shift, no service).
func (pr *explainPath) at(p int) ([]Window, int64) {
	if p > len(pr.seq) {
		return pr.endWin, 0
	}
	return pr.seq[p-1].win, pr.seq[p-1].svc
}

// travel returns the time from position p-1 to position p.
func (pr *explainPath) travel(p int) int64 {
	if pr.noTravel {
		return 0
	}
	return pr.mat.At(pr.loc(p-1), pr.loc(p))
}

// step returns the earliest end of service at position p after leaving
// the previous one at e.
func (pr *explainPath) step(e int64, p int) int64 {
	if e >= inf {
		return inf
	}
	win, svc := pr.at(p)
	st := earliestIn(win, e+pr.travel(p))
	if st >= inf {
		return inf
	}
	return st + svc
}

// stepBreak is step with the break taken in the gap: after travelling when
// the break window still allows it, which is never later, else before.
func (pr *explainPath) stepBreak(e int64, p int) int64 {
	brk := pr.rt.Break
	if brk == nil || e >= inf {
		return inf
	}
	t := pr.travel(p)
	var ready int64
	if a := max(e+t, brk.Window.Start); a <= brk.Window.End {
		ready = a + brk.Duration
	} else if b := max(e, brk.Window.Start); b <= brk.Window.End {
		ready = b + brk.Duration + t
	} else {
		return inf
	}
	win, svc := pr.at(p)
	st := earliestIn(win, ready)
	if st >= inf {
		return inf
	}
	return st + svc
}

// latestDeparture returns the latest time the trainer can leave and still
// be back by deadline: the mirror of feasible's forward pass, with the
// latest start of service per position and break state.
func (pr *explainPath) latestDeparture(deadline int64) int64 {
	brk := pr.rt.Break
	minus := func(a, b int64) int64 {
		if a <= ninf {
			return ninf
		}
		return a - b
	}
	// breakBound is the latest end of service before a gap of travel t with
	// the break in it, for a latest start l after the gap.
	breakBound := func(l, t int64) int64 {
		if brk == nil || l <= ninf {
			return ninf
		}
		res := ninf
		if brk.Window.Start+brk.Duration <= l {
			res = min(brk.Window.End, l-brk.Duration) - t
		}
		if brk.Window.Start+brk.Duration+t <= l {
			res = max(res, min(brk.Window.End, l-brk.Duration-t))
		}
		return res
	}
	l0, l1 := deadline, ninf
	if brk != nil {
		l0, l1 = ninf, deadline
	}
	for p := len(pr.seq); p >= 0; p-- {
		t := pr.travel(p + 1)
		le0 := max(minus(l0, t), breakBound(l1, t))
		le1 := minus(l1, t)
		if p == 0 {
			return le0
		}
		win, svc := pr.at(p)
		l0 = latestIn(win, minus(le0, svc))
		l1 = latestIn(win, minus(le1, svc))
	}
	return ninf
}

// relaxSkills finds trainers who would take the stop if they gained the
// skills they miss, fewest missing skills first.
func (x *explainer) relaxSkills(s int) []explainRelaxation {
	st := &x.p.Stops[s]
	var out []explainRelaxation
	view := x.stopView(s, false)
	for r := range x.p.Routes {
		rt := x.p.Routes[r]
		if slices.Contains(st.Excluded, rt.Vehicle) {
			continue
		}
		var missing []string
		for _, sk := range st.Skills {
			if !slices.Contains(rt.Skills, sk) {
				missing = append(missing, sk)
			}
		}
		if _, ok := x.insertion(r, rt, view, probeOptions{}); !ok {
			continue
		}
		noun := "skill"
		if len(missing) > 1 {
			noun = "skills"
		}
		out = append(out, explainRelaxation{
			score:    int64(len(missing)),
			sentence: fmt.Sprintf("fits if trainer %s gains the %s %s (%s)", rt.Vehicle, noun, strings.Join(missing, ", "), x.dayName(rt.Day)),
		})
	}
	return out
}

// relaxExclusion finds excluded trainers who would take the stop.
func (x *explainer) relaxExclusion(s int, skilled []int) []explainRelaxation {
	var out []explainRelaxation
	view := x.stopView(s, false)
	for _, r := range skilled {
		rt := x.p.Routes[r]
		if _, ok := x.insertion(r, rt, view, probeOptions{}); ok {
			out = append(out, explainRelaxation{sentence: fmt.Sprintf("fits if the request no longer excludes trainer %s (%s)", rt.Vehicle, x.dayName(rt.Day))})
		}
	}
	return out
}

// relaxCapacity finds trainer-days that would take the stop with a larger
// capacity, and how large.
func (x *explainer) relaxCapacity(s int, routes []int) []explainRelaxation {
	var out []explainRelaxation
	view := x.stopView(s, false)
	for _, r := range routes {
		rt := x.p.Routes[r]
		if rt.Capacity == 0 {
			continue
		}
		if _, ok := x.insertion(r, rt, view, probeOptions{}); ok {
			continue // capacity is not what stops it
		}
		if _, ok := x.insertion(r, rt, view, probeOptions{noLoad: true}); !ok {
			continue
		}
		need := x.p.Stops[s].Load
		for _, b := range x.plan[r] {
			need += x.p.Stops[b].Load
		}
		out = append(out, explainRelaxation{
			score:    30 * (need - rt.Capacity),
			sentence: fmt.Sprintf("fits if trainer %s may take a load of %d on %s (now %d)", rt.Vehicle, need, x.dayName(rt.Day), rt.Capacity),
		})
	}
	return out
}

// relaxMaxWork finds trainer-days that would take the stop with a longer
// maximum working time, and the shortest that suffices.
func (x *explainer) relaxMaxWork(s int, routes []int) []explainRelaxation {
	var out []explainRelaxation
	view := x.stopView(s, false)
	for _, r := range routes {
		rt := x.p.Routes[r]
		if rt.MaxWork == 0 {
			continue
		}
		if _, ok := x.insertion(r, rt, view, probeOptions{}); ok {
			continue
		}
		if _, ok := x.insertion(r, rt, view, probeOptions{noMaxWork: true}); !ok {
			continue
		}
		span := rt.Shifts[len(rt.Shifts)-1].End - rt.Shifts[0].Start
		need, ok := explainSmallest(rt.MaxWork+1, max(span, rt.MaxWork+1), func(m int64) bool {
			c := rt
			c.MaxWork = m
			_, ok := x.insertion(r, c, view, probeOptions{})
			return ok
		})
		if !ok {
			continue
		}
		out = append(out, explainRelaxation{
			score:    x.minutes(need - rt.MaxWork),
			sentence: fmt.Sprintf("fits if trainer %s may work %s on %s (now %s)", rt.Vehicle, x.duration(need), x.dayName(rt.Day), x.duration(rt.MaxWork)),
		})
	}
	return out
}

// relaxShifts finds the smallest extension of one shift, its end later or
// its start earlier, that lets the stop into a trainer-day. The day's
// maximum working time, if any, grows by as much.
func (x *explainer) relaxShifts(view explainStopView, routes []int) []explainRelaxation {
	var out []explainRelaxation
	limit := x.maxShiftChange()
	// A trainer asked to work longer gets the longer day too: the
	// maximum working time grows with the shift (0 stays unlimited).
	longer := func(maxWork, by int64) int64 {
		if maxWork == 0 {
			return 0
		}
		return maxWork + by
	}
	for _, r := range routes {
		rt := x.p.Routes[r]
		// A shift moved by at most limit can only help on a day that has
		// an allowed time within reach.
		reach := Window{rt.Shifts[0].Start - limit, rt.Shifts[len(rt.Shifts)-1].End + limit}
		if len(intersectWindows(view.windows, []Window{reach})) == 0 {
			continue
		}
		for j, sh := range rt.Shifts {
			if x.probes > explainProbeBudget {
				return out
			}
			// Later end, up to the next shift's start (then they merge, which
			// is a different change) or the limit.
			hi := sh.End + limit
			if j+1 < len(rt.Shifts) {
				hi = min(hi, rt.Shifts[j+1].Start-1)
			}
			if hi > sh.End {
				end, ok := explainSmallest(sh.End+1, hi, func(e int64) bool {
					c := rt
					c.Shifts = slices.Clone(rt.Shifts)
					c.Shifts[j].End = e
					c.MaxWork = longer(rt.MaxWork, e-sh.End)
					_, ok := x.insertion(r, c, view, probeOptions{})
					return ok
				})
				if ok && !x.onlyMaxWork(r, rt, view, end-sh.End) {
					out = append(out, explainRelaxation{
						score:    x.minutes(end - sh.End),
						sentence: fmt.Sprintf("fits if trainer %s works %suntil %s on %s", rt.Vehicle, x.whichShift(&rt, j), x.clockUp(end), x.dayName(rt.Day)),
					})
				}
			}
			lo := sh.Start - limit
			if j > 0 {
				lo = max(lo, rt.Shifts[j-1].End+1)
			}
			if lo < sh.Start {
				// The largest start that works: the smallest shortening of
				// the distance to the original start.
				back, ok := explainSmallest(1, sh.Start-lo, func(d int64) bool {
					c := rt
					c.Shifts = slices.Clone(rt.Shifts)
					c.Shifts[j].Start = sh.Start - d
					c.MaxWork = longer(rt.MaxWork, d)
					_, ok := x.insertion(r, c, view, probeOptions{})
					return ok
				})
				if ok && !x.onlyMaxWork(r, rt, view, back) {
					out = append(out, explainRelaxation{
						score:    x.minutes(back),
						sentence: fmt.Sprintf("fits if trainer %s starts %sat %s on %s", rt.Vehicle, x.whichShift(&rt, j), x.clock(sh.Start-back), x.dayName(rt.Day)),
					})
				}
			}
		}
	}
	return out
}

// whichShift names shift j of a split day ("the 15:00–19:00 shift "), and
// is empty for a day of one shift.
func (x *explainer) whichShift(rt *Route, j int) string {
	if len(rt.Shifts) < 2 {
		return ""
	}
	sh := rt.Shifts[j]
	return fmt.Sprintf("the %s–%s shift ", x.clock(sh.Start), x.clock(sh.End))
}

// onlyMaxWork reports whether raising the route's maximum working time by
// the same amount, shifts unchanged, already lets the stop in: then the
// shift was not what held it back, and relaxMaxWork says so.
func (x *explainer) onlyMaxWork(r int, rt Route, v explainStopView, by int64) bool {
	if rt.MaxWork == 0 {
		return false
	}
	rt.MaxWork += by
	_, ok := x.insertion(r, rt, v, probeOptions{})
	return ok
}

// relaxDays moves the due day later (or the earliest day earlier), one day
// at a time, assuming the clinic keeps the hours of its current due (or
// earliest) day on the added days.
func (x *explainer) relaxDays(s int, routes []int) []explainRelaxation {
	day := x.p.DayLength
	if day <= 0 {
		return nil
	}
	st := &x.p.Stops[s]
	win := mergeWindows(st.Windows)
	firstDay := floorDiv(win[0].Start, day)
	lastDay := floorDiv(win[len(win)-1].Start, day)
	sameDay := func(d int64) []Window {
		var out []Window
		for _, w := range win {
			if floorDiv(w.Start, day) == d {
				out = append(out, w)
			}
		}
		return out
	}
	minDay, maxDay := int64(1<<31), int64(-1<<31)
	for _, r := range routes {
		minDay = min(minDay, int64(x.p.Routes[r].Day))
		maxDay = max(maxDay, int64(x.p.Routes[r].Day))
	}
	try := func(extra []Window) bool {
		v := explainStopView{idx: s, windows: mergeWindows(append(slices.Clone(win), extra...))}
		for _, r := range routes {
			if _, ok := x.insertion(r, x.p.Routes[r], v, probeOptions{}); ok {
				return true
			}
		}
		return false
	}
	var out []explainRelaxation
	var extra []Window
	for d := lastDay + 1; d <= maxDay; d++ {
		for _, w := range sameDay(lastDay) {
			shift := (d - lastDay) * day
			extra = append(extra, Window{w.Start + shift, w.End + shift})
		}
		if try(extra) {
			out = append(out, explainRelaxation{
				score:    60 * (d - lastDay),
				sentence: fmt.Sprintf("fits if the due day moves to %s", x.dayName(int(d))),
			})
			break
		}
	}
	extra = nil
	for d := firstDay - 1; d >= minDay; d-- {
		for _, w := range sameDay(firstDay) {
			shift := (firstDay - d) * day
			extra = append(extra, Window{w.Start - shift, w.End - shift})
		}
		if try(extra) {
			out = append(out, explainRelaxation{
				score:    60 * (firstDay - d),
				sentence: fmt.Sprintf("fits if it may be served from %s", x.dayName(int(d))),
			})
			break
		}
	}
	return out
}

// relaxPin offers the pinned time nearest to the pin that fits the pinned
// trainer-day, or else where the stop would go without its pin.
func (x *explainer) relaxPin(s int) []explainRelaxation {
	st := &x.p.Stops[s]
	pin := st.Pin
	free := x.stopView(s, false)
	var out []explainRelaxation
	var pinnedRoutes []int
	for r := range x.p.Routes {
		rt := x.p.Routes[r]
		matches := (pin.Vehicle == "" || rt.Vehicle == pin.Vehicle) && (!pin.HasDay || rt.Day == pin.Day)
		if !matches || !x.hasSkills(&rt, st.Skills) || slices.Contains(st.Excluded, rt.Vehicle) {
			continue
		}
		pinnedRoutes = append(pinnedRoutes, r)
		if !pin.HasStart {
			continue
		}
		// Candidate times: the bounds of each allowed period on this route,
		// the pinned time clamped into it, and right before or after each
		// planned visit; each is verified by the probe.
		var times []int64
		mat := &x.p.Matrices[rt.Profile]
		for _, v := range x.visits[r] {
			loc := x.p.Stops[v.Stop].Loc
			times = append(times, v.End+mat.At(loc, st.Loc), v.Start-st.Service-mat.At(st.Loc, loc))
		}
		for _, w := range x.starts(&rt, free) {
			times = append(times, w.Start, min(max(pin.Start, w.Start), w.End), w.End)
		}
		for _, t := range times {
			if t == pin.Start || len(intersectWindows(free.windows, []Window{{t, t}})) == 0 {
				continue
			}
			v := explainStopView{idx: s, windows: []Window{{t, t}}}
			if _, ok := x.insertion(r, rt, v, probeOptions{}); ok {
				out = append(out, explainRelaxation{
					score:    x.minutes(max(t-pin.Start, pin.Start-t)),
					sentence: fmt.Sprintf("fits if the pinned time moves to %s on %s", x.clock(t), x.dayName(rt.Day)),
				})
			}
		}
	}
	// The pinned trainer-day working longer honours the pin as it is.
	out = append(out, x.relaxShifts(x.stopView(s, true), pinnedRoutes)...)
	if len(out) > 0 {
		return out
	}
	for r := range x.p.Routes {
		rt := x.p.Routes[r]
		if !x.hasSkills(&rt, st.Skills) || slices.Contains(st.Excluded, rt.Vehicle) {
			continue
		}
		if _, ok := x.insertion(r, rt, free, probeOptions{}); ok {
			return []explainRelaxation{{sentence: fmt.Sprintf("fits if the pin is lifted: %s could take it", x.routeName(r))}}
		}
	}
	return nil
}

// pick returns the sentence of the smallest relaxation, the first found
// among equals, or "" when relax is off or none exists.
//
// Once the probe budget is spent, it returns "" rather than a relaxation
// that might not be the smallest.
func (x *explainer) pick(relax bool, find func() []explainRelaxation) string {
	if !relax || x.probes > explainProbeBudget {
		return ""
	}
	var best *explainRelaxation
	for _, c := range find() {
		if best == nil || c.score < best.score {
			best = &c
		}
	}
	if best == nil || x.probes > explainProbeBudget {
		return ""
	}
	return best.sentence
}

// capacityDetail says who holds the trainer-days the stop would fit alone.
func (x *explainer) capacityDetail(s int, routes []int) string {
	prio := x.p.Stops[s].Priority
	var higher, equal, lower int
	for _, r := range routes {
		for _, b := range x.plan[r] {
			switch q := x.p.Stops[b].Priority; {
			case q < prio:
				higher++
			case q == prio:
				equal++
			default:
				lower++
			}
		}
	}
	days := "trainer-day"
	if len(routes) > 1 {
		days = fmt.Sprintf("%d trainer-days", len(routes))
	}
	return fmt.Sprintf("it fits an empty day, but the %s that could serve it are taken: %d visits of higher, %d of equal and %d of lower priority (%s)",
		days, higher, equal, lower, prio)
}

// noSkillDetail names the skills nobody has, or says nobody has them all.
func (x *explainer) noSkillDetail(st *Stop) string {
	var unknown []string
	for _, sk := range st.Skills {
		if !x.skill[sk] {
			unknown = append(unknown, sk)
		}
	}
	if len(unknown) > 0 {
		return "no trainer has the skill " + strings.Join(unknown, ", ")
	}
	return "no trainer has all the skills " + strings.Join(st.Skills, ", ")
}

func (x *explainer) hasSkills(rt *Route, need []string) bool {
	for _, sk := range need {
		if !slices.Contains(rt.Skills, sk) {
			return false
		}
	}
	return true
}

func (x *explainer) routeIndexes(keep func(int) bool) []int {
	var out []int
	for r := range x.p.Routes {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func (x *explainer) filter(routes []int, keep func(int) bool) []int {
	var out []int
	for _, r := range routes {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func (x *explainer) any(routes []int, ok func(int) bool) bool {
	return slices.ContainsFunc(routes, ok)
}

// vehicleList names the distinct trainers of the routes.
func (x *explainer) vehicleList(routes []int) string {
	var names []string
	for _, r := range routes {
		if v := x.p.Routes[r].Vehicle; !slices.Contains(names, v) {
			names = append(names, v)
		}
	}
	return strings.Join(names, ", ")
}

func (x *explainer) routeList(routes []int) string {
	names := make([]string, len(routes))
	for i, r := range routes {
		names[i] = x.routeName(r)
	}
	return strings.Join(names, "; ")
}

func (x *explainer) routeName(r int) string {
	rt := &x.p.Routes[r]
	return fmt.Sprintf("trainer %s on %s", rt.Vehicle, x.dayName(rt.Day))
}

// positionText says where in the route an insertion goes.
func (x *explainer) positionText(r, pos int) string {
	plan := x.plan[r]
	switch {
	case len(plan) == 0:
		return "(a free day)"
	case pos == 0:
		return "before " + x.p.Stops[plan[0]].ID
	case pos == len(plan):
		return "after " + x.p.Stops[plan[pos-1]].ID
	}
	return fmt.Sprintf("between %s and %s", x.p.Stops[plan[pos-1]].ID, x.p.Stops[plan[pos]].ID)
}

// dayName names a route day: a weekday when a day is 86400 seconds, since
// the service builds its problems with day 0 on a Monday.
func (x *explainer) dayName(d int) string {
	weekdays := [7]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	if x.p.DayLength == 86400 && d >= 0 {
		return weekdays[d%7]
	}
	return fmt.Sprintf("day %d", d)
}

// clock formats a time as the time of day when times are seconds, else as
// the raw number.
func (x *explainer) clock(t int64) string {
	if x.p.DayLength == 86400 {
		s := t - floorDiv(t, 86400)*86400
		return fmt.Sprintf("%02d:%02d", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%d", t)
}

// clockUp is clock rounded up to the minute, for a time that must be
// reached (a shift that must last at least until then).
func (x *explainer) clockUp(t int64) string {
	if x.p.DayLength == 86400 {
		return x.clock((t + 59) / 60 * 60)
	}
	return x.clock(t)
}

func (x *explainer) duration(d int64) string {
	if x.p.DayLength == 86400 {
		return fmt.Sprintf("%dh%02d", d/3600, (d%3600)/60)
	}
	return fmt.Sprintf("%d", d)
}

// minutes converts a time difference into minutes for comparing
// relaxations (the raw number when the unit is not seconds).
func (x *explainer) minutes(d int64) int64 {
	if x.p.DayLength == 86400 {
		return (d + 59) / 60
	}
	return d
}

// maxShiftChange bounds how far a shift may move to count as a small
// change: four hours when times are seconds, a sixth of the day otherwise,
// and without a day length the whole horizon.
func (x *explainer) maxShiftChange() int64 {
	if x.p.DayLength > 0 {
		return x.p.DayLength / 6
	}
	var lo, hi int64 = inf, ninf
	for _, r := range x.p.Routes {
		lo = min(lo, r.Shifts[0].Start)
		hi = max(hi, r.Shifts[len(r.Shifts)-1].End)
	}
	return max(0, hi-lo)
}

func (x *explainer) windowList(ws []Window) string {
	parts := make([]string, 0, len(ws))
	for i, w := range ws {
		if i == 4 {
			parts = append(parts, fmt.Sprintf("and %d more", len(ws)-4))
			break
		}
		if x.p.DayLength == 86400 {
			parts = append(parts, fmt.Sprintf("%s %s–%s", x.dayName(int(floorDiv(w.Start, 86400))), x.clock(w.Start), x.clock(w.End)))
		} else {
			parts = append(parts, fmt.Sprintf("%d–%d", w.Start, w.End))
		}
	}
	return strings.Join(parts, ", ")
}

// explainSmallest returns the smallest v in [lo, hi] with ok(v), for ok
// monotone (false then true), by bisection.
func explainSmallest(lo, hi int64, ok func(int64) bool) (int64, bool) {
	if lo > hi || !ok(hi) {
		return 0, false
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		if ok(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, true
}
