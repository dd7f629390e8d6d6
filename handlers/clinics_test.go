package handlers

import (
	"net/http"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
)

func TestClinicCRUD(t *testing.T) {
	e := newEnv(t)
	base := "/api/v1/clinics"

	body := e.clinicBody()
	body["preferred_trainers"] = []string{e.trainerA.ID}
	res := e.do(req{as: coord, method: http.MethodPost, path: base, body: body}).want(t, http.StatusCreated)
	var cl models.Clinic
	res.decode(t, &cl)
	if cl.Version != 1 || cl.Lang != "ru" || len(cl.PreferredTrainers) != 1 || res.header.Get("ETag") != `"1"` {
		t.Fatalf("created %+v", cl)
	}
	path := base + "/" + cl.ID

	// A preferred trainer must exist.
	body["preferred_trainers"] = []string{"0123456789abcdef01234567"}
	p := e.do(req{as: coord, method: http.MethodPost, path: base, body: body}).want(t, http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "preferred_trainers[0]" {
		t.Errorf("errors = %+v", p.Errors)
	}

	// The clinic edits its own profile.
	update := e.clinicBody()
	update["notes"] = "entrance from the yard"
	var got models.Clinic
	e.do(req{as: clinicA, method: http.MethodPut, path: base + "/" + e.clinicA.ID, body: update, header: ifMatch(1)}).want(t, http.StatusOK).decode(t, &got)
	if got.Notes != "entrance from the yard" || got.Version != 2 || got.ID != e.clinicA.ID {
		t.Errorf("after update: %+v", got)
	}
	e.do(req{as: clinicA, method: http.MethodPut, path: base + "/" + e.clinicA.ID, body: update, header: ifMatch(1)}).want(t, http.StatusConflict).problem(t)

	var l list[models.Clinic]
	e.do(req{as: trainerA, method: http.MethodGet, path: base + "?district=CAO"}).want(t, http.StatusOK).decode(t, &l)
	if len(l.Items) != 2 || l.Next != "" {
		t.Errorf("district filter gave %d clinics (next %q), want 2", len(l.Items), l.Next)
	}

	e.do(req{as: coord, method: http.MethodDelete, path: path, header: ifMatch(1)}).want(t, http.StatusNoContent)
	e.do(req{as: coord, method: http.MethodGet, path: path}).want(t, http.StatusNotFound).problem(t)
}
