package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Objective selects how the search treats the number of routes.
type Objective int

const (
	// ObjectiveWeighted minimises Problem.Weights as given.
	ObjectiveWeighted Objective = iota
	// ObjectiveRoutesFirst makes every used route outweigh all travel and
	// soft terms (scheduled stops still come first) and runs a dedicated
	// fleet-minimisation phase: the classical "vehicles, then distance"
	// objective of the VRPTW literature. Solution.Cost.Total is still
	// computed with Problem.Weights.
	ObjectiveRoutesFirst
)

// Progress reports the search's state to Options.Progress.
type Progress struct {
	// Worker is the index of the reporting worker.
	Worker int
	// Phase is "construct", "routes" (fleet minimisation), "improve" or "done".
	Phase string
	// Iteration is the worker's iteration count.
	Iteration int64
	// Elapsed is the time since Solve started.
	Elapsed time.Duration
	// BestCost is the worker's best internal objective so far (it equals
	// Cost.Total under ObjectiveWeighted).
	BestCost int64
}

// Options bound and steer one Solve call.
type Options struct {
	// Seed makes the search reproducible.
	Seed int64
	// TimeLimit bounds the search; 0 means no time bound.
	TimeLimit time.Duration
	// MaxIterations bounds the improvement iterations per worker. With
	// MaxIterations set and TimeLimit 0, results depend only on the
	// problem, Seed and Workers. When both are 0, a default iteration budget
	// that grows with the problem size applies.
	MaxIterations int
	// StallIterations, when positive, ends the improvement search once the
	// best solution has not improved for that many iterations: a converged
	// search stops instead of running out the TimeLimit, and Stats.Stopped
	// says StopStall. Under ObjectiveRoutesFirst it also ends the
	// fleet-minimisation phase when no route was closed for that many
	// iterations. 0 never stops on a stall (the search runs until the time
	// limit or the iteration budget). DefaultStallIterations gives a value
	// that suits interactive planning.
	StallIterations int
	// Workers is the number of independent searches run in parallel with
	// seeds Seed, Seed+1, ...; the best result wins, ties to the lowest
	// worker. 0 means 1.
	Workers int
	// Objective selects weighted or routes-first minimisation.
	Objective Objective
	// Progress, if set, receives reports when a worker's best improves (at
	// most every few hundred iterations) and when it finishes. Calls are
	// serialised.
	Progress func(Progress)
	// Logger, if set, receives a line at the start and at the end.
	Logger *slog.Logger
	// Now is the clock for the time limit; nil means time.Now.
	Now func() time.Time
	// Explain bounds the relaxations offered for unassigned stops.
	Explain ExplainOptions
}

// DefaultStallIterations is a StallIterations value for interactive and
// nightly planning of a week with stops requests: max(20,000, 200 × stops).
// On the demo and generated city weeks the best plan stops improving well
// before that many iterations (see BENCHMARKS.md, "Stopping on
// convergence"), so the plan is as good as after the full time limit, in a
// fraction of the time. Benchmarks against the literature leave
// StallIterations at 0 and use the whole time limit.
func DefaultStallIterations(stops int) int {
	return max(20000, 200*stops)
}

