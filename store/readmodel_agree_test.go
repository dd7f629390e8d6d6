package store_test

import (
	"errors"

	"context"
	"fmt"
	"go.mongodb.org/mongo-driver/v2/bson"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

// twinStores returns a store with the read model and one without it on the
// same fresh database: what the first writes, both must read alike.
func twinStores(t *testing.T) (mirrored, plain *store.Store) {
	t.Helper()
	clock := newClock()
	db := storetest.Database(t)
	plain = storetest.Plain(t, db, clock.Now)
	return storetest.ReadModel(t, plain), plain
}

// agree fails t unless read gives the same result and error from both
// stores, and returns the result.
func agree[T any](t *testing.T, what string, mirrored, plain *store.Store, read func(*store.Store) (T, error)) T {
	t.Helper()
	got, gerr := read(mirrored)
	want, werr := read(plain)
	if fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Fatalf("%s: read model says error %v, database %v", what, gerr, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: read model and database differ\nread model: %+v\ndatabase:   %+v", what, got, want)
	}
	return got
}

// requestWorld is a random sequence of writes to requests and visits.
type requestWorld struct {
	rnd      *rand.Rand
	clinics  []string
	trainers []string
	requests []models.Request
	visits   []models.Visit
}

var (
	agreeStatuses   = []models.Status{models.StatusNew, models.StatusPlanned, models.StatusConfirmed, models.StatusDone, models.StatusCancelled}
	agreePriorities = []models.Priority{models.PriorityLow, models.PriorityNormal, models.PriorityHigh}
	agreeWeeks      = []models.Date{"2025-03-03", "2025-03-10", "2025-03-17"}
)

func (w *requestWorld) pick(list []string) string { return list[w.rnd.IntN(len(list))] }

func (w *requestWorld) newRequest() *models.Request {
	kinds := []models.Kind{models.KindOnsiteSupport, models.KindMicroTraining, models.KindDifficultCase}
	week := agreeWeeks[w.rnd.IntN(len(agreeWeeks))]
	r := newRequest(w.pick(w.clinics), kinds[w.rnd.IntN(len(kinds))], agreePriorities[w.rnd.IntN(3)],
		week.AddDays(w.rnd.IntN(5)), week.AddDays(4+w.rnd.IntN(10)))
	if w.rnd.IntN(4) == 0 {
		r.Skills = nil
	}
	return r
}

func (w *requestWorld) newVisit(r models.Request) *models.Visit {
	week := agreeWeeks[w.rnd.IntN(len(agreeWeeks))]
	day := week.AddDays(w.rnd.IntN(5))
	start := time.Date(2025, 3, 3+7*w.rnd.IntN(3)+w.rnd.IntN(5), 6+w.rnd.IntN(8), 15*w.rnd.IntN(4), 0, 123456789, time.FixedZone("MSK", 3*3600))
	statuses := []models.VisitStatus{models.VisitScheduled, models.VisitCancelled, models.VisitDone}
	return &models.Visit{ID: r.ID, RequestID: r.ID, ClinicID: r.ClinicID, TrainerID: w.pick(w.trainers), Week: week, Date: day,
		Start: start, End: start.Add(time.Hour), Kind: r.Kind, Topic: r.Topic, Status: statuses[w.rnd.IntN(len(statuses))], PlanVersion: 1}
}

// step makes one random write through s and returns what it did.
func (w *requestWorld) step(ctx context.Context, t *testing.T, s *store.Store) string {
	t.Helper()
	switch n := w.rnd.IntN(10); {
	case n < 3 || len(w.requests) == 0:
		r := w.newRequest()
		if err := s.CreateRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
		w.requests = append(w.requests, *r)
		return "create request"
	case n < 5:
		i := w.rnd.IntN(len(w.requests))
		r := w.requests[i]
		r.Topic, r.Priority = fmt.Sprintf("topic %d", w.rnd.IntN(100)), agreePriorities[w.rnd.IntN(3)]
		stale := w.rnd.IntN(4) == 0
		if stale {
			r.Version--
		}
		err := s.UpdateRequest(ctx, &r)
		if (err != nil) != stale {
			t.Fatalf("update request (stale %v): %v", stale, err)
		}
		if err == nil {
			w.requests[i] = r
		}
		return "update request"
	case n < 7:
		i := w.rnd.IntN(len(w.requests))
		r := w.requests[i]
		to := agreeStatuses[w.rnd.IntN(len(agreeStatuses))]
		got, err := s.SetRequestStatus(ctx, r.ID, r.Version, to)
		if err == nil {
			w.requests[i] = *got
		}
		return fmt.Sprintf("status %s → %s (%v)", r.Status, to, err)
	case n < 9:
		r := w.requests[w.rnd.IntN(len(w.requests))]
		v := w.newVisit(r)
		err := s.CreateVisit(ctx, v)
		if err == nil {
			w.visits = append(w.visits, *v)
		}
		return fmt.Sprintf("create visit (%v)", err)
	default:
		if len(w.visits) == 0 {
			return "nothing"
		}
		i := w.rnd.IntN(len(w.visits))
		v := *w.newVisit(models.Request{ID: w.visits[i].ID, ClinicID: w.visits[i].ClinicID})
		v.Version = w.visits[i].Version - int64(w.rnd.IntN(2))
		err := s.UpdateVisit(ctx, &v)
		if err == nil {
			w.visits[i] = v
		}
		return fmt.Sprintf("update visit (%v)", err)
	}
}

// requestReads are the reads of requests and visits the two stores must
// answer alike.
func (w *requestWorld) compare(t *testing.T, mirrored, plain *store.Store, what string) {
	t.Helper()
	ctx := context.Background()
	ids := []string{"000000000000000000000000", "ffffffffffffffffffffffff"}
	for _, r := range w.requests {
		ids = append(ids, r.ID)
	}
	for _, id := range ids {
		agree(t, what+": request "+id, mirrored, plain, func(s *store.Store) (*models.Request, error) { return s.Request(ctx, id) })
		agree(t, what+": visit "+id, mirrored, plain, func(s *store.Store) (*models.Visit, error) { return s.Visit(ctx, id) })
	}
	mid := ""
	if len(w.requests) > 0 {
		mid = w.requests[len(w.requests)/2].ID
	}
	filters := []models.RequestFilter{
		{},
		{ClinicID: w.clinics[0]},
		{ClinicID: w.clinics[1], Statuses: []models.Status{models.StatusNew, models.StatusPlanned}},
		{Statuses: []models.Status{models.StatusDone}},
		{Priority: models.PriorityHigh, Kind: models.KindMicroTraining},
		{From: "2025-03-10", To: "2025-03-16"},
		{IDs: []string{}},
		{IDs: ids[:min(len(ids), 5)]},
		{ClinicID: "nobody"},
	}
	for i, f := range filters {
		for _, p := range []models.Page{{}, {Limit: 3}, {Limit: 2, After: mid}, {Limit: 500}} {
			agree(t, fmt.Sprintf("%s: requests filter %d page %+v", what, i, p), mirrored, plain, func(s *store.Store) ([]models.Request, error) {
				return s.Requests(ctx, f, p)
			})
		}
		agree(t, fmt.Sprintf("%s: count filter %d", what, i), mirrored, plain, func(s *store.Store) (int64, error) {
			return s.CountRequests(ctx, f)
		})
		agree(t, fmt.Sprintf("%s: all requests filter %d", what, i), mirrored, plain, func(s *store.Store) ([]models.Request, error) {
			return s.AllRequests(ctx, f)
		})
	}
	msk := time.FixedZone("MSK", 3*3600)
	visitFilters := []models.VisitFilter{
		{},
		{Week: agreeWeeks[1]},
		{TrainerID: w.trainers[0]},
		{ClinicID: w.clinics[0], Statuses: []models.VisitStatus{models.VisitScheduled}},
		{TrainerID: w.trainers[1], Week: agreeWeeks[0]},
		{From: time.Date(2025, 3, 5, 0, 0, 0, 0, msk), To: time.Date(2025, 3, 12, 9, 30, 0, 0, msk)},
		{Page: &models.Page{Limit: 4}},
		{Page: &models.Page{Limit: 4, After: mid}, TrainerID: w.trainers[1]},
		{Page: &models.Page{}, Week: agreeWeeks[2]},
	}
	if len(w.visits) > 0 {
		// Bounds finer than the database's milliseconds, a fraction after
		// a visit's start: the database compares them in milliseconds.
		at := w.visits[0].Start.Truncate(time.Millisecond).Add(400 * time.Microsecond)
		visitFilters = append(visitFilters, models.VisitFilter{From: at}, models.VisitFilter{To: at})
	}
	for i, f := range visitFilters {
		agree(t, fmt.Sprintf("%s: visits filter %d", what, i), mirrored, plain, func(s *store.Store) ([]models.Visit, error) {
			return s.Visits(ctx, f)
		})
	}
}

// TestReadModelAgreesOnRequestsAndVisits: after every write of a random
// sequence (including refused ones: stale versions, illegal status moves,
// duplicate visits) every read of requests and visits answers the same from
// the read model as from the database, for every filter, page and id.
func TestReadModelAgreesOnRequestsAndVisits(t *testing.T) {
	if !storetest.Embedded(t) {
		t.Skip("the read model is for the embedded database")
	}
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			mirrored, plain := twinStores(t)
			w := &requestWorld{rnd: rand.New(rand.NewPCG(seed, 7)),
				clinics:  []string{"c0000000000000000000000a", "c0000000000000000000000b", "c0000000000000000000000c"},
				trainers: []string{"t0000000000000000000000a", "t0000000000000000000000b"}}
			ctx := context.Background()
			for i := range 60 {
				what := fmt.Sprintf("step %d: %s", i, w.step(ctx, t, mirrored))
				if i%6 == 5 {
					w.compare(t, mirrored, plain, what)
				}
			}
			w.compare(t, mirrored, plain, "end")
			// A restart loads the same copy from the database.
			w.compare(t, storetest.ReadModel(t, plain), plain, "reloaded")
		})
	}
}

