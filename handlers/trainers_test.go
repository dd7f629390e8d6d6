package handlers

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
)

func TestTrainerCRUD(t *testing.T) {
	e := newEnv(t)
	base := "/api/v1/trainers"

	res := e.do(req{as: coord, method: http.MethodPost, path: base, body: e.trainerBody()}).want(t, http.StatusCreated)
	var tr models.Trainer
	res.decode(t, &tr)
	if tr.Version != 1 || res.header.Get("ETag") != `"1"` || res.header.Get("Location") != base+"/"+tr.ID {
		t.Fatalf("created version %d, ETag %q, Location %q", tr.Version, res.header.Get("ETag"), res.header.Get("Location"))
	}
	// Defaults: end place = start place, 4 visits, 8 hours, Russian.
	if tr.EndPlace != tr.StartPlace || tr.MaxVisitsDay != 4 || tr.MaxWorkMinutes != 480 || tr.Lang != "ru" {
		t.Errorf("defaults not applied: %+v", tr)
	}
	if got := tr.Availability.Weekly.Mon; len(got) != 2 || got[1] != window("14:00", "18:00") {
		t.Errorf("weekly Monday = %v", got)
	}

	path := base + "/" + tr.ID
	var got models.Trainer
	e.do(req{as: coord, method: http.MethodGet, path: path}).want(t, http.StatusOK).decode(t, &got)
	if got.Email != tr.Email || got.Version != 1 {
		t.Errorf("get = %+v", got)
	}

	update := e.trainerBody()
	update["name"] = "Renamed"
	update["max_visits_per_day"] = 6
	res = e.do(req{as: coord, method: http.MethodPut, path: path, body: update, header: ifMatch(1)}).want(t, http.StatusOK)
	res.decode(t, &got)
	if got.Name != "Renamed" || got.MaxVisitsDay != 6 || got.Version != 2 || res.header.Get("ETag") != `"2"` {
		t.Errorf("after update: %+v, ETag %q", got, res.header.Get("ETag"))
	}

	// The same version again is stale; no version at all is 428; a version
	// in the body works like If-Match, and a weak If-Match is accepted.
	p := e.do(req{as: coord, method: http.MethodPut, path: path, body: update, header: ifMatch(1)}).want(t, http.StatusConflict).problem(t)
	if p.Detail == "" {
		t.Error("conflict without detail")
	}
	// The 428 names the version a client would overwrite.
	if p := e.do(req{as: coord, method: http.MethodPut, path: path, body: update}).want(t, http.StatusPreconditionRequired).problem(t); !strings.Contains(p.Detail, "current version is 2") {
		t.Errorf("428 detail %q does not name the current version 2", p.Detail)
	}
	update["version"] = 2
	e.do(req{as: coord, method: http.MethodPut, path: path, body: update}).want(t, http.StatusOK)
	delete(update, "version")
	e.do(req{as: coord, method: http.MethodPut, path: path, body: update, header: map[string]string{"If-Match": `W/"3"`}}).want(t, http.StatusOK)

	// A taken e-mail is a conflict.
	dup := e.trainerBody()
	dup["email"] = got.Email
	e.do(req{as: coord, method: http.MethodPost, path: base, body: dup}).want(t, http.StatusConflict).problem(t)

	e.do(req{as: coord, method: http.MethodDelete, path: path, header: ifMatch(1)}).want(t, http.StatusConflict).problem(t)
	if p := e.do(req{as: coord, method: http.MethodDelete, path: path}).want(t, http.StatusPreconditionRequired).problem(t); !strings.Contains(p.Detail, "current version is 4") {
		t.Errorf("428 detail %q does not name the current version 4", p.Detail)
	}
	e.do(req{as: coord, method: http.MethodDelete, path: path, header: ifMatch(4)}).want(t, http.StatusNoContent)
	e.do(req{as: coord, method: http.MethodGet, path: path}).want(t, http.StatusNotFound).problem(t)
	e.do(req{as: coord, method: http.MethodPut, path: path, body: update, header: ifMatch(4)}).want(t, http.StatusNotFound).problem(t)
	e.do(req{as: coord, method: http.MethodDelete, path: path, header: ifMatch(4)}).want(t, http.StatusNotFound).problem(t)
}

func TestTrainerListPagesAndFilters(t *testing.T) {
	e := newEnv(t) // two fixture trainers with skill "registry"
	for range 3 {
		e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/trainers", body: e.trainerBody()}).want(t, http.StatusCreated)
	}
	var ids []string
	next := ""
	for page := 0; ; page++ {
		path := "/api/v1/trainers?limit=2"
		if next != "" {
			path += "&after=" + next
		}
		var l list[models.Trainer]
		e.do(req{as: coord, method: http.MethodGet, path: path}).want(t, http.StatusOK).decode(t, &l)
		for _, tr := range l.Items {
			ids = append(ids, tr.ID)
		}
		if l.Next == "" {
			break
		}
		if page > 5 {
			t.Fatal("paging does not end")
		}
		next = l.Next
	}
	if len(ids) != 5 || !slices.IsSorted(ids) {
		t.Errorf("paged ids = %v, want 5 in ascending order", ids)
	}

	var l list[models.Trainer]
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/trainers?skill=conflict"}).want(t, http.StatusOK).decode(t, &l)
	if len(l.Items) != 3 {
		t.Errorf("skill=conflict gave %d trainers, want 3", len(l.Items))
	}
}

func TestAvailability(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/trainers/" + e.trainerA.ID + "/availability"
	var view availabilityView
	res := e.do(req{as: trainerA, method: http.MethodGet, path: path}).want(t, http.StatusOK)
	res.decode(t, &view)
	if view.Version != 1 || len(view.Weekly.Mon) != 1 {
		t.Fatalf("availability = %+v", view)
	}
	body := map[string]any{
		"weekly": map[string]any{"tue": []any{map[string]any{"start": "10:00", "end": "12:00"}, map[string]any{"start": "13:00", "end": "19:00"}}},
		"overrides": []any{
			map[string]any{"date": "2025-03-11", "off": true, "note": "dentist"},
			map[string]any{"date": "2025-03-13", "windows": []any{map[string]any{"start": "08:00", "end": "11:00"}}},
		},
		"lunch": map[string]any{"earliest": "12:00", "latest": "13:00", "minutes": 45},
	}
	res = e.do(req{as: trainerA, method: http.MethodPut, path: path, body: body, header: map[string]string{"If-Match": `W/"1"`}}).want(t, http.StatusOK)
	view = availabilityView{}
	res.decode(t, &view)
	if view.Version != 2 || len(view.Weekly.Mon) != 0 || len(view.Weekly.Tue) != 2 || len(view.Overrides) != 2 || view.Lunch.Minutes != 45 {
		t.Fatalf("after put: %+v", view)
	}
	if got := view.Availability.Windows("2025-03-11"); len(got) != 0 {
		t.Errorf("day off has windows %v", got)
	}
	// The profile around it is untouched.
	var tr models.Trainer
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/trainers/" + e.trainerA.ID}).want(t, http.StatusOK).decode(t, &tr)
	if tr.Name != e.trainerA.Name || tr.Version != 2 || len(tr.Weekly.Tue) != 2 {
		t.Errorf("trainer after availability change: %+v", tr)
	}
	e.do(req{as: trainerA, method: http.MethodPut, path: path, body: body, header: ifMatch(1)}).want(t, http.StatusConflict).problem(t)
	body["version"] = 2
	e.do(req{as: trainerA, method: http.MethodPut, path: path, body: body}).want(t, http.StatusOK)
}
