package publish

import (
	"context"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// keepLease renews l every third of the lease's time while a publication
// runs, so the lease can be short: a publisher that dies stops renewing
// and its week is free again within DefaultLeaseTTL, while a live one
// keeps it however long the publication takes. A renewal that fails is
// only logged: the publication's writes are version-guarded and its mails
// keyed by change, so a second publisher that takes over meanwhile
// finishes the same work and sends nothing twice. The returned function
// stops the renewing and waits for it.
func (p *Publisher) keepLease(ctx context.Context, l *models.Lease) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(p.cfg.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := p.cfg.Store.RenewLease(ctx, l, p.cfg.LeaseTTL); err != nil && ctx.Err() == nil {
				p.log.Warn("renew publish lease", "lease", l.ID, "err", err)
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
