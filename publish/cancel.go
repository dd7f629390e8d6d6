package publish

import (
	"context"
	"errors"
	"fmt"

	"github.com/fieldvisit/fieldvisit/models"
)

// CancelVisit tells the clinic and the trainer at once that the published
// visit of a cancelled request is off, instead of waiting for the next
// publication of its week, and marks the visit cancelled. It reports whether
// there was a scheduled visit to cancel.
//
// The mails are enqueued before the visit is written, under the same keys a
// publication uses for a cancellation (visit, Sequence+1, recipient): after a
// crash between the two, the next publication finds the request closed,
// cancels the visit with that same Sequence and so finds the mails already
// queued. The caller cancels the request first; a request never reopens, so
// no later plan can bring the visit back.
func (p *Publisher) CancelVisit(ctx context.Context, requestID string) (bool, error) {
	v, err := p.cfg.Store.Visit(ctx, requestID)
	if errors.Is(err, models.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cancel visit of request %s: %w", requestID, err)
	}
	if v.Status != models.VisitScheduled {
		return false, nil
	}
	// A publication of the week writes the same visit; take its lease.
	lease, err := p.cfg.Store.ClaimLease(ctx, "publish:"+string(v.Week), p.cfg.Holder, p.cfg.LeaseTTL)
	if err != nil {
		return false, fmt.Errorf("cancel visit of request %s: %w", requestID, err)
	}
	defer func() {
		if err := p.cfg.Store.ReleaseLease(context.WithoutCancel(ctx), lease, false); err != nil {
			p.log.Warn("release publish lease", "week", v.Week, "err", err)
		}
	}()
	if v, err = p.cfg.Store.Visit(ctx, requestID); err != nil {
		return false, fmt.Errorf("cancel visit of request %s: %w", requestID, err)
	}
	if v.Status != models.VisitScheduled {
		return false, nil
	}
	next := *v
	next.Status, next.Sequence = models.VisitCancelled, v.Sequence+1
	r := &run{
		p: p, now: p.now(), res: &Result{Week: v.Week},
		// The trainer had the visit in their plan, so they hear it is off.
		prevStops: map[string]wanted{}, prevTrainers: map[string]bool{v.TrainerID: true},
		requests: map[string]*models.Request{}, clinics: map[string]*models.Clinic{}, trainers: map[string]*models.Trainer{},
	}
	if err := r.enqueueVisit(ctx, &next); err != nil {
		return false, fmt.Errorf("cancel visit of request %s: %w", requestID, err)
	}
	if err := p.cfg.Store.UpdateVisit(ctx, &next); err != nil {
		return false, fmt.Errorf("cancel visit of request %s: %w", requestID, err)
	}
	p.log.Info("visit cancelled with its request", "request", requestID, "week", v.Week, "enqueued", r.res.Enqueued)
	for _, w := range r.res.Warnings {
		p.log.Warn("cancel visit", "request", requestID, "warning", w)
	}
	return true, nil
}
