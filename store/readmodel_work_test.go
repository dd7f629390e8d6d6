package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

// workAgreement is a mirrored store and a plain one on the same database:
// every read of the audit, outbox, change request, absence and plan
// collections must give the same answer from both, the mirrored one from
// its copy and the plain one from the database.
type workAgreement struct {
	t              *testing.T
	mirror, plain  *store.Store
	clock          interface{ Now() time.Time }
	step           string
	mails, changes []string
	absences       []string
	weeks          []models.Date
}

// agreeOn is agree after the agreement's current step.
func agreeOn[T any](a *workAgreement, what string, read func(*store.Store) (T, error)) T {
	a.t.Helper()
	return agree(a.t, "after "+a.step+": "+what, a.mirror, a.plain, read)
}

// agreePages walks every page of a list, two at a time, on both stores.
func agreePages[T any](a *workAgreement, what string, id func(T) string, list func(*store.Store, models.Page) ([]T, error)) {
	a.t.Helper()
	for _, limit := range []int{2, 0} {
		p := models.Page{Limit: limit}
		for i := 0; ; i++ {
			page := agreeOn(a, fmt.Sprintf("%s page %d of %d", what, i, limit), func(s *store.Store) ([]T, error) { return list(s, p) })
			if len(page) == 0 || len(page) < limit || limit == 0 {
				break
			}
			p.After = id(page[len(page)-1])
		}
	}
}

// The collections a check compares.
const (
	checkAudit = 1 << iota
	checkOutbox
	checkChanges
	checkAbsences
	checkPlans
	checkAll = checkAudit | checkOutbox | checkChanges | checkAbsences | checkPlans
)

// check compares every read of the collections which (a write to one
// collection leaves the others' copies alone) after step.
func (a *workAgreement) check(ctx context.Context, step string, which int) {
	a.t.Helper()
	a.step = step
	now := a.clock.Now()
	if which&checkAudit != 0 {
		a.checkAudit(ctx, now)
	}
	if which&checkOutbox != 0 {
		a.checkOutbox(ctx, now)
	}
	if which&checkChanges != 0 {
		a.checkChanges(ctx)
	}
	if which&checkAbsences != 0 {
		a.checkAbsences(ctx)
	}
	if which&checkPlans != 0 {
		a.checkPlans(ctx)
	}
}

// checkAudit compares the hot audit entries: every filter, paged, and the count.
func (a *workAgreement) checkAudit(ctx context.Context, now time.Time) {
	a.t.Helper()

	for _, f := range []models.AuditFilter{
		{}, {Entity: "request"}, {Entity: "visit"}, {EntityID: "e1"}, {EntityID: "e2", Entity: "request"},
		{ActorID: "u1"}, {ActorID: "u2", Entity: "visit"}, {Since: now.Add(-2 * time.Hour)},
		{Since: now.Add(-time.Hour + 500*time.Microsecond)}, {ActorID: "nobody"},
	} {
		agreePages(a, fmt.Sprintf("audit %+v", f), func(e models.AuditEntry) string { return e.ID },
			func(s *store.Store, p models.Page) ([]models.AuditEntry, error) { return s.AuditEntries(ctx, f, p) })
	}
	agreeOn(a, "audit count", func(s *store.Store) (int64, error) { return s.CountAudit(ctx) })
}

// checkOutbox compares the outbox: lookups, pages by status, due messages
// and the counts.
func (a *workAgreement) checkOutbox(ctx context.Context, now time.Time) {
	a.t.Helper()

	for _, id := range append(a.mails, "nope") {
		agreeOn(a, "outbox message "+id, func(s *store.Store) (*models.OutboxMessage, error) { return s.OutboxMessage(ctx, id) })
	}
	for _, st := range []models.OutboxStatus{"", models.OutboxPending, models.OutboxSent, models.OutboxFailed} {
		agreePages(a, "outbox "+string(st), func(m models.OutboxMessage) string { return m.ID },
			func(s *store.Store, p models.Page) ([]models.OutboxMessage, error) {
				return s.OutboxMessages(ctx, st, p)
			})
	}
	for _, due := range []struct {
		at    time.Time
		limit int
	}{{now, 10}, {now, 1}, {now, 0}, {now.Add(time.Hour), 2}, {now.Add(90*time.Minute + 700*time.Microsecond), 10}, {now.Add(-time.Hour), 10}} {
		agreeOn(a, fmt.Sprintf("due at %s, %d", due.at, due.limit), func(s *store.Store) ([]models.OutboxMessage, error) {
			return s.DueMessages(ctx, due.at, due.limit)
		})
	}
	agreeOn(a, "outbox counts", func(s *store.Store) (map[models.OutboxStatus]int64, error) { return s.CountOutbox(ctx) })
}

