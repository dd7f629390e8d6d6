package scheduler_test

import (
	"testing"

	"github.com/fieldvisit/fieldvisit/scheduler"
	"github.com/fieldvisit/fieldvisit/scheduler/checker"
)

// dayProblem is one trainer working 0..1000 from location 0 and one stop
// of service 60 at location 1, ten units away, allowed to start in
// windows.
func dayProblem(windows ...scheduler.Window) *scheduler.Problem {
	return &scheduler.Problem{
		Matrices: []scheduler.Matrix{{Size: 2, Time: []int64{0, 10, 10, 0}}},
		Routes: []scheduler.Route{{
			ID: "anna-mon", Vehicle: "anna", Shifts: []scheduler.Window{{Start: 0, End: 1000}},
		}},
		Stops:   []scheduler.Stop{{ID: "visit", Loc: 1, Service: 60, Windows: windows}},
		Weights: scheduler.DefaultWeights(),
	}
}

// oneVisit is the solution serving dayProblem's stop at start.
func oneVisit(start int64) *scheduler.Solution {
	return &scheduler.Solution{Routes: []scheduler.RoutePlan{{
		Route:  0,
		Visits: []scheduler.Visit{{Stop: 0, Arrive: start, Start: start, End: start + 60}},
		Depart: start - 10, Return: start + 70,
	}}}
}

// TestStartChangeIsAMove: the same trainer and day at another start time,
// even five minutes (300 s) later, is a move and pays Weights.Move, in
// Evaluate and in the independent checker alike.
func TestStartChangeIsAMove(t *testing.T) {
	p := dayProblem(scheduler.Window{Start: 0, End: 900})
	p.Stops[0].Previous = &scheduler.Assignment{Vehicle: "anna", Day: 0, Start: 300}
	for _, tc := range []struct {
		start int64
		moves int
	}{{300, 0}, {600, 1}, {301, 1}} {
		sol := oneVisit(tc.start)
		sol.Cost = scheduler.Evaluate(p, sol)
		if sol.Cost.Moves != tc.moves {
			t.Errorf("start %d: Evaluate counts %d moves, want %d", tc.start, sol.Cost.Moves, tc.moves)
		}
		stay := scheduler.Evaluate(p, oneVisit(300)).Total
		if got, want := sol.Cost.Total-stay, int64(tc.moves)*p.Weights.Move; got != want {
			t.Errorf("start %d costs %d more than staying, want %d", tc.start, got, want)
		}
		cost, err := checker.Check(p, sol)
		if err != nil || cost != sol.Cost {
			t.Errorf("start %d: checker %+v, %v; Evaluate %+v", tc.start, cost, err, sol.Cost)
		}
	}
}

// TestSolveKeepsPreviousStart: the search keeps a published start when it
// is still allowed, although an earlier start would be as good otherwise,
// and counts the move when the window no longer allows it.
func TestSolveKeepsPreviousStart(t *testing.T) {
	p := dayProblem(scheduler.Window{Start: 0, End: 900})
	p.Stops[0].Previous = &scheduler.Assignment{Vehicle: "anna", Day: 0, Start: 420}
	sol := solve(t, p, scheduler.Options{Seed: 1, MaxIterations: 200})
	if got := placement(p, sol)["visit"]; got != *p.Stops[0].Previous || sol.Cost.Moves != 0 {
		t.Errorf("re-plan placed the visit at %+v with %d moves, want it kept at %+v", got, sol.Cost.Moves, *p.Stops[0].Previous)
	}

	p.Stops[0].Windows = []scheduler.Window{{Start: 500, End: 900}}
	sol = solve(t, p, scheduler.Options{Seed: 1, MaxIterations: 200})
	if got := placement(p, sol)["visit"]; got.Vehicle != "anna" || got.Start < 500 || sol.Cost.Moves != 1 {
		t.Errorf("with the old start no longer allowed: placed at %+v with %d moves, want a start from 500 and 1 move", got, sol.Cost.Moves)
	}
}

// TestUnchangedReplanMovesNothing re-solves generated weeks (every feature,
// preferred windows included) with their own plan as Previous: no stop
// may change trainer, day or start, and no move may be counted.
func TestUnchangedReplanMovesNothing(t *testing.T) {
	replanUnchanged(t, replanCase{fromSeed: 20, toSeed: 32, stops: 16, vehicles: 5, iterations: 400, reseed: 7, clearPrevious: true})
}

// replanCase is a family of generated weeks replanUnchanged re-plans.
type replanCase struct {
	fromSeed, toSeed uint64 // generator seeds, toSeed excluded
	stops, vehicles  int
	iterations       int
	reseed           int64 // the second solve's seed; the first uses 1
	clearPrevious    bool  // drop the generator's previous placements first
}

