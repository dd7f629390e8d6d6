package scheduler

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// consistent verifies the worker's redundant bookkeeping: route contents,
// the stop-to-route index and the pool agree.
func (w *worker) consistent() error {
	cnt := 0
	for r := range w.routes {
		for _, s := range w.routes[r].seq {
			if int(w.where[s]) != r {
				return fmt.Errorf("stop %d in route %d but where=%d", s, r, w.where[s])
			}
			cnt++
		}
	}
	for i, s := range w.pool {
		if w.where[s] != -1 || int(w.poolPos[s]) != i {
			return fmt.Errorf("pool stop %d where=%d pos=%d i=%d", s, w.where[s], w.poolPos[s], i)
		}
	}
	if cnt+len(w.pool) != w.in.n {
		return fmt.Errorf("count %d+%d != %d", cnt, len(w.pool), w.in.n)
	}
	var sum int64
	for r := range w.routes {
		sum += w.routes[r].cost
	}
	if sum != w.sumRoute {
		return fmt.Errorf("route cost sum %d, tracked %d", sum, w.sumRoute)
	}
	return nil
}

// TestUndoLog runs every removal and repair operator, committing or rolling
// back alternately, and checks the bookkeeping after each step.
func TestUndoLog(t *testing.T) {
	p := randomProblem(1, 40, 5)
	in := compile(p, false, func() bool { return false })
	var before int64
	w := newWorker(in, 1)
	if !w.construct(&searchParams{ctx: context.Background(), now: time.Now}) {
		t.Fatal("construction without a limit reported an interruption")
	}
	if err := w.consistent(); err != nil {
		t.Fatal("construct:", err)
	}
	for it := 0; it < 2000; it++ {
		for r := range w.touched {
			if w.touched[r] {
				t.Fatal(it, "stale touched", r)
			}
		}
		if w.nsaved != 0 {
			t.Fatal("nsaved")
		}
		w.begin()
		before = w.cost()
		switch it % 5 {
		case 0:
			w.removeStrings(10)
		case 1:
			w.removeRandom(5)
		case 2:
			w.removeRelated(5)
		case 3:
			w.removeWorst(5)
		case 4:
			w.removeRoute()
		}
		w.finishRemoval()
		if err := w.consistent(); err != nil {
			t.Fatal(it, "removal:", err)
		}
		if it%3 == 0 {
			w.repairRegret(w.repairList(), 2, nil)
		} else {
			w.repairGreedy(0.01)
		}
		if err := w.consistent(); err != nil {
			t.Fatal(it, "repair:", err)
		}
		if it%2 == 0 {
			for i := 0; i < w.nsaved; i++ {
				for _, x := range w.saved[i].seq {
					for _, y := range w.savedPool {
						if x == y {
							t.Fatal(it, "saved route", w.saved[i].r, "has pool stop", x)
						}
					}
				}
			}
			w.rollback()
			if w.cost() != before {
				t.Fatalf("%d: rollback restored cost %d, want %d", it, w.cost(), before)
			}
		} else {
			w.commit()
		}
		if err := w.consistent(); err != nil {
			t.Fatal(it, "end:", err)
		}
	}
	if got := w.solution().Cost.Total; got != w.cost() {
		t.Fatalf("incremental cost %d, recomputed %d", w.cost(), got)
	}
	w.fill(func() bool { return false })
	if err := w.consistent(); err != nil {
		t.Fatal("fill:", err)
	}
	if got := w.solution().Cost.Total; got != w.cost() {
		t.Fatalf("after fill: incremental cost %d, recomputed %d", w.cost(), got)
	}
}
