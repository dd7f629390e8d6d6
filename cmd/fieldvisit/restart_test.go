package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/config"
	"github.com/fieldvisit/fieldvisit/models"
)

// TestRestartEndsLeftClaims opens the embedded database, claims a week's
// publication for ten minutes and closes it without releasing the claim,
// as a process killed mid-publication would; the next process on the data
// directory finds the week free at once and says so in its log.
func TestRestartEndsLeftClaims(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	var logged strings.Builder
	log := slog.New(slog.NewTextHandler(&logged, nil))

	dead, err := openDatabase(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dead.store.ClaimLease(ctx, "publish:2026-12-07", "dead", 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := dead.store.ClaimLease(ctx, "publish:2026-12-07", "other", time.Minute); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("a live claim could be taken: %v", err)
	}
	dead.close(log)

	next, err := openDatabase(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer next.close(log)
	l, err := next.store.ClaimLease(ctx, "publish:2026-12-07", "next", time.Minute)
	if err != nil || l.Attempt != 2 {
		t.Fatalf("claim after the restart: %+v, %v; want attempt 2 at once", l, err)
	}
	if !strings.Contains(logged.String(), "ended the claims an earlier process left behind") || !strings.Contains(logged.String(), "claims=1") {
		t.Errorf("the restart did not log the claims it ended:\n%s", logged.String())
	}
}