// replanUnchanged solves each week of c with every stop of normal priority,
// re-solves those where everything fits with their plan as Previous, and
// fails if a stop changes trainer, day or start or a move is counted, or if
// fewer than three weeks fit.
func replanUnchanged(t *testing.T, c replanCase) {
	t.Helper()
	tested := 0
	for seed := c.fromSeed; seed < c.toSeed; seed++ {
		p := scheduler.RandomProblem(seed, c.stops, c.vehicles)
		for i := range p.Stops {
			p.Stops[i].Priority = scheduler.PriorityNormal
			if c.clearPrevious {
				p.Stops[i].Previous = nil
			}
		}
		first := solve(t, p, scheduler.Options{Seed: 1, MaxIterations: c.iterations})
		if len(first.Unassigned) > 0 {
			continue
		}
		tested++
		withPrevious(p, first)
		second := solve(t, p, scheduler.Options{Seed: c.reseed, MaxIterations: c.iterations})
		before, after := placement(p, first), placement(p, second)
		for id, a := range before {
			if b, ok := after[id]; !ok || a != b {
				t.Errorf("seed %d: stop %s moved from %+v to %+v", seed, id, a, b)
			}
		}
		if second.Cost.Moves != 0 {
			t.Errorf("seed %d: %d moves re-planning an unchanged week", seed, second.Cost.Moves)
		}
	}
	if tested < 3 {
		t.Fatalf("only %d weeks fitted entirely; the test needs roomier problems", tested)
	}
}

// TestPreferredWindowsAreSoft: a stop whose preferred hours can be met
// starts inside them; one whose preferred hours fall outside the trainer's
// shift is still scheduled, flagged and priced as outside them.
func TestPreferredWindowsAreSoft(t *testing.T) {
	p := dayProblem(scheduler.Window{Start: 0, End: 900})
	p.Stops[0].PreferredWindows = []scheduler.Window{{Start: 600, End: 700}}
	sol := solve(t, p, scheduler.Options{Seed: 1, MaxIterations: 200})
	v := sol.Routes[0].Visits[0]
	if v.Start < 600 || v.Start > 700 || v.OutsidePreferred || sol.Cost.OutsidePreferred != 0 {
		t.Errorf("placed at %d (outside flag %t, count %d), want inside 600..700", v.Start, v.OutsidePreferred, sol.Cost.OutsidePreferred)
	}

	p.Stops[0].PreferredWindows = []scheduler.Window{{Start: 2000, End: 2100}} // after the shift
	sol = solve(t, p, scheduler.Options{Seed: 1, MaxIterations: 200})
	if len(sol.Routes) != 1 || len(sol.Unassigned) != 0 {
		t.Fatalf("a preference that cannot be met left the stop out: %+v", sol.Unassigned)
	}
	v = sol.Routes[0].Visits[0]
	if !v.OutsidePreferred || sol.Cost.OutsidePreferred != 1 {
		t.Errorf("start %d: outside flag %t, count %d; want flagged and counted once", v.Start, v.OutsidePreferred, sol.Cost.OutsidePreferred)
	}
	inside := *sol
	inside.Routes = []scheduler.RoutePlan{oneVisit(v.Start).Routes[0]}
	p.Stops[0].PreferredWindows = nil
	if got, want := sol.Cost.Total-scheduler.Evaluate(p, &inside).Total, p.Weights.OutsidePreferred; got != want {
		t.Errorf("starting outside the preferred hours costs %d more, want Weights.OutsidePreferred %d", got, want)
	}
}

// TestCheckerRejectsWrongPreferredFlag: the plan's flag must say the truth.
func TestCheckerRejectsWrongPreferredFlag(t *testing.T) {
	p := dayProblem(scheduler.Window{Start: 0, End: 900})
	p.Stops[0].PreferredWindows = []scheduler.Window{{Start: 600, End: 700}}
	sol := oneVisit(100)
	sol.Cost = scheduler.Evaluate(p, sol)
	if sol.Cost.OutsidePreferred != 1 {
		t.Fatalf("Evaluate counts %d starts outside preferred hours, want 1", sol.Cost.OutsidePreferred)
	}
	if _, err := checker.Check(p, sol); err == nil {
		t.Error("the checker accepted a visit outside its preferred hours that the plan does not flag")
	}
	sol.Routes[0].Visits[0].OutsidePreferred = true
	if _, err := checker.Check(p, sol); err != nil {
		t.Errorf("checker: %v", err)
	}
}
