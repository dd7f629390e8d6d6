package e2e

import (
	"context"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
)

func tod(s string) models.TimeOfDay {
	t, err := models.ParseTimeOfDay(s)
	if err != nil {
		panic(err)
	}
	return t
}

func ws(pairs ...string) []models.Window {
	var out []models.Window
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, models.Window{Start: tod(pairs[i]), End: tod(pairs[i+1])})
	}
	return out
}

// seedWeek stores a small city for the week of 2026-12-07: three trainers
// (Russian and English speakers, different days and skills), four clinics
// (one with two contacts, one English-speaking) and eight requests that
// all fit, among them a micro-training only one trainer can give.
func seedWeek(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	lunch := &models.Lunch{Earliest: tod("12:00"), Latest: tod("14:00"), Minutes: 30}
	trainers := []models.Trainer{
		{Name: "Анна Соколова", Email: "anna@trainers.test", Skills: []string{"support"}, Lang: "ru", TravelMode: models.TravelCar,
			Availability: models.Availability{Weekly: models.Week{Mon: ws("09:00", "17:00"), Tue: ws("09:00", "17:00"), Wed: ws("09:00", "17:00")}, Lunch: lunch}},
		{Name: "Boris Miller", Email: "boris@trainers.test", Skills: []string{"support", "training"}, Lang: "en", TravelMode: models.TravelTransit,
			Availability: models.Availability{Weekly: models.Week{Mon: ws("10:00", "18:00"), Wed: ws("10:00", "18:00"), Fri: ws("10:00", "18:00")}, Lunch: lunch}},
		{Name: "Вера Орлова", Email: "vera@trainers.test", Skills: []string{"support"}, Lang: "ru", TravelMode: models.TravelTransit,
			Availability: models.Availability{Weekly: models.Week{Thu: ws("09:00", "15:00"), Fri: ws("09:00", "15:00")}}},
	}
	for i := range trainers {
		tr := &trainers[i]
		tr.StartPlace = models.Place{Address: "Учебный центр, Тверская 13", Lat: 55.7614, Lon: 37.6094}
		tr.EndPlace = tr.StartPlace
		tr.MaxVisitsDay, tr.MaxWorkMinutes = 3, 480
		if err := st.CreateTrainer(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	weekdays := models.Week{Mon: ws("08:00", "20:00"), Tue: ws("08:00", "20:00"), Wed: ws("08:00", "20:00"), Thu: ws("08:00", "20:00"), Fri: ws("08:00", "20:00")}
	clinics := []models.Clinic{
		{Name: "Городская поликлиника № 2", Place: models.Place{Address: "ул. Фортунатовская, 31А", Lat: 55.7850, Lon: 37.7270},
			ContactEmails: []string{"head@gp2.test", "desk@gp2.test"}, Lang: "ru"},
		{Name: "City Polyclinic 5", Place: models.Place{Address: "Kutuzovsky Prospekt 18", Lat: 55.7490, Lon: 37.5560},
			ContactEmails: []string{"head@gp5.test"}, Lang: "en"},
		{Name: "Городская поликлиника № 12", Place: models.Place{Address: "ул. Бутырская, 4", Lat: 55.7950, Lon: 37.5850},
			ContactEmails: []string{"head@gp12.test"}, Lang: "ru"},
		{Name: "Городская поликлиника № 22", Place: models.Place{Address: "ул. Марксистская, 24", Lat: 55.7390, Lon: 37.6650},
			ContactEmails: []string{"head@gp22.test"}, Lang: "ru"},
	}
	for i := range clinics {
		clinics[i].Hours = weekdays
		if err := st.CreateClinic(ctx, &clinics[i]); err != nil {
			t.Fatal(err)
		}
	}
	type row struct {
		clinic   int
		kind     models.Kind
		prio     models.Priority
		skill    string
		minutes  int
		earliest models.Date
		due      models.Date
	}
	rows := []row{
		{0, models.KindOnsiteSupport, models.PriorityUrgent, "support", 120, "2026-12-07", "2026-12-08"},
		{0, models.KindFollowUp, models.PriorityNormal, "support", 60, "2026-12-07", "2026-12-11"},
		{1, models.KindMicroTraining, models.PriorityHigh, "training", 45, "2026-12-07", "2026-12-11"},
		{1, models.KindDifficultCase, models.PriorityHigh, "support", 90, "2026-12-08", "2026-12-11"},
		{2, models.KindOnsiteSupport, models.PriorityNormal, "support", 120, "2026-12-09", "2026-12-11"},
		{2, models.KindMicroTraining, models.PriorityLow, "training", 60, "2026-12-07", "2026-12-11"},
		{3, models.KindFollowUp, models.PriorityNormal, "support", 60, "2026-12-10", "2026-12-11"},
		{3, models.KindDifficultCase, models.PriorityUrgent, "support", 90, "2026-12-07", "2026-12-09"},
	}
	for _, r := range rows {
		req := &models.Request{ClinicID: clinics[r.clinic].ID, Kind: r.kind, Topic: "Очередь у регистратуры", Skills: []string{r.skill},
			DurationMinutes: r.minutes, EarliestDate: r.earliest, DueDate: r.due, Priority: r.prio, Status: models.StatusNew}
		if r.kind == models.KindMicroTraining {
			req.Participants = 4
		}
		if err := st.CreateRequest(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
}
