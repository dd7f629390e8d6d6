package scheduler

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
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
// The relaxations are single changes that each let the stop into the plan
// as it is, nothing else moved, ranked by size in minutes of change: a
// trainer's shift ending later or starting earlier (the minutes; the
// working day stays within the trainer's maximum working time, which is a
// contract and never relaxed), the due day moving later or the earliest
// day earlier onto days the clinic is open (Stop.OpenWindows; an hour per
// day), a trainer-day's capacity (half an hour per unit of load), a skill
// gained or an exclusion lifted (for those reasons, the only change that
// helps). For a pin: the pinned time moved or the pinned trainer-day's
// shift extended (the minutes), or else the pin lifted. Changes larger
// than ExplainOptions allow are not offered; when none is left the
// explanation says that no small change lets the stop in.

// explainProbeBudget bounds the feasibility checks spent on relaxations
// for one solution (a check costs well under a microsecond on a day of a
// dozen visits).
const explainProbeBudget = 1_000_000

// ExplainOptions bound the relaxations offered for unassigned stops, so
// that an explanation suggests only changes a coordinator could ask for.
type ExplainOptions struct {
	// MaxExtension bounds how far a shift's start or end, or a pinned
	// time, may move. 0 means two hours when a day is 86400 units (the
	// service's seconds), a twelfth of the day for other day lengths, and
	// the whole horizon without days (benchmark instances, where any
	// change is as plausible as another).
	MaxExtension int64
	// MaxDays bounds how many days the due or earliest day may move; 0
	// means 2.
	MaxDays int
	// MaxLoad bounds the extra load a trainer-day may be asked to take;
	// 0 means 1 (one more visit).
	MaxLoad int64
	// MaxFixes bounds how many relaxations are listed, smallest first; 0
	// means 3.
	MaxFixes int
	// Deadline, when set, is when explaining must stop (read on
	// Options.Now), so that a caller with a time limit for a whole run can
	// leave room for what comes after Solve: the stops not explained by
	// then get ReasonNotFound and NoteUnexplained. The search's own
	// TimeLimit does not bound the explanations, which come after it.
	Deadline time.Time
	// Explained, when set, is told how long explaining took (on
	// Options.Now), which comes on top of the search's TimeLimit. It is a
	// callback rather than part of the Solution so that a solution stays a
	// function of the problem and the options.
	Explained func(took time.Duration)
}

// NoteCode names one kind of explanation fact. Codes are stable: callers
// store them and word them in the reader's language.
type NoteCode string

