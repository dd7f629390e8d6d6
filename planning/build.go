package planning

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/scheduler"
	"github.com/fieldvisit/fieldvisit/travel"
)

// History counts past visits: clinic id → trainer id → number of visits. The
// engine prefers a trainer the clinic already knows.
type History map[string]map[string]int

// Input is everything Build needs for one week.
type Input struct {
	// Week is the Monday of the planned week.
	Week models.Date
	// Days is the number of planned days from Monday: 5, or 6 with Saturday.
	Days int
	// Location is the service's time zone; wall-clock hours are read in it.
	Location *time.Location
	Trainers []models.Trainer
	Clinics  []models.Clinic
	// Requests are the open requests (new, planned, confirmed) to place.
	Requests []models.Request
	// Published are the visits of the week's published plan: their placement
	// is the previous assignment of each request, and a confirmed request's
	// scheduled visit becomes an exact pin.
	Published []models.Visit
	// Optimise re-optimises the week: booked visits are not pinned in place,
	// only priced for moving (Stop.Previous). Otherwise (the default, a
	// repair) every booked visit whose request is unchanged since booking
	// and whose trainer works that day is pinned to its trainer, day and
	// start.
	Optimise bool
	// EditPins are the coordinators' hand edits of the week still in force
	// (models.Plan.Pins of its latest version), by request id: a trainer
	// and day (and start) to keep, or a request to leave out.
	EditPins map[string]models.EditPin
	History  History
	// closed holds the requests of Published visits that were closed as
	// done: the planner does not count those visits as moved.
	closed map[string]bool
	// Travel gives the travel times between places.
	Travel travel.Source
	// Weights prices the objective; nil means scheduler.DefaultWeights.
	Weights *scheduler.Weights
}

// Index maps the problem's routes and stops back to the service's
// documents; Decode needs it to turn a solution into a plan.
type Index struct {
	Week     models.Date
	Location *time.Location
	// Origin is the instant of time 0: the week's Monday 00:00 local.
	Origin time.Time
	// Dates holds the date of each day index.
	Dates []models.Date
	// RouteTrainers and RouteDates name the trainer and date of each route
	// (parallel to Problem.Routes).
	RouteTrainers []*models.Trainer
	RouteDates    []models.Date
	// StopRequests names the request of each stop (parallel to Problem.Stops).
	StopRequests []*models.Request
	// Clinics by id.
	Clinics map[string]*models.Clinic
	// PinSources names, per pinned request id, where its pin comes from:
	// PinRequest for a coordinator's pin, PinBooked for a booked visit kept
	// in place by a repair.
	PinSources map[string]string
	// Unplaceable lists the requests that could not even become a stop (no
	// allowed time in the week, a pin outside the week); Decode reports them
	// as unassigned with their reason.
	Unplaceable []models.Unassigned
	// Warnings are data problems found on the way (a request whose clinic
	// vanished, a trainer without working hours); they go into the plan.
	Warnings []string
}

// Sources of a stop's pin in Index.PinSources.
const (
	PinRequest = "request"
	PinEdit    = "edit"
	PinBooked  = "booked"
)

// Reasons Build gives for requests it cannot turn into a stop. They share
// the vocabulary of scheduler.Reason.
const (
	ReasonNoWindowOverlap = string(scheduler.ReasonNoWindowOverlap)
	ReasonPin             = string(scheduler.ReasonPin)
	ReasonUnknownClinic   = "unknown_clinic"
)

