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

// ChangeRequestStore keeps clinics' change requests.
type ChangeRequestStore interface {
	CreateChangeRequest(ctx context.Context, cr *models.ChangeRequest) error
	ChangeRequest(ctx context.Context, id string) (*models.ChangeRequest, error)
	ChangeRequests(ctx context.Context, f models.ChangeRequestFilter, p models.Page) ([]models.ChangeRequest, error)
	DecideChangeRequest(ctx context.Context, cr *models.ChangeRequest) error
	SetChangeRequestDraft(ctx context.Context, id string, draft models.PlanRef) error
}

// ChangeRequestParams is the body of POST /requests/{id}/change-requests:
// the windows the clinic would like instead, and why.
type ChangeRequestParams struct {
	PreferredWindows models.Week `json:"preferred_windows"`
	Comment          string      `json:"comment"`
}

// DeclineParams is the body of .../change-requests/{cid}/decline.
type DeclineParams struct {
	Reason string `json:"reason"`
}

// booked reports whether the request has a scheduled published visit.
func (s *Server) booked(ctx context.Context, requestID string) (*models.Visit, error) {
	v, err := s.visitByID.Visit(ctx, requestID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load the visit of request %s: %w", requestID, err)
	}
	if v.Status != models.VisitScheduled {
		return nil, nil
	}
	return v, nil
}

// clinicReplan lists the fields a clinic changing a booked request would
// move the visit with; those go through a change request instead.
func clinicReplan(before *models.Request, p *RequestParams, today models.Date) []string {
	after := *before
	p.apply(&after, today)
	var fields []string
	if !reflect.DeepEqual(before.PreferredWindows, after.PreferredWindows) {
		fields = append(fields, "preferred_windows")
	}
	if before.EarliestDate != after.EarliestDate {
		fields = append(fields, "earliest_date")
	}
	if before.DueDate != after.DueDate {
		fields = append(fields, "due_date")
	}
	if before.DurationMinutes != after.DurationMinutes {
		fields = append(fields, "duration_minutes")
	}
	if before.Kind != after.Kind {
		fields = append(fields, "kind")
	}
	if !slices.Equal(before.Skills, after.Skills) {
		fields = append(fields, "skills")
	}
	return fields
}

// createChangeRequest files a clinic's ask to change a booked request. The
// visit stays booked until a coordinator decides; coordinators are
// e-mailed. A request without a booked visit is edited directly instead,
// and one pending change request per request is enough.
func (s *Server) createChangeRequest(c *gin.Context) error {
	r, err := s.loadRequest(c)
	if err != nil {
		return err
	}
	var p ChangeRequestParams
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	cr, err := s.fileChangeRequest(c, r, p)
	if err != nil {
		return err
	}
	c.Header("Location", c.Request.URL.Path+"/"+cr.ID)
	writeJSON(c, http.StatusCreated, cr)
	return nil
}

