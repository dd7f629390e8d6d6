package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fieldvisit/fieldvisit/models"
)

// maxReferencesNamed bounds how many references a refused delete lists;
// the rest are counted.
const maxReferencesNamed = 5

// openStatuses are the statuses of requests still being worked on.
var openStatuses = []models.Status{models.StatusNew, models.StatusPlanned, models.StatusConfirmed}

// references collects what still points at a document about to be deleted.
type references struct {
	named []string
	more  int
}

func (r *references) add(format string, args ...any) {
	if len(r.named) < maxReferencesNamed {
		r.named = append(r.named, fmt.Sprintf(format, args...))
		return
	}
	r.more++
}

// err is nil when nothing refers to the document, else the 409 that says
// what to change first.
func (r *references) err(what string) error {
	if len(r.named) == 0 {
		return nil
	}
	msg := what + " is still referred to by " + strings.Join(r.named, "; ")
	if r.more > 0 {
		msg += fmt.Sprintf("; and %d more", r.more)
	}
	return &models.ConflictError{Message: msg + ". Remove or reassign these first."}
}

// eachPage calls fn for every item that list returns, page by page in id
// order.
func eachPage[T any](list func(models.Page) ([]T, error), id func(*T) string, fn func(*T)) error {
	p := models.Page{Limit: models.MaxPageSize}
	for {
		items, err := list(p)
		if err != nil {
			return err
		}
		for i := range items {
			fn(&items[i])
		}
		if len(items) < p.Limit {
			return nil
		}
		p.After = id(&items[len(items)-1])
	}
}

// trainerReferences refuses deleting a trainer whom an account, a clinic's
// preferred trainers, a pin of an open request or a scheduled visit names.
func (s *Server) trainerReferences(ctx context.Context, id string) error {
	var refs references
	err := eachPage(func(p models.Page) ([]models.User, error) { return s.users.Users(ctx, p) },
		func(u *models.User) string { return u.ID },
		func(u *models.User) {
			if u.TrainerID == id {
				refs.add("the account %s", u.Email)
			}
		})
	if err != nil {
		return fmt.Errorf("find accounts of trainer %s: %w", id, err)
	}
	err = eachPage(func(p models.Page) ([]models.Clinic, error) { return s.clinics.Clinics(ctx, models.ClinicFilter{}, p) },
		func(cl *models.Clinic) string { return cl.ID },
		func(cl *models.Clinic) {
			if slices.Contains(cl.PreferredTrainers, id) {
				refs.add("the preferred trainers of clinic %s (%s)", cl.ID, cl.Name)
			}
		})
	if err != nil {
		return fmt.Errorf("find clinics preferring trainer %s: %w", id, err)
	}
	err = eachPage(func(p models.Page) ([]models.Request, error) {
		return s.requests.Requests(ctx, models.RequestFilter{Statuses: openStatuses}, p)
	},
		func(r *models.Request) string { return r.ID },
		func(r *models.Request) {
			if r.Pin != nil && r.Pin.TrainerID == id {
				refs.add("the pin of request %s", r.ID)
			}
		})
	if err != nil {
		return fmt.Errorf("find requests pinned to trainer %s: %w", id, err)
	}
	if err := s.scheduledVisits(ctx, &refs, models.VisitFilter{TrainerID: id}); err != nil {
		return err
	}
	return refs.err("the trainer")
}

// clinicReferences refuses deleting a clinic that an account, an open
// request or a scheduled visit names. Done and cancelled requests are
// history and do not hold it.
func (s *Server) clinicReferences(ctx context.Context, id string) error {
	var refs references
	err := eachPage(func(p models.Page) ([]models.User, error) { return s.users.Users(ctx, p) },
		func(u *models.User) string { return u.ID },
		func(u *models.User) {
			if u.ClinicID == id {
				refs.add("the account %s", u.Email)
			}
		})
	if err != nil {
		return fmt.Errorf("find accounts of clinic %s: %w", id, err)
	}
	err = eachPage(func(p models.Page) ([]models.Request, error) {
		return s.requests.Requests(ctx, models.RequestFilter{ClinicID: id, Statuses: openStatuses}, p)
	},
		func(r *models.Request) string { return r.ID },
		func(r *models.Request) { refs.add("the %s request %s", r.Status, r.ID) })
	if err != nil {
		return fmt.Errorf("find open requests of clinic %s: %w", id, err)
	}
	if err := s.scheduledVisits(ctx, &refs, models.VisitFilter{ClinicID: id}); err != nil {
		return err
	}
	return refs.err("the clinic")
}

// scheduledVisits adds the scheduled visits matching f to refs.
func (s *Server) scheduledVisits(ctx context.Context, refs *references, f models.VisitFilter) error {
	f.Statuses = []models.VisitStatus{models.VisitScheduled}
	visits, err := s.visits.Visits(ctx, f)
	if err != nil {
		return fmt.Errorf("find scheduled visits: %w", err)
	}
	if n := len(visits); n > 0 {
		refs.add("%d scheduled visit(s), the first on %s", n, visits[0].Date)
	}
	return nil
}
