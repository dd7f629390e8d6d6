package travel

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// missing marks a pair of places a precomputed table has no duration for.
const missing = -1

// pointKey identifies a point to the sixth decimal (about 0.1 m), so
// coordinates that went through a text file still match.
type pointKey struct{ lat, lon int64 }

func keyOf(p Point) pointKey {
	return pointKey{int64(math.Round(p.Lat * 1e6)), int64(math.Round(p.Lon * 1e6))}
}

// Precomputed serves travel durations measured elsewhere: an export of a
// routing service, a cached OSRM answer, a spreadsheet. It looks the
// requested points up by their coordinates (to six decimals), so it answers
// for any subset of its places in any order. It is safe for concurrent use.
type Precomputed struct {
	points    []Point
	index     map[pointKey]int
	durations map[Mode]Matrix
}

// NewPrecomputed returns a source over the given places with one matrix per
// mode, each as large as points. A negative entry means the table has no
// duration for that pair; asking for it is an error.
func NewPrecomputed(points []Point, durations map[Mode]Matrix) (*Precomputed, error) {
	if err := validatePoints(points); err != nil {
		return nil, fmt.Errorf("precomputed travel times: %w", err)
	}
	index := make(map[pointKey]int, len(points))
	for i, p := range points {
		k := keyOf(p)
		if j, dup := index[k]; dup {
			return nil, fmt.Errorf("precomputed travel times: points %d and %d are both %v", j, i, p)
		}
		index[k] = i
	}
	for mode, m := range durations {
		if m.N != len(points) || len(m.Seconds) != m.N*m.N {
			return nil, fmt.Errorf("precomputed travel times: %s matrix is %d×%d for %d points", mode, m.N, m.N, len(points))
		}
	}
	return &Precomputed{points: points, index: index, durations: durations}, nil
}

// Matrix returns the stored durations between the points, in their order.
// A point the table does not know, or a pair it has no duration for, is an
// error naming it.
func (p *Precomputed) Matrix(ctx context.Context, points []Point, mode Mode) (Matrix, error) {
	if err := ctx.Err(); err != nil {
		return Matrix{}, fmt.Errorf("precomputed travel times: %w", err)
	}
	table, ok := p.durations[mode]
	if !ok {
		return Matrix{}, fmt.Errorf("precomputed travel times: no %s matrix", mode)
	}
	rows := make([]int, len(points))
	for i, pt := range points {
		r, ok := p.index[keyOf(pt)]
		if !ok {
			return Matrix{}, fmt.Errorf("precomputed travel times: unknown point %d (%v)", i, pt)
		}
		rows[i] = r
	}
	out := NewMatrix(len(points))
	for i, ri := range rows {
		for j, rj := range rows {
			if ri == rj {
				continue
			}
			s := table.At(ri, rj)
			if s < 0 {
				return Matrix{}, fmt.Errorf("precomputed travel times: no %s duration from %v to %v", mode, points[i], points[j])
			}
			out.Set(i, j, s)
		}
	}
	return out, nil
}

// jsonTable is the JSON form of a precomputed table:
//
//	{"points": [{"lat": 55.75, "lon": 37.62}, ...],
//	 "seconds": {"car": [[0, 600], [640, 0]], "walk": [[...]]}}
//
// A null entry means no duration for that pair.
type jsonTable struct {
	Points  []Point           `json:"points"`
	Seconds map[Mode][][]*int `json:"seconds"`
}

// LoadJSON reads a precomputed table in the JSON form documented on
// WriteJSON.
func LoadJSON(r io.Reader) (*Precomputed, error) {
	var t jsonTable
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("read travel times JSON: %w", err)
	}
	n := len(t.Points)
	durations := make(map[Mode]Matrix, len(t.Seconds))
	for mode, rows := range t.Seconds {
		if _, err := ParseMode(string(mode)); err != nil {
			return nil, fmt.Errorf("read travel times JSON: %w", err)
		}
		if len(rows) != n {
			return nil, fmt.Errorf("read travel times JSON: %s has %d rows for %d points", mode, len(rows), n)
		}
		m := NewMatrix(n)
		for i, row := range rows {
			if len(row) != n {
				return nil, fmt.Errorf("read travel times JSON: %s row %d has %d entries for %d points", mode, i, len(row), n)
			}
			for j, v := range row {
				switch {
				case v == nil:
					m.Set(i, j, missing)
				case *v < 0:
					return nil, fmt.Errorf("read travel times JSON: %s entry (%d, %d) is negative", mode, i, j)
				default:
					m.Set(i, j, *v)
				}
			}
		}
		durations[mode] = m
	}
	p, err := NewPrecomputed(t.Points, durations)
	if err != nil {
		return nil, fmt.Errorf("read travel times JSON: %w", err)
	}
	return p, nil
}