// Solve plans p. It validates p first and returns an error wrapping
// ErrInvalidProblem for a malformed problem. Otherwise it always returns a
// solution satisfying every hard constraint, the best found before the time
// limit, the iteration budget or ctx's cancellation. The context and the
// clock are also watched while the problem is compiled and the first plan
// constructed, which takes seconds on a large week: stopped there, Solve
// returns the partial plan built so far, with Stats.Interrupted set and the
// stops not yet tried unassigned with ReasonNotFound. After the search
// (also when the time limit ended it, but not when ctx was cancelled),
// every unassigned stop that fits the plan as it stands, nothing moved, is
// inserted at its cheapest position, in priority order, when that lowers
// the objective, which under DefaultWeights it always does; so unless
// planning was cancelled or interrupted, no stop comes back with
// ReasonNotFound. When some pinned stops could not be placed as pinned, the
// solution comes with a *PinError naming them; use errors.As to tell it
// apart from failures.
func Solve(ctx context.Context, p *Problem, opt Options) (*Solution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	workers := max(1, opt.Workers)
	var deadline time.Time
	if opt.TimeLimit > 0 {
		deadline = start.Add(opt.TimeLimit)
	}
	base := searchParams{ctx: ctx, deadline: deadline, now: now, routesFirst: opt.Objective == ObjectiveRoutesFirst}
	in := compile(p, base.routesFirst, base.expired)
	maxIter := int64(opt.MaxIterations)
	if maxIter <= 0 && opt.TimeLimit <= 0 {
		maxIter = int64(min(20000, 100*in.n+1000))
	}
	base.maxIter = maxIter
	base.stall = int64(max(0, opt.StallIterations))
	if opt.Logger != nil {
		opt.Logger.Info("planning started", "stops", in.n, "routes", in.m, "workers", workers,
			"time_limit", opt.TimeLimit, "max_iterations", maxIter)
	}
	ws := runWorkers(in, base, opt, workers, func(worker int, phase string, iter, best int64) {
		if opt.Progress != nil {
			opt.Progress(Progress{Worker: worker, Phase: phase, Iteration: iter, Elapsed: now().Sub(start), BestCost: best})
		}
	})
	best := ws[0]
	var iters int64
	for _, w := range ws {
		iters += w.iterations
		if w.bestCost < best.bestCost {
			best = w
		}
	}
	best.loadBest()
	sol := best.solution()
	sol.Stats = Stats{Iterations: iters, Workers: workers, InitialCost: best.initialCost,
		RoutesFirst: opt.Objective == ObjectiveRoutesFirst, Interrupted: best.interrupted, Stopped: best.stopped}
	if best.interrupted {
		markUntried(ctx, in, sol)
	}
	explained := now()
	explainUnassigned(ctx, p, sol, opt.Explain, now)
	if opt.Explain.Explained != nil {
		opt.Explain.Explained(now().Sub(explained))
	}
	pinned := finishReasons(p, sol)
	if opt.Logger != nil {
		opt.Logger.Info("planning finished", "cost", sol.Cost.Total, "routes_used", sol.Cost.RoutesUsed,
			"unassigned", len(sol.Unassigned), "travel", sol.Cost.Travel, "iterations", iters, "stopped", sol.Stats.Stopped,
			"elapsed", now().Sub(start))
	}
	if len(pinned) > 0 {
		return sol, &PinError{Stops: pinned}
	}
	return sol, nil
}

// runWorkers runs workers independent searches in parallel, worker i with
// seed opt.Seed+i, and returns them when all have finished. report
// receives each worker's progress (improvements at most every 256
// iterations) and its end; calls to it are serialised.
func runWorkers(in *instance, base searchParams, opt Options, workers int, report func(worker int, phase string, iter, best int64)) []*worker {
	var mu sync.Mutex
	serial := func(worker int, phase string, iter, best int64) {
		mu.Lock()
		defer mu.Unlock()
		report(worker, phase, iter, best)
	}
	ws := make([]*worker, workers)
	var wg sync.WaitGroup
	for i := range ws {
		ws[i] = newWorker(in, opt.Seed+int64(i))
		sp := new(base)
		var last int64 = -1 << 62
		sp.progress = func(phase string, iter, best int64) {
			if iter-last < 256 && phase == "improve" {
				return
			}
			last = iter
			serial(i, phase, iter, best)
		}
		wg.Go(func() {
			ws[i].run(sp)
			serial(i, "done", ws[i].iterations, ws[i].bestCost)
		})
	}
	wg.Wait()
	return ws
}

// finishReasons gives every unassigned pinned stop ReasonPin and any stop
// still without a reason ReasonNotFound. It returns the ids of the pinned
// ones, for the PinError.
func finishReasons(p *Problem, sol *Solution) []string {
	var pinned []string
	for i := range sol.Unassigned {
		u := &sol.Unassigned[i]
		if p.Stops[u.Stop].Pin != nil {
			u.Reason = ReasonPin
			pinned = append(pinned, p.Stops[u.Stop].ID)
		}
		if u.Reason == "" {
			u.Reason = ReasonNotFound
		}
	}
	return pinned
}

// markUntried gives the unassigned stops that an interrupted compile or
// construction never tried their reason: ReasonNotFound, with a detail
// saying why planning stopped. Explaining them like the others would cost
// a probe of every trainer-day per stop, seconds on a large week, which is
// what the caller who cancelled or set the time limit did not want. Stops
// tried and found to have no trainer-day at all keep their place in the
// normal explanation.
func markUntried(ctx context.Context, in *instance, sol *Solution) {
	why := "planning ran out of time"
	if ctx.Err() != nil {
		why = "planning was cancelled"
	}
	detail := why + " before the search tried to place it"
	for i := range sol.Unassigned {
		u := &sol.Unassigned[i]
		if !in.considered[u.Stop] || len(in.cands[u.Stop]) > 0 {
			u.Reason, u.Detail = ReasonNotFound, detail
		}
	}
}

