package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// ErrLeaseLost is the cause of a run's cancellation when its lease could not
// be renewed: another instance may be doing the same work now.
var ErrLeaseLost = errors.New("lease lost")

// ErrClaimed means another instance holds or has completed the work a run
// tried to claim.
var ErrClaimed = errors.New("claimed by another instance")

// LeaseStore claims, renews and releases leases (store.Store implements it).
type LeaseStore interface {
	ClaimLease(ctx context.Context, resource, holder string, ttl time.Duration) (*models.Lease, error)
	RenewLease(ctx context.Context, l *models.Lease, ttl time.Duration) error
	ReleaseLease(ctx context.Context, l *models.Lease, done bool) error
}

// claim claims resource, turning the store's conflict into ErrClaimed.
func claim(ctx context.Context, s LeaseStore, resource, holder string, ttl time.Duration) (*models.Lease, error) {
	l, err := s.ClaimLease(ctx, resource, holder, ttl)
	if errors.Is(err, models.ErrConflict) {
		return nil, fmt.Errorf("%w: %w", ErrClaimed, err)
	}
	return l, err
}

// keepLease renews l every interval until stop is called, and cancels the
// returned context with ErrLeaseLost when a renewal is refused. A renewal
// that fails for another reason (the database is briefly away) is retried
// at the next interval: if the outage lasts, the store refuses the lease as
// expired and the run stops. stop must be called; it waits for the renewing
// goroutine, after which l may be read again.
func keepLease(ctx context.Context, s LeaseStore, l *models.Lease, ttl, interval time.Duration, log *slog.Logger) (held context.Context, stop func()) {
	held, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-held.Done():
				return
			case <-ticker.C:
			}
			err := s.RenewLease(held, l, ttl)
			switch {
			case err == nil:
			case errors.Is(err, models.ErrConflict):
				log.Warn("lease lost; stopping the run", "lease", l.ID, "error", err)
				cancel(fmt.Errorf("%w: %w", ErrLeaseLost, err))
				return
			case held.Err() == nil:
				log.Warn("lease renewal failed; retrying", "lease", l.ID, "error", err)
			}
		}
	}()
	return held, func() {
		cancel(nil)
		<-done
	}
}

// finishTimeout bounds the bookkeeping after a run (recording its end,
// releasing its lease), which must happen even when the run's context has
// been cancelled.
const finishTimeout = 10 * time.Second

// detached returns a context for that bookkeeping: ctx's values without its
// cancellation, bounded by finishTimeout.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
}

// HolderID names this instance in leases and job runs: host, process and a
// random suffix, so two processes on one host (or a restarted one) differ.
func HolderID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), randomSuffix())
}

// randomSuffix returns 8 random hex digits.
func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
