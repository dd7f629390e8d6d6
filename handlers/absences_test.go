package handlers

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
)

// An absence on a published day turns the day off, lists the trainer's
// booked visits, releases a coordinator's pin on that trainer-day (saying
// so), makes a repair draft in which the trainer has no route that day, and
// e-mails the coordinators a link to preview it.
func TestAbsenceRepairsPublishedWeek(t *testing.T) {
	e := newEnv(t, withPlanning(t), withMail(t))
	ctx := context.Background()
	visits := e.publishTestWeek()
	absent := visits[0].TrainerID
	var theirs []string
	for _, v := range visits {
		if v.TrainerID == absent {
			theirs = append(theirs, v.ID)
		}
	}
	pinned := e.createRequest(e.clinicA.ID)
	pinned.Pin = &models.Pin{TrainerID: absent, Date: testWeek}
	if err := e.st.UpdateRequest(ctx, pinned); err != nil {
		t.Fatal(err)
	}
	who := coord
	if absent == e.trainerA.ID {
		who = trainerA // a trainer records their own absence
	}
	path := "/api/v1/trainers/" + absent + "/absences"
	var a models.Absence
	res := e.do(req{as: who, method: http.MethodPost, path: path,
		body: map[string]any{"from": testWeek, "to": testWeek, "reason": "ill"}}).want(t, http.StatusCreated)
	res.decode(t, &a)
	if res.header.Get("Location") != path+"/"+a.ID {
		t.Errorf("Location %q", res.header.Get("Location"))
	}
	slices.Sort(theirs)
	slices.Sort(a.AffectedVisits)
	if !slices.Equal(a.AffectedVisits, theirs) {
		t.Errorf("affected visits %v, want the trainer's %v", a.AffectedVisits, theirs)
	}

	// The day is off in the availability.
	tr, err := e.st.Trainer(ctx, absent)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Availability.Windows(testWeek)) != 0 {
		t.Errorf("the absent day still has windows: %+v", tr.Overrides)
	}

	// The pin is released, with a line saying so.
	after, err := e.st.Request(ctx, pinned.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Pin != nil || len(a.ReleasedPins) != 1 || a.ReleasedPins[0].RequestID != pinned.ID ||
		!strings.Contains(a.ReleasedPins[0].Note, "released") {
		t.Errorf("pin %+v after the absence, released %+v", after.Pin, a.ReleasedPins)
	}

	// A repair draft of the week, without the absent trainer that day.
	if len(a.Drafts) != 1 || a.Drafts[0].Week != testWeek || a.Drafts[0].Version != 2 ||
		a.Drafts[0].DiffURL != "https://fv.example/api/v1/plans/2025-03-10/2/diff" {
		t.Fatalf("drafts %+v", a.Drafts)
	}
	draft, err := e.st.Plan(ctx, testWeek, 2)
	if err != nil {
		t.Fatal(err)
	}
	if draft.Status != models.PlanDraft || draft.Trigger != "absence:"+a.ID {
		t.Errorf("draft %s is %s, trigger %q", draft.ID, draft.Status, draft.Trigger)
	}
	for _, r := range draft.Routes {
		if r.TrainerID == absent && r.Date == testWeek && len(r.Stops) > 0 {
			t.Errorf("the repair draft still sends the absent trainer out on %s: %+v", testWeek, r.Stops)
		}
	}
	// The published visits stay until the draft is published.
	for _, id := range theirs {
		if v, err := e.st.Visit(ctx, id); err != nil || v.TrainerID != absent || v.Status != models.VisitScheduled {
			t.Errorf("visit %s changed before publication: %+v, %v", id, v, err)
		}
	}

	// The coordinators are told, with the link to the preview.
	m := e.outboxMail("coordinator.absence." + a.ID)
	if !slices.Equal(m.Mail.To, []string{coordinatorsAddress}) || m.Mail.ReplyTo != coordinatorsAddress ||
		!strings.Contains(m.Mail.Text, a.Drafts[0].DiffURL) || !strings.Contains(m.Mail.Text, tr.Name) ||
		!strings.Contains(m.Mail.Text, pinned.ID) {
		t.Errorf("absence mail to %v, reply-to %q:\n%s", m.Mail.To, m.Mail.ReplyTo, m.Mail.Text)
	}

	// Listed; an overlapping one is refused.
	var got list[models.Absence]
	e.do(req{as: coord, method: http.MethodGet, path: path}).want(t, http.StatusOK).decode(t, &got)
	if len(got.Items) != 1 || got.Items[0].ID != a.ID || len(got.Items[0].Drafts) != 1 {
		t.Errorf("listed %+v", got.Items)
	}
	e.do(req{as: coord, method: http.MethodPost, path: path,
		body: map[string]any{"from": "2025-03-09", "to": "2025-03-11"}}).want(t, http.StatusConflict).problem(t)
}