// Build converts in into a planning problem. Data problems that concern one
// request or trainer become warnings (or an unplaceable request), never an
// error; Build fails only when the input as a whole is unusable (no valid
// week, no time zone, no travel source) or travel times cannot be had.
func Build(ctx context.Context, in Input) (*scheduler.Problem, *Index, error) {
	if in.Location == nil {
		return nil, nil, errors.New("build problem: no time zone")
	}
	if !in.Week.StartsWeek() {
		return nil, nil, fmt.Errorf("build problem: week %q is not a Monday", in.Week)
	}
	if in.Days < 1 || in.Days > 7 {
		return nil, nil, fmt.Errorf("build problem: %d days is not a week", in.Days)
	}
	if in.Travel == nil {
		return nil, nil, errors.New("build problem: no travel source")
	}
	b := &builder{
		in: in,
		idx: &Index{
			Week:       in.Week,
			Location:   in.Location,
			Origin:     in.Week.At(0, in.Location),
			Clinics:    map[string]*models.Clinic{},
			PinSources: map[string]string{},
		},
		points:       map[travel.Point]int{},
		profiles:     map[travel.Mode]int{},
		trainerRoute: map[string]map[int]bool{},
	}
	for d := range in.Days {
		b.idx.Dates = append(b.idx.Dates, in.Week.AddDays(d))
	}
	b.p = &scheduler.Problem{DayLength: 24 * 3600, Weights: scheduler.DefaultWeights()}
	if in.Weights != nil {
		b.p.Weights = *in.Weights
	}
	for i := range in.Clinics {
		b.idx.Clinics[in.Clinics[i].ID] = &in.Clinics[i]
	}
	for i := range in.Trainers {
		b.addTrainer(&in.Trainers[i])
	}
	published := map[string]*models.Visit{}
	for i := range in.Published {
		published[in.Published[i].RequestID] = &in.Published[i]
	}
	for i := range in.Requests {
		b.addRequest(&in.Requests[i], published[in.Requests[i].ID])
	}
	if err := b.matrices(ctx); err != nil {
		return nil, nil, err
	}
	if err := b.p.Validate(); err != nil {
		return nil, nil, fmt.Errorf("build problem: %w", err)
	}
	return b.p, b.idx, nil
}

type builder struct {
	in  Input
	p   *scheduler.Problem
	idx *Index
	// points are the distinct places, in order of first use; their index
	// is the location index in every matrix.
	points     map[travel.Point]int
	pointOrder []travel.Point
	// profiles maps a travel mode to its matrix.
	profiles  map[travel.Mode]int
	modeOrder []travel.Mode
	// trainerRoute records which days each trainer has a route.
	trainerRoute map[string]map[int]bool
}

func (b *builder) warn(format string, args ...any) {
	b.idx.Warnings = append(b.idx.Warnings, fmt.Sprintf(format, args...))
}

// seconds returns the problem time of wall-clock tod on date d.
func (b *builder) seconds(d models.Date, tod models.TimeOfDay) int64 {
	return int64(d.At(tod, b.in.Location).Sub(b.idx.Origin) / time.Second)
}

func (b *builder) location(pl models.Place) int {
	pt := travel.Point{Lat: pl.Lat, Lon: pl.Lon}
	if i, ok := b.points[pt]; ok {
		return i
	}
	b.points[pt] = len(b.pointOrder)
	b.pointOrder = append(b.pointOrder, pt)
	return b.points[pt]
}

func (b *builder) profile(m models.TravelMode) int {
	mode, err := travel.ParseMode(string(m))
	if err != nil {
		mode = travel.Car
	}
	if i, ok := b.profiles[mode]; ok {
		return i
	}
	b.profiles[mode] = len(b.modeOrder)
	b.modeOrder = append(b.modeOrder, mode)
	return b.profiles[mode]
}

