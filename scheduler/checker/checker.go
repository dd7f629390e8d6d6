// Package checker verifies plans produced by the scheduler independently of
// its search code: every hard constraint of the model is re-checked from the
// Problem and the reported times, and the cost is recomputed from scratch.
// It imports only the scheduler's types, so a bug in the engine's
// incremental bookkeeping cannot hide itself here.
package checker

import (
	"errors"
	"fmt"
	"slices"

	"github.com/fieldvisit/fieldvisit/scheduler"
)

// Check verifies sol against p. It returns the cost recomputed under
// p.Weights and an error joining every violation found (nil when the
// solution is valid and its reported cost matches the recomputation).
func Check(p *scheduler.Problem, sol *scheduler.Solution) (scheduler.Cost, error) {
	c := &check{p: p}
	cost := c.run(sol)
	return cost, errors.Join(c.errs...)
}

type check struct {
	p    *scheduler.Problem
	errs []error
}

func (c *check) fail(format string, args ...any) {
	if len(c.errs) < 50 {
		c.errs = append(c.errs, fmt.Errorf(format, args...))
	}
}

// run checks every route and unassigned stop of sol, that each stop
// appears exactly once, and that the reported cost is the recomputed one,
// which it returns.
func (c *check) run(sol *scheduler.Solution) scheduler.Cost {
	p := c.p
	var cost scheduler.Cost
	if sol == nil {
		c.fail("nil solution")
		return cost
	}
	seen := make([]int, len(p.Stops))
	routeSeen := make([]bool, len(p.Routes))
	visits := map[string]int64{}
	for _, rp := range sol.Routes {
		if rp.Route < 0 || rp.Route >= len(p.Routes) {
			c.fail("route index %d out of range", rp.Route)
			continue
		}
		if routeSeen[rp.Route] {
			c.fail("route %q planned twice", p.Routes[rp.Route].ID)
			continue
		}
		routeSeen[rp.Route] = true
		ok := true
		for _, v := range rp.Visits {
			if v.Stop < 0 || v.Stop >= len(p.Stops) {
				c.fail("route %q: stop index %d out of range", p.Routes[rp.Route].ID, v.Stop)
				ok = false
				continue
			}
			seen[v.Stop]++
		}
		if !ok || len(rp.Visits) == 0 {
			continue
		}
		c.route(rp, &cost, visits)
	}
	for _, u := range sol.Unassigned {
		if u.Stop < 0 || u.Stop >= len(p.Stops) {
			c.fail("unassigned stop index %d out of range", u.Stop)
			continue
		}
		seen[u.Stop]++
		c.unassigned(u, &cost)
	}
	for s, n := range seen {
		if n != 1 {
			c.fail("stop %q appears %d times (visits and unassigned), want exactly once", p.Stops[s].ID, n)
		}
	}
	for _, n := range visits {
		cost.FairnessSquares += n * n
	}
	w := p.Weights
	cost.Total += w.UrgentDelay*cost.UrgentDelayDays + w.Travel*cost.Travel +
		w.RouteUsed*int64(cost.RoutesUsed) + cost.FixedCost + w.Fairness*cost.FairnessSquares +
		w.Move*int64(cost.Moves) + w.Continuity*int64(cost.ContinuityMisses) + w.Preferred*int64(cost.PreferredMisses) +
		w.OutsidePreferred*int64(cost.OutsidePreferred)
	if len(c.errs) == 0 && cost != sol.Cost {
		c.fail("reported cost %+v differs from recomputed %+v", sol.Cost, cost)
	}
	return cost
}

// unassigned adds what leaving u's stop out costs: its priority's weight
// (ten urgent ones when pinned) and a move when it had a placement.
func (c *check) unassigned(u scheduler.Unassigned, cost *scheduler.Cost) {
	p := c.p
	st := &p.Stops[u.Stop]
	if u.Reason == "" {
		c.fail("unassigned stop %q has no reason", st.ID)
	}
	cost.Unscheduled[st.Priority]++
	if st.Pin != nil {
		cost.UnscheduledPinned++
		cost.Total += 10 * p.Weights.Scheduled[scheduler.PriorityUrgent]
	} else {
		cost.Total += p.Weights.Scheduled[st.Priority]
	}
	if st.Previous != nil {
		cost.Moves++
	}
}

