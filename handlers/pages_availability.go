package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// availabilityDays are the weekday keys of the form, Monday first, with
// their time.Weekday.
var availabilityDays = []struct {
	key string
	wd  time.Weekday
}{{"mon", time.Monday}, {"tue", time.Tuesday}, {"wed", time.Wednesday}, {"thu", time.Thursday},
	{"fri", time.Friday}, {"sat", time.Saturday}, {"sun", time.Sunday}}

// availabilityWindows is how many windows a day has in the form: enough
// for a split day (morning and afternoon).
const availabilityWindows = 2

// availabilityPageView is the data of /availability.
type availabilityPageView struct {
	Days      []availabilityDay
	Overrides []overrideRow
	Version   int64
	// Affected lists booked visits the posted change would leave outside
	// the new hours; the form then asks to confirm.
	Affected []stopView
	// Removed are the overrides ticked for removal (kept on a re-shown
	// form).
	Removed map[models.Date]bool
	// Absences are the trainer's recorded absences; AbsenceForm says the
	// form being shown again is the absence form (its errors and warning
	// go there).
	Absences    []absenceRow
	AbsenceForm bool
}

// absenceRow is one absence as the page lists it.
type absenceRow struct {
	ID       string
	From, To time.Time
	Reason   string
	Affected int
}

// overrideRow is one date override as the page lists it.
type overrideRow struct {
	Date        models.Date
	Time        time.Time
	Off         bool
	Hours, Note string
	Removed     bool
}

// availabilityDay is one weekday row: its label and field names.
type availabilityDay struct {
	Key, Label string
	Fields     [availabilityWindows][2]string // [window][from, to]
}

// availabilityFields lists every field name of the form.
func availabilityFields() []string {
	out := []string{"version", "confirm", "lunch_earliest", "lunch_latest", "lunch_minutes", "ov_date", "ov_from", "ov_to", "ov_note", "ov_off"}
	for _, d := range availabilityDays {
		for i := 1; i <= availabilityWindows; i++ {
			out = append(out, fmt.Sprintf("%s_%d_from", d.key, i), fmt.Sprintf("%s_%d_to", d.key, i))
		}
	}
	return out
}

func newAvailabilityPageView() availabilityPageView {
	var v availabilityPageView
	for _, d := range availabilityDays {
		day := availabilityDay{Key: d.key, Label: fmt.Sprintf("weekday.%d", d.wd)}
		for i := range availabilityWindows {
			day.Fields[i] = [2]string{fmt.Sprintf("%s_%d_from", d.key, i+1), fmt.Sprintf("%s_%d_to", d.key, i+1)}
		}
		v.Days = append(v.Days, day)
	}
	return v
}

// availabilityForm fills the form with a trainer's stored availability.
func availabilityForm(t *models.Trainer) *form {
	f := &form{Values: map[string]string{"version": strconv.FormatInt(t.Version, 10)}}
	for _, d := range availabilityDays {
		for i, w := range t.Weekly.Day(d.wd) {
			if i >= availabilityWindows {
				break
			}
			f.Values[fmt.Sprintf("%s_%d_from", d.key, i+1)] = w.Start.String()
			f.Values[fmt.Sprintf("%s_%d_to", d.key, i+1)] = w.End.String()
		}
	}
	if l := t.Lunch; l != nil {
		f.Values["lunch_earliest"], f.Values["lunch_latest"] = l.Earliest.String(), l.Latest.String()
		f.Values["lunch_minutes"] = strconv.Itoa(l.Minutes)
	}
	return f
}

// availabilityPage answers GET /availability: the trainer's own hours.
func (s *Server) availabilityPage(c *gin.Context) error {
	t, err := s.trainers.Trainer(c, caller(c).user.TrainerID)
	if err != nil {
		return fmt.Errorf("load trainer: %w", err)
	}
	return s.renderAvailability(c, http.StatusOK, t, availabilityForm(t), nil, nil)
}

