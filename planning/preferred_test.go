package planning

import (
	"context"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/scheduler"
	"github.com/fieldvisit/fieldvisit/scheduler/checker"
)

// plan builds, solves (deterministically), checks and decodes in.
func plan(t *testing.T, in Input) *models.Plan {
	t.Helper()
	p, idx := build(t, in)
	sol, err := scheduler.Solve(context.Background(), p, scheduler.Options{Seed: 1, MaxIterations: 500})
	if err != nil {
		t.Fatalf("Solve: %v", err)
	}
	if _, err := checker.Check(p, sol); err != nil {
		t.Fatalf("checker: %v", err)
	}
	return Decode(p, idx, sol)
}

// planStop returns the plan's stop of request id, or nil.
func planStop(pl *models.Plan, id string) *models.PlanStop {
	for i := range pl.Routes {
		for j := range pl.Routes[i].Stops {
			if pl.Routes[i].Stops[j].RequestID == id {
				return &pl.Routes[i].Stops[j]
			}
		}
	}
	return nil
}

// TestPreferredWindowsAreSoft: a request whose preferred hours can be met
// is placed inside them; one whose preferred hours fall when the clinic is
// closed is still scheduled, inside the clinic's hours, and flagged.
func TestPreferredWindowsAreSoft(t *testing.T) {
	in := fixture(t)
	const met, unmet = "e00000000000000000000001", "e00000000000000000000002"
	a := fixtureRequest(met, clinicNorth, "2026-03-24", "2026-03-24")
	a.PreferredWindows = models.Week{Tue: []models.Window{win("10:00", "12:00")}}
	b := fixtureRequest(unmet, clinicSouth, "2026-03-24", "2026-03-24")
	b.PreferredWindows = models.Week{Tue: []models.Window{win("06:00", "07:30")}} // the clinic opens at 08:00
	in.Requests = []models.Request{a, b}
	pl := plan(t, in)

	sa, sb := planStop(pl, met), planStop(pl, unmet)
	if sa == nil || sb == nil {
		t.Fatalf("both requests must be scheduled; unassigned %+v", pl.Unassigned)
	}
	if start := sa.Start.In(in.Location).Format("15:04"); start < "10:00" || start > "11:00" || sa.OutsidePreferred {
		t.Errorf("met preference: starts %s (outside flag %t), want 10:00..11:00 inside", start, sa.OutsidePreferred)
	}
	if start := sb.Start.In(in.Location).Format("15:04"); start < "08:00" || !sb.OutsidePreferred {
		t.Errorf("unmet preference: starts %s (outside flag %t), want flagged and within the clinic's hours", start, sb.OutsidePreferred)
	}
	if pl.KPIs.OutsidePreferred != 1 {
		t.Errorf("KPIs.OutsidePreferred = %d, want 1", pl.KPIs.OutsidePreferred)
	}
}

// TestMovedCountsStartTime: re-planning a published visit where it was
// moves nothing; when its clinic no longer opens at its time, the visit
// keeps trainer and day but starts later, and that is a move. The second
// run optimises (a repair would pin the booking and leave the release of an
// infeasible pin to PlanWeek's rounds, tested there).
func TestMovedCountsStartTime(t *testing.T) {
	in := fixture(t)
	const id = "e00000000000000000000001"
	r := fixtureRequest(id, clinicNorth, "2026-03-24", "2026-03-24")
	r.Status = models.StatusPlanned
	in.Requests = []models.Request{r}
	in.Published = []models.Visit{publishedVisit(&in, id, trainerAnna, "2026-03-24", "11:00")}
	in.Trainers = in.Trainers[:1] // only Anna: the day and trainer cannot change

	pl := plan(t, in)
	s := planStop(pl, id)
	if s == nil || s.Start.In(in.Location).Format("15:04") != "11:00" || pl.KPIs.Moved != 0 {
		t.Fatalf("unchanged re-plan: stop %+v, moved %d; want kept at 11:00 and nothing moved", s, pl.KPIs.Moved)
	}

	in.Clinics[0].Hours.Tue = []models.Window{win("13:00", "20:00")}
	in.Optimise = true
	pl = plan(t, in)
	s = planStop(pl, id)
	if s == nil {
		t.Fatalf("not scheduled: %+v", pl.Unassigned)
	}
	if got := s.Start.In(in.Location); got.Format("15:04") < "13:00" || got.Weekday() != time.Tuesday || pl.KPIs.Moved != 1 {
		t.Errorf("start %s, moved %d; want Tuesday from 13:00 counted as 1 move", got, pl.KPIs.Moved)
	}
}
