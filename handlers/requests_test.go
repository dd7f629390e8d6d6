package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
)

func TestRequestCRUD(t *testing.T) {
	e := newEnv(t)
	base := "/api/v1/requests"

	// A clinic files for itself without naming its clinic; defaults apply.
	body := map[string]any{"kind": "difficult_case", "topic": "Aggressive visitor"}
	var r models.Request
	res := e.do(req{as: clinicA, method: http.MethodPost, path: base, body: body}).want(t, http.StatusCreated)
	res.decode(t, &r)
	want := models.Request{ClinicID: e.clinicA.ID, DurationMinutes: 90, Priority: models.PriorityNormal, Status: models.StatusNew,
		EarliestDate: "2025-03-05", DueDate: "2025-03-18", CreatedBy: e.users[clinicA].ID, Version: 1}
	if r.ClinicID != want.ClinicID || r.DurationMinutes != want.DurationMinutes || r.Priority != want.Priority ||
		r.Status != want.Status || r.EarliestDate != want.EarliestDate || r.DueDate != want.DueDate ||
		r.CreatedBy != want.CreatedBy || r.Version != 1 || r.Skills == nil {
		t.Fatalf("created %+v\nwant fields of %+v", r, want)
	}
	path := base + "/" + r.ID

	// A coordinator files for any clinic, with a pin.
	body = requestBody(e.clinicB.ID)
	body["pin"] = map[string]any{"trainer_id": e.trainerA.ID, "date": "2025-03-11", "start": "14:00"}
	var pinned models.Request
	e.do(req{as: coord, method: http.MethodPost, path: base, body: body}).want(t, http.StatusCreated).decode(t, &pinned)
	if pinned.Pin == nil || pinned.Pin.TrainerID != e.trainerA.ID || pinned.Pin.Start == nil || *pinned.Pin.Start != mustTime("14:00") ||
		pinned.DurationMinutes != 45 || pinned.Participants != 4 {
		t.Errorf("pinned request = %+v", pinned)
	}

	// Unknown clinic and unknown pinned trainer: 422 naming the field.
	body = requestBody("0123456789abcdef01234567")
	body["pin"] = map[string]any{"trainer_id": "0123456789abcdef01234568"}
	p := e.do(req{as: coord, method: http.MethodPost, path: base, body: body}).want(t, http.StatusUnprocessableEntity).problem(t)
	var fields []string
	for _, f := range p.Errors {
		fields = append(fields, f.Field)
	}
	if !slices.Equal(fields, []string{"clinic_id", "pin.trainer_id"}) {
		t.Errorf("fields = %v", fields)
	}

	// Update by the clinic: new topic; it cannot pin.
	update := map[string]any{"kind": "difficult_case", "topic": "Two aggressive visitors", "priority": "urgent"}
	e.do(req{as: clinicA, method: http.MethodPut, path: path, body: update, header: ifMatch(1)}).want(t, http.StatusOK).decode(t, &r)
	if r.Topic != "Two aggressive visitors" || r.Priority != models.PriorityUrgent || r.Version != 2 || r.Status != models.StatusNew || r.ClinicID != e.clinicA.ID {
		t.Errorf("after update: %+v", r)
	}
	update["pin"] = map[string]any{"date": "2025-03-12"}
	e.do(req{as: clinicA, method: http.MethodPut, path: path, body: update, header: ifMatch(2)}).want(t, http.StatusForbidden).problem(t)
	e.do(req{as: coord, method: http.MethodPut, path: path, body: update, header: ifMatch(2)}).want(t, http.StatusOK).decode(t, &r)
	if r.Pin == nil || r.Pin.Date != "2025-03-12" {
		t.Errorf("coordinator's pin not kept: %+v", r.Pin)
	}
	e.do(req{as: coord, method: http.MethodPut, path: path, body: update, header: ifMatch(2)}).want(t, http.StatusConflict).problem(t)
	e.do(req{as: coord, method: http.MethodPut, path: path, body: update}).want(t, http.StatusPreconditionRequired).problem(t)
	e.do(req{as: coord, method: http.MethodGet, path: base + "/0123456789abcdef01234567"}).want(t, http.StatusNotFound).problem(t)
}

