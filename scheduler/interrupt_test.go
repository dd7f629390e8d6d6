package scheduler

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// countdownContext is a context whose Err turns to context.Canceled after
// a given number of calls, to stop a computation at a chosen point without
// depending on timing.
type countdownContext struct {
	context.Context
	left int
}

func (c *countdownContext) Err() error {
	if c.left <= 0 {
		return context.Canceled
	}
	c.left--
	return nil
}

// TestConstructionStopsWithPartialPlan cancels construction after a few
// checks, by regret insertion (small problems) and by greedy insertion
// (large ones): it must report the interruption and leave a consistent,
// feasible partial plan with fewer stops than the uninterrupted one.
func TestConstructionStopsWithPartialPlan(t *testing.T) {
	for _, n := range []int{150, regretConstructionLimit + 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			// Regret insertion first evaluates every stop (a check per
			// compileCheckEvery stops), then inserts; greedy insertion
			// only inserts. Either way, stop after two rounds of inserting.
			checks := 2
			if n <= regretConstructionLimit {
				checks += (n + compileCheckEvery - 1) / compileCheckEvery
			}
			p := randomProblem(3, n, n/10)
			in := compile(p, false, func() bool { return false })
			full := newWorker(in, 1)
			if !full.construct(&searchParams{ctx: context.Background(), now: time.Now}) {
				t.Fatal("construction without a limit reported an interruption")
			}
			w := newWorker(in, 1)
			if w.construct(&searchParams{ctx: &countdownContext{Context: context.Background(), left: checks}, now: time.Now}) {
				t.Fatal("cancelled construction reported that it finished")
			}
			if err := w.consistent(); err != nil {
				t.Fatal(err)
			}
			for r := range w.routes {
				if !w.routes[r].feasible {
					t.Fatalf("route %d infeasible after the interruption", r)
				}
			}
			placed, fullPlaced := w.assignedCount(), full.assignedCount()
			if placed == 0 || placed >= fullPlaced {
				t.Fatalf("interrupted construction placed %d stops, the full one %d: want some but fewer", placed, fullPlaced)
			}
		})
	}
}

// TestCompileStopsEarly checks that compile looks at stop while it works
// and leaves the stops it did not reach unconsidered, most important first.
func TestCompileStopsEarly(t *testing.T) {
	p := randomProblem(4, 200, 10)
	calls := 0
	in := compile(p, false, func() bool { calls++; return calls > 2 })
	if !in.interrupted {
		t.Fatal("compile not interrupted")
	}
	considered := 0
	for s := range p.Stops {
		if in.considered[s] {
			considered++
		} else if len(in.cands[s]) > 0 {
			t.Fatalf("stop %d not considered but has candidates", s)
		}
	}
	if considered != 2*compileCheckEvery {
		t.Fatalf("%d stops considered, want %d", considered, 2*compileCheckEvery)
	}
	worst := PriorityUrgent
	for _, s := range priorityOrder(p)[:considered] {
		worst = max(worst, p.Stops[s].Priority)
	}
	for s := range p.Stops {
		if !in.considered[s] && p.Stops[s].Priority < worst && p.Stops[s].Pin == nil {
			t.Fatalf("stop %d (%s) skipped while a %s stop was compiled", s, p.Stops[s].Priority, worst)
		}
	}
}
