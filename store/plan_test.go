package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
)

func newPlan(week models.Date) *models.Plan {
	return &models.Plan{
		Week:    week,
		Trigger: "test",
		Routes: []models.PlanRoute{{
			TrainerID: "t1",
			Date:      week,
			Stops:     []models.PlanStop{{RequestID: "r1", ClinicID: "c1", Kind: models.KindOnsiteSupport}},
		}},
		Unassigned: []models.Unassigned{{RequestID: "r2", Reason: "no_skill"}},
		KPIs:       models.PlanKPIs{Requests: 2, Scheduled: 1},
	}
}

func TestPlanVersionsAndStatus(t *testing.T) {
	ctx := context.Background()
	s, clock := newStore(t)
	const week = models.Date("2026-12-07")

	if _, err := s.LatestPlan(ctx, week); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("latest plan of an empty week: err = %v, want ErrNotFound", err)
	}
	for want := 1; want <= 3; want++ {
		p := newPlan(week)
		if err := s.CreatePlan(ctx, p); err != nil {
			t.Fatal(err)
		}
		if p.Version != want || p.ID != models.PlanID(week, want) || p.Rev != 1 || p.Status != models.PlanDraft || !p.CreatedAt.Equal(clock.Now()) {
			t.Fatalf("plan %d = %+v", want, p)
		}
	}
	if err := s.CreatePlan(ctx, newPlan("2026-12-14")); err != nil {
		t.Fatal(err)
	}

	latest, err := s.LatestPlan(ctx, week)
	if err != nil || latest.Version != 3 || len(latest.Routes) != 1 || len(latest.Unassigned) != 1 {
		t.Fatalf("latest = %+v, %v", latest, err)
	}
	if _, err := s.PublishedPlan(ctx, week); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("published plan before publishing: err = %v, want ErrNotFound", err)
	}

	at := clock.Now()
	pub, err := s.SetPlanStatus(ctx, models.PlanID(week, 2), 1, models.PlanPublished, &at)
	if err != nil {
		t.Fatal(err)
	}
	if pub.Status != models.PlanPublished || pub.Rev != 2 || pub.PublishedAt == nil || !pub.PublishedAt.Equal(at) {
		t.Fatalf("published = %+v", pub)
	}
	if _, err := s.SetPlanStatus(ctx, models.PlanID(week, 2), 1, models.PlanSuperseded, nil); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("stale rev: err = %v, want ErrConflict", err)
	}
	if _, err := s.SetPlanStatus(ctx, models.PlanID(week, 9), 1, models.PlanPublished, nil); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("missing plan: err = %v, want ErrNotFound", err)
	}
	got, err := s.PublishedPlan(ctx, week)
	if err != nil || got.Version != 2 {
		t.Fatalf("published plan = %+v, %v", got, err)
	}
	one, err := s.Plan(ctx, week, 1)
	if err != nil || one.Version != 1 {
		t.Fatalf("plan 1 = %+v, %v", one, err)
	}
	if _, err := s.Plan(ctx, week, 7); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("plan 7: err = %v, want ErrNotFound", err)
	}

	list, err := s.Plans(ctx, week)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Version != 3 || list[2].Version != 1 || list[0].Routes != nil || list[0].KPIs.Scheduled != 1 {
		t.Fatalf("plans = %+v", list)
	}
}

