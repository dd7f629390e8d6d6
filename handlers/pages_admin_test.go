package handlers

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
)

// coordBrowser is a browser logged in as the coordinator and the CSRF
// token of its forms.
func coordBrowser(t *testing.T, e *env) (*browser, string) {
	t.Helper()
	b := e.browser()
	if p := b.login(coord, ""); p.status != http.StatusSeeOther {
		t.Fatalf("login: %d", p.status)
	}
	return b, b.csrf(b.get("/clinics"))
}

func countClinics(t *testing.T, e *env) int {
	t.Helper()
	items, err := e.st.Clinics(context.Background(), models.ClinicFilter{}, models.Page{Limit: models.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return len(items)
}

// wantAll fails unless body holds every piece.
func wantAll(t *testing.T, what, body string, pieces ...string) {
	t.Helper()
	for _, p := range pieces {
		if !strings.Contains(body, p) {
			t.Errorf("%s lacks %q", what, p)
		}
	}
	if t.Failed() {
		t.Logf("%s:\n%s", what, body)
	}
}

func TestClinicFormShowsValidationAndKeepsValues(t *testing.T) {
	e := newEnv(t)
	b, csrf := coordBrowser(t, e)
	before := countClinics(t, e)
	p := b.post("/clinics", url.Values{"csrf_token": {csrf}, "name": {""}, "address": {"Lenina 3"},
		"lat": {"north"}, "lon": {"37,6"}, "district": {"Central"}, "contact_emails": {"ok@example.org\nnot an address"},
		"hours_mon": {"09:00-18:00"}, "hours_tue": {"9 to 5"}, "notes": {"ring twice"}, "lang": {"en"},
		"preferred": {e.trainerB.ID}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid clinic: %d", p.status)
	}
	wantAll(t, "invalid clinic form", p.body,
		// the service's messages, translated, next to their fields
		`id="e-name"`, `id="e-lat"`, "Enter a number", `id="e-contact_emails"`, "“not an address” is not an e-mail address.",
		`id="e-hours_tue"`, "Write the hours as 09:00-13:00", `role="alert"`,
		// what was typed
		`value="Lenina 3"`, `value="37,6"`, `value="Central"`, "ok@example.org\nnot an address", `value="9 to 5"`,
		`value="09:00-18:00"`, "ring twice", `value="`+e.trainerB.ID+`" checked`, `<option value="en" selected>`)
	if got := countClinics(t, e); got != before {
		t.Fatalf("an invalid form saved a clinic: %d → %d", before, got)
	}

	// Messages from the model's own checks (not the page's parsing).
	p = b.post("/clinics", url.Values{"csrf_token": {csrf}, "name": {"X"}, "address": {"Lenina 3"},
		"lat": {"95"}, "lon": {"37.6"}, "contact_emails": {""}, "lang": {"en"}})
	wantAll(t, "out-of-range clinic form", p.body, "Enter a latitude between -90 and 90.",
		"Give at least one contact e-mail.", "Give the opening hours of at least one day.", `id="e-hours"`)

	p = b.post("/clinics", url.Values{"csrf_token": {csrf}, "name": {"Polyclinic 7"}, "address": {"Lenina 3"},
		"lat": {"55.7"}, "lon": {"37,6"}, "contact_emails": {"a@example.org, b@example.org"},
		"hours_mon": {"09:00-13:00, 14:00–18:00"}, "lang": {"ru"}, "preferred": {e.trainerB.ID}})
	if p.status != http.StatusSeeOther || p.location != "/clinics" {
		t.Fatalf("valid clinic: %d %q\n%s", p.status, p.location, p.body)
	}
	list := b.get("/clinics")
	wantAll(t, "clinic list", list.body, "Polyclinic 7", "Clinic saved.", "a@example.org, b@example.org")
	items, _ := e.st.Clinics(context.Background(), models.ClinicFilter{}, models.Page{Limit: models.MaxPageSize})
	var made *models.Clinic
	for i := range items {
		if items[i].Name == "Polyclinic 7" {
			made = &items[i]
		}
	}
	if made == nil || made.Place.Lon != 37.6 || len(made.Hours.Mon) != 2 || made.Hours.Mon[1].Start.String() != "14:00" ||
		len(made.PreferredTrainers) != 1 || made.PreferredTrainers[0] != e.trainerB.ID || len(made.ContactEmails) != 2 {
		t.Fatalf("stored clinic: %+v", made)
	}
}

func TestClinicEditAndDelete(t *testing.T) {
	e := newEnv(t)
	b, csrf := coordBrowser(t, e)
	edit := b.get("/clinics/" + e.clinicB.ID)
	wantAll(t, "clinic edit form", edit.body, `value="`+e.clinicB.Name+`"`, `value="08:00-20:00"`, `name="version" value="1"`)
	form := url.Values{"csrf_token": {csrf}, "version": {"1"}, "name": {"Renamed clinic"}, "address": {"Mira 5"},
		"lat": {"55.78"}, "lon": {"37.63"}, "contact_emails": {e.clinicB.ContactEmails[0]}, "hours_mon": {"08:00-20:00"}, "lang": {"ru"}}
	if p := b.post("/clinics/"+e.clinicB.ID, form); p.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", p.status, p.body)
	}
	cl, err := e.st.Clinic(context.Background(), e.clinicB.ID)
	if err != nil || cl.Name != "Renamed clinic" || cl.Version != 2 {
		t.Fatalf("after edit: %+v %v", cl, err)
	}
	// The same form again carries a stale version: refused, values kept.
	form.Set("name", "Second rename")
	p := b.post("/clinics/"+e.clinicB.ID, form)
	if p.status != http.StatusConflict || !strings.Contains(p.body, "Someone else changed this") || !strings.Contains(p.body, `value="Second rename"`) {
		t.Fatalf("stale edit: %d\n%s", p.status, p.body)
	}
	// clinicA has an account: the API's reference check refuses, with
	// its reason on the list.
	p = b.post("/clinics/"+e.clinicA.ID+"/delete", url.Values{"csrf_token": {csrf}, "version": {"1"}})
	if p.status != http.StatusConflict || !strings.Contains(p.body, "Not deleted: the clinic is still referred to by the account "+e.users[clinicA].Email) {
		t.Fatalf("referenced delete: %d\n%s", p.status, p.body)
	}
	if _, err := e.st.Clinic(context.Background(), e.clinicA.ID); err != nil {
		t.Fatalf("a referenced clinic was deleted: %v", err)
	}
	free := e.createClinic()
	if p := b.post("/clinics/"+free.ID+"/delete", url.Values{"csrf_token": {csrf}, "version": {"1"}}); p.status != http.StatusSeeOther {
		t.Fatalf("delete: %d\n%s", p.status, p.body)
	}
	if _, err := e.st.Clinic(context.Background(), free.ID); err == nil {
		t.Fatal("the clinic is still there")
	}
}

func TestTrainerFormValidationAndEdit(t *testing.T) {
	e := newEnv(t)
	b, csrf := coordBrowser(t, e)
	before, _ := e.st.Trainers(context.Background(), models.TrainerFilter{}, models.Page{Limit: models.MaxPageSize})
	p := b.post("/trainers", url.Values{"csrf_token": {csrf}, "name": {"Anna"}, "email": {"anna@"}, "skills": {"support, support"},
		"address": {"Home 1"}, "lat": {"55.7"}, "lon": {"37.6"}, "max_visits": {"40"}, "max_minutes": {"lots"},
		"travel_mode": {"bike"}, "lang": {"en"}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid trainer: %d", p.status)
	}
	wantAll(t, "invalid trainer form", p.body, "“anna@” is not an e-mail address.", "The skill “support” is listed twice.",
		"Between 1 and 20.", "Between 30 and 960 minutes.", "Choose a travel mode.",
		`value="Anna"`, `value="support, support"`, `value="40"`, `value="lots"`, `value="Home 1"`)
	after, _ := e.st.Trainers(context.Background(), models.TrainerFilter{}, models.Page{Limit: models.MaxPageSize})
	if len(after) != len(before) {
		t.Fatal("an invalid form saved a trainer")
	}

	// Edit: skills, home, travel mode and capacity change; availability
	// (edited elsewhere) is kept.
	edit := b.get("/trainers/" + e.trainerB.ID)
	wantAll(t, "trainer edit form", edit.body, `value="`+e.trainerB.Name+`"`, `<option value="transit" selected>`)
	p = b.post("/trainers/"+e.trainerB.ID, url.Values{"csrf_token": {csrf}, "version": {"1"}, "name": {"Boris"},
		"email": {"boris@example.org"}, "phone": {"+7 900 000-00-00"}, "skills": {"support, micro_training"},
		"address": {"Tverskaya 1"}, "lat": {"55.76"}, "lon": {"37.61"}, "max_visits": {"3"}, "max_minutes": {"300"},
		"travel_mode": {"car"}, "lang": {"en"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("edit trainer: %d\n%s", p.status, p.body)
	}
	tr, err := e.st.Trainer(context.Background(), e.trainerB.ID)
	if err != nil || tr.Name != "Boris" || tr.TravelMode != models.TravelCar || tr.MaxVisitsDay != 3 || tr.MaxWorkMinutes != 300 ||
		len(tr.Skills) != 2 || tr.StartPlace.Address != "Tverskaya 1" || tr.EndPlace.Address != "Tverskaya 1" || len(tr.Availability.Weekly.Mon) != 1 {
		t.Fatalf("after edit: %+v %v", tr, err)
	}
	// A trainer with an account cannot be deleted; the reason is shown.
	p = b.post("/trainers/"+e.trainerA.ID+"/delete", url.Values{"csrf_token": {csrf}, "version": {"1"}})
	if p.status != http.StatusConflict || !strings.Contains(p.body, "the account "+e.users[trainerA].Email) {
		t.Fatalf("referenced trainer delete: %d\n%s", p.status, p.body)
	}
}

func TestUserFormValidationAndCreate(t *testing.T) {
	e := newEnv(t)
	b, csrf := coordBrowser(t, e)
	p := b.post("/users", url.Values{"csrf_token": {csrf}, "email": {"new@"}, "name": {"New clinic user"},
		"password": {"short"}, "role": {"clinic"}, "clinic_id": {""}, "lang": {"en"}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid account: %d", p.status)
	}
	wantAll(t, "invalid account form", p.body, "A password must be 8 to 72 characters long.", "Choose the clinic of this account.",
		"“new@” is not an e-mail address.", `value="new@"`, `value="New clinic user"`, `<option value="clinic" selected>`)
	if strings.Contains(p.body, `value="short"`) {
		t.Error("the password is shown again")
	}
	if _, err := e.st.UserByEmail(context.Background(), "new@"); err == nil {
		t.Fatal("an invalid form saved an account")
	}
	// A taken e-mail is shown next to the e-mail.
	p = b.post("/users", url.Values{"csrf_token": {csrf}, "email": {e.users[clinicB].Email}, "name": {"Twin"},
		"password": {"long enough password"}, "role": {"clinic"}, "clinic_id": {e.clinicB.ID}, "lang": {"en"}})
	if p.status != http.StatusConflict || !strings.Contains(p.body, `<p class="error" id="e-email">This e-mail is already registered.`) {
		t.Fatalf("taken e-mail: %d\n%s", p.status, p.body)
	}
	p = b.post("/users", url.Values{"csrf_token": {csrf}, "email": {"new@example.org"}, "name": {"New clinic user"},
		"password": {"long enough password"}, "role": {"clinic"}, "clinic_id": {e.clinicB.ID},
		"trainer_id": {e.trainerA.ID}, "lang": {"en"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("account: %d\n%s", p.status, p.body)
	}
	u, err := e.srv.checkLoginForTest("new@example.org", "long enough password")
	if err != nil || u.Role != models.RoleClinic || u.ClinicID != e.clinicB.ID || u.TrainerID != "" {
		t.Fatalf("new account: %+v %v", u, err)
	}
	// Edit: name and language; the role stays.
	edit := b.get("/users/" + u.ID)
	wantAll(t, "account edit form", edit.body, `value="New clinic user"`, `name="version" value="1"`)
	p = b.post("/users/"+u.ID, url.Values{"csrf_token": {csrf}, "version": {"1"}, "email": {"new@example.org"},
		"name": {""}, "clinic_id": {e.clinicB.ID}, "lang": {"ru"}, "role": {"coordinator"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="e-name"`) {
		t.Fatalf("account edit without a name: %d\n%s", p.status, p.body)
	}
	p = b.post("/users/"+u.ID, url.Values{"csrf_token": {csrf}, "version": {"1"}, "email": {"new@example.org"},
		"name": {"Renamed"}, "clinic_id": {e.clinicB.ID}, "lang": {"ru"}, "role": {"coordinator"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("account edit: %d\n%s", p.status, p.body)
	}
	got, err := e.st.User(context.Background(), u.ID)
	if err != nil || got.Name != "Renamed" || got.Lang != "ru" || got.Role != models.RoleClinic {
		t.Fatalf("after edit: %+v %v", got, err)
	}
}

// TestAdminFormsRefuseWithoutCSRF posts every admin and mail form with a
// wrong token: each is refused with the friendly 403 and changes nothing.
func TestAdminFormsRefuseWithoutCSRF(t *testing.T) {
	e := newEnv(t)
	b, _ := coordBrowser(t, e)
	m := failedMail(t, e)
	valid := url.Values{"csrf_token": {"wrong"}, "version": {"1"}, "name": {"Changed"}, "address": {"A"}, "lat": {"55"},
		"lon": {"37"}, "contact_emails": {"x@example.org"}, "hours_mon": {"09:00-17:00"}, "lang": {"ru"},
		"email": {"changed@example.org"}, "password": {"long enough password"}, "role": {"coordinator"}}
	for _, path := range []string{"/clinics", "/clinics/" + e.clinicB.ID, "/clinics/" + e.clinicB.ID + "/delete",
		"/trainers", "/trainers/" + e.trainerB.ID, "/trainers/" + e.trainerB.ID + "/delete",
		"/users", "/users/" + e.users[clinicB].ID, "/users/" + e.users[clinicB].ID + "/deactivate",
		"/outbox/" + url.PathEscape(m.ID) + "/retry"} {
		p := b.post(path, valid)
		if p.status != http.StatusForbidden || !strings.HasPrefix(p.ctype, "text/html") {
			t.Errorf("POST %s with a wrong token: %d %s", path, p.status, p.ctype)
		}
	}
	cl, _ := e.st.Clinic(context.Background(), e.clinicB.ID)
	tr, _ := e.st.Trainer(context.Background(), e.trainerB.ID)
	u, _ := e.st.User(context.Background(), e.users[clinicB].ID)
	after, _ := e.st.OutboxMessage(context.Background(), m.ID)
	if cl == nil || cl.Version != 1 || tr == nil || tr.Version != 1 || u == nil || u.Version != 1 || after.Status != models.OutboxFailed {
		t.Fatalf("a refused form changed data: %+v %+v %+v %+v", cl, tr, u, after)
	}
	if _, err := e.st.UserByEmail(context.Background(), "changed@example.org"); err == nil {
		t.Fatal("a refused form made an account")
	}
}

// failedMail enqueues a message and gives it up, as the sender does after
// its last attempt.
func failedMail(t *testing.T, e *env) *models.OutboxMessage {
	t.Helper()
	ctx := context.Background()
	m := &models.OutboxMessage{ID: "visit:abc:seq:1:clinic:head@clinic.example", Kind: "clinic_booking",
		Mail: models.Mail{To: []string{"head@clinic.example"}, Subject: "Visit booked", Text: "Hello", HTML: "<p>Hello</p>"}}
	if _, err := e.st.EnqueueMail(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := e.st.FailMessage(ctx, m, "dial tcp: connection refused"); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOutboxPageRetries(t *testing.T) {
	e := newEnv(t)
	b, csrf := coordBrowser(t, e)
	m := failedMail(t, e)
	p := b.get("/outbox")
	wantAll(t, "outbox", p.body, "Visit booked", "head@clinic.example", "dial tcp: connection refused",
		`action="/outbox/visit:abc:seq:1:clinic:head@clinic.example/retry"`, `aria-current="page">Failed`)
	if !strings.Contains(p.body, `<td data-label="Attempts">1</td>`) {
		t.Errorf("the attempts are not shown:\n%s", p.body)
	}
	if p := b.get("/outbox?status=pending"); strings.Contains(p.body, "Visit booked") || !strings.Contains(p.body, "No mail is waiting.") {
		t.Errorf("a failed message under pending:\n%s", p.body)
	}
	p = b.post("/outbox/"+url.PathEscape(m.ID)+"/retry", url.Values{"csrf_token": {csrf}})
	if p.status != http.StatusSeeOther || p.location != "/outbox" {
		t.Fatalf("retry: %d %q", p.status, p.location)
	}
	got, err := e.st.OutboxMessage(context.Background(), m.ID)
	if err != nil || got.Status != models.OutboxPending || got.Attempts != 0 {
		t.Fatalf("after retry: %+v %v", got, err)
	}
	wantAll(t, "outbox after retry", b.get("/outbox").body, "The message will be sent again.", "No failed mail.")
	if p := b.get("/outbox?status=pending"); !strings.Contains(p.body, "Visit booked") {
		t.Errorf("the retried message is not pending:\n%s", p.body)
	}
	// Retrying a message that is not failed is the API's conflict.
	if p := b.post("/outbox/"+url.PathEscape(m.ID)+"/retry", url.Values{"csrf_token": {csrf}}); p.status != http.StatusConflict {
		t.Fatalf("second retry: %d", p.status)
	}
	if p := b.get("/outbox?status=sent"); p.status != http.StatusBadRequest || !strings.HasPrefix(p.ctype, "text/html") {
		t.Fatalf("unknown status: %d %s", p.status, p.ctype)
	}
}

func TestMailboxShowsMailSafely(t *testing.T) {
	e := newEnv(t)
	b, _ := coordBrowser(t, e)
	ctx := context.Background()
	hostile := `<p onclick="x()">Visit <b>booked</b></p><script>alert("pwned")</script>"'`
	m := &models.OutboxMessage{ID: "visit:def:seq:1:trainer:t@example.org", Kind: "trainer_booking",
		Mail: models.Mail{To: []string{"t@example.org"}, Subject: "New visit <Monday>", Text: "Plain text body\nline 2", HTML: hostile,
			Attachments: []models.Attachment{{Name: "visit.ics", ContentType: "text/calendar; charset=utf-8; method=REQUEST", Data: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")}}}}
	if _, err := e.st.EnqueueMail(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := e.st.MarkMessageSent(ctx, m, true); err != nil {
		t.Fatal(err)
	}
	list := b.get("/mailbox")
	wantAll(t, "mailbox", list.body, "New visit &lt;Monday&gt;", "t@example.org", "trainer_booking",
		`href="/mailbox/visit:def:seq:1:trainer:t@example.org"`, "1 attachment(s)")
	one := b.get("/mailbox/" + url.PathEscape(m.ID))
	if one.status != http.StatusOK {
		t.Fatalf("message: %d", one.status)
	}
	wantAll(t, "message", one.body, `<iframe class="mail-frame" sandbox="`+mailFrameSandbox+`" srcdoc="`, "Plain text body\nline 2",
		`href="/mailbox/visit:def:seq:1:trainer:t@example.org/attachments/0"`, "visit.ics")
	// The HTML is only ever inside the attribute, escaped: no tag of it
	// reaches the page itself.
	if strings.Contains(one.body, "<script>alert") || strings.Contains(one.body, `<p onclick`) {
		t.Fatalf("the mail's HTML is on the page unescaped:\n%s", one.body)
	}
	start := strings.Index(one.body, `srcdoc="`) + len(`srcdoc="`)
	end := strings.Index(one.body[start:], `"`)
	if got := html.UnescapeString(one.body[start : start+end]); got != `<base target="_blank">`+hostile {
		t.Fatalf("srcdoc holds %q, want the mail's HTML %q", got, hostile)
	}
	res, err := b.client.Get(e.http.URL + "/mailbox/" + url.PathEscape(m.ID) + "/attachments/0")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") ||
		res.Header.Get("Content-Disposition") != `attachment; filename=visit.ics` || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("attachment: %d %v", res.StatusCode, res.Header)
	}
	for _, bad := range []string{"/attachments/1", "/attachments/-1", "/attachments/x"} {
		if p := b.get("/mailbox/" + url.PathEscape(m.ID) + bad); p.status != http.StatusNotFound {
			t.Errorf("%s: %d", bad, p.status)
		}
	}
	// A message that went to a real SMTP server is not in the mailbox.
	real := &models.OutboxMessage{ID: "visit:ghi:seq:1:clinic", Kind: "clinic_booking", Mail: models.Mail{To: []string{"c@example.org"}, Subject: "Sent for real"}}
	if _, err := e.st.EnqueueMail(ctx, real); err != nil {
		t.Fatal(err)
	}
	if err := e.st.MarkMessageSent(ctx, real, false); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/mailbox"); strings.Contains(p.body, "Sent for real") {
		t.Fatal("an SMTP-sent message is listed in the mailbox")
	}
}

// TestAdminPagesAreCoordinatorsOnly: every admin and mail page answers a
// trainer or clinic with the friendly 403 (TestPageRoleMatrix checks each
// route; this checks the pages also leak nothing in the body).
func TestAdminPagesAreCoordinatorsOnly(t *testing.T) {
	e := newEnv(t)
	m := failedMail(t, e)
	for _, role := range []string{trainerA, clinicA} {
		b := e.browser()
		b.login(role, "")
		for _, path := range []string{"/clinics", "/clinics/new", "/clinics/" + e.clinicA.ID, "/trainers", "/trainers/" + e.trainerA.ID,
			"/users", "/users/" + e.users[role].ID, "/mailbox", "/mailbox/" + url.PathEscape(m.ID), "/outbox"} {
			p := b.get(path)
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "Not allowed") ||
				strings.Contains(p.body, "dial tcp") || strings.Contains(p.body, e.users[coord].Email) {
				t.Errorf("%s on %s: %d", role, path, p.status)
			}
		}
		// Nor do they see the admin links.
		if p := b.get("/account"); strings.Contains(p.body, `href="/outbox"`) || strings.Contains(p.body, `href="/clinics"`) {
			t.Errorf("%s sees the coordinator's navigation", role)
		}
	}
	b, _ := coordBrowser(t, e)
	p := b.get("/account")
	for _, href := range []string{"/clinics", "/trainers", "/users", "/outbox", "/mailbox"} {
		if !strings.Contains(p.body, `href="`+href+`"`) {
			t.Errorf("the coordinator's navigation lacks %s", href)
		}
	}
}

// TestDeactivateUser: a deactivated account loses its sessions and tokens
// at once and cannot log in; activated again, it can; nobody deactivates
// their own account.
func TestDeactivateUser(t *testing.T) {
	e := newEnv(t)
	b, csrf := coordBrowser(t, e)
	victim := e.users[clinicB]
	session := e.browser()
	session.login(clinicB, "")
	if p := session.get("/requests"); p.status != http.StatusOK {
		t.Fatalf("before: %d", p.status)
	}
	p := b.post("/users/"+victim.ID+"/deactivate", url.Values{"csrf_token": {csrf}, "version": {"1"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d\n%s", p.status, p.body)
	}
	wantAll(t, "users after deactivation", b.get("/users").body, "Account deactivated", "deactivated", `action="/users/`+victim.ID+`/activate"`)
	if p := session.get("/requests"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
		t.Errorf("the open session still works: %d %q", p.status, p.location)
	}
	if r := e.do(req{as: clinicB, method: http.MethodGet, path: "/api/v1/me"}); r.status != http.StatusUnauthorized {
		t.Errorf("the API token still works: %d", r.status)
	}
	if toks, err := e.st.Tokens(context.Background(), victim.ID); err != nil || len(toks) != 0 {
		t.Errorf("tokens left: %d %v", len(toks), err)
	}
	if p := e.browser().login(clinicB, ""); p.status != http.StatusUnauthorized {
		t.Errorf("a deactivated account logged in: %d", p.status)
	}
	// Oneself: refused, with the reason.
	p = b.post("/users/"+e.users[coord].ID+"/deactivate", url.Values{"csrf_token": {csrf}, "version": {"1"}})
	if p.status != http.StatusConflict || !strings.Contains(p.body, "You cannot deactivate your own account.") {
		t.Fatalf("self: %d\n%s", p.status, p.body)
	}
	if p := b.post("/users/"+victim.ID+"/activate", url.Values{"csrf_token": {csrf}, "version": {"2"}}); p.status != http.StatusSeeOther {
		t.Fatalf("activate: %d\n%s", p.status, p.body)
	}
	if p := e.browser().login(clinicB, ""); p.status != http.StatusSeeOther {
		t.Errorf("an activated account cannot log in: %d", p.status)
	}
}

// TestAuditPage: changes made through the admin pages are in the log with
// who made them and a link to the document; the API's filters narrow it,
// a filter the API refuses is shown next to its field, and paging keeps
// the filters.
func TestAuditPage(t *testing.T) {
	e := newEnv(t)
	b, csrf := coordBrowser(t, e)
	form := url.Values{"csrf_token": {csrf}, "version": {"1"}, "name": {"Audited clinic"}, "address": {"Mira 5"},
		"lat": {"55.78"}, "lon": {"37.63"}, "contact_emails": {e.clinicB.ContactEmails[0]}, "hours_mon": {"08:00-20:00"}, "lang": {"ru"}}
	if p := b.post("/clinics/"+e.clinicB.ID, form); p.status != http.StatusSeeOther {
		t.Fatalf("edit: %d", p.status)
	}
	p := b.get("/audit?entity=clinic")
	wantAll(t, "audit filtered by clinic", p.body, "clinic.update", `href="/clinics/`+e.clinicB.ID+`"`,
		"name: &#34;"+e.clinicB.Name+"&#34; → &#34;Audited clinic&#34;", e.users[coord].Name, `value="clinic"`)
	if strings.Contains(p.body, "session.login") {
		t.Error("the entity filter let a login through")
	}
	p = b.get("/audit?actor=" + e.users[clinicA].ID)
	if strings.Contains(p.body, "clinic.update") || !strings.Contains(p.body, "No entries match.") {
		t.Errorf("the actor filter:\n%s", p.body)
	}
	p = b.get("/audit?since=yesterday&entity_id=" + e.clinicB.ID)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `<p class="error" id="e-since">A date such as 2026-12-07.`) ||
		!strings.Contains(p.body, `value="`+e.clinicB.ID+`"`) {
		t.Fatalf("bad since: %d\n%s", p.status, p.body)
	}
	// Paging: more entries than a page, the next link keeps the filter.
	for i := range models.DefaultPageSize + 5 {
		if err := e.st.AddAudit(context.Background(), &models.AuditEntry{Action: "test.bulk", Entity: "bulk",
			EntityID: strconv.Itoa(i), Method: http.MethodPost, Route: "/x", Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	p = b.get("/audit?entity=bulk")
	m := regexp.MustCompile(`href="(/audit\?[^"]+)"`).FindStringSubmatch(p.body)
	if strings.Count(p.body, "test.bulk") != models.DefaultPageSize || m == nil {
		t.Fatalf("first page: %d rows, next %v", strings.Count(p.body, "test.bulk"), m)
	}
	next := html.UnescapeString(m[1])
	if !strings.Contains(next, "entity=bulk") || !strings.Contains(next, "after=") {
		t.Fatalf("next link %q", next)
	}
	if p := b.get(next); strings.Count(p.body, "test.bulk") != 5 {
		t.Fatalf("second page: %d rows", strings.Count(p.body, "test.bulk"))
	}
}

// TestAdminPagesAreAudited: each admin page change leaves one entry naming
// the document (not the page the form went back to).
func TestAdminPagesAreAudited(t *testing.T) {
	e := newEnv(t)
	b, csrf := coordBrowser(t, e)
	p := b.post("/trainers", url.Values{"csrf_token": {csrf}, "name": {"Audited trainer"}, "email": {"at@example.org"},
		"address": {"Home 1"}, "lat": {"55.7"}, "lon": {"37.6"}, "travel_mode": {"walk"}, "lang": {"ru"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("create trainer: %d\n%s", p.status, p.body)
	}
	entries, err := e.st.AuditEntries(context.Background(), models.AuditFilter{Entity: "trainer"}, models.Page{Limit: 10})
	if err != nil || len(entries) != 1 || entries[0].Action != "trainer.create" || !models.ValidID(entries[0].EntityID) ||
		entries[0].ActorID != e.users[coord].ID {
		t.Fatalf("trainer entries: %+v %v", entries, err)
	}
	if p := b.post("/users/"+e.users[clinicB].ID+"/deactivate", url.Values{"csrf_token": {csrf}, "version": {"1"}}); p.status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", p.status)
	}
	entries, _ = e.st.AuditEntries(context.Background(), models.AuditFilter{Entity: "user", EntityID: e.users[clinicB].ID}, models.Page{Limit: 10})
	if len(entries) != 1 || entries[0].Action != "user.deactivate" || !strings.Contains(entries[0].Summary, "deactivated") {
		t.Fatalf("user entries: %+v", entries)
	}
}
