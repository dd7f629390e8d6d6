package planning_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/planning"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
	"github.com/fieldvisit/fieldvisit/travel"
)

// BenchmarkPlanWeekPhases plans a stored week of 1,000 and 5,000 open
// requests (60 trainers per 1,000, a clinic per two requests, spread over
// Moscow) with a 30 s time limit, the way a planning job does, and reports
// the whole run and each phase. Run it once per size:
//
//	go test -run '^$' -bench PlanWeekPhases -benchtime 1x -timeout 30m ./planning/
func BenchmarkPlanWeekPhases(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ctx := context.Background()
			s := store.New(storetest.Database(b), nil)
			if err := s.EnsureIndexes(ctx); err != nil {
				b.Fatal(err)
			}
			seeded := time.Now()
			seedCity(b, s, n)
			b.Logf("%d requests stored in %s", n, time.Since(seeded).Round(time.Millisecond))
			moscow, err := time.LoadLocation("Europe/Moscow")
			if err != nil {
				b.Fatal(err)
			}
			p, err := planning.NewPlanner(planning.Config{Store: s, Travel: travel.DefaultModel(), Location: moscow,
				Seed: 1, TimeLimit: 30 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				began := time.Now()
				plan, err := p.PlanWeek(ctx, "2026-12-07", "bench")
				if err != nil {
					b.Fatal(err)
				}
				took := time.Since(began)
				b.ReportMetric(took.Seconds(), "run-s")
				for _, ph := range plan.Phases {
					name := ph.Name
					if ph.Round > 0 {
						name = fmt.Sprintf("%s%d", ph.Name, ph.Round)
					}
					b.ReportMetric(ph.Took.Seconds(), name+"-s")
					if ph.Limit > 0 {
						b.Logf("round %d: search limit %s of %s left", ph.Round, ph.Limit.Round(time.Millisecond), ph.Left.Round(time.Millisecond))
					}
				}
				b.Logf("run %s against 30s: %d of %d scheduled, %d unassigned", took.Round(time.Millisecond),
					plan.KPIs.Scheduled, plan.KPIs.Requests, len(plan.Unassigned))
			}
		})
	}
}

// seedCity stores n open requests for the week of 2026-12-07 with
// trainers and clinics to match.
func seedCity(b *testing.B, s *store.Store, n int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	skills := []string{"conflict", "registry", "lab", "emias"}
	day := []models.Window{w("08:00", "20:00")}
	week := models.Week{Mon: day, Tue: day, Wed: day, Thu: day, Fri: day}
	shift := []models.Window{w("09:00", "18:00")}
	place := func(what string, i int) models.Place {
		return models.Place{Address: fmt.Sprintf("%s %d", what, i), Lat: 55.60 + 0.30*rng.Float64(), Lon: 37.40 + 0.45*rng.Float64()}
	}
	for i := range max(3, 60*n/1000) {
		tr := models.Trainer{
			Name: fmt.Sprintf("Trainer %d", i), Email: fmt.Sprintf("trainer%d@example.org", i),
			Skills:     []string{skills[i%4], skills[(i+1)%4]},
			StartPlace: place("Home", i), EndPlace: place("Home", i),
			MaxVisitsDay: 5, MaxWorkMinutes: 540, TravelMode: models.TravelTransit, Lang: "ru",
			Availability: models.Availability{
				Weekly: models.Week{Mon: shift, Tue: shift, Wed: shift, Thu: shift, Fri: shift},
				Lunch:  &models.Lunch{Earliest: mustTOD("12:00"), Latest: mustTOD("14:00"), Minutes: 45},
			},
		}
		if err := s.CreateTrainer(ctx, &tr); err != nil {
			b.Fatal(err)
		}
	}
	clinics := make([]string, max(1, n/2))
	for i := range clinics {
		c := models.Clinic{Name: fmt.Sprintf("Polyclinic %d", i), Place: place("Street", i),
			ContactEmails: []string{fmt.Sprintf("head%d@clinic.example", i)}, Hours: week, Lang: "ru"}
		if err := s.CreateClinic(ctx, &c); err != nil {
			b.Fatal(err)
		}
		clinics[i] = c.ID
	}
	prios := []models.Priority{models.PriorityUrgent, models.PriorityHigh, models.PriorityNormal, models.PriorityLow}
	for i := range n {
		first := rng.IntN(5)
		r := models.Request{
			ClinicID: clinics[rng.IntN(len(clinics))], Kind: models.KindOnsiteSupport, Topic: "desk",
			Skills: []string{skills[rng.IntN(4)]}, DurationMinutes: 45 + 15*rng.IntN(6),
			EarliestDate: models.Date("2026-12-07").AddDays(first), DueDate: models.Date("2026-12-07").AddDays(first + rng.IntN(5-first)),
			Priority: prios[i%4], Status: models.StatusNew,
		}
		if err := s.CreateRequest(ctx, &r); err != nil {
			b.Fatal(err)
		}
	}
}