// TestCreatePlanConcurrentRuns saves plans of one week from two clients at
// once: every plan gets its own number and none is lost.
func TestCreatePlanConcurrentRuns(t *testing.T) {
	ctx := context.Background()
	a, b, _ := newStorePair(t)
	const week = models.Date("2026-12-07")
	const each = 5
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for _, s := range []*store.Store{a, b} {
		wg.Go(func() {
			for range each {
				errs <- s.CreatePlan(ctx, newPlan(week))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	list, err := a.Plans(ctx, week)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2*each {
		t.Fatalf("%d plans saved, want %d", len(list), 2*each)
	}
	for i, p := range list {
		if p.Version != 2*each-i {
			t.Fatalf("versions are not 1..%d without gaps: %d at position %d", 2*each, p.Version, i)
		}
	}
}

func TestVisits(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	loc := time.UTC
	mk := func(id, trainer, clinic string, week models.Date, day int, status models.VisitStatus) *models.Visit {
		start := week.AddDays(day).At(10*60, loc)
		return &models.Visit{ID: id, RequestID: id, TrainerID: trainer, ClinicID: clinic, Week: week,
			Date: week.AddDays(day), Start: start, End: start.Add(time.Hour), Status: status, UID: id + "@test"}
	}
	for _, v := range []*models.Visit{
		mk("v1", "t1", "c1", "2026-12-07", 1, models.VisitScheduled),
		mk("v2", "t2", "c1", "2026-12-07", 0, models.VisitScheduled),
		mk("v3", "t1", "c2", "2026-12-07", 2, models.VisitCancelled),
		mk("v4", "t1", "c1", "2026-12-14", 0, models.VisitScheduled),
	} {
		if err := s.CreateVisit(ctx, v); err != nil {
			t.Fatal(err)
		}
		if v.Version != 1 {
			t.Fatalf("created visit version %d", v.Version)
		}
	}
	if err := s.CreateVisit(ctx, mk("v1", "t1", "c1", "2026-12-07", 1, models.VisitScheduled)); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("duplicate visit: err = %v, want ErrConflict", err)
	}

	tue := models.Date("2026-12-08")
	tests := []struct {
		name   string
		filter models.VisitFilter
		want   []string
	}{
		{"all", models.VisitFilter{}, []string{"v2", "v1", "v3", "v4"}},
		{"week", models.VisitFilter{Week: "2026-12-07"}, []string{"v2", "v1", "v3"}},
		{"trainer", models.VisitFilter{TrainerID: "t1"}, []string{"v1", "v3", "v4"}},
		{"clinic and status", models.VisitFilter{ClinicID: "c1", Statuses: []models.VisitStatus{models.VisitScheduled}}, []string{"v2", "v1", "v4"}},
		{"one day", models.VisitFilter{From: tue.Time(loc), To: tue.AddDays(1).Time(loc)}, []string{"v1"}},
		{"from", models.VisitFilter{From: tue.Time(loc)}, []string{"v1", "v3", "v4"}},
		{"cancelled", models.VisitFilter{Statuses: []models.VisitStatus{models.VisitCancelled}}, []string{"v3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := s.Visits(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range list {
				got = append(got, v.ID)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}

	v, err := s.Visit(ctx, "v1")
	if err != nil {
		t.Fatal(err)
	}
	stale := *v
	v.Sequence, v.Start = 1, v.Start.Add(time.Hour)
	if err := s.UpdateVisit(ctx, v); err != nil {
		t.Fatal(err)
	}
	if v.Version != 2 {
		t.Fatalf("version after update = %d, want 2", v.Version)
	}
	if err := s.UpdateVisit(ctx, &stale); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("stale update: err = %v, want ErrConflict", err)
	}
	got, err := s.Visit(ctx, "v1")
	if err != nil || got.Sequence != 1 || !got.Start.Equal(v.Start) {
		t.Fatalf("stored visit = %+v, %v", got, err)
	}
	if _, err := s.Visit(ctx, "nope"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("missing visit: err = %v, want ErrNotFound", err)
	}
}

// TestArchivePlans: plans older than the cut that are neither published
// nor their week's latest version leave the plans collection; the rest
// stays, and version numbers go on from the latest.
func TestArchivePlans(t *testing.T) {
	ctx := context.Background()
	s, clock := newStore(t)
	const weekA, weekB = models.Date("2026-12-07"), models.Date("2026-12-14")
	for range 4 {
		if err := s.CreatePlan(ctx, newPlan(weekA)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreatePlan(ctx, newPlan(weekB)); err != nil {
		t.Fatal(err)
	}
	at := clock.Now()
	if _, err := s.SetPlanStatus(ctx, models.PlanID(weekA, 1), 1, models.PlanSuperseded, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetPlanStatus(ctx, models.PlanID(weekA, 2), 1, models.PlanPublished, &at); err != nil {
		t.Fatal(err)
	}
	clock.Advance(15 * 24 * time.Hour)
	if err := s.CreatePlan(ctx, newPlan(weekA)); err != nil { // version 5, recent
		t.Fatal(err)
	}

	for i, want := range []int{3, 0} {
		n, err := s.ArchivePlans(ctx, clock.Now().Add(-14*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("call %d archived %d plans, want %d", i+1, n, want)
		}
	}
	versions := func(week models.Date) []int {
		list, err := s.Plans(ctx, week)
		if err != nil {
			t.Fatal(err)
		}
		var v []int
		for _, p := range list {
			v = append(v, p.Version)
		}
		return v
	}
	if got := versions(weekA); !slices.Equal(got, []int{5, 2}) {
		t.Errorf("versions of week A left = %v, want [5 2] (latest and published)", got)
	}
	if got := versions(weekB); !slices.Equal(got, []int{1}) {
		t.Errorf("versions of week B left = %v, want [1] (its latest)", got)
	}
	if _, err := s.Plan(ctx, weekA, 3); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("archived plan 3 still loads: %v", err)
	}
	next := newPlan(weekA)
	if err := s.CreatePlan(ctx, next); err != nil || next.Version != 6 {
		t.Fatalf("next plan of week A = version %d, %v; want 6", next.Version, err)
	}
}
