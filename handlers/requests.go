package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
)

// requestWindowDays is how long a request stays plannable when it names no
// due date: two weeks from its earliest date, the horizon of the planner.
const requestWindowDays = 13

// RequestParams is the body of POST /requests and PUT /requests/{id}: the
// fields a clinic or coordinator enters. The status is not among them (it
// moves through POST /requests/{id}/status); Version (or If-Match) names
// the version an update replaces.
type RequestParams struct {
	ClinicID         string          `json:"clinic_id"`
	Kind             models.Kind     `json:"kind"`
	Topic            string          `json:"topic"`
	Skills           []string        `json:"skills"`
	DurationMinutes  *int            `json:"duration_minutes"`
	PreferredWindows models.Week     `json:"preferred_windows"`
	EarliestDate     models.Date     `json:"earliest_date"`
	DueDate          models.Date     `json:"due_date"`
	Priority         models.Priority `json:"priority"`
	Participants     int             `json:"participants"`
	Comment          string          `json:"comment"`
	Pin              *models.Pin     `json:"pin"`
	Version          *int64          `json:"version"`
}

// apply copies the params onto r, filling defaults: the duration of the
// kind, normal priority, today as the earliest date and two weeks after it
// as the due date.
func (p *RequestParams) apply(r *models.Request, today models.Date) {
	r.ClinicID, r.Kind, r.Topic = p.ClinicID, p.Kind, p.Topic
	r.Skills = nonNil(p.Skills)
	r.DurationMinutes = valueOr(p.DurationMinutes, models.DefaultDuration(p.Kind))
	r.PreferredWindows = p.PreferredWindows
	r.EarliestDate, r.DueDate = p.EarliestDate, p.DueDate
	if r.EarliestDate == "" {
		r.EarliestDate = today
	}
	if r.DueDate == "" && r.EarliestDate.Valid() {
		r.DueDate = r.EarliestDate.AddDays(requestWindowDays)
	}
	r.Priority = p.Priority
	if r.Priority == "" {
		r.Priority = models.PriorityNormal
	}
	r.Participants, r.Comment, r.Pin = p.Participants, p.Comment, p.Pin
}

// today is the current civil date in the service's time zone.
func (s *Server) today() models.Date { return models.DateOf(s.now(), s.loc) }

// checkRequestRefs checks that the clinic and a pinned trainer exist.
func (s *Server) checkRequestRefs(c *gin.Context, r *models.Request) error {
	v := &models.ValidationError{}
	if _, err := s.clinics.Clinic(c, r.ClinicID); errors.Is(err, models.ErrNotFound) {
		v.Add("clinic_id", "no clinic has id %s", r.ClinicID)
	} else if err != nil {
		return fmt.Errorf("check clinic %s: %w", r.ClinicID, err)
	}
	if r.Pin != nil && r.Pin.TrainerID != "" {
		if _, err := s.trainers.Trainer(c, r.Pin.TrainerID); errors.Is(err, models.ErrNotFound) {
			v.Add("pin.trainer_id", "no trainer has id %s", r.Pin.TrainerID)
		} else if err != nil {
			return fmt.Errorf("check trainer %s: %w", r.Pin.TrainerID, err)
		}
	}
	return v.Err()
}

// requestFilter reads the list filters from the query.
func (s *Server) requestFilter(c *gin.Context) (models.RequestFilter, models.Page, error) {
	q := c.Request.URL.Query()
	var f models.RequestFilter
	page, err := pageParams(q)
	if err != nil {
		return f, page, err
	}
	for _, v := range q["status"] {
		for st := range strings.SplitSeq(v, ",") {
			if !slices.Contains(models.Statuses, models.Status(st)) {
				return f, page, badRequest("status", fmt.Sprintf("unknown status %q", st))
			}
			if !slices.Contains(f.Statuses, models.Status(st)) {
				f.Statuses = append(f.Statuses, models.Status(st))
			}
		}
	}
	if id := q.Get("clinic_id"); id != "" {
		if !models.ValidID(id) {
			return f, page, badRequest("clinic_id", "clinic_id must be an id")
		}
		f.ClinicID = id
	}
	if w := q.Get("week"); w != "" {
		d := models.Date(w)
		if !d.StartsWeek() {
			return f, page, badRequest("week", "week must be the date of a Monday, YYYY-MM-DD")
		}
		f.From, f.To = d, d.AddDays(6)
	}
	if pr := models.Priority(q.Get("priority")); pr != "" {
		if !slices.Contains(models.Priorities, pr) {
			return f, page, badRequest("priority", fmt.Sprintf("unknown priority %q", pr))
		}
		f.Priority = pr
	}
	if k := models.Kind(q.Get("kind")); k != "" {
		if !slices.Contains(models.Kinds, k) {
			return f, page, badRequest("kind", fmt.Sprintf("unknown kind %q", k))
		}
		f.Kind = k
	}
	switch p := caller(c); {
	case p.is(models.RoleClinic):
		if f.ClinicID != "" && f.ClinicID != p.user.ClinicID {
			return f, page, forbidden("a clinic lists only its own requests")
		}
		f.ClinicID = p.user.ClinicID
	case p.is(models.RoleTrainer):
		ids, err := s.trainerRequestIDs(c, p.user.TrainerID)
		if err != nil {
			return f, page, err
		}
		f.IDs = ids
	}
	return f, page, nil
}

