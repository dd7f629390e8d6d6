// Package citygen generates realistic synthetic planning weeks for a city
// like Moscow: polyclinics spread over the city with their opening hours,
// trainers with varied shifts, lunch breaks, skills and start places, and a
// week of requests of every kind, priority and urgency, some of them pinned
// or already published. A Week converts into a scheduler.Problem with travel
// times from any travel.Source.
//
// Generation is deterministic for a seed. It exists for benchmarks
// (cmd/citybench) and tests that need a week shaped like the real one, not
// for the service's own data.
package citygen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/fieldvisit/fieldvisit/scheduler"
	"github.com/fieldvisit/fieldvisit/travel"
)

// Minutes since midnight, the unit of clock times in a Week.
const (
	hour = 60
	day  = 24 * hour
)

// The skills trainers have and requests need.
const (
	SkillFrontDesk = "front-desk" // every trainer: on-site support at the desk
	SkillTraining  = "training"   // runs micro-trainings
	SkillConflict  = "conflict"   // handles difficult situations with patients
	SkillEMIAS     = "emias"      // the city's appointment system, in depth
)

// Kind is what a clinic asks for.
type Kind string

// The kinds of requests.
const (
	Support       Kind = "support"        // on-site support of the front desk
	MicroTraining Kind = "micro-training" // 30–60 min with a few administrators
	DifficultCase Kind = "difficult-case" // help with a difficult situation
)

// Span is a part of a day in minutes since midnight, From inclusive.
type Span struct {
	From, To int
}

// Clinic is a polyclinic to be visited.
type Clinic struct {
	ID    string
	Point travel.Point
	// Open holds the opening hours per weekday (0 = Monday); a zero Span
	// means closed.
	Open [7]Span
}

// Trainer is a trainer with a working pattern for the week.
type Trainer struct {
	ID string
	// Start is where the trainer's days start and end: home or the centre.
	Start        travel.Point
	StartsAtHome bool
	Mode         travel.Mode
	Skills       []string
	// Shifts holds the working spans per day of the week; none means a day
	// off. Two spans mean a split day.
	Shifts [][]Span
	// Lunch is the span in which a break of LunchMinutes must start; zero
	// LunchMinutes means no break (a split day has its gap instead).
	Lunch        Span
	LunchMinutes int
	// Capacity is the most visits a day.
	Capacity int
	// MaxWorkMinutes bounds a day from departure to return.
	MaxWorkMinutes int
}

// Pin is a coordinator's pin on a request.
type Pin struct {
	Trainer  string // "" means any
	Day      int    // when HasDay
	HasDay   bool
	Start    int // minutes since midnight on Day, when HasStart
	HasStart bool
}

// Request is one request of a clinic.
type Request struct {
	ID       string
	Clinic   int
	Kind     Kind
	Priority scheduler.Priority
	Minutes  int // service duration
	Skills   []string
	// Earliest and Due are the first and last day it may be served.
	Earliest, Due int
	// Hours is the part of the day the clinic prefers, within its opening
	// hours: the whole day, a morning, an afternoon, a quiet hour.
	Hours Span
	// PreferredTrainers are asked for by name; ExcludedTrainers must not
	// come.
	PreferredTrainers []string
	ExcludedTrainers  []string
	Pin               *Pin
	// Previous is a published placement (trainer, day, start minute).
	Previous *scheduler.Assignment
}

// Week is a generated planning week.
type Week struct {
	Days     int
	Centre   travel.Point
	Clinics  []Clinic
	Trainers []Trainer
	Requests []Request
	// History counts past visits per clinic and trainer id.
	History []map[string]int
}

// Config sizes a week. Zero fields get proportionate defaults.
type Config struct {
	Requests int
	// Trainers defaults to 60 per 1,000 requests (at least 3).
	Trainers int
	// Clinics defaults to a third of the requests, between 10 and 600 (the
	// city has about 600 polyclinic buildings).
	Clinics int
	// Days defaults to 5 (Monday to Friday).
	Days int
	Seed uint64
}

// The city the generator draws: the training centre near Kurskaya, the
// Kremlin as the middle, the radius that holds nearly every polyclinic (the
// ring road is about 17 km out) and a wider one for trainers' homes.
const (
	centreLat   = 55.7580
	centreLon   = 37.6590
	kremlinLat  = 55.7520
	kremlinLon  = 37.6175
	cityKm      = 17.0
	suburbKm    = 24.0
	kmPerDegLat = 111.195
)

