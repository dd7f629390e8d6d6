package handlers

import (
	"context"
	"fmt"
	"strings"

	"github.com/fieldvisit/fieldvisit/models"
)

// ReferenceStore answers what still points at a trainer or a clinic, with
// filtered, limited queries.
type ReferenceStore interface {
	TrainerReferences(ctx context.Context, id string, limit int) (*models.References, error)
	ClinicReferences(ctx context.Context, id string, limit int) (*models.References, error)
}

// maxReferencesNamed bounds how many references a refused delete lists;
// the rest are counted.
const maxReferencesNamed = 5

// trainerReferences refuses deleting a trainer whom an account, a clinic's
// preferred trainers, a pin of an open request or a scheduled visit names.
func (s *Server) trainerReferences(ctx context.Context, id string) error {
	refs, err := s.refs.TrainerReferences(ctx, id, maxReferencesNamed)
	if err != nil {
		return err
	}
	return refusal("the trainer", refs, func(r *models.Request) string { return "the pin of request " + r.ID })
}

// clinicReferences refuses deleting a clinic that an account, an open
// request or a scheduled visit names. Done and cancelled requests are
// history and do not hold it.
func (s *Server) clinicReferences(ctx context.Context, id string) error {
	refs, err := s.refs.ClinicReferences(ctx, id, maxReferencesNamed)
	if err != nil {
		return err
	}
	return refusal("the clinic", refs, func(r *models.Request) string { return fmt.Sprintf("the %s request %s", r.Status, r.ID) })
}

// refusal is nil when nothing refers to the document, else the 409 that
// names up to maxReferencesNamed references, counts the rest and says what
// to change first. Scheduled visits count as one reference (how many, and
// the first date).
func refusal(what string, refs *models.References, request func(*models.Request) string) error {
	var named []string
	for _, u := range refs.Users.Items {
		named = append(named, "the account "+u.Email)
	}
	for _, cl := range refs.Clinics.Items {
		named = append(named, fmt.Sprintf("the preferred trainers of clinic %s (%s)", cl.ID, cl.Name))
	}
	for i := range refs.Requests.Items {
		named = append(named, request(&refs.Requests.Items[i]))
	}
	total := refs.Users.Total + refs.Clinics.Total + refs.Requests.Total
	if v := refs.Visits; v.Total > 0 && len(v.Items) > 0 {
		named = append(named, fmt.Sprintf("%d scheduled visit(s), the first on %s", v.Total, v.Items[0].Date))
		total++
	}
	if len(named) == 0 {
		return nil
	}
	named = named[:min(len(named), maxReferencesNamed)]
	msg := what + " is still referred to by " + strings.Join(named, "; ")
	if more := total - int64(len(named)); more > 0 {
		msg += fmt.Sprintf("; and %d more", more)
	}
	return &models.ConflictError{Message: msg + ". Remove or reassign these first."}
}
