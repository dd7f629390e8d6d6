package citygen

import (
	"context"
	"fmt"

	"github.com/fieldvisit/fieldvisit/scheduler"
	"github.com/fieldvisit/fieldvisit/travel"
)

// secondsPerDay is the scheduler's day length: times are seconds from
// Monday 00:00 of the week.
const secondsPerDay = 86400

// Places lists every location of the week in the order of the problem's
// matrices: the centre, then the clinics, then trainers' homes (each once).
func (w *Week) Places() []travel.Point {
	places := []travel.Point{w.Centre}
	for _, c := range w.Clinics {
		places = append(places, c.Point)
	}
	for _, t := range w.Trainers {
		if t.StartsAtHome {
			places = append(places, t.Start)
		}
	}
	return places
}

// Problem converts the week into a planning problem: a route per trainer
// and working day, a stop per request, and a travel matrix per travel mode
// the trainers use, from src. A request's windows are, for each day from
// its earliest to its due day, the clinic's opening hours within the
// preferred hours, shortened by the service so the visit ends before
// closing; a request whose hours never allow that keeps the clinic's
// opening of its earliest day, so that the planner explains it.
func (w *Week) Problem(ctx context.Context, src travel.Source) (*scheduler.Problem, error) {
	p := &scheduler.Problem{DayLength: secondsPerDay, Weights: scheduler.DefaultWeights()}
	profile, matrices, err := w.matrices(ctx, src)
	if err != nil {
		return nil, err
	}
	p.Matrices = matrices
	p.Routes = w.routes(profile)
	for _, r := range w.Requests {
		p.Stops = append(p.Stops, w.stop(r))
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("generated week: %w", err)
	}
	return p, nil
}

// at is minute of day d as the scheduler counts time.
func at(d, minute int) int64 { return int64(d)*secondsPerDay + int64(minute)*60 }

// matrices asks src for the travel times between the week's places, once
// per travel mode some trainer uses, and returns them with the index of
// each mode's matrix.
func (w *Week) matrices(ctx context.Context, src travel.Source) (map[travel.Mode]int, []scheduler.Matrix, error) {
	places := w.Places()
	profile := map[travel.Mode]int{}
	var out []scheduler.Matrix
	for _, mode := range travel.Modes() {
		used := false
		for _, t := range w.Trainers {
			used = used || t.Mode == mode
		}
		if !used {
			continue
		}
		m, err := src.Matrix(ctx, places, mode)
		if err != nil {
			return nil, nil, fmt.Errorf("travel times by %s: %w", mode, err)
		}
		sm := scheduler.Matrix{Size: m.N, Time: make([]int64, len(m.Seconds))}
		for i, s := range m.Seconds {
			sm.Time[i] = int64(s)
		}
		profile[mode] = len(out)
		out = append(out, sm)
	}
	return profile, out, nil
}

// routes makes a route per trainer and working day, starting and ending at
// the trainer's home when they start there (their place in Places) and at
// the centre otherwise.
func (w *Week) routes(profile map[travel.Mode]int) []scheduler.Route {
	var out []scheduler.Route
	next := 1 + len(w.Clinics)
	for _, t := range w.Trainers {
		loc := 0
		if t.StartsAtHome {
			loc = next
			next++
		}
		for d, spans := range t.Shifts {
			if len(spans) == 0 {
				continue
			}
			r := scheduler.Route{
				ID: fmt.Sprintf("%s/%d", t.ID, d), Vehicle: t.ID, Day: d,
				StartLoc: loc, EndLoc: loc, Profile: profile[t.Mode],
				Capacity: int64(t.Capacity), MaxWork: int64(t.MaxWorkMinutes) * 60,
				Skills: t.Skills,
			}
			for _, s := range spans {
				r.Shifts = append(r.Shifts, scheduler.Window{Start: at(d, s.From), End: at(d, s.To)})
			}
			if t.LunchMinutes > 0 {
				r.Break = &scheduler.Break{
					Window:   scheduler.Window{Start: at(d, t.Lunch.From), End: at(d, t.Lunch.To)},
					Duration: int64(t.LunchMinutes) * 60,
				}
			}
			out = append(out, r)
		}
	}
	return out
}

// stop makes r's stop, with the windows Problem describes.
func (w *Week) stop(r Request) scheduler.Stop {
	c := w.Clinics[r.Clinic]
	st := scheduler.Stop{
		ID: r.ID, Loc: 1 + r.Clinic, Service: int64(r.Minutes) * 60, Load: 1,
		Skills: r.Skills, Priority: r.Priority,
		Preferred: r.PreferredTrainers, Excluded: r.ExcludedTrainers,
		History: w.History[r.Clinic], Group: c.ID,
	}
	for d := r.Earliest; d <= r.Due; d++ {
		open := c.Open[d%7]
		from, to := max(open.From, r.Hours.From), min(open.To, r.Hours.To)-r.Minutes
		if open.To > open.From && to >= from {
			st.Windows = append(st.Windows, scheduler.Window{Start: at(d, from), End: at(d, to)})
		}
	}
	if len(st.Windows) == 0 {
		open := c.Open[r.Earliest%7]
		st.Windows = []scheduler.Window{{Start: at(r.Earliest, open.From), End: at(r.Earliest, max(open.From, open.To))}}
	}
	if r.Pin != nil {
		st.Pin = &scheduler.Pin{Vehicle: r.Pin.Trainer, Day: r.Pin.Day, HasDay: r.Pin.HasDay}
		if r.Pin.HasStart {
			st.Pin.Start, st.Pin.HasStart = at(r.Pin.Day, r.Pin.Start), true
		}
	}
	if r.Previous != nil {
		prev := *r.Previous
		st.Previous = &prev
	}
	return st
}
