package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// TestDeleteRefusedWhileReferenced deletes trainers and clinics that
// something still names: each is refused with 409 naming the reference and
// keeps the document, and the delete goes through once the reference is
// gone.
func TestDeleteRefusedWhileReferenced(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	api := "/api/v1"

	preferred := e.createTrainer()
	clinic, err := e.st.Clinic(ctx, e.clinicB.ID)
	if err != nil {
		t.Fatal(err)
	}
	clinic.PreferredTrainers = []string{preferred.ID}
	if err := e.st.UpdateClinic(ctx, clinic); err != nil {
		t.Fatal(err)
	}

	pinned := e.createTrainer()
	pinnedRequest := e.createRequest(e.clinicA.ID)
	pinnedRequest.Pin = &models.Pin{TrainerID: pinned.ID}
	if err := e.st.UpdateRequest(ctx, pinnedRequest); err != nil {
		t.Fatal(err)
	}

	visiting := e.createTrainer()
	visitedClinic := e.createClinic()
	start := time.Date(2025, 3, 11, 7, 0, 0, 0, time.UTC)
	visit := &models.Visit{ID: e.createRequest(e.clinicA.ID).ID, ClinicID: visitedClinic.ID, TrainerID: visiting.ID,
		Week: testWeek, Date: "2025-03-11", Start: start, End: start.Add(time.Hour), Kind: models.KindOnsiteSupport,
		Topic: "Queue", Status: models.VisitScheduled, UID: "uid@test"}
	visit.RequestID = visit.ID
	if err := e.st.CreateVisit(ctx, visit); err != nil {
		t.Fatal(err)
	}

	// A clinic whose only request is history may go.
	finished := e.createClinic()
	old := e.createRequest(finished.ID)
	if _, err := e.st.SetRequestStatus(ctx, old.ID, old.Version, models.StatusCancelled); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, path string
		version    int64
		mention    string
	}{
		{"trainer with an account", api + "/trainers/" + e.trainerA.ID, e.trainerA.Version, e.users[trainerA].Email},
		{"trainer a clinic prefers", api + "/trainers/" + preferred.ID, preferred.Version, "preferred trainers of clinic " + e.clinicB.ID},
		{"trainer an open request is pinned to", api + "/trainers/" + pinned.ID, pinned.Version, "pin of request " + pinnedRequest.ID},
		{"trainer with a scheduled visit", api + "/trainers/" + visiting.ID, visiting.Version, "1 scheduled visit(s)"},
		{"clinic with an account and an open request", api + "/clinics/" + e.clinicA.ID, e.clinicA.Version, e.users[clinicA].Email},
		{"clinic with an open request", api + "/clinics/" + e.clinicA.ID, e.clinicA.Version, "new request " + e.requestA.ID},
		{"clinic with a scheduled visit", api + "/clinics/" + visitedClinic.ID, visitedClinic.Version, "1 scheduled visit(s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.snapshot()
			p := e.do(req{as: coord, method: http.MethodDelete, path: tc.path, header: ifMatch(tc.version)}).want(t, http.StatusConflict).problem(t)
			if !strings.Contains(p.Detail, tc.mention) {
				t.Errorf("detail %q does not name %q", p.Detail, tc.mention)
			}
			if d := before.diff(e.snapshot()); d != "" {
				t.Errorf("a refused delete wrote: %s", d)
			}
		})
	}

	// Without the reference the delete goes through.
	if _, err := e.st.SetRequestStatus(ctx, pinnedRequest.ID, pinnedRequest.Version, models.StatusCancelled); err != nil {
		t.Fatal(err)
	}
	e.do(req{as: coord, method: http.MethodDelete, path: api + "/trainers/" + pinned.ID, header: ifMatch(pinned.Version)}).want(t, http.StatusNoContent)
	e.do(req{as: coord, method: http.MethodDelete, path: api + "/clinics/" + finished.ID, header: ifMatch(finished.Version)}).want(t, http.StatusNoContent)
	if _, err := e.st.Trainer(ctx, pinned.ID); err == nil {
		t.Error("the trainer is still there after its delete was accepted")
	}
}

// TestDeleteRefusalCountsTheRest: a refused delete names at most
// maxReferencesNamed references and counts all the others, including those
// the store did not sample.
func TestDeleteRefusalCountsTheRest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clinic := e.createClinic()
	for i := range maxReferencesNamed + 1 { // one more account than named
		u := &models.User{Email: fmt.Sprintf("desk%d@clinic.example.org", i), Name: "Desk", Role: models.RoleClinic, ClinicID: clinic.ID, Lang: "ru"}
		if err := e.st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	e.createRequest(clinic.ID)
	e.createRequest(clinic.ID)
	// 6 accounts and 2 open requests: 5 named, 3 counted.
	p := e.do(req{as: coord, method: http.MethodDelete, path: "/api/v1/clinics/" + clinic.ID, header: ifMatch(clinic.Version)}).
		want(t, http.StatusConflict).problem(t)
	if n := strings.Count(p.Detail, "the account "); n != maxReferencesNamed || !strings.Contains(p.Detail, "; and 3 more.") {
		t.Errorf("detail %q: want %d accounts named and 3 more counted", p.Detail, maxReferencesNamed)
	}
}
