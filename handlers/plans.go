package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/planning"
	"github.com/fieldvisit/fieldvisit/publish"
)

// PlanStore reads plan versions.
type PlanStore interface {
	Plan(ctx context.Context, week models.Date, version int) (*models.Plan, error)
	LatestPlan(ctx context.Context, week models.Date) (*models.Plan, error)
}

// PlanRunner runs the planning job for a week now and returns the new
// draft (jobs.PlanRunner: under a lease, recorded as a job run). It is not
// a jobs.WeekPlanner, which only plans and saves.
type PlanRunner interface {
	Plan(ctx context.Context, week models.Date, trigger string) (*models.Plan, error)
}

// PlanEditor applies a coordinator's hand edit to a draft
// (planning.Planner).
type PlanEditor interface {
	ApplyEdit(ctx context.Context, week models.Date, version int, e planning.Edit, by string) (*models.Plan, error)
}

// PlanPublisher publishes a plan version (publish.Publisher).
type PlanPublisher interface {
	Publish(ctx context.Context, week models.Date, version int) (publish.Result, error)
	// Preview says what publishing a version would change and whom it
	// would mail, computed by the code publishing runs.
	Preview(ctx context.Context, week models.Date, version, against int) (*publish.ChangeSet, error)
	// CancelVisit cancels the published visit of a cancelled request and
	// tells the clinic and the trainer at once.
	CancelVisit(ctx context.Context, requestID string) (bool, error)
}

// errPlanningOff answers the planning endpoints of a server built without
// a planner or publisher (tests of unrelated endpoints, tools).
var errPlanningOff = &statusError{status: http.StatusServiceUnavailable, detail: "planning is not configured on this server"}

// weekParam reads the :week path parameter: the date of a Monday.
func weekParam(c *gin.Context) (models.Date, error) {
	d := models.Date(c.Param("week"))
	if !d.StartsWeek() {
		return "", badRequest("week", "week must be the date of a Monday, YYYY-MM-DD")
	}
	return d, nil
}

// maxPlanAheadDays is how far ahead a week may be planned or published: a
// year, which no real schedule exceeds and a mistyped year does.
const maxPlanAheadDays = 366

// weekInReach refuses planning or publishing a week that is already over
// (publishing it would e-mail bookings for days gone by) or more than a
// year ahead (a typo such as 2062 for 2026, which would leave an empty
// plan behind). The current week stays in reach: coordinators re-plan it.
func (s *Server) weekInReach(week models.Date) error {
	today := s.today()
	v := &models.ValidationError{}
	switch {
	case week.AddDays(6) < today:
		v.Add("week", "the week of %s is over (today is %s)", week, today)
	case week > today.AddDays(maxPlanAheadDays):
		v.Add("week", "the week of %s is more than a year ahead", week)
	}
	return v.Err()
}

// versionParam reads the :version path parameter.
func versionParam(c *gin.Context) (int, error) {
	n, err := strconv.Atoi(c.Param("version"))
	if err != nil || n < 1 {
		return 0, badRequest("version", "version must be a positive integer")
	}
	return n, nil
}

// RunParams is the optional body of POST /plans/{week}/run.
type RunParams struct {
	// Mode is repair (the default) or optimise.
	Mode string `json:"mode"`
	// MaxChanges caps the booked visits an optimising run may move.
	MaxChanges *int `json:"max_changes"`
}

// runParams reads the optional run body: none, {} or null is a repair.
func runParams(c *gin.Context) (planning.RunOptions, error) {
	var p RunParams
	if c.Request.Body != nil && c.Request.ContentLength != 0 {
		body, err := readAll(c)
		if err != nil {
			return planning.RunOptions{}, err
		}
		if len(bytes.TrimSpace(body)) > 0 {
			if err := jsonContentType(c); err != nil {
				return planning.RunOptions{}, err
			}
			if err := decodeBytes(body, &p); err != nil {
				return planning.RunOptions{}, err
			}
		}
	}
	o := planning.RunOptions{Mode: p.Mode, MaxChanges: p.MaxChanges}
	if o.Mode == "" {
		o.Mode = models.PlanRepair
	}
	if err := o.Validate(); err != nil {
		var v *models.ValidationError
		if errors.As(err, &v) && len(v.Fields) > 0 {
			return o, badRequest(v.Fields[0].Field, v.Fields[0].Field+" "+v.Fields[0].Message)
		}
		return o, err
	}
	return o, nil
}

// runPlan plans the week now and answers the new draft: by default a
// repair of what is booked, on request a re-optimisation.
func (s *Server) runPlan(c *gin.Context) error {
	week, err := weekParam(c)
	if err != nil {
		return err
	}
	opts, err := runParams(c)
	if err != nil {
		return err
	}
	plan, err := s.runWeek(c, week, opts, "api:"+caller(c).user.ID)
	if err != nil {
		return err
	}
	c.Header("Location", fmt.Sprintf("/api/v1/plans/%s/%d", plan.Week, plan.Version))
	writePlan(c, http.StatusCreated, plan)
	return nil
}

// runWeek plans a week for the API and the board alike: a week in reach,
// the planner with the run's options, one audit note.
func (s *Server) runWeek(c *gin.Context, week models.Date, opts planning.RunOptions, trigger string) (*models.Plan, error) {
	if err := s.weekInReach(week); err != nil {
		return nil, err
	}
	if s.planner == nil {
		return nil, errPlanningOff
	}
	plan, err := s.planner.Plan(planning.WithRunOptions(c, opts), week, trigger)
	if err != nil {
		return nil, fmt.Errorf("plan week %s: %w", week, err)
	}
	noteAudit(c, "plan.run", "plan", plan.ID, fmt.Sprintf("draft version %d: %d of %d requests scheduled, %d moved",
		plan.Version, plan.KPIs.Scheduled, plan.KPIs.Requests, plan.KPIs.Moved))
	return plan, nil
}

