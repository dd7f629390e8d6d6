package planning_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/planning"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
	"github.com/fieldvisit/fieldvisit/travel"
)

// tickingClock is a clock that moves on by step each time it is read, so
// that how long a run "takes" counts its looks at the clock and does not
// depend on the machine.
type tickingClock struct {
	mu   sync.Mutex
	at   time.Time
	step time.Duration
}

func (c *tickingClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(c.step)
	return c.at
}

// TestPlanWeekKeepsItsTimeLimit: a repair whose booked visit no longer
// fits solves twice; the run as a whole, loading to saving, stays within
// its time limit on the planner's clock, every round's search gets less
// than what remained, and the phases are recorded in order.
func TestPlanWeekKeepsItsTimeLimit(t *testing.T) {
	ctx := context.Background()
	s := store.New(storetest.Database(t), nil)
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := seedWeek(t, s)
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	// Request 0 (skill conflict) is booked with trainer 0 on Monday at
	// 06:00, three hours before the trainer's shift starts.
	trainers, err := s.Trainers(ctx, models.TrainerFilter{}, models.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var trainer string
	for _, tr := range trainers {
		if tr.Name == "Trainer 0" {
			trainer = tr.ID
		}
	}
	r := reqs[0]
	start := models.Date("2026-12-07").At(mustTOD("06:00"), moscow)
	v := &models.Visit{ID: r.ID, RequestID: r.ID, ClinicID: r.ClinicID, TrainerID: trainer, Week: "2026-12-07",
		Date: "2026-12-07", Start: start, End: start.Add(90 * time.Minute), Status: models.VisitScheduled}
	if err := s.CreateVisit(ctx, v); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetRequestStatus(ctx, r.ID, r.Version, models.StatusPlanned); err != nil {
		t.Fatal(err)
	}

	const limit = 3 * time.Second
	clock := &tickingClock{at: time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC), step: time.Millisecond}
	p, err := planning.NewPlanner(planning.Config{Store: s, Travel: travel.DefaultModel(), Location: moscow, Seed: 3,
		TimeLimit: limit, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	began := clock.now()
	plan, err := p.PlanWeek(ctx, "2026-12-07", "test")
	if err != nil {
		t.Fatal(err)
	}
	took := clock.now().Sub(began)

	if !strings.Contains(strings.Join(plan.Warnings, "\n"), "no longer fits") {
		t.Fatalf("the booked visit was not released; warnings %q", plan.Warnings)
	}
	var names []string
	var total time.Duration
	for _, ph := range plan.Phases {
		name := ph.Name
		if ph.Round > 0 {
			name += string(rune('0' + ph.Round))
		}
		names = append(names, name)
		total += ph.Took
		if ph.Took < 0 {
			t.Errorf("phase %s took %s", name, ph.Took)
		}
		if ph.Name != "solve" {
			continue
		}
		if ph.Limit <= 0 || ph.Limit >= ph.Left || ph.Left > limit {
			t.Errorf("round %d searched for %s with %s of %s left", ph.Round, ph.Limit, ph.Left, limit)
		}
	}
	if got, want := strings.Join(names, " "), "load build solve1 explain1 solve2 explain2 decode save"; got != want {
		t.Errorf("phases %q, want %q", got, want)
	}
	// The phases cover the run, and the run ends within its limit; the
	// margin is a few looks at the clock after the last deadline check.
	if total > took || took > limit+50*time.Millisecond {
		t.Errorf("the phases took %s, the run %s on the planner's clock; limit %s", total, took, limit)
	}
	if plan.KPIs.SolveMillis <= 0 {
		t.Errorf("solve millis %d", plan.KPIs.SolveMillis)
	}
	for _, u := range plan.Unassigned {
		if u.Reason == "" {
			t.Errorf("request %s unassigned without a reason", u.RequestID)
		}
	}
}
