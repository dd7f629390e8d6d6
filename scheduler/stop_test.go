package scheduler_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/scheduler"
)

// TestStopReason checks that Stats.Stopped names what ended the search, and
// that StallIterations ends a converged search long before a large
// iteration budget. No case depends on the machine's speed: budgets are
// iterations, and the time limit runs on a clock that advances per call.
func TestStopReason(t *testing.T) {
	const budget = 5_000_000
	tickingClock := func() func() time.Time {
		now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
		return func() time.Time {
			now = now.Add(time.Millisecond)
			return now
		}
	}
	tests := []struct {
		name      string
		opt       scheduler.Options
		cancelled bool
		want      scheduler.StopReason
		maxIters  int64 // Stats.Iterations must stay below this
	}{
		{name: "stall", opt: scheduler.Options{Seed: 1, MaxIterations: budget, StallIterations: 300},
			want: scheduler.StopStall, maxIters: budget / 100},
		{name: "stall routes first", opt: scheduler.Options{Seed: 2, MaxIterations: budget, StallIterations: 300, Objective: scheduler.ObjectiveRoutesFirst},
			want: scheduler.StopStall, maxIters: budget / 100},
		{name: "two workers stall", opt: scheduler.Options{Seed: 3, MaxIterations: budget, StallIterations: 300, Workers: 2},
			want: scheduler.StopStall, maxIters: budget / 100},
		{name: "iterations", opt: scheduler.Options{Seed: 1, MaxIterations: 200},
			want: scheduler.StopIterations, maxIters: 201},
		{name: "stall larger than budget", opt: scheduler.Options{Seed: 1, MaxIterations: 200, StallIterations: 1_000_000},
			want: scheduler.StopIterations, maxIters: 201},
		{name: "time limit", opt: scheduler.Options{Seed: 1, TimeLimit: time.Second, Now: tickingClock()},
			want: scheduler.StopTimeLimit, maxIters: budget},
		{name: "cancelled", opt: scheduler.Options{Seed: 1, MaxIterations: budget}, cancelled: true,
			want: scheduler.StopCancelled, maxIters: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := scheduler.RandomProblem(7, 30, 3)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancelled {
				cancel()
			}
			sol, err := scheduler.Solve(ctx, p, tc.opt)
			if _, isPin := scheduler.IsPinError(err); err != nil && !isPin {
				t.Fatalf("Solve: %v", err)
			}
			if sol.Stats.Stopped != tc.want {
				t.Errorf("Stats.Stopped = %q, want %q (stats %+v)", sol.Stats.Stopped, tc.want, sol.Stats)
			}
			if tc.want == scheduler.StopStall && sol.Stats.Iterations < int64(tc.opt.StallIterations) {
				t.Errorf("Stats.Iterations = %d: stopped on a stall before %d iterations", sol.Stats.Iterations, tc.opt.StallIterations)
			}
			if sol.Stats.Iterations >= tc.maxIters {
				t.Errorf("Stats.Iterations = %d, want fewer than %d", sol.Stats.Iterations, tc.maxIters)
			}
		})
	}
}

// TestStallStopIsDeterministic checks that a stall-stopped search, like an
// iteration-bounded one, depends only on the problem and the seed.
func TestStallStopIsDeterministic(t *testing.T) {
	p := scheduler.RandomProblem(11, 40, 4)
	opt := scheduler.Options{Seed: 5, MaxIterations: 1_000_000, StallIterations: 400}
	a := solve(t, p, opt)
	b := solve(t, p, opt)
	if a.Stats.Iterations != b.Stats.Iterations || a.Cost != b.Cost {
		t.Fatalf("two runs differ: %d iterations, cost %+v against %d, %+v", a.Stats.Iterations, a.Cost, b.Stats.Iterations, b.Cost)
	}
}

func TestDefaultStallIterations(t *testing.T) {
	for _, tc := range []struct{ stops, want int }{{0, 20000}, {50, 20000}, {100, 20000}, {1000, 200000}} {
		if got := scheduler.DefaultStallIterations(tc.stops); got != tc.want {
			t.Errorf("DefaultStallIterations(%d) = %d, want %d", tc.stops, got, tc.want)
		}
	}
}
