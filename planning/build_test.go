package planning

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/scheduler"
	"github.com/fieldvisit/fieldvisit/travel"
)

func tod(s string) models.TimeOfDay {
	t, err := models.ParseTimeOfDay(s)
	if err != nil {
		panic(err)
	}
	return t
}

func win(from, to string) models.Window { return models.Window{Start: tod(from), End: tod(to)} }

func hm(h, m int) int64 { return int64(h*3600 + m*60) }

const day = 24 * 3600

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// Ids of the fixture's documents (24 hex digits, as the store makes them).
const (
	trainerAnna  = "a00000000000000000000001"
	trainerBoris = "a00000000000000000000002"
	clinicNorth  = "c00000000000000000000001"
	clinicSouth  = "c00000000000000000000002"
)

func fixtureTrainer(id string) models.Trainer {
	full := []models.Window{win("09:00", "18:00")}
	return models.Trainer{
		ID: id, Name: "Trainer " + id[len(id)-1:], Email: id + "@example.org",
		Skills:         []string{"conflict", "registry"},
		StartPlace:     models.Place{Address: "Home", Lat: 55.75, Lon: 37.60},
		EndPlace:       models.Place{Address: "Centre", Lat: 55.76, Lon: 37.62},
		MaxVisitsDay:   4,
		MaxWorkMinutes: 480,
		TravelMode:     models.TravelTransit,
		Lang:           "ru",
		Availability: models.Availability{
			Weekly: models.Week{Mon: full, Tue: full, Wed: full, Thu: full, Fri: full, Sat: full, Sun: full},
			Lunch:  &models.Lunch{Earliest: tod("12:00"), Latest: tod("14:00"), Minutes: 60},
		},
	}
}

func fixtureClinic(id string, lat float64) models.Clinic {
	open := []models.Window{win("08:00", "20:00")}
	return models.Clinic{
		ID: id, Name: "Clinic " + id[len(id)-1:], Place: models.Place{Address: "Street " + id[len(id)-1:], Lat: lat, Lon: 37.65},
		ContactEmails: []string{"head" + id[len(id)-1:] + "@clinic.example"},
		Hours:         models.Week{Mon: open, Tue: open, Wed: open, Thu: open, Fri: open, Sat: open, Sun: open},
		Lang:          "ru",
	}
}

func fixtureRequest(id, clinic string, earliest, due models.Date) models.Request {
	return models.Request{
		ID: id, ClinicID: clinic, Kind: models.KindOnsiteSupport, Topic: "queue at the desk",
		Skills: []string{"conflict"}, DurationMinutes: 60,
		EarliestDate: earliest, DueDate: due, Priority: models.PriorityNormal, Status: models.StatusNew,
	}
}

// fixture is a week of two trainers, two clinics and no requests, in Berlin
// time; the week of 2026-03-23 ends with the switch to summer time on
// Sunday 29 March at 02:00.
func fixture(t *testing.T) Input {
	return Input{
		Week:     "2026-03-23",
		Days:     7,
		Location: berlin(t),
		Trainers: []models.Trainer{fixtureTrainer(trainerAnna), fixtureTrainer(trainerBoris)},
		Clinics:  []models.Clinic{fixtureClinic(clinicNorth, 55.80), fixtureClinic(clinicSouth, 55.70)},
		Travel:   travel.DefaultModel(),
	}
}

func build(t *testing.T, in Input) (*scheduler.Problem, *Index) {
	t.Helper()
	p, idx, err := Build(context.Background(), in)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return p, idx
}

func routeOf(p *scheduler.Problem, trainer string, day int) *scheduler.Route {
	for i := range p.Routes {
		if p.Routes[i].Vehicle == trainer && p.Routes[i].Day == day {
			return &p.Routes[i]
		}
	}
	return nil
}

func stopOf(p *scheduler.Problem, id string) *scheduler.Stop {
	for i := range p.Stops {
		if p.Stops[i].ID == id {
			return &p.Stops[i]
		}
	}
	return nil
}