// TestReadModelHealsOnConflict: a refused write is the copy's cue to read
// the document back. Here the database is changed behind the read model's
// back (which only a second writer could do, and the embedded database has
// one); the next write of that document with a version the copy already
// finds stale is refused, and from then on the copy agrees with the
// database again. (A write the copy accepts goes to the database by _id
// alone, see guard in readmodel_guard.go, and would overwrite such a
// change: the read model is on only where there is no second writer.)
func TestReadModelHealsOnConflict(t *testing.T) {
	if !storetest.Embedded(t) {
		t.Skip("the read model is for the embedded database")
	}
	clock := newClock()
	db := storetest.Database(t)
	plain := storetest.Plain(t, db, clock.Now)
	mirrored := storetest.ReadModel(t, plain)
	ctx := context.Background()
	r := newRequest("c0000000000000000000000a", models.KindOnsiteSupport, models.PriorityNormal, "2025-03-03", "2025-03-07")
	if err := mirrored.CreateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	behind := bson.D{{Key: "$set", Value: bson.D{{Key: "topic", Value: "changed elsewhere"}, {Key: "version", Value: r.Version + 1}}}}
	if _, err := db.Collection("requests").UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, behind); err != nil {
		t.Fatal(err)
	}
	if _, err := mirrored.SetRequestStatus(ctx, r.ID, r.Version-1, models.StatusCancelled); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("status change at a stale version: %v, want a conflict", err)
	}
	agree(t, "request after the conflict", mirrored, plain, func(s *store.Store) (*models.Request, error) {
		return s.Request(ctx, r.ID)
	})
}

