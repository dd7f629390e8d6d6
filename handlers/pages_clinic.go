package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// requestRow is one of the clinic's requests with its booked visit.
type requestRow struct {
	R     *models.Request
	Visit *stopView
}

// requestsView is the data of /requests.
type requestsView struct {
	Rows []requestRow
}

// requestsPage answers GET /requests: the clinic's requests, newest first,
// with date, time and trainer of the booked ones.
func (s *Server) requestsPage(c *gin.Context) error {
	if s.fieldStore == nil {
		return errFieldPagesOff
	}
	clinicID := caller(c).user.ClinicID
	reqs, err := s.requests.Requests(c, models.RequestFilter{ClinicID: clinicID}, models.Page{Limit: models.MaxPageSize})
	if err != nil {
		return fmt.Errorf("list requests of clinic %s: %w", clinicID, err)
	}
	slices.Reverse(reqs) // ids grow with time: newest first
	visits, err := s.visits.Visits(c, models.VisitFilter{ClinicID: clinicID})
	if err != nil {
		return fmt.Errorf("list visits of clinic %s: %w", clinicID, err)
	}
	byRequest := map[string]*models.Visit{}
	for i := range visits {
		byRequest[visits[i].RequestID] = &visits[i]
	}
	cc := s.newClinicCache(c)
	trainers := map[string]*models.Trainer{}
	var rows []requestRow
	for i := range reqs {
		row := requestRow{R: &reqs[i]}
		if v := byRequest[reqs[i].ID]; v != nil && v.Status != models.VisitCancelled {
			sv, err := s.clinicStop(c, v, cc, trainers)
			if err != nil {
				return err
			}
			row.Visit = sv
		}
		rows = append(rows, row)
	}
	return s.render(c, http.StatusOK, "requests", "", requestsView{Rows: rows}, nil)
}

// clinicStop is visit v as a clinic sees it: with its trainer's name and
// phone (the person who will come).
func (s *Server) clinicStop(c *gin.Context, v *models.Visit, cc *clinicCache, trainers map[string]*models.Trainer) (*stopView, error) {
	cl, err := cc.get(v.ClinicID)
	if err != nil {
		return nil, err
	}
	sv := newStopView(v, cl)
	tr, ok := trainers[v.TrainerID]
	if !ok {
		tr, err = s.trainers.Trainer(c, v.TrainerID)
		if errors.Is(err, models.ErrNotFound) {
			tr, err = &models.Trainer{ID: v.TrainerID}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("load trainer %s: %w", v.TrainerID, err)
		}
		trainers[v.TrainerID] = tr
	}
	sv.Trainer, sv.TrainerPhone, sv.TrainerHref = tr.Name, tr.Phone, telHref(tr.Phone)
	return &sv, nil
}

// requestFormFields are the fields of the new-request form.
var requestFormFields = []string{"kind", "topic", "participants", "hour_from", "hour_to", "urgency", "comment"}

// requestFormDays are the weekdays a clinic may prefer, Monday first.
var requestFormDays = []string{"mon", "tue", "wed", "thu", "fri", "sat"}

// newRequestView is the data of /requests/new.
type newRequestView struct {
	Kinds      []models.Kind
	Priorities []models.Priority
	Days       []dayChoice
}

// dayChoice is one weekday checkbox.
type dayChoice struct {
	Key     string
	Label   string // catalogue key
	Checked bool
}

// newRequestPage answers GET /requests/new: the empty form, normal urgency.
func (s *Server) newRequestPage(c *gin.Context) error {
	f := &form{Values: map[string]string{"kind": string(models.KindOnsiteSupport), "urgency": string(models.PriorityNormal)}}
	return s.renderNewRequest(c, http.StatusOK, f, nil)
}

func (s *Server) renderNewRequest(c *gin.Context, status int, f *form, days []string) error {
	v := newRequestView{Kinds: models.Kinds, Priorities: models.Priorities}
	for i, d := range requestFormDays {
		v.Days = append(v.Days, dayChoice{Key: d, Label: fmt.Sprintf("weekday.%d", (i+1)%7), Checked: slices.Contains(days, d)})
	}
	return s.render(c, status, "request_new", "", v, f)
}

