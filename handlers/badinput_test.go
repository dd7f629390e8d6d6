package handlers

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestBadInput sends broken input to every kind of write: each answer is a
// 4xx problem naming the field where there is one, and nothing is written.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	api := "/api/v1"
	reqPath := api + "/requests/" + e.requestA.ID
	availPath := api + "/trainers/" + e.trainerA.ID + "/availability"
	with := func(body map[string]any, key string, value any) map[string]any {
		body[key] = value
		return body
	}
	without := func(body map[string]any, key string) map[string]any {
		delete(body, key)
		return body
	}
	week := func(windows ...any) map[string]any { return map[string]any{"weekly": map[string]any{"mon": windows}} }
	win := func(a, b string) map[string]any { return map[string]any{"start": a, "end": b} }
	huge := `{"name":"` + strings.Repeat("x", DefaultMaxBodyBytes) + `"}`
	// Every case is refused, so the database must stay as it is now through
	// all of them; one snapshot before is enough to compare each after.
	before := e.snapshot()

	for _, tc := range []struct {
		name   string
		r      req
		status int
		field  string // the first field named in errors, if any
	}{
		{"malformed JSON", req{as: coord, method: "POST", path: api + "/trainers", body: `{"name": "A",`}, 400, ""},
		{"not an object", req{as: coord, method: "POST", path: api + "/clinics", body: `[1,2]`}, 400, ""},
		{"empty body", req{as: coord, method: "POST", path: api + "/clinics", body: ``}, 400, ""},
		{"trailing data", req{as: coord, method: "POST", path: api + "/requests", body: `{"kind":"follow_up","topic":"x","clinic_id":"` + e.clinicA.ID + `"} {}`}, 400, ""},
		{"wrong type", req{as: coord, method: "POST", path: api + "/requests", body: with(requestBody(e.clinicA.ID), "duration_minutes", "ninety")}, 400, "duration_minutes"},
		{"wrong nested type", req{as: coord, method: "POST", path: api + "/clinics", body: with(e.clinicBody(), "place", map[string]any{"address": "x", "lat": "north", "lon": 1})}, 400, "place.lat"},
		{"unknown field", req{as: coord, method: "POST", path: api + "/requests", body: with(requestBody(e.clinicA.ID), "colour", "red")}, 400, "colour"},
		{"server-owned field", req{as: coord, method: "PUT", path: reqPath, body: with(requestBody(e.clinicA.ID), "status", "done"), header: ifMatch(1)}, 400, "status"},
		{"time not HH:MM", req{as: trainerA, method: "PUT", path: availPath, body: week(win("9:00", "12:00")), header: ifMatch(1)}, 400, "weekly.mon.start"},
		{"end before start", req{as: trainerA, method: "PUT", path: availPath, body: week(win("12:00", "09:00")), header: ifMatch(1)}, 422, "weekly.mon[0]"},
		{"overlapping windows", req{as: trainerA, method: "PUT", path: availPath, body: week(win("09:00", "12:00"), win("11:00", "14:00")), header: ifMatch(1)}, 422, "weekly.mon"},
		{"overlapping windows in a new trainer", req{as: coord, method: "POST", path: api + "/trainers", body: with(e.trainerBody(), "availability", week(win("09:00", "12:00"), win("09:30", "10:00")))}, 422, "availability.weekly.mon"},
		{"override twice", req{as: coord, method: "PUT", path: availPath, header: ifMatch(1), body: map[string]any{"weekly": map[string]any{}, "overrides": []any{
			map[string]any{"date": "2025-03-11", "off": true}, map[string]any{"date": "2025-03-11", "off": true}}}}, 422, "overrides[1].date"},
		{"due before earliest", req{as: clinicA, method: "POST", path: api + "/requests", body: with(requestBody(e.clinicA.ID), "due_date", "2025-03-01")}, 422, "due_date"},
		{"unknown clinic", req{as: coord, method: "POST", path: api + "/requests", body: requestBody("0123456789abcdef01234567")}, 422, "clinic_id"},
		{"clinic id not an id", req{as: coord, method: "POST", path: api + "/requests", body: requestBody("clinic-1")}, 422, "clinic_id"},
		{"unknown pinned trainer", req{as: coord, method: "POST", path: api + "/requests", body: with(requestBody(e.clinicA.ID), "pin", map[string]any{"trainer_id": "0123456789abcdef01234567"})}, 422, "pin.trainer_id"},
		{"empty required fields of a clinic", req{as: coord, method: "POST", path: api + "/clinics", body: `{}`}, 422, "name"},
		{"empty topic", req{as: coord, method: "POST", path: api + "/requests", body: with(requestBody(e.clinicA.ID), "topic", "  ")}, 422, "topic"},
		{"empty trainer name", req{as: coord, method: "PUT", path: api + "/trainers/" + e.trainerA.ID, body: with(e.trainerBody(), "name", ""), header: ifMatch(1)}, 422, "name"},
		{"missing e-mail", req{as: coord, method: "POST", path: api + "/trainers", body: without(e.trainerBody(), "email")}, 422, "email"},
		{"participants on a support visit", req{as: coord, method: "POST", path: api + "/requests", body: with(requestBody(e.clinicA.ID), "kind", "onsite_support")}, 422, "participants"},
		{"bad ObjectID in path", req{as: coord, method: "GET", path: api + "/requests/12345"}, 400, "id"},
		{"bad ObjectID in update", req{as: coord, method: "PUT", path: api + "/clinics/ZZZZZZZZZZZZZZZZZZZZZZZZ", body: e.clinicBody(), header: ifMatch(1)}, 400, "id"},
		{"bad ObjectID in delete", req{as: coord, method: "DELETE", path: api + "/trainers/not-an-id", header: ifMatch(1)}, 400, "id"},
		{"bad If-Match", req{as: coord, method: "PUT", path: reqPath, body: requestBody(e.clinicA.ID), header: map[string]string{"If-Match": "*"}}, 400, "If-Match"},
		{"missing version", req{as: coord, method: "PUT", path: reqPath, body: requestBody(e.clinicA.ID)}, 428, ""},
		{"stale version", req{as: coord, method: "PUT", path: reqPath, body: requestBody(e.clinicA.ID), header: ifMatch(7)}, 409, ""},
		{"not JSON", req{as: coord, method: "POST", path: api + "/clinics", body: `name=x`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415, ""},
		{"oversized body", req{as: coord, method: "POST", path: api + "/clinics", body: huge}, 413, ""},
		{"bad limit", req{as: coord, method: "GET", path: api + "/requests?limit=500"}, 400, "limit"},
		{"bad cursor", req{as: coord, method: "GET", path: api + "/requests?after=xyz"}, 400, "after"},
		{"unknown status filter", req{as: coord, method: "GET", path: api + "/requests?status=new,lost"}, 400, "status"},
		{"week not a Monday", req{as: coord, method: "GET", path: api + "/requests?week=2025-03-12"}, 400, "week"},
		{"availability without weekly", req{as: coord, method: "PUT", path: availPath, body: `{"overrides":[],"version":1}`}, 400, "weekly"},
		{"availability with a null weekly", req{as: coord, method: "PUT", path: availPath, body: `{"weekly":null,"version":1}`}, 400, "weekly"},
		{"unknown query parameter", req{as: coord, method: "GET", path: api + "/trainers?colour=red"}, 400, "colour"},
		{"repeated limit", req{as: coord, method: "GET", path: api + "/requests?limit=1&limit=abc"}, 400, "limit"},
		{"repeated week", req{as: clinicA, method: "GET", path: api + "/visits?week=2025-03-10&week=2025-03-17"}, 400, "week"},
		{"repeated cursor", req{as: coord, method: "GET", path: api + "/outbox?after=a&after=b"}, 400, "after"},
		{"planning a week that is over", req{as: coord, method: "POST", path: api + "/plans/2025-02-24/run"}, 422, "week"},
		{"planning a week years ahead", req{as: coord, method: "POST", path: api + "/plans/2062-03-06/run"}, 422, "week"},
		{"publishing a week that is over", req{as: coord, method: "POST", path: api + "/plans/2025-02-24/1/publish"}, 422, "week"},
		{"options for a planning run", req{as: coord, method: "POST", path: api + "/plans/2025-03-10/run", body: `{"seed":2}`}, 400, "seed"},
		{"a list for a publication", req{as: coord, method: "POST", path: api + "/plans/2025-03-10/1/publish", body: `[1]`}, 400, ""},
		{"text for a retry", req{as: coord, method: "POST", path: api + "/outbox/x/retry", body: `now`, header: map[string]string{"Content-Type": "text/plain"}}, 415, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.do(tc.r)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d; body %s", res.status, tc.status, res.body)
			}
			p := res.problem(t)
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
				t.Errorf("errors %+v, want first field %q", p.Errors, tc.field)
			}
			if p.Detail == "" {
				t.Error("problem without detail")
			}
			if d := before.diff(e.snapshot()); d != "" {
				t.Errorf("refused input was written: %s", d)
			}
		})
	}
}