// addTrainer adds one route per day the trainer works.
func (b *builder) addTrainer(t *models.Trainer) {
	if !validPlace(t.StartPlace) || !validPlace(t.EndPlace) {
		b.warn("trainer %s (%s) has no usable start or end place; not planned", t.ID, t.Name)
		return
	}
	for day, date := range b.idx.Dates {
		shifts := b.shifts(t, date)
		if len(shifts) == 0 {
			continue
		}
		r := scheduler.Route{
			ID:       t.ID + "/" + string(date),
			Vehicle:  t.ID,
			Day:      day,
			StartLoc: b.location(t.StartPlace),
			EndLoc:   b.location(t.EndPlace),
			Profile:  b.profile(t.TravelMode),
			Shifts:   shifts,
			Break:    b.lunch(t.Lunch, date, shifts),
			Capacity: int64(max(t.MaxVisitsDay, 0)),
			MaxWork:  int64(max(t.MaxWorkMinutes, 0)) * 60,
			Skills:   slices.Clone(t.Skills),
		}
		b.p.Routes = append(b.p.Routes, r)
		b.idx.RouteTrainers = append(b.idx.RouteTrainers, t)
		b.idx.RouteDates = append(b.idx.RouteDates, date)
		if b.trainerRoute[t.ID] == nil {
			b.trainerRoute[t.ID] = map[int]bool{}
		}
		b.trainerRoute[t.ID][day] = true
	}
}

// shifts returns the trainer's working windows on date as problem time,
// sorted, with touching windows merged (the engine wants disjoint shifts).
func (b *builder) shifts(t *models.Trainer, date models.Date) []scheduler.Window {
	var out []scheduler.Window
	for _, w := range sortedWindows(t.Availability.Windows(date)) {
		if w.End <= w.Start {
			b.warn("trainer %s (%s): window %s–%s on %s runs backwards; ignored", t.ID, t.Name, w.Start, w.End, date)
			continue
		}
		sw := scheduler.Window{Start: b.seconds(date, w.Start), End: b.seconds(date, w.End)}
		if n := len(out); n > 0 && sw.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, sw.End)
			continue
		}
		out = append(out, sw)
	}
	return out
}

// lunch turns the trainer's lunch rule into a break on date, its start window
// clipped to the working day so that the break can be taken; a day that ends
// before lunch (or starts after it) has no break.
func (b *builder) lunch(l *models.Lunch, date models.Date, shifts []scheduler.Window) *scheduler.Break {
	if l == nil || l.Minutes <= 0 {
		return nil
	}
	dur := int64(l.Minutes) * 60
	from := max(b.seconds(date, l.Earliest), shifts[0].Start)
	to := min(b.seconds(date, l.Latest), shifts[len(shifts)-1].End-dur)
	if to < from {
		return nil
	}
	return &scheduler.Break{Window: scheduler.Window{Start: from, End: to}, Duration: dur}
}

// addRequest adds the request as a stop, or records why it cannot be one.
func (b *builder) addRequest(r *models.Request, visit *models.Visit) {
	c := b.plannableClinic(r)
	if c == nil {
		return
	}
	edit, edited := b.in.EditPins[r.ID]
	if edited && edit.Out && r.Pin == nil {
		b.unplaceable(r, "unassigned", "taken out of the plan by a coordinator", models.ExplainNote{Code: "unassigned_by_coordinator"})
		return
	}
	durMin := r.DurationMinutes
	if durMin <= 0 {
		durMin = models.DefaultDuration(r.Kind)
	}
	service := int64(durMin) * 60
	windows := b.startWindows(r, c, service)
	if len(windows) == 0 {
		b.unplaceable(r, ReasonNoWindowOverlap, fmt.Sprintf(
			"no %d-minute slot within the clinic's hours between %s and %s in the week of %s",
			durMin, r.EarliestDate, r.DueDate, b.in.Week),
			models.ExplainNote{Code: "no_slot_in_week", Amount: durMin, Earliest: r.EarliestDate, Due: r.DueDate, Week: b.in.Week})
		return
	}
	s := scheduler.Stop{
		ID:      r.ID,
		Loc:     b.location(c.Place),
		Service: service,
		Windows: windows,
		// The same times without the earliest and due days, so that an
		// explanation offers a later due day only when the clinic is open.
		OpenWindows: b.openWindows(r, c, service),
		Load:        1,
		Skills:      slices.Clone(r.Skills),
		Priority:    priority(r.Priority),
		Preferred:   slices.Clone(c.PreferredTrainers),
		History:     b.in.History[c.ID],
		Group:       c.ID,
	}
	// Preferred hours are a wish, priced, never a limit.
	s.PreferredWindows = b.preferredStarts(r, service)
	s.Previous = b.previous(visit)
	if !b.pinStop(r, visit, &s, edit, edited) {
		return
	}
	b.p.Stops = append(b.p.Stops, s)
	b.idx.StopRequests = append(b.idx.StopRequests, r)
}

