package store_test

import (
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// newClock returns the clock of a store test: a Monday morning until the
// test moves it.
func newClock() *testkit.Clock { return testkit.NewClock(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)) }

// newStore returns a store with its indexes on a fresh database, and its clock.
func newStore(t *testing.T) (*store.Store, *testkit.Clock) {
	t.Helper()
	clock := newClock()
	return storetest.Store(t, clock.Now), clock
}

func place(addr string) models.Place {
	return models.Place{Address: addr, Lat: 55.75, Lon: 37.62}
}

func window(from, to string) models.Window {
	s, err := models.ParseTimeOfDay(from)
	if err != nil {
		panic(err)
	}
	e, err := models.ParseTimeOfDay(to)
	if err != nil {
		panic(err)
	}
	return models.Window{Start: s, End: e}
}

func newTrainer(name, email string, skills ...string) *models.Trainer {
	return &models.Trainer{
		Name:           name,
		Email:          email,
		Phone:          "+7 495 000-00-00",
		Skills:         skills,
		StartPlace:     place("Home"),
		EndPlace:       place("Home"),
		MaxVisitsDay:   4,
		MaxWorkMinutes: 480,
		TravelMode:     models.TravelTransit,
		Lang:           "ru",
		Availability: models.Availability{
			Weekly: models.Week{
				Mon: []models.Window{window("09:00", "13:00"), window("14:00", "18:00")},
				Wed: []models.Window{window("10:00", "16:00")},
			},
			Overrides: []models.DateOverride{{Date: "2025-03-05", Off: true, Note: "sick"}},
			Lunch:     &models.Lunch{Earliest: 12 * 60, Latest: 14 * 60, Minutes: 30},
		},
	}
}

func newClinic(name, district string) *models.Clinic {
	return &models.Clinic{
		Name:          name,
		Place:         place("Tverskaya 1"),
		District:      district,
		ContactEmails: []string{"head@clinic.example"},
		Hours:         models.Week{Mon: []models.Window{window("08:00", "20:00")}},
		Lang:          "ru",
	}
}

func newRequest(clinicID string, kind models.Kind, prio models.Priority, earliest, due models.Date) *models.Request {
	r := &models.Request{
		ClinicID:        clinicID,
		Kind:            kind,
		Topic:           "difficult callers",
		Skills:          []string{"conflict"},
		DurationMinutes: models.DefaultDuration(kind),
		EarliestDate:    earliest,
		DueDate:         due,
		Priority:        prio,
		Status:          models.StatusNew,
	}
	if kind == models.KindMicroTraining {
		r.Participants = 4
	}
	return r
}