// TestOversizedStreamedBody sends a body with no Content-Length, so the
// limit is enforced while reading rather than up front.
func TestOversizedStreamedBody(t *testing.T) {
	e := newEnv(t)
	before := e.snapshot()
	pr, pw := io.Pipe()
	go func() {
		fmt.Fprint(pw, `{"name":"`)
		chunk := strings.Repeat("y", 64<<10)
		for range 20 { // 1.25 MiB
			if _, err := io.WriteString(pw, chunk); err != nil {
				return
			}
		}
		fmt.Fprint(pw, `"}`)
		pw.Close()
	}()
	hr, err := http.NewRequest(http.MethodPost, e.http.URL+"/api/v1/clinics", pr)
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Authorization", "Bearer "+e.secrets[coord])
	hr.Header.Set("Content-Type", "application/json")
	res, err := e.http.Client().Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	pr.Close()
	out := &response{status: res.StatusCode, header: res.Header, body: body}
	out.want(t, http.StatusRequestEntityTooLarge).problem(t)
	if d := before.diff(e.snapshot()); d != "" {
		t.Errorf("oversized body was written: %s", d)
	}
}

// TestEveryRouteRefusesUnknownQuery: every API route the engine answers,
// including ones added later without declaring any parameter, refuses a
// query parameter it does not read with a 400 naming it, before doing
// anything.
func TestEveryRouteRefusesUnknownQuery(t *testing.T) {
	e := newEnv(t)
	before := e.snapshot()
	param := regexp.MustCompile(`:\w+`)
	for _, r := range e.srv.engine.Routes() {
		if isPagePath(r.Path) {
			continue // pages ignore parameters they do not read
		}
		path := param.ReplaceAllString(r.Path, "0123456789abcdef01234567") + "?colour=red"
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			p := e.do(req{as: coord, method: r.Method, path: path}).want(t, http.StatusBadRequest).problem(t)
			if len(p.Errors) == 0 || p.Errors[0].Field != "colour" {
				t.Errorf("errors %+v, want the field colour", p.Errors)
			}
		})
	}
	if d := before.diff(e.snapshot()); d != "" {
		t.Errorf("a refused call wrote: %s", d)
	}
}
