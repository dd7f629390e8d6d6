package planning_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/planning"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
	"github.com/fieldvisit/fieldvisit/travel"
)

// TestPlanWeekStoresExplanations plans a crowded week through the store
// with a 30-minute bound on suggested time changes: every left-out request
// is stored with its explanation as codes, no suggested change of time
// exceeds the bound, each entry either offers a change or says none small
// enough exists, and the stored plan reads in Russian with the clinics'
// names.
func TestPlanWeekStoresExplanations(t *testing.T) {
	ctx := context.Background()
	s := store.New(storetest.Database(t), nil)
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	// Four times the seeded requests: more than three trainers can do.
	for _, r := range seedWeek(t, s) {
		for range 3 {
			r.ID = ""
			if r.Kind == models.KindMicroTraining {
				r.Kind, r.Participants = models.KindDifficultCase, 0
			}
			if err := s.CreateRequest(ctx, &r); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Time, not the number of visits, is what runs out.
	trainers, err := s.Trainers(ctx, models.TrainerFilter{}, models.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range trainers {
		tr.MaxVisitsDay, tr.MaxWorkMinutes = 8, 600
		if err := s.UpdateTrainer(ctx, &tr); err != nil {
			t.Fatal(err)
		}
	}
	// The clinics open longer than the trainers work.
	clinics, err := s.Clinics(ctx, models.ClinicFilter{}, models.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range clinics {
		long := []models.Window{w("07:00", "21:00")}
		c.Hours = models.Week{Mon: long, Tue: long, Wed: long, Thu: long, Fri: long}
		if err := s.UpdateClinic(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	// The default bound first, then a tighter one: the tighter plan's
	// suggestions keep to it, though the default's go past it.
	var stored *models.Plan
	var larger bool
	for version, bound := range []time.Duration{0, 30 * time.Minute} {
		p, err := planning.NewPlanner(planning.Config{Store: s, Travel: travel.DefaultModel(), Location: moscow, Seed: 7, MaxExtension: bound})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.PlanWeek(ctx, "2026-12-07", "test"); err != nil {
			t.Fatal(err)
		}
		if stored, err = s.Plan(ctx, "2026-12-07", version+1); err != nil {
			t.Fatal(err)
		}
		if len(stored.Unassigned) == 0 {
			t.Fatal("the crowded week left nothing out; the test needs a left-out request")
		}
		if bound == 0 {
			for _, u := range stored.Unassigned {
				for _, f := range u.Fixes {
					larger = larger || f.Minutes > 30
				}
			}
		}
	}
	if !larger {
		t.Error("with the default bound no suggestion was larger than 30 minutes: the tighter bound is not tested")
	}
	const bound = 30 * time.Minute
	clock := func(s string) time.Duration {
		tod, err := models.ParseTimeOfDay(s)
		if err != nil {
			t.Fatalf("time %q: %v", s, err)
		}
		return time.Duration(tod) * time.Minute
	}
	codes := map[string]int{}
	defer func() { t.Logf("%d left out; explanation codes: %v", len(stored.Unassigned), codes) }()
	for _, u := range stored.Unassigned {
		if u.Why != nil {
			codes[u.Why.Code]++
		}
		for _, f := range u.Fixes {
			codes[f.Code]++
		}
		if u.NoSmallChange {
			codes["none"]++
		}
		if u.Why == nil || u.Why.Code == "" || u.ClinicName == "" || u.Kind == "" {
			t.Errorf("request %s stored without its explanation or names: %+v", u.RequestID, u)
			continue
		}
		if u.Summary != "" || u.Relaxations != nil {
			t.Errorf("request %s: rendered text was stored: %+v", u.RequestID, u)
		}
		if u.Reason != "not_found" && len(u.Fixes) == 0 && !u.NoSmallChange {
			t.Errorf("request %s (%s) offers no change and does not say none is small", u.RequestID, u.Why.Code)
		}
		for _, f := range u.Fixes {
			if f.Code == "fix_shift_end" || f.Code == "fix_shift_start" || f.Code == "fix_pin_time" {
				if d := clock(f.Time) - clock(f.Was); d > bound || -d > bound {
					t.Errorf("request %s: %s from %s to %s, past the bound of %s", u.RequestID, f.Code, f.Was, f.Time, bound)
				}
			}
		}
		ru := u
		ru.Localize("ru")
		if !strings.HasPrefix(ru.Summary, "«"+u.ClinicName+"», ") || strings.Contains(ru.Summary, u.RequestID) {
			t.Errorf("Russian summary %q", ru.Summary)
		}
		if ru.Relaxation == "" {
			t.Errorf("request %s: no suggestion and no word that none is small: %q", u.RequestID, ru.Summary)
		}
	}
}
