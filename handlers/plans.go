package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
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

// PlanPublisher publishes a plan version (publish.Publisher).
type PlanPublisher interface {
	Publish(ctx context.Context, week models.Date, version int) (publish.Result, error)
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

// runPlan plans the week now and answers the new draft.
func (s *Server) runPlan(c *gin.Context) error {
	week, err := weekParam(c)
	if err != nil {
		return err
	}
	if err := noParams(c); err != nil {
		return err
	}
	if err := s.weekInReach(week); err != nil {
		return err
	}
	if s.planner == nil {
		return errPlanningOff
	}
	plan, err := s.planner.Plan(c, week, "api:"+caller(c).user.ID)
	if err != nil {
		return fmt.Errorf("plan week %s: %w", week, err)
	}
	noteAudit(c, "plan.run", "plan", plan.ID, fmt.Sprintf("draft version %d: %d of %d requests scheduled, %d moved",
		plan.Version, plan.KPIs.Scheduled, plan.KPIs.Requests, plan.KPIs.Moved))
	c.Header("Location", fmt.Sprintf("/api/v1/plans/%s/%d", plan.Week, plan.Version))
	writePlan(c, http.StatusCreated, plan)
	return nil
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
	lang := ""
	if u := caller(c).user; u != nil {
		lang = u.Lang
	}
	plan.Localize(lang)
	writeJSON(c, status, plan)
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
	if err := s.weekInReach(week); err != nil {
		return err
	}
	if s.publisher == nil {
		return errPlanningOff
	}
	res, err := s.publisher.Publish(c, week, version)
	if err != nil {
		return err
	}
	noteAudit(c, "plan.publish", "plan", models.PlanID(week, version), fmt.Sprintf("draft → published: %d created, %d moved, %d cancelled, %d unchanged, %d e-mails",
		res.Created, res.Moved, res.Cancelled, res.Unchanged, res.Enqueued))
	writeJSON(c, http.StatusOK, res)
	return nil
}
