package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// The coordinator's admin pages: /clinics, /trainers and /users. Each form
// is turned into the API's params and checked by the same validation the
// API runs (Validate, validateClinic, newAccount, checkUserLink); the page
// only parses what a form cannot carry as JSON (numbers, lists, hours) and
// shows the service's messages next to the fields.

// adminNav is the coordinator's navigation to the admin and mail pages.
var adminNav = []navLink{
	{Href: "/clinics", Label: "nav.clinics"}, {Href: "/trainers", Label: "nav.trainers"},
	{Href: "/users", Label: "nav.users"}, {Href: "/outbox", Label: "nav.outbox"}, {Href: "/mailbox", Label: "nav.mailbox"},
	{Href: "/audit", Label: "nav.audit"},
}

// adminListPage is the data of a list page: one page of items, the next
// page's cursor and a refusal (a delete that something still blocks).
type adminListPage struct {
	Items any
	Next  string
	Alert string
	// Me is the caller's account id (the users page offers no
	// deactivation of oneself).
	Me string
}

// option is one choice of a select or a checkbox list.
type option struct {
	Value, Label string
	Selected     bool
}

// adminFormPage is the data of an edit form: ID is empty for a new
// document; Selects and Checks are the form's choices.
type adminFormPage struct {
	ID      string
	Role    models.Role // users: the account's role, fixed once made
	Selects map[string]selectView
	Checks  []option
	// Days are the weekday keys of the opening-hours fields.
	Days []string
}

// selectView is what the "admin_select" partial renders: a labelled
// select with the typed choice and its error. Empty, when set, is the
// catalogue key of a first "none" choice.
type selectView struct {
	Name, Label, Empty, Error string
	Options                   []option
}

// selects builds the views of a form's selects from their options.
func selects(f *form, opts map[string][]option, labels map[string]string) map[string]selectView {
	out := map[string]selectView{}
	for name, o := range opts {
		out[name] = selectView{Name: name, Label: labels[name], Error: f.Error(name), Options: o}
	}
	return out
}

// weekdayFields are the clinic form's opening-hours fields, Monday first.
var weekdayFields = []struct {
	name string
	day  time.Weekday
}{
	{"hours_mon", time.Monday}, {"hours_tue", time.Tuesday}, {"hours_wed", time.Wednesday},
	{"hours_thu", time.Thursday}, {"hours_fri", time.Friday}, {"hours_sat", time.Saturday}, {"hours_sun", time.Sunday},
}

// listPage reads ?after= of a list page.
func listPage(c *gin.Context) (models.Page, error) {
	q := c.Request.URL.Query()
	if err := knownQuery(q, "after"); err != nil {
		return models.Page{}, err
	}
	return pageParams(q)
}

// next is the cursor after a page of items whose last id is last.
func next(n int, p models.Page, last func() string) string {
	if n == 0 {
		return ""
	}
	return nextCursor(n, p, last())
}

// formVersion is the version a posted edit form replaces.
func formVersion(f *form) (int64, error) {
	v, err := strconv.ParseInt(f.Values["version"], 10, 64)
	if err != nil || v < 1 {
		return 0, badRequest("version", "the form must carry the version it edits")
	}
	return v, nil
}

// indexSuffix matches a list index in a field name ("contact_emails[2]").
var indexSuffix = regexp.MustCompile(`\[\d+\]`)

// renameFields maps the service's field names in err to the form's: list
// indexes are dropped and the result looked up in rename ("" for the form
// as a whole). A message quoting a value ("\"x\" is not an e-mail
// address") is translated through "validation.%q …" with the value kept.
func (s *Server) renameFields(c *gin.Context, err error, rename map[string]string) map[string]string {
	var v *models.ValidationError
	if !errors.As(err, &v) {
		return nil
	}
	out := map[string]string{}
	for i, fe := range v.Fields {
		name := indexSuffix.ReplaceAllString(fe.Field, "")
		if to, ok := rename[name]; ok {
			out[fe.Field] = to
		} else if dot := strings.IndexByte(name, '.'); dot > 0 {
			if to, ok := rename[name[:dot]+".*"]; ok {
				out[fe.Field] = to
			}
		} else {
			out[fe.Field] = name
		}
		if m := quoted.FindStringSubmatchIndex(fe.Message); m != nil {
			key := "validation." + fe.Message[:m[0]] + "%q" + fe.Message[m[1]:]
			if s.pages.cat.has(key) {
				val, _ := strconv.Unquote(fe.Message[m[0]:m[1]])
				v.Fields[i].Message = s.tr(c, key, val)
			}
		}
	}
	return out
}

