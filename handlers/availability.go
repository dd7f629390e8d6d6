package handlers

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// AvailabilityParams is the body of PUT /trainers/{id}/availability: the
// whole availability, replacing the old one. Version (or If-Match) names the
// trainer version it replaces. Weekly is required: a body that forgot it
// must not wipe the trainer's week ({} is an empty week on purpose).
type AvailabilityParams struct {
	Weekly    *models.Week          `json:"weekly"`
	Overrides []models.DateOverride `json:"overrides"`
	Lunch     *models.Lunch         `json:"lunch"`
	Version   *int64                `json:"version"`
}

// availability maps the params to the model; a missing weekly is a 400.
func (p *AvailabilityParams) availability() (models.Availability, error) {
	if p.Weekly == nil {
		return models.Availability{}, badRequest("weekly", `weekly is required: the working hours of each weekday ({} for none)`)
	}
	return models.Availability{Weekly: *p.Weekly, Overrides: p.Overrides, Lunch: p.Lunch}, nil
}

// decodeAvailability is the decode and validation path of an availability
// body, shared by the handler and the fuzz test.
func decodeAvailability(body []byte) (models.Availability, *int64, error) {
	var p AvailabilityParams
	if err := decodeBytes(body, &p); err != nil {
		return models.Availability{}, nil, err
	}
	a, err := p.availability()
	if err != nil {
		return models.Availability{}, nil, err
	}
	if err := a.Validate(); err != nil {
		return models.Availability{}, nil, err
	}
	return a, p.Version, nil
}

// availabilityView answers GET and PUT availability: the availability and
// the trainer version to send back on the next change.
type availabilityView struct {
	models.Availability
	Version int64 `json:"version"`
}

// getAvailability answers a trainer's availability.
func (s *Server) getAvailability(c *gin.Context) error {
	t, err := s.loadTrainer(c)
	if err != nil {
		return err
	}
	setETag(c, t.Version)
	writeJSON(c, http.StatusOK, availabilityView{Availability: t.Availability, Version: t.Version})
	return nil
}

// putAvailability replaces a trainer's availability; a trainer may change
// only their own.
func (s *Server) putAvailability(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if p := caller(c); p.is(models.RoleTrainer) && p.user.TrainerID != id {
		return forbidden("a trainer changes only their own availability")
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	a, bodyVersion, err := decodeAvailability(body)
	if err != nil {
		return err
	}
	version, err := expectedVersion(c, bodyVersion, s.trainerVersion(c, id))
	if err != nil {
		return err
	}
	t, err := s.replaceAvailability(c, id, version, a)
	if err != nil {
		return err
	}
	setETag(c, t.Version)
	writeJSON(c, http.StatusOK, availabilityView{Availability: t.Availability, Version: t.Version})
	return nil
}

// replaceAvailability stores a as trainer id's availability, replacing
// the version given; a trainer may change only their own. Shared by the
// API and the trainer's availability page.
func (s *Server) replaceAvailability(c *gin.Context, id string, version int64, a models.Availability) (*models.Trainer, error) {
	if p := caller(c); p.is(models.RoleTrainer) && p.user.TrainerID != id {
		return nil, forbidden("a trainer changes only their own availability")
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	before, err := s.trainers.Trainer(c, id)
	if err != nil {
		return nil, fmt.Errorf("load trainer %s: %w", id, err)
	}
	t, err := s.trainers.UpdateAvailability(c, id, version, a)
	if err != nil {
		return nil, fmt.Errorf("update availability of trainer %s: %w", id, err)
	}
	noteAudit(c, "availability.update", "trainer", id, changeSummary(before.Availability, t.Availability))
	return t, nil
}
