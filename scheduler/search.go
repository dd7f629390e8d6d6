package scheduler

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// savedRoute is a route's content before the current iteration changed it.
type savedRoute struct {
	r     int
	seq   []int32
	win   [][]Window
	pairs []int64
}

// worker is one independent search: its own solution, random source and
// undo log. Workers share only the read-only instance.
type worker struct {
	in      *instance
	rng     *rand.Rand
	routes  []routeState
	where   []int32 // route of each stop, -1 when unassigned
	pool    []int32 // unassigned stops
	poolPos []int32
	tcount  []int64 // visits per trainer
	closed  []bool  // routes that may not receive stops (fleet minimisation)

	sumRoute int64
	fairSq   int64
	poolVal  int64

	touched   []bool
	saved     []savedRoute
	nsaved    int
	savedPool []int32
	savedT    []int64
	savedSum  [3]int64

	removed []int32
	scratch routeState
	// byAbsence orders repairs by absence counts (fleet minimisation).
	byAbsence bool
	absence   []int64
	list      []int32

	// best solution found
	bestSeq   [][]int32
	bestWin   [][][]Window
	bestPairs [][]int64
	bestCost  int64
	bestPool  int

	iterations  int64
	initialCost int64
	// interrupted reports that the context or the clock stopped compile or
	// construction before every stop had been tried.
	interrupted bool
	// stopped says what ended the search.
	stopped StopReason
}

func newWorker(in *instance, seed int64) *worker {
	w := &worker{
		in:      in,
		rng:     rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15)),
		routes:  make([]routeState, in.m),
		where:   make([]int32, in.n),
		poolPos: make([]int32, in.n),
		tcount:  make([]int64, in.trainers),
		closed:  make([]bool, in.m),
		touched: make([]bool, in.m),
		absence: make([]int64, in.n),
	}
	for r := range w.routes {
		w.routes[r].init(in, r)
	}
	for s := 0; s < in.n; s++ {
		w.where[s] = -1
		w.poolPos[s] = int32(len(w.pool))
		w.pool = append(w.pool, int32(s))
		w.poolVal += in.stopVal[s]
	}
	return w
}

func (w *worker) cost() int64 { return w.sumRoute + w.in.w.Fairness*w.fairSq + w.poolVal }

func (w *worker) touch(r int) {
	if w.touched[r] {
		return
	}
	w.touched[r] = true
	if w.nsaved == len(w.saved) {
		w.saved = append(w.saved, savedRoute{})
	}
	sv := &w.saved[w.nsaved]
	w.nsaved++
	rs := &w.routes[r]
	sv.r = r
	sv.seq = append(sv.seq[:0], rs.seq...)
	sv.win = append(sv.win[:0], rs.win...)
	sv.pairs = append(sv.pairs[:0], rs.pairs...)
}

// begin starts an iteration that may be rolled back.
func (w *worker) begin() {
	w.savedPool = append(w.savedPool[:0], w.pool...)
	w.savedT = append(w.savedT[:0], w.tcount...)
	w.savedSum = [3]int64{w.sumRoute, w.fairSq, w.poolVal}
	w.removed = w.removed[:0]
}

func (w *worker) commit() {
	for i := 0; i < w.nsaved; i++ {
		w.touched[w.saved[i].r] = false
	}
	w.nsaved = 0
}

func (w *worker) rollback() {
	for _, s := range w.pool {
		w.poolPos[s] = -1
	}
	for i := 0; i < w.nsaved; i++ {
		for _, s := range w.routes[w.saved[i].r].seq {
			w.where[s] = -1
		}
	}
	for i := 0; i < w.nsaved; i++ {
		sv := &w.saved[i]
		rs := &w.routes[sv.r]
		rs.seq = append(rs.seq[:0], sv.seq...)
		rs.win = append(rs.win[:0], sv.win...)
		rs.pairs = append(rs.pairs[:0], sv.pairs...)
		for _, s := range rs.seq {
			w.where[s] = int32(sv.r)
		}
		rs.init(w.in, sv.r)
		w.touched[sv.r] = false
	}
	w.nsaved = 0
	w.pool = append(w.pool[:0], w.savedPool...)
	for i, s := range w.pool {
		w.poolPos[s] = int32(i)
		w.where[s] = -1
	}
	copy(w.tcount, w.savedT)
	w.sumRoute, w.fairSq, w.poolVal = w.savedSum[0], w.savedSum[1], w.savedSum[2]
}

func (w *worker) addPool(s int32) {
	w.poolPos[s] = int32(len(w.pool))
	w.pool = append(w.pool, s)
	w.poolVal += w.in.stopVal[s]
}

func (w *worker) dropPool(s int32) {
	i := w.poolPos[s]
	last := w.pool[len(w.pool)-1]
	w.pool[i] = last
	w.poolPos[last] = i
	w.pool = w.pool[:len(w.pool)-1]
	w.poolPos[s] = -1
	w.poolVal -= w.in.stopVal[s]
}

// reinit recomputes a route after its sequence changed.
func (w *worker) reinit(r int) {
	rs := &w.routes[r]
	old := rs.cost
	rs.init(w.in, r)
	w.sumRoute += rs.cost - old
}

// unassign removes stop s from its route without recomputing the route.
func (w *worker) unassign(s int32) {
	r := int(w.where[s])
	w.touch(r)
	rs := &w.routes[r]
	i := slices.Index(rs.seq, s)
	rs.seq = slices.Delete(rs.seq, i, i+1)
	rs.win = slices.Delete(rs.win, i, i+1)
	rs.pairs = slices.Delete(rs.pairs, i, i+1)
	w.where[s] = -1
	w.addPool(s)
	t := w.in.routes[r].trainer
	w.fairSq -= 2*w.tcount[t] - 1
	w.tcount[t]--
	w.removed = append(w.removed, s)
}