// Reasons' details (Explanation.Why).
const (
	NoteNoSkill         NoteCode = "no_skill"          // Skills: what no trainer has
	NoteNoSkillTogether NoteCode = "no_skill_together" // Skills: nobody has them all
	NoteExcluded        NoteCode = "excluded"          // Vehicles: the qualified trainers it excludes
	NoteLoad            NoteCode = "load"              // Amount: the stop's load
	NoteNoWindow        NoteCode = "no_window"         // Windows: its allowed starts
	NoteLunchOnly       NoteCode = "lunch_only"        // its times meet shifts only in the lunch break
	NoteUnreachable     NoteCode = "unreachable"       // travel from the start place makes it impossible
	NoteMaxWork         NoteCode = "max_work"          // every trainer-day would exceed its maximum working time
	NoteFitsMissed      NoteCode = "fits_missed"       // Routes[0], Stops: where it fits; the search missed it
	NoteTaken           NoteCode = "taken"             // Amount: trainer-days, Counts: visits of higher, equal, lower priority; Windows: its allowed starts
	NoteInterrupted     NoteCode = "interrupted"       // planning stopped before the stop was tried
	NoteUnexplained     NoteCode = "unexplained"       // the time for explaining ran out before this stop
	NotePinNoRoute      NoteCode = "pin_no_route"      // the pinned trainer does not work the pinned day
	NotePinNoSkill      NoteCode = "pin_no_skill"      // Vehicles lack Skills
	NotePinExcluded     NoteCode = "pin_excluded"      // the request excludes Vehicles
	NotePinLoad         NoteCode = "pin_load"          // Amount: the load above the trainer-day's capacity
	NotePinTimeOutside  NoteCode = "pin_time_outside"  // Windows: its allowed starts, without the pinned time
	NotePinNoWindow     NoteCode = "pin_no_window"     // Windows: its allowed starts miss the pinned shifts
	NotePinUnreachable  NoteCode = "pin_unreachable"   // the trainer cannot get there and back as pinned
	NotePinLunch        NoteCode = "pin_lunch"         // the lunch break leaves no room as pinned
	NotePinMaxWork      NoteCode = "pin_max_work"      // it would exceed the maximum working time
	NotePinFitsMissed   NoteCode = "pin_fits_missed"   // Routes[0], Stops: it fits; the search did not place it
	NotePinCrowded      NoteCode = "pin_crowded"       // Routes[0]: unpinned visits fill it
	NotePinCollides     NoteCode = "pin_collides"      // Routes: pinned visits are in the way
	NoteFixSkill        NoteCode = "fix_skill"         // Routes[0] gains Skills
	NoteFixUnexclude    NoteCode = "fix_unexclude"     // the request stops excluding Routes[0]'s trainer
	NoteFixLoad         NoteCode = "fix_load"          // Routes[0] takes a load of Amount (now Was)
	NoteFixShiftEnd     NoteCode = "fix_shift_end"     // Routes[0]'s shift Shift ends at Time (now Was)
	NoteFixShiftStart   NoteCode = "fix_shift_start"   // Routes[0]'s shift Shift starts at Time (now Was)
	NoteFixDueDay       NoteCode = "fix_due_day"       // the due day moves to Day
	NoteFixEarliestDay  NoteCode = "fix_earliest_day"  // the earliest day moves to Day
	NoteFixPinTime      NoteCode = "fix_pin_time"      // the pinned time moves to Time on Routes[0] (now Was)
	NoteFixUnpin        NoteCode = "fix_unpin"         // the pin is lifted; Routes[0] could take it
)

// Note is one explanation fact in structured form: a code and the values
// it speaks of, as indexes into the Problem, so that a caller can name the
// trainers, days, clinics and times in the reader's language.
type Note struct {
	Code NoteCode
	// Routes index Problem.Routes; Stops index Problem.Stops (-1 for "the
	// start" or "the end" of a route in NoteFitsMissed).
	Routes []int
	Stops  []int
	// Vehicles are trainer ids, Skills skill names.
	Vehicles []string
	Skills   []string
	// Windows are allowed start times.
	Windows []Window
	// Shift indexes the route's Shifts; -1 when the day has one shift.
	Shift int
	// Day is a day index (due and earliest day moves).
	Day int
	// Time is the new time and Was the current one.
	Time, Was int64
	// Amount and Counts are numbers the code explains.
	Amount int64
	Counts []int
	// Size is the change in minutes (an hour per day, half an hour per
	// unit of load), which ranks relaxations.
	Size int64
}

// Explanation is why a stop is unassigned and which small changes would
// let it in.
type Explanation struct {
	Why Note
	// Fixes are the relaxations, smallest first, each within the bounds
	// of ExplainOptions.
	Fixes []Note
	// Searched reports that relaxations were searched in full (not cut
	// short by cancellation or the probe budget): with no Fixes, no small
	// change lets the stop in.
	Searched bool
}