func TestBuildRoutes(t *testing.T) {
	// After the clock change on Sunday, local 09:00 is one hour earlier in
	// elapsed time than 6 days + 9 h.
	sunday := int64(6*day) - 3600
	tests := []struct {
		name    string
		edit    func(*models.Trainer)
		day     int
		want    []scheduler.Window // nil: no route that day
		wantBrk *scheduler.Break
	}{
		{
			name:    "weekly hours with lunch",
			day:     1,
			want:    []scheduler.Window{{Start: day + hm(9, 0), End: day + hm(18, 0)}},
			wantBrk: &scheduler.Break{Window: scheduler.Window{Start: day + hm(12, 0), End: day + hm(14, 0)}, Duration: 3600},
		},
		{
			name:    "after the switch to summer time 09:00 stays 09:00 local",
			day:     6,
			want:    []scheduler.Window{{Start: sunday + hm(9, 0), End: sunday + hm(18, 0)}},
			wantBrk: &scheduler.Break{Window: scheduler.Window{Start: sunday + hm(12, 0), End: sunday + hm(14, 0)}, Duration: 3600},
		},
		{
			name: "day off by override",
			edit: func(tr *models.Trainer) {
				tr.Overrides = []models.DateOverride{{Date: "2026-03-24", Off: true}}
			},
			day: 1,
		},
		{
			name: "override hours replace the weekly ones; lunch clipped to the day",
			edit: func(tr *models.Trainer) {
				tr.Overrides = []models.DateOverride{{Date: "2026-03-25", Windows: []models.Window{win("13:00", "17:00")}}}
			},
			day:     2,
			want:    []scheduler.Window{{Start: 2*day + hm(13, 0), End: 2*day + hm(17, 0)}},
			wantBrk: &scheduler.Break{Window: scheduler.Window{Start: 2*day + hm(13, 0), End: 2*day + hm(14, 0)}, Duration: 3600},
		},
		{
			name: "a morning shift ends before lunch: no break",
			edit: func(tr *models.Trainer) { tr.Weekly.Thu = []models.Window{win("08:00", "12:00")} },
			day:  3,
			want: []scheduler.Window{{Start: 3*day + hm(8, 0), End: 3*day + hm(12, 0)}},
		},
		{
			name: "touching windows merge, a gap stays",
			edit: func(tr *models.Trainer) {
				tr.Weekly.Fri = []models.Window{win("14:00", "16:00"), win("09:00", "11:00"), win("11:00", "12:00")}
			},
			day: 4,
			want: []scheduler.Window{
				{Start: 4*day + hm(9, 0), End: 4*day + hm(12, 0)},
				{Start: 4*day + hm(14, 0), End: 4*day + hm(16, 0)},
			},
			wantBrk: &scheduler.Break{Window: scheduler.Window{Start: 4*day + hm(12, 0), End: 4*day + hm(14, 0)}, Duration: 3600},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fixture(t)
			if tt.edit != nil {
				tt.edit(&in.Trainers[0])
			}
			p, _ := build(t, in)
			r := routeOf(p, trainerAnna, tt.day)
			if tt.want == nil {
				if r != nil {
					t.Fatalf("route on day %d = %+v, want none", tt.day, r.Shifts)
				}
				return
			}
			if r == nil {
				t.Fatalf("no route on day %d", tt.day)
			}
			if !slices.Equal(r.Shifts, tt.want) {
				t.Errorf("shifts = %+v, want %+v", r.Shifts, tt.want)
			}
			switch {
			case tt.wantBrk == nil && r.Break != nil:
				t.Errorf("break = %+v, want none", *r.Break)
			case tt.wantBrk != nil && (r.Break == nil || *r.Break != *tt.wantBrk):
				t.Errorf("break = %+v, want %+v", r.Break, *tt.wantBrk)
			}
			if r.Capacity != 4 || r.MaxWork != 480*60 {
				t.Errorf("capacity %d, max work %d; want 4 and %d", r.Capacity, r.MaxWork, 480*60)
			}
			if r.ID != trainerAnna+"/"+string(in.Week.AddDays(tt.day)) {
				t.Errorf("route id %q", r.ID)
			}
		})
	}
}

