package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/publish"
)

// JobReminders is the job name of reminder runs in the job-run records.
const JobReminders = "reminders"

// ReminderStore is what Reminders needs from the store.
type ReminderStore interface {
	JobRunStore
	Visits(ctx context.Context, f models.VisitFilter) ([]models.Visit, error)
	Request(ctx context.Context, id string) (*models.Request, error)
	Trainer(ctx context.Context, id string) (*models.Trainer, error)
	Clinic(ctx context.Context, id string) (*models.Clinic, error)
	EnqueueMail(ctx context.Context, m *models.OutboxMessage) (created bool, err error)
}

// ReminderComposer writes reminder mails (notify.Composer implements it).
type ReminderComposer interface {
	ClinicReminder(b notify.Booking) (notify.Message, error)
	TrainerReminder(t notify.Trainer, bookings []notify.Booking) (notify.Message, error)
}

// RemindersConfig configures Reminders.
type RemindersConfig struct {
	Store    ReminderStore
	Composer ReminderComposer
	// Location is the service's time zone, in which "tomorrow" is meant.
	Location *time.Location
	// LeadDays is how many days before a visit its reminder goes; default 1.
	LeadDays int
	// Holder names this instance in job runs; default HolderID().
	Holder string
	Logger *slog.Logger
}

// Reminders enqueues the day-before reminders: for each scheduled visit on
// the day LeadDays ahead, one mail to each contact of its clinic, and to
// each trainer one mail listing that day's visits. The outbox keys make a
// rerun enqueue nothing twice, so several instances may run it at once and
// it needs no lease:
//
//	reminder:<visit id>:<date>:<clinic contact e-mail>
//	reminder:trainer:<trainer id>:<date>
//
// A visit moved to another day is reminded again for its new date. A visit
// whose request was cancelled (or closed) since the plan was published is
// not reminded of: it stays scheduled until the next publication cancels
// it, and nobody should set out for it meanwhile.
type Reminders struct {
	cfg RemindersConfig
	log *slog.Logger
}

// NewReminders checks cfg and fills its defaults.
func NewReminders(cfg RemindersConfig) (*Reminders, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("new reminders: no store")
	case cfg.Composer == nil:
		return nil, errors.New("new reminders: no composer")
	case cfg.Location == nil:
		return nil, errors.New("new reminders: no time zone")
	case cfg.LeadDays < 0:
		return nil, fmt.Errorf("new reminders: lead time of %d days is negative", cfg.LeadDays)
	}
	if cfg.LeadDays == 0 {
		cfg.LeadDays = 1
	}
	if cfg.Holder == "" {
		cfg.Holder = HolderID()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Reminders{cfg: cfg, log: log.With("job", JobReminders)}, nil
}

// ReminderKey is the outbox key of the reminder of visit on date to a
// clinic contact.
func ReminderKey(visitID string, date models.Date, recipient string) string {
	return fmt.Sprintf("reminder:%s:%s:%s", visitID, date, recipient)
}

// TrainerReminderKey is the outbox key of a trainer's reminder of date.
func TrainerReminderKey(trainerID string, date models.Date) string {
	return fmt.Sprintf("reminder:trainer:%s:%s", trainerID, date)
}

// Run enqueues the reminders of the visits LeadDays after now's date, and
// records the run. A visit whose mail cannot be composed (its clinic or
// trainer is gone) is skipped and reported in the error; the others are
// still enqueued.
func (r *Reminders) Run(ctx context.Context, now time.Time) error {
	day := models.DateOf(now, r.cfg.Location).AddDays(r.cfg.LeadDays)
	run := &models.JobRun{Job: JobReminders, Holder: r.cfg.Holder, Trigger: "reminders@" + string(day), Figures: map[string]any{"date": string(day)}}
	if err := r.cfg.Store.StartJobRun(ctx, run); err != nil {
		return fmt.Errorf("remind of visits on %s: %w", day, err)
	}
	enqueued, existing, err := r.remind(ctx, day)
	run.Figures["enqueued"], run.Figures["already_enqueued"] = enqueued, existing
	run.Outcome = OutcomeOK
	if err != nil {
		run.Outcome, run.Error = OutcomeFailed, err.Error()
	}
	fctx, cancel := detached(ctx)
	defer cancel()
	if ferr := r.cfg.Store.FinishJobRun(fctx, run); ferr != nil {
		r.log.Error("recording the end of a reminder run failed", "run", run.ID, "error", ferr)
	}
	r.log.Info("reminders enqueued", "date", day, "enqueued", enqueued, "already_enqueued", existing, "error", err)
	if err != nil {
		return fmt.Errorf("remind of visits on %s: %w", day, err)
	}
	return nil
}