// showAgain decides what a save's outcome means for its form: a validation
// error is put next to the fields (with rename, see renameFields) and, like
// a field the page could not parse, means the form is shown again (true);
// any other error is returned as it is.
func (s *Server) showAgain(c *gin.Context, f *form, err error, rename map[string]string) (bool, error) {
	if err != nil && !s.failValidation(c, f, err, s.renameFields(c, err, rename)) {
		return false, err
	}
	if !f.failed() {
		return false, nil
	}
	if f.Error("") == "" {
		f.fail("", s.tr(c, "form.invalid"))
	}
	return true, nil
}

// quoted finds a Go-quoted value in a validation message.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// parseFloatField reads a coordinate typed with a point or a comma; a
// malformed one is reported on the field.
func (s *Server) parseFloatField(c *gin.Context, f *form, name string) float64 {
	v, err := strconv.ParseFloat(strings.ReplaceAll(f.Values[name], ",", "."), 64)
	if err != nil {
		f.fail(name, s.tr(c, "admin.number"))
	}
	return v
}

// parseIntField reads an optional whole number: nil when empty, and -1
// (which the service's range check refuses with its own message) when
// malformed.
func parseIntField(f *form, name string) *int {
	if f.Values[name] == "" {
		return nil
	}
	n, err := strconv.Atoi(f.Values[name])
	if err != nil {
		n = -1
	}
	return &n
}

// splitList splits a typed list on commas, semicolons and line breaks,
// dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// parseWindows reads "09:00-13:00, 14:00-18:00" (any dash); empty is a
// closed day.
func parseWindows(s string) ([]models.Window, error) {
	var out []models.Window
	for _, part := range splitList(s) {
		part = strings.NewReplacer("–", "-", "—", "-", " ", "").Replace(part)
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			return nil, fmt.Errorf("window %q has no dash", part)
		}
		start, err := models.ParseTimeOfDay(from)
		if err != nil {
			return nil, err
		}
		end, err := models.ParseTimeOfDay(to)
		if err != nil {
			return nil, err
		}
		out = append(out, models.Window{Start: start, End: end})
	}
	return out, nil
}

// formatWindows writes windows the way parseWindows reads them.
func formatWindows(ws []models.Window) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.Start.String() + "-" + w.End.String()
	}
	return strings.Join(parts, ", ")
}

