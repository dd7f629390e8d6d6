package citygen

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/scheduler"
	"github.com/fieldvisit/fieldvisit/scheduler/checker"
	"github.com/fieldvisit/fieldvisit/travel"
)

func TestGenerateDeterministic(t *testing.T) {
	a := Generate(Config{Requests: 200, Seed: 7})
	b := Generate(Config{Requests: 200, Seed: 7})
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed gave two different weeks")
	}
	c := Generate(Config{Requests: 200, Seed: 8})
	if reflect.DeepEqual(a.Requests, c.Requests) {
		t.Error("two seeds gave the same requests")
	}
}

func TestGenerateSizes(t *testing.T) {
	for _, tc := range []struct {
		cfg                     Config
		trainers, clinics, days int
	}{
		{Config{Requests: 1000}, 60, 333, 5},
		{Config{Requests: 5000}, 300, 600, 5},
		{Config{Requests: 10}, 3, 10, 5},
		{Config{Requests: 100, Trainers: 4, Clinics: 7, Days: 3}, 4, 7, 3},
	} {
		w := Generate(tc.cfg)
		if len(w.Requests) != tc.cfg.Requests || len(w.Trainers) != tc.trainers || len(w.Clinics) != tc.clinics || w.Days != tc.days {
			t.Errorf("%+v: %d requests, %d trainers, %d clinics, %d days; want %d, %d, %d, %d",
				tc.cfg, len(w.Requests), len(w.Trainers), len(w.Clinics), w.Days, tc.cfg.Requests, tc.trainers, tc.clinics, tc.days)
		}
	}
}

func TestGenerateShape(t *testing.T) {
	w := Generate(Config{Requests: 1000, Seed: 3})
	kremlin := travel.Point{Lat: kremlinLat, Lon: kremlinLon}
	for _, c := range w.Clinics {
		if d := travel.DistanceKm(kremlin, c.Point); d > cityKm+0.01 {
			t.Errorf("%s is %.1f km out, beyond the city", c.ID, d)
		}
	}
	kinds := map[Kind]int{}
	prios := map[scheduler.Priority]int{}
	split, pinned, previous := 0, 0, 0
	for _, r := range w.Requests {
		kinds[r.Kind]++
		prios[r.Priority]++
		if r.Earliest > r.Due || r.Due >= w.Days {
			t.Errorf("%s: days %d–%d outside the week", r.ID, r.Earliest, r.Due)
		}
		if r.Pin != nil {
			pinned++
		}
		if r.Previous != nil {
			previous++
		}
		// Someone must have the skills, or the week is not realistic.
		if !slices.ContainsFunc(w.Trainers, func(tr Trainer) bool { return hasAll(tr.Skills, r.Skills) }) {
			t.Errorf("%s needs %v, which no trainer has", r.ID, r.Skills)
		}
	}
	for _, tr := range w.Trainers {
		for _, d := range tr.Shifts {
			if len(d) == 2 {
				split++
				break
			}
		}
	}
	for _, k := range []Kind{Support, MicroTraining, DifficultCase} {
		if kinds[k] == 0 {
			t.Errorf("no %s requests in 1,000", k)
		}
	}
	for p := scheduler.PriorityUrgent; p <= scheduler.PriorityLow; p++ {
		if prios[p] == 0 {
			t.Errorf("no %s requests in 1,000", p)
		}
	}
	if split == 0 || pinned == 0 || previous == 0 {
		t.Errorf("%d trainers with split days, %d pinned and %d previously published requests; want some of each", split, pinned, previous)
	}
}

func TestProblem(t *testing.T) {
	w := Generate(Config{Requests: 300, Seed: 5})
	p, err := w.Problem(context.Background(), travel.DefaultModel())
	if err != nil {
		t.Fatal(err)
	}
	workingDays := 0
	for _, tr := range w.Trainers {
		for _, d := range tr.Shifts {
			if len(d) > 0 {
				workingDays++
			}
		}
	}
	if len(p.Routes) != workingDays {
		t.Errorf("%d routes for %d working days", len(p.Routes), workingDays)
	}
	if len(p.Stops) != len(w.Requests) {
		t.Fatalf("%d stops for %d requests", len(p.Stops), len(w.Requests))
	}
	for i, st := range p.Stops {
		r := w.Requests[i]
		c := w.Clinics[r.Clinic]
		if st.Group != c.ID || st.Loc != 1+r.Clinic {
			t.Errorf("%s: group %q at %d, want %q at %d", st.ID, st.Group, st.Loc, c.ID, 1+r.Clinic)
		}
		for _, win := range st.Windows {
			d := int(win.Start / 86400)
			open := c.Open[d%7]
			startMin, endMin := int(win.Start%86400/60), int(win.End%86400/60)
			if d < r.Earliest || d > r.Due {
				t.Errorf("%s: window on day %d outside days %d–%d", st.ID, d, r.Earliest, r.Due)
			}
			// Served from the start of the window, the visit ends by closing.
			if startMin < open.From || endMin+r.Minutes > open.To {
				t.Errorf("%s: window %d:%02d–%d:%02d (+%d min) outside the clinic's hours %v", st.ID,
					startMin/60, startMin%60, endMin/60, endMin%60, r.Minutes, open)
			}
		}
	}
	// Travel from the centre to a clinic is what the model says.
	mode := w.Trainers[0].Mode
	want, _ := travel.DefaultModel().Seconds(w.Centre, w.Clinics[0].Point, mode)
	if got := p.Matrices[p.Routes[0].Profile].At(0, 1); got != int64(want) {
		t.Errorf("centre to clinic 1 by %s = %d s, want %d", mode, got, want)
	}
}

func TestProblemTravelError(t *testing.T) {
	w := Generate(Config{Requests: 20, Seed: 1})
	empty, err := travel.NewPrecomputed(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Problem(context.Background(), empty)
	if err == nil || !strings.Contains(err.Error(), "travel times by") {
		t.Errorf("error = %v, want a travel-times error", err)
	}
}

func TestGeneratedWeekSolves(t *testing.T) {
	w := Generate(Config{Requests: 100, Seed: 2})
	p, err := w.Problem(context.Background(), travel.DefaultModel())
	if err != nil {
		t.Fatal(err)
	}
	sol, err := scheduler.Solve(context.Background(), p, scheduler.Options{Seed: 1, MaxIterations: 300})
	if _, isPin := errors.AsType[*scheduler.PinError](err); err != nil && !isPin {
		t.Fatal(err)
	}
	if _, err := checker.Check(p, sol); err != nil {
		t.Errorf("the plan of a generated week fails the checker: %v", err)
	}
	if len(sol.Routes) == 0 {
		t.Error("nothing planned")
	}
	for _, u := range sol.Unassigned {
		if u.Reason == "" || u.Detail == "" {
			t.Errorf("%s left out without a reason: %+v", p.Stops[u.Stop].ID, u)
		}
	}
}
