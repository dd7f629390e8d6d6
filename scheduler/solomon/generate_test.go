package solomon

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/fieldvisit/fieldvisit/scheduler"
	"github.com/fieldvisit/fieldvisit/scheduler/checker"
)

// TestGenerateRoundTrip checks that every family generates a well-formed
// instance that Parse reads back unchanged, deterministically, in which
// every customer can be served alone by one vehicle.
func TestGenerateRoundTrip(t *testing.T) {
	for _, fam := range Families() {
		for _, n := range []int{1, 100, 250} {
			t.Run(fmt.Sprintf("%s/%d", fam, n), func(t *testing.T) {
				cfg := GenerateConfig{Family: fam, Customers: n, Seed: uint64(n % 7)}
				inst, err := Generate(cfg)
				if err != nil {
					t.Fatal(err)
				}
				again, _ := Generate(cfg)
				if !reflect.DeepEqual(inst, again) {
					t.Fatal("two instances generated from one config differ")
				}
				if len(inst.Nodes) != n+1 || inst.Vehicles < 1 || inst.Capacity < 1 {
					t.Fatalf("%d nodes, %d vehicles, capacity %d", len(inst.Nodes), inst.Vehicles, inst.Capacity)
				}
				var buf bytes.Buffer
				if err := inst.Encode(&buf); err != nil {
					t.Fatal(err)
				}
				parsed, err := Parse(&buf)
				if err != nil {
					t.Fatalf("Parse of the encoded instance: %v", err)
				}
				if !reflect.DeepEqual(parsed, inst) {
					t.Fatal("the parsed instance differs from the generated one")
				}
				for i := 1; i <= n; i++ {
					alone := &Instance{Vehicles: 1, Capacity: inst.Capacity, Nodes: []Customer{inst.Nodes[0], inst.Nodes[i]}}
					if _, err := alone.Verify([][]int{{1}}); err != nil {
						t.Fatalf("customer %d cannot be served alone: %v", i, err)
					}
				}
			})
		}
	}
}

func TestGenerateUnknownFamily(t *testing.T) {
	for _, cfg := range []GenerateConfig{{Family: "x1", Customers: 10}, {Family: "r1", Customers: 0}} {
		if _, err := Generate(cfg); err == nil {
			t.Errorf("Generate(%+v): want an error", cfg)
		}
	}
}

// TestGeneratedThousandCustomers solves generated Gehring–Homberger-size
// instances (1,000 customers) with a small iteration budget under both
// objectives: every plan must pass the checker and the exact float64
// recomputation, with every customer served within the fleet.
func TestGeneratedThousandCustomers(t *testing.T) {
	tests := []struct {
		family    string
		objective scheduler.Objective
	}{
		{"rc1", scheduler.ObjectiveRoutesFirst},
		{"r2", scheduler.ObjectiveWeighted},
	}
	for _, tc := range tests {
		t.Run(tc.family, func(t *testing.T) {
			inst, err := Generate(GenerateConfig{Family: tc.family, Customers: 1000, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			p := inst.Problem(1e5)
			sol, err := scheduler.Solve(context.Background(), p, scheduler.Options{Seed: 1, MaxIterations: 30, Objective: tc.objective})
			if err != nil {
				t.Fatalf("Solve: %v", err)
			}
			if _, err := checker.Check(p, sol); err != nil {
				t.Fatalf("checker rejected the plan: %v", err)
			}
			if len(sol.Unassigned) > 0 {
				t.Fatalf("%d customers unassigned", len(sol.Unassigned))
			}
			var routes [][]int
			for _, rp := range sol.Routes {
				var r []int
				for _, v := range rp.Visits {
					r = append(r, p.Stops[v.Stop].Loc)
				}
				routes = append(routes, r)
			}
			if _, err := inst.Verify(routes); err != nil {
				t.Fatalf("exact recomputation: %v", err)
			}
		})
	}
}
