package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
)

// coordBoard logs a coordinator in on a server with planning and returns
// the browser, the env and the board's path for the test week.
func coordBoard(t *testing.T) (*env, *browser, string) {
	t.Helper()
	e := newEnv(t, withPlanning(t))
	b := e.browser()
	b.login(coord, "")
	return e, b, "/board/" + string(testWeek)
}

// formToken is the CSRF token of the forms on the board.
func (b *browser) formToken(path string) string {
	b.t.Helper()
	return b.csrf(b.get(path))
}

func TestBoardRunShowsTheDraftAndPublishes(t *testing.T) {
	e, b, board := coordBoard(t)
	// A request no trainer can serve is left out and says why, in words.
	odd := &models.Request{ClinicID: e.clinicB.ID, Kind: models.KindDifficultCase, Topic: "Aggressive patient",
		Skills: []string{"surgery"}, DurationMinutes: 60, EarliestDate: "2025-03-10", DueDate: "2025-03-14",
		Priority: models.PriorityUrgent, Status: models.StatusNew}
	if err := e.st.CreateRequest(context.Background(), odd); err != nil {
		t.Fatal(err)
	}
	p := b.get(board)
	if p.status != http.StatusOK || !strings.Contains(p.body, "no plan yet") {
		t.Fatalf("empty board: %d\n%s", p.status, p.body)
	}
	// Every trainer has a row even before planning, so work can be dropped there.
	for _, tr := range []*models.Trainer{e.trainerA, e.trainerB} {
		if !strings.Contains(p.body, tr.Name) {
			t.Errorf("the board lacks trainer %s", tr.Name)
		}
	}
	p = b.post(board+"/run", url.Values{"csrf_token": {b.csrf(p)}, "mode": {"repair"}})
	if p.status != http.StatusSeeOther || p.location != board {
		t.Fatalf("run: %d %q\n%s", p.status, p.location, p.body)
	}
	p = b.get(board)
	plan, err := e.st.LatestPlan(context.Background(), testWeek)
	if err != nil {
		t.Fatal(err)
	}
	if plan.KPIs.Scheduled != 2 {
		t.Fatalf("the fixtures should both be planned: %+v", plan.KPIs)
	}
	for _, want := range []string{"Planning finished", "Version 1 (draft)", "Left out (1)", "no trainer has the skill surgery",
		"Aggressive patient", "difficult case", "by coordinator", e.clinicA.Name, e.clinicB.Name,
		"Queue at the desk", "2 / 3", `data-request="` + e.requestA.ID + `"`, "Publish version 1", `class="mk n"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the board after planning lacks %q", want)
		}
	}
	// Choosing a visit opens the edit panel with its place preselected.
	sel := b.get(board + "?visit=" + e.requestA.ID)
	if !strings.Contains(sel.body, `name="op" value="move"`) || !strings.Contains(sel.body, `value="`+e.requestA.ID+`"`) {
		t.Errorf("the edit panel of a chosen visit is missing:\n%s", sel.body)
	}
	if v := b.get("/plans/" + string(testWeek)); v.status != http.StatusOK || !strings.Contains(v.body, "Version 1") ||
		!strings.Contains(v.body, "coordinator") {
		t.Errorf("versions page: %d\n%s", v.status, v.body)
	}

	p = b.post(board+"/publish", url.Values{"csrf_token": {b.csrf(p)}, "version": {"1"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", p.status, p.body)
	}
	if plan, err = e.st.Plan(context.Background(), testWeek, 1); err != nil || plan.Status != models.PlanPublished {
		t.Fatalf("after publishing from the board: %v %+v", err, plan)
	}
	p = b.get(board)
	if !strings.Contains(p.body, "Version 1 (published)") || !strings.Contains(p.body, `class="mk b"`) ||
		strings.Contains(p.body, "Publish version") {
		t.Errorf("the published board:\n%s", p.body)
	}
}

func TestBoardIsTheCoordinatorsOnly(t *testing.T) {
	e := newEnv(t, withPlanning(t))
	week := string(testWeek)
	for _, as := range []string{trainerA, clinicA} {
		b := e.browser()
		b.login(as, "")
		token := b.formToken("/account")
		for _, path := range []string{"/board/" + week, "/plans/" + week, "/board/" + week + "?visit=" + e.requestA.ID} {
			if p := b.get(path); p.status != http.StatusForbidden || !strings.HasPrefix(p.ctype, "text/html") {
				t.Errorf("GET %s as %s: %d %s", path, as, p.status, p.ctype)
			}
		}
		for _, action := range []string{"run", "edit", "publish"} {
			p := b.post("/board/"+week+"/"+action, url.Values{"csrf_token": {token}, "version": {"1"}, "op": {"unassign"},
				"request_id": {e.requestA.ID}})
			if p.status != http.StatusForbidden {
				t.Errorf("POST %s as %s: %d", action, as, p.status)
			}
		}
	}
	if n, _ := e.st.Plans(context.Background(), testWeek); len(n) != 0 {
		t.Fatalf("a refused caller made %d plans", len(n))
	}
}

func TestBoardFormsRefuseWithoutCSRF(t *testing.T) {
	e, b, board := coordBoard(t)
	for _, action := range []string{"run", "edit", "publish"} {
		for _, token := range []string{"", "wrong"} {
			form := url.Values{"version": {"1"}, "op": {"unassign"}, "request_id": {e.requestA.ID}, "mode": {"repair"}}
			if token != "" {
				form.Set("csrf_token", token)
			}
			p := b.post(board+"/"+action, form)
			if p.status != http.StatusForbidden || !strings.HasPrefix(p.ctype, "text/html") {
				t.Errorf("POST %s with token %q: %d %s", action, token, p.status, p.ctype)
			}
		}
	}
	if n, _ := e.st.Plans(context.Background(), testWeek); len(n) != 0 {
		t.Fatalf("a refused form made %d plans", len(n))
	}
}

func TestBoardBadInputIsA4xxPage(t *testing.T) {
	_, b, board := coordBoard(t)
	token := b.formToken(board)
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{board + "/run", url.Values{"mode": {"fastest"}}},
		{board + "/run", url.Values{"max_changes": {"-1"}}},
		{board + "/publish", url.Values{"version": {"x"}}},
		{board + "/edit", url.Values{"version": {"1"}}},
		{"/board/2025-03-11/run", url.Values{}},
		{"/board/2020-03-09/run", url.Values{}},
	} {
		c.form.Set("csrf_token", token)
		p := b.post(c.path, c.form)
		if p.status < 400 || p.status >= 500 || !strings.HasPrefix(p.ctype, "text/html") {
			t.Errorf("POST %s %v: %d %s", c.path, c.form, p.status, p.ctype)
		}
	}
	if p := b.get("/board/2025-03-10?version=0"); p.status != http.StatusBadRequest {
		t.Errorf("version=0: %d", p.status)
	}
	if p := b.get("/board/2025-03-10?version=7"); p.status != http.StatusNotFound {
		t.Errorf("a missing version: %d", p.status)
	}
}