// checkChanges compares the change requests: lookups and every filter, paged.
func (a *workAgreement) checkChanges(ctx context.Context) {
	a.t.Helper()

	for _, id := range append(a.changes, "nope") {
		agreeOn(a, "change request "+id, func(s *store.Store) (*models.ChangeRequest, error) { return s.ChangeRequest(ctx, id) })
	}
	for _, f := range []models.ChangeRequestFilter{
		{}, {RequestID: "r1"}, {RequestID: "r2"}, {ClinicID: "c1"}, {ClinicID: "c2", Status: models.ChangePending},
		{Status: models.ChangePending}, {Status: models.ChangeAccepted}, {RequestID: "r1", Status: models.ChangeDeclined}, {ClinicID: "none"},
	} {
		agreePages(a, fmt.Sprintf("change requests %+v", f), func(cr models.ChangeRequest) string { return cr.ID },
			func(s *store.Store, p models.Page) ([]models.ChangeRequest, error) {
				return s.ChangeRequests(ctx, f, p)
			})
	}
}

// checkAbsences compares the absences: lookups, by trainer and between days.
func (a *workAgreement) checkAbsences(ctx context.Context) {
	a.t.Helper()

	for _, id := range append(a.absences, "nope") {
		agreeOn(a, "absence "+id, func(s *store.Store) (*models.Absence, error) { return s.Absence(ctx, id) })
	}
	for _, tr := range []string{"t1", "t2", "t3"} {
		agreeOn(a, "absences of "+tr, func(s *store.Store) ([]models.Absence, error) { return s.Absences(ctx, tr) })
	}
	for _, r := range [][2]models.Date{{"2026-12-07", "2026-12-13"}, {"2026-12-14", "2026-12-20"}, {"2026-12-09", "2026-12-09"}, {"2027-01-04", "2027-01-10"}} {
		agreeOn(a, fmt.Sprintf("absences between %s and %s", r[0], r[1]), func(s *store.Store) ([]models.Absence, error) {
			return s.AbsencesBetween(ctx, r[0], r[1])
		})
	}
}

// checkPlans compares the plans of every week: versions present and
// absent, the latest, the published one and the summaries.
func (a *workAgreement) checkPlans(ctx context.Context) {
	a.t.Helper()

	for _, w := range append(a.weeks, "2027-01-04") {
		for _, v := range []int{0, 1, 2, 3, 9, 10, 13} {
			agreeOn(a, fmt.Sprintf("plan %s#%d", w, v), func(s *store.Store) (*models.Plan, error) { return s.Plan(ctx, w, v) })
		}
		agreeOn(a, "latest plan of "+string(w), func(s *store.Store) (*models.Plan, error) { return s.LatestPlan(ctx, w) })
		agreeOn(a, "published plan of "+string(w), func(s *store.Store) (*models.Plan, error) { return s.PublishedPlan(ctx, w) })
		agreeOn(a, "plans of "+string(w), func(s *store.Store) ([]models.Plan, error) { return s.Plans(ctx, w) })
		agreeOn(a, "latest and published plan of "+string(w), func(s *store.Store) ([2]*models.Plan, error) {
			l, p, err := s.LatestAndPublishedPlan(ctx, w)
			return [2]*models.Plan{l, p}, err
		})
	}
}

// must fails the test on err, naming the step.
func (a *workAgreement) must(err error) {
	a.t.Helper()
	if err != nil {
		a.t.Fatalf("%s: %v", a.step, err)
	}
}

