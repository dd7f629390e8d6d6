package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
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

// setLang makes the account of role read in lang from its next request on.
func (e *env) setLang(role, lang string) {
	e.t.Helper()
	u, err := e.st.User(context.Background(), e.users[role].ID)
	if err != nil {
		e.t.Fatal(err)
	}
	u.Lang = lang
	if err := e.st.UpdateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	e.users[role] = u
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
		{board + "/run", url.Values{"mode": {"optimise"}, "max_changes": {"-1"}}},
		{board + "/run", url.Values{"mode": {"optimise"}, "max_changes": {"some"}}},
		{board + "/edit", url.Values{"version": {"1"}, "op": {"move"}, "request_id": {"0123456789abcdef01234567"}, "date": {"Monday"}}},
		{board + "/edit", url.Values{"version": {"1"}, "op": {"jump"}, "request_id": {"0123456789abcdef01234567"}}},
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

// runBoard plans the test week from the board and returns the new draft.
func runBoard(t *testing.T, e *env, b *browser, board string) *models.Plan {
	t.Helper()
	if p := b.post(board+"/run", url.Values{"csrf_token": {b.formToken(board)}}); p.status != http.StatusSeeOther {
		t.Fatalf("run: %d\n%s", p.status, p.body)
	}
	plan, err := e.st.LatestPlan(context.Background(), testWeek)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// placeOf finds where plan puts request id: trainer, date and start.
func placeOf(plan *models.Plan, id string) (trainer string, date models.Date, start string) {
	for _, r := range plan.Routes {
		for _, st := range r.Stops {
			if st.RequestID == id {
				return r.TrainerID, r.Date, st.Start.UTC().Format("15:04")
			}
		}
	}
	return "", "", ""
}

func TestBoardEditsThroughTheEditsService(t *testing.T) {
	e, b, board := coordBoard(t)
	plan := runBoard(t, e, b, board)
	from, day, _ := placeOf(plan, e.requestA.ID)
	if from == "" {
		t.Fatalf("request A is not planned: %+v", plan.Unassigned)
	}
	other := e.trainerA.ID
	if from == other {
		other = e.trainerB.ID
	}
	edit := func(version int, fields url.Values) page {
		t.Helper()
		fields.Set("csrf_token", b.formToken(board))
		fields.Set("version", fmt.Sprint(version))
		return b.post(board+"/edit", fields)
	}

	// An infeasible move is refused with its reason on the board, in the
	// coordinator's language, and nothing is written.
	before := e.snapshotDocs()
	offDay := url.Values{"op": {"move"}, "request_id": {e.requestA.ID}, "trainer_id": {other}, "date": {"2025-03-11"}}
	otherName := e.trainerA.Name
	if other == e.trainerB.ID {
		otherName = e.trainerB.Name
	}
	english := otherName + " is off on Tue 11 March (no working hours that day)"
	russian := "тренер " + otherName + " не работает 11 марта (вт): рабочих часов в этот день нет"
	p := edit(plan.Version, offDay)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `role="alert"`) ||
		!strings.Contains(p.body, english) || strings.Contains(p.body, russian) || !strings.Contains(p.body, `id="e-trainer"`) {
		t.Fatalf("a move to a day off (English account): %d\n%s", p.status, p.body)
	}
	if diff := before.diff(e.snapshotDocs()); diff != "" {
		t.Fatalf("a refused edit wrote: %s", diff)
	}
	e.setLang(coord, "ru")
	before = e.snapshotDocs()
	p = edit(plan.Version, offDay)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Изменение не сделано:</strong> "+russian) ||
		strings.Contains(p.body, english) || strings.Contains(p.body, "is off on") {
		t.Fatalf("a move to a day off (Russian account): %d\n%s", p.status, p.body)
	}
	if diff := before.diff(e.snapshotDocs()); diff != "" {
		t.Fatalf("a refused edit wrote: %s", diff)
	}
	e.setLang(coord, "en")

	// The keyboard form's move makes a new draft with the visit there.
	p = edit(plan.Version, url.Values{"op": {"move"}, "request_id": {e.requestA.ID}, "trainer_id": {other}, "date": {string(day)}, "start": {""}})
	if p.status != http.StatusSeeOther || p.location != boardURL(testWeek, e.requestA.ID) {
		t.Fatalf("a feasible move: %d %q\n%s", p.status, p.location, p.body)
	}
	moved, err := e.st.LatestPlan(context.Background(), testWeek)
	if err != nil {
		t.Fatal(err)
	}
	if tr, d, _ := placeOf(moved, e.requestA.ID); moved.Version != plan.Version+1 || tr != other || d != day {
		t.Fatalf("after the move: version %d, request A with %s on %s", moved.Version, tr, d)
	}
	if p := b.get(board); !strings.Contains(p.body, "Changed: the new draft is shown") || !strings.Contains(p.body, "Version 2 (draft)") {
		t.Errorf("the board after the move:\n%s", p.body)
	}

	// The old version was edited already: a second edit of it loses the
	// race and says so, writing nothing.
	p = edit(plan.Version, url.Values{"op": {"unassign"}, "request_id": {e.requestB.ID}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Someone else changed this draft") {
		t.Fatalf("an edit of an edited version: %d\n%s", p.status, p.body)
	}

	// Pin keeps the visit where it is; unassign takes it out.
	tr, d, st := placeOf(moved, e.requestB.ID)
	if p := edit(moved.Version, url.Values{"op": {"pin"}, "request_id": {e.requestB.ID}, "trainer_id": {tr}, "date": {string(d)}, "start": {st}}); p.status != http.StatusSeeOther {
		t.Fatalf("pin: %d\n%s", p.status, p.body)
	}
	pinned, _ := e.st.LatestPlan(context.Background(), testWeek)
	if tr2, d2, st2 := placeOf(pinned, e.requestB.ID); tr2 != tr || d2 != d || st2 != st || !slices.ContainsFunc(pinned.Pins, func(p models.EditPin) bool {
		return p.RequestID == e.requestB.ID
	}) {
		t.Fatalf("after pinning: %s %s %s, pins %+v", tr2, d2, st2, pinned.Pins)
	}
	if p := b.get(board); !strings.Contains(p.body, `class="mk p"`) {
		t.Error("the pinned visit has no pin mark")
	}
	if p := edit(pinned.Version, url.Values{"op": {"unassign"}, "request_id": {e.requestB.ID}}); p.status != http.StatusSeeOther {
		t.Fatalf("unassign: %d\n%s", p.status, p.body)
	}
	out, _ := e.st.LatestPlan(context.Background(), testWeek)
	if tr, _, _ := placeOf(out, e.requestB.ID); tr != "" || len(out.Unassigned) != 1 {
		t.Fatalf("after unassigning request B: on %q, unassigned %+v", tr, out.Unassigned)
	}
	// A left-out request is chosen from the list and placed by the form.
	sel := b.get(board + "?visit=" + e.requestB.ID)
	if !strings.Contains(sel.body, `name="op" value="assign"`) || !strings.Contains(sel.body, "left out of the plan") {
		t.Fatalf("no assign form for a left-out request:\n%s", sel.body)
	}
	if p := edit(out.Version, url.Values{"op": {"assign"}, "request_id": {e.requestB.ID}, "trainer_id": {tr}, "date": {string(d)}}); p.status != http.StatusSeeOther {
		t.Fatalf("assign: %d\n%s", p.status, p.body)
	}
	back, _ := e.st.LatestPlan(context.Background(), testWeek)
	if tr2, _, _ := placeOf(back, e.requestB.ID); tr2 != tr {
		t.Fatalf("after assigning request B is with %q, want %q", tr2, tr)
	}
	// The versions page names who edited.
	if p := b.get("/plans/" + string(testWeek)); !strings.Contains(p.body, "Version 5") || !strings.Contains(p.body, "took a visit out of version 3") || !strings.Contains(p.body, "placed a request in version 4") ||
		!strings.Contains(p.body, "moved a visit in version 1") {
		t.Errorf("versions after edits:\n%s", p.body)
	}
}

func TestBoardSwap(t *testing.T) {
	e, b, board := coordBoard(t)
	plan := runBoard(t, e, b, board)
	trA, dA, _ := placeOf(plan, e.requestA.ID)
	trB, dB, _ := placeOf(plan, e.requestB.ID)
	if dA != dB {
		t.Skipf("the fixtures are planned on different days (%s, %s)", dA, dB)
	}
	sel := b.get(board + "?visit=" + e.requestA.ID)
	if trA != trB && !strings.Contains(sel.body, `name="with"`) {
		t.Fatalf("no swap form for two visits of one day:\n%s", sel.body)
	}
	p := b.post(board+"/edit", url.Values{"csrf_token": {b.csrf(sel)}, "version": {fmt.Sprint(plan.Version)}, "op": {"swap"},
		"request_id": {e.requestA.ID}, "with": {e.requestB.ID}})
	if p.status != http.StatusSeeOther && p.status != http.StatusUnprocessableEntity {
		t.Fatalf("swap: %d\n%s", p.status, p.body)
	}
	if p.status == http.StatusSeeOther {
		after, _ := e.st.LatestPlan(context.Background(), testWeek)
		if tr, _, _ := placeOf(after, e.requestA.ID); tr != trB {
			t.Fatalf("after the swap request A is with %s, want %s", tr, trB)
		}
	}
}

func TestBoardPreviewShowsTheDiffAndMails(t *testing.T) {
	e, b, board := coordBoard(t)
	plan := runBoard(t, e, b, board)
	p := b.get(fmt.Sprintf("%s/preview?version=%d", board, plan.Version))
	if p.status != http.StatusOK {
		t.Fatalf("preview: %d\n%s", p.status, p.body)
	}
	cs, err := e.srv.publisher.Preview(context.Background(), testWeek, plan.Version, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Nothing is published for this week yet", fmt.Sprintf("New visits (%d)", len(cs.Added)), e.clinicA.Name,
		fmt.Sprintf("E-mails publishing sends (%d)", len(cs.Mails)), "to the clinic: visit booked", e.clinicA.ContactEmails[0], "Publish version 1"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	if len(cs.Added) != 2 {
		t.Errorf("the preview adds %d visits", len(cs.Added))
	}
	// Publishing sends what the preview said, and a second preview of the
	// published version changes nothing.
	if p := b.post(board+"/publish", url.Values{"csrf_token": {b.csrf(p)}, "version": {"1"}}); p.status != http.StatusSeeOther {
		t.Fatalf("publish: %d", p.status)
	}
	p = b.get(board + "/preview?version=1")
	if !strings.Contains(p.body, "Publishing sends no e-mail") || strings.Contains(p.body, "Publish version") {
		t.Errorf("the preview of the published version:\n%s", p.body)
	}
}

func TestBoardDecidesChangeRequestsAndAbsences(t *testing.T) {
	e, b, board := coordBoard(t)
	plan := runBoard(t, e, b, board)
	if p := b.post(board+"/publish", url.Values{"csrf_token": {b.formToken(board)}, "version": {fmt.Sprint(plan.Version)}}); p.status != http.StatusSeeOther {
		t.Fatalf("publish: %d", p.status)
	}
	ask := func(comment string) models.ChangeRequest {
		t.Helper()
		var cr models.ChangeRequest
		e.do(req{as: clinicA, method: http.MethodPost, path: "/api/v1/requests/" + e.requestA.ID + "/change-requests",
			body: map[string]any{"comment": comment, "preferred_windows": map[string]any{"mon": []any{map[string]any{"start": "14:00", "end": "17:00"}}}}}).
			want(t, http.StatusCreated).decode(t, &cr)
		return cr
	}
	cr := ask("Our staff meeting moved to the morning")
	p := b.get(board)
	for _, want := range []string{"Waiting for your decision", e.clinicA.Name, "Our staff meeting moved to the morning", "The clinic asks for: Mon 14:00–17:00."} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the board lacks %q", want)
		}
	}
	decide := func(action string, fields url.Values) page {
		fields.Set("csrf_token", b.formToken(board))
		return b.post(board+"/change-requests/"+e.requestA.ID+"/"+cr.ID+"/"+action, fields)
	}
	// Declining needs a reason the clinic can read.
	if p := decide("decline", url.Values{"reason": {"  "}}); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Say why the change is declined") {
		t.Fatalf("decline without a reason: %d\n%s", p.status, p.body)
	}
	if p := decide("decline", url.Values{"reason": {"The trainer is booked all morning"}}); p.status != http.StatusSeeOther {
		t.Fatalf("decline: %d\n%s", p.status, p.body)
	}
	got, err := e.st.ChangeRequest(context.Background(), cr.ID)
	if err != nil || got.Status != models.ChangeDeclined || got.DeclineReason != "The trainer is booked all morning" {
		t.Fatalf("after declining: %v %+v", err, got)
	}
	if p := b.get(board); strings.Contains(p.body, "Our staff meeting") {
		t.Error("a decided change request is still listed")
	}
	// Accepting applies the wishes and makes a repair draft at once.
	cr = ask("Afternoons suit us better")
	if p := decide("accept", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("accept: %d\n%s", p.status, p.body)
	}
	if got, _ := e.st.ChangeRequest(context.Background(), cr.ID); got.Status != models.ChangeAccepted {
		t.Fatalf("after accepting: %s", got.Status)
	}
	if r, _ := e.st.Request(context.Background(), e.requestA.ID); len(r.PreferredWindows.Mon) != 1 || r.PreferredWindows.Mon[0].Start != 14*60 {
		t.Fatalf("the request's windows after accepting: %+v", r.PreferredWindows)
	}
	if latest, _ := e.st.LatestPlan(context.Background(), testWeek); latest.Version <= plan.Version || latest.Status != models.PlanDraft {
		t.Fatalf("no repair draft after accepting: version %d %s", latest.Version, latest.Status)
	}

	// A trainer's absence in the week is listed with its repair draft, and
	// the coordinator may withdraw it.
	trainer, day, _ := placeOf(plan, e.requestB.ID)
	var a models.Absence
	e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/trainers/" + trainer + "/absences",
		body: map[string]any{"from": string(day), "to": string(day), "reason": "ill"}}).want(t, http.StatusCreated).decode(t, &a)
	affected := 0
	for _, r := range plan.Routes {
		if r.TrainerID == trainer && r.Date == day {
			affected = len(r.Stops)
		}
	}
	p = b.get(board)
	if !strings.Contains(p.body, "absent 10 Mar 2025 – 10 Mar 2025") || !strings.Contains(p.body, fmt.Sprintf("Booked visits affected: %d.", affected)) ||
		!strings.Contains(p.body, "Preview the repair") {
		t.Fatalf("the board lacks the absence:\n%s", p.body)
	}
	if p := b.post(board+"/absences/"+trainer+"/"+a.ID+"/delete", url.Values{"csrf_token": {b.csrf(p)}}); p.status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d\n%s", p.status, p.body)
	}
	if list, _ := e.st.Absences(context.Background(), trainer); len(list) != 0 {
		t.Fatalf("the absence is still there: %+v", list)
	}
}