// fileChangeRequest files the clinic's ask to change booked request r
// (see createChangeRequest); shared by the API and the request page.
func (s *Server) fileChangeRequest(c *gin.Context, r *models.Request, p ChangeRequestParams) (*models.ChangeRequest, error) {
	cr := &models.ChangeRequest{RequestID: r.ID, ClinicID: r.ClinicID, PreferredWindows: p.PreferredWindows,
		Comment: strings.TrimSpace(p.Comment), Status: models.ChangePending, PreviousWindows: r.PreferredWindows,
		CreatedBy: caller(c).user.ID}
	if err := cr.Validate(); err != nil {
		return nil, err
	}
	if !r.Status.Open() {
		return nil, &models.ConflictError{Message: fmt.Sprintf("a %s request cannot be changed", r.Status)}
	}
	visit, err := s.booked(c, r.ID)
	if err != nil {
		return nil, err
	}
	if visit == nil {
		return nil, &models.ConflictError{Message: "the request has no booked visit yet; change it directly with PUT /api/v1/requests/" + r.ID}
	}
	pending, err := s.changes.ChangeRequests(c, models.ChangeRequestFilter{RequestID: r.ID, Status: models.ChangePending}, models.Page{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(pending) > 0 {
		return nil, &models.ConflictError{Message: fmt.Sprintf("change request %s of this request is still pending", pending[0].ID)}
	}
	if err := s.changes.CreateChangeRequest(c, cr); err != nil {
		return nil, err
	}
	ctx := context.WithoutCancel(c)
	if to, lang := s.coordinators(ctx); len(to) > 0 {
		info := s.changeInfo(ctx, r, cr)
		s.enqueue(ctx, "change request "+cr.ID, func(m PeopleComposer) (notify.Message, error) {
			return m.CoordinatorChange(to, lang, info)
		})
	}
	noteAudit(c, "change_request.create", "change_request", cr.ID,
		fmt.Sprintf("request %s: preferred_windows %s → %s asked; visit %s %s stays booked", r.ID,
			windowsText(r.PreferredWindows), windowsText(cr.PreferredWindows), visit.Date, visit.Start.In(s.loc).Format("15:04")))
	return cr, nil
}

// windowsText is a week's windows in one short line for the audit log.
func windowsText(w models.Week) string {
	var parts []string
	for _, d := range dayWindows(w) {
		parts = append(parts, fmt.Sprintf("%s %s–%s", strings.ToLower(d.Weekday.String()[:3]), d.Start, d.End))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func (s *Server) changeInfo(ctx context.Context, r *models.Request, cr *models.ChangeRequest) notify.ChangeInfo {
	return notify.ChangeInfo{ID: cr.ID, Request: s.requestInfo(ctx, r), Windows: dayWindows(cr.PreferredWindows),
		Comment: cr.Comment, Reason: cr.DeclineReason}
}

// listRequestChanges answers a request's change requests, oldest first; a
// clinic sees only its own requests' (another's answers 404).
func (s *Server) listRequestChanges(c *gin.Context) error {
	r, err := s.loadRequest(c)
	if err != nil {
		return err
	}
	q := c.Request.URL.Query()
	if err := knownQuery(q, "limit", "after"); err != nil {
		return err
	}
	page, err := pageParams(q)
	if err != nil {
		return err
	}
	return s.writeChanges(c, models.ChangeRequestFilter{RequestID: r.ID}, page)
}

// listChangeRequests answers change requests across requests, oldest
// first, by status; a clinic sees only its own.
func (s *Server) listChangeRequests(c *gin.Context) error {
	q := c.Request.URL.Query()
	if err := knownQuery(q, "status", "limit", "after"); err != nil {
		return err
	}
	page, err := pageParams(q)
	if err != nil {
		return err
	}
	var f models.ChangeRequestFilter
	if st := q.Get("status"); st != "" {
		if len(q["status"]) > 1 || !slices.Contains(models.ChangeStatuses, models.ChangeStatus(st)) {
			return badRequest("status", "status must be one of pending, accepted, declined")
		}
		f.Status = models.ChangeStatus(st)
	}
	if p := caller(c); p.is(models.RoleClinic) {
		f.ClinicID = p.user.ClinicID
	}
	return s.writeChanges(c, f, page)
}

func (s *Server) writeChanges(c *gin.Context, f models.ChangeRequestFilter, page models.Page) error {
	items, err := s.changes.ChangeRequests(c, f, page)
	if err != nil {
		return err
	}
	out := list[models.ChangeRequest]{Items: nonNil(items)}
	if len(items) > 0 {
		out.Next = nextCursor(len(items), page, items[len(items)-1].ID)
	}
	writeJSON(c, http.StatusOK, out)
	return nil
}

// loadChange loads the request and the pending change request of a decide
// route; a change request of another request answers 404.
func (s *Server) loadChange(c *gin.Context) (*models.Request, *models.ChangeRequest, error) {
	r, err := s.loadRequest(c)
	if err != nil {
		return nil, nil, err
	}
	cid := c.Param("change")
	if !models.ValidID(cid) {
		return nil, nil, badRequest("change", "the change request id in the path must be 24 hexadecimal digits")
	}
	cr, err := s.changes.ChangeRequest(c, cid)
	if err != nil {
		return nil, nil, err
	}
	if cr.RequestID != r.ID {
		return nil, nil, fmt.Errorf("change request %s of another request: %w", cid, models.ErrNotFound)
	}
	if cr.Status != models.ChangePending {
		return nil, nil, &models.ConflictError{Message: fmt.Sprintf("the change request is %s already", cr.Status)}
	}
	return r, cr, nil
}

// acceptChangeRequest applies the clinic's new wishes to the request and
// makes a repair draft of the visit's week at once, in which the request is
// re-placed; the clinic hears of the new slot when it is published.
func (s *Server) acceptChangeRequest(c *gin.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	cr, err := s.acceptChange(c)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, cr)
	return nil
}

// acceptChange accepts the change request named by the path (:id, :change)
// for the API and the board alike.
func (s *Server) acceptChange(c *gin.Context) (*models.ChangeRequest, error) {
	r, cr, err := s.loadChange(c)
	if err != nil {
		return nil, err
	}
	if !r.Status.Open() {
		return nil, &models.ConflictError{Message: fmt.Sprintf("the request is %s; decline the change request instead", r.Status)}
	}
	before := *r
	if !cr.PreferredWindows.IsEmpty() {
		r.PreferredWindows = cr.PreferredWindows
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	// The request first: its version guard settles a race between two
	// coordinators, and a change request is only marked accepted once
	// its wishes are in.
	if err := s.requests.UpdateRequest(c, r); err != nil {
		return nil, fmt.Errorf("apply change request %s to request %s: %w", cr.ID, r.ID, err)
	}
	now := s.now().UTC()
	cr.Status, cr.DecidedBy, cr.DecidedAt = models.ChangeAccepted, caller(c).user.ID, &now
	if err := s.changes.DecideChangeRequest(c, cr); err != nil {
		return nil, err
	}
	ctx := context.WithoutCancel(c)
	weeks := []models.Date{}
	if v, err := s.booked(ctx, r.ID); err == nil && v != nil {
		weeks = append(weeks, v.Week)
	}
	if drafts := s.repairWeeks(ctx, weeks, "change-request:"+cr.ID); len(drafts) > 0 {
		cr.Draft = &drafts[0]
		if err := s.changes.SetChangeRequestDraft(ctx, cr.ID, drafts[0]); err != nil {
			return nil, err
		}
	}
	summary := fmt.Sprintf("accepted for request %s: %s", r.ID, changeSummary(&before, r))
	if cr.Draft != nil {
		summary += fmt.Sprintf("; repair draft %s v%d", cr.Draft.Week, cr.Draft.Version)
	}
	noteAudit(c, "change_request.accept", "change_request", cr.ID, summary)
	return cr, nil
}

// declineChangeRequest refuses a change request with a reason, which the
// clinic is e-mailed; the booked visit stays.
func (s *Server) declineChangeRequest(c *gin.Context) error {
	var p DeclineParams
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	cr, err := s.declineChange(c, p.Reason)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, cr)
	return nil
}

// declineChange declines the change request named by the path (:id,
// :change) with reason, for the API and the board alike.
func (s *Server) declineChange(c *gin.Context, reason string) (*models.ChangeRequest, error) {
	reason = strings.TrimSpace(reason)
	v := &models.ValidationError{}
	if reason == "" {
		v.Add("reason", "is required: the clinic is told why")
	} else if len(reason) > 1000 {
		v.Add("reason", "must be at most 1000 characters")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	r, cr, err := s.loadChange(c)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	cr.Status, cr.DeclineReason, cr.DecidedBy, cr.DecidedAt = models.ChangeDeclined, reason, caller(c).user.ID, &now
	if err := s.changes.DecideChangeRequest(c, cr); err != nil {
		return nil, err
	}
	ctx := context.WithoutCancel(c)
	info := s.changeInfo(ctx, r, cr)
	s.enqueue(ctx, "declined change request "+cr.ID, func(m PeopleComposer) (notify.Message, error) {
		return m.ChangeDeclined(info)
	})
	noteAudit(c, "change_request.decline", "change_request", cr.ID, fmt.Sprintf("pending → declined for request %s: %s", r.ID, reason))
	return cr, nil
}
