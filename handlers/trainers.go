package handlers

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// Trainer defaults for fields a create or update leaves out.
const (
	defaultMaxVisitsPerDay = 4
	defaultMaxWorkMinutes  = 8 * 60
	defaultTravelMode      = models.TravelTransit
	defaultLang            = "ru"
)

// TrainerParams is the body of POST /trainers and PUT /trainers/{id}: a
// whole profile. Optional fields get defaults; Version (or If-Match) names
// the version an update replaces.
type TrainerParams struct {
	Name            string              `json:"name"`
	Email           string              `json:"email"`
	Phone           string              `json:"phone"`
	Skills          []string            `json:"skills"`
	StartPlace      models.Place        `json:"start_place"`
	EndPlace        *models.Place       `json:"end_place"`
	MaxVisitsPerDay *int                `json:"max_visits_per_day"`
	MaxWorkMinutes  *int                `json:"max_work_minutes"`
	TravelMode      models.TravelMode   `json:"travel_mode"`
	Lang            string              `json:"lang"`
	Availability    models.Availability `json:"availability"`
	Version         *int64              `json:"version"`
}

// apply copies the params onto t, filling defaults.
func (p *TrainerParams) apply(t *models.Trainer) {
	t.Name, t.Email, t.Phone = p.Name, p.Email, p.Phone
	t.Skills = nonNil(p.Skills)
	t.StartPlace = p.StartPlace
	t.EndPlace = p.StartPlace
	if p.EndPlace != nil {
		t.EndPlace = *p.EndPlace
	}
	t.MaxVisitsDay = valueOr(p.MaxVisitsPerDay, defaultMaxVisitsPerDay)
	t.MaxWorkMinutes = valueOr(p.MaxWorkMinutes, defaultMaxWorkMinutes)
	t.TravelMode = p.TravelMode
	if t.TravelMode == "" {
		t.TravelMode = defaultTravelMode
	}
	t.Lang = p.Lang
	if t.Lang == "" {
		t.Lang = defaultLang
	}
	t.Availability = p.Availability
}

// listTrainers answers trainers by id, optionally with a skill.
func (s *Server) listTrainers(c *gin.Context) error {
	q := c.Request.URL.Query()
	page, err := pageParams(q)
	if err != nil {
		return err
	}
	items, err := s.trainers.Trainers(c, models.TrainerFilter{Skill: q.Get("skill")}, page)
	if err != nil {
		return err
	}
	out := pageOf(items, page, func(t models.Trainer) string { return t.ID })
	for i := range out.Items {
		presentTrainer(&out.Items[i])
	}
	writeJSON(c, http.StatusOK, out)
	return nil
}

// createTrainer adds a trainer.
func (s *Server) createTrainer(c *gin.Context) error {
	var p TrainerParams
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	now := s.now().UTC()
	t := &models.Trainer{CreatedAt: now, UpdatedAt: now, Version: 1}
	p.apply(t)
	if err := t.Validate(); err != nil {
		return err
	}
	if err := s.trainers.CreateTrainer(c, t); err != nil {
		return err
	}
	c.Header("Location", c.Request.URL.Path+"/"+t.ID)
	writeTrainer(c, http.StatusCreated, t)
	return nil
}

// loadTrainer loads the trainer named in the path that the caller may see:
// coordinators see every trainer, a trainer only themselves.
func (s *Server) loadTrainer(c *gin.Context) (*models.Trainer, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	if p := caller(c); p.is(models.RoleTrainer) && p.user.TrainerID != id {
		return nil, forbidden("a trainer sees only their own profile")
	}
	t, err := s.trainers.Trainer(c, id)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// getTrainer answers one trainer.
func (s *Server) getTrainer(c *gin.Context) error {
	t, err := s.loadTrainer(c)
	if err != nil {
		return err
	}
	writeTrainer(c, http.StatusOK, t)
	return nil
}

// updateTrainer replaces a trainer's profile.
func (s *Server) updateTrainer(c *gin.Context) error {
	t, err := s.loadTrainer(c)
	if err != nil {
		return err
	}
	var p TrainerParams
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	version, err := expectedVersion(c, p.Version, versionOf(t.Version))
	if err != nil {
		return err
	}
	before := *t
	p.apply(t)
	t.Version, t.UpdatedAt = version, s.now().UTC()
	if err := t.Validate(); err != nil {
		return err
	}
	if err := s.trainers.UpdateTrainer(c, t); err != nil {
		return err
	}
	noteAudit(c, "trainer.update", "trainer", t.ID, changeSummary(&before, t))
	writeTrainer(c, http.StatusOK, t)
	return nil
}

// deleteTrainer removes a trainer at the version named by If-Match, unless
// something still refers to it (409; see trainerReferences).
func (s *Server) deleteTrainer(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := expectedVersion(c, nil, s.trainerVersion(c, id))
	if err != nil {
		return err
	}
	if err := s.trainerReferences(c, id); err != nil {
		return err
	}
	if err := s.trainers.DeleteTrainer(c, id, version); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// trainerVersion reports the current version of trainer id, for a 428.
func (s *Server) trainerVersion(ctx context.Context, id string) func() (int64, error) {
	return func() (int64, error) {
		t, err := s.trainers.Trainer(ctx, id)
		if err != nil {
			return 0, err
		}
		return t.Version, nil
	}
}

func writeTrainer(c *gin.Context, status int, t *models.Trainer) {
	presentTrainer(t)
	setETag(c, t.Version)
	writeJSON(c, status, t)
}

// presentTrainer gives nil lists their JSON form [] (documents written by
// older code or by hand may hold null).
func presentTrainer(t *models.Trainer) {
	t.Skills = nonNil(t.Skills)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func valueOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
