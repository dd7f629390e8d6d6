package handlers

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/templates"
)

// Fixtures of absences and change requests, stored directly.

// bookedWeek is the week the booked fixtures' visits fall in: one with no
// plan, so deciding on them runs no planner unless a test plans it.
const bookedWeek models.Date = "2025-04-07"

// bookedRequest stores a request of the clinic with a scheduled published
// visit on the Monday of bookedWeek, 10:00–12:00, with trainer A.
func (e *env) bookedRequest(clinicID string) *models.Request {
	e.t.Helper()
	r := e.createRequest(clinicID)
	start := time.Date(2025, 4, 7, 10, 0, 0, 0, time.UTC)
	v := &models.Visit{ID: r.ID, RequestID: r.ID, ClinicID: clinicID, TrainerID: e.trainerA.ID, Week: bookedWeek,
		Date: bookedWeek, Start: start, End: start.Add(2 * time.Hour), Kind: r.Kind, Topic: r.Topic,
		Status: models.VisitScheduled, PlanVersion: 1, UID: "visit-" + r.ID + "@fieldvisit"}
	if err := e.st.CreateVisit(context.Background(), v); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// pendingChange stores a booked request of the clinic and a pending change
// request of it.
func (e *env) pendingChange(clinicID string) (*models.Request, *models.ChangeRequest) {
	e.t.Helper()
	r := e.bookedRequest(clinicID)
	cr := &models.ChangeRequest{RequestID: r.ID, ClinicID: clinicID, Status: models.ChangePending,
		PreferredWindows: models.Week{Mon: []models.Window{window("14:00", "17:00")}}, Comment: "afternoons suit us better"}
	if err := e.st.CreateChangeRequest(context.Background(), cr); err != nil {
		e.t.Fatal(err)
	}
	return r, cr
}

// absenceOf stores an absence of the trainer on a day of its own, far
// ahead, and returns its id.
func (e *env) absenceOf(trainerID string) string {
	e.t.Helper()
	day := models.Date("2025-09-01").AddDays(int(e.unique()))
	a := &models.Absence{TrainerID: trainerID, From: day, To: day, Reason: "leave"}
	if err := e.st.CreateAbsence(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
	return a.ID
}

func changeBody() map[string]any {
	return map[string]any{
		"preferred_windows": map[string]any{"mon": []any{map[string]any{"start": "14:00", "end": "17:00"}}},
		"comment":           "afternoons suit us better",
	}
}

// coordinatorsAddress is the coordinators' address of withMail.
const coordinatorsAddress = "planning@fv.example"

// withMail wires the composer of requests', change requests' and absences'
// mails, with the coordinators' address as Reply-To and recipient.
func withMail(t *testing.T) envOption {
	return func(cfg *Config) {
		comp, err := notify.NewComposer(templates.Mail, time.UTC, notify.ComposerConfig{BaseURL: "https://fv.example", ReplyTo: coordinatorsAddress})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Mail, cfg.CoordinatorEmail = comp, coordinatorsAddress
	}
}

// outboxMail loads the queued message with the id, failing when there is
// none.
func (e *env) outboxMail(id string) *models.OutboxMessage {
	e.t.Helper()
	m, err := e.st.OutboxMessage(context.Background(), id)
	if err != nil {
		e.t.Fatalf("outbox message %s: %v", id, err)
	}
	return m
}

// publishTestWeek plans and publishes testWeek and answers its visits.
func (e *env) publishTestWeek() []models.Visit {
	e.t.Helper()
	e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/plans/" + string(testWeek) + "/run"}).want(e.t, http.StatusCreated)
	e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/plans/" + string(testWeek) + "/1/publish"}).want(e.t, http.StatusOK)
	visits, err := e.st.Visits(context.Background(), models.VisitFilter{Week: testWeek})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(visits) == 0 {
		e.t.Fatal("publishing the test week booked no visit")
	}
	return visits
}