// TestResetEmptiesTheReadModel: after a reset neither the database nor the
// copy knows the documents of before.
func TestResetEmptiesTheReadModel(t *testing.T) {
	mirrored, plain := twinStores(t)
	ctx := context.Background()
	r := newRequest("c0000000000000000000000a", models.KindOnsiteSupport, models.PriorityNormal, "2025-03-03", "2025-03-07")
	if err := mirrored.CreateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := mirrored.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*store.Store{mirrored, plain} {
		if _, err := s.Request(ctx, r.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("request after a reset: %v, want not found", err)
		}
		if n, err := s.CountRequests(ctx, models.RequestFilter{}); err != nil || n != 0 {
			t.Errorf("requests after a reset: %d, %v", n, err)
		}
	}
}

// TestTrainerRequestIDs: a trainer's requests are those of their visits and
// of their stops in the newest plan of each week asked for, the same from
// the read model as from the database.
func TestTrainerRequestIDs(t *testing.T) {
	mirrored, plain := twinStores(t)
	ctx := context.Background()
	route := func(trainer string, requests ...string) models.PlanRoute {
		r := models.PlanRoute{TrainerID: trainer, Date: "2026-12-14"}
		for _, id := range requests {
			r.Stops = append(r.Stops, models.PlanStop{RequestID: id, ClinicID: "c1", Kind: models.KindOnsiteSupport})
		}
		return r
	}
	plans := []*models.Plan{
		{Week: "2026-12-14", Trigger: "test", Routes: []models.PlanRoute{route("t1", "old")}},
		{Week: "2026-12-14", Trigger: "test", Routes: []models.PlanRoute{route("t1", "r1", "r2"), route("t2", "r3")}},
		{Week: "2026-12-21", Trigger: "test", Routes: []models.PlanRoute{route("t2", "r4"), route("t1", "r5")}},
		{Week: "2026-12-28", Trigger: "test", Routes: []models.PlanRoute{route("t1", "r6")}},
	}
	for _, p := range plans {
		if err := mirrored.CreatePlan(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, v := range []models.Visit{{ID: "v1", RequestID: "r7", TrainerID: "t1"}, {ID: "v2", RequestID: "r8", TrainerID: "t2"}} {
		v.Week, v.Date, v.Start, v.End, v.Status = "2026-11-30", "2026-12-01", start, start.Add(time.Hour), models.VisitDone
		if err := mirrored.CreateVisit(ctx, &v); err != nil {
			t.Fatal(err)
		}
	}
	weeks := []models.Date{"2026-12-14", "2026-12-21", "2027-01-04"}
	for _, s := range []*store.Store{mirrored, plain} {
		got, err := s.TrainerRequestIDs(ctx, "t1", weeks)
		if want := []string{"r1", "r2", "r5", "r7"}; err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("requests of t1: %v, %v; want %v", got, err, want)
		}
		if got, err := s.TrainerRequestIDs(ctx, "nobody", weeks); err != nil || got == nil || len(got) != 0 {
			t.Errorf("requests of a trainer with no work: %#v, %v; want an empty list", got, err)
		}
	}
}