// refused requires err to be a refusal of kind want.
func (a *workAgreement) refused(err, want error) {
	a.t.Helper()
	if !errors.Is(err, want) {
		a.t.Fatalf("%s: err = %v, want %v", a.step, err, want)
	}
}

func TestReadModelAgreesOnWork(t *testing.T) {
	if !storetest.Embedded(t) {
		t.Skip("the read model is on only over the embedded server")
	}
	ctx := context.Background()
	clock := newClock()
	db := storetest.Database(t)
	plain := storetest.Plain(t, db, clock.Now)
	a := &workAgreement{t: t, plain: plain, mirror: storetest.ReadModel(t, plain), clock: clock,
		weeks: []models.Date{"2026-12-07", "2026-12-14"}}
	s := a.mirror
	a.check(ctx, "nothing", checkAll)

	// Audit: entries of several entities and actors, an hour apart.
	for i, e := range []models.AuditEntry{
		{ActorID: "u1", Entity: "request", EntityID: "e1", Action: "request.create"},
		{ActorID: "u2", Entity: "visit", EntityID: "e2", Action: "visit.update"},
		{ActorID: "u1", Entity: "request", EntityID: "e2", Action: "request.update"},
		{ActorID: "u2", Entity: "request", EntityID: "e1", Action: "request.update"},
		{Entity: "visit", EntityID: "e1", Action: "visit.create"},
	} {
		e.Method, e.Route, e.Status = "POST", "/api/v1/x", 200
		a.must(s.AddAudit(ctx, &e))
		a.check(ctx, fmt.Sprintf("audit entry %d", i), checkAudit)
		clock.Advance(time.Hour)
	}
	clock.Advance(-time.Hour)
	// The database compares in milliseconds: the second entry, a
	// microsecond before the cut, is not before it there.
	n, err := s.ArchiveAudit(ctx, clock.Now().Add(-3*time.Hour+time.Microsecond), 100)
	a.must(err)
	if n != 1 {
		t.Fatalf("archived %d audit entries by age, want 1", n)
	}
	a.check(ctx, "archiving audit by age", checkAudit)
	if n, err := s.ArchiveAudit(ctx, time.Time{}, 2); err != nil || n != 2 {
		t.Fatalf("archived %d audit entries by count, %v; want 2", n, err)
	}
	a.check(ctx, "archiving audit by count", checkAudit)

	// Outbox: queued, a duplicate, attempts, refusals, a retry, sending and
	// the archive's slimming and dropping.
	for i, id := range []string{"m1", "m2", "m3", "m4"} {
		m := newMail(id)
		m.NextAttemptAt = clock.Now().Add(time.Duration(i%3) * 30 * time.Minute)
		created, err := s.EnqueueMail(ctx, m)
		a.must(err)
		if !created {
			t.Fatalf("mail %s not created", id)
		}
		a.mails = append(a.mails, id)
	}
	a.check(ctx, "enqueueing mail", checkOutbox)
	again := newMail("m2")
	again.Mail.Subject = "other"
	if created, err := s.EnqueueMail(ctx, again); err != nil || created {
		t.Fatalf("duplicate enqueue: created %v, %v", created, err)
	}
	a.check(ctx, "a duplicate enqueue", checkOutbox)
	m1, err := s.OutboxMessage(ctx, "m1")
	a.must(err)
	stale := *m1
	a.must(s.RescheduleMessage(ctx, m1, "dial: refused", clock.Now().Add(time.Hour)))
	a.check(ctx, "rescheduling", checkOutbox)
	a.refused(s.MarkMessageSent(ctx, &stale, false), models.ErrConflict)
	a.check(ctx, "a stale mark", checkOutbox)
	a.must(s.FailMessage(ctx, m1, "dial: refused again"))
	a.check(ctx, "failing", checkOutbox)
	a.refused(s.RetryMessage(ctx, "m2"), models.ErrConflict)
	a.refused(s.RetryMessage(ctx, "nope"), models.ErrNotFound)
	a.check(ctx, "refused retries", checkOutbox)
	a.must(s.RetryMessage(ctx, "m1"))
	a.check(ctx, "a retry", checkOutbox)
	for _, id := range []string{"m2", "m3"} {
		m, err := s.OutboxMessage(ctx, id)
		a.must(err)
		a.must(s.MarkMessageSent(ctx, m, id == "m3"))
		clock.Advance(time.Minute)
	}
	a.check(ctx, "sending", checkOutbox)
	clock.Advance(48 * time.Hour)
	n, err = s.ArchiveSentMessages(ctx, clock.Now().Add(-24*time.Hour), clock.Now().Add(-30*24*time.Hour))
	a.must(err)
	if n != 2 {
		t.Fatalf("slimmed %d sent messages, want 2", n)
	}
	a.check(ctx, "slimming sent mail", checkOutbox)
	m3, err := s.OutboxMessage(ctx, "m3")
	a.must(err)
	if m3.Mail.Text != "" || m3.Mail.Attachments != nil {
		t.Fatalf("m3 not slimmed: %+v", m3)
	}
	n, err = s.ArchiveSentMessages(ctx, clock.Now(), clock.Now().Add(-47*time.Hour))
	a.must(err)
	if n != 2 {
		t.Fatalf("dropped %d slim records, want 2", n)
	}
	a.check(ctx, "dropping slim records", checkOutbox)

	// Change requests: filed, decided, refused decisions, a draft.
	for i, f := range []struct{ request, clinic string }{{"r1", "c1"}, {"r2", "c2"}, {"r1", "c1"}, {"r3", "c2"}} {
		cr := &models.ChangeRequest{RequestID: f.request, ClinicID: f.clinic, Status: models.ChangePending, Comment: fmt.Sprint(i),
			PreferredWindows: models.Week{}, CreatedBy: "u1"}
		a.must(s.CreateChangeRequest(ctx, cr))
		a.changes = append(a.changes, cr.ID)
	}
	a.check(ctx, "filing change requests", checkChanges)
	cr, err := s.ChangeRequest(ctx, a.changes[0])
	a.must(err)
	staleCR := *cr
	at := clock.Now()
	cr.Status, cr.DecidedBy, cr.DecidedAt = models.ChangeDeclined, "u2", &at
	a.must(s.DecideChangeRequest(ctx, cr))
	a.check(ctx, "declining", checkChanges)
	staleCR.Status = models.ChangeAccepted
	a.refused(s.DecideChangeRequest(ctx, &staleCR), models.ErrConflict)
	a.refused(s.DecideChangeRequest(ctx, &models.ChangeRequest{ID: "nope", Version: 1}), models.ErrNotFound)
	a.check(ctx, "refused decisions", checkChanges)
	cr2, err := s.ChangeRequest(ctx, a.changes[1])
	a.must(err)
	cr2.Status = models.ChangeAccepted
	a.must(s.DecideChangeRequest(ctx, cr2))
	a.must(s.SetChangeRequestDraft(ctx, cr2.ID, models.PlanRef{Week: "2026-12-07", Version: 2, DiffURL: "/x"}))
	a.check(ctx, "accepting with a draft", checkChanges)
	cr3 := *cr2
	cr3.ID, cr3.Version = a.changes[2], 0
	a.refused(s.DecideChangeRequest(ctx, &cr3), models.ErrConflict) // pending, but at version 1
	a.refused(s.SetChangeRequestDraft(ctx, "nope", models.PlanRef{}), models.ErrNotFound)
	a.check(ctx, "a stale decision and a draft for nothing", checkChanges)

	// Absences: recorded, their outcome, deleted.
	for _, f := range []struct {
		trainer  string
		from, to models.Date
	}{{"t1", "2026-12-08", "2026-12-10"}, {"t2", "2026-12-12", "2026-12-15"}, {"t1", "2026-12-01", "2026-12-08"}, {"t1", "2026-12-08", "2026-12-08"}} {
		ab := &models.Absence{TrainerID: f.trainer, From: f.from, To: f.to, Reason: "sick"}
		a.must(s.CreateAbsence(ctx, ab))
		a.absences = append(a.absences, ab.ID)
	}
	a.check(ctx, "recording absences", checkAbsences)
	ab, err := s.Absence(ctx, a.absences[0])
	a.must(err)
	ab.Replaced = []models.DateOverride{{Date: "2026-12-08", Off: true}}
	ab.Drafts = []models.PlanRef{{Week: "2026-12-07", Version: 3}}
	a.must(s.SetAbsenceOutcome(ctx, ab))
	a.refused(s.SetAbsenceOutcome(ctx, &models.Absence{ID: "nope"}), models.ErrNotFound)
	a.check(ctx, "an absence's outcome", checkAbsences)
	a.must(s.DeleteAbsence(ctx, a.absences[1]))
	a.refused(s.DeleteAbsence(ctx, a.absences[1]), models.ErrNotFound)
	a.check(ctx, "deleting an absence", checkAbsences)

	// Plans: versions of two weeks, statuses, edits and refusals, the archive.
	for i := range 12 {
		p := newPlan(a.weeks[i%4/3])
		a.must(s.CreatePlan(ctx, p))
	}
	a.check(ctx, "creating plans", checkPlans)
	pub := clock.Now()
	p, err := s.SetPlanStatus(ctx, models.PlanID(a.weeks[0], 2), 1, models.PlanPublished, &pub)
	a.must(err)
	_, err = s.SetPlanStatus(ctx, p.ID, 1, models.PlanSuperseded, nil)
	a.refused(err, models.ErrConflict)
	_, err = s.SetPlanStatus(ctx, models.PlanID(a.weeks[0], 99), 1, models.PlanSuperseded, nil)
	a.refused(err, models.ErrNotFound)
	a.check(ctx, "publishing", checkPlans)
	edited, err := s.MarkPlanEdited(ctx, models.PlanID(a.weeks[0], 9), 1)
	a.must(err)
	_, err = s.MarkPlanEdited(ctx, edited.ID, 1)
	a.refused(err, models.ErrConflict)
	a.check(ctx, "marking edited", checkPlans)
	a.must(s.UnmarkPlanEdited(ctx, edited.ID, edited.Rev))
	a.refused(s.UnmarkPlanEdited(ctx, edited.ID, edited.Rev), models.ErrConflict)
	a.check(ctx, "unmarking edited", checkPlans)
	latest, err := s.LatestPlan(ctx, a.weeks[0])
	a.must(err)
	_, err = s.SetPlanStatus(ctx, latest.ID, latest.Rev, models.PlanPublished, &pub)
	a.must(err)
	a.check(ctx, "publishing the latest", checkPlans)
	clock.Advance(30 * 24 * time.Hour)
	n, err = s.ArchivePlans(ctx, clock.Now().Add(-14*24*time.Hour))
	a.must(err)
	if n == 0 {
		t.Fatal("no plan archived")
	}
	a.check(ctx, "archiving plans", checkPlans)
	a.must(s.CreatePlan(ctx, newPlan(a.weeks[1])))
	a.check(ctx, "a plan after the archive", checkAll)

	// The mirrored store reads its copy: documents written behind its back
	// are seen by the plain store only.
	for coll, id := range map[string]string{"audit": "zz", "outbox": "zz", "change_requests": "zz", "absences": "zz", "plans": "2026-12-07#77"} {
		if _, err := db.Collection(coll).InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "week", Value: "2026-12-07"}, {Key: "version", Value: 77}}); err != nil {
			t.Fatal(err)
		}
	}
	for what, read := range map[string]func(*store.Store) error{
		"outbox":         func(s *store.Store) error { _, err := s.OutboxMessage(ctx, "zz"); return err },
		"change request": func(s *store.Store) error { _, err := s.ChangeRequest(ctx, "zz"); return err },
		"absence":        func(s *store.Store) error { _, err := s.Absence(ctx, "zz"); return err },
		"plan":           func(s *store.Store) error { _, err := s.Plan(ctx, "2026-12-07", 77); return err },
		"audit": func(s *store.Store) error {
			list, err := s.AuditEntries(ctx, models.AuditFilter{}, models.Page{After: "zy"})
			if err == nil && len(list) == 0 {
				err = models.ErrNotFound
			}
			return err
		},
	} {
		if err := read(a.mirror); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s written behind the read model's back: read model gives %v, want not found", what, err)
		}
		if err := read(a.plain); err != nil {
			t.Errorf("%s written behind the read model's back: database gives %v", what, err)
		}
	}
}
