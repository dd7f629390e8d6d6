package travel

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Profile describes how one mode of travel moves through the city.
type Profile struct {
	// SpeedKmh is the average speed along the way, stops at lights and
	// stations included, outside rush hours.
	SpeedKmh float64
	// Detour is the length of the way actually travelled divided by the
	// great-circle distance (roads and rails are not straight; about 1.3 in
	// a radial-ring city like Moscow).
	Detour float64
	// Overhead is added once per trip between different places: finding
	// parking, or walking to the station and waiting for the train.
	Overhead time.Duration
	// RushFactor multiplies the moving time (not the overhead) in rush
	// hours; 1 means traffic does not matter.
	RushFactor float64
	// WalkIfShorter takes the walking time instead when it is shorter, as
	// anyone would for a hop to the next block rather than wait for a bus.
	WalkIfShorter bool
}

// ClockSpan is a part of a day, as offsets from midnight (From inclusive,
// To exclusive).
type ClockSpan struct {
	From, To time.Duration
}

// overlap returns how long the two spans share.
func (s ClockSpan) overlap(o ClockSpan) time.Duration {
	return max(0, min(s.To, o.To)-max(s.From, o.From))
}

// RushPolicy says how the rush-hour factor of a profile is folded into one
// static matrix for the whole working day.
type RushPolicy int

const (
	// RushPeak applies the full rush factor to every trip as soon as the
	// working day touches a rush period. The matrix is then an upper bound
	// of every trip of the day, so a visit time promised to a clinic holds
	// whenever the trainer leaves on plan; the price is idle slack at
	// midday. It is the default because the engine's matrices are static:
	// it cannot know at which hour a trip happens while it decides the
	// order, and a plan that is late on every morning trip is worse than one
	// that waits a few minutes at noon.
	RushPeak RushPolicy = iota
	// RushAverage applies the rush factor weighted by the share of the
	// working day spent in rush periods: the expected travel time over the
	// day. Use it for estimates (travel hours, reports), not for promising
	// appointment times.
	RushAverage
)

// Model estimates travel durations from coordinates alone: the great-circle
// distance times the mode's detour factor, divided by its speed, times the
// rush-hour factor, plus the mode's per-trip overhead; rounded up to whole
// seconds.
//
// A static matrix is valid for a whole working day (Day); RushPolicy says how
// the rush periods inside that day scale it. Copies of a Model share its
// Profiles map: give a variant its own map before changing a profile
// (DefaultModel returns a fresh one each call).
type Model struct {
	// Profiles holds the behaviour of each travel mode.
	Profiles map[Mode]Profile
	// RushHours are the periods of a day when traffic is slow.
	RushHours []ClockSpan
	// Day is the part of the day the matrix must be valid for: the
	// earliest departure to the latest arrival of any trainer.
	Day ClockSpan
	// Rush says how RushHours within Day scale the durations.
	Rush RushPolicy
}

// DefaultModel returns a model for Moscow on a weekday: by car 27 km/h with
// a 1.35 detour, 5 minutes to park and 1.3× slower in the 07:30–10:30 and
// 17:00–20:00 rush hours; by public transport 22 km/h door to door with a
// 1.3 detour, 10 minutes to reach the station and wait, little affected by
// rush hours, walking when that is quicker; on foot 4.5 km/h with a 1.25
// detour. The working day is 08:00–20:00 with the RushPeak policy.
func DefaultModel() Model {
	return Model{
		Profiles: map[Mode]Profile{
			Car:     {SpeedKmh: 27, Detour: 1.35, Overhead: 5 * time.Minute, RushFactor: 1.3},
			Transit: {SpeedKmh: 22, Detour: 1.3, Overhead: 10 * time.Minute, RushFactor: 1.1, WalkIfShorter: true},
			Walk:    {SpeedKmh: 4.5, Detour: 1.25, RushFactor: 1},
		},
		RushHours: []ClockSpan{
			{From: 7*time.Hour + 30*time.Minute, To: 10*time.Hour + 30*time.Minute},
			{From: 17 * time.Hour, To: 20 * time.Hour},
		},
		Day:  ClockSpan{From: 8 * time.Hour, To: 20 * time.Hour},
		Rush: RushPeak,
	}
}