// solution converts the worker's current state into a Solution.
func (w *worker) solution() *Solution {
	in := w.in
	sol := &Solution{}
	for r := range w.routes {
		if len(w.routes[r].seq) > 0 {
			rp := w.routes[r].plan(in)
			for i := range rp.Visits {
				v := &rp.Visits[i]
				v.OutsidePreferred = outsidePreferred(&in.p.Stops[v.Stop], v.Start)
			}
			sol.Routes = append(sol.Routes, rp)
		}
	}
	pool := slices.Clone(w.pool)
	slices.Sort(pool)
	for _, s := range pool {
		sol.Unassigned = append(sol.Unassigned, Unassigned{Stop: int(s)})
	}
	sol.Cost = Evaluate(in.p, sol)
	return sol
}

// Evaluate computes the cost of sol under p.Weights. It trusts sol's
// structure (indices in range); the checker validates that separately.
func Evaluate(p *Problem, sol *Solution) Cost {
	var c Cost
	w := p.Weights
	visits := map[string]int64{}
	for _, rp := range sol.Routes {
		rt := &p.Routes[rp.Route]
		if len(rp.Visits) == 0 {
			continue
		}
		mat := &p.Matrices[rt.Profile]
		c.RoutesUsed++
		c.FixedCost += rt.FixedCost
		prev := rt.StartLoc
		for _, v := range rp.Visits {
			st := &p.Stops[v.Stop]
			c.Travel += mat.At(prev, st.Loc)
			prev = st.Loc
			visits[rt.Vehicle]++
			if st.Priority == PriorityUrgent && p.DayLength > 0 {
				first := st.Windows[0].Start
				for _, x := range st.Windows {
					first = min(first, x.Start)
				}
				if d := int64(rt.Day) - floorDiv(first, p.DayLength); d > 0 {
					c.UrgentDelayDays += d
				}
			}
			if moved(st, rt, v.Start) {
				c.Moves++
			}
			if outsidePreferred(st, v.Start) {
				c.OutsidePreferred++
			}
			if len(st.History) > 0 && st.History[rt.Vehicle] == 0 {
				for _, n := range st.History {
					if n > 0 {
						c.ContinuityMisses++
						break
					}
				}
			}
			if len(st.Preferred) > 0 && !slices.Contains(st.Preferred, rt.Vehicle) {
				c.PreferredMisses++
			}
		}
		c.Travel += mat.At(prev, rt.EndLoc)
	}
	for _, n := range visits {
		c.FairnessSquares += n * n
	}
	var unscheduled int64
	for _, u := range sol.Unassigned {
		st := &p.Stops[u.Stop]
		if st.Pin != nil {
			c.UnscheduledPinned++
			unscheduled += 10 * w.Scheduled[PriorityUrgent]
		} else {
			unscheduled += w.Scheduled[st.Priority]
		}
		c.Unscheduled[st.Priority]++
		if st.Previous != nil {
			c.Moves++
		}
	}
	c.Total = unscheduled + w.UrgentDelay*c.UrgentDelayDays + w.Travel*c.Travel +
		w.RouteUsed*int64(c.RoutesUsed) + c.FixedCost + w.Fairness*c.FairnessSquares +
		w.Move*int64(c.Moves) + w.Continuity*int64(c.ContinuityMisses) + w.Preferred*int64(c.PreferredMisses) +
		w.OutsidePreferred*int64(c.OutsidePreferred)
	return c
}

// moved reports whether serving st on rt at start moves it from its
// Previous placement: another trainer, day or start time.
func moved(st *Stop, rt *Route, start int64) bool {
	pv := st.Previous
	return pv != nil && (pv.Vehicle != rt.Vehicle || pv.Day != rt.Day || pv.Start != start)
}

// outsidePreferred reports whether st, starting at start, misses its
// non-empty PreferredWindows.
func outsidePreferred(st *Stop, start int64) bool {
	return len(st.PreferredWindows) > 0 && !inWindows(st.PreferredWindows, start)
}

// IsPinError reports whether err carries a *PinError, and returns it.
func IsPinError(err error) (*PinError, bool) {
	var pe *PinError
	ok := errors.As(err, &pe)
	return pe, ok
}