// Generate draws a week for cfg.
func Generate(cfg Config) Week {
	if cfg.Days <= 0 {
		cfg.Days = 5
	}
	if cfg.Trainers <= 0 {
		cfg.Trainers = max(3, (cfg.Requests*60+999)/1000)
	}
	if cfg.Clinics <= 0 {
		cfg.Clinics = min(600, max(10, cfg.Requests/3))
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6669656c64766973))
	w := Week{Days: cfg.Days, Centre: travel.Point{Lat: centreLat, Lon: centreLon}}
	for i := range cfg.Clinics {
		w.Clinics = append(w.Clinics, genClinic(rng, i))
	}
	for i := range cfg.Trainers {
		w.Trainers = append(w.Trainers, genTrainer(rng, i, cfg.Days, w.Centre))
	}
	w.History = make([]map[string]int, len(w.Clinics))
	for c := range w.Clinics {
		if rng.Float64() < 0.5 {
			w.History[c] = map[string]int{}
			for range 1 + rng.IntN(2) {
				w.History[c][w.Trainers[rng.IntN(len(w.Trainers))].ID] += 1 + rng.IntN(5)
			}
		}
	}
	for i := range cfg.Requests {
		w.Requests = append(w.Requests, genRequest(rng, i, &w))
	}
	return w
}

// cityPoint draws a point within radiusKm of the Kremlin, denser towards
// the middle ring where most people (and clinics) are.
func cityPoint(rng *rand.Rand, radiusKm float64) travel.Point {
	r := radiusKm * math.Pow(rng.Float64(), 0.6)
	a := rng.Float64() * 2 * math.Pi
	lat := kremlinLat + r*math.Sin(a)/kmPerDegLat
	lon := kremlinLon + r*math.Cos(a)/(kmPerDegLat*math.Cos(kremlinLat*math.Pi/180))
	return travel.Point{Lat: math.Round(lat*1e6) / 1e6, Lon: math.Round(lon*1e6) / 1e6}
}

func genClinic(rng *rand.Rand, i int) Clinic {
	c := Clinic{ID: fmt.Sprintf("clinic-%03d", i+1), Point: cityPoint(rng, cityKm)}
	// Most city polyclinics open 08:00–20:00 on weekdays; some keep other
	// hours, some close early on Friday; Saturday is short.
	weekday := Span{8 * hour, 20 * hour}
	switch x := rng.Float64(); {
	case x < 0.15:
		weekday = Span{7*hour + 30, 20 * hour}
	case x < 0.30:
		weekday = Span{9 * hour, 21 * hour}
	case x < 0.40:
		weekday = Span{8 * hour, 18 * hour}
	}
	for d := range 5 {
		c.Open[d] = weekday
	}
	if rng.Float64() < 0.3 {
		c.Open[4].To = min(c.Open[4].To, 18*hour)
	}
	c.Open[5] = Span{9 * hour, 15 * hour}
	return c
}

func genTrainer(rng *rand.Rand, i, days int, centre travel.Point) Trainer {
	t := Trainer{ID: fmt.Sprintf("trainer-%03d", i+1), Skills: []string{SkillFrontDesk}}
	if rng.Float64() < 0.6 {
		t.Start, t.StartsAtHome = cityPoint(rng, suburbKm), true
	} else {
		t.Start = centre
	}
	t.Mode = travel.Transit
	if rng.Float64() < 0.45 {
		t.Mode = travel.Car
	}
	for _, s := range []struct {
		skill string
		share float64
	}{{SkillTraining, 0.7}, {SkillConflict, 0.35}, {SkillEMIAS, 0.5}} {
		if rng.Float64() < s.share {
			t.Skills = append(t.Skills, s.skill)
		}
	}
	var pattern []Span
	t.Capacity, t.MaxWorkMinutes = 5, 9*hour+30
	t.Lunch, t.LunchMinutes = Span{12 * hour, 15 * hour}, 45
	switch x := rng.Float64(); {
	case x < 0.45:
		pattern = []Span{{9 * hour, 18 * hour}}
	case x < 0.65:
		pattern = []Span{{8 * hour, 17 * hour}}
	case x < 0.80:
		pattern = []Span{{10 * hour, 19 * hour}}
	case x < 0.90:
		// Part time: mornings, no lunch on the road.
		pattern = []Span{{9 * hour, 13 * hour}}
		t.Capacity, t.MaxWorkMinutes, t.LunchMinutes = 3, 5*hour, 0
	default:
		// A split day: the gap is the lunch.
		pattern = []Span{{8 * hour, 12 * hour}, {15 * hour, 19 * hour}}
		t.LunchMinutes = 0
		t.MaxWorkMinutes = 11 * hour
	}
	off := -1
	if rng.Float64() < 0.25 {
		off = rng.IntN(days)
	}
	t.Shifts = make([][]Span, days)
	for d := range days {
		if d != off {
			t.Shifts[d] = slices.Clone(pattern)
		}
	}
	return t
}

