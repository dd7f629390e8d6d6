// Package travel tells how long it takes a trainer to get from one place to
// another, as matrices of whole seconds the planning engine can index.
//
// Three sources implement the same Source interface:
//
//   - Model estimates durations from coordinates alone: great-circle
//     distance × a detour factor ÷ the speed of the travel mode, plus a fixed
//     overhead per trip (parking, walking to the metro and waiting), scaled
//     by a rush-hour factor. It needs no network and is the default.
//   - Precomputed serves durations somebody measured before (a JSON or CSV
//     export of a routing service or of a spreadsheet).
//   - OSRM asks an OSRM-compatible routing server through its table service.
//
// The engine works on static matrices (one duration per ordered pair of
// places, whatever the time of day), so every source here answers for a whole
// working day; see Model for how rush hours are folded into one figure.
package travel

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Point is a place on the Earth in WGS 84 degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// String formats the point as "lat,lon" with six decimals (about 0.1 m).
func (p Point) String() string {
	return fmt.Sprintf("%.6f,%.6f", p.Lat, p.Lon)
}

// Valid reports whether the point has finite coordinates within the ranges
// of latitude and longitude.
func (p Point) Valid() bool {
	return !math.IsNaN(p.Lat) && !math.IsNaN(p.Lon) &&
		p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180
}

// Mode is the way a trainer travels.
type Mode string

// The travel modes a trainer may use. Their names are also the keys of
// matrices in the precomputed formats.
const (
	Car     Mode = "car"
	Transit Mode = "transit"
	Walk    Mode = "walk"
)

// Modes lists every travel mode in a stable order.
func Modes() []Mode { return []Mode{Car, Transit, Walk} }

// ParseMode returns the mode named s; the empty string means Car.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case "", Car:
		return Car, nil
	case Transit, Walk:
		return Mode(s), nil
	}
	return "", fmt.Errorf("unknown travel mode %q (want car, transit or walk)", s)
}

// Unreachable is the duration, in seconds, reported for a pair of places
// with no route between them (a routing server's null). It is a week: longer
// than any shift, so the engine never plans such a trip, yet small enough
// that sums of many of them do not overflow.
const Unreachable = 7 * 24 * 3600

// Matrix holds travel durations in whole seconds between N places, row by
// row: Seconds[i*N+j] is the time from place i to place j. The diagonal is
// zero.
type Matrix struct {
	N       int
	Seconds []int32
}

// NewMatrix returns an all-zero matrix for n places.
func NewMatrix(n int) Matrix {
	return Matrix{N: n, Seconds: make([]int32, n*n)}
}

// At returns the travel time in seconds from place from to place to.
func (m Matrix) At(from, to int) int {
	return int(m.Seconds[from*m.N+to])
}

// Set stores the travel time in seconds from place from to place to.
func (m Matrix) Set(from, to, seconds int) {
	m.Seconds[from*m.N+to] = int32(seconds)
}

// Rows returns the matrix as a slice of rows, the shape most engines and
// JSON encoders expect.
func (m Matrix) Rows() [][]int {
	rows := make([][]int, m.N)
	for i := range rows {
		row := make([]int, m.N)
		for j := range row {
			row[j] = m.At(i, j)
		}
		rows[i] = row
	}
	return rows
}

// Source gives the travel times between places for one mode of travel.
//
// Matrix returns an N×N matrix for the N points, in their order, whose
// entry (i, j) is the door-to-door time in seconds from points[i] to
// points[j] over a working day. Identical points are zero apart. An error
// means no matrix: a Source never returns a partly filled one.
type Source interface {
	Matrix(ctx context.Context, points []Point, mode Mode) (Matrix, error)
}

// earthRadiusKm is the mean radius of the Earth (IUGG), the usual choice
// for the haversine formula: its error stays under 0.5 % everywhere.
const earthRadiusKm = 6371.0088

// DistanceKm returns the great-circle distance between a and b in
// kilometres (haversine formula).
func DistanceKm(a, b Point) float64 {
	const rad = math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLon := (b.Lon - a.Lon) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

func validatePoints(points []Point) error {
	for i, p := range points {
		if !p.Valid() {
			return fmt.Errorf("point %d (%v): coordinates out of range", i, p)
		}
	}
	return nil
}

// ErrNoRoute is returned by Seconds when the source reports no way between
// the two points.
var ErrNoRoute = errors.New("no route between the points")

// Seconds returns the travel time from a to b by the mode from any source,
// for the odd single question (one two-point matrix).
func Seconds(ctx context.Context, src Source, a, b Point, mode Mode) (int, error) {
	m, err := src.Matrix(ctx, []Point{a, b}, mode)
	if err != nil {
		return 0, err
	}
	s := m.At(0, 1)
	if s >= Unreachable {
		return 0, fmt.Errorf("travel from %v to %v: %w", a, b, ErrNoRoute)
	}
	return s, nil
}

// The three sources.
var (
	_ Source = Model{}
	_ Source = (*Precomputed)(nil)
	_ Source = (*OSRM)(nil)
)