func TestBuildStops(t *testing.T) {
	sunday := int64(6*day) - 3600
	tests := []struct {
		name      string
		edit      func(*Input, *models.Request)
		want      []scheduler.Window // nil: not a stop
		wantPin   *scheduler.Pin
		wantPrev  *scheduler.Assignment
		reason    string // of an unplaceable request
		wantWarn  string
		wantPinBy string
		// wantPreferred are the preferred start times (nil: none).
		wantPreferred []scheduler.Window
	}{
		{
			name: "clinic hours on the days between earliest and due, shortened by the duration",
			edit: func(_ *Input, r *models.Request) { r.EarliestDate, r.DueDate = "2026-03-25", "2026-03-26" },
			want: []scheduler.Window{
				{Start: 2*day + hm(8, 0), End: 2*day + hm(19, 0)},
				{Start: 3*day + hm(8, 0), End: 3*day + hm(19, 0)},
			},
		},
		{
			name: "preferred windows are a wish beside the clinic's hours, which stay the limit",
			edit: func(_ *Input, r *models.Request) {
				r.PreferredWindows = models.Week{Tue: []models.Window{win("07:00", "10:30")}, Thu: []models.Window{win("15:00", "16:00")}}
			},
			want: []scheduler.Window{{Start: hm(8, 0), End: 6*day - 3600 + hm(19, 0)}},
			wantPreferred: []scheduler.Window{
				{Start: day + hm(7, 0), End: day + hm(9, 30)},
				{Start: 3*day + hm(15, 0), End: 3*day + hm(15, 0)},
			},
		},
		{
			name: "Sunday after the clock change",
			edit: func(_ *Input, r *models.Request) {
				r.EarliestDate, r.DueDate = "2026-03-29", "2026-04-03"
				r.DurationMinutes = 0 // the kind's default: 120 minutes
			},
			want: []scheduler.Window{{Start: sunday + hm(8, 0), End: sunday + hm(18, 0)}},
		},
		{
			name:     "an overdue open request may take any day of the week, with a warning",
			edit:     func(_ *Input, r *models.Request) { r.EarliestDate, r.DueDate = "2026-03-09", "2026-03-13" },
			want:     []scheduler.Window{{Start: hm(8, 0), End: 6*day - 3600 + hm(19, 0)}},
			wantWarn: "was due on 2026-03-13",
		},
		{
			name: "too short a preferred window prefers a start at its opening",
			edit: func(_ *Input, r *models.Request) {
				r.PreferredWindows = models.Week{Wed: []models.Window{win("10:00", "10:30")}}
			},
			want:          []scheduler.Window{{Start: hm(8, 0), End: 6*day - 3600 + hm(19, 0)}},
			wantPreferred: []scheduler.Window{{Start: 2*day + hm(10, 0), End: 2*day + hm(10, 0)}},
		},
		{
			name:     "clinic vanished",
			edit:     func(_ *Input, r *models.Request) { r.ClinicID = "c000000000000000000000ff" },
			reason:   ReasonUnknownClinic,
			wantWarn: "does not exist",
		},
		{
			name: "exact pin",
			edit: func(_ *Input, r *models.Request) {
				start := tod("10:15")
				r.Pin = &models.Pin{TrainerID: trainerBoris, Date: "2026-03-29", Start: &start}
			},
			want:      []scheduler.Window{{Start: hm(8, 0), End: 6*day - 3600 + hm(19, 0)}},
			wantPin:   &scheduler.Pin{Vehicle: trainerBoris, Day: 6, HasDay: true, Start: sunday + hm(10, 15), HasStart: true},
			wantPinBy: "request",
		},
		{
			name:      "trainer-only pin",
			edit:      func(_ *Input, r *models.Request) { r.Pin = &models.Pin{TrainerID: trainerAnna} },
			want:      []scheduler.Window{{Start: hm(8, 0), End: 6*day - 3600 + hm(19, 0)}},
			wantPin:   &scheduler.Pin{Vehicle: trainerAnna},
			wantPinBy: "request",
		},
		{
			name:     "pin to a day outside the week",
			edit:     func(_ *Input, r *models.Request) { r.Pin = &models.Pin{Date: "2026-03-30"} },
			reason:   ReasonPin,
			wantWarn: "outside the planned days",
		},
		{
			name: "pin to a trainer off all week",
			edit: func(in *Input, r *models.Request) {
				in.Trainers[1].Weekly = models.Week{}
				r.Pin = &models.Pin{TrainerID: trainerBoris}
			},
			reason:   ReasonPin,
			wantWarn: "does not work",
		},
		{
			name: "a booked visit becomes an exact pin in a repair",
			edit: func(in *Input, r *models.Request) {
				r.Status = models.StatusConfirmed
				v := publishedVisit(in, r.ID, trainerBoris, "2026-03-26", "11:00")
				v.RequestDigest = models.BookingDigest(r)
				in.Published = []models.Visit{v}
			},
			want:      []scheduler.Window{{Start: hm(8, 0), End: 6*day - 3600 + hm(19, 0)}},
			wantPin:   &scheduler.Pin{Vehicle: trainerBoris, Day: 3, HasDay: true, Start: 3*day + hm(11, 0), HasStart: true},
			wantPrev:  &scheduler.Assignment{Vehicle: trainerBoris, Day: 3, Start: 3*day + hm(11, 0)},
			wantPinBy: PinBooked,
		},
		{
			name: "a booked visit from before digests counts as unchanged",
			edit: func(in *Input, r *models.Request) {
				r.Status = models.StatusPlanned
				in.Published = []models.Visit{publishedVisit(in, r.ID, trainerBoris, "2026-03-26", "11:00")}
			},
			want:      []scheduler.Window{{Start: hm(8, 0), End: 6*day - 3600 + hm(19, 0)}},
			wantPin:   &scheduler.Pin{Vehicle: trainerBoris, Day: 3, HasDay: true, Start: 3*day + hm(11, 0), HasStart: true},
			wantPrev:  &scheduler.Assignment{Vehicle: trainerBoris, Day: 3, Start: 3*day + hm(11, 0)},
			wantPinBy: PinBooked,
		},
		{
			name: "a booked visit whose request changed since booking is only the previous assignment",
			edit: func(in *Input, r *models.Request) {
				r.Status = models.StatusConfirmed
				v := publishedVisit(in, r.ID, trainerBoris, "2026-03-26", "11:00")
				v.RequestDigest = models.BookingDigest(r)
				in.Published = []models.Visit{v}
				r.DurationMinutes += 15
			},
			want:     []scheduler.Window{{Start: hm(8, 0), End: 6*day - 3600 + hm(19, 0) - 15*60}},
			wantPrev: &scheduler.Assignment{Vehicle: trainerBoris, Day: 3, Start: 3*day + hm(11, 0)},
		},
		{
			name: "an optimising run only prices a booked visit's move",
			edit: func(in *Input, r *models.Request) {
				r.Status = models.StatusConfirmed
				in.Optimise = true
				in.Published = []models.Visit{publishedVisit(in, r.ID, trainerBoris, "2026-03-26", "11:00")}
			},
			want:     []scheduler.Window{{Start: hm(8, 0), End: 6*day - 3600 + hm(19, 0)}},
			wantPrev: &scheduler.Assignment{Vehicle: trainerBoris, Day: 3, Start: 3*day + hm(11, 0)},
		},
		{
			name: "a booked visit whose trainer no longer works that day moves",
			edit: func(in *Input, r *models.Request) {
				r.Status = models.StatusConfirmed
				in.Trainers[1].Overrides = []models.DateOverride{{Date: "2026-03-26", Off: true}}
				in.Published = []models.Visit{publishedVisit(in, r.ID, trainerBoris, "2026-03-26", "11:00")}
			},
			want:     []scheduler.Window{{Start: hm(8, 0), End: 6*day - 3600 + hm(19, 0)}},
			wantPrev: &scheduler.Assignment{Vehicle: trainerBoris, Day: 3, Start: 3*day + hm(11, 0)},
			wantWarn: "cannot be kept",
		},
	}
	const id = "e00000000000000000000001"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fixture(t)
			r := fixtureRequest(id, clinicNorth, "2026-03-20", "2026-04-10")
			tt.edit(&in, &r)
			in.Requests = []models.Request{r}
			p, idx := build(t, in)
			s := stopOf(p, id)
			if tt.wantWarn != "" && !slices.ContainsFunc(idx.Warnings, func(w string) bool { return strings.Contains(w, tt.wantWarn) }) {
				t.Errorf("warnings %q lack %q", idx.Warnings, tt.wantWarn)
			}
			if tt.reason != "" {
				if s != nil {
					t.Fatalf("request became a stop with windows %+v", s.Windows)
				}
				if len(idx.Unplaceable) != 1 || idx.Unplaceable[0].Reason != tt.reason || idx.Unplaceable[0].RequestID != id {
					t.Fatalf("unplaceable = %+v, want reason %s", idx.Unplaceable, tt.reason)
				}
				return
			}
			if s == nil {
				t.Fatalf("no stop; unplaceable %+v", idx.Unplaceable)
			}
			got := mergedWindows(s.Windows)
			if !slices.Equal(got, tt.want) {
				t.Errorf("windows = %v, want %v", got, tt.want)
			}
			if !slices.Equal(s.PreferredWindows, tt.wantPreferred) {
				t.Errorf("preferred windows = %v, want %v", s.PreferredWindows, tt.wantPreferred)
			}
			if (s.Pin == nil) != (tt.wantPin == nil) || (s.Pin != nil && *s.Pin != *tt.wantPin) {
				t.Errorf("pin = %+v, want %+v", s.Pin, tt.wantPin)
			}
			if (s.Previous == nil) != (tt.wantPrev == nil) || (s.Previous != nil && *s.Previous != *tt.wantPrev) {
				t.Errorf("previous = %+v, want %+v", s.Previous, tt.wantPrev)
			}
			if idx.PinSources[id] != tt.wantPinBy {
				t.Errorf("pin source = %q, want %q", idx.PinSources[id], tt.wantPinBy)
			}
			wantService := int64(r.DurationMinutes) * 60
			if r.DurationMinutes == 0 {
				wantService = int64(models.DefaultDuration(r.Kind)) * 60
			}
			if s.Group != r.ClinicID || s.Load != 1 || s.Service != wantService {
				t.Errorf("group %q load %d service %d; want %q, 1, %d", s.Group, s.Load, s.Service, r.ClinicID, wantService)
			}
		})
	}
}