// explainer holds what every explanation of one solution needs.
type explainer struct {
	p      *Problem
	opt    ExplainOptions
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

// explainRelaxation is one candidate single change: its English sentence
// and its structured form (whose Size ranks it).
type explainRelaxation struct {
	sentence string
	note     Note
}

// explained is the outcome for one stop.
type explained struct {
	reason   Reason
	detail   string
	why      Note
	fixes    []explainRelaxation
	searched bool
}

// explainUnassigned fills Reason, Detail, Relaxation and Explanation of
// every entry of sol.Unassigned that has no Reason yet by the checks
// described above (entries with a Reason, such as the stops an interrupted
// construction never tried, keep it and get NoteInterrupted). When ctx is
// done it still gives every stop its reason, but skips the search for
// relaxations, which is the slow part. Past opt.Deadline (on the clock now)
// it stops explaining: the remaining stops get ReasonNotFound with
// NoteUnexplained, because even their reasons cost a probe of every
// trainer-day each.
func explainUnassigned(ctx context.Context, p *Problem, sol *Solution, opt ExplainOptions, now func() time.Time) {
	x := &explainer{p: p, opt: opt, plan: make([][]int, len(p.Routes)), visits: make([][]Visit, len(p.Routes)),
		skill: map[string]bool{}, views: make([]explainStopView, len(p.Stops)), items: map[int64]explainItem{}}
	x.defaults()
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
			if u.Explanation == nil {
				u.Explanation = &Explanation{Why: Note{Code: NoteInterrupted, Shift: -1}}
			}
			continue
		}
		if !opt.Deadline.IsZero() && !now().Before(opt.Deadline) {
			u.Reason, u.Detail = ReasonNotFound, "planning ran out of time before explaining why it is left out"
			u.Explanation = &Explanation{Why: Note{Code: NoteUnexplained, Shift: -1}}
			continue
		}
		e := x.explain(u.Stop, ctx.Err() == nil)
		u.Reason, u.Detail = e.reason, e.detail
		u.Explanation = &Explanation{Why: e.why, Searched: e.searched}
		for _, f := range e.fixes {
			u.Explanation.Fixes = append(u.Explanation.Fixes, f.note)
		}
		if len(e.fixes) > 0 {
			u.Relaxation = e.fixes[0].sentence
		}
	}
}

// defaults fills the zero options.
func (x *explainer) defaults() {
	o := &x.opt
	if o.MaxExtension <= 0 {
		switch {
		case x.p.DayLength == 86400:
			o.MaxExtension = 2 * 3600
		case x.p.DayLength > 0:
			o.MaxExtension = x.p.DayLength / 12
		default:
			var lo, hi int64 = inf, ninf
			for _, r := range x.p.Routes {
				lo = min(lo, r.Shifts[0].Start)
				hi = max(hi, r.Shifts[len(r.Shifts)-1].End)
			}
			o.MaxExtension = max(0, hi-lo)
		}
	}
	if o.MaxDays <= 0 {
		o.MaxDays = 2
	}
	if o.MaxLoad <= 0 {
		o.MaxLoad = 1
	}
	if o.MaxFixes <= 0 {
		o.MaxFixes = 3
	}
}

// note starts a Note with no shift named.
func note(code NoteCode) Note { return Note{Code: code, Shift: -1} }

// explain returns the reason of stop s, its detail and, when relax is set,
// the relaxations.
func (x *explainer) explain(s int, relax bool) explained {
	st := &x.p.Stops[s]
	if st.Pin != nil {
		return x.explainPin(s, relax)
	}
	out := func(reason Reason, why Note, detail string, find func() []explainRelaxation) explained {
		e := explained{reason: reason, detail: detail, why: why}
		e.fixes, e.searched = x.pick(relax, find)
		return e
	}
	all := x.routeIndexes(func(int) bool { return true })
	skilled := x.filter(all, func(r int) bool { return x.hasSkills(&x.p.Routes[r], st.Skills) })
	if len(skilled) == 0 {
		why, detail := x.noSkill(st)
		return out(ReasonNoSkill, why, detail, func() []explainRelaxation { return x.relaxSkills(s) })
	}
	allowed := x.filter(skilled, func(r int) bool { return !slices.Contains(st.Excluded, x.p.Routes[r].Vehicle) })
	if len(allowed) == 0 {
		why := note(NoteExcluded)
		why.Vehicles = x.vehicles(skilled)
		return out(ReasonExcluded, why,
			fmt.Sprintf("every trainer with the skills it needs (%s) is excluded by the request", x.vehicleList(skilled)),
			func() []explainRelaxation { return x.relaxExclusion(s, skilled) })
	}
	loadable := x.filter(allowed, func(r int) bool {
		c := x.p.Routes[r].Capacity
		return c == 0 || st.Load <= c
	})
	if len(loadable) == 0 {
		why := note(NoteLoad)
		why.Amount = st.Load
		return out(ReasonLoad, why,
			fmt.Sprintf("its load %d exceeds the capacity of every qualified trainer-day", st.Load),
			func() []explainRelaxation { return x.relaxCapacity(s, allowed) })
	}
	view := x.stopView(s, false)
	overlapping := x.filter(loadable, func(r int) bool { return len(x.starts(&x.p.Routes[r], view)) > 0 })
	general := func() []explainRelaxation {
		var out []explainRelaxation
		out = append(out, x.relaxShifts(view, loadable)...)
		out = append(out, x.relaxDays(s, loadable)...)
		out = append(out, x.relaxCapacity(s, loadable)...)
		return out
	}
	if len(overlapping) == 0 {
		why := note(NoteNoWindow)
		why.Windows = view.windows
		return out(ReasonNoWindowOverlap, why,
			fmt.Sprintf("none of its allowed times (%s) falls within a shift of a qualified trainer", x.windowList(view.windows)),
			general)
	}
	free := probeOptions{noTravel: true, noMaxWork: true}
	alone := x.filter(overlapping, func(r int) bool { return x.fitsAlone(r, s, probeOptions{noMaxWork: true}) })
	if len(alone) == 0 {
		if x.any(overlapping, func(r int) bool { return x.fitsAlone(r, s, free) }) {
			return out(ReasonUnreachable, note(NoteUnreachable),
				"no qualified trainer can travel from the start place, serve it within its allowed times and get back before the shift ends",
				general)
		}
		return out(ReasonNoWindowOverlap, note(NoteLunchOnly),
			"its allowed times meet qualified shifts only during the lunch break", general)
	}
	if !x.any(alone, func(r int) bool { return x.fitsAlone(r, s, probeOptions{}) }) {
		return out(ReasonMaxWork, note(NoteMaxWork),
			"serving it would take every qualified trainer-day past its maximum working time", general)
	}
	for _, r := range alone {
		if pos, ok := x.insertion(r, x.p.Routes[r], view, probeOptions{}); ok {
			why := note(NoteFitsMissed)
			why.Routes, why.Stops = []int{r}, x.neighbours(r, pos)
			return explained{reason: ReasonNotFound, why: why, searched: relax,
				detail: fmt.Sprintf("it fits %s %s, but the search did not find this placement", x.routeName(r), x.positionText(r, pos))}
		}
	}
	why, detail := x.capacityDetail(s, alone)
	return out(ReasonCapacity, why, detail, general)
}