func (s *Server) renderAvailability(c *gin.Context, status int, t *models.Trainer, f *form, affected []stopView, removed map[models.Date]bool) error {
	v := newAvailabilityPageView()
	v.Version, v.Affected, v.Removed = t.Version, affected, removed
	v.AbsenceForm = f.Value("form") == "absence"
	absences, err := s.absences.Absences(c, t.ID)
	if err != nil {
		return fmt.Errorf("list absences of trainer %s: %w", t.ID, err)
	}
	for _, a := range absences {
		v.Absences = append(v.Absences, absenceRow{ID: a.ID, From: a.From.Time(s.loc), To: a.To.Time(s.loc),
			Reason: a.Reason, Affected: len(a.AffectedVisits)})
	}
	for _, o := range t.Overrides {
		if o.Off && strings.HasPrefix(o.Note, "absence ") {
			continue // an absence's day, listed (and removed) with the absence
		}
		v.Overrides = append(v.Overrides, overrideRow{Date: o.Date, Time: o.Date.Time(s.loc), Off: o.Off,
			Hours: overrideText(o), Note: o.Note, Removed: removed[o.Date]})
	}
	return s.render(c, status, "availability", "", v, f)
}

// saveAvailabilityPage answers POST /availability: the form becomes a whole
// availability saved by the API's replaceAvailability. When the change
// leaves booked visits outside the new hours, the form comes back listing
// them and saves only once confirmed.
func (s *Server) saveAvailabilityPage(c *gin.Context) error {
	f := postedForm(c, availabilityFields()...)
	t, err := s.trainers.Trainer(c, caller(c).user.TrainerID)
	if err != nil {
		return fmt.Errorf("load trainer: %w", err)
	}
	removed := map[models.Date]bool{}
	for _, d := range c.PostFormArray("remove") {
		removed[models.Date(d)] = true
	}
	a := s.availabilityFromForm(c, f, t, removed)
	if f.failed() {
		f.fail("", s.tr(c, "form.invalid"))
		return s.renderAvailability(c, http.StatusUnprocessableEntity, t, f, nil, removed)
	}
	if err := a.Validate(); s.failValidation(c, f, err, availabilityRename(a)) {
		return s.renderAvailability(c, http.StatusUnprocessableEntity, t, f, nil, removed)
	}
	version, err := strconv.ParseInt(f.Values["version"], 10, 64)
	if err != nil {
		return badRequest("version", "the form lacks the trainer's version")
	}
	if f.Values["confirm"] != "1" {
		affected, err := s.affectedVisits(c, t.ID, a)
		if err != nil {
			return err
		}
		if len(affected) > 0 {
			f.Values["confirm"] = "1"
			return s.renderAvailability(c, http.StatusConflict, t, f, affected, removed)
		}
	}
	if _, err := s.replaceAvailability(c, t.ID, version, a); err != nil {
		return err
	}
	s.flash(c, "flash.availability_saved")
	return seeOther(c, "/availability")
}