// mergedWindows sorts the windows and collapses seven daily ones (a request
// open every day of the week) into one from the first start to the last end,
// so that the cases about pins need not spell out the week.
func mergedWindows(ws []scheduler.Window) []scheduler.Window {
	out := slices.Clone(ws)
	slices.SortFunc(out, func(a, b scheduler.Window) int { return int(a.Start - b.Start) })
	if len(out) == 7 {
		return []scheduler.Window{{Start: out[0].Start, End: out[6].End}}
	}
	return out
}

func publishedVisit(in *Input, requestID, trainer string, date models.Date, start string) models.Visit {
	s := date.At(tod(start), in.Location)
	return models.Visit{
		ID: requestID, RequestID: requestID, TrainerID: trainer, ClinicID: clinicNorth,
		Week: in.Week, Date: date, Start: s.UTC(), End: s.Add(time.Hour).UTC(),
		Status: models.VisitScheduled, UID: "visit-" + requestID + "@fieldvisit",
	}
}

func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Input)
	}{
		{"not a Monday", func(in *Input) { in.Week = "2026-03-24" }},
		{"not a date", func(in *Input) { in.Week = "next week" }},
		{"no time zone", func(in *Input) { in.Location = nil }},
		{"no travel source", func(in *Input) { in.Travel = nil }},
		{"no days", func(in *Input) { in.Days = 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fixture(t)
			tt.edit(&in)
			if _, _, err := Build(context.Background(), in); err == nil {
				t.Fatal("Build accepted it")
			}
		})
	}
}

