package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/planning"
	"github.com/fieldvisit/fieldvisit/publish"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
	"github.com/fieldvisit/fieldvisit/templates"
	"github.com/fieldvisit/fieldvisit/travel"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// week is the week the tests plan.
const week models.Date = "2026-12-07"

type service struct {
	st         *store.Store
	loc        *time.Location
	planner    *planning.Planner
	composer   *notify.Composer
	publisher  *publish.Publisher
	dispatcher *jobs.Dispatcher
	smtp       *testkit.SMTPServer
}

func newService(t *testing.T) *service {
	t.Helper()
	return newServiceWith(t, seedWeek)
}

// newServiceWith is newService on a database seed fills.
func newServiceWith(t *testing.T, seed func(*testing.T, *store.Store)) *service {
	t.Helper()
	loc := testkit.Moscow(t)
	st := storetest.Store(t, nil)
	seed(t, st)
	planner, err := planning.NewPlanner(planning.Config{Store: st, Travel: travel.DefaultModel(), Location: loc, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	comp, err := notify.NewComposer(templates.Mail, loc, notify.ComposerConfig{BaseURL: "http://fieldvisit.test", ReplyTo: "coordinators@fieldvisit.test"})
	if err != nil {
		t.Fatal(err)
	}
	publisher, err := publish.New(publish.Config{Store: st, Composer: comp, Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	box := testkit.NewSMTPServer(t, testkit.SMTPOptions{})
	sender := notify.NewSMTP(notify.SMTPConfig{Host: box.Host(), Port: box.Port(), TLS: notify.TLSNone, From: "Fieldvisit <plan@fieldvisit.test>"})
	t.Cleanup(func() { _ = sender.Close() })
	dispatcher, err := jobs.NewDispatcher(jobs.DispatcherConfig{Store: st, Sender: sender, SendTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &service{st: st, loc: loc, planner: planner, composer: comp, publisher: publisher, dispatcher: dispatcher, smtp: box}
}

// drain runs the dispatcher and returns the mails that arrived meanwhile.
func (s *service) drain(t *testing.T) []mailMessage {
	t.Helper()
	before := s.smtp.Count()
	if err := s.dispatcher.Run(context.Background()); err != nil {
		t.Fatalf("dispatch: %v", err)
	}
	pending, err := s.st.OutboxMessages(context.Background(), models.OutboxPending, models.Page{Limit: models.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) > 0 {
		t.Fatalf("%d messages still pending after the dispatcher ran, first %s: %s", len(pending), pending[0].ID, pending[0].LastError)
	}
	var out []mailMessage
	for _, r := range s.smtp.Since(before) {
		out = append(out, parseMail(t, r))
	}
	return out
}

// delivery is what one arrived booking mail says, reduced to comparable facts.
type delivery struct {
	rcpt, method, uid string
	sequence          int
}

func (d delivery) String() string {
	return fmt.Sprintf("%s %s %s seq %d", d.rcpt, d.method, d.uid, d.sequence)
}

func deliveries(t *testing.T, mails []mailMessage) []delivery {
	t.Helper()
	var out []delivery
	for _, m := range mails {
		for _, ac := range m.calendars {
			for _, ev := range calendarEvents(t, ac) {
				if ev.method == "PUBLISH" {
					continue
				}
				for _, rc := range m.rcpt {
					out = append(out, delivery{rcpt: rc, method: ev.method, uid: ev.uid, sequence: ev.sequence})
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b delivery) int { return strings.Compare(a.String(), b.String()) })
	return out
}

func TestPlanPublishMail(t *testing.T) {
	ctx := context.Background()
	s := newService(t)

	plan, err := s.planner.PlanWeek(ctx, week, "test")
	if err != nil {
		t.Fatal(err)
	}
	if plan.KPIs.Scheduled < 6 {
		t.Fatalf("the week scheduled only %d of %d requests: %+v", plan.KPIs.Scheduled, plan.KPIs.Requests, plan.Unassigned)
	}
	res, err := s.publisher.Publish(ctx, week, plan.Version)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != plan.KPIs.Scheduled {
		t.Errorf("published %d visits of %d scheduled requests", res.Created, plan.KPIs.Scheduled)
	}
	t.Logf("plan version %d: %d of %d scheduled; published %+v", plan.Version, plan.KPIs.Scheduled, plan.KPIs.Requests, res)
	mails := s.drain(t)
	if len(mails) != res.Enqueued {
		t.Fatalf("%d mails arrived, %d were enqueued", len(mails), res.Enqueued)
	}

	visits, err := s.st.Visits(ctx, models.VisitFilter{Week: week})
	if err != nil {
		t.Fatal(err)
	}
	// Every clinic contact gets one invitation per visit, at the visit's
	// local time, and every trainer with visits one week's plan.
	byUID := map[string]models.Visit{}
	var want []delivery
	trainerVisits := map[string][]string{}
	for _, v := range visits {
		byUID[v.UID] = v
		c, err := s.st.Clinic(ctx, v.ClinicID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range c.ContactEmails {
			want = append(want, delivery{rcpt: e, method: "REQUEST", uid: v.UID, sequence: 0})
		}
		tr, err := s.st.Trainer(ctx, v.TrainerID)
		if err != nil {
			t.Fatal(err)
		}
		trainerVisits[tr.Email] = append(trainerVisits[tr.Email], v.UID)
	}
	slices.SortFunc(want, func(a, b delivery) int { return strings.Compare(a.String(), b.String()) })
	if got := deliveries(t, mails); !slices.Equal(got, want) {
		t.Errorf("booking invitations:\n got %v\nwant %v", got, want)
	}
	// Each recipient reads its own language: the English-speaking clinic
	// and trainer get English, everyone else Russian.
	english := map[string]bool{"head@gp5.test": true, "boris@trainers.test": true}
	for _, m := range mails {
		cyrillic := strings.ContainsFunc(m.subject, func(r rune) bool { return r >= 'А' && r <= 'я' })
		if len(m.rcpt) != 1 || cyrillic == english[m.rcpt[0]] {
			t.Errorf("mail to %v has subject %q, in the wrong language", m.rcpt, m.subject)
		}
	}
	weekMails := 0
	for _, m := range mails {
		if m.subject == "" || !strings.Contains(m.messageID, "@") {
			t.Errorf("mail to %v: subject %q, Message-ID %q", m.rcpt, m.subject, m.messageID)
		}
		for _, ac := range m.calendars {
			for _, ev := range calendarEvents(t, ac) {
				v, ok := byUID[ev.uid]
				if !ok {
					t.Errorf("mail to %v invites to unknown event %s", m.rcpt, ev.uid)
					continue
				}
				if ev.start != v.Start.UTC().Format("2006-01-02T15:04:05Z") {
					t.Errorf("%s starts at %s in the calendar, %s in the database", ev.uid, ev.start, v.Start)
				}
				if ev.method == "REQUEST" {
					local := v.Start.In(s.loc).Format("15:04") + "–" + v.End.In(s.loc).Format("15:04")
					if !strings.Contains(m.text, local) {
						t.Errorf("mail %q to %v does not give the local time %s:\n%s", m.subject, m.rcpt, local, m.text)
					}
				}
			}
			if ac.mimeMethod != "PUBLISH" {
				continue
			}
			weekMails++
			var uids []string
			for _, ev := range calendarEvents(t, ac) {
				uids = append(uids, ev.uid)
			}
			slices.Sort(uids)
			wantUIDs := slices.Sorted(slices.Values(trainerVisits[m.rcpt[0]]))
			if len(m.rcpt) != 1 || !slices.Equal(uids, wantUIDs) {
				t.Errorf("week plan to %v lists %v, want %v", m.rcpt, uids, wantUIDs)
			}
		}
	}
	if weekMails != len(trainerVisits) {
		t.Errorf("%d trainers got their week, %d have visits", weekMails, len(trainerVisits))
	}

	// Publishing the same version again sends nothing.
	again, err := s.publisher.Publish(ctx, week, plan.Version)
	if err != nil {
		t.Fatal(err)
	}
	if again.Enqueued != 0 {
		t.Errorf("re-publication enqueued %d mails", again.Enqueued)
	}
	if extra := s.drain(t); len(extra) != 0 {
		t.Errorf("re-publication sent %d mails, first %q to %v", len(extra), extra[0].subject, extra[0].rcpt)
	}

	// A coordinator's edit: one visit an hour later, one dropped. Exactly
	// its clinic's contacts and trainers hear of it, with SEQUENCE 1.
	moved, dropped := pickTwo(t, plan)
	edited := *plan
	edited.Routes = nil
	for _, r := range plan.Routes {
		r.Stops = slices.Clone(r.Stops)
		for i := range r.Stops {
			if r.Stops[i].RequestID == moved {
				r.Stops[i].Start = r.Stops[i].Start.Add(time.Hour)
				r.Stops[i].End = r.Stops[i].End.Add(time.Hour)
				r.Stops[i].Arrive = r.Stops[i].Arrive.Add(time.Hour)
			}
		}
		r.Stops = slices.DeleteFunc(r.Stops, func(st models.PlanStop) bool { return st.RequestID == dropped })
		edited.Routes = append(edited.Routes, r)
	}
	edited.ID, edited.Version, edited.Status, edited.PublishedAt = "", 0, models.PlanDraft, nil
	if err := s.st.CreatePlan(ctx, &edited); err != nil {
		t.Fatal(err)
	}
	res2, err := s.publisher.Publish(ctx, week, edited.Version)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Moved != 1 || res2.Cancelled != 1 || res2.Created != 0 {
		t.Errorf("publication of the edit: %+v", res2)
	}
	changed := s.drain(t)
	want = nil
	for id, method := range map[string]string{moved: "REQUEST", dropped: "CANCEL"} {
		v, err := s.st.Visit(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.st.Clinic(ctx, v.ClinicID)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := s.st.Trainer(ctx, v.TrainerID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range append(slices.Clone(c.ContactEmails), tr.Email) {
			want = append(want, delivery{rcpt: e, method: method, uid: models.VisitUID(id), sequence: 1})
		}
	}
	slices.SortFunc(want, func(a, b delivery) int { return strings.Compare(a.String(), b.String()) })
	if got := deliveries(t, changed); len(changed) != len(want) || !slices.Equal(got, want) {
		t.Errorf("mails of the edit (%d):\n got %v\nwant %v", len(changed), got, want)
	}

	// The trainer of the moved visit subscribes to their calendar: the
	// feed shows the visit at its new time and not the dropped one.
	v, err := s.st.Visit(ctx, moved)
	if err != nil {
		t.Fatal(err)
	}
	s.checkFeed(t, v.TrainerID)
}

// pickTwo returns two scheduled requests of the plan on different routes
// (so that moving one an hour does not collide with the other).
func pickTwo(t *testing.T, plan *models.Plan) (moved, dropped string) {
	t.Helper()
	for _, r := range plan.Routes {
		if len(r.Stops) == 0 {
			continue
		}
		if moved == "" {
			moved = r.Stops[len(r.Stops)-1].RequestID
			continue
		}
		return moved, r.Stops[0].RequestID
	}
	t.Fatal("the plan has fewer than two routes")
	return "", ""
}
