package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/models"
)

// TestHousekeepingArchivesAudit: housekeeping moves audit
// entries older than jobs.AuditRetention to the archive, keeping the
// collection the API lists small.
func TestHousekeepingArchivesAudit(t *testing.T) {
	ctx := context.Background()
	stores, clock := instances(t, 1)
	s := stores[0]
	h, err := jobs.NewHousekeeping(jobs.HousekeepingConfig{Store: s, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	add := func(action string) {
		if err := s.AddAudit(ctx, &models.AuditEntry{Action: action, Entity: "request", Method: "PUT", Route: "/api/v1/requests/:id", Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	add("old")
	clock.Advance(jobs.AuditRetention + time.Hour)
	add("recent")
	if err := h.Run(ctx); err != nil {
		t.Fatal(err)
	}
	hot, err := s.AuditEntries(ctx, models.AuditFilter{}, models.Page{Limit: 10})
	if err != nil || len(hot) != 1 || hot[0].Action != "recent" {
		t.Fatalf("hot entries %+v, %v; want only the recent one", hot, err)
	}
	archived, err := s.ArchivedAuditEntries(ctx, models.AuditFilter{}, models.Page{Limit: 10})
	if err != nil || len(archived) != 1 || archived[0].Action != "old" {
		t.Fatalf("archived entries %+v, %v; want the old one", archived, err)
	}
}
