package handlers

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/planning"
	"github.com/fieldvisit/fieldvisit/publish"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/templates"
	"github.com/fieldvisit/fieldvisit/travel"
)

// The service hands a jobs.PlanRunner to the plan endpoints.
var _ PlanRunner = (*jobs.PlanRunner)(nil)

// withPlanning wires the real planner (through the jobs runner, as serve
// does), publisher and feed composer onto the env's store.
func withPlanning(t *testing.T) envOption {
	// The document validator knows no text/calendar (the feed); it reads it
	// as a string.
	openapi3filter.RegisterBodyDecoder("text/calendar", openapi3filter.FileBodyDecoder)
	return func(cfg *Config) {
		s := cfg.Store.(*store.Store)
		planner, err := planning.NewPlanner(planning.Config{Store: s, Travel: travel.DefaultModel(), Location: time.UTC, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		comp, err := notify.NewComposer(templates.Mail, time.UTC, notify.ComposerConfig{BaseURL: "https://fv.example", ReplyTo: "coord@fv.example"})
		if err != nil {
			t.Fatal(err)
		}
		pub, err := publish.New(publish.Config{Store: s, Composer: comp, Location: time.UTC, Now: cfg.Now})
		if err != nil {
			t.Fatal(err)
		}
		runner, err := jobs.NewPlanRunner(jobs.PlanRunnerConfig{Store: s, Planner: planner, Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Planner, cfg.Publisher, cfg.Feeds, cfg.BaseURL = runner, pub, comp, "https://fv.example/"
		cfg.Editor = planner
		cfg.Location = time.UTC
	}
}

func TestPlanRunPublishVisits(t *testing.T) {
	e := newEnv(t, withPlanning(t))
	ctx := context.Background()
	const week = "/api/v1/plans/2025-03-10"

	// Only coordinators plan, and only whole weeks.
	e.do(req{as: trainerA, method: http.MethodPost, path: week + "/run"}).want(t, http.StatusForbidden).problem(t)
	for _, bad := range []string{"2025-03-11", "2025-13-01", "monday"} {
		e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/plans/" + bad + "/run"}).want(t, http.StatusBadRequest).problem(t)
		e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/plans/" + bad}).want(t, http.StatusBadRequest).problem(t)
	}
	e.do(req{as: coord, method: http.MethodGet, path: week}).want(t, http.StatusNotFound).problem(t)

	var plan models.Plan
	// An empty object, which generic clients send with a POST, is no input.
	res := e.do(req{as: coord, method: http.MethodPost, path: week + "/run", body: map[string]any{}}).want(t, http.StatusCreated)
	res.decode(t, &plan)
	if plan.Version != 1 || plan.Status != models.PlanDraft || plan.KPIs.Scheduled != 2 || res.header.Get("Location") != week+"/1" {
		t.Fatalf("run answered version %d (%s), %d scheduled, Location %q", plan.Version, plan.Status, plan.KPIs.Scheduled, res.header.Get("Location"))
	}
	var latest, one models.Plan
	e.do(req{as: coord, method: http.MethodGet, path: week}).want(t, http.StatusOK).decode(t, &latest)
	e.do(req{as: coord, method: http.MethodGet, path: week + "/1"}).want(t, http.StatusOK).decode(t, &one)
	if latest.ID != plan.ID || one.ID != plan.ID {
		t.Errorf("latest %s, version 1 %s, want %s", latest.ID, one.ID, plan.ID)
	}
	e.do(req{as: coord, method: http.MethodGet, path: week + "/2"}).want(t, http.StatusNotFound).problem(t)
	e.do(req{as: coord, method: http.MethodGet, path: week + "/first"}).want(t, http.StatusBadRequest).problem(t)
	e.do(req{as: clinicA, method: http.MethodGet, path: week + "/1"}).want(t, http.StatusForbidden).problem(t)

	// Publish: two visits, a confirmation per clinic and a week per trainer;
	// again: nothing.
	var pub publish.Result
	e.do(req{as: coord, method: http.MethodPost, path: week + "/1/publish"}).want(t, http.StatusOK).decode(t, &pub)
	if pub.Created != 2 || pub.Enqueued < 3 {
		t.Errorf("publication %+v", pub)
	}
	e.do(req{as: coord, method: http.MethodPost, path: week + "/1/publish"}).want(t, http.StatusOK).decode(t, &pub)
	if pub.Created != 0 || pub.Enqueued != 0 || pub.Unchanged != 2 {
		t.Errorf("second publication %+v", pub)
	}
	e.do(req{as: coord, method: http.MethodPost, path: week + "/7/publish"}).want(t, http.StatusNotFound).problem(t)
	// The week under way (the clock says Wednesday) can still be re-planned.
	e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/plans/2025-03-03/run"}).want(t, http.StatusCreated)

	// Visits: everything for a coordinator, one's own for the others.
	var all, mine list[models.Visit]
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/visits?week=2025-03-10"}).want(t, http.StatusOK).decode(t, &all)
	if len(all.Items) != 2 {
		t.Fatalf("%d visits, want 2", len(all.Items))
	}
	e.do(req{as: clinicA, method: http.MethodGet, path: "/api/v1/visits"}).want(t, http.StatusOK).decode(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].ClinicID != e.clinicA.ID {
		t.Errorf("clinic A sees %+v", mine.Items)
	}
	e.do(req{as: clinicA, method: http.MethodGet, path: "/api/v1/visits?clinic_id=" + e.clinicB.ID}).want(t, http.StatusForbidden).problem(t)
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/visits?week=2025-03-12"}).want(t, http.StatusBadRequest).problem(t)
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/visits?status=gone"}).want(t, http.StatusBadRequest).problem(t)
	byTrainer := map[string]int{}
	for _, v := range all.Items {
		byTrainer[v.TrainerID]++
	}
	for _, who := range []string{trainerA, trainerB} {
		e.do(req{as: who, method: http.MethodGet, path: "/api/v1/visits"}).want(t, http.StatusOK).decode(t, &mine)
		tid := e.users[who].TrainerID
		if len(mine.Items) != byTrainer[tid] || slices.ContainsFunc(mine.Items, func(v models.Visit) bool { return v.TrainerID != tid }) {
			t.Errorf("%s sees %d visits, has %d", who, len(mine.Items), byTrainer[tid])
		}
	}

	// The outbox holds the mails; without SMTP the dispatcher delivers them
	// to the development mailbox.
	var pending, box list[models.OutboxMessage]
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/outbox?status=pending"}).want(t, http.StatusOK).decode(t, &pending)
	if len(pending.Items) < 3 {
		t.Fatalf("%d pending mails", len(pending.Items))
	}
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/outbox?status=lost"}).want(t, http.StatusBadRequest).problem(t)
	e.do(req{as: trainerA, method: http.MethodGet, path: "/api/v1/outbox"}).want(t, http.StatusForbidden).problem(t)
	d, err := jobs.NewDispatcher(jobs.DispatcherConfig{Store: e.st, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/mailbox"}).want(t, http.StatusOK).decode(t, &box)
	if len(box.Items) != len(pending.Items) || !box.Items[0].Mailbox || box.Items[0].Mail.Subject == "" {
		t.Errorf("mailbox holds %d of %d mails", len(box.Items), len(pending.Items))
	}
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/mailbox?limit=1"}).want(t, http.StatusOK).decode(t, &box)
	if len(box.Items) != 1 || box.Next == "" {
		t.Errorf("first page of one: %d items, next %q", len(box.Items), box.Next)
	}
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/mailbox?limit=200&after=" + url.QueryEscape(box.Next)}).want(t, http.StatusOK).decode(t, &box)
	if len(box.Items) != len(pending.Items)-1 {
		t.Errorf("second page: %d items, want %d", len(box.Items), len(pending.Items)-1)
	}

	// A failed mail is listed and can be retried once.
	m, err := e.st.OutboxMessage(ctx, pending.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.FailMessage(ctx, m, "550 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	var failed list[models.OutboxMessage]
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/outbox"}).want(t, http.StatusOK).decode(t, &failed)
	if len(failed.Items) != 1 || failed.Items[0].ID != m.ID || failed.Items[0].LastError == "" {
		t.Fatalf("failed list %+v", failed.Items)
	}
	retry := "/api/v1/outbox/" + url.PathEscape(m.ID) + "/retry"
	var retried models.OutboxMessage
	e.do(req{as: coord, method: http.MethodPost, path: retry}).want(t, http.StatusOK).decode(t, &retried)
	if retried.Status != models.OutboxPending || retried.Attempts != 0 {
		t.Errorf("retried message %s, %d attempts", retried.Status, retried.Attempts)
	}
	e.do(req{as: coord, method: http.MethodPost, path: retry}).want(t, http.StatusConflict).problem(t)
	e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/outbox/no-such-message/retry"}).want(t, http.StatusNotFound).problem(t)

	// The clinic cancels its booked request: the visit is off at once and
	// the clinic and the trainer are told, without waiting for a publication.
	e.do(req{as: clinicA, method: http.MethodGet, path: "/api/v1/visits"}).want(t, http.StatusOK).decode(t, &mine)
	booked := mine.Items[0]
	var r models.Request
	e.do(req{as: clinicA, method: http.MethodGet, path: "/api/v1/requests/" + booked.RequestID}).want(t, http.StatusOK).decode(t, &r)
	e.do(req{as: clinicA, method: http.MethodPost, path: "/api/v1/requests/" + r.ID + "/status",
		body: map[string]any{"status": "cancelled", "version": r.Version}}).want(t, http.StatusOK)
	v, err := e.st.Visit(ctx, booked.ID)
	if err != nil || v.Status != models.VisitCancelled || v.Sequence != booked.Sequence+1 {
		t.Fatalf("visit of the cancelled request: %+v, %v", v, err)
	}
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/outbox?status=pending"}).want(t, http.StatusOK).decode(t, &pending)
	var cancels int
	for _, m := range pending.Items {
		if strings.HasPrefix(m.ID, fmt.Sprintf("visit:%s:seq:%d:", booked.ID, v.Sequence)) {
			cancels++
		}
	}
	if cancels < 2 {
		t.Errorf("%d cancellation mails pending for the visit, want the clinic's and the trainer's", cancels)
	}
}

func TestTrainerFeed(t *testing.T) {
	e := newEnv(t, withPlanning(t))
	e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/plans/2025-03-10/run"}).want(t, http.StatusCreated)
	e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/plans/2025-03-10/1/publish"}).want(t, http.StatusOK)
	visits, err := e.st.Visits(context.Background(), models.VisitFilter{TrainerID: e.trainerA.ID})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, v := range visits {
		want = append(want, v.UID)
	}
	slices.Sort(want)

	tokenPath := "/api/v1/trainers/" + e.trainerA.ID + "/feed-token"
	e.do(req{as: trainerB, method: http.MethodGet, path: tokenPath}).want(t, http.StatusForbidden).problem(t)
	e.do(req{as: clinicA, method: http.MethodGet, path: tokenPath}).want(t, http.StatusForbidden).problem(t)
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/trainers/0123456789abcdef01234567/feed-token"}).want(t, http.StatusNotFound).problem(t)
	var first, second FeedToken
	e.do(req{as: trainerA, method: http.MethodGet, path: tokenPath}).want(t, http.StatusOK).decode(t, &first)
	u, err := url.Parse(first.URL)
	if err != nil || u.Host != "fv.example" {
		t.Fatalf("feed URL %q", first.URL)
	}

	res := e.do(req{as: anonymous, method: http.MethodGet, path: u.Path}).want(t, http.StatusOK)
	if ct := res.header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	cal, err := ical.NewDecoder(bytes.NewReader(res.body)).Decode()
	if err != nil {
		t.Fatalf("feed does not parse: %v\n%s", err, res.body)
	}
	if m := cal.Props.Get(ical.PropMethod); m == nil || m.Value != "PUBLISH" {
		t.Errorf("feed METHOD %v", m)
	}
	var got []string
	for _, ev := range cal.Events() {
		got = append(got, ev.Props.Get(ical.PropUID).Value)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("feed lists %v, trainer A has %v", got, want)
	}

	// The feed token opens the feed and nothing else.
	secret := u.Path[len("/feeds/") : len(u.Path)-len(".ics")]
	e.secrets["feed"] = secret
	e.do(req{as: "feed", method: http.MethodGet, path: "/api/v1/me"}).want(t, http.StatusUnauthorized).problem(t)
	e.do(req{as: anonymous, method: http.MethodGet, path: "/feeds/" + secret}).want(t, http.StatusNotFound).problem(t)
	e.do(req{as: anonymous, method: http.MethodGet, path: "/feeds/wrong.ics"}).want(t, http.StatusNotFound).problem(t)

	// Showing it again changes nothing; asking for a new one revokes it.
	var again FeedToken
	e.do(req{as: coord, method: http.MethodGet, path: tokenPath}).want(t, http.StatusOK).decode(t, &again)
	if again != first {
		t.Fatalf("GET twice: %+v then %+v, want the same link", first, again)
	}
	e.do(req{as: anonymous, method: http.MethodGet, path: u.Path}).want(t, http.StatusOK)
	e.do(req{as: coord, method: http.MethodPost, path: tokenPath}).want(t, http.StatusOK).decode(t, &second)
	if second.URL == first.URL {
		t.Fatal("the same URL after asking for a new one")
	}
	var shown FeedToken
	e.do(req{as: trainerA, method: http.MethodGet, path: tokenPath}).want(t, http.StatusOK).decode(t, &shown)
	if shown != second {
		t.Errorf("GET after POST shows %+v, want the new %+v", shown, second)
	}
	e.do(req{as: anonymous, method: http.MethodGet, path: u.Path}).want(t, http.StatusNotFound).problem(t)
	u2, _ := url.Parse(second.URL)
	e.do(req{as: anonymous, method: http.MethodGet, path: u2.Path}).want(t, http.StatusOK)
}

// failedMessage stores an outbox message that gave up and returns its id.
func (e *env) failedMessage() string {
	e.t.Helper()
	ctx := context.Background()
	m := &models.OutboxMessage{ID: fmt.Sprintf("test:failed:%d", e.unique()), Kind: "test",
		Mail: models.Mail{To: []string{"x@example.org"}, Subject: "s", Text: "t"}}
	if _, err := e.st.EnqueueMail(ctx, m); err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.FailMessage(ctx, m, "550 no such user"); err != nil {
		e.t.Fatal(err)
	}
	return m.ID
}

// feedSecret returns the secret of a feed token of trainer B, made once
// (the role matrix renews trainer A's feed token).
func (e *env) feedSecret() string {
	e.t.Helper()
	if s, ok := e.secrets["feed of trainer B"]; ok {
		return s
	}
	secret, hash := NewToken()
	tok := &models.Token{Hash: hash, ID: feedTokenID(e.trainerB.ID), Kind: models.TokenFeed,
		ExpiresAt: e.clock.Now().Add(time.Hour)}
	if err := e.st.CreateToken(context.Background(), tok); err != nil {
		e.t.Fatal(err)
	}
	e.secrets["feed of trainer B"] = secret
	return secret
}

// TestFeedTokenNeedsCSRFAndStaysOutOfLogs: asking for a new feed URL
// revokes the previous one, so a cookie session must prove it is the page
// itself (CSRF header) on the POST, while showing the URL (GET) needs no
// header and changes nothing; and a feed URL, whose path is its only
// credential, never reaches the logs.
func TestFeedTokenNeedsCSRFAndStaysOutOfLogs(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, withPlanning(t), func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	tokenPath := "/api/v1/trainers/" + e.trainerA.ID + "/feed-token"
	var first FeedToken
	e.do(req{as: trainerA, method: http.MethodGet, path: tokenPath}).want(t, http.StatusOK).decode(t, &first)
	u, err := url.Parse(first.URL)
	if err != nil {
		t.Fatal(err)
	}

	out, cookies, _ := e.login(t, trainerA, testPassword, http.StatusOK)
	session := cookieNamed(cookies, sessionCookie)
	before := e.snapshot()
	var shown FeedToken
	e.do(req{method: http.MethodGet, path: tokenPath, cookies: []*http.Cookie{session}}).want(t, http.StatusOK).decode(t, &shown)
	if shown != first {
		t.Errorf("GET with a cookie shows %+v, want %+v", shown, first)
	}
	e.do(req{method: http.MethodPost, path: tokenPath, cookies: []*http.Cookie{session}}).want(t, http.StatusForbidden).problem(t)
	e.do(req{method: http.MethodPost, path: tokenPath, cookies: []*http.Cookie{session}, header: map[string]string{csrfHeader: "forged"}}).want(t, http.StatusForbidden).problem(t)
	if d := before.diff(e.snapshot()); d != "" {
		t.Errorf("a GET or a refused POST wrote: %s", d)
	}
	e.do(req{method: http.MethodGet, path: u.Path}).want(t, http.StatusOK) // not revoked

	var second FeedToken
	e.do(req{method: http.MethodPost, path: tokenPath, cookies: []*http.Cookie{session}, header: map[string]string{csrfHeader: out.CSRFToken}}).want(t, http.StatusOK).decode(t, &second)
	u2, err := url.Parse(second.URL)
	if err != nil {
		t.Fatal(err)
	}
	e.do(req{method: http.MethodGet, path: u2.Path}).want(t, http.StatusOK)
	e.do(req{method: http.MethodGet, path: u.Path}).want(t, http.StatusNotFound).problem(t)

	secrets := []string{strings.TrimSuffix(strings.TrimPrefix(u.Path, "/feeds/"), ".ics"), strings.TrimSuffix(strings.TrimPrefix(u2.Path, "/feeds/"), ".ics")}
	if !strings.Contains(logs.String(), `"path":"/feeds/[redacted]"`) {
		t.Errorf("feed requests are not logged:\n%s", logs.String())
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log holds the feed secret %s:\n%s", s, logs.String())
		}
	}
}

// TestFeedTokenShowReplacesExpiredAndLegacy: GET makes a new link when the
// stored one expired (its id still taken) or was made before secrets were
// kept (it cannot be shown), and the old one stops working.
func TestFeedTokenShowReplacesExpiredAndLegacy(t *testing.T) {
	e := newEnv(t, withPlanning(t))
	ctx := context.Background()
	for name, tc := range map[string]struct {
		trainer   string
		expiresIn time.Duration
	}{
		"expired": {e.trainerA.ID, -time.Minute},
		"legacy":  {e.trainerB.ID, time.Hour},
	} {
		secret, hash := NewToken()
		old := &models.Token{Hash: hash, ID: feedTokenID(tc.trainer), Kind: models.TokenFeed, ExpiresAt: e.clock.Now().Add(tc.expiresIn)}
		if err := e.st.CreateToken(ctx, old); err != nil {
			t.Fatal(err)
		}
		var got FeedToken
		e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/trainers/" + tc.trainer + "/feed-token"}).want(t, http.StatusOK).decode(t, &got)
		u, err := url.Parse(got.URL)
		if err != nil || u.Path == "/feeds/"+secret+".ics" || !got.ExpiresAt.After(e.clock.Now()) {
			t.Errorf("%s: GET answers %+v (%v)", name, got, err)
			continue
		}
		e.do(req{as: anonymous, method: http.MethodGet, path: u.Path}).want(t, http.StatusOK)
		e.do(req{as: anonymous, method: http.MethodGet, path: "/feeds/" + secret + ".ics"}).want(t, http.StatusNotFound).problem(t)
	}
}