// WriteJSON writes the table as
//
//	{"points": [{"lat": 55.75, "lon": 37.62}, ...],
//	 "seconds": {"car": [[0, 600], [640, 0]], ...}}
//
// with null for pairs without a duration; LoadJSON reads it back. Use it to
// cache the answer of a routing server.
func (p *Precomputed) WriteJSON(w io.Writer) error {
	t := jsonTable{Points: p.points, Seconds: make(map[Mode][][]*int, len(p.durations))}
	for mode, m := range p.durations {
		rows := make([][]*int, m.N)
		for i := range rows {
			rows[i] = make([]*int, m.N)
			for j := range rows[i] {
				if v := m.At(i, j); v >= 0 {
					rows[i][j] = &v
				}
			}
		}
		t.Seconds[mode] = rows
	}
	if err := json.NewEncoder(w).Encode(t); err != nil {
		return fmt.Errorf("write travel times JSON: %w", err)
	}
	return nil
}

// csvHeader is the header row LoadCSV expects.
var csvHeader = []string{"mode", "from_lat", "from_lon", "to_lat", "to_lon", "seconds"}

// LoadCSV reads a precomputed table as a list of trips, one a row, after
// the header
//
//	mode,from_lat,from_lon,to_lat,to_lon,seconds
//
// the shape a spreadsheet or a GIS export gives. Places are collected from
// the rows; a trip not listed has no duration, and a trip from a place to
// itself takes none.
func LoadCSV(r io.Reader) (*Precomputed, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(csvHeader)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read travel times CSV header: %w", err)
	}
	for i, h := range header {
		if strings.ToLower(strings.TrimSpace(h)) != csvHeader[i] {
			return nil, fmt.Errorf("read travel times CSV: header column %d is %q, want %q", i+1, h, csvHeader[i])
		}
	}
	type trip struct {
		mode     Mode
		from, to int
		seconds  int
	}
	var (
		points []Point
		index  = map[pointKey]int{}
		trips  []trip
	)
	place := func(p Point) int {
		k := keyOf(p)
		if i, ok := index[k]; ok {
			return i
		}
		index[k] = len(points)
		points = append(points, p)
		return len(points) - 1
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read travel times CSV: %w", err)
		}
		mode, err := ParseMode(strings.TrimSpace(rec[0]))
		if err != nil {
			return nil, fmt.Errorf("read travel times CSV line %d: %w", line, err)
		}
		var nums [5]float64
		for i := range nums {
			nums[i], err = strconv.ParseFloat(strings.TrimSpace(rec[i+1]), 64)
			if err != nil {
				return nil, fmt.Errorf("read travel times CSV line %d, column %s: %w", line, csvHeader[i+1], err)
			}
		}
		from, to := Point{nums[0], nums[1]}, Point{nums[2], nums[3]}
		if !from.Valid() || !to.Valid() {
			return nil, fmt.Errorf("read travel times CSV line %d: coordinates out of range", line)
		}
		if nums[4] < 0 || nums[4] > math.MaxInt32 || math.IsNaN(nums[4]) {
			return nil, fmt.Errorf("read travel times CSV line %d: %v seconds is out of range", line, nums[4])
		}
		trips = append(trips, trip{mode, place(from), place(to), int(math.Ceil(nums[4]))})
	}
	durations := map[Mode]Matrix{}
	for _, t := range trips {
		m, ok := durations[t.mode]
		if !ok {
			m = NewMatrix(len(points))
			for i := range m.Seconds {
				if i%(m.N+1) != 0 {
					m.Seconds[i] = missing
				}
			}
			durations[t.mode] = m
		}
		m.Set(t.from, t.to, t.seconds)
	}
	p, err := NewPrecomputed(points, durations)
	if err != nil {
		return nil, fmt.Errorf("read travel times CSV: %w", err)
	}
	return p, nil
}