// finishRemoval recomputes the routes changed by removals. Without the
// triangle inequality a shorter route can become infeasible; such a route
// is emptied, which is always feasible.
func (w *worker) finishRemoval() {
	for i := 0; i < w.nsaved; i++ {
		r := w.saved[i].r
		w.reinit(r)
		if !w.routes[r].feasible {
			for len(w.routes[r].seq) > 0 {
				w.unassign(w.routes[r].seq[0])
			}
			w.reinit(r)
		}
	}
}

func (w *worker) insert(s int32, r, p int, c *cand) {
	w.touch(r)
	rs := &w.routes[r]
	rs.seq = slices.Insert(rs.seq, p, s)
	rs.win = slices.Insert(rs.win, p, w.in.window(c))
	rs.pairs = slices.Insert(rs.pairs, p, c.pair)
	w.reinit(r)
	w.where[s] = int32(r)
	w.dropPool(s)
	t := w.in.routes[r].trainer
	w.fairSq += 2*w.tcount[t] + 1
	w.tcount[t]++
}

// maxWorkOK checks the route's maximum working time with s inserted at p.
func (w *worker) maxWorkOK(rs *routeState, s int32, c *cand, p int) bool {
	sc := &w.scratch
	sc.seq = append(append(append(sc.seq[:0], rs.seq[:p]...), s), rs.seq[p:]...)
	sc.win = append(append(append(sc.win[:0], rs.win[:p]...), w.in.window(c)), rs.win[p:]...)
	sc.pairs = append(append(append(sc.pairs[:0], rs.pairs[:p]...), c.pair), rs.pairs[p:]...)
	sc.init(w.in, rs.r)
	return sc.feasible
}

// bestInsertion returns the cheapest feasible insertion of s, skipping
// each position with probability blink; ok is false when none exists.
func (w *worker) bestInsertion(s int32, blink float64) (bestR, bestP int, bestC *cand, bestDelta int64, ok bool) {
	in := w.in
	lu := in.loc[s]
	bestDelta = inf
	// Blinks skip positions at random (SISR); drawing the gap to the next
	// skipped position geometrically costs one random number per blink
	// instead of one per position.
	nextBlink := -1
	if blink > 0 {
		nextBlink = w.geometric(blink)
	}
	for ci := range in.cands[s] {
		c := &in.cands[s][ci]
		r := int(c.route)
		if w.closed[r] {
			continue
		}
		rs := &w.routes[r]
		ri := &in.routes[r]
		if ri.capacity > 0 && rs.load+in.load[s] > ri.capacity {
			continue
		}
		k := len(rs.seq)
		fixed := c.pair + in.w.Fairness*(2*w.tcount[ri.trainer]+1)
		if k == 0 {
			fixed += ri.usedCost
		}
		cw := in.window(c)
		lastStart := cw[len(cw)-1].End
		for p := 0; p <= k; p++ {
			if min(rs.fe0[p], rs.fe1[p]) > lastStart {
				// Earliest ends only grow along the route: no later gap fits.
				break
			}
			if nextBlink == 0 {
				nextBlink = w.geometric(blink)
				continue
			}
			nextBlink--
			base := int64(0)
			if k > 0 {
				base = ri.tt(rs.locs[p], rs.locs[p+1])
			}
			a, b := rs.locs[p], rs.locs[p+1]
			tau, tub := ri.tt(a, lu), ri.tt(lu, b)
			d := fixed + in.w.Travel*(tau+tub-base)
			if d >= bestDelta {
				continue
			}
			if !rs.canInsert(in, ri, int(s), cw, p, tau, tub) {
				continue
			}
			if ri.maxWork > 0 && !w.maxWorkOK(rs, s, c, p) {
				continue
			}
			bestDelta, bestR, bestP, bestC, ok = d, r, p, c, true
		}
	}
	return
}

// geometric returns the number of positions before the next blink.
func (w *worker) geometric(p float64) int {
	u := 1 - w.rng.Float64()
	return int(math.Log(u) / math.Log1p(-p))
}

// repairList gathers the stops a repair considers: all unassigned ones,
// or the removed ones plus a sample when the pool is large.
func (w *worker) repairList() []int32 {
	const maxPool = 60
	w.list = w.list[:0]
	if len(w.pool) <= maxPool {
		w.list = append(w.list, w.pool...)
		return w.list
	}
	w.list = append(w.list, w.removed...)
	for i := 0; i < maxPool; i++ {
		s := w.pool[w.rng.IntN(len(w.pool))]
		if !slices.Contains(w.list, s) {
			w.list = append(w.list, s)
		}
	}
	return w.list
}

