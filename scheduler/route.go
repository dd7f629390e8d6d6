package scheduler

// routeState is one route of a solution in search form: the sequence of
// stops and, per position, the earliest end of service and the latest start
// of service that keep the rest of the route feasible, for two states: the
// break not yet taken (0) or already taken (1). Position 0 is the start
// location (fe = departure), position k+1 the end location (ls = latest
// arrival). With these, inserting a stop anywhere is checked in O(1), which
// is exact because waiting is allowed (arriving earlier never hurts).
type routeState struct {
	r        int
	seq      []int32
	win      [][]Window
	pairs    []int64
	locs     []int
	fe0, fe1 []int64
	ls0, ls1 []int64
	load     int64
	travel   int64
	pair     int64
	cost     int64
	feasible bool
}

func (ri *routeInfo) tt(a, b int) int64 {
	if a == b {
		return 0
	}
	return ri.mat.Time[a*ri.mat.Size+b]
}

// step returns the earliest end of service when leaving at e and travelling t.
func step(e, t int64, win []Window, svc int64) int64 {
	if e >= inf {
		return inf
	}
	st := earliestIn(win, e+t)
	if st >= inf {
		return inf
	}
	return st + svc
}

// stepBreak is step with the break taken in the gap: after the travel when
// the break window allows it, which is never later, else before it.
func (ri *routeInfo) stepBreak(e, t int64, win []Window, svc int64) int64 {
	if e >= inf {
		return inf
	}
	var ready int64
	if x := max(e+t, ri.bws); x <= ri.bwe {
		ready = x + ri.bdur
	} else if y := max(e, ri.bws); y <= ri.bwe {
		ready = y + ri.bdur + t
	} else {
		return inf
	}
	st := earliestIn(win, ready)
	if st >= inf {
		return inf
	}
	return st + svc
}

// breakBound returns the latest end of service before a gap of travel t
// in which the break is taken, given the latest start l after the gap.
func (ri *routeInfo) breakBound(l, t int64) int64 {
	if !ri.hasBreak || l <= ninf {
		return ninf
	}
	res := ninf
	if ri.bws+ri.bdur <= l {
		res = min(ri.bwe, l-ri.bdur) - t
	}
	if ri.bws+ri.bdur+t <= l {
		res = max(res, min(ri.bwe, l-ri.bdur-t))
	}
	return res
}

func sub(a, b int64) int64 {
	if a <= ninf {
		return ninf
	}
	return a - b
}

// init recomputes every derived field of the route from seq and win.
func (rs *routeState) init(in *instance, r int) {
	rs.r = r
	ri := &in.routes[r]
	k := len(rs.seq)
	n := k + 2
	rs.locs = grow(rs.locs, n)
	rs.fe0 = grow64(rs.fe0, n)
	rs.fe1 = grow64(rs.fe1, n)
	rs.ls0 = grow64(rs.ls0, n)
	rs.ls1 = grow64(rs.ls1, n)
	rs.locs[0], rs.locs[k+1] = ri.startLoc, ri.endLoc
	rs.load, rs.pair, rs.travel = 0, 0, 0
	for i, s := range rs.seq {
		rs.locs[i+1] = in.loc[s]
		rs.load += in.load[s]
	}
	for p := 0; p <= k && k > 0; p++ {
		rs.travel += ri.tt(rs.locs[p], rs.locs[p+1])
	}
	rs.fe0[0], rs.fe1[0] = ri.first, inf
	for p := 1; p <= k+1; p++ {
		win, svc := ri.endWin, int64(0)
		if p <= k {
			win, svc = rs.win[p-1], in.svc[rs.seq[p-1]]
		}
		t := ri.tt(rs.locs[p-1], rs.locs[p])
		rs.fe0[p] = step(rs.fe0[p-1], t, win, svc)
		if ri.hasBreak {
			rs.fe1[p] = min(step(rs.fe1[p-1], t, win, svc), ri.stepBreak(rs.fe0[p-1], t, win, svc))
		} else {
			rs.fe1[p] = inf
		}
	}
	if ri.hasBreak {
		rs.ls0[k+1], rs.ls1[k+1] = ninf, ri.last
	} else {
		rs.ls0[k+1], rs.ls1[k+1] = ri.last, ninf
	}
	for p := k; p >= 0; p-- {
		t := ri.tt(rs.locs[p], rs.locs[p+1])
		le0 := max(sub(rs.ls0[p+1], t), ri.breakBound(rs.ls1[p+1], t))
		le1 := sub(rs.ls1[p+1], t)
		if p == 0 {
			rs.ls0[0], rs.ls1[0] = le0, le1
			break
		}
		svc := in.svc[rs.seq[p-1]]
		rs.ls0[p] = latestIn(rs.win[p-1], sub(le0, svc))
		rs.ls1[p] = latestIn(rs.win[p-1], sub(le1, svc))
	}
	rs.feasible = true
	if k > 0 {
		end := rs.fe0[k+1]
		if ri.hasBreak {
			end = rs.fe1[k+1]
		}
		rs.feasible = end < inf && (ri.capacity == 0 || rs.load <= ri.capacity)
		if rs.feasible && ri.maxWork > 0 {
			rs.feasible = end-rs.latestDepart(in, end) <= ri.maxWork
		}
	}
	rs.cost = in.w.Travel * rs.travel
	if k > 0 {
		rs.cost += ri.usedCost
	}
	for _, c := range rs.pairs {
		rs.pair += c
	}
	rs.cost += rs.pair
}