// plannableClinic returns the request's clinic, or records why the
// request cannot be planned and returns nil: the clinic is unknown or has
// no coordinates.
func (b *builder) plannableClinic(r *models.Request) *models.Clinic {
	c := b.idx.Clinics[r.ClinicID]
	if c == nil {
		b.warn("request %s: clinic %s does not exist; not planned", r.ID, r.ClinicID)
		b.unplaceable(r, ReasonUnknownClinic, fmt.Sprintf("clinic %s does not exist", r.ClinicID), models.ExplainNote{Code: "unknown_clinic"})
		return nil
	}
	if !validPlace(c.Place) {
		b.warn("request %s: clinic %s (%s) has no coordinates; not planned", r.ID, c.ID, c.Name)
		b.unplaceable(r, ReasonUnknownClinic, fmt.Sprintf("clinic %s has no coordinates", c.ID), models.ExplainNote{Code: "clinic_no_place"})
		return nil
	}
	return c
}

// previous is where the request's booked visit is in this week's problem,
// or nil when it has no scheduled visit on a planned day.
func (b *builder) previous(visit *models.Visit) *scheduler.Assignment {
	if visit == nil || visit.Status != models.VisitScheduled {
		return nil
	}
	day := b.dayIndex(visit.Date)
	if day < 0 {
		return nil
	}
	return &scheduler.Assignment{
		Vehicle: visit.TrainerID,
		Day:     day,
		Start:   int64(visit.Start.Sub(b.idx.Origin) / time.Second),
	}
}

// pinStop pins s by, in order, the coordinator's pin on the request, a
// coordinator's edit, or the booked visit; it reports false, recording
// why, when the request's pin cannot be honoured in this week at all.
func (b *builder) pinStop(r *models.Request, visit *models.Visit, s *scheduler.Stop, edit models.EditPin, edited bool) bool {
	switch {
	case r.Pin != nil:
		pin, reason, why := b.requestPin(r.Pin)
		if reason != "" {
			b.warn("request %s: %s", r.ID, reason)
			b.unplaceable(r, ReasonPin, reason, why)
			return false
		}
		s.Pin = pin
		b.idx.PinSources[r.ID] = PinRequest
	case edited && b.editPin(r, s, edit):
	case s.Previous != nil && !b.in.Optimise:
		// A booked visit is a commitment: it stays where it is unless what
		// it depends on changed. A changed request is placed afresh (its
		// old slot still priced as Previous); a trainer who no longer works
		// that day makes keeping it impossible. A slot the trainer's new
		// hours or the other pins make infeasible is released by the
		// planner, which then solves again.
		switch {
		case visit.RequestDigest != "" && visit.RequestDigest != models.BookingDigest(r):
		case !b.trainerRoute[s.Previous.Vehicle][s.Previous.Day]:
			b.warn("request %s: booked visit on %s cannot be kept, trainer %s no longer works that day",
				r.ID, visit.Date, visit.TrainerID)
		default:
			s.Pin = BookedPin(s.Previous)
			b.idx.PinSources[r.ID] = PinBooked
		}
	}
	return true
}