// explainPin explains a pinned stop: what of the pin cannot be honoured.
func (x *explainer) explainPin(s int, relax bool) explained {
	st := &x.p.Stops[s]
	pin := st.Pin
	pinned := x.pinLabel(pin)
	var fixes []explainRelaxation
	var searched bool
	fixes, searched = x.pick(relax, func() []explainRelaxation { return x.relaxPin(s) })
	routes := x.routeIndexes(func(r int) bool {
		rt := &x.p.Routes[r]
		return (pin.Vehicle == "" || rt.Vehicle == pin.Vehicle) && (!pin.HasDay || rt.Day == pin.Day)
	})
	fail := func(why Note, format string, args ...any) explained {
		return explained{reason: ReasonPin, why: why, detail: pinned + ": " + fmt.Sprintf(format, args...), fixes: fixes, searched: searched}
	}
	if len(routes) == 0 {
		return fail(note(NotePinNoRoute), "that trainer does not work that day")
	}
	skilled := x.filter(routes, func(r int) bool { return x.hasSkills(&x.p.Routes[r], st.Skills) })
	if len(skilled) == 0 {
		why := note(NotePinNoSkill)
		why.Vehicles, why.Skills = x.vehicles(routes), st.Skills
		return fail(why, "%s lacks the skills %s", x.vehicleList(routes), strings.Join(st.Skills, ", "))
	}
	allowed := x.filter(skilled, func(r int) bool { return !slices.Contains(st.Excluded, x.p.Routes[r].Vehicle) })
	if len(allowed) == 0 {
		why := note(NotePinExcluded)
		why.Vehicles = x.vehicles(skilled)
		return fail(why, "the request excludes %s", x.vehicleList(skilled))
	}
	loadable := x.filter(allowed, func(r int) bool {
		c := x.p.Routes[r].Capacity
		return c == 0 || st.Load <= c
	})
	if len(loadable) == 0 {
		why := note(NotePinLoad)
		why.Amount = st.Load
		return fail(why, "its load %d exceeds the trainer-day's capacity", st.Load)
	}
	view := x.stopView(s, true)
	if len(view.windows) == 0 {
		why := note(NotePinTimeOutside)
		why.Windows = x.stopView(s, false).windows
		return fail(why, "the pinned time is outside its allowed times (%s)", x.windowList(why.Windows))
	}
	overlapping := x.filter(loadable, func(r int) bool { return len(x.starts(&x.p.Routes[r], view)) > 0 })
	if len(overlapping) == 0 {
		why := note(NotePinNoWindow)
		why.Windows = view.windows
		return fail(why, "none of its allowed times (%s) falls within the pinned trainer-day's shifts", x.windowList(view.windows))
	}
	return x.pinBlocked(s, overlapping, view, pinned, relax, fail)
}

