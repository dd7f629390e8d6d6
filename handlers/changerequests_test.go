package handlers

import (
	"context"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
)

// A clinic cannot rewrite a booked request: PUT refuses the fields that
// would move the visit with 409, pointing at change requests, and writes
// nothing; other fields, and coordinators, still go through.
func TestBookedRequestRefusesClinicRewrite(t *testing.T) {
	e := newEnv(t)
	r := e.bookedRequest(e.clinicA.ID)
	path := "/api/v1/requests/" + r.ID
	body := func(change func(map[string]any)) map[string]any {
		b := map[string]any{"clinic_id": r.ClinicID, "kind": r.Kind, "topic": r.Topic, "duration_minutes": r.DurationMinutes,
			"earliest_date": r.EarliestDate, "due_date": r.DueDate, "priority": r.Priority}
		change(b)
		return b
	}
	before := e.snapshot()
	for name, change := range map[string]func(map[string]any){
		"windows":  func(b map[string]any) { b["preferred_windows"] = changeBody()["preferred_windows"] },
		"due date": func(b map[string]any) { b["due_date"] = "2025-03-21" },
		"duration": func(b map[string]any) { b["duration_minutes"] = 60 },
	} {
		p := e.do(req{as: clinicA, method: http.MethodPut, path: path, body: body(change), header: ifMatch(r.Version)}).
			want(t, http.StatusConflict).problem(t)
		if !strings.Contains(p.Detail, "change request") || !strings.Contains(p.Detail, "/change-requests") {
			t.Errorf("%s: the refusal does not point at change requests: %q", name, p.Detail)
		}
	}
	if d := before.diff(e.snapshot()); d != "" {
		t.Errorf("refused rewrites wrote: %s", d)
	}
	// The topic is no commitment; a coordinator may change anything.
	e.do(req{as: clinicA, method: http.MethodPut, path: path, body: body(func(b map[string]any) { b["topic"] = "Queue at the desk, again" }),
		header: ifMatch(r.Version)}).want(t, http.StatusOK)
	e.do(req{as: coord, method: http.MethodPut, path: path, body: body(func(b map[string]any) { b["due_date"] = "2025-03-21" }),
		header: ifMatch(r.Version + 1)}).want(t, http.StatusOK)
	// Without a booked visit the clinic edits freely.
	free := e.createRequest(e.clinicA.ID)
	b := body(func(b map[string]any) { b["preferred_windows"] = changeBody()["preferred_windows"] })
	e.do(req{as: clinicA, method: http.MethodPut, path: "/api/v1/requests/" + free.ID, body: b, header: ifMatch(free.Version)}).want(t, http.StatusOK)
}