func genRequest(rng *rand.Rand, i int, w *Week) Request {
	r := Request{ID: fmt.Sprintf("req-%05d", i+1), Clinic: rng.IntN(len(w.Clinics))}
	switch x := rng.Float64(); {
	case x < 0.10:
		r.Priority = scheduler.PriorityUrgent
	case x < 0.35:
		r.Priority = scheduler.PriorityHigh
	case x < 0.80:
		r.Priority = scheduler.PriorityNormal
	default:
		r.Priority = scheduler.PriorityLow
	}
	r.Hours = Span{0, day}
	switch x := rng.Float64(); {
	case x < 0.50:
		r.Kind = Support
		r.Minutes = []int{60, 90, 120}[rng.IntN(3)]
		r.Skills = []string{SkillFrontDesk}
		if rng.Float64() < 0.3 {
			r.Skills = append(r.Skills, SkillEMIAS)
		}
		switch y := rng.Float64(); {
		case y < 0.3:
			r.Hours = Span{9 * hour, 13 * hour}
		case y < 0.6:
			r.Hours = Span{13 * hour, 18 * hour}
		}
	case x < 0.85:
		// A micro-training needs a quiet hour after the morning rush.
		r.Kind = MicroTraining
		r.Minutes = []int{30, 45, 60}[rng.IntN(3)]
		r.Skills = []string{SkillFrontDesk, SkillTraining}
		r.Hours = Span{13 * hour, 16*hour + 30}
	default:
		r.Kind = DifficultCase
		r.Minutes = []int{60, 90}[rng.IntN(2)]
		r.Skills = []string{SkillFrontDesk, SkillConflict}
		if r.Priority > scheduler.PriorityHigh {
			r.Priority = scheduler.PriorityHigh
		}
	}
	last := w.Days - 1
	if r.Priority == scheduler.PriorityUrgent {
		r.Earliest = 0
		r.Due = min(last, rng.IntN(2))
	} else {
		r.Earliest = rng.IntN(min(4, w.Days))
		r.Due = min(last, r.Earliest+1+rng.IntN(4))
	}
	if rng.Float64() < 0.10 {
		r.PreferredTrainers = []string{w.Trainers[rng.IntN(len(w.Trainers))].ID}
	}
	if rng.Float64() < 0.03 {
		r.ExcludedTrainers = []string{w.Trainers[rng.IntN(len(w.Trainers))].ID}
	}
	if rng.Float64() < 0.02 {
		r.Pin = genPin(rng, &r, w)
	}
	if r.Pin == nil && rng.Float64() < 0.2 {
		t := w.Trainers[rng.IntN(len(w.Trainers))]
		r.Previous = &scheduler.Assignment{Vehicle: t.ID, Day: r.Earliest + rng.IntN(r.Due-r.Earliest+1)}
	}
	return r
}

// genPin pins the request the way coordinators do, to something that can
// hold on its own: a qualified trainer working one of its days during its
// allowed hours; a fifth of the pins name the trainer only, a third an
// exact time inside both the clinic's hours and the shift (an hour after
// the shift starts, for the journey).
func genPin(rng *rand.Rand, r *Request, w *Week) *Pin {
	for range 50 {
		t := w.Trainers[rng.IntN(len(w.Trainers))]
		if !hasAll(t.Skills, r.Skills) || slices.Contains(r.ExcludedTrainers, t.ID) {
			continue
		}
		d := r.Earliest + rng.IntN(r.Due-r.Earliest+1)
		open := w.Clinics[r.Clinic].Open[d%7]
		// Allowed start times on day d within one of the shifts.
		var from, to int
		found := false
		for _, sh := range t.Shifts[d] {
			from = max(open.From, r.Hours.From, sh.From)
			to = min(open.To, r.Hours.To, sh.To) - r.Minutes
			if from <= to {
				found = true
				break
			}
		}
		if !found {
			continue
		}
		pin := &Pin{Trainer: t.ID, Day: d, HasDay: true}
		switch x := rng.Float64(); {
		case x < 0.2:
			pin.HasDay = false
		case x < 0.53:
			lo := min(to, from+hour)
			pin.Start = lo + (rng.IntN(to-lo+1))/15*15
			pin.HasStart = true
		}
		return pin
	}
	return nil
}

func hasAll(have, need []string) bool {
	for _, s := range need {
		if !slices.Contains(have, s) {
			return false
		}
	}
	return true
}