func TestRequestLifecycle(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/requests/" + e.requestA.ID
	status := func(as string, to models.Status, version int64, want int) *models.Request {
		t.Helper()
		res := e.do(req{as: as, method: http.MethodPost, path: path + "/status", body: map[string]any{"status": to, "version": version}}).want(t, want)
		if want != http.StatusOK {
			res.problem(t)
			return nil
		}
		var r models.Request
		res.decode(t, &r)
		if r.Status != to || r.Version != version+1 || res.header.Get("ETag") != fmt.Sprintf(`"%d"`, version+1) {
			t.Fatalf("after moving to %s: status %s version %d ETag %s", to, r.Status, r.Version, res.header.Get("ETag"))
		}
		return &r
	}
	status(coord, models.StatusDone, 1, http.StatusConflict) // new → done is illegal
	status(coord, models.StatusPlanned, 1, http.StatusOK)
	status(coord, models.StatusConfirmed, 1, http.StatusConflict) // stale
	status(clinicA, models.StatusConfirmed, 2, http.StatusForbidden)
	status(coord, models.StatusConfirmed, 2, http.StatusOK)
	status(coord, models.StatusDone, 3, http.StatusOK)
	status(coord, models.StatusCancelled, 4, http.StatusConflict) // done is final
	e.do(req{as: coord, method: http.MethodPost, path: path + "/status", body: map[string]any{"status": "lost", "version": 4}}).
		want(t, http.StatusUnprocessableEntity).problem(t)
	if p := e.do(req{as: coord, method: http.MethodPost, path: path + "/status", body: map[string]any{"status": "new"}}).
		want(t, http.StatusPreconditionRequired).problem(t); !strings.Contains(p.Detail, "current version is 4") {
		t.Errorf("428 detail %q does not name the current version 4", p.Detail)
	}

	// A done request cannot be edited any more.
	e.do(req{as: coord, method: http.MethodPut, path: path, body: requestBody(e.clinicA.ID), header: ifMatch(4)}).
		want(t, http.StatusConflict).problem(t)

	// The clinic cancels its other request, with If-Match instead of a body version.
	r := e.createRequest(e.clinicA.ID)
	var got models.Request
	e.do(req{as: clinicA, method: http.MethodPost, path: "/api/v1/requests/" + r.ID + "/status", body: map[string]any{"status": "cancelled"}, header: ifMatch(1)}).
		want(t, http.StatusOK).decode(t, &got)
	if got.Status != models.StatusCancelled {
		t.Errorf("status = %s", got.Status)
	}
}

func TestRequestListFilters(t *testing.T) {
	e := newEnv(t)
	// Fixtures: requestA (clinic A), requestB (clinic B), both onsite_support,
	// normal, new, 2025-03-10..14. Add a high-priority micro-training of
	// clinic A in the week of 17 March, and a planned one.
	body := requestBody(e.clinicA.ID)
	body["earliest_date"], body["due_date"] = "2025-03-17", "2025-03-19"
	var later models.Request
	e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/requests", body: body}).want(t, http.StatusCreated).decode(t, &later)
	planned := e.createRequest(e.clinicB.ID)
	e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/requests/" + planned.ID + "/status", body: map[string]any{"status": "planned", "version": 1}}).want(t, http.StatusOK)
	e.visitOf(e.requestA, e.trainerA) // a trainer sees the requests of their visits only

	for _, tc := range []struct {
		as, query string
		want      []string
	}{
		{coord, "", []string{e.requestA.ID, e.requestB.ID, later.ID, planned.ID}},
		{coord, "?status=planned", []string{planned.ID}},
		{coord, "?status=new&status=planned", []string{e.requestA.ID, e.requestB.ID, later.ID, planned.ID}},
		{coord, "?status=planned,cancelled", []string{planned.ID}},
		{coord, "?clinic_id=" + e.clinicA.ID, []string{e.requestA.ID, later.ID}},
		{coord, "?week=2025-03-17", []string{later.ID}},
		{coord, "?week=2025-03-10", []string{e.requestA.ID, e.requestB.ID, planned.ID}},
		{coord, "?kind=micro_training", []string{later.ID}},
		{coord, "?priority=normal&clinic_id=" + e.clinicB.ID, []string{e.requestB.ID, planned.ID}},
		{trainerA, "?status=new", []string{e.requestA.ID}},
		{trainerB, "", nil},
		{clinicA, "", []string{e.requestA.ID, later.ID}},
		{clinicB, "?status=planned", []string{planned.ID}},
	} {
		var l list[models.Request]
		e.do(req{as: tc.as, method: http.MethodGet, path: "/api/v1/requests" + tc.query}).want(t, http.StatusOK).decode(t, &l)
		var got []string
		for _, r := range l.Items {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s %q: got %v, want %v", tc.as, tc.query, got, tc.want)
		}
	}
	// A clinic cannot ask for another clinic's list.
	e.do(req{as: clinicA, method: http.MethodGet, path: "/api/v1/requests?clinic_id=" + e.clinicB.ID}).want(t, http.StatusForbidden).problem(t)

	// Paging with a filter walks every match once.
	var first, second list[models.Request]
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/requests?limit=3"}).want(t, http.StatusOK).decode(t, &first)
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/requests?limit=3&after=" + first.Next}).want(t, http.StatusOK).decode(t, &second)
	if len(first.Items) != 3 || first.Next != first.Items[2].ID || len(second.Items) != 1 || second.Next != "" || second.Items[0].ID != planned.ID {
		t.Errorf("pages: %d items next %q, then %d items next %q", len(first.Items), first.Next, len(second.Items), second.Next)
	}
}