func inAny(ws []scheduler.Window, t int64) bool {
	for _, w := range ws {
		if w.Start <= t && t <= w.End {
			return true
		}
	}
	return false
}

// route checks one used route: its working span, its break, each visit
// with the travel before it, and its load; it adds the route's terms to
// cost and its visits to the trainer's count.
func (c *check) route(rp scheduler.RoutePlan, cost *scheduler.Cost, visits map[string]int64) {
	p := c.p
	rt := &p.Routes[rp.Route]
	name := rt.ID
	mat := &p.Matrices[rt.Profile]
	travel := func(a, b int) int64 {
		if a == b {
			return 0
		}
		return mat.Time[a*mat.Size+b]
	}
	cost.RoutesUsed++
	cost.FixedCost += rt.FixedCost
	brk := c.span(rp, rt)
	var load int64
	prevLoc, prevEnd := rt.StartLoc, rp.Depart
	// gap checks that travel (and the break, when it lies in the gap) fit
	// between the end of one event and the start of the next.
	gap := func(what string, loc int, arrive, start int64) {
		t := travel(prevLoc, loc)
		if arrive < prevEnd+t {
			c.fail("route %s: %s reached at %d, but leaving at %d needs %d of travel", name, what, arrive, prevEnd, t)
		}
		if arrive > start {
			c.fail("route %s: %s starts at %d before the arrival at %d", name, what, start, arrive)
		}
		if rp.HasBreak && rt.Break != nil && brk.Start >= prevEnd && brk.End <= start && start-prevEnd < t+rt.Break.Duration {
			c.fail("route %s: break and travel do not both fit before %s", name, what)
		}
	}
	for i, v := range rp.Visits {
		st := &p.Stops[v.Stop]
		what := fmt.Sprintf("stop %s", st.ID)
		gap(what, st.Loc, v.Arrive, v.Start)
		c.visit(rp, rt, brk, v, what)
		if i > 0 && v.Start < rp.Visits[i-1].End {
			c.fail("route %s: %s overlaps the previous visit", name, what)
		}
		load += st.Load
		cost.Travel += travel(prevLoc, st.Loc)
		prevLoc, prevEnd = st.Loc, v.End
		c.stopCost(st, rt, v, cost)
		visits[rt.Vehicle]++
	}
	gap("the end location", rt.EndLoc, rp.Return, rp.Return)
	cost.Travel += travel(prevLoc, rt.EndLoc)
	if rt.Capacity > 0 && load > rt.Capacity {
		c.fail("route %s: load %d exceeds capacity %d", name, load, rt.Capacity)
	}
}

// span checks the route's working span (shifts, MaxWork) and its break,
// and returns the break as taken (zero when none).
func (c *check) span(rp scheduler.RoutePlan, rt *scheduler.Route) scheduler.Window {
	name := rt.ID
	if rp.Depart < rt.Shifts[0].Start {
		c.fail("route %s: departs at %d before its first shift starts at %d", name, rp.Depart, rt.Shifts[0].Start)
	}
	if last := rt.Shifts[len(rt.Shifts)-1].End; rp.Return > last {
		c.fail("route %s: returns at %d after its last shift ends at %d", name, rp.Return, last)
	}
	if rt.MaxWork > 0 && rp.Return-rp.Depart > rt.MaxWork {
		c.fail("route %s: works %d, more than %d", name, rp.Return-rp.Depart, rt.MaxWork)
	}
	var brk scheduler.Window
	if rt.Break != nil {
		if !rp.HasBreak {
			c.fail("route %s: used route without its break", name)
		} else {
			brk = scheduler.Window{Start: rp.BreakStart, End: rp.BreakStart + rt.Break.Duration}
			if !rt.Break.Window.Contains(rp.BreakStart) {
				c.fail("route %s: break starts at %d outside %v", name, rp.BreakStart, rt.Break.Window)
			}
			if brk.Start < rp.Depart || brk.End > rp.Return {
				c.fail("route %s: break %v outside the working span [%d,%d]", name, brk, rp.Depart, rp.Return)
			}
		}
	} else if rp.HasBreak {
		c.fail("route %s: has a break but the route defines none", name)
	}
	return brk
}