// setDay sets the windows of a weekday.
func setDay(w *models.Week, d time.Weekday, ws []models.Window) {
	switch d {
	case time.Monday:
		w.Mon = ws
	case time.Tuesday:
		w.Tue = ws
	case time.Wednesday:
		w.Wed = ws
	case time.Thursday:
		w.Thu = ws
	case time.Friday:
		w.Fri = ws
	case time.Saturday:
		w.Sat = ws
	default:
		w.Sun = ws
	}
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// langOptions are the language choices of a form.
func langOptions(current string) []option {
	return []option{{"ru", "Русский", current == "ru"}, {"en", "English", current == "en"}}
}

// ---- clinics ----

// clinicFields are the clinic form's fields; "hours" holds the message
// about the week as a whole.
var clinicFields = []string{"name", "address", "lat", "lon", "district", "contact_emails",
	"hours_mon", "hours_tue", "hours_wed", "hours_thu", "hours_fri", "hours_sat", "hours_sun", "hours",
	"preferred", "notes", "lang", "version"}

// clinicRename maps the clinic service's fields to the form's.
var clinicRename = map[string]string{
	"place.address": "address", "place.lat": "lat", "place.lon": "lon",
	"preferred_trainers": "preferred", "hours": "hours",
	"hours.mon": "hours_mon", "hours.tue": "hours_tue", "hours.wed": "hours_wed", "hours.thu": "hours_thu",
	"hours.fri": "hours_fri", "hours.sat": "hours_sat", "hours.sun": "hours_sun",
}

// clinicsPage answers GET /clinics.
func (s *Server) clinicsPage(c *gin.Context) error {
	return s.renderClinics(c, http.StatusOK, "")
}

func (s *Server) renderClinics(c *gin.Context, status int, alert string) error {
	p, err := listPage(c)
	if err != nil {
		return err
	}
	items, err := s.clinics.Clinics(c, models.ClinicFilter{}, p)
	if err != nil {
		return fmt.Errorf("list clinics: %w", err)
	}
	return s.render(c, status, "admin_clinics", "", adminListPage{Items: items, Alert: alert,
		Next: next(len(items), p, func() string { return items[len(items)-1].ID })}, nil)
}

// clinicForm fills the form of a stored clinic.
func clinicForm(cl *models.Clinic) *form {
	f := &form{Values: map[string]string{
		"name": cl.Name, "address": cl.Place.Address, "lat": formatFloat(cl.Place.Lat), "lon": formatFloat(cl.Place.Lon),
		"district": cl.District, "contact_emails": strings.Join(cl.ContactEmails, "\n"),
		"preferred": strings.Join(cl.PreferredTrainers, ","), "notes": cl.Notes, "lang": cl.Lang,
		"version": strconv.FormatInt(cl.Version, 10),
	}}
	for _, d := range weekdayFields {
		f.Values[d.name] = formatWindows(cl.Hours.Day(d.day))
	}
	return f
}

// renderClinicForm shows the clinic form with its trainer choices.
func (s *Server) renderClinicForm(c *gin.Context, status int, id string, f *form) error {
	var opts []option
	chosen := strings.Split(f.Value("preferred"), ",")
	err := everyItem(func(p models.Page) ([]models.Trainer, error) {
		return s.trainers.Trainers(c, models.TrainerFilter{}, p)
	},
		func(t *models.Trainer) string { return t.ID },
		func(t *models.Trainer) {
			opts = append(opts, option{Value: t.ID, Label: t.Name, Selected: slices.Contains(chosen, t.ID)})
		})
	if err != nil {
		return fmt.Errorf("list trainers for the clinic form: %w", err)
	}
	title := "admin_clinic.title"
	if id == "" {
		title = "admin_clinic.new"
	}
	return s.render(c, status, "admin_clinic", title, adminFormPage{ID: id, Checks: opts,
		Days:    []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"},
		Selects: selects(f, map[string][]option{"lang": langOptions(f.Value("lang"))}, map[string]string{"lang": "admin.lang"})}, f)
}

// newClinicPage answers GET /clinics/new.
func (s *Server) newClinicPage(c *gin.Context) error {
	return s.renderClinicForm(c, http.StatusOK, "", &form{Values: map[string]string{"lang": defaultLang}})
}

// editClinicPage answers GET /clinics/:id.
func (s *Server) editClinicPage(c *gin.Context) error {
	cl, err := s.loadClinic(c)
	if err != nil {
		return err
	}
	return s.renderClinicForm(c, http.StatusOK, cl.ID, clinicForm(cl))
}

// postedClinic reads the clinic form into the API's params; fields it
// cannot parse are marked on f.
func (s *Server) postedClinic(c *gin.Context) (*form, ClinicParams) {
	f := postedForm(c, clinicFields...)
	f.Values["preferred"] = strings.Join(c.PostFormArray("preferred"), ",")
	p := ClinicParams{Name: f.Values["name"], District: f.Values["district"], Notes: f.Values["notes"],
		Lang: f.Values["lang"], ContactEmails: splitList(f.Values["contact_emails"]),
		PreferredTrainers: c.PostFormArray("preferred")}
	p.Place = models.Place{Address: f.Values["address"], Lat: s.parseFloatField(c, f, "lat"), Lon: s.parseFloatField(c, f, "lon")}
	for _, d := range weekdayFields {
		ws, err := parseWindows(f.Values[d.name])
		if err != nil {
			f.fail(d.name, s.tr(c, "admin.hours.format"))
		}
		setDay(&p.Hours, d.day, ws)
	}
	return f, p
}

// createClinicPage answers POST /clinics.
func (s *Server) createClinicPage(c *gin.Context) error {
	f, p := s.postedClinic(c)
	now := s.now().UTC()
	cl := &models.Clinic{CreatedAt: now, UpdatedAt: now, Version: 1}
	p.apply(cl)
	if again, err := s.showAgain(c, f, s.validateClinic(c, cl), clinicRename); again || err != nil {
		if err != nil {
			return err
		}
		return s.renderClinicForm(c, http.StatusUnprocessableEntity, "", f)
	}
	if err := s.clinics.CreateClinic(c, cl); err != nil {
		return fmt.Errorf("create clinic: %w", err)
	}
	noteAudit(c, "clinic.create", "clinic", cl.ID, "clinic "+cl.Name)
	s.flash(c, "flash.clinic_saved")
	return seeOther(c, "/clinics")
}

// updateClinicPage answers POST /clinics/:id.
func (s *Server) updateClinicPage(c *gin.Context) error {
	cl, err := s.loadClinic(c)
	if err != nil {
		return err
	}
	f, p := s.postedClinic(c)
	version, err := formVersion(f)
	if err != nil {
		return err
	}
	before := *cl
	p.apply(cl)
	cl.Version, cl.UpdatedAt = version, s.now().UTC()
	if again, err := s.showAgain(c, f, s.validateClinic(c, cl), clinicRename); again || err != nil {
		if err != nil {
			return err
		}
		return s.renderClinicForm(c, http.StatusUnprocessableEntity, cl.ID, f)
	}
	if err := s.clinics.UpdateClinic(c, cl); errors.Is(err, models.ErrConflict) {
		f.fail("", s.tr(c, "admin.stale"))
		return s.renderClinicForm(c, http.StatusConflict, cl.ID, f)
	} else if err != nil {
		return fmt.Errorf("update clinic %s: %w", cl.ID, err)
	}
	noteAudit(c, "clinic.update", "clinic", cl.ID, changeSummary(&before, cl))
	s.flash(c, "flash.clinic_saved")
	return seeOther(c, "/clinics")
}

// deleteClinicPage answers POST /clinics/:id/delete: the API's reference
// check first; a refusal is shown above the list.
func (s *Server) deleteClinicPage(c *gin.Context) error {
	return s.deleteFromPage(c, "clinic", "/clinics", s.clinicReferences, s.clinics.DeleteClinic, s.renderClinics)
}

// refusal is the text of a refused change: the service's explanation.
func (s *Server) refusal(c *gin.Context, err error) string {
	var ce *models.ConflictError
	if errors.As(err, &ce) {
		return s.tr(c, "admin.refused", ce.Message)
	}
	return s.tr(c, "admin.stale")
}

// ---- trainers ----

// trainerFields are the trainer form's fields.
var trainerFields = []string{"name", "email", "phone", "skills", "address", "lat", "lon",
	"max_visits", "max_minutes", "travel_mode", "lang", "version"}

// trainerRename maps the trainer service's fields to the form's; the end
// place is the home unless set through the API, and availability is edited
// elsewhere, so their messages go to the form as a whole.
var trainerRename = map[string]string{
	"start_place.address": "address", "start_place.lat": "lat", "start_place.lon": "lon",
	"end_place.address": "", "end_place.lat": "", "end_place.lon": "",
	"max_visits_per_day": "max_visits", "max_work_minutes": "max_minutes", "availability.*": "",
}

// trainersPage answers GET /trainers.
func (s *Server) trainersPage(c *gin.Context) error {
	return s.renderTrainers(c, http.StatusOK, "")
}

func (s *Server) renderTrainers(c *gin.Context, status int, alert string) error {
	p, err := listPage(c)
	if err != nil {
		return err
	}
	items, err := s.trainers.Trainers(c, models.TrainerFilter{}, p)
	if err != nil {
		return fmt.Errorf("list trainers: %w", err)
	}
	return s.render(c, status, "admin_trainers", "", adminListPage{Items: items, Alert: alert,
		Next: next(len(items), p, func() string { return items[len(items)-1].ID })}, nil)
}

func trainerForm(t *models.Trainer) *form {
	return &form{Values: map[string]string{
		"name": t.Name, "email": t.Email, "phone": t.Phone, "skills": strings.Join(t.Skills, ", "),
		"address": t.StartPlace.Address, "lat": formatFloat(t.StartPlace.Lat), "lon": formatFloat(t.StartPlace.Lon),
		"max_visits": strconv.Itoa(t.MaxVisitsDay), "max_minutes": strconv.Itoa(t.MaxWorkMinutes),
		"travel_mode": string(t.TravelMode), "lang": t.Lang, "version": strconv.FormatInt(t.Version, 10),
	}}
}

func (s *Server) renderTrainerForm(c *gin.Context, status int, id string, f *form) error {
	var modes []option
	for _, m := range models.TravelModes {
		modes = append(modes, option{Value: string(m), Label: s.tr(c, "admin.travel."+string(m)), Selected: f.Value("travel_mode") == string(m)})
	}
	title := "admin_trainer.title"
	if id == "" {
		title = "admin_trainer.new"
	}
	return s.render(c, status, "admin_trainer", title, adminFormPage{ID: id,
		Selects: selects(f, map[string][]option{"travel_mode": modes, "lang": langOptions(f.Value("lang"))},
			map[string]string{"travel_mode": "admin.travel_mode", "lang": "admin.lang"})}, f)
}

// newTrainerPage answers GET /trainers/new with the API's defaults.
func (s *Server) newTrainerPage(c *gin.Context) error {
	return s.renderTrainerForm(c, http.StatusOK, "", &form{Values: map[string]string{"lang": defaultLang,
		"travel_mode": string(defaultTravelMode), "max_visits": strconv.Itoa(defaultMaxVisitsPerDay),
		"max_minutes": strconv.Itoa(defaultMaxWorkMinutes)}})
}

// editTrainerPage answers GET /trainers/:id.
func (s *Server) editTrainerPage(c *gin.Context) error {
	t, err := s.loadTrainer(c)
	if err != nil {
		return err
	}
	return s.renderTrainerForm(c, http.StatusOK, t.ID, trainerForm(t))
}

// postedTrainer reads the trainer form into the API's params; the
// availability is kept from before (edited on its own page).
func (s *Server) postedTrainer(c *gin.Context, before *models.Trainer) (*form, TrainerParams) {
	f := postedForm(c, trainerFields...)
	p := TrainerParams{Name: f.Values["name"], Email: f.Values["email"], Phone: f.Values["phone"],
		Skills: splitList(f.Values["skills"]), TravelMode: models.TravelMode(f.Values["travel_mode"]), Lang: f.Values["lang"],
		MaxVisitsPerDay: parseIntField(f, "max_visits"), MaxWorkMinutes: parseIntField(f, "max_minutes")}
	p.StartPlace = models.Place{Address: f.Values["address"], Lat: s.parseFloatField(c, f, "lat"), Lon: s.parseFloatField(c, f, "lon")}
	if before != nil {
		p.Availability = before.Availability
		if before.EndPlace != before.StartPlace {
			end := before.EndPlace
			p.EndPlace = &end
		}
	}
	return f, p
}

// createTrainerPage answers POST /trainers.
func (s *Server) createTrainerPage(c *gin.Context) error {
	f, p := s.postedTrainer(c, nil)
	now := s.now().UTC()
	t := &models.Trainer{CreatedAt: now, UpdatedAt: now, Version: 1}
	p.apply(t)
	if again, err := s.showAgain(c, f, t.Validate(), trainerRename); again || err != nil {
		if err != nil {
			return err
		}
		return s.renderTrainerForm(c, http.StatusUnprocessableEntity, "", f)
	}
	if err := s.trainers.CreateTrainer(c, t); err != nil {
		return fmt.Errorf("create trainer: %w", err)
	}
	noteAudit(c, "trainer.create", "trainer", t.ID, "trainer "+t.Name)
	s.flash(c, "flash.trainer_saved")
	return seeOther(c, "/trainers")
}

// updateTrainerPage answers POST /trainers/:id.
func (s *Server) updateTrainerPage(c *gin.Context) error {
	t, err := s.loadTrainer(c)
	if err != nil {
		return err
	}
	f, p := s.postedTrainer(c, t)
	version, err := formVersion(f)
	if err != nil {
		return err
	}
	before := *t
	p.apply(t)
	t.Version, t.UpdatedAt = version, s.now().UTC()
	if again, err := s.showAgain(c, f, t.Validate(), trainerRename); again || err != nil {
		if err != nil {
			return err
		}
		return s.renderTrainerForm(c, http.StatusUnprocessableEntity, t.ID, f)
	}
	if err := s.trainers.UpdateTrainer(c, t); errors.Is(err, models.ErrConflict) {
		f.fail("", s.tr(c, "admin.stale"))
		return s.renderTrainerForm(c, http.StatusConflict, t.ID, f)
	} else if err != nil {
		return fmt.Errorf("update trainer %s: %w", t.ID, err)
	}
	noteAudit(c, "trainer.update", "trainer", t.ID, changeSummary(&before, t))
	s.flash(c, "flash.trainer_saved")
	return seeOther(c, "/trainers")
}

// deleteTrainerPage answers POST /trainers/:id/delete.
func (s *Server) deleteTrainerPage(c *gin.Context) error {
	return s.deleteFromPage(c, "trainer", "/trainers", s.trainerReferences, s.trainers.DeleteTrainer, s.renderTrainers)
}

// deleteFromPage deletes the :id document of kind from an admin list: the
// API's reference check first, then the version-guarded delete; a refusal
// (references or a stale version) is shown above the list.
func (s *Server) deleteFromPage(c *gin.Context, kind, list string,
	references func(context.Context, string) error,
	remove func(context.Context, string, int64) error,
	render func(*gin.Context, int, string) error) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := formVersion(postedForm(c, "version"))
	if err != nil {
		return err
	}
	err = references(c, id)
	if err == nil {
		err = remove(c, id, version)
	}
	if errors.Is(err, models.ErrConflict) {
		return render(c, http.StatusConflict, s.refusal(c, err))
	}
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", kind, id, err)
	}
	noteAudit(c, kind+".delete", kind, id, "")
	s.flash(c, "flash.deleted")
	return seeOther(c, list)
}