// pinLabel is "pinned to trainer t1, day Monday, at 10:00": what the pin
// holds.
func (x *explainer) pinLabel(pin *Pin) string {
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
	return pinned
}

// pinBlocked explains a pinned stop s whose windows meet the shifts of the
// pinned trainer-days overlapping: what takes the room it needs there.
// fail builds the answer with the pin's fixes.
func (x *explainer) pinBlocked(s int, overlapping []int, view explainStopView, pinned string, relax bool,
	fail func(why Note, format string, args ...any) explained) explained {
	if !x.any(overlapping, func(r int) bool { return x.fitsAlone(r, s, probeOptions{noMaxWork: true}) }) {
		if x.any(overlapping, func(r int) bool { return x.fitsAlone(r, s, probeOptions{noMaxWork: true, noTravel: true}) }) {
			return fail(note(NotePinUnreachable), "the trainer cannot travel there, serve it as pinned and get back within the shift, even on an empty day")
		}
		return fail(note(NotePinLunch), "the lunch break leaves no room for it as pinned")
	}
	if !x.any(overlapping, func(r int) bool { return x.fitsAlone(r, s, probeOptions{}) }) {
		return fail(note(NotePinMaxWork), "it would exceed the maximum working time")
	}
	for _, r := range overlapping {
		if pos, ok := x.insertion(r, x.p.Routes[r], view, probeOptions{}); ok {
			why := note(NotePinFitsMissed)
			why.Routes, why.Stops = []int{r}, x.neighbours(r, pos)
			return explained{reason: ReasonPin, why: why, searched: relax,
				detail: fmt.Sprintf("%s: it fits %s %s, but the search did not place it", pinned, x.routeName(r), x.positionText(r, pos))}
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
			why := note(NotePinCrowded)
			why.Routes = []int{r}
			return fail(why, "unpinned visits fill %s, and the search did not move them to make room", x.routeName(r))
		}
	}
	why := note(NotePinCollides)
	why.Routes = overlapping
	return fail(why, "it collides with the pinned visits on %s", x.routeList(overlapping))
}

// neighbours returns the stops before and after position pos of route r
// (-1 for the route's start or end).
func (x *explainer) neighbours(r, pos int) []int {
	plan := x.plan[r]
	before, after := -1, -1
	if pos > 0 {
		before = plan[pos-1]
	}
	if pos < len(plan) {
		after = plan[pos]
	}
	return []int{before, after}
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
		n := note(NoteFixSkill)
		n.Routes, n.Skills, n.Size = []int{r}, missing, int64(len(missing))
		out = append(out, explainRelaxation{
			note:     n,
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
			n := note(NoteFixUnexclude)
			n.Routes = []int{r}
			out = append(out, explainRelaxation{note: n,
				sentence: fmt.Sprintf("fits if the request no longer excludes trainer %s (%s)", rt.Vehicle, x.dayName(rt.Day))})
		}
	}
	return out
}

// relaxCapacity finds trainer-days that would take the stop with a larger
// capacity, at most MaxLoad larger, and how large.
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
		if need-rt.Capacity > x.opt.MaxLoad {
			continue
		}
		n := note(NoteFixLoad)
		n.Routes, n.Amount, n.Was, n.Size = []int{r}, need, rt.Capacity, 30*(need-rt.Capacity)
		out = append(out, explainRelaxation{
			note:     n,
			sentence: fmt.Sprintf("fits if trainer %s may take a load of %d on %s (now %d)", rt.Vehicle, need, x.dayName(rt.Day), rt.Capacity),
		})
	}
	return out
}

