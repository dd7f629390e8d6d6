package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// statuses gives each logged-in role a status: the listed roles get ok,
// every other logged-in role 403. Anonymous callers get 401 unless the
// route is public.
func statuses(ok int, roles ...string) map[string]int {
	m := map[string]int{}
	for _, r := range roleNames[1:] {
		m[r] = http.StatusForbidden
	}
	for _, r := range roles {
		m[r] = ok
	}
	return m
}

var everyRole = []string{coord, trainerA, trainerB, clinicA, clinicB}

// currentVersion reads a document's version straight from the store, so
// that allowed writes in the matrix name the right one.
func (e *env) currentVersion(kind, id string) int64 {
	e.t.Helper()
	ctx := context.Background()
	var (
		v   int64
		err error
	)
	switch kind {
	case "trainer":
		var t *models.Trainer
		if t, err = e.st.Trainer(ctx, id); err == nil {
			v = t.Version
		}
	case "clinic":
		var c *models.Clinic
		if c, err = e.st.Clinic(ctx, id); err == nil {
			v = c.Version
		}
	case "request":
		var r *models.Request
		if r, err = e.st.Request(ctx, id); err == nil {
			v = r.Version
		}
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// TestRoleMatrix calls every route as every role. A refused call must
// answer a problem and write nothing.
func TestRoleMatrix(t *testing.T) {
	e := newEnv(t, withPlanning(t))
	e.visitOf(e.requestA, e.trainerA) // trainer A visits request A; trainer B has nothing to do with it
	type matrixCase struct {
		method, route string
		public        bool
		call          func(as string) req
		want          map[string]int
	}
	api := "/api/v1"
	reqA := func(as string) string { return api + "/requests/" + e.requestA.ID }
	cases := []matrixCase{
		{method: "GET", route: "/healthz", public: true, want: statuses(200, everyRole...),
			call: func(as string) req { return req{path: "/healthz"} }},
		{method: "GET", route: "/readyz", public: true, want: statuses(200, everyRole...),
			call: func(as string) req { return req{path: "/readyz"} }},
		{method: "GET", route: api + "/openapi.json", public: true, want: statuses(200, everyRole...),
			call: func(as string) req { return req{path: api + "/openapi.json"} }},
		{method: "POST", route: api + "/auth/login", public: true, want: statuses(200, everyRole...),
			call: func(as string) req {
				return req{path: api + "/auth/login", body: map[string]string{"email": e.users[coord].Email, "password": testPassword}}
			}},
		{method: "POST", route: api + "/auth/logout", want: statuses(204, everyRole...),
			call: func(as string) req {
				r := req{path: api + "/auth/logout"}
				if as != anonymous { // a token of its own, so the role's fixture token survives
					secret, _ := e.apiToken(e.users[as].ID)
					r.header = map[string]string{"Authorization": "Bearer " + secret}
				}
				return r
			}},
		{method: "GET", route: api + "/me", want: statuses(200, everyRole...),
			call: func(as string) req { return req{path: api + "/me"} }},
		{method: "GET", route: api + "/tokens", want: statuses(200, everyRole...),
			call: func(as string) req { return req{path: api + "/tokens"} }},
		{method: "POST", route: api + "/tokens", want: statuses(201, everyRole...),
			call: func(as string) req { return req{path: api + "/tokens", body: map[string]any{"name": "matrix"}} }},
		{method: "DELETE", route: api + "/tokens/:id", want: statuses(204, everyRole...),
			call: func(as string) req {
				owner := as
				if as == anonymous {
					owner = coord
				}
				_, id := e.apiToken(e.users[owner].ID)
				return req{path: api + "/tokens/" + id}
			}},

		{method: "GET", route: api + "/trainers", want: statuses(200, coord),
			call: func(as string) req { return req{path: api + "/trainers"} }},
		{method: "POST", route: api + "/trainers", want: statuses(201, coord),
			call: func(as string) req { return req{path: api + "/trainers", body: e.trainerBody()} }},
		{method: "GET", route: api + "/trainers/:id", want: statuses(200, coord, trainerA),
			call: func(as string) req { return req{path: api + "/trainers/" + e.trainerA.ID} }},
		{method: "PUT", route: api + "/trainers/:id", want: statuses(200, coord),
			call: func(as string) req {
				return req{path: api + "/trainers/" + e.trainerA.ID, body: e.trainerBody(), header: ifMatch(e.currentVersion("trainer", e.trainerA.ID))}
			}},
		{method: "DELETE", route: api + "/trainers/:id", want: statuses(204, coord),
			call: func(as string) req { return req{path: api + "/trainers/" + e.createTrainer().ID, header: ifMatch(1)} }},
		{method: "GET", route: api + "/trainers/:id/availability", want: statuses(200, coord, trainerA),
			call: func(as string) req { return req{path: api + "/trainers/" + e.trainerA.ID + "/availability"} }},
		{method: "PUT", route: api + "/trainers/:id/availability", want: statuses(200, coord, trainerA),
			call: func(as string) req {
				return req{path: api + "/trainers/" + e.trainerA.ID + "/availability",
					body:   map[string]any{"weekly": map[string]any{"thu": []any{map[string]any{"start": "10:00", "end": "16:00"}}}},
					header: ifMatch(e.currentVersion("trainer", e.trainerA.ID))}
			}},

		{method: "GET", route: api + "/clinics", want: statuses(200, coord, trainerA, trainerB),
			call: func(as string) req { return req{path: api + "/clinics"} }},
		{method: "POST", route: api + "/clinics", want: statuses(201, coord),
			call: func(as string) req { return req{path: api + "/clinics", body: e.clinicBody()} }},
		{method: "GET", route: api + "/clinics/:id", want: statuses(200, coord, trainerA, trainerB, clinicA),
			call: func(as string) req { return req{path: api + "/clinics/" + e.clinicA.ID} }},
		{method: "PUT", route: api + "/clinics/:id", want: statuses(200, coord, clinicA),
			call: func(as string) req {
				return req{path: api + "/clinics/" + e.clinicA.ID, body: e.clinicBody(), header: ifMatch(e.currentVersion("clinic", e.clinicA.ID))}
			}},
		{method: "DELETE", route: api + "/clinics/:id", want: statuses(204, coord),
			call: func(as string) req { return req{path: api + "/clinics/" + e.createClinic().ID, header: ifMatch(1)} }},

		{method: "GET", route: api + "/requests", want: statuses(200, everyRole...),
			call: func(as string) req { return req{path: api + "/requests"} }},
		{method: "POST", route: api + "/requests", want: statuses(201, coord, clinicA),
			call: func(as string) req { return req{path: api + "/requests", body: requestBody(e.clinicA.ID)} }},
		// Another clinic's request is "not found" for a clinic, not "forbidden";
		// so is a request for a trainer who neither visits it nor is offered it.
		{method: "GET", route: api + "/requests/:id", want: merge(merge(statuses(200, coord, trainerA, clinicA), clinicB, 404), trainerB, 404),
			call: func(as string) req { return req{path: reqA(as)} }},
		{method: "PUT", route: api + "/requests/:id", want: merge(statuses(200, coord, clinicA), clinicB, 404),
			call: func(as string) req {
				return req{path: reqA(as), body: requestBody(e.clinicA.ID), header: ifMatch(e.currentVersion("request", e.requestA.ID))}
			}},
		{method: "POST", route: api + "/requests/:id/status", want: merge(statuses(200, coord, clinicA), clinicB, 404),
			call: func(as string) req {
				return req{path: api + "/requests/" + e.createRequest(e.clinicA.ID).ID + "/status", body: map[string]any{"status": "cancelled", "version": 1}}
			}},

		{method: "GET", route: api + "/users", want: statuses(200, coord),
			call: func(as string) req { return req{path: api + "/users"} }},
		{method: "POST", route: api + "/users", want: statuses(201, coord),
			call: func(as string) req {
				return req{path: api + "/users", body: map[string]any{"email": "u" + strings.ReplaceAll(as, " ", "") + "@example.org",
					"name": "U", "password": "long enough", "role": "coordinator"}}
			}},
		{method: "GET", route: api + "/users/:id", want: statuses(200, coord),
			call: func(as string) req { return req{path: api + "/users/" + e.users[trainerA].ID} }},

		{method: "POST", route: api + "/plans/:week/run", want: statuses(201, coord),
			call: func(as string) req { return req{path: api + "/plans/2025-03-10/run"} }},
		{method: "GET", route: api + "/plans/:week", want: statuses(200, coord),
			call: func(as string) req { return req{path: api + "/plans/2025-03-10"} }},
		{method: "GET", route: api + "/plans/:week/:version", want: statuses(200, coord),
			call: func(as string) req { return req{path: api + "/plans/2025-03-10/1"} }},
		{method: "POST", route: api + "/plans/:week/:version/publish", want: statuses(200, coord),
			call: func(as string) req { return req{path: api + "/plans/2025-03-10/1/publish"} }},
		{method: "POST", route: api + "/plans/:week/:version/edits", want: statuses(201, coord),
			call: func(as string) req {
				// A fresh draft copy of the week's latest plan to edit.
				latest, err := e.st.LatestPlan(context.Background(), "2025-03-10")
				if err != nil {
					t.Fatal(err)
				}
				latest.Status, latest.Edited, latest.PublishedAt = models.PlanDraft, false, nil
				if err := e.st.CreatePlan(context.Background(), latest); err != nil {
					t.Fatal(err)
				}
				return req{path: api + "/plans/2025-03-10/" + strconv.Itoa(latest.Version) + "/edits",
					body: map[string]any{"op": "unassign", "request_id": latest.Routes[0].Stops[0].RequestID}}
			}},
		{method: "GET", route: api + "/plans/:week/:version/diff", want: statuses(200, coord),
			call: func(as string) req { return req{path: api + "/plans/2025-03-10/1/diff"} }},
		{method: "GET", route: api + "/visits", want: statuses(200, everyRole...),
			call: func(as string) req { return req{path: api + "/visits"} }},
		// Someone else's visit is "not found", not "forbidden".
		{method: "GET", route: api + "/visits/:id", want: merge(merge(statuses(200, everyRole...), trainerB, 404), clinicB, 404),
			call: func(as string) req {
				return req{path: api + "/visits/" + e.bookedVisit(e.trainerA, e.clinicA, e.clock.Now().Add(-time.Hour)).ID}
			}},
		{method: "POST", route: api + "/visits/:id/complete", want: merge(statuses(200, coord, trainerA), trainerB, 404),
			call: func(as string) req {
				v := e.bookedVisit(e.trainerA, e.clinicA, e.clock.Now().Add(-time.Hour))
				return req{path: api + "/visits/" + v.ID + "/complete", body: map[string]any{"outcome": "done"}}
			}},
		{method: "GET", route: api + "/outbox", want: statuses(200, coord),
			call: func(as string) req { return req{path: api + "/outbox"} }},
		{method: "POST", route: api + "/outbox/:id/retry", want: statuses(200, coord),
			call: func(as string) req { return req{path: api + "/outbox/" + e.failedMessage() + "/retry"} }},
		{method: "GET", route: api + "/mailbox", want: statuses(200, coord),
			call: func(as string) req { return req{path: api + "/mailbox"} }},
		{method: "GET", route: api + "/trainers/:id/feed-token", want: statuses(200, coord, trainerA),
			call: func(as string) req { return req{path: api + "/trainers/" + e.trainerA.ID + "/feed-token"} }},
		{method: "POST", route: api + "/trainers/:id/feed-token", want: statuses(200, coord, trainerA),
			call: func(as string) req { return req{path: api + "/trainers/" + e.trainerA.ID + "/feed-token"} }},
		// The feed's token is its only credential: a login changes nothing.
		{method: "GET", route: "/feeds/:token", public: true, want: statuses(200, everyRole...),
			call: func(as string) req { return req{path: "/feeds/" + e.feedSecret() + ".ics"} }},

		{method: "GET", route: api + "/trainers/:id/absences", want: statuses(200, coord, trainerA),
			call: func(as string) req { return req{path: api + "/trainers/" + e.trainerA.ID + "/absences"} }},
		{method: "POST", route: api + "/trainers/:id/absences", want: statuses(201, coord, trainerA),
			call: func(as string) req {
				day := models.Date("2025-06-02").AddDays(int(e.unique()))
				return req{path: api + "/trainers/" + e.trainerA.ID + "/absences", body: map[string]any{"from": day, "to": day, "reason": "ill"}}
			}},
		{method: "DELETE", route: api + "/trainers/:id/absences/:absence", want: statuses(204, coord, trainerA),
			call: func(as string) req {
				return req{path: api + "/trainers/" + e.trainerA.ID + "/absences/" + e.absenceOf(e.trainerA.ID)}
			}},
		{method: "GET", route: api + "/change-requests", want: statuses(200, coord, clinicA, clinicB),
			call: func(as string) req { return req{path: api + "/change-requests"} }},
		{method: "GET", route: api + "/requests/:id/change-requests", want: merge(statuses(200, coord, clinicA), clinicB, 404),
			call: func(as string) req { return req{path: reqA(as) + "/change-requests"} }},
		{method: "POST", route: api + "/requests/:id/change-requests", want: merge(statuses(201, coord, clinicA), clinicB, 404),
			call: func(as string) req {
				return req{path: api + "/requests/" + e.bookedRequest(e.clinicA.ID).ID + "/change-requests", body: changeBody()}
			}},
		{method: "POST", route: api + "/requests/:id/change-requests/:change/accept", want: statuses(200, coord),
			call: func(as string) req {
				r, cr := e.pendingChange(e.clinicA.ID)
				return req{path: api + "/requests/" + r.ID + "/change-requests/" + cr.ID + "/accept"}
			}},
		{method: "POST", route: api + "/requests/:id/change-requests/:change/decline", want: statuses(200, coord),
			call: func(as string) req {
				r, cr := e.pendingChange(e.clinicA.ID)
				return req{path: api + "/requests/" + r.ID + "/change-requests/" + cr.ID + "/decline", body: map[string]any{"reason": "no trainer free then"}}
			}},
		{method: "GET", route: api + "/audit", want: statuses(200, coord),
			call: func(as string) req { return req{path: api + "/audit"} }},
	}

	// The matrix covers every route the engine answers (not only the
	// routing table's, so a route registered around the table shows up
	// too), and only those.
	inMatrix := map[string]bool{}
	for _, c := range cases {
		inMatrix[c.method+" "+c.route] = true
	}
	for _, r := range e.srv.engine.Routes() {
		if isPagePath(r.Path) {
			continue // browser pages: TestPageRoleMatrix
		}
		if !inMatrix[r.Method+" "+r.Path] {
			t.Errorf("route %s %s is missing from the role matrix", r.Method, r.Path)
		}
		delete(inMatrix, r.Method+" "+r.Path)
	}
	for k := range inMatrix {
		t.Errorf("the role matrix names %s, which is not a route", k)
	}

	// Per route, the refused calls go first, between two snapshots (their
	// fixtures are made before the first), then the allowed ones.
	for _, c := range cases {
		type call struct {
			as   string
			want int
			r    *req // built up front for refused calls, just in time for allowed ones
		}
		var refused, allowed []call
		var refusedTo []string
		for _, as := range roleNames {
			want := http.StatusUnauthorized
			if as != anonymous {
				want = c.want[as]
			} else if c.public {
				want = c.want[coord]
			}
			if want >= 400 {
				r := c.call(as)
				refused = append(refused, call{as, want, &r})
				refusedTo = append(refusedTo, as)
			} else {
				allowed = append(allowed, call{as, want, nil})
			}
		}
		var before snapshot
		if len(refused) > 0 {
			before = e.snapshotDocs()
		}
		for i, cl := range append(refused, allowed...) {
			if cl.r == nil {
				r := c.call(cl.as)
				cl.r = &r
			}
			cl.r.as, cl.r.method = cl.as, c.method
			audited := e.auditCount()
			res := e.do(*cl.r)
			if res.status != cl.want {
				t.Errorf("%s %s as %s: status %d, want %d; body %s", c.method, c.route, cl.as, res.status, cl.want, res.body)
			} else if cl.want >= 400 {
				res.problem(t)
			}
			// Every successful change leaves exactly one audit entry,
			// whatever route made it; nothing else leaves any.
			wantEntries := int64(0)
			if cl.want < 400 && changesState(c.method, c.route) {
				wantEntries = 1
			}
			if got := e.auditCount() - audited; got != wantEntries {
				t.Errorf("%s %s as %s left %d audit entries, want %d", c.method, c.route, cl.as, got, wantEntries)
			}
			if i == len(refused)-1 {
				if d := before.diff(e.snapshotDocs()); d != "" {
					t.Errorf("%s %s was refused to %v but something wrote: %s", c.method, c.route, refusedTo, d)
				}
			}
		}
	}
}

func merge(m map[string]int, role string, status int) map[string]int {
	m[role] = status
	return m
}

// A clinic cannot find another clinic's request by id: the answer equals
// the one for an id that does not exist at all.
func TestClinicCannotProbeOtherRequests(t *testing.T) {
	e := newEnv(t)
	other := e.do(req{as: clinicA, method: http.MethodGet, path: "/api/v1/requests/" + e.requestB.ID}).want(t, http.StatusNotFound).problem(t)
	missing := e.do(req{as: clinicA, method: http.MethodGet, path: "/api/v1/requests/0123456789abcdef01234567"}).want(t, http.StatusNotFound).problem(t)
	other.Instance, missing.Instance = "", ""
	if other.Detail != missing.Detail || other.Title != missing.Title || other.Type != missing.Type {
		t.Errorf("another clinic's request %+v differs from a missing one %+v", other, missing)
	}
}

// changesState reports whether a route changes state: every unsafe method.
// (GET …/feed-token makes a feed URL on first use, which shows nothing a
// client could tell from an existing one: it is a read.)
func changesState(method, route string) bool {
	return !safeMethod(method)
}

// auditCount counts the audit entries.
func (e *env) auditCount() int64 {
	e.t.Helper()
	n, err := e.st.CountAudit(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}
