package scheduler

import (
	"slices"
)

// inf and ninf bound times; they leave head-room so that adding travel or
// service to them never overflows.
const (
	inf  int64 = 1 << 60
	ninf int64 = -(1 << 60)
)

// cand is a route a stop may go to, with the stop's allowed start times on
// that route (its windows intersected with the route's shifts, an index
// into instance.wins) and the stop-route part of the cost. A large week
// has millions of candidates (5,000 stops × 1,435 trainer-days gave 2.5
// million), so the allowed start times are shared between the routes with
// the same shifts instead of being stored per candidate: that cut the
// compiled instance from about 300 MiB to a fraction of it.
type cand struct {
	route int32
	win   int32
	pair  int64
}

// routeInfo is the compiled, immutable view of a Route.
type routeInfo struct {
	mat      *Matrix
	startLoc int
	endLoc   int
	first    int64 // earliest departure
	last     int64 // latest return
	endWin   []Window
	hasBreak bool
	bws, bwe int64 // break start window
	bdur     int64
	capacity int64
	maxWork  int64
	usedCost int64 // RouteUsed (or the routes-first weight) + FixedCost
	trainer  int
	day      int
	shifts   int // index of the route's shift list among the distinct ones
}

// instance is the compiled problem shared read-only by all workers.
type instance struct {
	p        *Problem
	n, m     int
	w        Weights
	routes   []routeInfo
	stopVal  []int64 // cost of leaving the stop unassigned
	cands    [][]cand
	wins     [][]Window // allowed start times, shared by candidates
	loc      []int
	svc      []int64
	load     []int64
	prio     []Priority
	pinned   []bool
	trainers int
	near     [][]int32 // stops by increasing distance, for related removals
	avgEdge  float64   // mean travel cost between a stop and its nearest stops
	routesW  int64     // per-route weight actually used
	// considered marks the stops whose candidates were compiled; the rest
	// were never looked at because planning was stopped during compile,
	// and interrupted says so.
	considered  []bool
	interrupted bool
}

// window returns the allowed start times of candidate c.
func (in *instance) window(c *cand) []Window { return in.wins[c.win] }

// compileCheckEvery is how many stops compile (and construction) handle
// between two looks at the context and the clock: compiling a stop of a
// 5,000-stop week takes about half a millisecond, so the answer to a
// cancellation comes within a few milliseconds.
const compileCheckEvery = 16

// priorityOrder returns the stop indexes pinned first, then by priority,
// then by index: the order in which an interrupted compile or construction
// still covers the most important stops.
func priorityOrder(p *Problem) []int32 {
	order := make([]int32, len(p.Stops))
	for i := range order {
		order[i] = int32(i)
	}
	rank := func(s int32) int {
		if p.Stops[s].Pin != nil {
			return -1
		}
		return int(p.Stops[s].Priority)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return rank(a) - rank(b) })
	return order
}

// mergeWindows returns the sorted union of ws.
func mergeWindows(ws []Window) []Window {
	out := slices.Clone(ws)
	slices.SortFunc(out, func(a, b Window) int {
		switch {
		case a.Start < b.Start:
			return -1
		case a.Start > b.Start:
			return 1
		}
		return 0
	})
	j := 0
	for i := 1; i < len(out); i++ {
		if out[i].Start <= out[j].End {
			out[j].End = max(out[j].End, out[i].End)
			continue
		}
		j++
		out[j] = out[i]
	}
	if len(out) > 0 {
		out = out[:j+1]
	}
	return out
}

// intersectWindows intersects two sorted disjoint window lists.
func intersectWindows(a, b []Window) []Window {
	var out []Window
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		lo, hi := max(a[i].Start, b[j].Start), min(a[i].End, b[j].End)
		if lo <= hi {
			out = append(out, Window{lo, hi})
		}
		if a[i].End < b[j].End {
			i++
		} else {
			j++
		}
	}
	return out
}

// earliestIn returns the first time >= x inside ws, or inf.
func earliestIn(ws []Window, x int64) int64 {
	for _, w := range ws {
		if x <= w.End {
			return max(x, w.Start)
		}
	}
	return inf
}

