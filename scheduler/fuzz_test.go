package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/fieldvisit/fieldvisit/scheduler"
	"github.com/fieldvisit/fieldvisit/scheduler/checker"
)

// byteSource turns fuzz input into small numbers, then zeros once spent.
type byteSource struct {
	b []byte
	i int
}

func (s *byteSource) next(n int) int {
	if s.i >= len(s.b) || n <= 0 {
		return 0
	}
	v := int(s.b[s.i]) % n
	s.i++
	return v
}

// fuzzProblem builds an arbitrary small problem: any travel times (no
// triangle inequality), shifts, breaks, windows, skills, pins, capacities.
func fuzzProblem(data []byte) *scheduler.Problem {
	src := &byteSource{b: data}
	locs := 1 + src.next(4)
	mat := scheduler.Matrix{Size: locs, Time: make([]int64, locs*locs)}
	for i := range mat.Time {
		mat.Time[i] = int64(src.next(60))
	}
	p := &scheduler.Problem{DayLength: int64(src.next(3) * 200), Matrices: []scheduler.Matrix{mat}, Weights: scheduler.DefaultWeights()}
	skills := []string{"x", "y"}
	nr := 1 + src.next(3)
	for r := range nr {
		rt := scheduler.Route{
			ID: fmt.Sprint("r", r), Vehicle: fmt.Sprint("t", src.next(2)), Day: src.next(2),
			StartLoc: src.next(locs), EndLoc: src.next(locs),
			Capacity: int64(src.next(4)), MaxWork: int64(src.next(3) * 150),
		}
		a := int64(src.next(100))
		rt.Shifts = []scheduler.Window{{Start: a, End: a + int64(src.next(300))}}
		if src.next(2) == 1 {
			b := rt.Shifts[0].End + 1 + int64(src.next(50))
			rt.Shifts = append(rt.Shifts, scheduler.Window{Start: b, End: b + int64(src.next(200))})
		}
		if src.next(2) == 1 {
			bs := int64(src.next(400))
			rt.Break = &scheduler.Break{Window: scheduler.Window{Start: bs, End: bs + int64(src.next(100))}, Duration: int64(src.next(60))}
		}
		if src.next(2) == 1 {
			rt.Skills = []string{skills[src.next(2)]}
		}
		p.Routes = append(p.Routes, rt)
	}
	ns := src.next(7)
	for s := range ns {
		st := scheduler.Stop{
			ID: fmt.Sprint("s", s), Loc: src.next(locs), Service: int64(src.next(80)),
			Load: int64(src.next(3)), Priority: scheduler.Priority(src.next(4)),
		}
		for range 1 + src.next(2) {
			a := int64(src.next(500))
			st.Windows = append(st.Windows, scheduler.Window{Start: a, End: a + int64(src.next(200)) - 20})
		}
		if src.next(3) == 0 {
			st.Skills = []string{skills[src.next(2)]}
		}
		if src.next(4) == 0 {
			st.Excluded = []string{fmt.Sprint("t", src.next(2))}
		}
		switch src.next(5) {
		case 1:
			st.Pin = &scheduler.Pin{Vehicle: p.Routes[src.next(nr)].Vehicle}
		case 2:
			st.Pin = &scheduler.Pin{Day: src.next(2), HasDay: true}
		case 3:
			st.Pin = &scheduler.Pin{Vehicle: p.Routes[src.next(nr)].Vehicle, Day: src.next(2), HasDay: true, Start: int64(src.next(500)), HasStart: true}
		}
		if src.next(3) == 0 {
			st.Previous = &scheduler.Assignment{Vehicle: fmt.Sprint("t", src.next(2)), Day: src.next(2), Start: int64(src.next(500))}
		}
		p.Stops = append(p.Stops, st)
	}
	return p
}

func FuzzSolve(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 10, 20, 30, 5, 1, 2, 7, 9, 11, 40, 50, 1, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
	f.Add([]byte("a week of trainer routes with time windows, skills, priorities and pins"))
	f.Add([]byte{255, 254, 253, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 200, 100, 50, 25, 12, 6, 3, 1, 0, 9, 8, 7, 6, 5, 4, 3, 2, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := fuzzProblem(data)
		sol, err := scheduler.Solve(context.Background(), p, scheduler.Options{Seed: 1, MaxIterations: 30})
		var pe *scheduler.PinError
		switch {
		case errors.Is(err, scheduler.ErrInvalidProblem):
			return
		case err != nil && !errors.As(err, &pe):
			t.Fatalf("Solve: %v", err)
		}
		if _, err := checker.Check(p, sol); err != nil {
			t.Fatalf("checker: %v", err)
		}
	})
}
