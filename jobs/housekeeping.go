package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// JobHousekeeping names the housekeeping job in logs.
const JobHousekeeping = "housekeeping"

// HousekeepingStore is what Housekeeping needs from the store.
type HousekeepingStore interface {
	PruneLeases(ctx context.Context, before time.Time) (int64, error)
	ArchiveSentMessages(ctx context.Context, slimBefore, dropBefore time.Time) (int, error)
	ArchivePlans(ctx context.Context, before time.Time) (int, error)
	DeleteExpiredTokens(ctx context.Context) (int64, error)
	ArchiveAudit(ctx context.Context, before time.Time, keep int) (int, error)
}

// Retention of what housekeeping removes: leases expired for more than
// leaseRetention are deleted (every delivery leaves one behind); mail sent
// more than slimAfter ago is copied to the archive and keeps only a slim
// record in the outbox (after mailboxRetention when it went to the
// development mailbox, which is read from the outbox), whose key refuses a
// second enqueue until keyRetention has passed; and plan versions older
// than planRetention that were superseded or never published move to their
// archive. On the embedded server every outbox pass decodes the whole
// outbox, and so does every version-guarded write of a message (about a
// millisecond per stored e-mail with its bodies and invitation); plans are
// read the same way by every plan page, run and publication.
const (
	leaseRetention   = 24 * time.Hour
	slimAfter        = 24 * time.Hour
	mailboxRetention = 30 * 24 * time.Hour
	keyRetention     = 30 * 24 * time.Hour
	planRetention    = 14 * 24 * time.Hour
	// AuditRetention and AuditHotEntries bound the audit entries in the
	// collection the API lists: older ones, and all but the newest
	// AuditHotEntries, move to audit_archive (a list there reads the whole
	// collection on the embedded server).
	AuditRetention  = 30 * 24 * time.Hour
	AuditHotEntries = 2000
)

// HousekeepingConfig configures Housekeeping.
type HousekeepingConfig struct {
	Store HousekeepingStore
	// Mailbox says that mail goes to the development mailbox (no SMTP
	// server): sent mail is then kept whole for mailboxRetention, for
	// coordinators to read.
	Mailbox bool
	// Now is the clock (pass the store's); default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Housekeeping keeps the collections every request and pass reads small:
// it prunes old leases, archives old sent mail, old plan versions and old
// audit entries, and
// deletes expired sessions and tokens. Every step is idempotent, so several
// instances may run it at once and it needs no lease.
type Housekeeping struct {
	cfg HousekeepingConfig
	log *slog.Logger
}

// NewHousekeeping checks cfg and fills its defaults.
func NewHousekeeping(cfg HousekeepingConfig) (*Housekeeping, error) {
	if cfg.Store == nil {
		return nil, errors.New("new housekeeping: no store")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Housekeeping{cfg: cfg, log: log.With("job", JobHousekeeping)}, nil
}

// Run makes one pass. A failed step does not stop the others; Run reports
// every failure, and the next pass tries again.
func (h *Housekeeping) Run(ctx context.Context) error {
	now := h.cfg.Now()
	var errs []error
	step := func(what string, n int64, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("housekeeping: %s: %w", what, err))
		} else if n > 0 {
			h.log.Debug(what, "count", n)
		}
	}
	n, err := h.cfg.Store.PruneLeases(ctx, now.Add(-leaseRetention))
	step("prune old leases", n, err)
	slim := slimAfter
	if h.cfg.Mailbox {
		slim = mailboxRetention
	}
	m, err := h.cfg.Store.ArchiveSentMessages(ctx, now.Add(-slim), now.Add(-keyRetention))
	step("archive sent mail", int64(m), err)
	m, err = h.cfg.Store.ArchivePlans(ctx, now.Add(-planRetention))
	step("archive old plan versions", int64(m), err)
	m, err = h.cfg.Store.ArchiveAudit(ctx, now.Add(-AuditRetention), AuditHotEntries)
	step("archive old audit entries", int64(m), err)
	// Expired sessions and tokens are refused on use already; removing them
	// keeps the collection every authenticated request reads small (no TTL
	// indexes on the embedded server).
	n, err = h.cfg.Store.DeleteExpiredTokens(ctx)
	step("delete expired tokens", n, err)
	return errors.Join(errs...)
}
