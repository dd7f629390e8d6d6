package handlers

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/planning"
	"github.com/fieldvisit/fieldvisit/publish"
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
	opts := planning.RunOptions{Mode: cmp.Or(f.Values["mode"], models.PlanRepair)}
	// A limit typed before choosing repair is no mistake worth a refusal:
	// only an optimising run reads it.
	if m := f.Values["max_changes"]; m != "" && opts.Mode == models.PlanOptimise {
		n, err := strconv.Atoi(m)
		if err != nil {
			return badRequest("max_changes", "max_changes must be a whole number, 0 or more")
		}
		opts.MaxChanges = &n
	}
	if err := opts.Validate(); err != nil {
		return err
	}
	if _, err := s.runWeek(c, monday, opts, "board:"+caller(c).user.ID); err != nil {
		return err
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
	if _, err := s.publishVersion(c, monday, version); err != nil {
		return err
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

// Board edit operations as the forms name them: the API's four plus pin,
// which is a move to where the visit already is (every edit pins).
const boardPin = "pin"

// applyBoardEdit reads the form's edit and applies it with the service the
// edits API calls (applyEdit); a refusal comes back as its reason in words
// in the page's language (and a nil error), as does losing the race to
// another coordinator.
func (s *Server) applyBoardEdit(c *gin.Context, monday models.Date, version int, f *form) (string, error) {
	e := planning.Edit{Op: f.Values["op"], RequestID: f.Values["request_id"]}
	switch e.Op {
	case boardPin:
		e.Op = models.EditMove
	case models.EditSwap:
		e.RequestID, e.RequestIDs = "", []string{f.Values["request_id"], f.Values["with"]}
	}
	if e.Op == models.EditMove || e.Op == models.EditAssign {
		d, err := models.ParseDate(f.Values["date"])
		if err != nil {
			return "", badRequest("date", "date must be YYYY-MM-DD")
		}
		e.TrainerID, e.Date = f.Values["trainer_id"], d
	}
	if st := f.Values["start"]; st != "" && e.Op == models.EditMove {
		tod, err := models.ParseTimeOfDay(st)
		if err != nil {
			return "", badRequest("start", "start must be HH:MM")
		}
		e.Start = &tod
	}
	_, err := s.applyEdit(c, monday, version, e)
	var refused *planning.EditError
	switch {
	case errors.As(err, &refused):
		return refused.Why(s.pageLang(c)), nil
	case errors.Is(err, models.ErrConflict):
		return s.tr(c, "board.edit.conflict"), nil
	}
	return "", err
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
			TravelHours: hours(v.KPIs.TravelMinutes), Moved: v.KPIs.Moved, Mode: v.Mode, BasedOn: v.BasedOn})
		// A version made by a hand edit: the last edit made it.
		if n := len(v.Edits); v.BasedOn != 0 && n > 0 {
			ed := v.Edits[n-1]
			row := &p.Versions[len(p.Versions)-1]
			row.Who, row.Edit = s.userName(c, ed.By), "plans.edit."+ed.Op
		}
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
	// Mode is how a run treated bookings; BasedOn and Edit (a catalogue
	// key) say which version a hand edit changed and how.
	Mode    string
	BasedOn int
	Edit    string
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

// previewChanges asks the publisher what publishing version would do (the
// code publishing runs, against what is booked) and words it: clinics,
// trainers, days and times by name, e-mails by kind and recipients.
func (s *Server) previewChanges(c *gin.Context, monday models.Date, version int) (*previewPage, error) {
	if s.publisher == nil {
		return nil, errPlanningOff
	}
	cs, err := s.publisher.Preview(c, monday, version, 0)
	if err != nil {
		return nil, fmt.Errorf("preview plan %s: %w", models.PlanID(monday, version), err)
	}
	plan, err := s.plans.Plan(c, monday, version)
	if err != nil {
		return nil, fmt.Errorf("load plan %s: %w", models.PlanID(monday, version), err)
	}
	plans, ok := s.plans.(boardPlans)
	if !ok {
		return nil, errors.New("preview: the plan store cannot find the published plan")
	}
	latest, published, err := plans.LatestAndPublishedPlan(c, monday)
	if err != nil {
		return nil, err
	}
	trainers, err := s.allTrainers(c)
	if err != nil {
		return nil, err
	}
	lang := s.pageLang(c)
	w := s.newPreviewWords(c, lang, trainers, published, plan)
	p := &previewPage{Monday: monday, Version: version, Board: boardURL(monday, ""), Unchanged: cs.Unchanged, Warnings: cs.Warnings,
		CanPublish: latest != nil && latest.Version == version && plan.Status == models.PlanDraft && s.weekInReach(monday) == nil}
	if published != nil {
		p.Published = published.Version
	}
	p.Added, p.Moved, p.Dropped = w.visits(cs.Added), w.visits(cs.Moved), w.visits(cs.Dropped)
	p.Sections = []previewSection{{"preview.added", "h-added", p.Added}, {"preview.moved", "h-moved", p.Moved}, {"preview.dropped", "h-dropped", p.Dropped}}
	p.Deltas = s.previewDeltas(lang, cs.KPIs)
	p.Mails = s.previewMails(lang, cs.Mails)
	return p, nil
}

// previewWords words the visits of a preview: trainers and clinics by
// name, days and times in the page's language.
type previewWords struct {
	s    *Server
	c    *gin.Context
	lang string
	// names are trainer names by id; stops the visits of the published
	// and the previewed plan by request.
	names map[string]string
	stops map[string]models.PlanStop
}

// newPreviewWords names the trainers and finds the visits of plans (nil
// ones skipped); a later plan's visit wins.
func (s *Server) newPreviewWords(c *gin.Context, lang string, trainers []models.Trainer, plans ...*models.Plan) *previewWords {
	w := &previewWords{s: s, c: c, lang: lang, names: map[string]string{}, stops: map[string]models.PlanStop{}}
	for _, t := range trainers {
		w.names[t.ID] = t.Name
	}
	for _, pl := range plans {
		if pl == nil {
			continue
		}
		for _, r := range pl.Routes {
			w.names[r.TrainerID] = cmp.Or(w.names[r.TrainerID], r.TrainerName)
			for _, st := range r.Stops {
				w.stops[st.RequestID] = st
			}
		}
	}
	return w
}

// slot words where a visit is: "trainer, weekday date, HH:MM"; "" for none.
func (w *previewWords) slot(sl *publish.Slot) string {
	if sl == nil {
		return ""
	}
	s := w.s
	day := sl.Date.Time(s.loc)
	wd, _ := s.pages.cat.text(w.lang, fmt.Sprintf("weekday.%d", day.Weekday()))
	return fmt.Sprintf("%s, %s %s, %s", cmp.Or(w.names[sl.TrainerID], sl.TrainerID), wd, day.Format(dateLayout(w.lang)), sl.Start.In(s.loc).Format("15:04"))
}

// visits words a list of changed visits; a clinic no plan names is read.
func (w *previewWords) visits(list []publish.VisitChange) []previewVisit {
	var out []previewVisit
	for _, v := range list {
		st := w.stops[v.RequestID]
		pv := previewVisit{Clinic: st.ClinicName, Kind: st.Kind, Topic: st.Topic, From: w.slot(v.From), To: w.slot(v.To), Reason: v.Reason}
		if pv.Clinic == "" {
			if cl, err := w.s.clinics.Clinic(w.c, v.ClinicID); err == nil {
				pv.Clinic = cl.Name
			}
		}
		out = append(out, pv)
	}
	return out
}

// previewDeltas words how publishing changes the week's figures.
func (s *Server) previewDeltas(lang string, k publish.KPIDelta) []previewDelta {
	signed := func(n int) string { return fmt.Sprintf("%+d", n) }
	signedHours := func(m int) string {
		h, _ := s.pages.cat.text(lang, "board.hours", strconv.FormatFloat(float64(m)/60, 'f', 1, 64))
		if m > 0 {
			h = "+" + h
		}
		return h
	}
	return []previewDelta{{"preview.delta.scheduled", signed(k.Scheduled)}, {"preview.delta.travel", signedHours(k.TravelMinutes)},
		{"preview.delta.spread", signedHours(k.WorkSpreadMinutes)}, {"preview.delta.changes", strconv.Itoa(k.Changes)}}
}

// previewMails words the e-mails publishing would send, by kind.
func (s *Server) previewMails(lang string, mails []publish.PlannedMail) []previewMail {
	var out []previewMail
	for _, m := range mails {
		kind := m.Kind
		if s.pages.cat.has("preview.mail." + kind) {
			kind, _ = s.pages.cat.text(lang, "preview.mail."+kind)
		}
		out = append(out, previewMail{Kind: kind, To: strings.Join(m.To, ", ")})
	}
	return out
}

// acceptFromBoard answers POST /board/{monday}/change-requests/{id}/{change}/accept:
// the clinic's new wishes go into the request and a repair draft is made,
// as the API's accept does.
func (s *Server) acceptFromBoard(c *gin.Context) error {
	monday, err := mondayParam(c)
	if err != nil {
		return err
	}
	if _, err := s.acceptChange(c); err != nil {
		return err
	}
	s.flash(c, "flash.board.accepted")
	return seeOther(c, boardURL(monday, ""))
}

// declineFromBoard answers POST /board/{monday}/change-requests/{id}/{change}/decline
// with the reason the clinic is e-mailed; without one the board comes back
// with the reason's field marked.
func (s *Server) declineFromBoard(c *gin.Context) error {
	monday, err := mondayParam(c)
	if err != nil {
		return err
	}
	f := postedForm(c, "reason")
	_, err = s.declineChange(c, f.Values["reason"])
	var v *models.ValidationError
	if asValidation(err, &v) {
		p, lerr := s.loadBoard(c, monday, 0, "")
		if lerr != nil {
			return lerr
		}
		p.Refusal = s.tr(c, "board.decide.reason_needed")
		return s.render(c, http.StatusUnprocessableEntity, "board", "", p, f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "flash.board.declined")
	return seeOther(c, boardURL(monday, ""))
}

// withdrawFromBoard answers POST /board/{monday}/absences/{id}/{absence}/delete:
// the trainer gets the days back, as the API's delete does.
func (s *Server) withdrawFromBoard(c *gin.Context) error {
	monday, err := mondayParam(c)
	if err != nil {
		return err
	}
	if err := s.removeAbsence(c); err != nil {
		return err
	}
	s.flash(c, "flash.board.absence_withdrawn")
	return seeOther(c, boardURL(monday, ""))
}
