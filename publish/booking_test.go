package publish

import (
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
)

func TestBookingDescribesTheVisit(t *testing.T) {
	start := time.Date(2026, 12, 8, 7, 0, 0, 0, time.UTC)
	v := &models.Visit{
		ID: "r1", RequestID: "r1", ClinicID: "c1", TrainerID: "t1",
		Start: start, End: start.Add(time.Hour), Kind: models.KindMicroTraining, Topic: "desk",
		Participants: 3, Sequence: 2, UID: "visit-r1@legacy.example",
	}
	req := &models.Request{ID: "r1", Comment: "ring twice"}
	c := &models.Clinic{ID: "c1", Name: "Clinic 1", ContactEmails: []string{"a@c1.example"}, Lang: "en"}
	c.Place.Address = "1 Main St"
	tr := &models.Trainer{ID: "t1", Name: "Ann", Email: "ann@example.org", Lang: "ru"}

	b, warning := Booking(v, req, c, tr)
	if warning != "" {
		t.Errorf("warning %q with everything present", warning)
	}
	want := notify.Booking{
		VisitID: "visit-r1", UID: "visit-r1@legacy.example", Sequence: 2,
		Clinic:  notify.Clinic{ID: "c1", Name: "Clinic 1", Address: "1 Main St", Emails: []string{"a@c1.example"}, Lang: "en"},
		Trainer: notify.Trainer{ID: "t1", Name: "Ann", Email: "ann@example.org", Lang: "ru"},
		Kind:    notify.KindMicroTraining, Topic: "desk", Start: v.Start, End: v.End,
		TrainingStart: v.Start, TrainingEnd: v.End, Participants: 3, Comment: "ring twice",
	}
	if b.VisitID != want.VisitID || b.UID != want.UID || b.Sequence != want.Sequence || b.Comment != want.Comment ||
		b.Clinic.Name != want.Clinic.Name || b.Clinic.Address != want.Clinic.Address || len(b.Clinic.Emails) != 1 ||
		b.Trainer != want.Trainer || b.Kind != want.Kind || !b.TrainingStart.Equal(want.TrainingStart) || b.Participants != 3 {
		t.Errorf("Booking = %+v\nwant      %+v", b, want)
	}

	// A visit stored without a UID gets the one publishing would give it.
	v.UID = ""
	if b, _ := Booking(v, nil, c, tr); b.UID != models.VisitUID("r1") || b.Comment != "" {
		t.Errorf("without stored UID or request: UID %q comment %q", b.UID, b.Comment)
	}

	b, warning = Booking(v, req, nil, tr)
	if !strings.Contains(warning, "clinic c1 no longer exists") || b.Clinic.ID != "c1" || b.Clinic.Name != "" || b.Trainer.Name != "Ann" {
		t.Errorf("missing clinic: warning %q, booking %+v", warning, b)
	}
	_, warning = Booking(v, req, nil, nil)
	if !strings.Contains(warning, "clinic c1 and trainer t1 no longer exist") {
		t.Errorf("missing clinic and trainer: warning %q", warning)
	}
}