// editPin pins s where a coordinator's edit put it and reports whether it
// did: an edit to a day the trainer no longer works is released with a
// warning, and the request is placed like any other.
func (b *builder) editPin(r *models.Request, s *scheduler.Stop, e models.EditPin) bool {
	day := b.dayIndex(e.Date)
	if day < 0 || !b.trainerRoute[e.TrainerID][day] {
		b.warn("request %s: the coordinator's edit to %s on %s is released, the trainer does not work that day", r.ID, e.TrainerID, e.Date)
		return false
	}
	s.Pin = &scheduler.Pin{Vehicle: e.TrainerID, Day: day, HasDay: true}
	if e.Start != nil {
		s.Pin.Start, s.Pin.HasStart = b.seconds(e.Date, *e.Start), true
	}
	b.idx.PinSources[r.ID] = PinEdit
	// Once booked where the edit put it, the visit is a commitment like
	// any other: its start holds too (and is released like any other's
	// when it no longer fits).
	if prev := s.Previous; prev != nil && !b.in.Optimise && prev.Vehicle == e.TrainerID && prev.Day == day &&
		(!s.Pin.HasStart || s.Pin.Start == prev.Start) {
		s.Pin = BookedPin(prev)
		b.idx.PinSources[r.ID] = PinBooked
	}
	return true
}

// BookedPin pins a stop exactly where it was booked.
func BookedPin(prev *scheduler.Assignment) *scheduler.Pin {
	return &scheduler.Pin{Vehicle: prev.Vehicle, Day: prev.Day, HasDay: true, Start: prev.Start, HasStart: true}
}

// requestPin converts a coordinator's pin; a pin the week cannot honour at
// all returns the reason instead, in English and as a note.
func (b *builder) requestPin(mp *models.Pin) (*scheduler.Pin, string, models.ExplainNote) {
	pin := &scheduler.Pin{Vehicle: mp.TrainerID}
	if mp.TrainerID != "" && len(b.trainerRoute[mp.TrainerID]) == 0 {
		return nil, fmt.Sprintf("pinned to trainer %s, who does not work in the week of %s", mp.TrainerID, b.in.Week),
			models.ExplainNote{Code: "pin_trainer_off_week", Trainers: []models.NoteRef{b.trainerRef(mp.TrainerID)}, Week: b.in.Week}
	}
	if mp.Date != "" {
		day := b.dayIndex(mp.Date)
		if day < 0 {
			return nil, fmt.Sprintf("pinned to %s, outside the planned days of the week of %s", mp.Date, b.in.Week),
				models.ExplainNote{Code: "pin_outside_week", Date: mp.Date, Week: b.in.Week}
		}
		pin.Day, pin.HasDay = day, true
		if mp.Start != nil {
			pin.Start, pin.HasStart = b.seconds(mp.Date, *mp.Start), true
		}
	}
	return pin, "", models.ExplainNote{}
}

// trainerRef names a trainer of the input by id.
func (b *builder) trainerRef(id string) models.NoteRef {
	for i := range b.in.Trainers {
		if b.in.Trainers[i].ID == id {
			return models.NoteRef{ID: id, Name: b.in.Trainers[i].Name}
		}
	}
	return models.NoteRef{ID: id}
}

// openWindows is startWindows without the request's earliest and due
// days: the times the clinic would take it on any planned day.
func (b *builder) openWindows(r *models.Request, c *models.Clinic, service int64) []scheduler.Window {
	free := *r
	free.EarliestDate, free.DueDate = "", ""
	return b.startWindows(&free, c, service)
}

// startWindows returns the allowed service start times: per planned day
// within [earliest, due], the clinic's hours, each shortened by the
// service duration. The request's preferred windows are not among them:
// see preferredStarts.
func (b *builder) startWindows(r *models.Request, c *models.Clinic, service int64) []scheduler.Window {
	var out []scheduler.Window
	due := r.DueDate
	if due != "" && due < b.in.Week {
		// Overdue: the whole week is allowed; the urgency weight and the
		// warning make the coordinator see it first.
		b.warn("request %s was due on %s and is still open; planned as early as this week allows", r.ID, r.DueDate)
		due = ""
	}
	for _, date := range b.idx.Dates {
		if (r.EarliestDate != "" && date < r.EarliestDate) || (due != "" && date > due) {
			continue
		}
		open := sortedWindows(c.Hours.Day(date.Weekday()))
		for _, w := range open {
			start, end := b.seconds(date, w.Start), b.seconds(date, w.End)-service
			if end >= start {
				out = append(out, scheduler.Window{Start: start, End: end})
			}
		}
	}
	return out
}

