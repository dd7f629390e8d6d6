package e2e

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/emersion/go-ical"

	"github.com/fieldvisit/fieldvisit/handlers"
	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/models"
)

// fieldClock is the injected clock of the field journeys.
type fieldClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fieldClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fieldClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// newFieldService is the browser tests' service (mail and planning on) with the week of
// 2026-12-07 planned and published, its mails delivered, and the server's
// clock injected (Monday 08:00 in Moscow).
func newFieldService(t *testing.T) (*webService, *fieldClock, []mailMessage) {
	t.Helper()
	w := newWebService(t)
	clock := &fieldClock{t: week.At(8*60, w.loc)}
	api, err := handlers.New(handlers.Config{Store: w.st, Location: w.loc, Ready: w.st.Ping, Now: clock.Now,
		Publisher: w.Publisher, Feeds: w.Composer, Mail: w.Composer, Planner: weekPlanner(w.Planner.PlanWeek)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(api.Handler())
	t.Cleanup(hs.Close)
	w.url = hs.URL
	ctx := context.Background()
	clinics, err := w.st.Clinics(ctx, models.ClinicFilter{}, models.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i := range clinics {
		clinics[i].Phone = fmt.Sprintf("+7 495 100-20-%02d", i)
		if err := w.st.UpdateClinic(ctx, &clinics[i]); err != nil {
			t.Fatal(err)
		}
	}
	plan, err := w.Planner.PlanWeek(ctx, week, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Publisher.Publish(ctx, week, plan.Version); err != nil {
		t.Fatal(err)
	}
	return w, clock, w.drain(t)
}

// firstVisit is the trainer's earliest published visit of the week.
func (w *webService) firstVisit(t *testing.T, trainerID string) models.Visit {
	t.Helper()
	vs, err := w.st.Visits(context.Background(), models.VisitFilter{Week: week, TrainerID: trainerID})
	if err != nil || len(vs) == 0 {
		t.Fatalf("the trainer has no published visit: %v", err)
	}
	slices.SortFunc(vs, func(a, b models.Visit) int { return a.Start.Compare(b.Start) })
	return vs[0]
}

// Journey 1: a clinic logs in, files a micro-training request through the
// form (after one refusal that keeps what was typed) and sees it as new.
func TestClinicFilesMicroTraining(t *testing.T) {
	w := newWebService(t)
	browser := newBrowser(t)
	ctx := tab(t, browser)
	w.loginAs(t, ctx, models.RoleClinic)
	screenshots(t, ctx, "requests")
	checkAccessibility(t, ctx, "requests")
	run(t, ctx,
		chromedp.Click(`a[href="/requests/new"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-topic`, chromedp.ByQuery),
	)
	screenshots(t, ctx, "request-new")
	checkAccessibility(t, ctx, "new request")
	run(t, ctx,
		chromedp.SetValue(`#f-kind`, "micro_training", chromedp.ByQuery),
		chromedp.SendKeys(`#f-topic`, "Трудный разговор у регистратуры", chromedp.ByQuery),
		chromedp.SetValue(`#f-participants`, "45", chromedp.ByQuery),
		chromedp.Click(`input[name="days"][value="tue"]`, chromedp.ByQuery),
		chromedp.SetValue(`#f-hour_from`, "09:00", chromedp.ByQuery),
		chromedp.SetValue(`#f-hour_to`, "12:00", chromedp.ByQuery),
		chromedp.SetValue(`#f-urgency`, "high", chromedp.ByQuery),
		chromedp.Submit(`#f-topic`, chromedp.ByQuery),
		chromedp.WaitVisible(`#e-participants`, chromedp.ByQuery),
	)
	var msg, topic string
	var tue bool
	run(t, ctx,
		chromedp.Text(`#e-participants`, &msg, chromedp.ByQuery),
		chromedp.Value(`#f-topic`, &topic, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('input[name="days"][value="tue"]').checked`, &tue),
	)
	if !strings.Contains(msg, "от 1 до 30") || topic != "Трудный разговор у регистратуры" || !tue {
		t.Fatalf("refusal %q, topic kept %q, Tuesday kept %v", msg, topic, tue)
	}
	screenshots(t, ctx, "request-new-invalid")
	checkAccessibility(t, ctx, "new request with errors")
	run(t, ctx,
		chromedp.SetValue(`#f-participants`, "8", chromedp.ByQuery),
		chromedp.Submit(`#f-topic`, chromedp.ByQuery),
		chromedp.WaitVisible(`.flash`, chromedp.ByQuery),
	)
	if got := location(t, ctx, w.url); got != "/requests" {
		t.Fatalf("after filing: %s", got)
	}
	var first string
	run(t, ctx, chromedp.Text(`.req-list > li`, &first, chromedp.ByQuery))
	if !strings.Contains(first, "Трудный разговор у регистратуры") || !strings.Contains(first, "Новая") ||
		!strings.Contains(first, "Микро-тренинг") || !strings.Contains(first, "участников: 8") {
		t.Fatalf("the newest request reads %q", first)
	}
	run(t, ctx, chromedp.Click(`.req-list > li h2 a`, chromedp.ByQuery), chromedp.WaitVisible(`#h-req`, chromedp.ByQuery))
	screenshots(t, ctx, "request")
	checkAccessibility(t, ctx, "request")
}

// Journey 4: a trainer on a 360-px phone sees a published visit in their
// week at its Moscow time with the travel and address, and records its
// outcome once it has started (injected clock).
func TestTrainerWeekOnPhone(t *testing.T) {
	w, clock, _ := newFieldService(t)
	browser := newBrowser(t)
	// The clinic's view of the same published week comes first, while
	// its visits are still open.
	t.Run("clinic sees its booked visit", func(t *testing.T) { clinicSeesBookedVisit(t, w, browser) })
	ctx := tab(t, browser)
	run(t, ctx, chromedp.EmulateViewport(360, 800))
	w.loginAs(t, ctx, models.RoleTrainer)
	tr, err := w.st.Trainer(context.Background(), w.users[models.RoleTrainer].TrainerID)
	if err != nil {
		t.Fatal(err)
	}
	v := w.firstVisit(t, tr.ID)
	cl, err := w.st.Clinic(context.Background(), v.ClinicID)
	if err != nil {
		t.Fatal(err)
	}
	if got := location(t, ctx, w.url); got != "/week" {
		t.Fatalf("the trainer landed on %s", got)
	}
	var card string
	sel := fmt.Sprintf(`article[aria-labelledby="s-%s"]`, v.ID)
	run(t, ctx, chromedp.Text(sel, &card, chromedp.ByQuery))
	when := v.Start.In(w.loc).Format("15:04") + "–" + v.End.In(w.loc).Format("15:04")
	if !strings.Contains(card, when) || !strings.Contains(card, cl.Place.Address) || !strings.Contains(card, cl.Name) {
		t.Fatalf("the visit card reads %q; want %s at %s", card, when, cl.Place.Address)
	}
	var tel string
	run(t, ctx, chromedp.AttributeValue(sel+` a.tel`, "href", &tel, nil, chromedp.ByQuery))
	if want := "tel:" + strings.NewReplacer(" ", "", "-", "").Replace(cl.Phone); tel != want {
		t.Errorf("the call link is %q, want %q", tel, want)
	}
	var travel string
	run(t, ctx, chromedp.Text(`#d-`+string(v.Date)+` .tl-travel`, &travel, chromedp.ByQuery))
	if !strings.Contains(travel, "мин на машине") {
		t.Fatalf("the travel before the first stop reads %q", travel)
	}
	var width int
	run(t, ctx, chromedp.Evaluate(`document.documentElement.scrollWidth`, &width))
	if width > 360 {
		t.Errorf("the week scrolls sideways on a phone: %d px wide", width)
	}
	screenshots(t, ctx, "week")
	checkAccessibility(t, ctx, "week")
	// Without tiles (the test has no network) the schematic stays.
	var schematic bool
	run(t, ctx, chromedp.Sleep(500*time.Millisecond), chromedp.Evaluate(`(() => { const s = document.querySelector('.daymap svg');
		return s.getBoundingClientRect().height > 100 && getComputedStyle(s).visibility === 'visible'; })()`, &schematic))
	if !schematic {
		t.Error("the day's schematic is not visible when tiles do not load")
	}
	printScreenshot(t, ctx, "week-print")

	var href string
	run(t, ctx, chromedp.AttributeValue(sel+` h3 a`, "href", &href, nil, chromedp.ByQuery))
	if href != "/visits/"+v.ID {
		t.Fatalf("the card links to %q", href)
	}
	run(t, ctx, chromedp.EmulateViewport(360, 800),
		chromedp.Navigate(w.url+href), chromedp.WaitVisible(`#h-outcome`, chromedp.ByQuery))
	var outcome string
	run(t, ctx, chromedp.Text(`#h-outcome + *`, &outcome, chromedp.ByQuery))
	if !strings.Contains(outcome, "с начала визита") {
		t.Fatalf("before its start the visit offers %q", outcome)
	}
	screenshots(t, ctx, "visit-before")
	checkAccessibility(t, ctx, "visit before its start")

	clock.Set(v.Start.Add(time.Minute))
	completeVisitInBrowser(t, ctx, w, v)

	run(t, ctx, chromedp.Navigate(w.url+"/availability"), chromedp.WaitVisible(`#f-mon_1_from`, chromedp.ByQuery))
	screenshots(t, ctx, "availability")
	checkAccessibility(t, ctx, "availability")
}

// printScreenshot writes the page as printed on A4 (794 px wide at 96
// dpi) to the screenshots folder.
func printScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	run(t, ctx,
		emulation.SetEmulatedMedia().WithMedia("print"),
		chromedp.EmulateViewport(794, 1123),
		chromedp.FullScreenshot(&png, 100),
		emulation.SetEmulatedMedia().WithMedia(""),
		chromedp.EmulateViewport(1280, 900),
	)
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// urlPattern finds links in mail text.
var urlPattern = regexp.MustCompile(`https?://[^\s"<>)]+`)

// TestEveryMailLinkOpens makes the service write every kind of mail
// through real actions (publication, reminders, a filed request, a change
// asked and declined, a cancellation, an absence), takes every URL out of
// each (text, HTML and calendar attachments) and opens it as the
// recipient, logged in: each must answer 200.
func TestEveryMailLinkOpens(t *testing.T) {
	w, _, _ := newFieldService(t)
	ctx := context.Background()
	rem, err := jobs.NewReminders(jobs.RemindersConfig{Store: w.st, Composer: w.Composer, Location: w.loc})
	if err != nil {
		t.Fatal(err)
	}
	if err := rem.Run(ctx, week.AddDays(-1).At(18*60, w.loc)); err != nil {
		t.Fatal(err)
	}
	people := newRecipients(t, w)
	clinic := people.client(t, w.users[models.RoleClinic].Email)
	coordinator := people.client(t, w.users[models.RoleCoordinator].Email)
	trainer := people.client(t, w.users[models.RoleTrainer].Email)
	booked, err := w.st.Visits(ctx, models.VisitFilter{Week: week, ClinicID: w.users[models.RoleClinic].ClinicID})
	if err != nil || len(booked) < 2 {
		t.Fatalf("the clinic needs two booked visits: %d %v", len(booked), err)
	}
	postPage(t, clinic, w.url, "/requests/new", "/requests", url.Values{"kind": {"onsite_support"}, "topic": {"Новая регистратура"}, "urgency": {"normal"}})
	postPage(t, clinic, w.url, "/requests/"+booked[0].RequestID, "/requests/"+booked[0].RequestID+"/change", url.Values{"comment": {"лучше во вторник"}})
	crs, err := w.st.ChangeRequests(ctx, models.ChangeRequestFilter{RequestID: booked[0].RequestID}, models.Page{Limit: 1})
	if err != nil || len(crs) != 1 {
		t.Fatalf("the change request was not filed: %v", err)
	}
	apiPost(t, coordinator, w.url, "/api/v1/requests/"+booked[0].RequestID+"/change-requests/"+crs[0].ID+"/decline", `{"reason":"вторник занят"}`)
	r1, err := w.st.Request(ctx, booked[1].RequestID)
	if err != nil {
		t.Fatal(err)
	}
	postPage(t, clinic, w.url, "/requests/"+r1.ID, "/requests/"+r1.ID+"/cancel", url.Values{"version": {fmt.Sprint(r1.Version)}})
	tv := w.firstVisit(t, w.users[models.RoleTrainer].TrainerID)
	postPage(t, trainer, w.url, "/availability", "/availability/absences", url.Values{"abs_from": {string(tv.Date)}, "abs_to": {string(tv.Date)}, "abs_confirm": {"1"}})

	msgs, err := w.st.OutboxMessages(ctx, "", models.Page{Limit: models.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	checked := 0
	for _, m := range msgs {
		family := m.Kind
		if i := strings.LastIndex(family, "."); i > 0 && (strings.HasPrefix(family, "clinic.") || strings.HasPrefix(family, "trainer.")) &&
			!slices.Contains([]string{"trainer.week", "trainer.reminder", "clinic.reminder", "clinic.request_received", "clinic.change_declined"}, family) {
			family = family[:strings.Index(family, ".")] + ".booking"
		}
		kinds[family]++
		links := mailLinks(t, mailMessage{text: m.Mail.Text, html: m.Mail.HTML}, m.Mail.Attachments)
		if len(links) == 0 {
			t.Logf("%s mail %q has no link", m.Kind, m.Mail.Subject)
		}
		for _, rcpt := range m.Mail.To {
			c := people.client(t, rcpt)
			for _, link := range links {
				u, err := url.Parse(link)
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(u.Path, "/feeds/") {
					continue // the calendar feed is public by its secret token, checked in feed_test.go
				}
				res, err := c.Get(w.url + u.RequestURI())
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					t.Errorf("%s opening %s from %s %q: %d %s", rcpt, link, m.Kind, m.Mail.Subject, res.StatusCode, firstLine(string(body)))
				}
				checked++
			}
		}
	}
	for _, k := range []string{"clinic.booking", "trainer.booking", "trainer.week", "clinic.reminder", "trainer.reminder",
		"clinic.request_received", "clinic.change_declined", "coordinator.change_request", "coordinator.cancellation", "coordinator.absence"} {
		if kinds[k] == 0 {
			t.Errorf("no %s mail was written (kinds: %v)", k, kinds)
		}
	}
	t.Logf("%d links opened from %d mails of kinds %v", checked, len(msgs), kinds)
}

// postPage posts a page's form as a logged-in client: the CSRF token comes
// from the page at from; the answer must be a redirect (success).
func postPage(t *testing.T, c *http.Client, base, from, action string, fields url.Values) {
	t.Helper()
	res, err := c.Get(base + from)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no form on %s: %d", from, res.StatusCode)
	}
	fields.Set("csrf_token", string(m[1]))
	noFollow := *c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err = noFollow.PostForm(base+action, fields)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s: %d\n%s", action, res.StatusCode, body)
	}
}

// apiPost posts JSON to the API with the client's session and its CSRF
// header.
func apiPost(t *testing.T, c *http.Client, base, path, body string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "fieldvisit_csrf" {
			req.Header.Set("X-CSRF-Token", ck.Value)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode >= 300 {
		t.Fatalf("POST %s: %d %s", path, res.StatusCode, data)
	}
}

// mailLinks are the service's URLs in a mail: its text, its HTML and the
// URL of its calendar events.
func mailLinks(t *testing.T, m mailMessage, files []models.Attachment) []string {
	t.Helper()
	var out []string
	add := func(s string) {
		s = strings.TrimRight(html.UnescapeString(s), ".,;")
		if strings.HasPrefix(s, "http://fieldvisit.test") && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, s := range urlPattern.FindAllString(m.text, -1) {
		add(s)
	}
	for _, s := range urlPattern.FindAllString(m.html, -1) {
		add(s)
	}
	for _, f := range files {
		if !strings.HasPrefix(f.ContentType, "text/calendar") {
			continue
		}
		cal, err := ical.NewDecoder(bytes.NewReader(f.Data)).Decode()
		if err != nil {
			t.Fatalf("attachment %s: %v", f.Name, err)
		}
		for _, ev := range cal.Events() {
			if p := ev.Props.Get("URL"); p != nil {
				add(p.Value)
			}
		}
	}
	return out
}

// recipients hands out one logged-in client per mail recipient; the
// password is hashed once, since bcrypt under the race detector is slow.
type recipients struct {
	w       *webService
	hash    []byte
	clients map[string]*http.Client
}

func newRecipients(t *testing.T, w *webService) *recipients {
	t.Helper()
	hash, err := handlers.HashPassword(webPassword)
	if err != nil {
		t.Fatal(err)
	}
	return &recipients{w: w, hash: hash, clients: map[string]*http.Client{}}
}

// client is the logged-in client of rcpt.
func (r *recipients) client(t *testing.T, rcpt string) *http.Client {
	t.Helper()
	if c, ok := r.clients[rcpt]; ok {
		return c
	}
	c := r.w.recipientClient(t, rcpt, r.hash)
	r.clients[rcpt] = c
	return c
}

// recipientClient is an HTTP client logged in through the form as the
// account of e-mail address rcpt, made for the test when missing (with
// password hash hash): the trainer or clinic the address belongs to.
func (w *webService) recipientClient(t *testing.T, rcpt string, hash []byte) *http.Client {
	t.Helper()
	ctx := context.Background()
	if _, err := w.st.UserByEmail(ctx, rcpt); err != nil {
		u := models.User{Email: rcpt, Name: rcpt, Lang: "ru", Role: models.RoleClinic}
		trainers, err := w.st.Trainers(ctx, models.TrainerFilter{}, models.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range trainers {
			if tr.Email == rcpt {
				u.Role, u.TrainerID = models.RoleTrainer, tr.ID
			}
		}
		if u.Role == models.RoleClinic {
			clinics, err := w.st.Clinics(ctx, models.ClinicFilter{}, models.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, cl := range clinics {
				if slices.Contains(cl.ContactEmails, rcpt) {
					u.ClinicID = cl.ID
				}
			}
			if u.ClinicID == "" {
				t.Fatalf("mail went to %s, who is neither a trainer nor a clinic contact", rcpt)
			}
		}
		u.PasswordHash = hash
		if err := w.st.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(w.url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF token on the login form")
	}
	res, err = c.PostForm(w.url+"/login", url.Values{"csrf_token": {string(m[1])}, "email": {rcpt}, "password": {webPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path == "/login" {
		t.Fatalf("%s could not log in", rcpt)
	}
	return c
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// completeVisitInBrowser records visit v done through its page, after
// its start, and checks the page and the store say so.
func completeVisitInBrowser(t *testing.T, ctx context.Context, w *webService, v models.Visit) {
	t.Helper()
	run(t, ctx, chromedp.EmulateViewport(360, 800),
		chromedp.Navigate(w.url+"/visits/"+v.ID), chromedp.WaitVisible(`input[name="outcome"][value="done"]`, chromedp.ByQuery))
	screenshots(t, ctx, "visit-started")
	checkAccessibility(t, ctx, "visit after its start")
	run(t, ctx, chromedp.EmulateViewport(360, 800),
		chromedp.Click(`input[name="outcome"][value="done"]`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-note`, "Разобрали очередь, всё получилось", chromedp.ByQuery),
		chromedp.Submit(`#f-note`, chromedp.ByQuery),
		chromedp.WaitVisible(`.flash`, chromedp.ByQuery),
	)
	var lead string
	run(t, ctx, chromedp.Text(`.lead`, &lead, chromedp.ByQuery))
	if !strings.Contains(lead, "Проведён") {
		t.Fatalf("after recording the outcome the visit reads %q", lead)
	}
	got, err := w.st.Visit(context.Background(), v.ID)
	if err != nil || got.Status != models.VisitDone || got.Outcome == nil || got.Outcome.Result != models.OutcomeDone {
		t.Fatalf("stored visit %+v %v", got, err)
	}
	screenshots(t, ctx, "visit-done")
	checkAccessibility(t, ctx, "done visit")
}

// clinicSeesBookedVisit: a clinic sees its booked visit in its list with date, time and trainer,
// opens the request (with "ask to change") and the visit page the booking
// mail links to.
func clinicSeesBookedVisit(t *testing.T, w *webService, browser context.Context) {
	ctx := tab(t, browser)
	w.loginAs(t, ctx, models.RoleClinic)
	vs, err := w.st.Visits(context.Background(), models.VisitFilter{Week: week, ClinicID: w.users[models.RoleClinic].ClinicID})
	if err != nil || len(vs) == 0 {
		t.Fatalf("no booked visit of the clinic: %v", err)
	}
	v := vs[0]
	tr, err := w.st.Trainer(context.Background(), v.TrainerID)
	if err != nil {
		t.Fatal(err)
	}
	var list string
	run(t, ctx, chromedp.Text(`.req-list`, &list, chromedp.ByQuery))
	when := v.Start.In(w.loc).Format("15:04") + "–" + v.End.In(w.loc).Format("15:04")
	if !strings.Contains(list, when) || !strings.Contains(list, tr.Name) {
		t.Fatalf("the list lacks %s with %s:\n%s", when, tr.Name, list)
	}
	screenshots(t, ctx, "requests-booked")
	checkAccessibility(t, ctx, "requests with bookings")
	run(t, ctx, chromedp.Navigate(w.url+"/requests/"+v.RequestID), chromedp.WaitVisible(`#h-change`, chromedp.ByQuery))
	screenshots(t, ctx, "request-booked")
	checkAccessibility(t, ctx, "booked request")
	run(t, ctx, chromedp.Navigate(w.url+"/visits/"+v.ID), chromedp.WaitVisible(`#h-visit`, chromedp.ByQuery))
	var facts string
	run(t, ctx, chromedp.Text(`.facts`, &facts, chromedp.ByQuery))
	if !strings.Contains(facts, tr.Name) {
		t.Fatalf("the visit page lacks the trainer: %q", facts)
	}
	screenshots(t, ctx, "visit-clinic")
	checkAccessibility(t, ctx, "visit for the clinic")
}