// createRequestPage answers POST /requests: the API's fileRequest with the
// form's fields; failures show the form again with what was typed.
func (s *Server) createRequestPage(c *gin.Context) error {
	f := postedForm(c, requestFormFields...)
	days := postedDays(c)
	p := RequestParams{Kind: models.Kind(f.Values["kind"]), Topic: f.Values["topic"], Comment: f.Values["comment"],
		Priority: models.Priority(f.Values["urgency"])}
	if p.Kind == models.KindMicroTraining {
		n, err := strconv.Atoi(f.Values["participants"])
		if err != nil {
			n = 0 // reported by the service's range check
		}
		p.Participants = n
	}
	windows, ok := s.preferredWindows(c, f, &days)
	if !ok {
		f.fail("", s.tr(c, "form.invalid"))
		return s.renderNewRequest(c, http.StatusUnprocessableEntity, f, days)
	}
	p.PreferredWindows = windows
	_, err := s.fileRequest(c, p)
	if s.failValidation(c, f, err, windowFields(map[string]string{"priority": "urgency"})) {
		return s.renderNewRequest(c, http.StatusUnprocessableEntity, f, days)
	}
	if err != nil {
		return err
	}
	s.flash(c, "flash.request_filed")
	return seeOther(c, "/requests")
}

// windowFields adds to rename (API field → form field) the preferred
// window of each weekday, which the form asks as one "hour_to" field: a
// wrong window is shown next to it.
func windowFields(rename map[string]string) map[string]string {
	for _, d := range requestFormDays {
		rename["preferred_windows."+d+"[0]"] = "hour_to"
	}
	return rename
}

// postedDays are the known weekdays ticked in the form's "days".
func postedDays(c *gin.Context) []string {
	days := slices.Clone(c.PostFormArray("days"))
	return slices.DeleteFunc(days, func(d string) bool { return !slices.Contains(requestFormDays, d) })
}

// preferredWindows reads the ticked days and the hours hour_from..hour_to
// into preferred windows: hours without days mean every working day, days
// without hours the whole working day. Unreadable hours are marked on f.
func (s *Server) preferredWindows(c *gin.Context, f *form, days *[]string) (models.Week, bool) {
	var week models.Week
	var win *models.Window
	from, to := f.Values["hour_from"], f.Values["hour_to"]
	if from != "" || to != "" {
		start, errFrom := models.ParseTimeOfDay(from)
		end, errTo := models.ParseTimeOfDay(to)
		switch {
		case errFrom != nil:
			f.fail("hour_from", s.tr(c, "request.hours.bad"))
		case errTo != nil:
			f.fail("hour_to", s.tr(c, "request.hours.bad"))
		case end <= start:
			f.fail("hour_to", s.tr(c, "request.hours.order"))
		default:
			win = &models.Window{Start: start, End: end}
		}
	}
	if f.failed() {
		return week, false
	}
	if win != nil && len(*days) == 0 {
		*days = requestFormDays[:5]
	}
	for _, d := range *days {
		w := models.Window{Start: 8 * 60, End: 20 * 60} // a day without hours: the working day
		if win != nil {
			w = *win
		}
		setWeekday(&week, d, []models.Window{w})
	}
	return week, true
}

// setWeekday sets the windows of weekday key ("mon") in w.
func setWeekday(w *models.Week, key string, ws []models.Window) {
	switch key {
	case "mon":
		w.Mon = ws
	case "tue":
		w.Tue = ws
	case "wed":
		w.Wed = ws
	case "thu":
		w.Thu = ws
	case "fri":
		w.Fri = ws
	case "sat":
		w.Sat = ws
	case "sun":
		w.Sun = ws
	}
}

// requestView is the data of /requests/{id}.
type requestView struct {
	R     *models.Request
	Visit *stopView
	// Days and Hours say the preferred windows in words.
	Days []preferredDay
	// Earliest and Due bound the visit's dates.
	Earliest, Due time.Time
	// CanCancel offers the cancel button (an open request).
	CanCancel bool
	// CanChange offers "ask to change" (a booked visit, no change request
	// pending); FormDays are its day checkboxes.
	CanChange bool
	FormDays  []dayChoice
	// Changes are the request's change requests, newest first.
	Changes []models.ChangeRequest
}