// A clinic asks for a change; the visit stays booked; coordinators are
// e-mailed; a coordinator declines with a reason the clinic is e-mailed,
// or accepts, which applies the wishes and makes a repair draft at once.
func TestChangeRequestLifecycle(t *testing.T) {
	e := newEnv(t, withPlanning(t), withMail(t))
	ctx := context.Background()
	visits := e.publishTestWeek()
	var booked *models.Visit
	for i := range visits {
		if visits[i].ClinicID == e.clinicA.ID {
			booked = &visits[i]
		}
	}
	if booked == nil {
		t.Fatal("clinic A has no booked visit")
	}
	path := "/api/v1/requests/" + booked.RequestID + "/change-requests"

	var cr models.ChangeRequest
	res := e.do(req{as: clinicA, method: http.MethodPost, path: path, body: changeBody()}).want(t, http.StatusCreated)
	res.decode(t, &cr)
	if cr.Status != models.ChangePending || cr.RequestID != booked.RequestID || cr.ClinicID != e.clinicA.ID ||
		len(cr.PreferredWindows.Mon) != 1 || res.header.Get("Location") != path+"/"+cr.ID {
		t.Fatalf("filed %+v, Location %q", cr, res.header.Get("Location"))
	}
	m := e.outboxMail("coordinator.change_request." + cr.ID)
	if !slices.Equal(m.Mail.To, []string{coordinatorsAddress}) || !strings.Contains(m.Mail.Text, e.clinicA.Name) ||
		!strings.Contains(m.Mail.Text, "14:00–17:00") || !strings.Contains(m.Mail.Text, "afternoons suit us better") {
		t.Errorf("coordinators' mail to %v:\n%s", m.Mail.To, m.Mail.Text)
	}
	// One pending change request at a time; the visit is untouched.
	e.do(req{as: clinicA, method: http.MethodPost, path: path, body: changeBody()}).want(t, http.StatusConflict).problem(t)
	if v, err := e.st.Visit(ctx, booked.ID); err != nil || v.Version != booked.Version || v.Status != models.VisitScheduled {
		t.Errorf("the visit changed while the change request is pending: %+v, %v", v, err)
	}

	// Each clinic sees only its own change requests.
	var mine, theirs, all list[models.ChangeRequest]
	e.do(req{as: clinicA, method: http.MethodGet, path: "/api/v1/change-requests?status=pending"}).want(t, http.StatusOK).decode(t, &mine)
	e.do(req{as: clinicB, method: http.MethodGet, path: "/api/v1/change-requests"}).want(t, http.StatusOK).decode(t, &theirs)
	e.do(req{as: coord, method: http.MethodGet, path: path}).want(t, http.StatusOK).decode(t, &all)
	if len(mine.Items) != 1 || len(theirs.Items) != 0 || len(all.Items) != 1 {
		t.Errorf("clinic A sees %d, clinic B %d, the coordinator %d on the request", len(mine.Items), len(theirs.Items), len(all.Items))
	}
	e.do(req{as: clinicB, method: http.MethodGet, path: path}).want(t, http.StatusNotFound).problem(t)
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/change-requests?status=maybe"}).want(t, http.StatusBadRequest).problem(t)

	// Decline: a reason is required; the clinic is told it.
	decide := path + "/" + cr.ID
	e.do(req{as: clinicA, method: http.MethodPost, path: decide + "/decline", body: map[string]any{"reason": "x"}}).want(t, http.StatusForbidden).problem(t)
	e.do(req{as: coord, method: http.MethodPost, path: decide + "/decline", body: map[string]any{"reason": "  "}}).want(t, http.StatusUnprocessableEntity).problem(t)
	var declined models.ChangeRequest
	e.do(req{as: coord, method: http.MethodPost, path: decide + "/decline", body: map[string]any{"reason": "No trainer is free in the afternoons this week"}}).
		want(t, http.StatusOK).decode(t, &declined)
	if declined.Status != models.ChangeDeclined || declined.DecidedBy != e.users[coord].ID || declined.DecidedAt == nil {
		t.Errorf("declined %+v", declined)
	}
	m = e.outboxMail("clinic.change_declined." + cr.ID)
	if !slices.Equal(m.Mail.To, e.clinicA.ContactEmails) || !strings.Contains(m.Mail.Text, "No trainer is free in the afternoons") ||
		m.Mail.ReplyTo != coordinatorsAddress {
		t.Errorf("declined mail to %v reply-to %q:\n%s", m.Mail.To, m.Mail.ReplyTo, m.Mail.Text)
	}
	e.do(req{as: coord, method: http.MethodPost, path: decide + "/accept"}).want(t, http.StatusConflict).problem(t)

	// Accept a new one: the wishes go onto the request, a repair draft is
	// made; the visit stays until that draft is published.
	e.do(req{as: clinicA, method: http.MethodPost, path: path, body: changeBody()}).want(t, http.StatusCreated).decode(t, &cr)
	var accepted models.ChangeRequest
	e.do(req{as: coord, method: http.MethodPost, path: path + "/" + cr.ID + "/accept"}).want(t, http.StatusOK).decode(t, &accepted)
	if accepted.Status != models.ChangeAccepted || accepted.Draft == nil || accepted.Draft.Week != testWeek || accepted.Draft.Version != 2 {
		t.Fatalf("accepted %+v", accepted)
	}
	r, err := e.st.Request(ctx, booked.RequestID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.PreferredWindows, cr.PreferredWindows) {
		t.Errorf("request windows %+v after acceptance, want %+v", r.PreferredWindows, cr.PreferredWindows)
	}
	if p, err := e.st.Plan(ctx, testWeek, 2); err != nil || p.Trigger != "change-request:"+cr.ID {
		t.Errorf("repair draft %+v, %v", p, err)
	}
	if v, err := e.st.Visit(ctx, booked.ID); err != nil || v.Version != booked.Version {
		t.Errorf("the visit changed before the draft was published: %+v, %v", v, err)
	}
	var stored list[models.ChangeRequest]
	e.do(req{as: clinicA, method: http.MethodGet, path: path}).want(t, http.StatusOK).decode(t, &stored)
	if len(stored.Items) != 2 || stored.Items[1].Draft == nil {
		t.Errorf("stored change requests %+v", stored.Items)
	}
}

