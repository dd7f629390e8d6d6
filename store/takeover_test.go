package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// TestExpireLiveLeasesAtStart: a process that restarts on the embedded
// database ends the live claims the dead one left, so the next claim takes
// over at once (counted as a takeover), while claims whose work is done
// stay done and released ones are not counted as taken over.
func TestExpireLiveLeasesAtStart(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	var mu sync.Mutex
	var taken []string
	st = st.ObserveTakeovers(func(resource string) {
		mu.Lock()
		defer mu.Unlock()
		taken = append(taken, resource)
	})

	// The dead process: a publication under way, a finished tick, and a
	// publication it released properly.
	if _, err := st.ClaimLease(ctx, "publish:2026-12-07", "dead", 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	done, err := st.ClaimLease(ctx, "plan:2026-12-07@tick", "dead", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ReleaseLease(ctx, done, true); err != nil {
		t.Fatal(err)
	}
	released, err := st.ClaimLease(ctx, "publish:2026-12-14", "dead", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ReleaseLease(ctx, released, false); err != nil {
		t.Fatal(err)
	}

	// Before the restart the week is blocked.
	if _, err := st.ClaimLease(ctx, "publish:2026-12-07", "new", time.Minute); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("claim of a live lease: %v, want a conflict", err)
	}
	n, err := st.ExpireLiveLeases(ctx)
	if err != nil || n != 1 {
		t.Fatalf("ExpireLiveLeases = %d, %v; want the one live lease", n, err)
	}
	l, err := st.ClaimLease(ctx, "publish:2026-12-07", "new", time.Minute)
	if err != nil || l.Attempt != 2 {
		t.Fatalf("claim after the restart: %+v, %v; want attempt 2 at once", l, err)
	}
	if _, err := st.ClaimLease(ctx, "plan:2026-12-07@tick", "new", time.Minute); !errors.Is(err, models.ErrConflict) {
		t.Errorf("a completed claim was claimable after the restart: %v", err)
	}
	if _, err := st.ClaimLease(ctx, "publish:2026-12-14", "new", time.Minute); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(taken) != 1 || taken[0] != "publish:2026-12-07" {
		t.Errorf("takeovers %v, want only publish:2026-12-07", taken)
	}
}
