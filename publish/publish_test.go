package publish

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
	"github.com/fieldvisit/fieldvisit/templates"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const week models.Date = "2026-12-07"

// world is a small published-plan fixture: trainers A (Russian) and B
// (English), clinic 1 with two contacts and clinic 2 (English) with one,
// and requests r1, r2 at clinic 1 and r3 at clinic 2.
type world struct {
	st     *store.Store
	pub    *Publisher
	loc    *time.Location
	a, b   models.Trainer
	c1, c2 models.Clinic
	r1, r2 models.Request
	r3     models.Request
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, loc)
	st := store.New(storetest.Database(t), func() time.Time { return now })
	if err := st.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	comp, err := notify.NewComposer(templates.Mail, loc, notify.ComposerConfig{BaseURL: "https://fv.example", ReplyTo: "coord@fv.example"})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := New(Config{Store: st, Composer: comp, Location: loc, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{st: st, pub: pub, loc: loc}
	home := models.Place{Address: "Home", Lat: 55.7, Lon: 37.6}
	w.a = models.Trainer{Name: "Анна", Email: "anna@fv.example", Skills: []string{"x"}, StartPlace: home, EndPlace: home,
		MaxVisitsDay: 4, MaxWorkMinutes: 480, TravelMode: models.TravelCar, Lang: "ru"}
	w.b = w.a
	w.b.Name, w.b.Email, w.b.Lang = "Boris", "boris@fv.example", "en"
	for _, tr := range []*models.Trainer{&w.a, &w.b} {
		if err := st.CreateTrainer(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	w.c1 = models.Clinic{Name: "Поликлиника 1", Place: models.Place{Address: "Тверская, 1", Lat: 55.76, Lon: 37.61},
		ContactEmails: []string{"head1@clinic.example", "desk1@clinic.example"}, Lang: "ru"}
	w.c2 = models.Clinic{Name: "Clinic 2", Place: models.Place{Address: "Arbat 2", Lat: 55.75, Lon: 37.59},
		ContactEmails: []string{"head2@clinic.example"}, Lang: "en"}
	for _, c := range []*models.Clinic{&w.c1, &w.c2} {
		if err := st.CreateClinic(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range []*models.Request{&w.r1, &w.r2, &w.r3} {
		*r = models.Request{ClinicID: w.c1.ID, Kind: models.KindOnsiteSupport, Topic: "desk", DurationMinutes: 60,
			EarliestDate: week, DueDate: week.AddDays(4), Priority: models.PriorityNormal, Status: models.StatusNew}
		if i == 2 {
			r.ClinicID, r.Kind, r.Participants = w.c2.ID, models.KindMicroTraining, 3
		}
		if err := st.CreateRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// stop places request r at hh:mm on the day'th day of the week for an hour.
func (w *world) stop(r models.Request, day, hh, mm int) models.PlanStop {
	start := week.AddDays(day).At(models.TimeOfDay(hh*60+mm), w.loc).UTC()
	return models.PlanStop{RequestID: r.ID, ClinicID: r.ClinicID, Kind: r.Kind, Start: start, Arrive: start, End: start.Add(time.Hour)}
}

func (w *world) route(tr models.Trainer, day int, stops ...models.PlanStop) models.PlanRoute {
	return models.PlanRoute{TrainerID: tr.ID, TrainerName: tr.Name, Date: week.AddDays(day), Stops: stops}
}

// draft saves a draft plan with the routes and returns its version.
func (w *world) draft(t *testing.T, routes ...models.PlanRoute) int {
	t.Helper()
	p := &models.Plan{Week: week, Status: models.PlanDraft, Routes: routes}
	if err := w.st.CreatePlan(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p.Version
}

func (w *world) publish(t *testing.T, version int) Result {
	t.Helper()
	res, err := w.pub.Publish(context.Background(), week, version)
	if err != nil {
		t.Fatalf("publish version %d: %v", version, err)
	}
	return res
}

// outbox returns every pending message by id.
func (w *world) outbox(t *testing.T) map[string]models.OutboxMessage {
	t.Helper()
	list, err := w.st.OutboxMessages(context.Background(), models.OutboxPending, models.Page{Limit: models.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]models.OutboxMessage{}
	for _, m := range list {
		out[m.ID] = m
	}
	return out
}

func (w *world) visit(t *testing.T, r models.Request) *models.Visit {
	t.Helper()
	v, err := w.st.Visit(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (w *world) status(t *testing.T, r models.Request) models.Status {
	t.Helper()
	got, err := w.st.Request(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.Status
}

func keys(m map[string]models.OutboxMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func newKeys(before, after map[string]models.OutboxMessage) []string {
	var out []string
	for k := range after {
		if _, ok := before[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string { slices.Sort(s); return s }

func TestPublishLifecycle(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()

	// First publication: every visit is new, every clinic contact gets a
	// confirmation, every trainer the week.
	v1 := w.draft(t, w.route(w.a, 0, w.stop(w.r1, 0, 10, 0), w.stop(w.r2, 0, 11, 30)), w.route(w.b, 1, w.stop(w.r3, 1, 9, 0)))
	res := w.publish(t, v1)
	if res.Created != 3 || res.Moved+res.Cancelled+res.Unchanged != 0 || res.Enqueued != 7 {
		t.Errorf("first publication: %+v, want 3 created and 7 mails", res)
	}
	first := w.outbox(t)
	want := sorted(
		clinicKey(w.r1.ID, 0, "head1@clinic.example"), clinicKey(w.r1.ID, 0, "desk1@clinic.example"),
		clinicKey(w.r2.ID, 0, "head1@clinic.example"), clinicKey(w.r2.ID, 0, "desk1@clinic.example"),
		clinicKey(w.r3.ID, 0, "head2@clinic.example"),
		weekKey(week, v1, w.a.ID), weekKey(week, v1, w.b.ID),
	)
	if got := keys(first); !slices.Equal(got, want) {
		t.Errorf("outbox after the first publication:\n got %q\nwant %q", got, want)
	}
	m := first[clinicKey(w.r3.ID, 0, "head2@clinic.example")]
	if !slices.Equal(m.Mail.To, []string{"head2@clinic.example"}) || m.Kind != "clinic.booked" ||
		!strings.Contains(m.Mail.Text, "09:00–10:00") || len(m.Mail.Attachments) != 1 {
		t.Errorf("clinic 2 mail: kind %s to %v, text %q", m.Kind, m.Mail.To, m.Mail.Text)
	} else if ics := string(m.Mail.Attachments[0].Data); !strings.Contains(ics, "METHOD:REQUEST") ||
		!strings.Contains(ics, "UID:"+models.VisitUID(w.r3.ID)) || !strings.Contains(ics, "SEQUENCE:0") {
		t.Errorf("clinic 2 invitation:\n%s", ics)
	}
	for _, r := range []models.Request{w.r1, w.r2, w.r3} {
		v := w.visit(t, r)
		if v.Sequence != 0 || v.Status != models.VisitScheduled || v.PlanVersion != v1 || v.UID != models.VisitUID(r.ID) || v.Week != week {
			t.Errorf("visit %s: %+v", r.ID, v)
		}
		// Publishing books the visit: the request is confirmed, as the
		// clinic's e-mail says.
		if s := w.status(t, r); s != models.StatusConfirmed {
			t.Errorf("request %s is %s, want confirmed", r.ID, s)
		}
	}
	if p, err := w.st.PublishedPlan(ctx, week); err != nil || p.Version != v1 || p.PublishedAt == nil {
		t.Fatalf("published plan %+v, %v", p, err)
	}

	// Publishing the same version again changes and sends nothing.
	if res := w.publish(t, v1); res.Created+res.Moved+res.Cancelled+res.Enqueued != 0 || res.Unchanged != 3 {
		t.Errorf("second publication of the same version: %+v", res)
	}
	if got := keys(w.outbox(t)); !slices.Equal(got, want) {
		t.Errorf("the outbox changed on re-publication: %q", got)
	}

	// Version 2 keeps r1, gives r2 to trainer B at another time and drops
	// r3: clinic 1 hears that r2 moved, B that r2 is theirs, A that it is
	// off, clinic 2 and B that r3 is cancelled.
	v2 := w.draft(t, w.route(w.a, 0, w.stop(w.r1, 0, 10, 0)), w.route(w.b, 1, w.stop(w.r2, 1, 14, 0)))
	res = w.publish(t, v2)
	if res.Created != 0 || res.Moved != 1 || res.Cancelled != 1 || res.Unchanged != 1 || res.Enqueued != 6 {
		t.Errorf("publication of version 2: %+v", res)
	}
	second := w.outbox(t)
	wantNew := sorted(
		clinicKey(w.r2.ID, 1, "head1@clinic.example"), clinicKey(w.r2.ID, 1, "desk1@clinic.example"),
		trainerKey(w.r2.ID, 1, w.b.ID), trainerKey(w.r2.ID, 1, w.a.ID),
		clinicKey(w.r3.ID, 1, "head2@clinic.example"), trainerKey(w.r3.ID, 1, w.b.ID),
	)
	if got := newKeys(first, second); !slices.Equal(got, wantNew) {
		t.Errorf("mails of version 2:\n got %q\nwant %q", got, wantNew)
	}
	kinds := map[string]string{
		clinicKey(w.r2.ID, 1, "head1@clinic.example"): "clinic.moved",
		trainerKey(w.r2.ID, 1, w.b.ID):                "trainer.booked",
		trainerKey(w.r2.ID, 1, w.a.ID):                "trainer.cancelled",
		clinicKey(w.r3.ID, 1, "head2@clinic.example"): "clinic.cancelled",
		trainerKey(w.r3.ID, 1, w.b.ID):                "trainer.cancelled",
	}
	for key, kind := range kinds {
		if got := second[key].Kind; got != kind {
			t.Errorf("%s is %q, want %q", key, got, kind)
		}
	}
	// The clinic hears what changed: the time and the trainer.
	if text := second[clinicKey(w.r2.ID, 1, "head1@clinic.example")].Mail.Text; !strings.Contains(text, w.a.Name) || !strings.Contains(text, w.b.Name) {
		t.Errorf("the moved mail does not say the trainer changed from %s to %s:\n%s", w.a.Name, w.b.Name, text)
	}
	if ics := string(second[clinicKey(w.r3.ID, 1, "head2@clinic.example")].Mail.Attachments[0].Data); !strings.Contains(ics, "METHOD:CANCEL") || !strings.Contains(ics, "SEQUENCE:1") {
		t.Errorf("cancellation of r3:\n%s", ics)
	}
	if v := w.visit(t, w.r2); v.TrainerID != w.b.ID || v.Sequence != 1 || v.PlanVersion != v2 {
		t.Errorf("moved visit %+v", v)
	}
	if v := w.visit(t, w.r1); v.Sequence != 0 || v.PlanVersion != v1 {
		t.Errorf("unchanged visit %+v was rewritten", v)
	}
	if v := w.visit(t, w.r3); v.Status != models.VisitCancelled || v.Sequence != 1 {
		t.Errorf("dropped visit %+v", v)
	}
	if s := w.status(t, w.r3); s != models.StatusNew {
		t.Errorf("request of the dropped visit is %s, want new", s)
	}
	old, err := w.st.Plan(ctx, week, v1)
	if err != nil || old.Status != models.PlanSuperseded {
		t.Errorf("version 1 is %v (%v), want superseded", old.Status, err)
	}

	// A superseded version cannot come back.
	if _, err := w.pub.Publish(ctx, week, v1); !errors.Is(err, models.ErrConflict) {
		t.Errorf("publishing superseded version 1: %v, want a conflict", err)
	}
}

// TestPublishResumesAfterCrash stops a publication after its visits were
// written and before any mail was enqueued, then publishes again: the mails
// of the interrupted run arrive once, and nothing is written twice.
func TestPublishResumesAfterCrash(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	v1 := w.draft(t, w.route(w.a, 0, w.stop(w.r1, 0, 10, 0), w.stop(w.r2, 0, 11, 30)), w.route(w.b, 1, w.stop(w.r3, 1, 9, 0)))
	w.publish(t, v1)
	before := w.outbox(t)

	v2 := w.draft(t, w.route(w.a, 0, w.stop(w.r1, 0, 15, 0), w.stop(w.r2, 0, 11, 30)))
	plan, err := w.st.Plan(ctx, week, v2)
	if err != nil {
		t.Fatal(err)
	}
	crashed, err := w.pub.newRun(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	crashed.res = &Result{}
	if err := crashed.decide(ctx); err != nil {
		t.Fatal(err)
	}
	if err := crashed.apply(ctx); err != nil {
		t.Fatal(err)
	}
	if got := newKeys(before, w.outbox(t)); len(got) != 0 {
		t.Fatalf("the interrupted run enqueued %q", got)
	}

	res := w.publish(t, v2)
	if res.Moved != 1 || res.Cancelled != 1 || res.Unchanged != 1 || res.Enqueued != 5 {
		t.Errorf("resumed publication: %+v", res)
	}
	want := sorted(
		clinicKey(w.r1.ID, 1, "head1@clinic.example"), clinicKey(w.r1.ID, 1, "desk1@clinic.example"), trainerKey(w.r1.ID, 1, w.a.ID),
		clinicKey(w.r3.ID, 1, "head2@clinic.example"), trainerKey(w.r3.ID, 1, w.b.ID),
		// B's week is empty now, and A had one already: no week mails.
	)
	// r2 kept its place: nothing about it.
	got := newKeys(before, w.outbox(t))
	if len(got) != 5 || !slices.Equal(got, want) {
		t.Errorf("mails of the resumed publication:\n got %q\nwant %q", got, want)
	}
	if v := w.visit(t, w.r1); v.Sequence != 1 {
		t.Errorf("visit r1 at sequence %d after one move, want 1", v.Sequence)
	}
}

func TestPublishRefuses(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	v1 := w.draft(t, w.route(w.a, 0, w.stop(w.r1, 0, 10, 0)))
	tests := []struct {
		name    string
		week    models.Date
		version int
		prepare func(t *testing.T)
		is      error
	}{
		{name: "not a Monday", week: "2026-12-08", version: v1, is: &models.ValidationError{}},
		{name: "no such version", week: week, version: 99, is: models.ErrNotFound},
		{
			name: "another instance is publishing the week", week: week, version: v1, is: models.ErrConflict,
			prepare: func(t *testing.T) {
				if _, err := w.st.ClaimLease(ctx, "publish:"+string(week), "other", time.Hour); err != nil {
					t.Fatal(err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.prepare != nil {
				tt.prepare(t)
			}
			_, err := w.pub.Publish(ctx, tt.week, tt.version)
			var ve *models.ValidationError
			switch {
			case err == nil:
				t.Fatal("published")
			case errors.As(tt.is, &ve):
				if !errors.As(err, &ve) {
					t.Errorf("err %v, want a validation error", err)
				}
			case !errors.Is(err, tt.is):
				t.Errorf("err %v, want %v", err, tt.is)
			}
		})
	}
}

// TestPublishDropsClosedRequests publishes a plan made before a clinic
// cancelled one of its requests: the visit is cancelled, not rebooked, and
// the request stays cancelled.
func TestPublishDropsClosedRequests(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	routes := []models.PlanRoute{w.route(w.a, 0, w.stop(w.r1, 0, 10, 0), w.stop(w.r2, 0, 11, 30)), w.route(w.b, 1, w.stop(w.r3, 1, 9, 0))}
	w.publish(t, w.draft(t, routes...))
	before := w.outbox(t)

	req, err := w.st.Request(ctx, w.r3.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.SetRequestStatus(ctx, req.ID, req.Version, models.StatusCancelled); err != nil {
		t.Fatal(err)
	}
	res := w.publish(t, w.draft(t, routes...))
	if res.Cancelled != 1 || res.Unchanged != 2 || res.Created+res.Moved != 0 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], w.r3.ID) {
		t.Errorf("publication after the cancellation: %+v", res)
	}
	want := sorted(clinicKey(w.r3.ID, 1, "head2@clinic.example"), trainerKey(w.r3.ID, 1, w.b.ID))
	if got := newKeys(before, w.outbox(t)); !slices.Equal(got, want) {
		t.Errorf("mails:\n got %q\nwant %q", got, want)
	}
	if v := w.visit(t, w.r3); v.Status != models.VisitCancelled {
		t.Errorf("visit of the cancelled request is %s", v.Status)
	}
	if s := w.status(t, w.r3); s != models.StatusCancelled {
		t.Errorf("cancelled request became %s", s)
	}
}

// TestPublishAnotherVersionAfterCrash stops the publication of version 2
// after its visits were written and before any mail was enqueued; the
// coordinator then publishes version 3, which the nightly run made with the
// same routes. The changes version 2 wrote were never announced, so version
// 3 must announce them and move their requests: otherwise a clinic keeps a
// moved visit without a word and a dropped request stays "planned".
func TestPublishAnotherVersionAfterCrash(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish(t, w.draft(t, w.route(w.a, 0, w.stop(w.r1, 0, 10, 0), w.stop(w.r2, 0, 11, 30)), w.route(w.b, 1, w.stop(w.r3, 1, 9, 0))))
	before := w.outbox(t)

	routes := []models.PlanRoute{w.route(w.a, 0, w.stop(w.r1, 0, 15, 0), w.stop(w.r2, 0, 11, 30))}
	v2 := w.draft(t, routes...)
	plan, err := w.st.Plan(ctx, week, v2)
	if err != nil {
		t.Fatal(err)
	}
	crashed, err := w.pub.newRun(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	crashed.res = &Result{}
	if err := crashed.decide(ctx); err != nil {
		t.Fatal(err)
	}
	if err := crashed.apply(ctx); err != nil {
		t.Fatal(err)
	}

	v3 := w.draft(t, routes...)
	res := w.publish(t, v3)
	if res.Moved != 1 || res.Cancelled != 1 || res.Unchanged != 1 || res.Enqueued != 5 {
		t.Errorf("publication of version 3: %+v, want 1 moved, 1 cancelled, 1 unchanged, 5 mails", res)
	}
	want := sorted(
		clinicKey(w.r1.ID, 1, "head1@clinic.example"), clinicKey(w.r1.ID, 1, "desk1@clinic.example"), trainerKey(w.r1.ID, 1, w.a.ID),
		clinicKey(w.r3.ID, 1, "head2@clinic.example"), trainerKey(w.r3.ID, 1, w.b.ID),
	)
	if got := newKeys(before, w.outbox(t)); !slices.Equal(got, want) {
		t.Errorf("mails of version 3:\n got %q\nwant %q", got, want)
	}
	if s := w.status(t, w.r3); s != models.StatusNew {
		t.Errorf("request of the dropped visit is %s, want new", s)
	}
	for _, r := range []models.Request{w.r1, w.r3} {
		if v := w.visit(t, r); v.Sequence != 1 || v.PlanVersion != v3 {
			t.Errorf("visit %s: sequence %d, plan version %d; want 1 and %d", r.ID, v.Sequence, v.PlanVersion, v3)
		}
	}
	if v := w.visit(t, w.r2); v.Sequence != 0 {
		t.Errorf("unchanged visit r2 at sequence %d, want 0", v.Sequence)
	}
}

// claimHook runs a function just before the wrapped store claims a lease:
// it lets a test put another instance's whole publication between a
// publisher's first read of the plan and its claim.
type claimHook struct {
	*store.Store
	before func()
}

func (s *claimHook) ClaimLease(ctx context.Context, resource, holder string, ttl time.Duration) (*models.Lease, error) {
	if f := s.before; f != nil {
		s.before = nil
		f()
	}
	return s.Store.ClaimLease(ctx, resource, holder, ttl)
}

// TestPublishSameVersionTwiceAtOnce: two coordinators (or a retried HTTP
// request) publish one draft at the same moment. The one that gets the
// lease second must find the plan published and do nothing, rather than
// take the plan for its own predecessor and mail every trainer a change
// for each visit on top of their week.
func TestPublishSameVersionTwiceAtOnce(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	v1 := w.draft(t, w.route(w.a, 0, w.stop(w.r1, 0, 10, 0), w.stop(w.r2, 0, 11, 30)), w.route(w.b, 1, w.stop(w.r3, 1, 9, 0)))

	hooked := &claimHook{Store: w.st}
	second, err := New(Config{Store: hooked, Composer: w.pub.cfg.Composer, Location: w.loc, Holder: "second", Now: w.pub.now})
	if err != nil {
		t.Fatal(err)
	}
	var firstRes Result
	hooked.before = func() { firstRes = w.publish(t, v1) }
	res, err := second.Publish(ctx, week, v1)
	if err != nil {
		t.Fatalf("the later of two simultaneous publications: %v", err)
	}
	if firstRes.Created != 3 || res.Created+res.Moved+res.Cancelled+res.Enqueued != 0 || res.Unchanged != 3 {
		t.Errorf("first publication %+v, second %+v; want 3 created, then 3 unchanged", firstRes, res)
	}
	want := sorted(
		clinicKey(w.r1.ID, 0, "head1@clinic.example"), clinicKey(w.r1.ID, 0, "desk1@clinic.example"),
		clinicKey(w.r2.ID, 0, "head1@clinic.example"), clinicKey(w.r2.ID, 0, "desk1@clinic.example"),
		clinicKey(w.r3.ID, 0, "head2@clinic.example"),
		weekKey(week, v1, w.a.ID), weekKey(week, v1, w.b.ID),
	)
	if got := keys(w.outbox(t)); !slices.Equal(got, want) {
		t.Errorf("outbox after two simultaneous publications:\n got %q\nwant %q", got, want)
	}
}
