package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

func auditEntry(i int) *models.AuditEntry {
	return &models.AuditEntry{ActorID: fmt.Sprintf("%024x", i%7), ActorRole: models.RoleCoordinator, Action: "request.update",
		Entity: "request", EntityID: fmt.Sprintf("%024x", i%100), Summary: "priority: \"normal\" → \"high\"",
		Method: "PUT", Route: "/api/v1/requests/:id", Status: 200, RequestID: fmt.Sprintf("req%d", i)}
}

func TestAuditFiltersAndArchive(t *testing.T) {
	ctx := context.Background()
	s, clock := newStore(t)
	start := clock.Now()
	for i := range 6 {
		if err := s.AddAudit(ctx, auditEntry(i)); err != nil {
			t.Fatal(err)
		}
		clock.Advance(24 * time.Hour)
	}
	all, err := s.AuditEntries(ctx, models.AuditFilter{}, models.Page{Limit: 10})
	if err != nil || len(all) != 6 || !all[0].At.Equal(start) || all[0].ID >= all[1].ID {
		t.Fatalf("all = %+v, %v", all, err)
	}
	one, err := s.AuditEntries(ctx, models.AuditFilter{Entity: "request", EntityID: fmt.Sprintf("%024x", 2)}, models.Page{Limit: 10})
	if err != nil || len(one) != 1 || one[0].RequestID != "req2" {
		t.Fatalf("by entity = %+v, %v", one, err)
	}
	byActor, err := s.AuditEntries(ctx, models.AuditFilter{ActorID: fmt.Sprintf("%024x", 3)}, models.Page{Limit: 10})
	if err != nil || len(byActor) != 1 || byActor[0].RequestID != "req3" {
		t.Fatalf("by actor = %+v, %v", byActor, err)
	}
	recent, err := s.AuditEntries(ctx, models.AuditFilter{Since: start.Add(4 * 24 * time.Hour)}, models.Page{Limit: 10})
	if err != nil || len(recent) != 2 {
		t.Fatalf("since = %+v, %v", recent, err)
	}

	// Entries older than the cut move to the archive, whole; the rest stay.
	cut := start.Add(3 * 24 * time.Hour)
	n, err := s.ArchiveAudit(ctx, cut)
	if err != nil || n != 3 {
		t.Fatalf("archive: %d, %v; want 3", n, err)
	}
	hot, err := s.CountAudit(ctx)
	if err != nil || hot != 3 {
		t.Fatalf("hot entries %d, %v; want 3", hot, err)
	}
	archived, err := s.ArchivedAuditEntries(ctx, models.AuditFilter{}, models.Page{Limit: 10})
	if err != nil || len(archived) != 3 || archived[0] != all[0] || archived[2] != all[2] {
		t.Fatalf("archived = %+v, %v", archived, err)
	}
	if n, err := s.ArchiveAudit(ctx, cut); err != nil || n != 0 {
		t.Fatalf("second archive: %d, %v; want nothing to do", n, err)
	}
}

// BenchmarkAuditList lists the first page of the log, unfiltered and by
// entity, with 10,000 entries in the collection the API reads and with the
// same 10,000 entries of which all but the last 100 are archived.
func BenchmarkAuditList(b *testing.B) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		hot  int
	}{{"hot=10000", 10000}, {"hot=100,archived=9900", 100}} {
		b.Run(tc.name, func(b *testing.B) {
			clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			s := store.New(storetest.Database(b), func() time.Time { return clock })
			if err := s.EnsureIndexes(ctx); err != nil {
				b.Fatal(err)
			}
			const total = 10000
			for i := range total {
				if err := s.AddAudit(ctx, auditEntry(i)); err != nil {
					b.Fatal(err)
				}
				clock = clock.Add(time.Minute)
			}
			cut := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(total-tc.hot) * time.Minute)
			for {
				n, err := s.ArchiveAudit(ctx, cut)
				if err != nil {
					b.Fatal(err)
				}
				if n == 0 {
					break
				}
			}
			for _, f := range []struct {
				name   string
				filter models.AuditFilter
			}{{"all", models.AuditFilter{}}, {"entity", models.AuditFilter{Entity: "request", EntityID: fmt.Sprintf("%024x", 42)}}} {
				b.Run(f.name, func(b *testing.B) {
					for b.Loop() {
						if _, err := s.AuditEntries(ctx, f.filter, models.Page{Limit: models.DefaultPageSize}); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