// availabilityFromForm reads the posted form into an availability,
// marking unreadable times on their fields.
func (s *Server) availabilityFromForm(c *gin.Context, f *form, t *models.Trainer, removed map[models.Date]bool) models.Availability {
	timeField := func(name string) (models.TimeOfDay, bool) {
		v := f.Values[name]
		if v == "" {
			return 0, false
		}
		tod, err := models.ParseTimeOfDay(v)
		if err != nil {
			f.fail(name, s.tr(c, "request.hours.bad"))
			return 0, false
		}
		return tod, true
	}
	var a models.Availability
	for _, d := range availabilityDays {
		var ws []models.Window
		for i := 1; i <= availabilityWindows; i++ {
			fromName, toName := fmt.Sprintf("%s_%d_from", d.key, i), fmt.Sprintf("%s_%d_to", d.key, i)
			from, okFrom := timeField(fromName)
			to, okTo := timeField(toName)
			switch {
			case okFrom && okTo:
				if to <= from {
					f.fail(toName, s.tr(c, "request.hours.order"))
				}
				ws = append(ws, models.Window{Start: from, End: to})
			case okFrom != okTo && f.Error(fromName) == "" && f.Error(toName) == "":
				name := toName
				if !okFrom {
					name = fromName
				}
				f.fail(name, s.tr(c, "form.required"))
			}
		}
		setWeekday(&a.Weekly, d.key, ws)
	}
	earliest, okE := timeField("lunch_earliest")
	latest, okL := timeField("lunch_latest")
	if m := f.Values["lunch_minutes"]; okE || okL || m != "" {
		minutes, err := strconv.Atoi(m)
		switch {
		case !okE && f.Error("lunch_earliest") == "":
			f.fail("lunch_earliest", s.tr(c, "form.required"))
		case !okL && f.Error("lunch_latest") == "":
			f.fail("lunch_latest", s.tr(c, "form.required"))
		case err != nil:
			f.fail("lunch_minutes", s.tr(c, "availability.minutes.bad"))
		}
		a.Lunch = &models.Lunch{Earliest: earliest, Latest: latest, Minutes: minutes}
	}
	for _, o := range t.Overrides {
		if !removed[o.Date] {
			a.Overrides = append(a.Overrides, o)
		}
	}
	if d := f.Values["ov_date"]; d != "" {
		date, err := models.ParseDate(d)
		if err != nil {
			f.fail("ov_date", s.tr(c, "availability.date.bad"))
			return a
		}
		o := models.DateOverride{Date: date, Note: f.Values["ov_note"], Off: f.Values["ov_off"] != ""}
		if !o.Off {
			from, okFrom := timeField("ov_from")
			to, okTo := timeField("ov_to")
			switch {
			case okFrom && okTo:
				o.Windows = []models.Window{{Start: from, End: to}}
			case f.Error("ov_from") == "" && f.Error("ov_to") == "":
				f.fail("ov_from", s.tr(c, "availability.override.what"))
			}
		}
		a.Overrides = slices.DeleteFunc(a.Overrides, func(x models.DateOverride) bool { return x.Date == date })
		a.Overrides = append(a.Overrides, o)
	} else if f.Values["ov_from"] != "" || f.Values["ov_to"] != "" || f.Values["ov_off"] != "" {
		f.fail("ov_date", s.tr(c, "form.required"))
	}
	return a
}

// availabilityRename maps the model's field names to the form's.
func availabilityRename(a models.Availability) map[string]string {
	m := map[string]string{"lunch.minutes": "lunch_minutes", "lunch.latest": "lunch_latest"}
	for _, d := range availabilityDays {
		m["weekly."+d.key] = d.key + "_1_to"
		for i := range availabilityWindows {
			m[fmt.Sprintf("weekly.%s[%d]", d.key, i)] = fmt.Sprintf("%s_%d_to", d.key, i+1)
		}
	}
	if n := len(a.Overrides); n > 0 {
		last := fmt.Sprintf("overrides[%d]", n-1)
		m[last], m[last+".date"], m[last+".windows[0]"] = "ov_from", "ov_date", "ov_to"
	}
	return m
}

// affectedVisits are the trainer's scheduled visits from now on that a
// would leave outside the working hours of their day.
func (s *Server) affectedVisits(c *gin.Context, trainerID string, a models.Availability) ([]stopView, error) {
	visits, err := s.visits.Visits(c, models.VisitFilter{TrainerID: trainerID, From: s.now(),
		Statuses: []models.VisitStatus{models.VisitScheduled}})
	if err != nil {
		return nil, fmt.Errorf("list visits of trainer %s: %w", trainerID, err)
	}
	cc := s.newClinicCache(c)
	var out []stopView
	for i := range visits {
		v := &visits[i]
		if fitsWindows(v, a.Windows(v.Date), s.loc) {
			continue
		}
		cl, err := cc.get(v.ClinicID)
		if err != nil {
			return nil, err
		}
		out = append(out, newStopView(v, cl))
	}
	return out, nil
}

// fitsWindows reports whether v lies within one of the windows of its day.
func fitsWindows(v *models.Visit, ws []models.Window, loc *time.Location) bool {
	for _, w := range ws {
		if !v.Start.Before(v.Date.At(w.Start, loc)) && !v.End.After(v.Date.At(w.End, loc)) {
			return true
		}
	}
	return false
}

