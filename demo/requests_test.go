package demo

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// cityAt builds the demo's trainers, clinics and requests for today without
// a database, numbering the ids the way a store would assign them.
func cityAt(today models.Date) []*models.Request {
	n := 0
	nextID := func() string { n++; return fmt.Sprintf("%024x", n) }
	var trainers []*models.Trainer
	for _, row := range trainerRows {
		t := row.trainer(today)
		t.ID = nextID()
		trainers = append(trainers, t)
	}
	var clinics []*models.Clinic
	for i, row := range clinicRows {
		c := row.clinic(i, trainers)
		c.ID = nextID()
		clinics = append(clinics, c)
	}
	return requests(newRand(), today, trainers, clinics)
}

func TestRequestsAreDeterministic(t *testing.T) {
	today := models.Date("2025-06-11")
	a, b := cityAt(today), cityAt(today)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same day gave two different sets of demo requests")
	}
	// And the date matters: a week later the requests move with it.
	later := cityAt(today.AddDays(7))
	if reflect.DeepEqual(a[0].EarliestDate, later[0].EarliestDate) {
		t.Errorf("requests did not move with today: both start %s", a[0].EarliestDate)
	}
}

func TestNextWeekday(t *testing.T) {
	for _, tc := range []struct {
		from models.Date
		wd   time.Weekday
		want models.Date
	}{
		{"2025-06-11", time.Wednesday, "2025-06-11"}, // already that day
		{"2025-06-11", time.Friday, "2025-06-13"},
		{"2025-06-14", time.Monday, "2025-06-16"}, // across a weekend
	} {
		if got := nextWeekday(tc.from, tc.wd); got != tc.want {
			t.Errorf("nextWeekday(%s, %s) = %s, want %s", tc.from, tc.wd, got, tc.want)
		}
	}
	if got := weekdayOnOrAfter("2025-06-15"); got != "2025-06-16" {
		t.Errorf("weekdayOnOrAfter(Sunday) = %s, want the Monday", got)
	}
}
