package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// bookedVisit stores a confirmed request of clinic with a scheduled visit
// by trainer starting at start, as a publication leaves them.
func (e *env) bookedVisit(trainer *models.Trainer, clinic *models.Clinic, start time.Time) *models.Visit {
	e.t.Helper()
	ctx := context.Background()
	r := e.createRequest(clinic.ID)
	for _, to := range []models.Status{models.StatusPlanned, models.StatusConfirmed} {
		next, err := e.st.SetRequestStatus(ctx, r.ID, r.Version, to)
		if err != nil {
			e.t.Fatal(err)
		}
		r = next
	}
	day := models.DateOf(start, time.UTC)
	v := &models.Visit{ID: r.ID, RequestID: r.ID, ClinicID: clinic.ID, TrainerID: trainer.ID, Week: day.Monday(), Date: day,
		Start: start.UTC(), End: start.Add(2 * time.Hour).UTC(), Kind: r.Kind, Topic: r.Topic,
		Status: models.VisitScheduled, PlanVersion: 1, UID: "visit-" + r.ID + "@fieldvisit", RequestDigest: models.BookingDigest(r)}
	if err := e.st.CreateVisit(ctx, v); err != nil {
		e.t.Fatal(err)
	}
	return v
}

func TestGetVisitOnlyForThoseWhoMaySeeIt(t *testing.T) {
	e := newEnv(t)
	v := e.bookedVisit(e.trainerA, e.clinicA, e.clock.Now().Add(-time.Hour))
	path := "/api/v1/visits/" + v.ID
	for _, who := range []string{coord, trainerA, clinicA} {
		var got models.Visit
		e.do(req{as: who, method: http.MethodGet, path: path}).want(t, http.StatusOK).decode(t, &got)
		if got.ID != v.ID || got.TrainerID != e.trainerA.ID || got.Status != models.VisitScheduled {
			t.Errorf("%s sees %+v", who, got)
		}
	}
	missing := e.do(req{as: clinicB, method: http.MethodGet, path: "/api/v1/visits/0123456789abcdef01234567"}).want(t, http.StatusNotFound).problem(t)
	for _, who := range []string{trainerB, clinicB} {
		p := e.do(req{as: who, method: http.MethodGet, path: path}).want(t, http.StatusNotFound).problem(t)
		if p.Detail != missing.Detail {
			t.Errorf("%s is told %q, a missing visit %q", who, p.Detail, missing.Detail)
		}
	}
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/visits/nope"}).want(t, http.StatusBadRequest).problem(t)
}

func TestCompleteVisit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	later := e.bookedVisit(e.trainerA, e.clinicA, now.Add(30*time.Minute))
	done := e.bookedVisit(e.trainerA, e.clinicA, now.Add(-2*time.Hour))
	notDone := e.bookedVisit(e.trainerA, e.clinicA, now.Add(-time.Hour))
	complete := func(v *models.Visit) string { return "/api/v1/visits/" + v.ID + "/complete" }

	// Refusals write nothing.
	before := e.snapshotDocs()
	e.do(req{as: coord, method: http.MethodPost, path: complete(later), body: map[string]any{"outcome": "done"}}).want(t, http.StatusConflict).problem(t)
	e.do(req{as: trainerB, method: http.MethodPost, path: complete(done), body: map[string]any{"outcome": "done"}}).want(t, http.StatusNotFound).problem(t)
	e.do(req{as: clinicA, method: http.MethodPost, path: complete(done), body: map[string]any{"outcome": "done"}}).want(t, http.StatusForbidden).problem(t)
	e.do(req{as: trainerA, method: http.MethodPost, path: complete(done), body: map[string]any{"outcome": "maybe"}}).want(t, http.StatusUnprocessableEntity).problem(t)
	e.do(req{as: trainerA, method: http.MethodPost, path: complete(done), body: map[string]any{"outcome": "done", "extra": 1}}).want(t, http.StatusBadRequest).problem(t)
	e.do(req{as: trainerA, method: http.MethodPost, path: complete(done), body: map[string]any{"outcome": "done", "participants_trained": -1}}).want(t, http.StatusUnprocessableEntity).problem(t)
	e.do(req{as: trainerA, method: http.MethodPost, path: complete(notDone), body: map[string]any{"outcome": "not_done"}}).want(t, http.StatusUnprocessableEntity).problem(t)
	if d := before.diff(e.snapshotDocs()); d != "" {
		t.Errorf("refused completions wrote: %s", d)
	}

	// Done, by the assigned trainer: visit and request done, once.
	var got models.Visit
	e.do(req{as: trainerA, method: http.MethodPost, path: complete(done),
		body: map[string]any{"outcome": "done", "note": "went well", "participants_trained": 7}}).want(t, http.StatusOK).decode(t, &got)
	if got.Status != models.VisitDone || got.Outcome == nil || got.Outcome.Result != models.OutcomeDone ||
		got.Outcome.ParticipantsTrained != 7 || got.Outcome.By != e.users[trainerA].ID || !got.Outcome.At.Equal(now) {
		t.Errorf("completed visit %+v outcome %+v", got, got.Outcome)
	}
	if r, err := e.st.Request(ctx, done.RequestID); err != nil || r.Status != models.StatusDone {
		t.Errorf("request of the done visit: %+v, %v", r, err)
	}
	e.do(req{as: coord, method: http.MethodPost, path: complete(done), body: map[string]any{"outcome": "done"}}).want(t, http.StatusConflict).problem(t)

	// Not done, by a coordinator: the request is new again with the note.
	e.do(req{as: coord, method: http.MethodPost, path: complete(notDone),
		body: map[string]any{"outcome": "not_done", "note": "clinic closed for inspection"}}).want(t, http.StatusOK).decode(t, &got)
	if got.Status != models.VisitDone || got.Outcome.Result != models.OutcomeNotDone {
		t.Errorf("visit not done: %+v", got)
	}
	r, err := e.st.Request(ctx, notDone.RequestID)
	if err != nil || r.Status != models.StatusNew || !strings.Contains(r.Comment, "clinic closed for inspection") {
		t.Errorf("request of the visit not done: %+v, %v", r, err)
	}

	// From the start on: the later visit becomes completable when it starts.
	e.clock.Advance(30 * time.Minute)
	e.do(req{as: trainerA, method: http.MethodPost, path: complete(later), body: map[string]any{"outcome": "done"}}).want(t, http.StatusOK)
}