// Validate reports the first setting that cannot give sensible durations.
func (m Model) Validate() error {
	for mode, p := range m.Profiles {
		switch {
		case !(p.SpeedKmh > 0) || math.IsInf(p.SpeedKmh, 0):
			return fmt.Errorf("travel model %s: speed %v km/h must be positive", mode, p.SpeedKmh)
		case !(p.Detour >= 1) || math.IsInf(p.Detour, 0):
			return fmt.Errorf("travel model %s: detour factor %v must be at least 1", mode, p.Detour)
		case !(p.RushFactor >= 1) || math.IsInf(p.RushFactor, 0):
			return fmt.Errorf("travel model %s: rush factor %v must be at least 1", mode, p.RushFactor)
		case p.Overhead < 0:
			return fmt.Errorf("travel model %s: overhead %v must not be negative", mode, p.Overhead)
		case p.WalkIfShorter && mode != Walk:
			if _, ok := m.Profiles[Walk]; !ok {
				return fmt.Errorf("travel model %s: walks short hops but there is no walk profile", mode)
			}
		}
	}
	for _, s := range m.RushHours {
		if s.From >= s.To {
			return fmt.Errorf("travel model: rush period %v–%v is empty", s.From, s.To)
		}
	}
	if m.Day.From >= m.Day.To {
		return fmt.Errorf("travel model: working day %v–%v is empty", m.Day.From, m.Day.To)
	}
	return nil
}

// RushMultiplier returns the factor the model applies to moving times of
// the mode under its RushPolicy (1 when the working day misses every rush
// period).
func (m Model) RushMultiplier(mode Mode) float64 {
	p := m.Profiles[mode]
	if p.RushFactor <= 1 {
		return 1
	}
	var inRush time.Duration
	for _, s := range m.RushHours {
		inRush += m.Day.overlap(s)
	}
	if inRush == 0 {
		return 1
	}
	if m.Rush == RushAverage {
		share := min(1, float64(inRush)/float64(m.Day.To-m.Day.From))
		return 1 + (p.RushFactor-1)*share
	}
	return p.RushFactor
}

// sameSpotKm is how close two points are to count as one place (one
// building): several requests of one clinic are served in one trip.
const sameSpotKm = 0.001

// Seconds returns the model's travel time from a to b by the mode, in
// whole seconds. An unknown mode returns an error.
func (m Model) Seconds(a, b Point, mode Mode) (int, error) {
	p, ok := m.Profiles[mode]
	if !ok {
		return 0, fmt.Errorf("travel model has no profile for mode %q", mode)
	}
	return m.seconds(DistanceKm(a, b), p, m.RushMultiplier(mode), mode), nil
}

func (m Model) seconds(km float64, p Profile, rush float64, mode Mode) int {
	if km < sameSpotKm {
		return 0
	}
	moving := km * p.Detour / p.SpeedKmh * 3600 * rush
	total := moving + p.Overhead.Seconds()
	if p.WalkIfShorter && mode != Walk {
		w := m.Profiles[Walk]
		walking := km*w.Detour/w.SpeedKmh*3600*m.RushMultiplier(Walk) + w.Overhead.Seconds()
		total = min(total, walking)
	}
	return int(math.Ceil(total))
}

// Matrix returns the model's durations between all pairs of points. It
// checks the context every few hundred rows, so a huge matrix can be
// abandoned.
func (m Model) Matrix(ctx context.Context, points []Point, mode Mode) (Matrix, error) {
	if err := m.Validate(); err != nil {
		return Matrix{}, err
	}
	p, ok := m.Profiles[mode]
	if !ok {
		return Matrix{}, fmt.Errorf("travel model has no profile for mode %q", mode)
	}
	if err := validatePoints(points); err != nil {
		return Matrix{}, fmt.Errorf("travel model: %w", err)
	}
	rush := m.RushMultiplier(mode)
	out := NewMatrix(len(points))
	for i, a := range points {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return Matrix{}, fmt.Errorf("travel model matrix: %w", err)
			}
		}
		for j := i + 1; j < len(points); j++ {
			// Great-circle distance is symmetric and so is the model.
			s := m.seconds(DistanceKm(a, points[j]), p, rush, mode)
			out.Set(i, j, s)
			out.Set(j, i, s)
		}
	}
	return out, nil
}
