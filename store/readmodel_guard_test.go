package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

// writeLog records the filter of every write command (update, delete,
// findAndModify) sent to one database, as the keys it names.
type writeLog struct {
	db      string
	mu      sync.Mutex
	filters [][]string
}

// started is the command monitor's hook.
func (l *writeLog) started(_ context.Context, e *event.CommandStartedEvent) {
	if e.DatabaseName != l.db {
		return
	}
	var q bson.RawValue
	switch e.CommandName {
	case "update":
		q = e.Command.Lookup("updates", "0", "q")
	case "delete":
		q = e.Command.Lookup("deletes", "0", "q")
	case "findAndModify":
		q = e.Command.Lookup("query")
	default:
		return
	}
	keys := []string{}
	if doc, ok := q.DocumentOK(); ok {
		elems, _ := doc.Elements()
		for _, el := range elems {
			keys = append(keys, el.Key())
		}
	} else {
		keys = append(keys, "(no filter in the command)")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.filters = append(l.filters, keys)
}

// take returns the filters recorded since the last take and forgets them.
func (l *writeLog) take() [][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.filters
	l.filters = nil
	return out
}

// watchedStores returns a store with the read model and one without, on a
// fresh database through a client whose write commands log records.
func watchedStores(t *testing.T) (mirrored, plain *store.Store, log *writeLog, clock interface{ Now() time.Time }) {
	t.Helper()
	c := newClock()
	name := storetest.Database(t).Name()
	log = &writeLog{db: name}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := store.ConnectWith(ctx, storetest.URI(t), true, store.Monitors{Command: &event.CommandMonitor{Started: log.started}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := client.Disconnect(ctx); err != nil {
			t.Errorf("disconnect: %v", err)
		}
	})
	plain = storetest.Plain(t, client.Database(name), c.Now)
	return storetest.ReadModel(t, plain), plain, log, c
}

// guardWorld is one document of each collection with guarded writes.
type guardWorld struct {
	clinic  *models.Clinic
	trainer *models.Trainer
	user    *models.User
	request *models.Request
	visit   *models.Visit
	change  *models.ChangeRequest
	mail    *models.OutboxMessage
	plan    *models.Plan
	token   *models.Token
}

func newGuardWorld(ctx context.Context, t *testing.T, s *store.Store, now time.Time) *guardWorld {
	t.Helper()
	w := &guardWorld{
		clinic:  newClinic("Clinic", "North"),
		trainer: newTrainer("Anna", "anna@example.org", "ct"),
		user:    &models.User{Email: "coord@example.org", Name: "Coordinator", Role: models.RoleCoordinator, Lang: "ru"},
		mail:    newMail("m1"),
		plan:    &models.Plan{Week: "2025-03-10", Trigger: "test"},
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateClinic(ctx, w.clinic))
	must(s.CreateTrainer(ctx, w.trainer))
	must(s.CreateUser(ctx, w.user))
	w.request = newRequest(w.clinic.ID, models.KindOnsiteSupport, models.PriorityNormal, "2025-03-10", "2025-03-14")
	must(s.CreateRequest(ctx, w.request))
	start := time.Date(2025, 3, 11, 9, 0, 0, 0, time.UTC)
	w.visit = &models.Visit{ID: w.request.ID, RequestID: w.request.ID, ClinicID: w.clinic.ID, TrainerID: w.trainer.ID,
		Week: "2025-03-10", Date: "2025-03-11", Start: start, End: start.Add(time.Hour), Kind: w.request.Kind, Status: models.VisitScheduled, PlanVersion: 1}
	must(s.CreateVisit(ctx, w.visit))
	w.change = &models.ChangeRequest{RequestID: w.request.ID, ClinicID: w.clinic.ID, Status: models.ChangePending}
	must(s.CreateChangeRequest(ctx, w.change))
	if _, err := s.EnqueueMail(ctx, w.mail); err != nil {
		t.Fatal(err)
	}
	must(s.CreatePlan(ctx, w.plan))
	w.token = &models.Token{Hash: "h1", ID: "tok1", UserID: w.user.ID, Kind: models.TokenAPI, ExpiresAt: now.Add(time.Hour)}
	must(s.CreateToken(ctx, w.token))
	return w
}

// TestGuardedWritesSendTheIDAlone: with the read model every guarded write
// (a version, a status, a plan's rev) is decided on the copy and reaches
// the database with the filter {_id} alone, the one the embedded server
// hands to SQLite; without it the database gets the whole guard.
func TestGuardedWritesSendTheIDAlone(t *testing.T) {
	if !storetest.Embedded(t) {
		t.Skip("the read model is for the embedded database")
	}
	ctx := context.Background()
	mirrored, plain, log, clock := watchedStores(t)
	w := newGuardWorld(ctx, t, mirrored, clock.Now())
	s := mirrored
	idOnly := [][]string{{"_id"}}
	writes := []struct {
		name  string
		write func() error
	}{
		{"update clinic", func() error { w.clinic.Name = "Renamed"; return s.UpdateClinic(ctx, w.clinic) }},
		{"update trainer", func() error { w.trainer.Name = "Anna B"; return s.UpdateTrainer(ctx, w.trainer) }},
		{"update availability", func() error {
			tr, err := s.UpdateAvailability(ctx, w.trainer.ID, w.trainer.Version, models.Availability{})
			if err == nil {
				w.trainer = tr
			}
			return err
		}},
		{"update user", func() error { w.user.Name = "Coordinator B"; return s.UpdateUser(ctx, w.user) }},
		{"update request", func() error { w.request.Topic = "other"; return s.UpdateRequest(ctx, w.request) }},
		{"set request status", func() error {
			r, err := s.SetRequestStatus(ctx, w.request.ID, w.request.Version, models.StatusPlanned)
			if err == nil {
				w.request = r
			}
			return err
		}},
		{"update visit", func() error { w.visit.Status = models.VisitDone; return s.UpdateVisit(ctx, w.visit) }},
		{"decide change request", func() error {
			w.change.Status = models.ChangeAccepted
			return s.DecideChangeRequest(ctx, w.change)
		}},
		{"mark mail sent", func() error { return s.MarkMessageSent(ctx, w.mail, false) }},
		{"mark plan edited", func() error {
			p, err := s.MarkPlanEdited(ctx, w.plan.ID, w.plan.Rev)
			if err == nil {
				w.plan = p
			}
			return err
		}},
		{"unmark plan edited", func() error { return s.UnmarkPlanEdited(ctx, w.plan.ID, w.plan.Rev) }},
		{"set plan status", func() error {
			_, err := s.SetPlanStatus(ctx, w.plan.ID, w.plan.Rev+1, models.PlanPublished, nil)
			return err
		}},
		{"delete token by id", func() error { return s.DeleteTokenByID(ctx, w.user.ID, w.token.ID) }},
		{"delete trainer", func() error { return s.DeleteTrainer(ctx, w.trainer.ID, w.trainer.Version) }},
		{"delete clinic", func() error { return s.DeleteClinic(ctx, w.clinic.ID, w.clinic.Version) }},
	}
	log.take()
	for _, wr := range writes {
		if err := wr.write(); err != nil {
			t.Fatalf("%s: %v", wr.name, err)
		}
		if got := log.take(); !slices.EqualFunc(got, idOnly, slices.Equal) {
			t.Errorf("%s sent the filters %v, want %v", wr.name, got, idOnly)
		}
	}
	// The copy followed: both stores read what the database holds.
	agree(t, "request", mirrored, plain, func(s *store.Store) (*models.Request, error) { return s.Request(ctx, w.request.ID) })
	agree(t, "visit", mirrored, plain, func(s *store.Store) (*models.Visit, error) { return s.Visit(ctx, w.visit.ID) })
	agree(t, "plan", mirrored, plain, func(s *store.Store) (*models.Plan, error) { return s.Plan(ctx, w.plan.Week, w.plan.Version) })
	agree(t, "mail", mirrored, plain, func(s *store.Store) (*models.OutboxMessage, error) { return s.OutboxMessage(ctx, w.mail.ID) })

	// Without the read model the guard is the database's to check.
	if _, err := plain.SetRequestStatus(ctx, w.request.ID, w.request.Version, models.StatusConfirmed); err != nil {
		t.Fatal(err)
	}
	if got, want := log.take(), [][]string{{"_id", "version", "status"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("a plain store's status change sent the filters %v, want %v", got, want)
	}
}

// TestGuardedRefusalsAgree: a guarded write the copy refuses (a stale
// version or rev, a status it may not leave, an edited plan, a missing
// document) sends no write to the database and fails exactly as the same
// write fails on the database without the read model.
func TestGuardedRefusalsAgree(t *testing.T) {
	if !storetest.Embedded(t) {
		t.Skip("the read model is for the embedded database")
	}
	ctx := context.Background()
	mirrored, plain, log, clock := watchedStores(t)
	w := newGuardWorld(ctx, t, mirrored, clock.Now())
	edited, err := mirrored.MarkPlanEdited(ctx, w.plan.ID, w.plan.Rev)
	if err != nil {
		t.Fatal(err)
	}
	staleMail := *w.mail
	if err := mirrored.MarkMessageSent(ctx, w.mail, false); err != nil {
		t.Fatal(err)
	}
	r, v := w.request, w.visit
	refusals := []struct {
		name  string
		write func(s *store.Store) error
	}{
		{"stale status change", func(s *store.Store) error {
			_, err := s.SetRequestStatus(ctx, r.ID, r.Version-1, models.StatusPlanned)
			return err
		}},
		{"illegal status change", func(s *store.Store) error {
			_, err := s.SetRequestStatus(ctx, r.ID, r.Version, models.StatusDone)
			return err
		}},
		{"status change to a status nothing moves to", func(s *store.Store) error {
			_, err := s.SetRequestStatus(ctx, r.ID, r.Version, models.Status("bogus"))
			return err
		}},
		{"status change of a missing request", func(s *store.Store) error {
			_, err := s.SetRequestStatus(ctx, "nope", 1, models.StatusPlanned)
			return err
		}},
		{"stale visit", func(s *store.Store) error { stale := *v; stale.Version = 7; return s.UpdateVisit(ctx, &stale) }},
		{"missing visit", func(s *store.Store) error { gone := *v; gone.ID = "nope"; return s.UpdateVisit(ctx, &gone) }},
		{"stale availability", func(s *store.Store) error {
			_, err := s.UpdateAvailability(ctx, w.trainer.ID, w.trainer.Version+1, models.Availability{})
			return err
		}},
		{"availability of a missing trainer", func(s *store.Store) error {
			_, err := s.UpdateAvailability(ctx, "nope", 1, models.Availability{})
			return err
		}},
		{"stale clinic delete", func(s *store.Store) error { return s.DeleteClinic(ctx, w.clinic.ID, w.clinic.Version+1) }},
		{"missing clinic delete", func(s *store.Store) error { return s.DeleteClinic(ctx, "nope", 1) }},
		{"stale trainer delete", func(s *store.Store) error { return s.DeleteTrainer(ctx, w.trainer.ID, 0) }},
		{"stale change decision", func(s *store.Store) error {
			stale := *w.change
			stale.Version, stale.Status = 5, models.ChangeDeclined
			return s.DecideChangeRequest(ctx, &stale)
		}},
		{"stale mail mark", func(s *store.Store) error { m := staleMail; return s.MarkMessageSent(ctx, &m, true) }},
		{"stale plan rev", func(s *store.Store) error {
			_, err := s.SetPlanStatus(ctx, w.plan.ID, w.plan.Rev, models.PlanPublished, nil)
			return err
		}},
		{"plan edited already", func(s *store.Store) error {
			_, err := s.MarkPlanEdited(ctx, edited.ID, edited.Rev)
			return err
		}},
		{"missing plan", func(s *store.Store) error { return s.UnmarkPlanEdited(ctx, "nope", 1) }},
	}
	for _, rf := range refusals {
		log.take()
		got := rf.write(mirrored)
		if sent := log.take(); len(sent) != 0 {
			t.Errorf("%s: the refused write sent %v", rf.name, sent)
		}
		want := rf.write(plain)
		if got == nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: with the read model %v, without %v", rf.name, got, want)
		}
	}
	agree(t, "request", mirrored, plain, func(s *store.Store) (*models.Request, error) { return s.Request(ctx, r.ID) })
	agree(t, "visit", mirrored, plain, func(s *store.Store) (*models.Visit, error) { return s.Visit(ctx, v.ID) })
	agree(t, "plan", mirrored, plain, func(s *store.Store) (*models.Plan, error) { return s.Plan(ctx, edited.Week, edited.Version) })
}

// TestGuardedWriteMissedByTheDatabase: should the database miss a write the
// copy let through (only a change behind the read model's back could do
// that), the miss is explained from the database and the copy reads the
// document back.
func TestGuardedWriteMissedByTheDatabase(t *testing.T) {
	if !storetest.Embedded(t) {
		t.Skip("the read model is for the embedded database")
	}
	ctx := context.Background()
	clock := newClock()
	db := storetest.Database(t)
	plain := storetest.Plain(t, db, clock.Now)
	mirrored := storetest.ReadModel(t, plain)
	w := newGuardWorld(ctx, t, mirrored, clock.Now())
	if _, err := db.Collection("visits").DeleteOne(ctx, bson.D{{Key: "_id", Value: w.visit.ID}}); err != nil {
		t.Fatal(err)
	}
	w.visit.Status = models.VisitDone
	if err := mirrored.UpdateVisit(ctx, w.visit); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("update of a visit deleted behind the read model's back: %v, want not found", err)
	}
	agree(t, "visit", mirrored, plain, func(s *store.Store) (*models.Visit, error) { return s.Visit(ctx, w.visit.ID) })
}
