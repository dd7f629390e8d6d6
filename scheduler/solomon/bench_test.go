package solomon

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/fieldvisit/fieldvisit/scheduler"
)

// BenchmarkSolveR101 measures search iterations on r101 (b.N runs of 2000
// iterations each).
func BenchmarkSolveR101(b *testing.B) {
	f, err := os.Open(filepath.Join(benchDir, "r101.txt"))
	if errors.Is(err, os.ErrNotExist) {
		// A fresh clone without ../shared: make bench-solomon measures
		// generated instances instead.
		b.Skip("r101 is not in ../shared/bench/solomon")
	}
	if err != nil {
		b.Fatal(err)
	}
	inst, err := Parse(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	p := inst.Problem(1e5)
	for b.Loop() {
		if _, err := scheduler.Solve(context.Background(), p, scheduler.Options{Seed: 1, MaxIterations: 2000}); err != nil {
			b.Fatal(err)
		}
	}
}
