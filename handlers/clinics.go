package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// ClinicParams is the body of POST /clinics and PUT /clinics/{id}: a whole
// clinic profile. Version (or If-Match) names the version an update replaces.
type ClinicParams struct {
	Name              string       `json:"name"`
	Place             models.Place `json:"place"`
	District          string       `json:"district"`
	ContactEmails     []string     `json:"contact_emails"`
	Phone             string       `json:"phone"`
	Hours             models.Week  `json:"hours"`
	PreferredTrainers []string     `json:"preferred_trainers"`
	Notes             string       `json:"notes"`
	Lang              string       `json:"lang"`
	Version           *int64       `json:"version"`
}

// apply copies the params onto cl, filling defaults.
func (p *ClinicParams) apply(cl *models.Clinic) {
	cl.Name, cl.Place, cl.District = p.Name, p.Place, p.District
	cl.ContactEmails = nonNil(p.ContactEmails)
	cl.Phone = p.Phone
	cl.Hours = p.Hours
	cl.PreferredTrainers = p.PreferredTrainers
	cl.Notes = p.Notes
	cl.Lang = p.Lang
	if cl.Lang == "" {
		cl.Lang = defaultLang
	}
}

// validateClinic checks the fields, then that preferred trainers exist.
func (s *Server) validateClinic(c *gin.Context, cl *models.Clinic) error {
	if err := cl.Validate(); err != nil {
		return err
	}
	v := &models.ValidationError{}
	for i, id := range cl.PreferredTrainers {
		_, err := s.trainers.Trainer(c, id)
		switch {
		case errors.Is(err, models.ErrNotFound):
			v.Add(fmt.Sprintf("preferred_trainers[%d]", i), "no trainer has id %s", id)
		case err != nil:
			return fmt.Errorf("check preferred trainer %s: %w", id, err)
		}
	}
	return v.Err()
}

// listClinics answers clinics by id, optionally of one district.
func (s *Server) listClinics(c *gin.Context) error {
	q := c.Request.URL.Query()
	page, err := pageParams(q)
	if err != nil {
		return err
	}
	items, err := s.clinics.Clinics(c, models.ClinicFilter{District: q.Get("district")}, page)
	if err != nil {
		return err
	}
	out := pageOf(items, page, func(cl models.Clinic) string { return cl.ID })
	for i := range out.Items {
		presentClinic(&out.Items[i])
	}
	writeJSON(c, http.StatusOK, out)
	return nil
}

// createClinic adds a clinic.
func (s *Server) createClinic(c *gin.Context) error {
	var p ClinicParams
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	now := s.now().UTC()
	cl := &models.Clinic{CreatedAt: now, UpdatedAt: now, Version: 1}
	p.apply(cl)
	if err := s.validateClinic(c, cl); err != nil {
		return err
	}
	if err := s.clinics.CreateClinic(c, cl); err != nil {
		return err
	}
	c.Header("Location", c.Request.URL.Path+"/"+cl.ID)
	writeClinic(c, http.StatusCreated, cl)
	return nil
}

// loadClinic loads the clinic named in the path that the caller may see:
// a clinic user sees only its own clinic.
func (s *Server) loadClinic(c *gin.Context) (*models.Clinic, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	if p := caller(c); p.is(models.RoleClinic) && p.user.ClinicID != id {
		return nil, forbidden("a clinic sees only its own profile")
	}
	cl, err := s.clinics.Clinic(c, id)
	if err != nil {
		return nil, err
	}
	return cl, nil
}

// getClinic answers one clinic.
func (s *Server) getClinic(c *gin.Context) error {
	cl, err := s.loadClinic(c)
	if err != nil {
		return err
	}
	writeClinic(c, http.StatusOK, cl)
	return nil
}

// updateClinic replaces a clinic's profile.
func (s *Server) updateClinic(c *gin.Context) error {
	cl, err := s.loadClinic(c)
	if err != nil {
		return err
	}
	var p ClinicParams
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	version, err := expectedVersion(c, p.Version, versionOf(cl.Version))
	if err != nil {
		return err
	}
	before := *cl
	p.apply(cl)
	cl.Version, cl.UpdatedAt = version, s.now().UTC()
	if err := s.validateClinic(c, cl); err != nil {
		return err
	}
	if err := s.clinics.UpdateClinic(c, cl); err != nil {
		return err
	}
	noteAudit(c, "clinic.update", "clinic", cl.ID, changeSummary(&before, cl))
	writeClinic(c, http.StatusOK, cl)
	return nil
}

// deleteClinic removes a clinic at the version named by If-Match, unless
// something still refers to it (409; see clinicReferences).
func (s *Server) deleteClinic(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := expectedVersion(c, nil, s.clinicVersion(c, id))
	if err != nil {
		return err
	}
	if err := s.clinicReferences(c, id); err != nil {
		return err
	}
	if err := s.clinics.DeleteClinic(c, id, version); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// clinicVersion reports the current version of clinic id, for a 428.
func (s *Server) clinicVersion(ctx context.Context, id string) func() (int64, error) {
	return func() (int64, error) {
		cl, err := s.clinics.Clinic(ctx, id)
		if err != nil {
			return 0, err
		}
		return cl.Version, nil
	}
}

func writeClinic(c *gin.Context, status int, cl *models.Clinic) {
	presentClinic(cl)
	setETag(c, cl.Version)
	writeJSON(c, status, cl)
}

func presentClinic(cl *models.Clinic) {
	cl.ContactEmails = nonNil(cl.ContactEmails)
}