// TrainerWorkStore lists the requests a trainer's work touches: those of
// the trainer's visits and of the stops offered to them in the newest plan
// of each of weeks, sorted.
type TrainerWorkStore interface {
	TrainerRequestIDs(ctx context.Context, trainerID string, weeks []models.Date) ([]string, error)
}

// offeredWeeks is how many weeks, the current one first, a trainer sees the
// requests of the stops offered to them in each week's latest plan.
const offeredWeeks = 5

// trainerRequestIDs lists the requests a trainer may see: those of their
// visits and of the stops offered to them in the latest plan of this week
// and the next ones (offeredWeeks). Other requests, with their clinics'
// comments, are none of their business.
func (s *Server) trainerRequestIDs(ctx context.Context, trainerID string) ([]string, error) {
	monday := s.today().Monday()
	weeks := make([]models.Date, offeredWeeks)
	for i := range weeks {
		weeks[i] = monday.AddDays(7 * i)
	}
	return s.trainerWork.TrainerRequestIDs(ctx, trainerID, weeks)
}

// listRequests answers requests by id (creation order), filtered.
func (s *Server) listRequests(c *gin.Context) error {
	f, page, err := s.requestFilter(c)
	if err != nil {
		return err
	}
	items, err := s.requests.Requests(c, f, page)
	if err != nil {
		return err
	}
	out := pageOf(items, page, func(r models.Request) string { return r.ID })
	for i := range out.Items {
		presentRequest(&out.Items[i])
	}
	writeJSON(c, http.StatusOK, out)
	return nil
}

// createRequest files a new request (fileRequest, shared with the
// clinic's request form).
func (s *Server) createRequest(c *gin.Context) error {
	var p RequestParams
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	r, err := s.fileRequest(c, p)
	if err != nil {
		return err
	}
	c.Header("Location", c.Request.URL.Path+"/"+r.ID)
	writeRequest(c, http.StatusCreated, r)
	return nil
}

// fileRequest validates and stores a new request for the caller. A clinic
// files for itself: its own clinic is the default and the only clinic it
// may name, and it cannot pin.
func (s *Server) fileRequest(c *gin.Context, p RequestParams) (*models.Request, error) {
	who := caller(c)
	if who.is(models.RoleClinic) {
		if p.ClinicID == "" {
			p.ClinicID = who.user.ClinicID
		}
		if p.ClinicID != who.user.ClinicID {
			return nil, forbidden("a clinic files requests only for itself")
		}
		if p.Pin != nil {
			return nil, forbidden("only coordinators pin requests")
		}
	}
	now := s.now().UTC()
	r := &models.Request{Status: models.StatusNew, CreatedBy: who.user.ID, Version: 1, CreatedAt: now, UpdatedAt: now}
	p.apply(r, s.today())
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkRequestRefs(c, r); err != nil {
		return nil, err
	}
	if err := s.requests.CreateRequest(c, r); err != nil {
		return nil, fmt.Errorf("create request: %w", err)
	}
	if s.mail != nil {
		if info := s.requestInfo(c, r); len(info.Clinic.Emails) > 0 {
			s.enqueue(c, "request received "+r.ID, func(m PeopleComposer) (notify.Message, error) { return m.RequestReceived(info) })
		}
	}
	noteAudit(c, "request.create", "request", r.ID, fmt.Sprintf("filed: %s, %s, %s–%s, priority %s", r.Kind, r.Topic, r.EarliestDate, r.DueDate, r.Priority))
	return r, nil
}

// loadRequest loads the request named in the path. Another clinic's request
// answers 404 like a missing one, so a clinic cannot probe which ids exist.
func (s *Server) loadRequest(c *gin.Context) (*models.Request, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	r, err := s.requests.Request(c, id)
	if err != nil {
		return nil, err
	}
	switch p := caller(c); {
	case p.is(models.RoleClinic) && r.ClinicID != p.user.ClinicID:
		return nil, fmt.Errorf("request %s of another clinic: %w", id, models.ErrNotFound)
	case p.is(models.RoleTrainer):
		ids, err := s.trainerRequestIDs(c, p.user.TrainerID)
		if err != nil {
			return nil, err
		}
		if _, found := slices.BinarySearch(ids, r.ID); !found {
			return nil, fmt.Errorf("request %s is not on trainer %s's visits or plan: %w", id, p.user.TrainerID, models.ErrNotFound)
		}
	}
	return r, nil
}

// getRequest answers one request.
func (s *Server) getRequest(c *gin.Context) error {
	r, err := s.loadRequest(c)
	if err != nil {
		return err
	}
	writeRequest(c, http.StatusOK, r)
	return nil
}