// Bad input answers 400 or 422 and writes nothing; a trainer records
// absences only for themself.
func TestAbsenceRefusals(t *testing.T) {
	e := newEnv(t, withMail(t))
	path := "/api/v1/trainers/" + e.trainerA.ID + "/absences"
	before := e.snapshot()
	audited := e.auditCount()
	for _, tc := range []struct {
		name   string
		as     string
		path   string
		body   any
		status int
	}{
		{"another trainer", trainerB, path, map[string]any{"from": "2025-03-10", "to": "2025-03-10"}, http.StatusForbidden},
		{"a clinic", clinicA, path, map[string]any{"from": "2025-03-10", "to": "2025-03-10"}, http.StatusForbidden},
		{"to before from", coord, path, map[string]any{"from": "2025-03-12", "to": "2025-03-10"}, http.StatusUnprocessableEntity},
		{"not a date", coord, path, map[string]any{"from": "2025-02-30", "to": "2025-03-10"}, http.StatusUnprocessableEntity},
		{"missing dates", coord, path, map[string]any{"reason": "ill"}, http.StatusUnprocessableEntity},
		{"in the past", coord, path, map[string]any{"from": "2025-03-01", "to": "2025-03-04"}, http.StatusUnprocessableEntity},
		{"too long", coord, path, map[string]any{"from": "2025-03-10", "to": "2025-06-30"}, http.StatusUnprocessableEntity},
		{"long reason", coord, path, map[string]any{"from": "2025-03-10", "to": "2025-03-10", "reason": strings.Repeat("x", 501)}, http.StatusUnprocessableEntity},
		{"unknown field", coord, path, map[string]any{"from": "2025-03-10", "to": "2025-03-10", "why": "x"}, http.StatusBadRequest},
		{"wrong type", coord, path, map[string]any{"from": 20250310, "to": "2025-03-10"}, http.StatusBadRequest},
		{"bad trainer id", coord, "/api/v1/trainers/nope/absences", map[string]any{"from": "2025-03-10", "to": "2025-03-10"}, http.StatusBadRequest},
		{"no such trainer", coord, "/api/v1/trainers/0123456789abcdef01234567/absences", map[string]any{"from": "2025-03-10", "to": "2025-03-10"}, http.StatusNotFound},
	} {
		res := e.do(req{as: tc.as, method: http.MethodPost, path: tc.path, body: tc.body})
		if res.status != tc.status {
			t.Errorf("%s: status %d, want %d; %s", tc.name, res.status, tc.status, res.body)
			continue
		}
		res.problem(t)
	}
	e.do(req{as: trainerB, method: http.MethodGet, path: path}).want(t, http.StatusForbidden).problem(t)
	e.do(req{as: coord, method: http.MethodDelete, path: path + "/nope"}).want(t, http.StatusBadRequest).problem(t)
	e.do(req{as: coord, method: http.MethodDelete, path: path + "/0123456789abcdef01234567"}).want(t, http.StatusNotFound).problem(t)
	// Another trainer's absence is not found under this trainer.
	e.do(req{as: coord, method: http.MethodDelete, path: path + "/" + e.absenceOf(e.trainerB.ID)}).want(t, http.StatusNotFound).problem(t)
	absences, err := e.st.Absences(context.Background(), e.trainerA.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := before.diff(e.snapshot()); d != "" || len(absences) != 0 || e.auditCount() != audited {
		t.Errorf("refused absences wrote: %s; %d absences; %d audit entries", d, len(absences), e.auditCount()-audited)
	}
}

// Deleting an absence gives the trainer the days back, with the override
// they had before, and leaves an audit entry naming it.
func TestAbsenceDeleteRestoresDays(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	own := models.DateOverride{Date: "2025-03-17", Windows: []models.Window{window("12:00", "16:00")}, Note: "dentist in the morning"}
	tr, err := e.st.UpdateAvailability(ctx, e.trainerA.ID, e.trainerA.Version, models.Availability{
		Weekly: e.trainerA.Weekly, Overrides: []models.DateOverride{own}})
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/trainers/" + tr.ID + "/absences"
	var a models.Absence
	e.do(req{as: trainerA, method: http.MethodPost, path: path,
		body: map[string]any{"from": "2025-03-17", "to": "2025-03-18"}}).want(t, http.StatusCreated).decode(t, &a)
	if len(a.Replaced) != 1 || a.Replaced[0].Date != own.Date || len(a.Drafts) != 0 {
		t.Errorf("absence %+v: want the own override kept and no draft (no plan of the week)", a)
	}
	if tr, err = e.st.Trainer(ctx, tr.ID); err != nil {
		t.Fatal(err)
	}
	if len(tr.Overrides) != 2 || !tr.Overrides[0].Off || !tr.Overrides[1].Off {
		t.Fatalf("overrides during the absence %+v", tr.Overrides)
	}
	e.do(req{as: trainerA, method: http.MethodDelete, path: path + "/" + a.ID}).want(t, http.StatusNoContent)
	if tr, err = e.st.Trainer(ctx, tr.ID); err != nil {
		t.Fatal(err)
	}
	if len(tr.Overrides) != 1 || tr.Overrides[0].Date != own.Date || tr.Overrides[0].Off || tr.Overrides[0].Note != own.Note {
		t.Errorf("overrides after withdrawing %+v, want only %+v", tr.Overrides, own)
	}
	var log list[models.AuditEntry]
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/audit?entity=absence&entity_id=" + a.ID}).want(t, http.StatusOK).decode(t, &log)
	if len(log.Items) != 2 || log.Items[0].Action != "absence.create" || log.Items[1].Action != "absence.delete" ||
		log.Items[0].ActorID != e.users[trainerA].ID {
		t.Errorf("audit of the absence %+v", log.Items)
	}
}
