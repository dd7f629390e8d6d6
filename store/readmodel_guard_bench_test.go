package store_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

// BenchmarkGuardedWriteAtAYearsData measures version-guarded writes to the
// last documents of large collections (the embedded server scans in
// insertion order, so they are the dearest), with the read model (the
// guard decided on the copy, {_id} sent) and without it (the guard sent to
// the database, as before). GUARDED_WRITE_REQUESTS sets the number of
// requests (default 1000; a year's data is 10000); there are twice as many
// visits.
//
//	GUARDED_WRITE_REQUESTS=10000 go test -run '^$' -bench GuardedWrite -benchtime 20x ./store/
func BenchmarkGuardedWriteAtAYearsData(b *testing.B) {
	if !storetest.Embedded(b) {
		b.Skip("the read model is for the embedded database")
	}
	n := 1000
	if v := os.Getenv("GUARDED_WRITE_REQUESTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("GUARDED_WRITE_REQUESTS=%q is not a positive number", v)
		}
	}
	ctx := context.Background()
	clock := newClock()
	db := storetest.Database(b)
	plain := storetest.Plain(b, db, clock.Now)
	requests := make([]any, n)
	visits := make([]any, 2*n)
	start := time.Date(2025, 3, 11, 9, 0, 0, 0, time.UTC)
	for i := range 2 * n {
		r := newRequest("c0000000000000000000000a", models.KindOnsiteSupport, models.PriorityNormal, "2025-03-10", "2025-03-14")
		r.ID, r.Version, r.Status, r.CreatedAt, r.UpdatedAt = benchID('a', i), 1, models.StatusNew, clock.Now(), clock.Now()
		if i < n {
			requests[i] = r
		}
		visits[i] = &models.Visit{ID: benchID('b', i), RequestID: r.ID, ClinicID: r.ClinicID, TrainerID: "t1", Week: "2025-03-10", Date: "2025-03-11",
			Start: start, End: start.Add(time.Hour), Kind: r.Kind, Status: models.VisitScheduled, PlanVersion: 1, Version: 1, UpdatedAt: clock.Now()}
	}
	for coll, docs := range map[string][]any{"requests": requests, "visits": visits} {
		for len(docs) > 0 {
			k := min(len(docs), 1000)
			if _, err := db.Collection(coll).InsertMany(ctx, docs[:k]); err != nil {
				b.Fatal(err)
			}
			docs = docs[k:]
		}
	}
	mirrored := storetest.ReadModel(b, plain)
	// Each store writes to late documents of its own among the last ones of
	// each collection, so that the plain store's writes never leave the
	// read model's copy behind on a document it writes to.
	const late = 20
	for k, st := range []struct {
		name string
		s    *store.Store
	}{{"readmodel", mirrored}, {"database", plain}} {
		s := st.s
		reqIDs := make([]string, late)
		visitIDs := make([]string, late)
		for j := range late {
			reqIDs[j] = benchID('a', n-1-k*late-j)
			visitIDs[j] = benchID('b', 2*n-1-k*late-j)
		}
		b.Run("SetRequestStatus/"+st.name, func(b *testing.B) {
			reqs := benchLoad(ctx, b, reqIDs, s.Request)
			for i := 0; b.Loop(); i++ {
				r := reqs[i%late]
				to := models.StatusPlanned
				if r.Status == models.StatusPlanned {
					to = models.StatusNew
				}
				got, err := s.SetRequestStatus(ctx, r.ID, r.Version, to)
				if err != nil {
					b.Fatal(err)
				}
				reqs[i%late] = got
			}
		})
		b.Run("UpdateRequest/"+st.name, func(b *testing.B) {
			reqs := benchLoad(ctx, b, reqIDs, s.Request)
			for i := 0; b.Loop(); i++ {
				r := reqs[i%late]
				r.Topic = "topic " + strconv.Itoa(i)
				if err := s.UpdateRequest(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("UpdateVisit/"+st.name, func(b *testing.B) {
			visits := benchLoad(ctx, b, visitIDs, s.Visit)
			for i := 0; b.Loop(); i++ {
				v := visits[i%late]
				v.Topic = "topic " + strconv.Itoa(i)
				if err := s.UpdateVisit(ctx, v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchLoad reads the documents ids with get.
func benchLoad[T any](ctx context.Context, b *testing.B, ids []string, get func(context.Context, string) (*T, error)) []*T {
	b.Helper()
	out := make([]*T, len(ids))
	for i, id := range ids {
		v, err := get(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = v
	}
	return out
}

// benchID is the i-th id of a benchmark's collection: 24 hex digits that
// sort in the order of i.
func benchID(prefix byte, i int) string {
	s := strconv.FormatInt(int64(i), 16)
	id := make([]byte, 24)
	for j := range id {
		id[j] = '0'
	}
	id[0] = prefix
	copy(id[24-len(s):], s)
	return string(id)
}
