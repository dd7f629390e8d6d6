package jobs_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/templates"
)

func newComposer(t *testing.T) *notify.Composer {
	t.Helper()
	c, err := notify.NewComposer(templates.Mail, testkit.Moscow(t), notify.ComposerConfig{
		BaseURL: "https://fieldvisit.example", ReplyTo: "coordinators@centre.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seedVisits stores a trainer, a clinic with two contacts and visits around
// Friday 4 Dec 2026, returning the trainer's and clinic's ids.
func seedVisits(t *testing.T, s *store.Store) (trainerID, clinicID string) {
	t.Helper()
	ctx := context.Background()
	loc := testkit.Moscow(t)
	place := models.Place{Address: "Тверская ул., 1", Lat: 55.76, Lon: 37.61}
	tr := &models.Trainer{Name: "Анна Петрова", Email: "anna@centre.example", Skills: []string{"conflict"},
		StartPlace: place, EndPlace: place, MaxVisitsDay: 4, MaxWorkMinutes: 480, TravelMode: models.TravelTransit, Lang: "ru"}
	if err := s.CreateTrainer(ctx, tr); err != nil {
		t.Fatal(err)
	}
	cl := &models.Clinic{Name: "Поликлиника № 5", Place: place, ContactEmails: []string{"head@p5.example", "desk@p5.example"}, Lang: "en"}
	if err := s.CreateClinic(ctx, cl); err != nil {
		t.Fatal(err)
	}
	visit := func(id string, day models.Date, hour int, status models.VisitStatus) {
		start := day.At(models.TimeOfDay(hour*60), loc)
		v := &models.Visit{ID: id, RequestID: id, TrainerID: tr.ID, ClinicID: cl.ID, Week: day.Monday(), Date: day,
			Start: start, End: start.Add(time.Hour), Kind: models.KindOnsiteSupport, Topic: "трудные посетители", Status: status}
		if err := s.CreateVisit(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	visit("v-fri-09", "2026-12-04", 9, models.VisitScheduled)
	visit("v-fri-14", "2026-12-04", 14, models.VisitScheduled)
	visit("v-fri-cancelled", "2026-12-04", 16, models.VisitCancelled)
	visit("v-thu", "2026-12-03", 10, models.VisitScheduled)
	visit("v-mon", "2026-12-07", 10, models.VisitScheduled)
	return tr.ID, cl.ID
}

func TestRemindersDayBefore(t *testing.T) {
	ctx := context.Background()
	s, _ := instance(t)
	trainerID, _ := seedVisits(t, s)
	r, err := jobs.NewReminders(jobs.RemindersConfig{Store: s, Composer: newComposer(t), Location: testkit.Moscow(t), Holder: "a"})
	if err != nil {
		t.Fatal(err)
	}
	// Thursday 3 Dec, 09:00 in Moscow: remind of Friday's visits.
	now := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	if err := r.Run(ctx, now); err != nil {
		t.Fatal(err)
	}
	want := []string{
		jobs.ReminderKey("v-fri-09", "2026-12-04", "desk@p5.example"),
		jobs.ReminderKey("v-fri-09", "2026-12-04", "head@p5.example"),
		jobs.ReminderKey("v-fri-14", "2026-12-04", "desk@p5.example"),
		jobs.ReminderKey("v-fri-14", "2026-12-04", "head@p5.example"),
		jobs.TrainerReminderKey(trainerID, "2026-12-04"),
	}
	slices.Sort(want)
	queued, err := s.OutboxMessages(ctx, models.OutboxPending, models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range queued {
		got = append(got, m.ID)
		switch {
		case strings.HasPrefix(m.ID, "reminder:trainer:"):
			if len(m.Mail.To) != 1 || m.Mail.To[0] != "anna@centre.example" || !strings.Contains(m.Mail.Text, "09:00") || !strings.Contains(m.Mail.Text, "14:00") {
				t.Errorf("trainer reminder to %v does not list both visits:\n%s", m.Mail.To, m.Mail.Text)
			}
		default:
			contact := m.ID[strings.LastIndex(m.ID, ":")+1:]
			if len(m.Mail.To) != 1 || m.Mail.To[0] != contact || m.Mail.ReplyTo != "coordinators@centre.example" {
				t.Errorf("clinic reminder %s went to %v (reply to %q)", m.ID, m.Mail.To, m.Mail.ReplyTo)
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("queued %q,\nwant %q", got, want)
	}

	// A rerun (another instance, or the same one again) adds nothing.
	if err := r.Run(ctx, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if again, err := s.OutboxMessages(ctx, "", models.Page{}); err != nil || len(again) != len(want) {
		t.Fatalf("after a rerun: %d messages, %v; want %d", len(again), err, len(want))
	}
	runs, err := s.JobRuns(ctx, jobs.JobReminders, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Outcome != jobs.OutcomeOK || runs[0].Figures["already_enqueued"] != int32(5) && runs[0].Figures["already_enqueued"] != int64(5) {
		t.Fatalf("runs = %+v", runs)
	}
}

// TestRemindersSkipClosedRequests: a clinic cancelled its request after
// the plan was published; until the next publication its visit is still
// scheduled, but nobody is reminded of it.
func TestRemindersSkipClosedRequests(t *testing.T) {
	ctx := context.Background()
	s, _ := instance(t)
	trainerID, clinicID := seedVisits(t, s)
	req := &models.Request{ClinicID: clinicID, Kind: models.KindOnsiteSupport, Topic: "запись", DurationMinutes: 60,
		EarliestDate: "2026-12-04", DueDate: "2026-12-04", Priority: models.PriorityNormal, Status: models.StatusPlanned}
	if err := s.CreateRequest(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetRequestStatus(ctx, req.ID, req.Version, models.StatusCancelled); err != nil {
		t.Fatal(err)
	}
	fridayVisit(t, s, req.ID, trainerID, clinicID, 11*60+45)
	if err := remindOfFriday(t, s); err != nil {
		t.Fatal(err)
	}
	queued, err := s.OutboxMessages(ctx, models.OutboxPending, models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	trainerMails := 0
	for _, m := range queued {
		if strings.Contains(m.ID, req.ID) {
			t.Errorf("reminder %s of the visit of a cancelled request", m.ID)
		}
		if strings.HasPrefix(m.ID, "reminder:trainer:") {
			trainerMails++
			if strings.Contains(m.Mail.Text, "11:45") || !strings.Contains(m.Mail.Text, "09:00") {
				t.Errorf("trainer reminder lists the cancelled visit or misses the others:\n%s", m.Mail.Text)
			}
		}
	}
	if len(queued) != 5 || trainerMails != 1 {
		t.Errorf("%d reminders with %d to the trainer, want 5 with 1 (the day's two other visits)", len(queued), trainerMails)
	}
}

// TestRemindersToleratesDeletedClinic: a visit whose clinic was deleted is
// skipped with a warning; the run succeeds and the day's other visits are
// reminded of.
func TestRemindersToleratesDeletedClinic(t *testing.T) {
	ctx := context.Background()
	s, _ := instance(t)
	trainerID, _ := seedVisits(t, s)
	fridayVisit(t, s, "v-gone", trainerID, "gone-clinic", 12*60)
	if err := remindOfFriday(t, s); err != nil {
		t.Fatalf("a deleted clinic failed the run: %v", err)
	}
	queued, err := s.OutboxMessages(ctx, models.OutboxPending, models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range queued {
		if strings.Contains(m.ID, "v-gone") || strings.Contains(m.Mail.Text, "12:00") {
			t.Errorf("reminder %s mentions the visit of the deleted clinic:\n%s", m.ID, m.Mail.Text)
		}
	}
	if len(queued) != 5 {
		t.Errorf("%d reminders, want 5 (the day's two other visits)", len(queued))
	}
}

// fridayVisit stores a scheduled one-hour visit of request id on Friday
// 4 Dec 2026 at minute of the day start.
func fridayVisit(t *testing.T, s *store.Store, id, trainerID, clinicID string, start int) {
	t.Helper()
	at := models.Date("2026-12-04").At(models.TimeOfDay(start), testkit.Moscow(t))
	if err := s.CreateVisit(context.Background(), &models.Visit{ID: id, RequestID: id, TrainerID: trainerID, ClinicID: clinicID,
		Week: "2026-11-30", Date: "2026-12-04", Start: at, End: at.Add(time.Hour), Kind: models.KindOnsiteSupport,
		Topic: "запись", Status: models.VisitScheduled}); err != nil {
		t.Fatal(err)
	}
}

// remindOfFriday runs the reminders on Thursday 3 Dec 2026, 09:00 in
// Moscow.
func remindOfFriday(t *testing.T, s *store.Store) error {
	t.Helper()
	r, err := jobs.NewReminders(jobs.RemindersConfig{Store: s, Composer: newComposer(t), Location: testkit.Moscow(t), Holder: "a"})
	if err != nil {
		t.Fatal(err)
	}
	return r.Run(context.Background(), time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC))
}
