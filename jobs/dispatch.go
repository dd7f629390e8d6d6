package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
)

// OutboxStore is what a Dispatcher needs from the store.
type OutboxStore interface {
	LeaseStore
	DueMessages(ctx context.Context, now time.Time, limit int) ([]models.OutboxMessage, error)
	OutboxMessage(ctx context.Context, id string) (*models.OutboxMessage, error)
	MarkMessageSent(ctx context.Context, m *models.OutboxMessage, mailbox bool) error
	RescheduleMessage(ctx context.Context, m *models.OutboxMessage, sendErr string, retryAt time.Time) error
	FailMessage(ctx context.Context, m *models.OutboxMessage, sendErr string) error
}

// Backoff is the wait before the next attempt after a failed one: Base after
// the first failure, doubling with each further one, at most Max.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
}

// Delay returns the wait after failure number failures (1 for the first),
// jittered by r in [0, 1): the full delay d is cut to somewhere in
// [d/2, d), so messages that failed together spread out on retry while
// each still waits at least half its step.
func (b Backoff) Delay(failures int, r float64) time.Duration {
	d := b.Base
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return d/2 + time.Duration(r*float64(d/2))
}

// DispatcherConfig configures a Dispatcher.
type DispatcherConfig struct {
	Store OutboxStore
	// Sender delivers messages; nil keeps them in the development mailbox:
	// they are marked sent with Mailbox set, for coordinators to read.
	Sender notify.Sender
	// Holder names this instance in leases; default HolderID().
	Holder string
	// MaxAttempts is how many times a message is tried before it is marked
	// failed; default 8.
	MaxAttempts int
	// Backoff spaces the attempts; default 30s doubling up to 1h.
	Backoff Backoff
	// Rand returns jitter in [0, 1); default math/rand/v2's Float64.
	Rand func() float64
	// SendTimeout bounds one delivery; default 30s.
	SendTimeout time.Duration
	// LeaseTTL is how long a claimed message is left alone by other
	// dispatchers; it must exceed SendTimeout. Default SendTimeout + 20s,
	// so the message of a dispatcher that died is sent within a minute.
	LeaseTTL time.Duration
	// Batch is how many due messages one query fetches; default 50.
	Batch int
	// Now is the clock (pass the store's); default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Dispatcher sends the outbox's due messages. Run makes one pass; several
// dispatchers (in one process or many) may run at once, since each message
// is claimed with a lease before it is sent. See the package documentation
// for the delivery guarantee.
type Dispatcher struct {
	cfg DispatcherConfig
	log *slog.Logger
}

// NewDispatcher checks cfg and fills its defaults.
func NewDispatcher(cfg DispatcherConfig) (*Dispatcher, error) {
	if cfg.Store == nil {
		return nil, errors.New("new dispatcher: no store")
	}
	if cfg.Holder == "" {
		cfg.Holder = HolderID()
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Backoff.Base <= 0 {
		cfg.Backoff.Base = 30 * time.Second
	}
	if cfg.Backoff.Max < cfg.Backoff.Base {
		cfg.Backoff.Max = max(time.Hour, cfg.Backoff.Base)
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 30 * time.Second
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = cfg.SendTimeout + 20*time.Second
	}
	if cfg.LeaseTTL <= cfg.SendTimeout {
		return nil, fmt.Errorf("new dispatcher: lease TTL %s must exceed the send timeout %s, or a slow send could be claimed twice", cfg.LeaseTTL, cfg.SendTimeout)
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 50
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{cfg: cfg, log: log.With("job", "outbox", "holder", cfg.Holder)}, nil
}

// OutboxResource names the lease of outbox message id.
func OutboxResource(id string) string { return "outbox:" + id }

// outcome is what became of one due message in a pass.
type outcome int

const (
	skipped outcome = iota // claimed elsewhere, or no longer due
	settled                // sent and marked, or failed for a fault of its own
	refused                // the server failed it; rescheduled or failed
	unknown                // stopped mid-way; its lease will expire
)

// outageAfter is how many messages in a row must fail to send before a
// pass stops: the server is down or unreachable, and trying the rest now
// would only spend their attempts (and, with a black-holed server, a send
// timeout each). They stay due for the next pass.
const outageAfter = 3

// Run makes one pass: it sends every message due now, one at a time. A
// message that fails is rescheduled or marked failed, which is not an error
// of Run; Run reports what kept it from working through the outbox (the
// database, a cancelled ctx). After outageAfter failed sends in a row the
// pass ends early. A cancelled ctx stops the pass at once and leaves a
// message being sent to be retried after its lease expires.
func (d *Dispatcher) Run(ctx context.Context) error {
	var errs []error
	failedInARow := 0
	for {
		due, err := d.cfg.Store.DueMessages(ctx, d.cfg.Now(), d.cfg.Batch)
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("dispatch outbox: %w", err))...)
		}
		progress := false
		for _, m := range due {
			if err := ctx.Err(); err != nil {
				return errors.Join(append(errs, fmt.Errorf("dispatch outbox: %w", err))...)
			}
			out, err := d.dispatch(ctx, m.ID)
			if err != nil {
				errs = append(errs, err)
				if ctx.Err() != nil {
					return errors.Join(errs...)
				}
			}
			switch out {
			case settled:
				failedInARow = 0
			case refused:
				failedInARow++
			}
			if failedInARow >= outageAfter {
				d.log.Warn("mail server keeps failing; the rest waits for the next pass", "failed_in_a_row", failedInARow)
				return errors.Join(errs...)
			}
			progress = progress || out != skipped
		}
		// A full batch may hide more due messages; a batch in which nothing
		// could be handled (all claimed elsewhere) would only come back.
		if len(due) < d.cfg.Batch || !progress {
			return errors.Join(errs...)
		}
	}
}

