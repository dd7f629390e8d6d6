package publish

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
)

// Outbox keys. They name the change and the recipient, never the moment, so
// that every re-run of a publication produces the same keys.
func clinicKey(visitID string, seq int, email string) string {
	return fmt.Sprintf("visit:%s:seq:%d:clinic:%s", visitID, seq, strings.ToLower(email))
}

func trainerKey(visitID string, seq int, trainerID string) string {
	return fmt.Sprintf("visit:%s:seq:%d:trainer:%s", visitID, seq, trainerID)
}

func weekKey(week models.Date, version int, trainerID string) string {
	return fmt.Sprintf("week:%s:v%d:trainer:%s", week, version, trainerID)
}

// enqueue is step 2: one message per recipient and change of every visit
// this publication wrote, and the whole week for each trainer who had no
// visit in the previously published plan.
func (r *run) enqueue(ctx context.Context) error {
	for _, v := range r.changed() {
		if err := r.enqueueVisit(ctx, v); err != nil {
			return err
		}
	}
	return r.enqueueWeeks(ctx)
}

func (r *run) enqueueVisit(ctx context.Context, v *models.Visit) error {
	b, ok, err := r.booking(ctx, v)
	if err != nil || !ok {
		return err
	}
	prev, wasPublished := r.prevStops[v.ID]
	change := notify.ChangeBooked
	switch {
	case v.Status == models.VisitCancelled:
		change = notify.ChangeCancelled
	case wasPublished:
		change = notify.ChangeMoved
		b.PreviousStart, b.PreviousEnd = prev.stop.Start, prev.stop.End
		if prev.route.TrainerID != v.TrainerID {
			b.PreviousTrainer = prev.route.TrainerName
		}
	}
	comp := r.p.cfg.Composer

	for _, email := range b.Clinic.Emails {
		if strings.TrimSpace(email) == "" {
			continue
		}
		key := clinicKey(v.ID, v.Sequence, email)
		if err := r.put(ctx, key, func() (notify.Message, error) {
			m, err := comp.ClinicBooking(change, b, r.now)
			m.To = []string{email}
			return m, err
		}); err != nil {
			return err
		}
	}

	// The trainer now on the visit hears of the change unless the week's
	// plan they get in this publication already shows it.
	if r.prevTrainers[v.TrainerID] {
		tchange := change
		if change == notify.ChangeMoved && prev.route.TrainerID != v.TrainerID {
			tchange = notify.ChangeBooked // new to this trainer
		}
		if b.Trainer.Email == "" {
			r.warn("trainer %s has no e-mail address; not told about visit %s", v.TrainerID, v.ID)
		} else if err := r.put(ctx, trainerKey(v.ID, v.Sequence, v.TrainerID), func() (notify.Message, error) {
			return comp.TrainerChange(tchange, b, r.now)
		}); err != nil {
			return err
		}
	}
	// A trainer who lost the visit to someone else is told it is off.
	if wasPublished && v.Status == models.VisitScheduled && prev.route.TrainerID != v.TrainerID {
		old, err := r.trainer(ctx, prev.route.TrainerID)
		if err != nil {
			return err
		}
		if old == nil || old.Email == "" {
			r.warn("trainer %s cannot be told that visit %s moved away", prev.route.TrainerID, v.ID)
			return nil
		}
		lost := b
		lost.Trainer = NotifyTrainer(old)
		lost.Start, lost.End = prev.stop.Start, prev.stop.End
		lost.PreviousStart, lost.PreviousEnd = prev.stop.Start, prev.stop.End
		if err := r.put(ctx, trainerKey(v.ID, v.Sequence, old.ID), func() (notify.Message, error) {
			return comp.TrainerChange(notify.ChangeCancelled, lost, r.now)
		}); err != nil {
			return err
		}
	}
	return nil
}

// enqueueWeeks sends the week's plan to each trainer with visits in this
// plan who had none in the previously published one (all of them on the
// first publication of the week).
func (r *run) enqueueWeeks(ctx context.Context) error {
	byTrainer := map[string][]notify.Booking{}
	var order []string
	for _, route := range r.plan.Routes {
		if r.prevTrainers[route.TrainerID] {
			continue
		}
		for _, stop := range route.Stops {
			if _, ok := r.wanted[stop.RequestID]; !ok {
				continue
			}
			v := r.visits[stop.RequestID]
			if v == nil || v.Status != models.VisitScheduled {
				continue
			}
			b, ok, err := r.booking(ctx, v)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if _, seen := byTrainer[route.TrainerID]; !seen {
				order = append(order, route.TrainerID)
			}
			byTrainer[route.TrainerID] = append(byTrainer[route.TrainerID], b)
		}
	}
	weekStart := r.plan.Week.At(0, r.p.cfg.Location)
	for _, id := range order {
		t, err := r.trainer(ctx, id)
		if err != nil {
			return err
		}
		if t == nil || t.Email == "" {
			r.warn("trainer %s has no e-mail address; the week's plan is not sent", id)
			continue
		}
		bookings := byTrainer[id]
		if err := r.put(ctx, weekKey(r.plan.Week, r.plan.Version, id), func() (notify.Message, error) {
			return r.p.cfg.Composer.TrainerWeek(NotifyTrainer(t), weekStart, r.plan.Version, bookings, r.now)
		}); err != nil {
			return err
		}
	}
	return nil
}

// put composes and enqueues one message under key.
func (r *run) put(ctx context.Context, key string, compose func() (notify.Message, error)) error {
	m, err := compose()
	if err != nil {
		return fmt.Errorf("compose %s: %w", key, err)
	}
	r.mails = append(r.mails, PlannedMail{Key: key, To: m.To, Kind: m.Kind})
	if r.preview {
		return nil
	}
	msg := OutboxMessage(key, m)
	created, err := r.p.cfg.Store.EnqueueMail(ctx, msg)
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", key, err)
	}
	if created {
		r.res.Enqueued++
	}
	return nil
}

// booking describes visit v for the composer; ok is false (with a warning)
// when its clinic or trainer no longer exists: nobody is told then.
func (r *run) booking(ctx context.Context, v *models.Visit) (notify.Booking, bool, error) {
	c, err := r.clinic(ctx, v.ClinicID)
	if err != nil {
		return notify.Booking{}, false, err
	}
	t, err := r.trainer(ctx, v.TrainerID)
	if err != nil {
		return notify.Booking{}, false, err
	}
	req, err := r.request(ctx, v.RequestID)
	if err != nil {
		return notify.Booking{}, false, err
	}
	b, warning := Booking(v, req, c, t)
	if warning != "" {
		r.warn("%s; nobody is told", warning)
		return notify.Booking{}, false, nil
	}
	return b, true, nil
}

func (r *run) clinic(ctx context.Context, id string) (*models.Clinic, error) {
	if c, ok := r.clinics[id]; ok {
		return c, nil
	}
	c, err := r.p.cfg.Store.Clinic(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		c, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load clinic %s: %w", id, err)
	}
	r.clinics[id] = c
	return c, nil
}

func (r *run) trainer(ctx context.Context, id string) (*models.Trainer, error) {
	if t, ok := r.trainers[id]; ok {
		return t, nil
	}
	t, err := r.p.cfg.Store.Trainer(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		t, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load trainer %s: %w", id, err)
	}
	r.trainers[id] = t
	return t, nil
}
