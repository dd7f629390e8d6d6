package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// The log says who changed what, when, with a before → after summary;
// refused and failed calls leave nothing; the filters and paging work and
// refuse bad input.
func TestAuditLog(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/requests/" + e.requestA.ID
	body := requestBody(e.clinicA.ID)
	body["topic"] = "Rude callers"
	start := e.auditCount()
	// Refused (stale version) and invalid calls leave no entry.
	e.do(req{as: clinicA, method: http.MethodPut, path: path, body: body, header: ifMatch(9)}).want(t, http.StatusConflict)
	e.do(req{as: clinicA, method: http.MethodPut, path: path, body: map[string]any{"kind": "x"}, header: ifMatch(1)}).want(t, http.StatusUnprocessableEntity)
	if n := e.auditCount(); n != start {
		t.Fatalf("refused calls left %d audit entries", n-start)
	}
	e.do(req{as: clinicA, method: http.MethodPut, path: path, body: body, header: ifMatch(1)}).want(t, http.StatusOK)
	e.clock.Advance(time.Hour)
	e.do(req{as: coord, method: http.MethodPost, path: path + "/status", body: map[string]any{"status": "cancelled", "version": 2}}).want(t, http.StatusOK)

	var got list[models.AuditEntry]
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/audit?entity=request&entity_id=" + e.requestA.ID}).want(t, http.StatusOK).decode(t, &got)
	if len(got.Items) != 2 {
		t.Fatalf("%d entries for the request, want 2: %+v", len(got.Items), got.Items)
	}
	upd, st := got.Items[0], got.Items[1]
	if upd.Action != "request.update" || upd.ActorID != e.users[clinicA].ID || upd.ActorRole != models.RoleClinic ||
		upd.Method != http.MethodPut || upd.Route != "/api/v1/requests/:id" || upd.Status != http.StatusOK ||
		!strings.Contains(upd.Summary, `topic: "Queue at the desk" → "Rude callers"`) || strings.Contains(upd.Summary, "version") {
		t.Errorf("update entry %+v", upd)
	}
	if st.Action != "request.status" || st.ActorID != e.users[coord].ID || st.Summary != "status: new → cancelled" ||
		!st.At.Equal(upd.At.Add(time.Hour)) {
		t.Errorf("status entry %+v", st)
	}

	// Filters: actor, since, paging.
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/audit?actor=" + e.users[clinicA].ID}).want(t, http.StatusOK).decode(t, &got)
	if len(got.Items) != 1 || got.Items[0].ID != upd.ID {
		t.Errorf("by actor %+v", got.Items)
	}
	since := upd.At.Add(time.Minute).Format(time.RFC3339)
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/audit?since=" + url.QueryEscape(since)}).want(t, http.StatusOK).decode(t, &got)
	if len(got.Items) != 1 || got.Items[0].ID != st.ID {
		t.Errorf("since %s: %+v", since, got.Items)
	}
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/audit?since=2025-03-06"}).want(t, http.StatusOK).decode(t, &got)
	if len(got.Items) != 0 {
		t.Errorf("since tomorrow: %+v", got.Items)
	}
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/audit?limit=1"}).want(t, http.StatusOK).decode(t, &got)
	if len(got.Items) != 1 || got.Next != got.Items[0].ID {
		t.Fatalf("first page %+v", got)
	}
	first := got.Items[0].ID
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/audit?limit=1&after=" + first}).want(t, http.StatusOK).decode(t, &got)
	if len(got.Items) != 1 || got.Items[0].ID <= first {
		t.Errorf("second page %+v", got)
	}

	for _, q := range []string{"entity=Request!", "entity_id=" + strings.Repeat("x", 101), "actor=someone", "since=yesterday",
		"limit=0", "after=zzz", "who=me", "entity=a&entity=b", "archived=yes"} {
		e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/audit?" + q}).want(t, http.StatusBadRequest).problem(t)
	}
	// Archived entries are listed on request only.
	if n, err := e.st.ArchiveAudit(context.Background(), upd.At.Add(time.Minute), 1000); err != nil || n != 1 {
		t.Fatalf("archive: %d, %v", n, err)
	}
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/audit?entity=request&archived=true"}).want(t, http.StatusOK).decode(t, &got)
	if len(got.Items) != 1 || got.Items[0].ID != upd.ID {
		t.Errorf("archived %+v", got.Items)
	}
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/audit?entity=request"}).want(t, http.StatusOK).decode(t, &got)
	if len(got.Items) != 1 || got.Items[0].ID != st.ID {
		t.Errorf("hot after archiving %+v", got.Items)
	}
	e.do(req{as: trainerA, method: http.MethodGet, path: "/api/v1/audit"}).want(t, http.StatusForbidden).problem(t)
	e.do(req{as: clinicA, method: http.MethodGet, path: "/api/v1/audit"}).want(t, http.StatusForbidden).problem(t)
}

// A login is a change (a session) made by nobody logged in: its entry
// names the user who logged in.
func TestAuditLoginNamesTheUser(t *testing.T) {
	e := newEnv(t)
	e.do(req{method: http.MethodPost, path: "/api/v1/auth/login",
		body: map[string]string{"email": e.users[trainerA].Email, "password": testPassword}}).want(t, http.StatusOK)
	var got list[models.AuditEntry]
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/audit?actor=" + e.users[trainerA].ID}).want(t, http.StatusOK).decode(t, &got)
	if len(got.Items) != 1 || got.Items[0].Action != "session.login" || got.Items[0].Entity != "token" || got.Items[0].EntityID == "" {
		t.Errorf("login entries %+v", got.Items)
	}
}

// Routes that say nothing about their change still get a telling entry
// from the route itself.
func TestAuditEntryDefaultsFromRoute(t *testing.T) {
	for _, tc := range []struct {
		method   string
		status   int
		segments []string
		entity   string
		verb     string
	}{
		{http.MethodPost, 201, routeSegments("/api/v1/trainers"), "trainer", "create"},
		{http.MethodPut, 200, routeSegments("/api/v1/clinics/:id"), "clinic", "update"},
		{http.MethodDelete, 204, routeSegments("/api/v1/tokens/:id"), "token", "delete"},
		{http.MethodPost, 200, routeSegments("/api/v1/plans/:week/:version/edits"), "plan", "edits"},
		{http.MethodPost, 200, routeSegments("/api/v1/visits/:id/complete"), "visit", "complete"},
		{http.MethodPost, 201, routeSegments("/api/v1/change-requests"), "change_request", "create"},
		{http.MethodPost, 200, routeSegments("/api/v1/outbox/:id/retry"), "outbox", "retry"},
	} {
		if got := singular(tc.segments[0]); got != tc.entity {
			t.Errorf("%v: entity %q, want %q", tc.segments, got, tc.entity)
		}
		if got := routeVerb(tc.method, tc.status, tc.segments); got != tc.verb {
			t.Errorf("%s %v: verb %q, want %q", tc.method, tc.segments, got, tc.verb)
		}
	}
}