// sortList orders stops by priority (pinned stops first), then by a
// randomly chosen key (random, load, far from or close to the start, narrow
// windows first), as in SISR's recreate.
func (w *worker) sortList(list []int32) {
	in := w.in
	type keyed struct {
		s     int32
		group int
		key   float64
	}
	ks := make([]keyed, len(list))
	kind := w.rng.IntN(12)
	if w.byAbsence && w.rng.IntN(2) == 0 {
		kind = -1
	}
	for i, s := range list {
		var key float64
		switch {
		case kind < 0:
			// Fleet minimisation: stops that were left out most often first.
			key = -float64(w.absence[s]) + w.rng.Float64()
		case kind < 4:
			key = w.rng.Float64()
		case kind < 7:
			key = -float64(in.load[s]) + w.rng.Float64()*0.5
		case kind < 9:
			key = -float64(in.depotDist(s))
		case kind < 10:
			key = float64(in.depotDist(s))
		default:
			key = float64(in.windowWidth(s))
		}
		group := int(in.prio[s])
		if in.pinned[s] {
			group = -1
		}
		ks[i] = keyed{s, group, key}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		switch {
		case a.group != b.group:
			return a.group - b.group
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	for i, k := range ks {
		list[i] = k.s
	}
}

func (in *instance) depotDist(s int32) int64 {
	if len(in.cands[s]) == 0 {
		return 0
	}
	ri := &in.routes[in.cands[s][0].route]
	return ri.tt(ri.startLoc, in.loc[s])
}

func (in *instance) windowWidth(s int32) int64 {
	var wd int64
	for _, c := range in.cands[s] {
		for _, x := range in.window(&c) {
			wd += x.End - x.Start
		}
	}
	return wd
}

// repairGreedy inserts stops one by one at their cheapest position.
func (w *worker) repairGreedy(blink float64) {
	list := w.repairList()
	w.sortList(list)
	for _, s := range list {
		if w.where[s] >= 0 {
			continue
		}
		r, p, c, d, ok := w.bestInsertion(s, blink)
		if ok && d < w.in.stopVal[s] {
			w.insert(s, r, p, c)
		}
	}
}

// repairRegret inserts, at each step, the stop whose best insertion is most
// regretted against its second-best route (regret-k), with per-route
// caches so that only the route that changed is re-evaluated. When stop is
// not nil it is called every compileCheckEvery steps, and repairRegret
// returns false as soon as it reports true (the solution stays feasible,
// with the stops not yet inserted unassigned).
func (w *worker) repairRegret(list []int32, k int, stop func() bool) bool {
	in := w.in
	list = slices.Clone(list)
	// cache[i][ci] is the best insertion of list[i] by its candidate ci.
	cache := make([][]regretEntry, len(list))
	for i, s := range list {
		if stop != nil && i%compileCheckEvery == 0 && stop() {
			return false
		}
		cache[i] = make([]regretEntry, len(in.cands[s]))
		for ci := range cache[i] {
			cache[i][ci] = w.regretEval(s, &in.cands[s][ci])
		}
	}
	alive := make([]bool, len(list))
	for i := range alive {
		alive[i] = true
	}
	var costs []int64
	for step := 0; ; step++ {
		if stop != nil && step%compileCheckEvery == 0 && stop() {
			return false
		}
		bi, bci := w.mostRegretted(list, cache, alive, k, &costs)
		if bi < 0 {
			return true
		}
		s := list[bi]
		c := &in.cands[s][bci]
		r := int(c.route)
		w.insert(s, r, cache[bi][bci].p, c)
		alive[bi] = false
		// Re-evaluate what the insertion changed: the route, and under
		// fairness every route of the same trainer.
		t := in.routes[r].trainer
		for i := range list {
			if !alive[i] {
				continue
			}
			for ci := range cache[i] {
				cr := int(in.cands[list[i]][ci].route)
				if cr == r || (in.w.Fairness > 0 && in.routes[cr].trainer == t) {
					cache[i][ci] = w.regretEval(list[i], &in.cands[list[i]][ci])
				}
			}
		}
	}
}

// regretEntry is a stop's cheapest insertion into one candidate route:
// the cost increase and the position, or inf and -1 when it does not fit.
type regretEntry struct {
	cost int64
	p    int
}

// regretEval returns stop s's cheapest insertion by candidate c.
func (w *worker) regretEval(s int32, c *cand) regretEntry {
	in := w.in
	r := int(c.route)
	if w.closed[r] {
		return regretEntry{inf, -1}
	}
	rs := &w.routes[r]
	ri := &in.routes[r]
	if ri.capacity > 0 && rs.load+in.load[s] > ri.capacity {
		return regretEntry{inf, -1}
	}
	n := len(rs.seq)
	fixed := c.pair + in.w.Fairness*(2*w.tcount[ri.trainer]+1)
	if n == 0 {
		fixed += ri.usedCost
	}
	best := regretEntry{inf, -1}
	lu := in.loc[s]
	cw := in.window(c)
	lastStart := cw[len(cw)-1].End
	for p := 0; p <= n; p++ {
		if min(rs.fe0[p], rs.fe1[p]) > lastStart {
			break
		}
		base := int64(0)
		if n > 0 {
			base = ri.tt(rs.locs[p], rs.locs[p+1])
		}
		a, b := rs.locs[p], rs.locs[p+1]
		tau, tub := ri.tt(a, lu), ri.tt(lu, b)
		d := fixed + in.w.Travel*(tau+tub-base)
		if d >= best.cost || !rs.canInsert(in, ri, int(s), cw, p, tau, tub) {
			continue
		}
		if ri.maxWork > 0 && !w.maxWorkOK(rs, s, c, p) {
			continue
		}
		best = regretEntry{d, p}
	}
	return best
}

// mostRegretted returns the index in list of the live stop with the
// largest regret-k (ties to the cheaper best insertion) and the candidate
// of its best insertion, or -1, -1 when none is left worth inserting. A
// stop that no longer fits anywhere, or whose best insertion costs more
// than leaving it out, is marked dead. costs is scratch space.
func (w *worker) mostRegretted(list []int32, cache [][]regretEntry, alive []bool, k int, costs *[]int64) (int, int) {
	in := w.in
	bi, bci := -1, -1
	var bestRegret, bestCost int64
	for i := range list {
		if !alive[i] {
			continue
		}
		*costs = (*costs)[:0]
		mci := -1
		var m int64 = inf
		for ci, e := range cache[i] {
			if e.cost < inf {
				*costs = append(*costs, e.cost)
				if e.cost < m {
					m, mci = e.cost, ci
				}
			}
		}
		if mci < 0 || m >= in.stopVal[list[i]] {
			alive[i] = false
			continue
		}
		slices.Sort(*costs)
		var regret int64
		for j := 1; j < k; j++ {
			other := in.stopVal[list[i]]
			if j < len(*costs) {
				other = min(other, (*costs)[j])
			}
			regret += other - m
		}
		if bi < 0 || regret > bestRegret || (regret == bestRegret && m < bestCost) {
			bi, bci, bestRegret, bestCost = i, mci, regret, m
		}
	}
	return bi, bci
}

// --- removals ---

func (w *worker) assignedCount() int { return w.in.n - len(w.pool) }

func (w *worker) randomAssigned() int32 {
	if w.assignedCount() == 0 {
		return -1
	}
	for {
		s := int32(w.rng.IntN(w.in.n))
		if w.where[s] >= 0 {
			return s
		}
	}
}

// removeStrings is SISR's adjacent string removal (Christiaens and Vanden
// Berghe, 2020): strings of consecutive stops cut from routes near a seed.
func (w *worker) removeStrings(cbar float64) {
	in := w.in
	used := 0
	for r := range w.routes {
		if len(w.routes[r].seq) > 0 {
			used++
		}
	}
	if used == 0 {
		return
	}
	const lmax = 10.0
	lsmax := min(lmax, float64(w.assignedCount())/float64(used))
	ksmax := 4*cbar/(1+lsmax) - 1
	ks := int(w.rng.Float64()*ksmax) + 1
	seed := int32(w.rng.IntN(in.n))
	ruined := map[int]bool{}
	try := func(c int32) {
		r := int(w.where[c])
		if r < 0 || ruined[r] {
			return
		}
		ruined[r] = true
		rs := &w.routes[r]
		k := len(rs.seq)
		l := int(w.rng.Float64()*min(float64(k), lsmax)) + 1
		l = min(l, k)
		i := slices.Index(rs.seq, c)
		lo, hi := max(0, i-l+1), min(i, k-l)
		st := lo + w.rng.IntN(hi-lo+1)
		cut := slices.Clone(rs.seq[st : st+l])
		for _, s := range cut {
			w.unassign(s)
		}
	}
	try(seed)
	for _, c := range in.near[seed] {
		if len(ruined) >= ks {
			break
		}
		try(c)
	}
}

func (w *worker) removeRandom(q int) {
	for i := 0; i < q; i++ {
		s := w.randomAssigned()
		if s < 0 {
			return
		}
		w.unassign(s)
	}
}

// removeRelated removes a seed stop and stops close to it (Shaw removal
// with distance relatedness).
func (w *worker) removeRelated(q int) {
	seed := w.randomAssigned()
	if seed < 0 {
		return
	}
	w.unassign(seed)
	q--
	for _, c := range w.in.near[seed] {
		if q <= 0 {
			break
		}
		if w.where[c] >= 0 && w.rng.Float64() < 0.8 {
			w.unassign(c)
			q--
		}
	}
}

// removeWorst removes stops whose removal saves most, with randomisation.
func (w *worker) removeWorst(q int) {
	in := w.in
	type sv struct {
		s    int32
		save int64
	}
	var all []sv
	for r := range w.routes {
		rs := &w.routes[r]
		ri := &in.routes[r]
		for i, s := range rs.seq {
			a, b := rs.locs[i], rs.locs[i+2]
			save := in.w.Travel*(ri.tt(a, rs.locs[i+1])+ri.tt(rs.locs[i+1], b)-ri.tt(a, b)) + rs.pairs[i]
			all = append(all, sv{s, save})
		}
	}
	slices.SortFunc(all, func(a, b sv) int {
		switch {
		case a.save > b.save:
			return -1
		case a.save < b.save:
			return 1
		}
		return 0
	})
	for ; q > 0 && len(all) > 0; q-- {
		y := w.rng.Float64()
		i := int(y * y * y * float64(len(all)))
		w.unassign(all[i].s)
		all = slices.Delete(all, i, i+1)
	}
}

// removeRoute empties one used route, preferring short ones.
func (w *worker) removeRoute() {
	best, bestLen := -1, 0
	for tries := 0; tries < 3; tries++ {
		s := w.randomAssigned()
		if s < 0 {
			return
		}
		r := int(w.where[s])
		if best < 0 || len(w.routes[r].seq) < bestLen {
			best, bestLen = r, len(w.routes[r].seq)
		}
	}
	for len(w.routes[best].seq) > 0 {
		w.unassign(w.routes[best].seq[0])
	}
}

// --- best solution ---

func (w *worker) saveBest() {
	if w.bestSeq == nil {
		w.bestSeq = make([][]int32, w.in.m)
		w.bestWin = make([][][]Window, w.in.m)
		w.bestPairs = make([][]int64, w.in.m)
	}
	for r := range w.routes {
		rs := &w.routes[r]
		w.bestSeq[r] = append(w.bestSeq[r][:0], rs.seq...)
		w.bestWin[r] = append(w.bestWin[r][:0], rs.win...)
		w.bestPairs[r] = append(w.bestPairs[r][:0], rs.pairs...)
	}
	w.bestCost = w.cost()
	w.bestPool = len(w.pool)
}

// loadBest makes the best solution current.
func (w *worker) loadBest() {
	w.loadPlan(w.bestSeq, w.bestWin, w.bestPairs)
}

// planSnapshot holds the routes of a plan so that the fleet-minimisation
// phase can set its partial plan aside while distance iterations run on the
// best minimal-fleet plan.
type planSnapshot struct {
	seq   [][]int32
	win   [][][]Window
	pairs [][]int64
}

// saveTo copies the current routes into snap.
func (w *worker) saveTo(snap *planSnapshot) {
	if snap.seq == nil {
		snap.seq = make([][]int32, w.in.m)
		snap.win = make([][][]Window, w.in.m)
		snap.pairs = make([][]int64, w.in.m)
	}
	for r := range w.routes {
		rs := &w.routes[r]
		snap.seq[r] = append(snap.seq[r][:0], rs.seq...)
		snap.win[r] = append(snap.win[r][:0], rs.win...)
		snap.pairs[r] = append(snap.pairs[r][:0], rs.pairs...)
	}
}

// loadPlan makes the given routes current.
func (w *worker) loadPlan(seqs [][]int32, wins [][][]Window, pairs [][]int64) {
	for s := range w.where {
		w.where[s] = -1
		w.poolPos[s] = -1
	}
	w.pool = w.pool[:0]
	w.poolVal = 0
	w.sumRoute = 0
	clear(w.tcount)
	w.fairSq = 0
	for r := range w.routes {
		rs := &w.routes[r]
		rs.seq = append(rs.seq[:0], seqs[r]...)
		rs.win = append(rs.win[:0], wins[r]...)
		rs.pairs = append(rs.pairs[:0], pairs[r]...)
		rs.init(w.in, r)
		w.sumRoute += rs.cost
		t := w.in.routes[r].trainer
		for _, s := range rs.seq {
			w.where[s] = int32(r)
			w.fairSq += 2*w.tcount[t] + 1
			w.tcount[t]++
		}
	}
	for s := range w.where {
		if w.where[s] < 0 {
			w.addPool(int32(s))
		}
	}
}

// --- construction ---

// regretConstructionLimit is the largest instance built by regret
// insertion; above it greedy insertion keeps the first plan within a second
// or two (regret costs about 1.3 s of CPU at 1,000 city requests).
const regretConstructionLimit = 500

// construct builds the first solution: stops keep their previous trainer-day
// in previous order when that is still feasible, the rest go in by regret
// insertion (greedy insertion on large instances, where regret is slow).
// Every compileCheckEvery insertions it asks sp whether planning must
// stop; it then returns false with the stops placed so far (a feasible
// partial plan) and the rest unassigned.
func (w *worker) construct(sp *searchParams) bool {
	in := w.in
	if in.interrupted {
		return false
	}
	w.begin()
	defer w.commit()
	w.keepPrevious()
	if in.n <= regretConstructionLimit {
		return w.repairRegret(slices.Clone(w.pool), 2, sp.expired)
	}
	list := slices.Clone(w.pool)
	w.list = list
	w.sortList(list)
	for i, s := range list {
		if i%compileCheckEvery == 0 && sp.expired() {
			return false
		}
		r, p, c, d, ok := w.bestInsertion(s, 0)
		if ok && d < in.stopVal[s] {
			w.insert(s, r, p, c)
		}
	}
	return true
}

// keepPrevious puts every stop with a Previous placement back on its
// previous trainer-day, in the previous order of start times, when the
// route still has room for it at the end: by its first candidate there
// that fits, which is the one keeping the previous start time when that
// is still allowed (see routeCands).
func (w *worker) keepPrevious() {
	in := w.in
	for r, ps := range previousByRoute(in.p) {
		for _, s := range ps {
			for ci := range in.cands[s] {
				if c := &in.cands[s][ci]; int(c.route) == r && w.fitsAtEnd(s, c) {
					w.insert(s, r, len(w.routes[r].seq), c)
					break
				}
			}
		}
	}
}

// fitsAtEnd reports whether stop s fits at the end of candidate c's route.
func (w *worker) fitsAtEnd(s int32, c *cand) bool {
	in := w.in
	r := int(c.route)
	rs := &w.routes[r]
	ri := &in.routes[r]
	k := len(rs.seq)
	if ri.capacity > 0 && rs.load+in.load[s] > ri.capacity {
		return false
	}
	tau, tub := ri.tt(rs.locs[k], in.loc[s]), ri.tt(in.loc[s], rs.locs[k+1])
	if !rs.canInsert(in, ri, int(s), in.window(c), k, tau, tub) {
		return false
	}
	return ri.maxWork == 0 || w.maxWorkOK(rs, s, c, k)
}

// previousByRoute returns, per route, the stops whose Previous placement
// is that route's trainer-day, by previous start time.
func previousByRoute(p *Problem) [][]int32 {
	type trainerDay struct {
		vehicle string
		day     int
	}
	routeOf := map[trainerDay]int{}
	for r, rt := range p.Routes {
		routeOf[trainerDay{rt.Vehicle, rt.Day}] = r
	}
	byRoute := make([][]int32, len(p.Routes))
	for s := range p.Stops {
		if pa := p.Stops[s].Previous; pa != nil {
			if r, ok := routeOf[trainerDay{pa.Vehicle, pa.Day}]; ok {
				byRoute[r] = append(byRoute[r], int32(s))
			}
		}
	}
	for _, ps := range byRoute {
		slices.SortStableFunc(ps, func(a, b int32) int {
			return cmp.Compare(p.Stops[a].Previous.Start, p.Stops[b].Previous.Start)
		})
	}
	return byRoute
}

// fill inserts every unassigned stop that fits the solution as it stands,
// in priority order (pinned first), at its cheapest feasible position, when
// that lowers the objective; passes repeat until one inserts nothing, so
// that no stop is left out that could go in without moving anything. The
// search alone does not guarantee this: on an overloaded week its repairs
// try a sample of the unassigned stops, and the best plan it saved may
// have room it never offered to them. fill honours cancelled (checked
// every compileCheckEvery stops) but not the time limit: a pass costs at
// most one greedy construction over the unassigned stops, and a plan that
// leaves out a stop it has room for is a defect the user sees.
func (w *worker) fill(cancelled func() bool) {
	in := w.in
	w.begin()
	defer w.commit()
	for {
		list := slices.Clone(w.pool)
		slices.SortFunc(list, func(a, b int32) int {
			ra, rb := int(in.prio[a]), int(in.prio[b])
			if in.pinned[a] {
				ra = -1
			}
			if in.pinned[b] {
				rb = -1
			}
			if ra != rb {
				return ra - rb
			}
			return int(a - b)
		})
		inserted := false
		for i, s := range list {
			if i%compileCheckEvery == 0 && cancelled() {
				return
			}
			r, p, c, d, ok := w.bestInsertion(s, 0)
			if ok && d < in.stopVal[s] {
				w.insert(s, r, p, c)
				inserted = true
			}
		}
		if !inserted {
			return
		}
	}
}

// --- main loop ---

type searchParams struct {
	ctx         context.Context
	deadline    time.Time
	now         func() time.Time
	maxIter     int64
	stall       int64 // iterations without a new best that end the search; 0 = never
	routesFirst bool
	progress    func(phase string, iter int64, best int64)
}

// expired reports whether planning must stop now: ctx is cancelled or the
// time limit is spent.
func (sp *searchParams) expired() bool {
	if sp.ctx.Err() != nil {
		return true
	}
	return !sp.deadline.IsZero() && !sp.now().Before(sp.deadline)
}

// fraction returns how much of the budget is spent, in [0,1].
func (sp *searchParams) fraction(iter int64, start time.Time) float64 {
	f := 0.0
	if sp.maxIter > 0 {
		f = float64(iter) / float64(sp.maxIter)
	}
	if !sp.deadline.IsZero() {
		total := sp.deadline.Sub(start)
		if total > 0 {
			f = max(f, float64(sp.now().Sub(start))/float64(total))
		} else {
			f = 1
		}
	}
	return min(f, 1)
}

const (
	opStrings = iota
	opRandom
	opRelated
	opWorst
	opRoute
	nDestroy
)

// run performs the whole search on this worker: construct a first plan,
// minimise the fleet when routes come first, anneal, and finally insert
// whatever still fits.
func (w *worker) run(sp *searchParams) {
	start := sp.now()
	if !w.constructFirst(sp) {
		return
	}
	done := w.budget(sp, start)
	var iter int64
	phase2 := 0.0
	if sp.routesFirst {
		iter = w.minimiseRoutes(sp, start, done)
		phase2 = sp.fraction(iter, start)
		w.loadBest()
	}
	w.iterations = w.anneal(sp, iter, phase2, done)
	w.loadBest()
	w.fill(func() bool { return sp.ctx.Err() != nil })
	w.saveBest()
}

// constructFirst builds the first plan and records it as the best. It
// reports whether there is anything left to search: not when planning was
// interrupted (w.stopped then says why) or there are no stops or routes.
func (w *worker) constructFirst(sp *searchParams) bool {
	w.interrupted = !w.construct(sp)
	w.saveBest()
	w.initialCost = w.bestCost
	if sp.progress != nil {
		sp.progress("construct", 0, w.bestCost)
	}
	if w.interrupted {
		w.stopped = StopTimeLimit
		if sp.ctx.Err() != nil {
			w.stopped = StopCancelled
		}
		return false
	}
	return w.in.n > 0 && w.in.m > 0
}

// budgetFunc reports, before iteration iter, whether the search must stop
// and how much of its budget is spent.
type budgetFunc func(iter int64) (stop bool, spent float64)

// budget returns the stop rule shared by the search phases: a cancelled
// context (looked at every 16 iterations), the iteration budget or the
// clock. It records in w.stopped which one ended the search.
func (w *worker) budget(sp *searchParams, start time.Time) budgetFunc {
	return func(iter int64) (bool, float64) {
		if iter&15 == 0 && sp.ctx.Err() != nil {
			w.stopped = StopCancelled
			return true, 1
		}
		f := 0.0
		if iter&15 == 0 || sp.maxIter > 0 {
			f = sp.fraction(iter, start)
		}
		if sp.maxIter > 0 && iter >= sp.maxIter {
			w.stopped = StopIterations
			return true, 1
		}
		if f >= 1 {
			// The iteration fraction is below 1 here, so the clock ran out.
			w.stopped = StopTimeLimit
			return true, f
		}
		return false, f
	}
}

// anneal is the improvement phase: simulated annealing on the full
// objective with adaptive ruin and recreate operators, from iteration iter
// (the fleet phase may have spent the budget up to phase2) until the budget
// or a stall ends it. It returns the iteration count.
func (w *worker) anneal(sp *searchParams, iter int64, phase2 float64, done budgetFunc) int64 {
	in := w.in
	// Temperatures scale with the typical distance between neighbouring
	// stops, so that the schedule suits any time unit; the factors were
	// tuned on Solomon R1/RC1 instances.
	t0 := max(1, 2*w.in.avgEdge*float64(in.w.Travel))
	tf := max(0.01, 0.02*w.in.avgEdge*float64(in.w.Travel))
	ops := operators{weights: [nDestroy]float64{6, 1, 1, 1, 0.5}}
	cur := w.cost()
	temp := t0
	lastBest := iter
	for {
		stop, f := done(iter)
		if stop {
			break
		}
		if sp.stall > 0 && iter-lastBest >= sp.stall {
			w.stopped = StopStall
			break
		}
		if iter&15 == 0 {
			g := 0.0
			if phase2 < 1 {
				g = (f - phase2) / (1 - phase2)
			}
			temp = t0 * math.Pow(tf/t0, max(0, g))
		}
		iter++
		op := roulette(w.rng, ops.weights[:])
		w.begin()
		w.destroy(op, 4+w.rng.IntN(max(1, min(36, in.n*3/10))))
		w.finishRemoval()
		if w.rng.IntN(20) == 0 {
			w.repairRegret(w.repairList(), 2, nil)
		} else {
			w.repairGreedy(0.01)
		}
		nc := w.cost()
		score := 0.0
		if nc < cur || float64(nc-cur) < -temp*math.Log(1-w.rng.Float64()) {
			w.commit()
			score = 1
			if nc < cur {
				score = 3
			}
			cur = nc
			if nc < w.bestCost {
				score = 10
				lastBest = iter
				w.saveBest()
				if sp.progress != nil {
					sp.progress("improve", iter, nc)
				}
			}
		} else {
			w.rollback()
		}
		ops.record(op, score, iter)
	}
	return iter
}

// operators holds the adaptive weights of the removal operators and the
// scores they earned since the weights were last updated.
type operators struct {
	weights, scores, uses [nDestroy]float64
}

// record credits op with score and, every 200 iterations, moves each
// weight a fifth of the way towards its operator's mean recent score.
func (o *operators) record(op int, score float64, iter int64) {
	o.scores[op] += score
	o.uses[op]++
	if iter%200 != 0 {
		return
	}
	for i := range o.weights {
		if o.uses[i] > 0 {
			o.weights[i] = 0.8*o.weights[i] + 0.2*max(0.05, o.scores[i]/o.uses[i])
		}
		o.scores[i], o.uses[i] = 0, 0
	}
}

// destroy applies removal operator op; q is the number of stops the
// random, related and worst removals take out.
func (w *worker) destroy(op, q int) {
	switch op {
	case opStrings:
		w.removeStrings(10)
	case opRandom:
		w.removeRandom(q)
	case opRelated:
		w.removeRelated(q)
	case opWorst:
		w.removeWorst(q)
	case opRoute:
		w.removeRoute()
	}
}

func roulette(rng *rand.Rand, ws []float64) int {
	var sum float64
	for _, x := range ws {
		sum += x
	}
	v := rng.Float64() * sum
	for i, x := range ws {
		v -= x
		if v < 0 {
			return i
		}
	}
	return len(ws) - 1
}

// minimiseRoutes is the fleet-minimisation phase: repeatedly close a used
// route and try to place its stops elsewhere by ruin and recreate, accepting
// solutions with fewer unassigned stops or, at equal count, with stops that
// were absent less often (SISR's absence counters). While a route refuses
// to close, it interleaves distance iterations on the best plan at the
// current fleet size (improveBest): the plan it hands over decides most of
// the final distance (BENCHMARKS.md, "Improving distance during fleet
// minimisation"). It returns the iterations spent; the best all-assigned
// solution is kept in best.
func (w *worker) minimiseRoutes(sp *searchParams, start time.Time, done budgetFunc) int64 {
	// The phase takes at most share of the budget. Ending it early when it
	// stalls left more time for distance but cost vehicles on r104 and
	// r110, and vehicles come first; ending it after a quarter of the
	// budget without closing a route cost rc102/rc106 vehicles without a
	// consistently lower R1 distance gap (BENCHMARKS.md, "Ending the
	// fleet-minimisation phase early").
	const share = 0.6
	var iter int64
	// Routes left empty by construction stay closed.
	for r := range w.routes {
		w.closed[r] = len(w.routes[r].seq) == 0
	}
	if len(w.pool) > 0 || !w.closeRoute() {
		// Construction could not place everything, or no route can be
		// closed: nothing to minimise.
		clear(w.closed)
		return 0
	}
	w.byAbsence = true
	defer func() { w.byAbsence = false }()
	fp := fleetPhase{t0: max(1, 0.5*w.in.avgEdge*float64(w.in.w.Travel)), cur: w.cost(), curAbs: w.poolAbsence()}
	lastClosed := iter
	nextDistance := iter + fleetChunk
	for {
		stop, f := done(iter)
		if stop || f >= share || (sp.stall > 0 && iter-lastClosed >= sp.stall) {
			break
		}
		if iter >= nextDistance && w.bestPool == 0 {
			// Closing the next route is taking a while: improve the
			// distance of the best plan at the current fleet size, so
			// that if no route closes any more, the distance phase
			// starts from a better minimal-fleet plan.
			iter = w.improveAtFleet(&fp, iter, done)
			nextDistance = iter + fleetChunk
			continue
		}
		iter++
		if len(w.pool) == 0 {
			lastClosed = iter
			nextDistance = iter + fleetChunk
			w.saveBest()
			if sp.progress != nil {
				sp.progress("routes", iter, w.bestCost)
			}
			if !w.closeRoute() {
				break
			}
			fp.cur, fp.curAbs = w.cost(), w.poolAbsence()
			continue
		}
		w.fleetStep(&fp)
	}
	clear(w.closed)
	return iter
}

// fleetPhase is the state of the fleet-minimisation phase between
// iterations: the starting temperature, the current cost and absence sum,
// and buffers to set the current plan aside during improveAtFleet.
type fleetPhase struct {
	t0          float64
	cur, curAbs int64
	saved       planSnapshot
	closed      []bool
}

// poolAbsence sums the absence counters of the unassigned stops.
func (w *worker) poolAbsence() int64 {
	var a int64
	for _, s := range w.pool {
		a += w.absence[s]
	}
	return a
}

// closeRoute closes a used route, usually the shortest (ties at random,
// and at random times a random one), unassigns its stops and tries to
// place them elsewhere. It reports false when no used route is open.
func (w *worker) closeRoute() bool {
	in := w.in
	w.begin()
	best, bestLen := -1, 0
	for r := range w.routes {
		if !w.closed[r] && len(w.routes[r].seq) > 0 && (best < 0 || len(w.routes[r].seq) < bestLen || (len(w.routes[r].seq) == bestLen && w.rng.IntN(2) == 0)) {
			best, bestLen = r, len(w.routes[r].seq)
		}
	}
	if best < 0 {
		return false
	}
	if w.rng.IntN(2) == 0 {
		// Sometimes a random route rather than the shortest.
		for tries := 0; tries < 5; tries++ {
			r := w.rng.IntN(in.m)
			if !w.closed[r] && len(w.routes[r].seq) > 0 {
				best = r
				break
			}
		}
	}
	for len(w.routes[best].seq) > 0 {
		w.unassign(w.routes[best].seq[0])
	}
	w.finishRemoval()
	w.closed[best] = true
	w.repairGreedy(0)
	w.commit()
	return true
}

// improveAtFleet sets the current plan aside, runs distanceChunk distance
// iterations on the best plan with the fleet held at its size, and resumes
// the current plan. It returns the iteration count after them.
func (w *worker) improveAtFleet(fp *fleetPhase, iter int64, done budgetFunc) int64 {
	w.saveTo(&fp.saved)
	fp.closed = append(fp.closed[:0], w.closed...)
	w.byAbsence = false
	iter = w.improveBest(iter, distanceChunk, 0.2*fp.t0, done)
	w.byAbsence = true
	copy(w.closed, fp.closed)
	w.loadPlan(fp.saved.seq, fp.saved.win, fp.saved.pairs)
	fp.cur, fp.curAbs = w.cost(), w.poolAbsence()
	return iter
}

// fleetStep is one ruin-and-recreate iteration while stops of a closed
// route wait in the pool: it keeps the result when fewer stops are left
// out, or as many that were absent less often (or, at equal absence, by
// the annealing rule), and counts one more absence for every stop still
// left out.
func (w *worker) fleetStep(fp *fleetPhase) {
	temp := fp.t0 * 0.2
	w.begin()
	poolBefore := len(w.pool)
	if w.rng.IntN(5) == 0 {
		w.removeRelated(4 + w.rng.IntN(12))
	} else {
		w.removeStrings(10)
	}
	w.finishRemoval()
	w.repairGreedy(0.01)
	nc, na := w.cost(), w.poolAbsence()
	accept := len(w.pool) < poolBefore ||
		(len(w.pool) == poolBefore && (na < fp.curAbs || (na == fp.curAbs && float64(nc-fp.cur) < -temp*math.Log(1-w.rng.Float64()))))
	if accept {
		w.commit()
		fp.cur = nc
	} else {
		w.rollback()
	}
	for _, s := range w.pool {
		w.absence[s]++
	}
	fp.curAbs = w.poolAbsence()
}

// fleetChunk and distanceChunk set how the fleet-minimisation phase shares
// its time once a route refuses to close: after every fleetChunk
// iterations spent trying, distanceChunk iterations improve the distance
// of the best plan at the current fleet size.
const (
	fleetChunk    = 2000
	distanceChunk = 1000
)

// improveBest runs up to n annealing iterations on the best plan with the
// fleet held at its size (empty routes closed), keeping every improvement
// as the new best. It returns the iteration count after them.
func (w *worker) improveBest(iter, n int64, temp float64, done budgetFunc) int64 {
	in := w.in
	w.loadBest()
	for r := range w.routes {
		w.closed[r] = len(w.routes[r].seq) == 0
	}
	cur := w.cost()
	for range n {
		if stop, _ := done(iter); stop {
			break
		}
		iter++
		w.begin()
		switch w.rng.IntN(4) {
		case 0:
			w.removeRelated(4 + w.rng.IntN(max(1, min(36, in.n*3/10))))
		default:
			w.removeStrings(10)
		}
		w.finishRemoval()
		w.repairGreedy(0.01)
		nc := w.cost()
		if nc < cur || float64(nc-cur) < -temp*math.Log(1-w.rng.Float64()) {
			w.commit()
			cur = nc
			if nc < w.bestCost && len(w.pool) == 0 {
				w.saveBest()
			}
		} else {
			w.rollback()
		}
	}
	return iter
}