// dispatch claims, sends and marks message id.
func (d *Dispatcher) dispatch(ctx context.Context, id string) (outcome, error) {
	lease, err := claim(ctx, d.cfg.Store, OutboxResource(id), d.cfg.Holder, d.cfg.LeaseTTL)
	if errors.Is(err, ErrClaimed) {
		return skipped, nil
	}
	if err != nil {
		return skipped, fmt.Errorf("dispatch outbox message %s: %w", id, err)
	}
	// Read it again under the lease: another dispatcher may have sent or
	// rescheduled it since the list was read.
	m, err := d.cfg.Store.OutboxMessage(ctx, id)
	if err != nil {
		d.release(ctx, lease, false)
		return skipped, fmt.Errorf("dispatch outbox message %s: %w", id, err)
	}
	if m.Status != models.OutboxPending || m.NextAttemptAt.After(d.cfg.Now()) {
		d.release(ctx, lease, m.Status == models.OutboxSent)
		return skipped, nil
	}

	mailbox := d.cfg.Sender == nil
	var sendErr error
	if !mailbox {
		sendCtx, cancel := context.WithTimeout(ctx, d.cfg.SendTimeout)
		sendErr = d.cfg.Sender.Send(sendCtx, NotifyMessage(m))
		cancel()
	}
	if err := ctx.Err(); err != nil {
		// Stopped (or killed) mid-send: whether the server took the message
		// is unknown, so it stays pending and the lease is left to expire,
		// exactly as after a crash.
		return unknown, fmt.Errorf("dispatch outbox message %s: %w", id, err)
	}
	log := d.log.With("message", id, "attempt", m.Attempts+1)
	if sendErr == nil {
		if err := d.cfg.Store.MarkMessageSent(ctx, m, mailbox); err != nil {
			// It went out; unmarked, it will go out again after the lease
			// expires, with the same Message-ID.
			return unknown, fmt.Errorf("dispatch outbox message %s: sent, but: %w", id, err)
		}
		d.release(ctx, lease, true)
		log.Info("e-mail sent", "to", m.Mail.To, "mailbox", mailbox)
		return settled, nil
	}

	// A permanent refusal (a 5xx reply, an unusable address) would only be
	// refused again: give up at once rather than after every backoff step.
	permanent := notify.Permanent(sendErr)
	if m.Attempts+1 >= d.cfg.MaxAttempts || permanent {
		err = d.cfg.Store.FailMessage(ctx, m, sendErr.Error())
		log.Error("e-mail failed; giving up", "to", m.Mail.To, "permanent", permanent, "error", sendErr)
	} else {
		retryAt := d.cfg.Now().Add(d.cfg.Backoff.Delay(m.Attempts+1, d.cfg.Rand()))
		err = d.cfg.Store.RescheduleMessage(ctx, m, sendErr.Error(), retryAt)
		log.Warn("e-mail failed; will retry", "to", m.Mail.To, "retry_at", retryAt, "error", sendErr)
	}
	if err != nil {
		return refused, fmt.Errorf("dispatch outbox message %s: record failed attempt: %w", id, err)
	}
	d.release(ctx, lease, false)
	if permanent {
		// The message was at fault, not the server.
		return settled, nil
	}
	return refused, nil
}

func (d *Dispatcher) release(ctx context.Context, l *models.Lease, done bool) {
	if err := d.cfg.Store.ReleaseLease(ctx, l, done); err != nil {
		d.log.Warn("releasing an outbox lease failed; it will expire", "lease", l.ID, "error", err)
	}
}

// NotifyMessage turns a stored outbox message into the message a
// notify.Sender sends. Its ID, the outbox _id, becomes the Message-ID, so
// every attempt at one message carries the same Message-ID.
func NotifyMessage(m *models.OutboxMessage) notify.Message {
	atts := make([]notify.Attachment, 0, len(m.Mail.Attachments))
	for _, a := range m.Mail.Attachments {
		atts = append(atts, notify.Attachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
	}
	return notify.Message{
		ID:          m.ID,
		Kind:        m.Kind,
		To:          m.Mail.To,
		ReplyTo:     m.Mail.ReplyTo,
		Subject:     m.Mail.Subject,
		Text:        m.Mail.Text,
		HTML:        m.Mail.HTML,
		Attachments: atts,
	}
}