// ---- users ----

// userFields are the account form's fields.
var userFields = []string{"email", "name", "password", "role", "trainer_id", "clinic_id", "lang", "version"}

// usersPage answers GET /users.
func (s *Server) usersPage(c *gin.Context) error {
	return s.renderUsers(c, http.StatusOK, "")
}

func (s *Server) renderUsers(c *gin.Context, status int, alert string) error {
	p, err := listPage(c)
	if err != nil {
		return err
	}
	items, err := s.users.Users(c, p)
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	return s.render(c, status, "admin_users", "", adminListPage{Items: items, Alert: alert, Me: caller(c).user.ID,
		Next: next(len(items), p, func() string { return items[len(items)-1].ID })}, nil)
}

// renderUserForm shows the account form with its role, trainer and clinic
// choices.
func (s *Server) renderUserForm(c *gin.Context, status int, id string, role models.Role, f *form) error {
	var roles, trainers, clinics []option
	for _, r := range []models.Role{models.RoleCoordinator, models.RoleTrainer, models.RoleClinic} {
		roles = append(roles, option{Value: string(r), Label: s.tr(c, "role."+string(r)), Selected: f.Value("role") == string(r)})
	}
	err := everyItem(func(p models.Page) ([]models.Trainer, error) {
		return s.trainers.Trainers(c, models.TrainerFilter{}, p)
	},
		func(t *models.Trainer) string { return t.ID },
		func(t *models.Trainer) {
			trainers = append(trainers, option{Value: t.ID, Label: t.Name, Selected: f.Value("trainer_id") == t.ID})
		})
	if err != nil {
		return fmt.Errorf("list trainers for the account form: %w", err)
	}
	err = everyItem(func(p models.Page) ([]models.Clinic, error) { return s.clinics.Clinics(c, models.ClinicFilter{}, p) },
		func(cl *models.Clinic) string { return cl.ID },
		func(cl *models.Clinic) {
			clinics = append(clinics, option{Value: cl.ID, Label: cl.Name, Selected: f.Value("clinic_id") == cl.ID})
		})
	if err != nil {
		return fmt.Errorf("list clinics for the account form: %w", err)
	}
	title := "admin_user.title"
	if id == "" {
		title = "admin_user.new"
	}
	sel := selects(f, map[string][]option{"role": roles, "trainer_id": trainers, "clinic_id": clinics, "lang": langOptions(f.Value("lang"))},
		map[string]string{"role": "admin.role", "trainer_id": "admin.trainer", "clinic_id": "admin.clinic", "lang": "account.language.label"})
	for _, name := range []string{"trainer_id", "clinic_id"} {
		v := sel[name]
		v.Empty = "admin.none"
		sel[name] = v
	}
	return s.render(c, status, "admin_user", title, adminFormPage{ID: id, Role: role, Selects: sel}, f)
}

