package handlers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// VisitStore reads published visits and records their outcomes.
type VisitStore interface {
	Visits(ctx context.Context, f models.VisitFilter) ([]models.Visit, error)
	Visit(ctx context.Context, id string) (*models.Visit, error)
	UpdateVisit(ctx context.Context, v *models.Visit) error
}

// visitStatuses are the statuses a visit filter accepts.
var visitStatuses = []models.VisitStatus{models.VisitScheduled, models.VisitDone, models.VisitCancelled}

// listVisits answers published visits a page at a time, ordered by id like
// every list: a coordinator's choice, a trainer's own, a clinic's own.
func (s *Server) listVisits(c *gin.Context) error {
	q := c.Request.URL.Query()
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
		return err
	}
	out := list[models.Visit]{Items: nonNil(items)}
	if len(items) > 0 {
		out.Next = nextCursor(len(items), page, items[len(items)-1].ID)
	}
	writeJSON(c, http.StatusOK, out)
	return nil
}

// loadVisit reads the :id visit for a caller who may see it: a
// coordinator, the trainer assigned to it, the clinic it is for. Anyone
// else gets 404, as if it did not exist.
func (s *Server) loadVisit(c *gin.Context) (*models.Visit, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	v, err := s.visits.Visit(c, id)
	if err != nil {
		return nil, fmt.Errorf("load visit %s: %w", id, err)
	}
	if !caller(c).mayRead(v) {
		return nil, fmt.Errorf("load visit %s: %w", id, models.ErrNotFound)
	}
	return v, nil
}

// mayRead reports whether p may see visit v: a coordinator, the trainer
// assigned to it, the clinic it is for. The API and the pages both ask it.
func (p *principal) mayRead(v *models.Visit) bool {
	return p.is(models.RoleCoordinator) ||
		p.is(models.RoleTrainer) && p.user.TrainerID == v.TrainerID ||
		p.is(models.RoleClinic) && p.user.ClinicID == v.ClinicID
}

// getVisit answers one visit to whoever may see it.
func (s *Server) getVisit(c *gin.Context) error {
	v, err := s.loadVisit(c)
	if err != nil {
		return err
	}
	setETag(c, v.Version)
	writeJSON(c, http.StatusOK, v)
	return nil
}

// CompleteParams is the body of POST /visits/{id}/complete.
type CompleteParams struct {
	Outcome             string `json:"outcome"`
	Note                string `json:"note"`
	ParticipantsTrained *int   `json:"participants_trained"`
}

// maxOutcomeNote bounds an outcome note so that it always fits into the
// request's comment (at most 4000 characters) it is added to.
const maxOutcomeNote = 2000

func (p *CompleteParams) validate() error {
	v := &models.ValidationError{}
	switch p.Outcome {
	case models.OutcomeDone:
	case models.OutcomeNotDone:
		if strings.TrimSpace(p.Note) == "" {
			v.Add("note", "say why the visit did not take place; the note goes back to the request")
		}
	default:
		v.Add("outcome", "must be done or not_done")
	}
	if utf8.RuneCountInString(p.Note) > maxOutcomeNote {
		v.Add("note", "must be at most %d characters", maxOutcomeNote)
	}
	if n := p.ParticipantsTrained; n != nil && (*n < 0 || *n > 1000) {
		v.Add("participants_trained", "must be between 0 and 1000")
	}
	return v.Err()
}

// completeVisit records a visit's outcome, by its trainer or a coordinator,
// from its start on. The visit becomes done, and so does its request; a
// visit not done reopens its request as new with the note, to be planned
// again. A completed visit is history: no plan or publication touches it.
//
// The request is written first: should the visit's write fail after it,
// completing again finds the request moved already and finishes the visit.
func (s *Server) completeVisit(c *gin.Context) error {
	v, err := s.loadVisit(c)
	if err != nil {
		return err
	}
	var p CompleteParams
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	next, err := s.recordOutcome(c, v, p)
	if err != nil {
		return err
	}
	setETag(c, next.Version)
	writeJSON(c, http.StatusOK, next)
	return nil
}

// recordOutcome completes visit v with the outcome p (see completeVisit):
// the one rule for when and how a visit is completed, shared by the API
// and the visit page.
func (s *Server) recordOutcome(c *gin.Context, v *models.Visit, p CompleteParams) (*models.Visit, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	now := s.now()
	switch {
	case v.Status != models.VisitScheduled:
		return nil, &models.ConflictError{Message: fmt.Sprintf("the visit is %s; only a scheduled visit can be completed", v.Status)}
	case now.Before(v.Start):
		return nil, &models.ConflictError{Message: fmt.Sprintf("the visit starts at %s; it can be completed from then on",
			v.Start.In(s.loc).Format("2006-01-02 15:04"))}
	}
	req, err := s.requests.Request(c, v.RequestID)
	if err != nil {
		return nil, fmt.Errorf("load request %s of visit %s: %w", v.RequestID, v.ID, err)
	}
	if err := s.closeRequest(c, req, p, now); err != nil {
		return nil, err
	}
	next := *v
	next.Status = models.VisitDone
	next.Outcome = &models.VisitOutcome{Result: p.Outcome, Note: strings.TrimSpace(p.Note), By: caller(c).user.ID, At: now.UTC()}
	if p.ParticipantsTrained != nil {
		next.Outcome.ParticipantsTrained = *p.ParticipantsTrained
	}
	if err := s.visits.UpdateVisit(c, &next); err != nil {
		return nil, fmt.Errorf("complete visit %s: %w", v.ID, err)
	}
	return &next, nil
}

// closeRequest moves the request of a completed visit: to done, or back to
// new with the note for a visit not done. A request already there is left.
func (s *Server) closeRequest(ctx context.Context, req *models.Request, p CompleteParams, now time.Time) error {
	if p.Outcome == models.OutcomeNotDone {
		if req.Status == models.StatusNew || !models.CanTransition(req.Status, models.StatusNew) {
			return nil
		}
		next := *req
		next.Status = models.StatusNew
		note := fmt.Sprintf("Not done (%s): %s", now.In(s.loc).Format("2006-01-02"), strings.TrimSpace(p.Note))
		next.Comment = strings.TrimSpace(strings.TrimSpace(req.Comment) + "\n" + note)
		if utf8.RuneCountInString(next.Comment) > 4000 {
			next.Comment = note // the newest word matters most
		}
		if err := s.requests.UpdateRequest(ctx, &next); err != nil {
			return fmt.Errorf("reopen request %s: %w", req.ID, err)
		}
		return nil
	}
	cur := req
	for _, to := range []models.Status{models.StatusConfirmed, models.StatusDone} {
		if cur.Status == models.StatusDone {
			return nil
		}
		if cur.Status == to || !models.CanTransition(cur.Status, to) {
			continue
		}
		next, err := s.requests.SetRequestStatus(ctx, cur.ID, cur.Version, to)
		if err != nil {
			return fmt.Errorf("close request %s: %w", req.ID, err)
		}
		cur = next
	}
	if cur.Status != models.StatusDone {
		return &models.ConflictError{Message: fmt.Sprintf("the visit's request is %s and cannot become done", cur.Status)}
	}
	return nil
}
