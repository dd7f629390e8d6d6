package handlers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// VisitStore reads published visits.
type VisitStore interface {
	Visits(ctx context.Context, f models.VisitFilter) ([]models.Visit, error)
}

// visitStatuses are the statuses a visit filter accepts.
var visitStatuses = []models.VisitStatus{models.VisitScheduled, models.VisitDone, models.VisitCancelled}

// listVisits answers published visits ordered by start: a coordinator's
// choice, a trainer's own, a clinic's own.
func (s *Server) listVisits(c *gin.Context) error {
	q := c.Request.URL.Query()
	var f models.VisitFilter
	if w := q.Get("week"); w != "" {
		d := models.Date(w)
		if !d.StartsWeek() {
			return badRequest("week", "week must be the date of a Monday, YYYY-MM-DD")
		}
		f.Week = d
	}
	for _, field := range []struct {
		name string
		dst  *string
	}{{"trainer_id", &f.TrainerID}, {"clinic_id", &f.ClinicID}} {
		if id := q.Get(field.name); id != "" {
			if !models.ValidID(id) {
				return badRequest(field.name, field.name+" must be an id")
			}
			*field.dst = id
		}
	}
	for _, v := range q["status"] {
		for st := range strings.SplitSeq(v, ",") {
			if !slices.Contains(visitStatuses, models.VisitStatus(st)) {
				return badRequest("status", fmt.Sprintf("unknown visit status %q", st))
			}
			f.Statuses = append(f.Statuses, models.VisitStatus(st))
		}
	}
	switch who := caller(c); {
	case who.is(models.RoleTrainer):
		if f.TrainerID != "" && f.TrainerID != who.user.TrainerID {
			return forbidden("a trainer lists only their own visits")
		}
		f.TrainerID = who.user.TrainerID
	case who.is(models.RoleClinic):
		if f.ClinicID != "" && f.ClinicID != who.user.ClinicID {
			return forbidden("a clinic lists only its own visits")
		}
		f.ClinicID = who.user.ClinicID
	}
	items, err := s.visits.Visits(c, f)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, list[models.Visit]{Items: nonNil(items)})
	return nil
}