// newUserPage answers GET /users/new.
func (s *Server) newUserPage(c *gin.Context) error {
	return s.renderUserForm(c, http.StatusOK, "", "", &form{Values: map[string]string{"lang": defaultLang, "role": string(models.RoleClinic)}})
}

// createUserPage answers POST /users: the API's account rules
// (newAccount); a taken e-mail is shown next to the e-mail.
func (s *Server) createUserPage(c *gin.Context) error {
	f := postedForm(c, userFields...)
	p := UserParams{Email: f.Values["email"], Name: f.Values["name"], Password: f.Values["password"],
		Role: models.Role(f.Values["role"]), Lang: f.Values["lang"]}
	// Only the link of the chosen role is sent: the other select keeps
	// whatever it showed, which the role does not use.
	switch p.Role {
	case models.RoleTrainer:
		p.TrainerID = f.Values["trainer_id"]
	case models.RoleClinic:
		p.ClinicID = f.Values["clinic_id"]
	}
	u, err := s.newAccount(c, p)
	if again, err := s.showAgain(c, f, err, nil); again || err != nil {
		if err != nil {
			return err
		}
		return s.renderUserForm(c, http.StatusUnprocessableEntity, "", "", f)
	}
	if err := s.users.CreateUser(c, u); errors.Is(err, models.ErrConflict) {
		f.fail("email", s.tr(c, "admin.email_taken"))
		f.fail("", s.tr(c, "form.invalid"))
		return s.renderUserForm(c, http.StatusConflict, "", "", f)
	} else if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	noteAudit(c, "user.create", "user", u.ID, fmt.Sprintf("account %s (%s)", u.Email, u.Role))
	s.flash(c, "flash.user_saved")
	return seeOther(c, "/users")
}