// latestDepart returns the latest departure from which the route still
// returns by deadline (a backward pass like init's, with scalars).
func (rs *routeState) latestDepart(in *instance, deadline int64) int64 {
	ri := &in.routes[rs.r]
	k := len(rs.seq)
	l0, l1 := deadline, ninf
	if ri.hasBreak {
		l0, l1 = ninf, deadline
	}
	for p := k; p >= 0; p-- {
		t := ri.tt(rs.locs[p], rs.locs[p+1])
		le0 := max(sub(l0, t), ri.breakBound(l1, t))
		le1 := sub(l1, t)
		if p == 0 {
			return le0
		}
		svc := in.svc[rs.seq[p-1]]
		l0 = latestIn(rs.win[p-1], sub(le0, svc))
		l1 = latestIn(rs.win[p-1], sub(le1, svc))
	}
	return ninf
}

// canInsert reports whether stop u (allowed starts win on this route) fits
// in the gap after position p (0 = right after the start location), ignoring
// capacity and max work.
func (rs *routeState) canInsert(in *instance, ri *routeInfo, u int, win []Window, p int, tau, tub int64) bool {
	svc := in.svc[u]
	u0 := step(rs.fe0[p], tau, win, svc)
	if u0 < inf && u0+tub <= rs.ls0[p+1] {
		return true
	}
	if !ri.hasBreak {
		return false
	}
	if u0 < inf && u0 <= ri.breakBound(rs.ls1[p+1], tub) {
		return true
	}
	u1 := min(step(rs.fe1[p], tau, win, svc), ri.stepBreak(rs.fe0[p], tau, win, svc))
	return u1 < inf && u1+tub <= rs.ls1[p+1]
}

// plan turns the route into its schedule: the latest departure that keeps
// the earliest return, then every service as early as possible.
func (rs *routeState) plan(in *instance) RoutePlan {
	ri := &in.routes[rs.r]
	k := len(rs.seq)
	rp := RoutePlan{Route: rs.r, Visits: make([]Visit, k)}
	end := rs.fe0[k+1]
	if ri.hasBreak {
		end = rs.fe1[k+1]
	}
	depart := max(ri.first, rs.latestDepart(in, end))
	// Forward pass from depart, remembering where the break state was entered.
	f0, f1 := depart, inf
	breakGap := -1
	from := make([]bool, k+2)
	for p := 1; p <= k+1; p++ {
		win, svc := ri.endWin, int64(0)
		if p <= k {
			win, svc = rs.win[p-1], in.svc[rs.seq[p-1]]
		}
		t := ri.tt(rs.locs[p-1], rs.locs[p])
		n0 := step(f0, t, win, svc)
		if ri.hasBreak {
			a, b := step(f1, t, win, svc), ri.stepBreak(f0, t, win, svc)
			if b < a {
				from[p] = true
			}
			f1 = min(a, b)
		}
		f0 = n0
	}
	if ri.hasBreak {
		for p := k + 1; p >= 1; p-- {
			if from[p] {
				breakGap = p
				break
			}
		}
	}
	rp.Depart = depart
	e := depart
	for p := 1; p <= k+1; p++ {
		t := ri.tt(rs.locs[p-1], rs.locs[p])
		var arrive, ready int64
		if p == breakGap {
			if x := max(e+t, ri.bws); x <= ri.bwe {
				arrive, rp.BreakStart, ready = e+t, x, x+ri.bdur
			} else {
				y := max(e, ri.bws)
				rp.BreakStart = y
				arrive = y + ri.bdur + t
				ready = arrive
			}
			rp.HasBreak = true
		} else {
			arrive, ready = e+t, e+t
		}
		if p == k+1 {
			rp.Return = ready
			break
		}
		s := rs.seq[p-1]
		start := earliestIn(rs.win[p-1], ready)
		rp.Visits[p-1] = Visit{Stop: int(s), Arrive: arrive, Start: start, End: start + in.svc[s]}
		e = start + in.svc[s]
	}
	return rp
}

func grow(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n, n*2)
	}
	return s[:n]
}

func grow64(s []int64, n int) []int64 {
	if cap(s) < n {
		return make([]int64, n, n*2)
	}
	return s[:n]
}
