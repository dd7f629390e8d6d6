package checker_test

import (
	"context"
	"testing"

	"github.com/fieldvisit/fieldvisit/scheduler"
	"github.com/fieldvisit/fieldvisit/scheduler/checker"
)

// problem is one trainer-day with a break, a capacity, two shifts and
// three stops at two clinics.
func problem() *scheduler.Problem {
	mat := scheduler.Matrix{Size: 3, Time: []int64{0, 20, 30, 20, 0, 15, 30, 15, 0}}
	p := &scheduler.Problem{Matrices: []scheduler.Matrix{mat}, Weights: scheduler.DefaultWeights()}
	p.Routes = []scheduler.Route{{
		ID: "r", Vehicle: "t", Skills: []string{"ecg"}, Capacity: 3,
		Shifts: []scheduler.Window{{Start: 0, End: 400}, {Start: 450, End: 900}},
		Break:  &scheduler.Break{Window: scheduler.Window{Start: 300, End: 500}, Duration: 40},
	}}
	p.Stops = []scheduler.Stop{
		{ID: "a", Loc: 1, Service: 60, Load: 1, Windows: []scheduler.Window{{Start: 0, End: 200}}, Skills: []string{"ecg"}},
		{ID: "b", Loc: 1, Service: 60, Load: 1, Windows: []scheduler.Window{{Start: 0, End: 300}}},
		{ID: "c", Loc: 2, Service: 60, Load: 1, Windows: []scheduler.Window{{Start: 450, End: 800}}, Priority: scheduler.PriorityHigh},
	}
	return p
}

func TestCheckerAcceptsSolveAndRejectsViolations(t *testing.T) {
	p := problem()
	sol, err := scheduler.Solve(context.Background(), p, scheduler.Options{Seed: 1, MaxIterations: 100})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checker.Check(p, sol); err != nil {
		t.Fatalf("valid plan rejected: %v", err)
	}
	if len(sol.Routes) != 1 || len(sol.Routes[0].Visits) != 3 {
		t.Fatalf("all three stops fit one route, got %+v", sol)
	}
	visit := func(s *scheduler.Solution, id string) *scheduler.Visit {
		for i, v := range s.Routes[0].Visits {
			if p.Stops[v.Stop].ID == id {
				return &s.Routes[0].Visits[i]
			}
		}
		t.Fatalf("no visit %s", id)
		return nil
	}
	for _, tc := range []struct {
		name   string
		mutate func(p *scheduler.Problem, s *scheduler.Solution)
	}{
		{"start outside window", func(p *scheduler.Problem, s *scheduler.Solution) {
			p.Stops[2].Windows = []scheduler.Window{{Start: 880, End: 890}}
		}},
		{"missing skill", func(p *scheduler.Problem, s *scheduler.Solution) { p.Routes[0].Skills = nil }},
		{"excluded trainer", func(p *scheduler.Problem, s *scheduler.Solution) { p.Stops[1].Excluded = []string{"t"} }},
		{"capacity", func(p *scheduler.Problem, s *scheduler.Solution) { p.Routes[0].Capacity = 2 }},
		{"max work", func(p *scheduler.Problem, s *scheduler.Solution) { p.Routes[0].MaxWork = 100 }},
		{"pin to another trainer", func(p *scheduler.Problem, s *scheduler.Solution) {
			p.Stops[0].Pin = &scheduler.Pin{Vehicle: "someone"}
		}},
		{"pinned start", func(p *scheduler.Problem, s *scheduler.Solution) {
			p.Stops[0].Pin = &scheduler.Pin{Start: visit(s, "a").Start + 1, HasStart: true}
		}},
		{"service across the shift gap", func(p *scheduler.Problem, s *scheduler.Solution) {
			p.Routes[0].Shifts = []scheduler.Window{{Start: 0, End: 100}, {Start: 450, End: 900}}
		}},
		{"too little travel", func(p *scheduler.Problem, s *scheduler.Solution) { p.Matrices[0].Time[1] = 500 }},
		{"break missing", func(p *scheduler.Problem, s *scheduler.Solution) { s.Routes[0].HasBreak = false }},
		{"break over a service", func(p *scheduler.Problem, s *scheduler.Solution) {
			v := visit(s, "c")
			p.Routes[0].Break.Window = scheduler.Window{Start: 0, End: 900}
			s.Routes[0].BreakStart = v.Start
		}},
		{"stop twice", func(p *scheduler.Problem, s *scheduler.Solution) {
			s.Unassigned = append(s.Unassigned, scheduler.Unassigned{Stop: 0, Reason: scheduler.ReasonCapacity})
		}},
		{"stop missing", func(p *scheduler.Problem, s *scheduler.Solution) {
			s.Routes[0].Visits = s.Routes[0].Visits[:2]
		}},
		{"wrong end", func(p *scheduler.Problem, s *scheduler.Solution) { visit(s, "b").End++ }},
		{"wrong cost", func(p *scheduler.Problem, s *scheduler.Solution) { s.Cost.Travel-- }},
		{"departs too early", func(p *scheduler.Problem, s *scheduler.Solution) {
			p.Routes[0].Shifts[0].Start = s.Routes[0].Depart + 1
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := problem()
			s := clone(sol)
			tc.mutate(q, s)
			if _, err := checker.Check(q, s); err == nil {
				t.Fatal("violation not detected")
			}
		})
	}
}

func clone(s *scheduler.Solution) *scheduler.Solution {
	c := *s
	c.Routes = nil
	for _, rp := range s.Routes {
		rp.Visits = append([]scheduler.Visit(nil), rp.Visits...)
		c.Routes = append(c.Routes, rp)
	}
	c.Unassigned = append([]scheduler.Unassigned(nil), s.Unassigned...)
	return &c
}