// getLatestPlan answers the newest version of the week's plan, whatever
// its status.
func (s *Server) getLatestPlan(c *gin.Context) error {
	week, err := weekParam(c)
	if err != nil {
		return err
	}
	plan, err := s.plans.LatestPlan(c, week)
	if err != nil {
		return err
	}
	writePlan(c, http.StatusOK, plan)
	return nil
}

// getPlan answers one version of the week's plan.
func (s *Server) getPlan(c *gin.Context) error {
	week, err := weekParam(c)
	if err != nil {
		return err
	}
	version, err := versionParam(c)
	if err != nil {
		return err
	}
	plan, err := s.plans.Plan(c, week, version)
	if err != nil {
		return err
	}
	writePlan(c, http.StatusOK, plan)
	return nil
}

// writePlan answers a plan with its explanations of unassigned requests
// put into words in the caller's language.
func writePlan(c *gin.Context, status int, plan *models.Plan) {
	plan.Localize(callerLang(c))
	writeJSON(c, status, plan)
}

// callerLang is the language of the caller's account, in which the API
// words explanations and refusals ("" reads as Russian, the default).
func callerLang(c *gin.Context) string {
	if u := caller(c).user; u != nil {
		return u.Lang
	}
	return ""
}

// publishPlan makes the version the published plan of its week and answers
// what changed. Publishing it again changes nothing.
func (s *Server) publishPlan(c *gin.Context) error {
	week, err := weekParam(c)
	if err != nil {
		return err
	}
	version, err := versionParam(c)
	if err != nil {
		return err
	}
	if err := noParams(c); err != nil {
		return err
	}
	res, err := s.publishVersion(c, week, version)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, res)
	return nil
}

// publishVersion publishes a version for the API and the board alike.
func (s *Server) publishVersion(c *gin.Context, week models.Date, version int) (publish.Result, error) {
	if err := s.weekInReach(week); err != nil {
		return publish.Result{}, err
	}
	if s.publisher == nil {
		return publish.Result{}, errPlanningOff
	}
	res, err := s.publisher.Publish(c, week, version)
	if err != nil {
		return res, err
	}
	noteAudit(c, "plan.publish", "plan", models.PlanID(week, version), fmt.Sprintf("draft → published: %d created, %d moved, %d cancelled, %d unchanged, %d e-mails",
		res.Created, res.Moved, res.Cancelled, res.Unchanged, res.Enqueued))
	return res, nil
}

// planDiff previews what publishing the version would change against what
// is booked (or against version ?against=N) and whom it would mail.
func (s *Server) planDiff(c *gin.Context) error {
	week, err := weekParam(c)
	if err != nil {
		return err
	}
	version, err := versionParam(c)
	if err != nil {
		return err
	}
	q := c.Request.URL.Query()
	if err := knownQuery(q, "against"); err != nil {
		return err
	}
	against := 0
	if a := q.Get("against"); a != "" {
		if against, err = strconv.Atoi(a); err != nil || against < 1 {
			return badRequest("against", "against must be a plan version, a positive integer")
		}
	}
	if s.publisher == nil {
		return errPlanningOff
	}
	cs, err := s.publisher.Preview(c, week, version, against)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, cs)
	return nil
}

// EditParams is the body of POST /plans/{week}/{version}/edits: one of
// move {request_id, trainer_id, date, start?}, swap {request_ids: [a, b]},
// unassign {request_id}, assign {request_id, trainer_id, date}.
type EditParams struct {
	Op         string            `json:"op"`
	RequestID  string            `json:"request_id"`
	RequestIDs []string          `json:"request_ids"`
	TrainerID  string            `json:"trainer_id"`
	Date       models.Date       `json:"date"`
	Start      *models.TimeOfDay `json:"start"`
}

// editPlan applies one hand edit to a draft and answers the new draft
// version. An edit that does not fit answers 422 saying why, in the
// caller's language and as a code, and writes nothing; an edit of a
// version someone already edited answers 409.
func (s *Server) editPlan(c *gin.Context) error {
	week, err := weekParam(c)
	if err != nil {
		return err
	}
	version, err := versionParam(c)
	if err != nil {
		return err
	}
	var p EditParams
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	e := planning.Edit{Op: p.Op, RequestID: p.RequestID, RequestIDs: p.RequestIDs, TrainerID: p.TrainerID, Date: p.Date, Start: p.Start}
	plan, err := s.applyEdit(c, week, version, e)
	var refused *planning.EditError
	if errors.As(err, &refused) {
		return &editRefusedError{refusal: refused.Refusal, detail: refused.Why(callerLang(c))}
	}
	if err != nil {
		return err
	}
	c.Header("Location", fmt.Sprintf("/api/v1/plans/%s/%d", plan.Week, plan.Version))
	writeJSON(c, http.StatusCreated, plan)
	return nil
}

// applyEdit applies one hand edit for the API and the board alike: the
// edit's own checks, a week in reach, then the editor. A refusal comes back
// as the editor's *planning.EditError, for each caller to show.
func (s *Server) applyEdit(c *gin.Context, week models.Date, version int, e planning.Edit) (*models.Plan, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if err := s.weekInReach(week); err != nil {
		return nil, err
	}
	if s.editor == nil {
		return nil, errPlanningOff
	}
	plan, err := s.editor.ApplyEdit(c, week, version, e, caller(c).user.ID)
	var refused *planning.EditError
	if err != nil && !errors.As(err, &refused) {
		return nil, fmt.Errorf("edit plan %s: %w", models.PlanID(week, version), err)
	}
	return plan, err
}