// relaxShifts finds the smallest extension of one shift, its end later or
// its start earlier by at most MaxExtension and within the route's day,
// that lets the stop into a trainer-day. The maximum working time stays
// as it is: it is the trainer's contract, and a longer shift that would
// break it is no way in.
func (x *explainer) relaxShifts(view explainStopView, routes []int) []explainRelaxation {
	var out []explainRelaxation
	limit := x.opt.MaxExtension
	for _, r := range routes {
		rt := x.p.Routes[r]
		dayStart, dayEnd := int64(ninf), int64(inf)
		if d := x.p.DayLength; d > 0 {
			dayStart, dayEnd = int64(rt.Day)*d, int64(rt.Day+1)*d
		}
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
			// is a different change), the end of the day or the limit.
			hi := min(sh.End+limit, dayEnd)
			if j+1 < len(rt.Shifts) {
				hi = min(hi, rt.Shifts[j+1].Start-1)
			}
			if hi > sh.End {
				end, ok := explainSmallest(sh.End+1, hi, func(e int64) bool {
					c := rt
					c.Shifts = slices.Clone(rt.Shifts)
					c.Shifts[j].End = e
					_, ok := x.insertion(r, c, view, probeOptions{})
					return ok
				})
				if ok {
					n := x.shiftNote(NoteFixShiftEnd, r, j, x.roundUp(end), sh.End)
					out = append(out, explainRelaxation{
						note:     n,
						sentence: fmt.Sprintf("fits if trainer %s works %suntil %s on %s", rt.Vehicle, x.whichShift(&rt, j), x.clock(n.Time), x.dayName(rt.Day)),
					})
				}
			}
			lo := max(sh.Start-limit, dayStart)
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
					_, ok := x.insertion(r, c, view, probeOptions{})
					return ok
				})
				if ok {
					n := x.shiftNote(NoteFixShiftStart, r, j, sh.Start-back, sh.Start)
					out = append(out, explainRelaxation{
						note:     n,
						sentence: fmt.Sprintf("fits if trainer %s starts %sat %s on %s", rt.Vehicle, x.whichShift(&rt, j), x.clock(n.Time), x.dayName(rt.Day)),
					})
				}
			}
		}
	}
	return out
}

// shiftNote is the note of shift j of route r moving from was to t.
func (x *explainer) shiftNote(code NoteCode, r, j int, t, was int64) Note {
	n := note(code)
	n.Routes, n.Time, n.Was = []int{r}, t, was
	if len(x.p.Routes[r].Shifts) > 1 {
		n.Shift = j
	}
	n.Size = x.minutes(max(t-was, was-t))
	return n
}

