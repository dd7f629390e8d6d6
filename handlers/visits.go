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

// listVisits answers published visits a page at a time, ordered by id like
// every list: a coordinator's choice, a trainer's own, a clinic's own.
func (s *Server) listVisits(c *gin.Context) error {
	q := c.Request.URL.Query()
	if err := knownQuery(q, "week", "trainer_id", "clinic_id", "status", "limit", "after"); err != nil {
		return err
	}
	page, err := pageParams(q)
	if err != nil {
		return err
	}
	f := models.VisitFilter{Page: &page}
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
		return fmt.Errorf("list visits: %w", err)
	}
	out := list[models.Visit]{Items: nonNil(items)}
	if len(items) > 0 {
		out.Next = nextCursor(len(items), page, items[len(items)-1].ID)
	}
	writeJSON(c, http.StatusOK, out)
	return nil
}