// loadUser loads the account named in the path.
func (s *Server) loadUser(c *gin.Context) (*models.User, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	u, err := s.users.User(c, id)
	if err != nil {
		return nil, fmt.Errorf("load user %s: %w", id, err)
	}
	return u, nil
}

// editUserPage answers GET /users/:id.
func (s *Server) editUserPage(c *gin.Context) error {
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	return s.renderUserForm(c, http.StatusOK, u.ID, u.Role, &form{Values: map[string]string{
		"email": u.Email, "name": u.Name, "role": string(u.Role), "trainer_id": u.TrainerID, "clinic_id": u.ClinicID,
		"lang": u.Lang, "version": strconv.FormatInt(u.Version, 10)}})
}

// updateUserPage answers POST /users/:id: name, e-mail, language and the
// trainer or clinic the account belongs to, checked as on creation
// (Validate, checkUserLink). The role stays: an account of another role
// is a new account.
func (s *Server) updateUserPage(c *gin.Context) error {
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	f := postedForm(c, userFields...)
	version, err := formVersion(f)
	if err != nil {
		return err
	}
	f.Values["role"] = string(u.Role)
	before := *u
	u.Email, u.Name, u.Lang, u.Version = f.Values["email"], f.Values["name"], f.Values["lang"], version
	switch u.Role {
	case models.RoleTrainer:
		u.TrainerID = f.Values["trainer_id"]
	case models.RoleClinic:
		u.ClinicID = f.Values["clinic_id"]
	}
	err = u.Validate()
	if err == nil {
		err = s.checkUserLink(c, u)
	}
	if again, err := s.showAgain(c, f, err, nil); again || err != nil {
		if err != nil {
			return err
		}
		return s.renderUserForm(c, http.StatusUnprocessableEntity, u.ID, u.Role, f)
	}
	if err := s.users.UpdateUser(c, u); errors.Is(err, models.ErrConflict) {
		f.fail("", s.tr(c, "admin.stale_or_taken"))
		return s.renderUserForm(c, http.StatusConflict, u.ID, u.Role, f)
	} else if err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, err)
	}
	noteAudit(c, "user.update", "user", u.ID, changeSummary(&before, u))
	s.flash(c, "flash.user_saved")
	return seeOther(c, "/users")
}