// preferredStarts returns the start times at which the visit lies inside
// the request's preferred windows, on every planned day (the hard windows
// limit the days), or nil when the request names none. A window shorter
// than the visit prefers a start at its opening. The engine prices a start
// outside them (scheduler.Weights.OutsidePreferred) but never refuses one:
// a clinic's wish must not leave its request out.
func (b *builder) preferredStarts(r *models.Request, service int64) []scheduler.Window {
	if r.PreferredWindows.IsEmpty() {
		return nil
	}
	var out []scheduler.Window
	for _, date := range b.idx.Dates {
		for _, w := range sortedWindows(r.PreferredWindows.Day(date.Weekday())) {
			start := b.seconds(date, w.Start)
			out = append(out, scheduler.Window{Start: start, End: max(start, b.seconds(date, w.End)-service)})
		}
	}
	if len(out) == 0 {
		// The preferred days are not planned: no start meets the wish, and
		// an empty list would mean there is none. A window before the week
		// (time 0 is its Monday 00:00) says so.
		out = []scheduler.Window{{Start: -1, End: -1}}
	}
	return out
}

// unplaceable records a request that cannot become a stop, with its
// reason in English and as a note.
func (b *builder) unplaceable(r *models.Request, reason, detail string, why models.ExplainNote) {
	u := models.Unassigned{
		RequestID: r.ID, ClinicID: r.ClinicID, Kind: r.Kind, Topic: r.Topic, Priority: r.Priority,
		Reason: reason, Detail: detail, Why: &why,
	}
	if c := b.idx.Clinics[r.ClinicID]; c != nil {
		u.ClinicName = c.Name
	}
	b.idx.Unplaceable = append(b.idx.Unplaceable, u)
}

// dayIndex returns the day index of d, or -1 when d is not a planned day.
func (b *builder) dayIndex(d models.Date) int {
	return slices.Index(b.idx.Dates, d)
}

// matrices asks the travel source for one matrix per travel mode in use.
func (b *builder) matrices(ctx context.Context) error {
	if len(b.modeOrder) == 0 {
		// No trainer works this week; the engine still wants a matrix to
		// index stops into.
		b.profile(models.TravelCar)
	}
	for _, mode := range b.modeOrder {
		m, err := b.in.Travel.Matrix(ctx, b.pointOrder, mode)
		if err != nil {
			return fmt.Errorf("build problem: travel times by %s for %d places: %w", mode, len(b.pointOrder), err)
		}
		times := make([]int64, len(m.Seconds))
		for i, s := range m.Seconds {
			times[i] = roundTravel(int64(s))
		}
		b.p.Matrices = append(b.p.Matrices, scheduler.Matrix{Size: m.N, Time: times})
	}
	return nil
}

// TravelStep is the grain travel times are rounded up to. With shifts,
// opening hours and durations in whole minutes, it keeps every planned time
// on a five-minute mark: people are told "10:35", not "10:33:41", and each
// trip gets a few minutes of slack.
const TravelStep = 5 * 60

// roundTravel rounds a travel time in seconds up to TravelStep.
func roundTravel(sec int64) int64 {
	return (sec + TravelStep - 1) / TravelStep * TravelStep
}

func validPlace(p models.Place) bool {
	return travel.Point{Lat: p.Lat, Lon: p.Lon}.Valid() && !(p.Lat == 0 && p.Lon == 0)
}

func sortedWindows(ws []models.Window) []models.Window {
	out := slices.Clone(ws)
	slices.SortFunc(out, func(a, b models.Window) int { return int(a.Start - b.Start) })
	return out
}

func priority(p models.Priority) scheduler.Priority {
	switch p {
	case models.PriorityUrgent:
		return scheduler.PriorityUrgent
	case models.PriorityHigh:
		return scheduler.PriorityHigh
	case models.PriorityLow:
		return scheduler.PriorityLow
	}
	return scheduler.PriorityNormal
}
