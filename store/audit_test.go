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
	n, err := s.ArchiveAudit(ctx, cut, 1000)
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
	if n, err := s.ArchiveAudit(ctx, cut, 1000); err != nil || n != 0 {
		t.Fatalf("second archive: %d, %v; want nothing to do", n, err)
	}
	// Beyond the count kept, the oldest go too, whatever their age.
	if n, err := s.ArchiveAudit(ctx, start, 1); err != nil || n != 2 {
		t.Fatalf("archive down to one entry: %d, %v; want 2", n, err)
	}
	left, err := s.AuditEntries(ctx, models.AuditFilter{}, models.Page{Limit: 10})
	if err != nil || len(left) != 1 || left[0] != all[5] {
		t.Fatalf("left = %+v, %v; want the newest", left, err)
	}
	archived, err = s.ArchivedAuditEntries(ctx, models.AuditFilter{EntityID: fmt.Sprintf("%024x", 4)}, models.Page{Limit: 10})
	if err != nil || len(archived) != 1 || archived[0] != all[4] {
		t.Fatalf("archived by entity = %+v, %v", archived, err)
	}
}

// BenchmarkAuditList lists the first page of the log (unfiltered and by
// entity) with 10,000 entries in the collection the API reads, then after
// the housekeeping's archiving left the newest jobs.AuditHotEntries (2,000)
// there.
func BenchmarkAuditList(b *testing.B) {
	ctx := context.Background()
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := store.New(storetest.Database(b), func() time.Time { return clock })
	if err := s.EnsureIndexes(ctx); err != nil {
		b.Fatal(err)
	}
	const total, keep = 10000, 2000
	for i := range total {
		if err := s.AddAudit(ctx, auditEntry(i)); err != nil {
			b.Fatal(err)
		}
		clock = clock.Add(time.Minute)
	}
	// The read model is loaded from what the plain store wrote, as at start;
	// afterwards every write goes through it.
	m := storetest.ReadModel(b, s)
	listOn := func(b *testing.B, s *store.Store) {
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
	}
	list := func(b *testing.B) {
		b.Run("database", func(b *testing.B) { listOn(b, s) })
		b.Run("read model", func(b *testing.B) { listOn(b, m) })
	}
	b.Run("hot=10000", list)
	for {
		n, err := m.ArchiveAudit(ctx, clock.Add(-30*24*time.Hour), keep)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if n, err := m.CountAudit(ctx); err != nil || n != keep {
		b.Fatalf("%d hot entries after archiving, %v; want %d", n, err, keep)
	}
	b.Run("hot=2000,archived=8000", list)
}