// setUserDisabledPage answers POST /users/:id/deactivate and
// /users/:id/activate. A deactivated account can neither log in nor use
// its tokens (identify and checkLogin refuse it), and its sessions and
// tokens are deleted at once; it stays stored, because audit entries and
// plans name it. A coordinator cannot deactivate their own account, so
// there is always someone left to undo it.
func (s *Server) setUserDisabledPage(disabled bool) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		u, err := s.loadUser(c)
		if err != nil {
			return err
		}
		version, err := formVersion(postedForm(c, "version"))
		if err != nil {
			return err
		}
		if disabled && u.ID == caller(c).user.ID {
			return s.renderUsers(c, http.StatusConflict, s.tr(c, "admin.user.self"))
		}
		u.Disabled, u.Version = disabled, version
		if err := s.users.UpdateUser(c, u); errors.Is(err, models.ErrConflict) {
			return s.renderUsers(c, http.StatusConflict, s.tr(c, "admin.stale"))
		} else if err != nil {
			return fmt.Errorf("set user %s disabled=%v: %w", u.ID, disabled, err)
		}
		summary := "account " + u.Email + " activated"
		if disabled {
			toks, err := s.tokens.Tokens(c, u.ID)
			if err != nil {
				return fmt.Errorf("list the tokens of deactivated user %s: %w", u.ID, err)
			}
			for _, t := range toks {
				if err := s.tokens.DeleteTokenByID(c, u.ID, t.ID); err != nil && !errors.Is(err, models.ErrNotFound) {
					return fmt.Errorf("delete token %s of deactivated user %s: %w", t.ID, u.ID, err)
				}
			}
			summary = fmt.Sprintf("account %s deactivated; %d sessions and tokens revoked", u.Email, len(toks))
		}
		noteAudit(c, "", "user", u.ID, summary)
		s.flash(c, map[bool]string{true: "flash.user_deactivated", false: "flash.user_activated"}[disabled])
		return seeOther(c, "/users")
	}
}

// everyItem calls fn for every item list returns, page by page in id order:
// the forms' choices (trainers, clinics, accounts) are whole lists.
func everyItem[T any](list func(models.Page) ([]T, error), id func(*T) string, fn func(*T)) error {
	p := models.Page{Limit: models.MaxPageSize}
	for {
		items, err := list(p)
		if err != nil {
			return err
		}
		for i := range items {
			fn(&items[i])
		}
		if len(items) < p.Limit {
			return nil
		}
		p.After = id(&items[len(items)-1])
	}
}
