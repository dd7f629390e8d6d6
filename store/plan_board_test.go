package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

func TestLatestAndPublishedPlan(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	const week = models.Date("2026-12-07")
	version := func(p *models.Plan) int {
		if p == nil {
			return 0
		}
		return p.Version
	}
	check := func(wantLatest, wantPublished int) {
		t.Helper()
		latest, published, err := s.LatestAndPublishedPlan(ctx, week)
		if err != nil {
			t.Fatal(err)
		}
		if version(latest) != wantLatest || version(published) != wantPublished {
			t.Fatalf("latest %d, published %d; want %d and %d", version(latest), version(published), wantLatest, wantPublished)
		}
		if latest != nil && len(latest.Routes) != 1 || published != nil && len(published.Routes) != 1 {
			t.Fatal("the plans come without their routes")
		}
	}
	check(0, 0)
	for range 3 {
		if err := s.CreatePlan(ctx, newPlan(week)); err != nil {
			t.Fatal(err)
		}
	}
	// Another week's plans are not this week's.
	if err := s.CreatePlan(ctx, newPlan("2026-12-14")); err != nil {
		t.Fatal(err)
	}
	check(3, 0)
	p2, err := s.Plan(ctx, week, 2)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	if _, err := s.SetPlanStatus(ctx, p2.ID, p2.Rev, models.PlanPublished, &at); err != nil {
		t.Fatal(err)
	}
	check(3, 2)
	p3, err := s.Plan(ctx, week, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetPlanStatus(ctx, p3.ID, p3.Rev, models.PlanPublished, &at); err != nil {
		t.Fatal(err)
	}
	check(3, 3)
}