func TestBuildSharesPlacesAndProfiles(t *testing.T) {
	in := fixture(t)
	in.Trainers[1].TravelMode = models.TravelCar
	in.Requests = []models.Request{
		fixtureRequest("e00000000000000000000001", clinicNorth, "2026-03-23", "2026-03-27"),
		fixtureRequest("e00000000000000000000002", clinicNorth, "2026-03-23", "2026-03-27"),
	}
	p, _ := build(t, in)
	if len(p.Matrices) != 2 {
		t.Fatalf("%d matrices, want one per travel mode in use (2)", len(p.Matrices))
	}
	if p.Stops[0].Loc != p.Stops[1].Loc {
		t.Errorf("two requests of one clinic have locations %d and %d", p.Stops[0].Loc, p.Stops[1].Loc)
	}
	// Home, centre and the clinic: three places.
	if p.Matrices[0].Size != 3 {
		t.Errorf("matrix size %d, want 3", p.Matrices[0].Size)
	}
	if a, b := routeOf(p, trainerAnna, 0), routeOf(p, trainerBoris, 0); a.Profile == b.Profile {
		t.Errorf("transit and car trainers share profile %d", a.Profile)
	}
}

func TestDecodeLocalTimes(t *testing.T) {
	in := fixture(t)
	const pinned, left, gone = "e00000000000000000000001", "e00000000000000000000002", "e00000000000000000000003"
	in.Requests = []models.Request{
		fixtureRequest(pinned, clinicNorth, "2026-03-29", "2026-03-29"),
		fixtureRequest(left, clinicSouth, "2026-03-23", "2026-03-27"),
		fixtureRequest(gone, "c0000000000000000000dead", "2026-03-23", "2026-03-27"),
	}
	in.Requests[0].Kind, in.Requests[0].Participants = models.KindMicroTraining, 5
	in.Requests[1].Priority = models.PriorityUrgent
	p, idx := build(t, in)
	sunday := int64(6*day) - 3600
	var route int
	for i, r := range p.Routes {
		if r.Vehicle == trainerAnna && r.Day == 6 {
			route = i
		}
	}
	stop := slices.IndexFunc(p.Stops, func(s scheduler.Stop) bool { return s.ID == pinned })
	m := p.Matrices[p.Routes[route].Profile]
	out := m.At(p.Routes[route].StartLoc, p.Stops[stop].Loc)
	back := m.At(p.Stops[stop].Loc, p.Routes[route].EndLoc)
	start := sunday + hm(10, 0)
	sol := &scheduler.Solution{
		Routes: []scheduler.RoutePlan{{
			Route:  route,
			Visits: []scheduler.Visit{{Stop: stop, Arrive: start - 600, Start: start, End: start + 3600}},
			Depart: start - 600 - out, Return: start + 3600 + back,
			BreakStart: sunday + hm(12, 0), HasBreak: true,
		}},
		Unassigned: []scheduler.Unassigned{{
			Stop: slices.IndexFunc(p.Stops, func(s scheduler.Stop) bool { return s.ID == left }), Reason: scheduler.ReasonCapacity,
			Detail: "taken", Relaxation: "fits if trainer " + trainerBoris + " works until 19:00",
		}},
	}
	plan := Decode(p, idx, sol)
	if len(plan.Routes) != 1 || len(plan.Routes[0].Stops) != 1 {
		t.Fatalf("routes %+v", plan.Routes)
	}
	r := plan.Routes[0]
	st := r.Stops[0]
	local := st.Start.In(in.Location)
	if local.Format("2006-01-02 15:04 MST") != "2026-03-29 10:00 CEST" || st.Start.Location() != time.UTC {
		t.Errorf("start %s (stored in %s), want 10:00 CEST on 29 March, stored in UTC", local, st.Start.Location())
	}
	if got := st.End.Sub(st.Start); got != time.Hour || st.Kind != models.KindMicroTraining {
		t.Errorf("slot %s of kind %s", got, st.Kind)
	}
	if r.Date != "2026-03-29" || r.TrainerID != trainerAnna || r.BreakStart == nil || r.BreakStart.In(in.Location).Hour() != 12 {
		t.Errorf("route %s %s break %v", r.TrainerID, r.Date, r.BreakStart)
	}
	if want := minutes(out); st.TravelMinutes != want || r.TravelMinutes != minutes(out+back) {
		t.Errorf("travel %d / %d minutes, want %d / %d", st.TravelMinutes, r.TravelMinutes, want, minutes(out+back))
	}
	if len(plan.Unassigned) != 2 {
		t.Fatalf("unassigned %+v", plan.Unassigned)
	}
	u := plan.Unassigned[0]
	if u.RequestID != left || u.Reason != "capacity" || u.Relaxation != "fits if trainer Trainer 2 works until 19:00" || u.Priority != models.PriorityUrgent {
		t.Errorf("unassigned %+v", u)
	}
	if plan.Unassigned[1].RequestID != gone || plan.Unassigned[1].Reason != ReasonUnknownClinic {
		t.Errorf("unassigned %+v", plan.Unassigned[1])
	}
	k := plan.KPIs
	if k.Requests != 3 || k.Scheduled != 1 || k.TrainerDays != 1 || k.ByPriority[models.PriorityUrgent] != (models.PriorityKPI{Total: 1}) ||
		k.ByPriority[models.PriorityNormal] != (models.PriorityKPI{Total: 2, Scheduled: 1}) {
		t.Errorf("KPIs %+v", k)
	}
	if len(plan.Warnings) == 0 {
		t.Error("the vanished clinic left no warning")
	}
}