// overrideText is how the page lists an override.
func overrideText(o models.DateOverride) string {
	if o.Off {
		return ""
	}
	parts := make([]string, 0, len(o.Windows))
	for _, w := range o.Windows {
		parts = append(parts, w.Start.String()+"–"+w.End.String())
	}
	return strings.Join(parts, ", ")
}

// absenceFields are the fields of the absence form.
var absenceFields = []string{"abs_from", "abs_to", "abs_reason", "abs_confirm"}

// addAbsencePage answers POST /availability/absences: the API's
// recordAbsence. Booked visits in the range are listed first and the
// absence is recorded once confirmed.
func (s *Server) addAbsencePage(c *gin.Context) error {
	t, err := s.trainers.Trainer(c, caller(c).user.TrainerID)
	if err != nil {
		return fmt.Errorf("load trainer: %w", err)
	}
	posted := postedForm(c, absenceFields...)
	f := availabilityForm(t)
	for k, v := range posted.Values {
		f.Values[k] = v
	}
	f.Values["form"] = "absence"
	from, errFrom := models.ParseDate(f.Values["abs_from"])
	to, errTo := models.ParseDate(f.Values["abs_to"])
	if f.Values["abs_to"] == "" && errFrom == nil {
		to, errTo = from, nil
	}
	if errFrom != nil {
		f.fail("abs_from", s.tr(c, "availability.date.bad"))
	}
	switch {
	case errTo != nil:
		f.fail("abs_to", s.tr(c, "availability.date.bad"))
	case errFrom == nil && to < from:
		f.fail("abs_to", s.tr(c, "absence.order"))
	case to < s.today():
		f.fail("abs_to", s.tr(c, "absence.past"))
	}
	if f.failed() {
		f.fail("", s.tr(c, "form.invalid"))
		return s.renderAvailability(c, http.StatusUnprocessableEntity, t, f, nil, nil)
	}
	p := AbsenceParams{From: from, To: to, Reason: f.Values["abs_reason"]}
	if f.Values["abs_confirm"] != "1" && from <= to {
		affected, err := s.visitsBetween(c, t.ID, from, to)
		if err != nil {
			return err
		}
		if len(affected) > 0 {
			f.Values["abs_confirm"] = "1"
			return s.renderAvailability(c, http.StatusConflict, t, f, affected, nil)
		}
	}
	_, err = s.recordAbsence(c, t, p)
	if s.failValidation(c, f, err, map[string]string{"from": "abs_from", "to": "abs_to", "reason": "abs_reason"}) {
		return s.renderAvailability(c, http.StatusUnprocessableEntity, t, f, nil, nil)
	}
	if err != nil {
		return err
	}
	s.flash(c, "flash.absence_recorded")
	return seeOther(c, "/availability")
}

// deleteAbsencePage answers POST /availability/absences/{id}/delete: the
// API's withdrawAbsence.
func (s *Server) deleteAbsencePage(c *gin.Context) error {
	t, err := s.trainers.Trainer(c, caller(c).user.TrainerID)
	if err != nil {
		return fmt.Errorf("load trainer: %w", err)
	}
	if err := s.withdrawAbsence(c, t, c.Param("absence")); err != nil {
		return err
	}
	s.flash(c, "flash.absence_removed")
	return seeOther(c, "/availability")
}

// visitsBetween are the trainer's scheduled visits on the days from..to.
func (s *Server) visitsBetween(c *gin.Context, trainerID string, from, to models.Date) ([]stopView, error) {
	visits, err := s.visits.Visits(c, models.VisitFilter{TrainerID: trainerID, From: from.Time(s.loc),
		To: to.AddDays(1).Time(s.loc), Statuses: []models.VisitStatus{models.VisitScheduled}})
	if err != nil {
		return nil, fmt.Errorf("list visits of trainer %s: %w", trainerID, err)
	}
	cc := s.newClinicCache(c)
	out := make([]stopView, 0, len(visits))
	for i := range visits {
		cl, err := cc.get(visits[i].ClinicID)
		if err != nil {
			return nil, err
		}
		out = append(out, newStopView(&visits[i], cl))
	}
	return out, nil
}