// latestIn returns the last time <= x inside ws, or ninf.
func latestIn(ws []Window, x int64) int64 {
	for i := len(ws) - 1; i >= 0; i-- {
		if x >= ws[i].Start {
			return min(x, ws[i].End)
		}
	}
	return ninf
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// compile builds the instance; it assumes p is valid. Every
// compileCheckEvery stops it calls stop, and when that reports true it
// leaves the remaining stops without candidates (not considered) and marks
// the instance interrupted.
func compile(p *Problem, routesFirst bool, stop func() bool) *instance {
	in := &instance{p: p, n: len(p.Stops), m: len(p.Routes), w: p.Weights}
	skills := skillIndex{}
	routeSkills := make([][]uint64, in.m)
	for i, r := range p.Routes {
		routeSkills[i] = skills.bits(r.Skills)
	}
	shiftLists := in.compileRoutes()
	in.compileStops()
	in.routesW = in.routeWeight(routesFirst)
	for i := range p.Routes {
		in.routes[i].usedCost = in.routesW + p.Routes[i].FixedCost
	}
	in.compileCandidates(skills, routeSkills, shiftLists, stop)
	if !in.interrupted {
		in.interrupted = !in.buildNeighbours(stop)
	}
	return in
}

// skillIndex numbers skill names so that a set of skills becomes a bit
// set and "has every required skill" a few AND operations.
type skillIndex map[string]int

// bits returns ss as a bit set, numbering skills not seen before.
func (x skillIndex) bits(ss []string) []uint64 {
	var bits []uint64
	for _, s := range ss {
		id, ok := x[s]
		if !ok {
			id = len(x)
			x[s] = id
		}
		for len(bits) <= id/64 {
			bits = append(bits, 0)
		}
		bits[id/64] |= 1 << (id % 64)
	}
	return bits
}

// hasSkills reports whether the bit set have contains need.
func hasSkills(have, need []uint64) bool {
	for i, b := range need {
		if b != 0 && (i >= len(have) || have[i]&b != b) {
			return false
		}
	}
	return true
}

// compileRoutes fills in.routes and in.trainers, and returns the number of
// distinct shift lists: routes with equal shifts give a stop equal allowed
// start times, so these are computed once per list (routeInfo.shifts).
func (in *instance) compileRoutes() int {
	p := in.p
	trainerIdx := map[string]int{}
	for _, r := range p.Routes {
		if _, ok := trainerIdx[r.Vehicle]; !ok {
			trainerIdx[r.Vehicle] = len(trainerIdx)
		}
	}
	in.trainers = len(trainerIdx)
	in.routes = make([]routeInfo, in.m)
	var shiftLists [][]Window
	for i := range p.Routes {
		r := &p.Routes[i]
		ri := &in.routes[i]
		ri.mat = &p.Matrices[r.Profile]
		ri.startLoc, ri.endLoc = r.StartLoc, r.EndLoc
		ri.first = r.Shifts[0].Start
		ri.last = r.Shifts[len(r.Shifts)-1].End
		ri.endWin = []Window{{ninf, ri.last}}
		if r.Break != nil {
			ri.hasBreak = true
			ri.bws, ri.bwe, ri.bdur = r.Break.Window.Start, r.Break.Window.End, r.Break.Duration
		}
		ri.capacity, ri.maxWork = r.Capacity, r.MaxWork
		ri.trainer = trainerIdx[r.Vehicle]
		ri.day = r.Day
		j := slices.IndexFunc(shiftLists, func(ws []Window) bool { return slices.Equal(ws, r.Shifts) })
		if j < 0 {
			j = len(shiftLists)
			shiftLists = append(shiftLists, r.Shifts)
		}
		ri.shifts = j
	}
	return len(shiftLists)
}

// compileStops fills the per-stop arrays and each stop's value: what
// leaving it unassigned costs.
func (in *instance) compileStops() {
	p := in.p
	in.loc = make([]int, in.n)
	in.svc = make([]int64, in.n)
	in.load = make([]int64, in.n)
	in.prio = make([]Priority, in.n)
	in.pinned = make([]bool, in.n)
	in.stopVal = make([]int64, in.n)
	in.cands = make([][]cand, in.n)
	in.considered = make([]bool, in.n)
	for s := range p.Stops {
		st := &p.Stops[s]
		in.loc[s], in.svc[s], in.load[s], in.prio[s] = st.Loc, st.Service, st.Load, st.Priority
		in.pinned[s] = st.Pin != nil
		in.stopVal[s] = in.w.Scheduled[st.Priority]
		if in.pinned[s] {
			in.stopVal[s] = 10 * in.w.Scheduled[PriorityUrgent]
		}
		if st.Previous != nil {
			in.stopVal[s] += in.w.Move
		}
	}
}

// routeWeight returns the weight of a used route. Under routes-first it
// must outweigh every term below it: travel, urgent delay and the soft
// terms, bounded crudely but safely.
func (in *instance) routeWeight(routesFirst bool) int64 {
	if !routesFirst {
		return in.w.RouteUsed
	}
	var maxEdge int64
	for _, m := range in.p.Matrices {
		for _, t := range m.Time {
			maxEdge = max(maxEdge, t)
		}
	}
	bound := in.w.Travel*maxEdge*int64(in.n+2*in.m) + 1
	bound += int64(in.n) * (in.w.Move + in.w.Continuity + in.w.Preferred + in.w.OutsidePreferred + in.w.Fairness*int64(2*in.n+1))
	if in.p.DayLength > 0 {
		bound += int64(in.n) * in.w.UrgentDelay * 7
	}
	return max(in.w.RouteUsed, bound)
}

// compileCandidates lists, for each stop in priority order, the routes it
// may use with its allowed start times there and the stop-route cost. It
// calls stop every compileCheckEvery stops and, when that reports true,
// marks the instance interrupted and leaves the rest unconsidered.
func (in *instance) compileCandidates(skills skillIndex, routeSkills [][]uint64, shiftLists int, stop func() bool) {
	cc := candCompiler{
		in: in, skills: skills, routeSkills: routeSkills,
		winOf: make([]int32, shiftLists), prefOf: make([]int32, shiftLists),
	}
	for i, s := range priorityOrder(in.p) {
		if i%compileCheckEvery == 0 && stop() {
			in.interrupted = true
			return
		}
		in.considered[s] = true
		in.cands[s] = cc.stop(int(s))
	}
}

// candCompiler holds what compileCandidates reuses from stop to stop.
type candCompiler struct {
	in          *instance
	skills      skillIndex
	routeSkills [][]uint64
	// winOf[j] is the index in in.wins of the current stop's allowed starts
	// on shift list j, -1 when not computed yet, -2 when empty.
	winOf []int32
	// prefOf[j] is the index in in.wins of those allowed starts that are
	// also preferred, -2 when none is, -3 when all are (or the stop has no
	// preference); valid where winOf[j] >= 0.
	prefOf  []int32
	buf     []cand
	scratch routeState
}

// Values of candCompiler.prefOf besides an index.
const (
	prefNone = -2 // no allowed start is preferred
	prefAll  = -3 // every allowed start is preferred, or none is asked for
)

// stop returns stop s's candidates: the routes that qualify (not excluded,
// as pinned, within capacity, with the skills), where some allowed start
// fits a shift and the stop alone fits the route. A route can give up to
// three candidates, narrowest first (see routeCands): the search then
// prices keeping the previous start time and starting at a preferred time
// exactly, with the O(1) insertion test, by choosing among them.
func (cc *candCompiler) stop(s int) []cand {
	in, p := cc.in, cc.in.p
	st := &p.Stops[s]
	win := mergeWindows(st.Windows)
	if st.Pin != nil && st.Pin.HasStart {
		win = intersectWindows(win, []Window{{st.Pin.Start, st.Pin.Start}})
	}
	if len(win) == 0 {
		return nil
	}
	pref := mergeWindows(st.PreferredWindows)
	for j := range cc.winOf {
		cc.winOf[j] = -1
	}
	cc.buf = cc.buf[:0]
	earliestDay := int64(0)
	if p.DayLength > 0 {
		earliestDay = floorDiv(win[0].Start, p.DayLength)
	}
	need := cc.skills.bits(st.Skills)
	excluded := map[string]bool{}
	for _, e := range st.Excluded {
		excluded[e] = true
	}
	preferred := map[string]bool{}
	for _, e := range st.Preferred {
		preferred[e] = true
	}
	for r := range p.Routes {
		rt := &p.Routes[r]
		ri := &in.routes[r]
		if excluded[rt.Vehicle] || !pinAllows(st.Pin, rt) || (ri.capacity > 0 && st.Load > ri.capacity) || !hasSkills(cc.routeSkills[r], need) {
			continue
		}
		j := ri.shifts
		if cc.winOf[j] == -1 {
			cc.allowedStarts(j, win, pref, rt.Shifts, st.Service)
		}
		if cc.winOf[j] < 0 {
			continue
		}
		cc.routeCands(s, r, in.pairCost(st, rt, earliestDay, preferred), pref)
	}
	return slices.Clone(cc.buf)
}

// allowedStarts computes winOf[j] and prefOf[j] for the stop's merged
// windows win and preferred windows pref on shift list shifts.
func (cc *candCompiler) allowedStarts(j int, win, pref, shifts []Window, service int64) {
	in := cc.in
	cc.winOf[j], cc.prefOf[j] = -2, prefAll
	cw := intersectWindows(win, shiftStarts(shifts, service))
	if len(cw) == 0 {
		return
	}
	cc.winOf[j] = int32(len(in.wins))
	in.wins = append(in.wins, cw)
	if len(pref) == 0 {
		return
	}
	switch pw := intersectWindows(cw, pref); {
	case len(pw) == 0:
		cc.prefOf[j] = prefNone
	case !slices.Equal(pw, cw):
		cc.prefOf[j] = int32(len(in.wins))
		in.wins = append(in.wins, pw)
	}
}

// routeCands appends stop s's candidates on route r, base being the cost
// terms that do not depend on the start time. Where the stop can start at
// its Previous start on its previous trainer-day, the first candidate
// allows exactly that start and pays no move; where only some allowed
// starts are preferred, the next allows just those; the last allows every
// start and pays Weights.Move when the stop has a Previous placement, and
// Weights.OutsidePreferred when some of its starts are not preferred.
// Either may overprice a plan that happens to start at the previous or a
// preferred time anyway; the search then finds the cheaper candidate, and
// Evaluate prices the plan as it is.
func (cc *candCompiler) routeCands(s, r int, base int64, pref []Window) {
	in := cc.in
	st, rt := &in.p.Stops[s], &in.p.Routes[r]
	j := in.routes[r].shifts
	full := cand{route: int32(r), win: cc.winOf[j], pair: base}
	if st.Previous != nil {
		full.pair += in.w.Move
	}
	if cc.prefOf[j] != prefAll {
		full.pair += in.w.OutsidePreferred
	}
	if !in.singletonFeasible(&cc.scratch, s, &full) {
		return
	}
	if pv := st.Previous; pv != nil && pv.Vehicle == rt.Vehicle && pv.Day == rt.Day && inWindows(in.wins[full.win], pv.Start) {
		keep := cand{route: int32(r), win: int32(len(in.wins)), pair: base}
		in.wins = append(in.wins, []Window{{pv.Start, pv.Start}})
		if len(pref) > 0 && !inWindows(pref, pv.Start) {
			keep.pair += in.w.OutsidePreferred
		}
		if in.singletonFeasible(&cc.scratch, s, &keep) {
			cc.buf = append(cc.buf, keep)
		} else {
			in.wins = in.wins[:len(in.wins)-1]
		}
	}
	if cc.prefOf[j] >= 0 {
		inside := cand{route: int32(r), win: cc.prefOf[j], pair: full.pair - in.w.OutsidePreferred}
		if in.singletonFeasible(&cc.scratch, s, &inside) {
			cc.buf = append(cc.buf, inside)
		}
	}
	cc.buf = append(cc.buf, full)
}

// inWindows reports whether t lies inside one of ws.
func inWindows(ws []Window, t int64) bool {
	for _, w := range ws {
		if w.Contains(t) {
			return true
		}
	}
	return false
}

// pinAllows reports whether pin (nil = none) lets its stop use route rt.
func pinAllows(pin *Pin, rt *Route) bool {
	if pin == nil {
		return true
	}
	return (pin.Vehicle == "" || pin.Vehicle == rt.Vehicle) && (!pin.HasDay || pin.Day == rt.Day)
}

// shiftStarts returns the start times at which a service of length svc
// lies inside one of shifts.
func shiftStarts(shifts []Window, svc int64) []Window {
	var starts []Window
	for _, sh := range shifts {
		if sh.End-svc >= sh.Start {
			starts = append(starts, Window{sh.Start, sh.End - svc})
		}
	}
	return starts
}

// pairCost is the part of the objective that depends only on the stop and
// its route, not on its start time: urgent delay, continuity and preferred
// trainers. Moves and preferred hours depend on the start; routeCands
// prices them.
func (in *instance) pairCost(st *Stop, rt *Route, earliestDay int64, preferred map[string]bool) int64 {
	var pair int64
	if st.Priority == PriorityUrgent && in.p.DayLength > 0 {
		if d := int64(rt.Day) - earliestDay; d > 0 {
			pair += d * in.w.UrgentDelay
		}
	}
	if len(st.History) > 0 && st.History[rt.Vehicle] == 0 {
		someone := false
		for _, v := range st.History {
			if v > 0 {
				someone = true
			}
		}
		if someone {
			pair += in.w.Continuity
		}
	}
	if len(st.Preferred) > 0 && !preferred[rt.Vehicle] {
		pair += in.w.Preferred
	}
	return pair
}

// singletonFeasible reports whether the stop alone fits the route; rs is
// scratch space reused across calls.
func (in *instance) singletonFeasible(rs *routeState, s int, c *cand) bool {
	rs.seq = append(rs.seq[:0], int32(s))
	rs.win = append(rs.win[:0], in.window(c))
	rs.pairs = append(rs.pairs[:0], c.pair)
	rs.init(in, int(c.route))
	return rs.feasible
}

// buildNeighbours sorts, for each stop, the nearest other stops (by the
// first matrix, both directions) for related and string removals. It
// calls stop every few hundred stops (the whole takes about half a second
// at 5,000 stops) and returns false, leaving the lists incomplete, when
// that reports true.
func (in *instance) buildNeighbours(stop func() bool) bool {
	const keep = 80
	k := min(keep, in.n-1)
	in.near = make([][]int32, in.n)
	if k <= 0 {
		return true
	}
	mat := &in.p.Matrices[0]
	dist := func(a, b int) int64 { return mat.At(in.loc[a], in.loc[b]) + mat.At(in.loc[b], in.loc[a]) }
	var sum float64
	var cnt int
	for a := 0; a < in.n; a++ {
		if a%256 == 0 && stop() {
			return false
		}
		best := make([]int32, 0, k+1)
		bd := make([]int64, 0, k+1)
		for b := 0; b < in.n; b++ {
			if b == a {
				continue
			}
			d := dist(a, b)
			if len(best) == k && d >= bd[k-1] {
				continue
			}
			i := len(best)
			if i == k {
				i--
			} else {
				best = append(best, 0)
				bd = append(bd, 0)
			}
			for i > 0 && bd[i-1] > d {
				best[i], bd[i] = best[i-1], bd[i-1]
				i--
			}
			best[i], bd[i] = int32(b), d
		}
		in.near[a] = best
		for i := 0; i < min(5, len(bd)); i++ {
			sum += float64(bd[i]) / 2
			cnt++
		}
	}
	if cnt > 0 {
		in.avgEdge = sum / float64(cnt)
	}
	return true
}