// Bad input answers 400 or 422 and writes nothing; a request without a
// booked visit, another clinic's and a closed one are refused.
func TestChangeRequestRefusals(t *testing.T) {
	e := newEnv(t, withMail(t))
	booked := e.bookedRequest(e.clinicA.ID)
	path := "/api/v1/requests/" + booked.ID + "/change-requests"
	before := e.snapshot()
	audited := e.auditCount()
	for _, tc := range []struct {
		name   string
		as     string
		path   string
		body   any
		status int
	}{
		{"nothing asked", clinicA, path, map[string]any{}, http.StatusUnprocessableEntity},
		{"window ends before it starts", clinicA, path, map[string]any{"preferred_windows": map[string]any{"mon": []any{map[string]any{"start": "15:00", "end": "14:00"}}}}, http.StatusUnprocessableEntity},
		{"long comment", clinicA, path, map[string]any{"comment": strings.Repeat("x", 4001)}, http.StatusUnprocessableEntity},
		{"unknown field", clinicA, path, map[string]any{"comment": "x", "when": "soon"}, http.StatusBadRequest},
		{"bad time", clinicA, path, map[string]any{"preferred_windows": map[string]any{"mon": []any{map[string]any{"start": "25:00", "end": "26:00"}}}}, http.StatusBadRequest},
		{"another clinic", clinicB, path, changeBody(), http.StatusNotFound},
		{"a trainer", trainerA, path, changeBody(), http.StatusForbidden},
		{"not booked", clinicA, "/api/v1/requests/" + e.requestA.ID + "/change-requests", changeBody(), http.StatusConflict},
	} {
		res := e.do(req{as: tc.as, method: http.MethodPost, path: tc.path, body: tc.body})
		if res.status != tc.status {
			t.Errorf("%s: status %d, want %d; %s", tc.name, res.status, tc.status, res.body)
			continue
		}
		res.problem(t)
	}
	if d := before.diff(e.snapshot()); d != "" || e.auditCount() != audited {
		t.Errorf("refused change requests wrote: %s; %d audit entries", d, e.auditCount()-audited)
	}
	// Deciding: bad ids, another request's change request.
	_, other := e.pendingChange(e.clinicA.ID)
	before, audited = e.snapshot(), e.auditCount()
	e.do(req{as: coord, method: http.MethodPost, path: path + "/nope/accept"}).want(t, http.StatusBadRequest).problem(t)
	e.do(req{as: coord, method: http.MethodPost, path: path + "/" + other.ID + "/accept"}).want(t, http.StatusNotFound).problem(t)
	e.do(req{as: coord, method: http.MethodPost, path: path + "/" + other.ID + "/decline", body: map[string]any{}}).want(t, http.StatusUnprocessableEntity).problem(t)
	e.do(req{as: coord, method: http.MethodPost, path: path + "/" + other.ID + "/accept", body: map[string]any{"now": true}}).want(t, http.StatusBadRequest).problem(t)
	crs, err := e.st.ChangeRequests(context.Background(), models.ChangeRequestFilter{RequestID: booked.ID}, models.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if d := before.diff(e.snapshot()); d != "" || len(crs) != 0 || e.auditCount() != audited {
		t.Errorf("refused decisions wrote: %s; %d stored; %d audit entries", d, len(crs), e.auditCount()-audited)
	}
	if cr, err := e.st.ChangeRequest(context.Background(), other.ID); err != nil || cr.Status != models.ChangePending {
		t.Errorf("the other change request after refused decisions: %+v, %v", cr, err)
	}
}