// roundUp rounds a time that must be reached (a shift that must last at
// least until then) up to the minute when times are seconds.
func (x *explainer) roundUp(t int64) int64 {
	if x.p.DayLength == 86400 {
		return (t + 59) / 60 * 60
	}
	return t
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

// relaxDays moves the due day later (or the earliest day earlier), one day
// at a time and at most MaxDays, onto the times the stop would allow
// without its day limits (Stop.OpenWindows). A day the clinic is closed
// adds nothing and is passed over, so the suggestion names the limit that
// really holds the stop back: when the clinic opens only on days already
// allowed, moving the due day helps nothing and is not offered.
func (x *explainer) relaxDays(s int, routes []int) []explainRelaxation {
	day := x.p.DayLength
	st := &x.p.Stops[s]
	if day <= 0 || len(st.OpenWindows) == 0 {
		return nil
	}
	win := mergeWindows(st.Windows)
	open := mergeWindows(st.OpenWindows)
	firstDay := floorDiv(win[0].Start, day)
	lastDay := floorDiv(win[len(win)-1].Start, day)
	onDay := func(d int64) []Window {
		var out []Window
		for _, w := range open {
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
	for d := lastDay + 1; d <= min(maxDay, lastDay+int64(x.opt.MaxDays)); d++ {
		add := onDay(d)
		if len(add) == 0 {
			continue
		}
		extra = append(extra, add...)
		if try(extra) {
			n := note(NoteFixDueDay)
			n.Day, n.Size = int(d), 60*(d-lastDay)
			out = append(out, explainRelaxation{note: n, sentence: fmt.Sprintf("fits if the due day moves to %s", x.dayName(int(d)))})
			break
		}
	}
	extra = nil
	for d := firstDay - 1; d >= max(minDay, firstDay-int64(x.opt.MaxDays)); d-- {
		add := onDay(d)
		if len(add) == 0 {
			continue
		}
		extra = append(extra, add...)
		if try(extra) {
			n := note(NoteFixEarliestDay)
			n.Day, n.Size = int(d), 60*(firstDay-d)
			out = append(out, explainRelaxation{note: n, sentence: fmt.Sprintf("fits if it may be served from %s", x.dayName(int(d)))})
			break
		}
	}
	return out
}

// relaxPin offers the pinned time nearest to the pin, at most MaxExtension
// away, that fits the pinned trainer-day, or the pinned trainer-day's
// shift extended; else where the stop would go without its pin.
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
			moved := max(t-pin.Start, pin.Start-t)
			if t == pin.Start || moved > x.opt.MaxExtension || len(intersectWindows(free.windows, []Window{{t, t}})) == 0 {
				continue
			}
			v := explainStopView{idx: s, windows: []Window{{t, t}}}
			if _, ok := x.insertion(r, rt, v, probeOptions{}); ok {
				n := note(NoteFixPinTime)
				n.Routes, n.Time, n.Was, n.Size = []int{r}, t, pin.Start, x.minutes(moved)
				out = append(out, explainRelaxation{
					note:     n,
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
			n := note(NoteFixUnpin)
			n.Routes = []int{r}
			return []explainRelaxation{{note: n, sentence: fmt.Sprintf("fits if the pin is lifted: %s could take it", x.routeName(r))}}
		}
	}
	return nil
}

// pick returns the relaxations smallest first (the first found among
// equals), at most MaxFixes and without repeats, and whether the search
// ran in full. It searches nothing when relax is off or the probe budget
// is spent, and once the budget runs out during the search it returns
// none rather than some that might not be the smallest.
func (x *explainer) pick(relax bool, find func() []explainRelaxation) ([]explainRelaxation, bool) {
	if !relax || x.probes > explainProbeBudget {
		return nil, false
	}
	all := find()
	if x.probes > explainProbeBudget {
		return nil, false
	}
	slices.SortStableFunc(all, func(a, b explainRelaxation) int { return cmp.Compare(a.note.Size, b.note.Size) })
	var out []explainRelaxation
	for _, c := range all {
		if len(out) == x.opt.MaxFixes {
			break
		}
		if !slices.ContainsFunc(out, func(o explainRelaxation) bool { return o.sentence == c.sentence }) {
			out = append(out, c)
		}
	}
	return out, true
}

// capacityDetail says who holds the trainer-days the stop would fit alone.
func (x *explainer) capacityDetail(s int, routes []int) (Note, string) {
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
	n := note(NoteTaken)
	n.Routes, n.Amount, n.Counts = routes, int64(len(routes)), []int{higher, equal, lower}
	// The times it may start, which are often the real limit (a clinic
	// open on one morning a week).
	n.Windows = x.stopView(s, false).windows
	return n, fmt.Sprintf("it fits an empty day, but the %s that could serve it are taken: %d visits of higher, %d of equal and %d of lower priority (%s)",
		days, higher, equal, lower, prio)
}

// noSkill names the skills nobody has, or says nobody has them all.
func (x *explainer) noSkill(st *Stop) (Note, string) {
	var unknown []string
	for _, sk := range st.Skills {
		if !x.skill[sk] {
			unknown = append(unknown, sk)
		}
	}
	if len(unknown) > 0 {
		n := note(NoteNoSkill)
		n.Skills = unknown
		return n, "no trainer has the skill " + strings.Join(unknown, ", ")
	}
	n := note(NoteNoSkillTogether)
	n.Skills = st.Skills
	return n, "no trainer has all the skills " + strings.Join(st.Skills, ", ")
}

// vehicles returns the distinct trainers of the routes.
func (x *explainer) vehicles(routes []int) []string {
	var names []string
	for _, r := range routes {
		if v := x.p.Routes[r].Vehicle; !slices.Contains(names, v) {
			names = append(names, v)
		}
	}
	return names
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
	return strings.Join(x.vehicles(routes), ", ")
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

// minutes converts a time difference into minutes for comparing
// relaxations (the raw number when the unit is not seconds).
func (x *explainer) minutes(d int64) int64 {
	if x.p.DayLength == 86400 {
		return (d + 59) / 60
	}
	return d
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