// updateRequest replaces the fields of an open request; an omitted
// clinic_id keeps the clinic. A clinic keeps its request on its own clinic
// and cannot change the pin.
func (s *Server) updateRequest(c *gin.Context) error {
	r, err := s.loadRequest(c)
	if err != nil {
		return err
	}
	var p RequestParams
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	version, err := expectedVersion(c, p.Version, versionOf(r.Version))
	if err != nil {
		return err
	}
	if !r.Status.Open() {
		return &models.ConflictError{Message: fmt.Sprintf("a %s request cannot be edited", r.Status)}
	}
	if p.ClinicID == "" {
		p.ClinicID = r.ClinicID
	}
	if who := caller(c); who.is(models.RoleClinic) {
		if p.ClinicID != r.ClinicID {
			return forbidden("a clinic cannot move a request to another clinic")
		}
		if p.Pin != nil && !reflect.DeepEqual(p.Pin, r.Pin) {
			return forbidden("only coordinators pin requests")
		}
		p.Pin = r.Pin
		// A booked visit is a commitment: a clinic asks for a change
		// instead of rewriting the request under it.
		if fields := clinicReplan(r, &p, s.today()); len(fields) > 0 {
			visit, err := s.booked(c, r.ID)
			if err != nil {
				return err
			}
			if visit != nil {
				return &models.ConflictError{Message: fmt.Sprintf("the request has a booked visit on %s; to change %s, file a change request: POST /api/v1/requests/%s/change-requests",
					visit.Date, strings.Join(fields, ", "), r.ID)}
			}
		}
	}
	before := *r
	p.apply(r, s.today())
	r.Version, r.UpdatedAt = version, s.now().UTC()
	if err := r.Validate(); err != nil {
		return err
	}
	if err := s.checkRequestRefs(c, r); err != nil {
		return err
	}
	if err := s.requests.UpdateRequest(c, r); err != nil {
		return err
	}
	noteAudit(c, "request.update", "request", r.ID, changeSummary(&before, r))
	writeRequest(c, http.StatusOK, r)
	return nil
}

// StatusParams is the body of POST /requests/{id}/status.
type StatusParams struct {
	Status  models.Status `json:"status"`
	Version *int64        `json:"version"`
}

// setRequestStatus moves a request through its lifecycle; the store refuses
// illegal transitions (409). A clinic may only cancel its own request.
func (s *Server) setRequestStatus(c *gin.Context) error {
	r, err := s.loadRequest(c)
	if err != nil {
		return err
	}
	var p StatusParams
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	if !slices.Contains(models.Statuses, p.Status) {
		v := &models.ValidationError{}
		v.Add("status", "must be one of %s", joinNames(models.Statuses))
		return v
	}
	version, err := expectedVersion(c, p.Version, versionOf(r.Version))
	if err != nil {
		return err
	}
	updated, err := s.moveRequest(c, r, version, p.Status)
	if err != nil {
		return err
	}
	writeRequest(c, http.StatusOK, updated)
	return nil
}

// moveRequest moves request r (at version) to status next; the store refuses
// illegal transitions (409). A clinic may only cancel; a cancelled
// request's published visit is cancelled and its people told. Shared by
// the API and the clinic's request page.
func (s *Server) moveRequest(c *gin.Context, r *models.Request, version int64, next models.Status) (*models.Request, error) {
	if caller(c).is(models.RoleClinic) && next != models.StatusCancelled {
		return nil, forbidden("a clinic may only cancel its requests")
	}
	updated, err := s.requests.SetRequestStatus(c, r.ID, version, next)
	if err != nil {
		return nil, fmt.Errorf("set status of request %s: %w", r.ID, err)
	}
	noteAudit(c, "request.status", "request", r.ID, fmt.Sprintf("status: %s → %s", r.Status, updated.Status))
	if updated.Status == models.StatusCancelled && caller(c).is(models.RoleClinic) {
		if to, lang := s.coordinators(c); len(to) > 0 {
			info := s.requestInfo(c, updated)
			s.enqueue(c, "cancellation of request "+r.ID, func(m PeopleComposer) (notify.Message, error) {
				return m.CoordinatorCancellation(to, lang, info)
			})
		}
	}
	if updated.Status == models.StatusCancelled && s.publisher != nil {
		// The request is cancelled either way; should telling people fail
		// now, the next publication of the week cancels the visit and
		// sends the same mails.
		if _, err := s.publisher.CancelVisit(context.WithoutCancel(c), r.ID); err != nil {
			s.log.Warn("cancelling the visit of a cancelled request failed; the next publication will", "request", r.ID, "error", err)
		}
	}
	return updated, nil
}

// joinNames lists the values of an enumeration for a message, in their
// declared order, so the message follows the model when a value is added.
func joinNames[T ~string](values []T) string {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}

func writeRequest(c *gin.Context, status int, r *models.Request) {
	presentRequest(r)
	setETag(c, r.Version)
	writeJSON(c, status, r)
}

func presentRequest(r *models.Request) {
	r.Skills = nonNil(r.Skills)
}