// preferredDay is one preferred weekday with its windows.
type preferredDay struct {
	Label   string // catalogue key
	Windows []models.Window
}

// requestPage answers GET /requests/{id}: the clinic's own request (404
// for another clinic's, as in the API).
func (s *Server) requestPage(c *gin.Context) error {
	if s.fieldStore == nil {
		return errFieldPagesOff
	}
	r, err := s.loadRequest(c)
	if err != nil {
		return err
	}
	return s.renderRequest(c, http.StatusOK, r, nil)
}

func (s *Server) renderRequest(c *gin.Context, status int, r *models.Request, f *form) error {
	v := requestView{R: r, CanCancel: r.Status.Open()}
	if r.EarliestDate.Valid() && r.DueDate.Valid() {
		v.Earliest, v.Due = r.EarliestDate.Time(s.loc), r.DueDate.Time(s.loc)
	}
	changes, err := s.changes.ChangeRequests(c, models.ChangeRequestFilter{RequestID: r.ID}, models.Page{Limit: models.MaxPageSize})
	if err != nil {
		return fmt.Errorf("list the change requests of request %s: %w", r.ID, err)
	}
	slices.Reverse(changes)
	v.Changes = changes
	pending := slices.ContainsFunc(changes, func(cr models.ChangeRequest) bool { return cr.Status == models.ChangePending })
	var ticked []string
	if f != nil {
		ticked = postedDays(c)
	}
	for i, d := range requestFormDays {
		v.FormDays = append(v.FormDays, dayChoice{Key: d, Label: fmt.Sprintf("weekday.%d", (i+1)%7), Checked: slices.Contains(ticked, d)})
	}
	for i := range 7 {
		wd := time.Weekday((i + 1) % 7)
		if ws := r.PreferredWindows.Day(wd); len(ws) > 0 {
			v.Days = append(v.Days, preferredDay{Label: fmt.Sprintf("weekday.%d", wd), Windows: ws})
		}
	}
	visit, err := s.fieldStore.Visit(c, r.ID)
	switch {
	case errors.Is(err, models.ErrNotFound):
	case err != nil:
		return fmt.Errorf("load the visit of request %s: %w", r.ID, err)
	case visit.Status != models.VisitCancelled:
		sv, err := s.clinicStop(c, visit, s.newClinicCache(c), map[string]*models.Trainer{})
		if err != nil {
			return err
		}
		v.Visit = sv
		v.CanChange = visit.Status == models.VisitScheduled && r.Status.Open() && !pending
	}
	return s.render(c, status, "request", "", v, f)
}

// cancelRequestPage answers POST /requests/{id}/cancel: the API's
// moveRequest to cancelled, guarded by the version the page showed.
func (s *Server) cancelRequestPage(c *gin.Context) error {
	r, err := s.loadRequest(c)
	if err != nil {
		return err
	}
	version, err := strconv.ParseInt(c.PostForm("version"), 10, 64)
	if err != nil {
		return badRequest("version", "the form lacks the request's version")
	}
	if _, err := s.moveRequest(c, r, version, models.StatusCancelled); err != nil {
		return err
	}
	s.flash(c, "flash.request_cancelled")
	return seeOther(c, "/requests/"+r.ID)
}

// changeRequestPage answers POST /requests/{id}/change: the API's
// fileChangeRequest with the new days and hours; the booked visit stays
// until a coordinator decides.
func (s *Server) changeRequestPage(c *gin.Context) error {
	r, err := s.loadRequest(c)
	if err != nil {
		return err
	}
	f := postedForm(c, "hour_from", "hour_to", "comment")
	days := postedDays(c)
	windows, ok := s.preferredWindows(c, f, &days)
	if !ok {
		f.fail("", s.tr(c, "form.invalid"))
		return s.renderRequest(c, http.StatusUnprocessableEntity, r, f)
	}
	_, err = s.fileChangeRequest(c, r, ChangeRequestParams{PreferredWindows: windows, Comment: f.Values["comment"]})
	if s.failValidation(c, f, err, windowFields(map[string]string{"preferred_windows": ""})) {
		return s.renderRequest(c, http.StatusUnprocessableEntity, r, f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "flash.change_requested")
	return seeOther(c, "/requests/"+r.ID)
}
