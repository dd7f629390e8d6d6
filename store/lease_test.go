package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

// newStorePair returns two stores on one fresh database, each through its
// own client, and their shared clock.
func newStorePair(t *testing.T) (a, b *store.Store, clock *testkit.Clock) {
	t.Helper()
	clock = newClock()
	stores := storetest.Instances(t, 2, clock.Now)
	return stores[0], stores[1], clock
}

func TestLeaseLifecycle(t *testing.T) {
	ctx := context.Background()
	s, clock := newStore(t)
	const ttl = time.Minute

	first, err := s.ClaimLease(ctx, "plan:2026-12-07@x", "a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != "plan:2026-12-07@x#1" || first.Attempt != 1 || first.Holder != "a" || !first.ExpiresAt.Equal(clock.Now().Add(ttl)) {
		t.Fatalf("first claim = %+v", first)
	}
	if _, err := s.ClaimLease(ctx, "plan:2026-12-07@x", "b", ttl); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("claim of a live lease: err = %v, want ErrConflict", err)
	}

	clock.Advance(30 * time.Second)
	if err := s.RenewLease(ctx, first, ttl); err != nil {
		t.Fatalf("renew: %v", err)
	}
	clock.Advance(45 * time.Second) // past the first expiry, within the renewed one
	if _, err := s.ClaimLease(ctx, "plan:2026-12-07@x", "b", ttl); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("claim of a renewed lease: err = %v, want ErrConflict", err)
	}

	clock.Advance(ttl) // the holder stopped renewing
	second, err := s.ClaimLease(ctx, "plan:2026-12-07@x", "b", ttl)
	if err != nil {
		t.Fatalf("takeover: %v", err)
	}
	if second.ID != "plan:2026-12-07@x#2" || second.Attempt != 2 || second.Holder != "b" {
		t.Fatalf("takeover claim = %+v", second)
	}
	if err := s.RenewLease(ctx, first, ttl); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("renewal by the expired holder: err = %v, want ErrConflict", err)
	}

	if err := s.ReleaseLease(ctx, second, false); err != nil {
		t.Fatal(err)
	}
	third, err := s.ClaimLease(ctx, "plan:2026-12-07@x", "c", ttl)
	if err != nil {
		t.Fatalf("claim after a release: %v", err)
	}
	if err := s.ReleaseLease(ctx, third, true); err != nil {
		t.Fatal(err)
	}
	clock.Advance(24 * time.Hour)
	if _, err := s.ClaimLease(ctx, "plan:2026-12-07@x", "d", ttl); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("claim of a done resource: err = %v, want ErrConflict", err)
	}

	all, err := s.Leases(ctx, "plan:2026-12-07@x")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range all {
		got = append(got, fmt.Sprintf("%s %s done=%v", l.ID, l.Holder, l.Done))
	}
	want := []string{"plan:2026-12-07@x#1 a done=false", "plan:2026-12-07@x#2 b done=false", "plan:2026-12-07@x#3 c done=true"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("attempts = %q, want %q (none deleted or overwritten)", got, want)
	}
}

func TestRenewLeaseAfterTakeover(t *testing.T) {
	// A holder paused past expiry comes back before its own clock says so
	// (it renews with an old expiry in hand): the successor must still win.
	ctx := context.Background()
	s, clock := newStore(t)
	a, err := s.ClaimLease(ctx, "r", "a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)
	if _, err := s.ClaimLease(ctx, "r", "b", time.Minute); err != nil {
		t.Fatal(err)
	}
	stale := *a
	stale.ExpiresAt = clock.Now().Add(time.Minute) // pretend a's view is behind
	if err := s.RenewLease(ctx, &stale, time.Minute); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("renewal after takeover: err = %v, want ErrConflict", err)
	}
}

func TestPruneLeases(t *testing.T) {
	ctx := context.Background()
	s, clock := newStore(t)
	old, err := s.ClaimLease(ctx, "old", "a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseLease(ctx, old, true); err != nil {
		t.Fatal(err)
	}
	clock.Advance(48 * time.Hour)
	if _, err := s.ClaimLease(ctx, "new", "a", time.Minute); err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneLeases(ctx, clock.Now().Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("pruned %d leases, want 1", n)
	}
	if l, err := s.Leases(ctx, "new"); err != nil || len(l) != 1 {
		t.Fatalf("live lease after prune: %v, %v", l, err)
	}
}

// TestClaimLeaseRaceAcrossClients races two instances, each with its own
// client, for the same fresh resource and then for the takeover of its
// expired claim, round after round: exactly one must win every time.
func TestClaimLeaseRaceAcrossClients(t *testing.T) {
	ctx := context.Background()
	a, b, clock := newStorePair(t)
	const rounds = 25
	decidedByInsert := 0 // both read the resource as free; the unique _id chose
	for round := range rounds {
		resource := fmt.Sprintf("race:%d", round)
		for phase, wantAttempt := range []int{1, 2} {
			var (
				wg      sync.WaitGroup
				start   = make(chan struct{})
				winners = make([]*models.Lease, 2)
				errs    = make([]error, 2)
			)
			for i, s := range []*store.Store{a, b} {
				wg.Go(func() {
					<-start
					winners[i], errs[i] = s.ClaimLease(ctx, resource, fmt.Sprintf("instance-%d", i), time.Minute)
				})
			}
			close(start)
			wg.Wait()
			won := 0
			for i := range 2 {
				switch {
				case errs[i] == nil:
					won++
					if winners[i].Attempt != wantAttempt {
						t.Fatalf("round %d phase %d: winner claimed attempt %d, want %d", round, phase, winners[i].Attempt, wantAttempt)
					}
				case !errors.Is(errs[i], models.ErrConflict):
					t.Fatalf("round %d phase %d: %v", round, phase, errs[i])
				case strings.Contains(errs[i].Error(), "first"):
					decidedByInsert++
				}
			}
			if won != 1 {
				t.Fatalf("round %d phase %d: %d instances won the claim, want exactly 1", round, phase, won)
			}
			clock.Advance(2 * time.Minute) // the winner stops renewing
		}
	}
	t.Logf("%d of %d races were decided by the insert itself", decidedByInsert, 2*rounds)
}