// remind enqueues the reminders of day and counts new and already queued
// mails.
func (r *Reminders) remind(ctx context.Context, day models.Date) (enqueued, existing int, err error) {
	loc := r.cfg.Location
	visits, err := r.cfg.Store.Visits(ctx, models.VisitFilter{
		From:     day.Time(loc),
		To:       day.AddDays(1).Time(loc),
		Statuses: []models.VisitStatus{models.VisitScheduled},
	})
	if err != nil {
		return 0, 0, err
	}
	enqueue := func(key string, m notify.Message) error {
		created, err := r.cfg.Store.EnqueueMail(ctx, publish.OutboxMessage(key, m))
		switch {
		case err != nil:
			return err
		case created:
			enqueued++
		default:
			existing++
		}
		return nil
	}

	var errs []error
	clinics := map[string]*models.Clinic{}
	trainers := map[string]*models.Trainer{}
	byTrainer := map[string][]notify.Booking{}
	var trainerOrder []string
	for _, v := range visits {
		// One lookup by _id per visit of the day: the embedded server
		// filters an _id alone in SQLite, several times cheaper than any
		// other filter, and a day has a handful of visits.
		req, err := r.cfg.Store.Request(ctx, v.RequestID)
		switch {
		case errors.Is(err, models.ErrNotFound):
			// The visit is the booking; remind of it all the same.
			req = nil
		case err != nil:
			errs = append(errs, fmt.Errorf("visit %s: %w", v.ID, err))
			continue
		case !req.Status.Open():
			r.log.Info("no reminder: the request is no longer open", "visit", v.ID, "status", req.Status)
			continue
		}
		b, warning, err := r.booking(ctx, &v, req, clinics, trainers)
		if err != nil {
			errs = append(errs, fmt.Errorf("visit %s: %w", v.ID, err))
			continue
		}
		if warning != "" {
			r.log.Warn("no reminder: "+warning, "visit", v.ID)
			continue
		}
		if _, seen := byTrainer[v.TrainerID]; !seen {
			trainerOrder = append(trainerOrder, v.TrainerID)
		}
		byTrainer[v.TrainerID] = append(byTrainer[v.TrainerID], b)
		for _, contact := range b.Clinic.Emails {
			one := b
			one.Clinic.Emails = []string{contact}
			m, err := r.cfg.Composer.ClinicReminder(one)
			if err == nil {
				err = enqueue(ReminderKey(v.ID, day, contact), m)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("clinic reminder of visit %s to %s: %w", v.ID, contact, err))
			}
		}
	}
	for _, id := range trainerOrder {
		bookings := byTrainer[id]
		m, err := r.cfg.Composer.TrainerReminder(bookings[0].Trainer, bookings)
		if err == nil {
			err = enqueue(TrainerReminderKey(id, day), m)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("trainer reminder of %s: %w", id, err))
		}
	}
	return enqueued, existing, errors.Join(errs...)
}

// booking describes visit v for the composer, loading its clinic and
// trainer once per run; a deleted clinic or trainer comes back nil.
func (r *Reminders) booking(ctx context.Context, v *models.Visit, req *models.Request, clinics map[string]*models.Clinic, trainers map[string]*models.Trainer) (notify.Booking, string, error) {
	c, ok := clinics[v.ClinicID]
	if !ok {
		var err error
		if c, err = r.cfg.Store.Clinic(ctx, v.ClinicID); err != nil && !errors.Is(err, models.ErrNotFound) {
			return notify.Booking{}, "", fmt.Errorf("load clinic %s: %w", v.ClinicID, err)
		}
		clinics[v.ClinicID] = c
	}
	t, ok := trainers[v.TrainerID]
	if !ok {
		var err error
		if t, err = r.cfg.Store.Trainer(ctx, v.TrainerID); err != nil && !errors.Is(err, models.ErrNotFound) {
			return notify.Booking{}, "", fmt.Errorf("load trainer %s: %w", v.TrainerID, err)
		}
		trainers[v.TrainerID] = t
	}
	b, warning := publish.Booking(v, req, c, t)
	return b, warning, nil
}