// visit checks visit v (called what) on its own: its end, its windows,
// one shift, the break, skills, exclusions and the pin.
func (c *check) visit(rp scheduler.RoutePlan, rt *scheduler.Route, brk scheduler.Window, v scheduler.Visit, what string) {
	name := rt.ID
	st := &c.p.Stops[v.Stop]
	if v.End != v.Start+st.Service {
		c.fail("route %s: %s ends at %d, want start+service %d", name, what, v.End, v.Start+st.Service)
	}
	if !inAny(st.Windows, v.Start) {
		c.fail("route %s: %s starts at %d outside its windows", name, what, v.Start)
	}
	inShift := false
	for _, sh := range rt.Shifts {
		if sh.Start <= v.Start && v.End <= sh.End {
			inShift = true
		}
	}
	if !inShift {
		c.fail("route %s: %s [%d,%d] not inside one shift", name, what, v.Start, v.End)
	}
	if rp.HasBreak && brk.Start < v.End && v.Start < brk.End {
		c.fail("route %s: break %v overlaps %s", name, brk, what)
	}
	if rp.HasBreak && st.Service == 0 && brk.Start < v.Start && v.Start < brk.End {
		c.fail("route %s: %s starts during the break", name, what)
	}
	for _, sk := range st.Skills {
		if !slices.Contains(rt.Skills, sk) {
			c.fail("route %s: trainer lacks skill %q for %s", name, sk, what)
		}
	}
	if slices.Contains(st.Excluded, rt.Vehicle) {
		c.fail("route %s: trainer %s is excluded from %s", name, rt.Vehicle, what)
	}
	if pin := st.Pin; pin != nil {
		if pin.Vehicle != "" && pin.Vehicle != rt.Vehicle {
			c.fail("route %s: %s pinned to trainer %s", name, what, pin.Vehicle)
		}
		if pin.HasDay && pin.Day != rt.Day {
			c.fail("route %s: %s pinned to day %d", name, what, pin.Day)
		}
		if pin.HasStart && pin.Start != v.Start {
			c.fail("route %s: %s pinned to start %d, starts %d", name, what, pin.Start, v.Start)
		}
	}
}

// stopCost adds the terms of a stop served by visit v on route rt: urgent
// delay, a move (another trainer, day or start time than Previous), a
// continuity miss, a preferred-trainer miss and a start outside the
// preferred windows, which v must also report.
func (c *check) stopCost(st *scheduler.Stop, rt *scheduler.Route, v scheduler.Visit, cost *scheduler.Cost) {
	p := c.p
	if st.Priority == scheduler.PriorityUrgent && p.DayLength > 0 {
		first := st.Windows[0].Start
		for _, w := range st.Windows {
			first = min(first, w.Start)
		}
		day := first / p.DayLength
		if first%p.DayLength != 0 && first < 0 {
			day--
		}
		if d := int64(rt.Day) - day; d > 0 {
			cost.UrgentDelayDays += d
		}
	}
	if pv := st.Previous; pv != nil && (pv.Vehicle != rt.Vehicle || pv.Day != rt.Day || pv.Start != v.Start) {
		cost.Moves++
	}
	outside := len(st.PreferredWindows) > 0 && !inAny(st.PreferredWindows, v.Start)
	if outside {
		cost.OutsidePreferred++
	}
	if outside != v.OutsidePreferred {
		c.fail("route %s: stop %s starts at %d; outside its preferred windows: %t, but the plan says %t", rt.ID, st.ID, v.Start, outside, v.OutsidePreferred)
	}
	if st.History[rt.Vehicle] == 0 {
		for _, n := range st.History {
			if n > 0 {
				cost.ContinuityMisses++
				break
			}
		}
	}
	if len(st.Preferred) > 0 && !slices.Contains(st.Preferred, rt.Vehicle) {
		cost.PreferredMisses++
	}
}
