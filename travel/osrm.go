package travel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// OSRMConfig configures an OSRM table client. Only BaseURL is required.
type OSRMConfig struct {
	// BaseURL is where the server answers, e.g. "http://localhost:5000";
	// the client appends /table/v1/{profile}/{coordinates}.
	BaseURL string
	// Profiles names the server profile for each mode. Default: car →
	// "driving", walk → "foot". OSRM has no public-transport profile, so
	// Transit is refused unless named here.
	Profiles map[Mode]string
	// Client sends the requests; default a plain http.Client.
	Client *http.Client
	// Timeout bounds each HTTP request; default 30 s.
	Timeout time.Duration
	// MaxPoints is the most coordinates sent in one request: the server's
	// --max-table-size, 100 by default in osrm-routed. Larger point sets are
	// split into blocks and fetched block against block.
	MaxPoints int
	// Concurrency is how many requests run at once; default 2.
	Concurrency int
	// Factor multiplies every duration, e.g. 1.3 to turn the free-flow
	// times of a car profile into rush-hour times (see RushPeak for why a
	// static matrix should carry the peak); default 1.
	Factor float64
	// MaxResponseBytes bounds how much of one answer is read; default
	// 64 MiB.
	MaxResponseBytes int64
}

// OSRM asks an OSRM-compatible routing server for travel times through its
// table service (GET /table/v1/{profile}/{lon,lat;…}?annotations=duration).
// It is safe for concurrent use.
type OSRM struct {
	cfg  OSRMConfig
	base *url.URL
}

// NewOSRM returns a client for the server at cfg.BaseURL with the defaults
// filled in.
func NewOSRM(cfg OSRMConfig) (*OSRM, error) {
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("OSRM base URL %q: want http(s)://host[:port][/path]", cfg.BaseURL)
	}
	if cfg.Profiles == nil {
		cfg.Profiles = map[Mode]string{Car: "driving", Walk: "foot"}
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MaxPoints <= 0 {
		cfg.MaxPoints = 100
	}
	if cfg.MaxPoints < 2 {
		return nil, fmt.Errorf("OSRM max points %d: need at least 2 to fetch block against block", cfg.MaxPoints)
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 2
	}
	if cfg.Factor == 0 {
		cfg.Factor = 1
	}
	if !(cfg.Factor > 0) || math.IsInf(cfg.Factor, 0) {
		return nil, fmt.Errorf("OSRM duration factor %v must be positive", cfg.Factor)
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = 64 << 20
	}
	return &OSRM{cfg: cfg, base: base}, nil
}

// osrmBlock is one table request: the durations from the points of rows to
// the points of cols, both index ranges into the caller's points.
type osrmBlock struct {
	rowFrom, rowTo int
	colFrom, colTo int
}

// Matrix fetches the durations between the points, in as many requests as
// MaxPoints demands. A pair the server cannot route (null) gets
// Unreachable. Any failed request fails the whole matrix.
func (o *OSRM) Matrix(ctx context.Context, points []Point, mode Mode) (Matrix, error) {
	profile, ok := o.cfg.Profiles[mode]
	if !ok {
		return Matrix{}, fmt.Errorf("OSRM table: no server profile for mode %q", mode)
	}
	if err := validatePoints(points); err != nil {
		return Matrix{}, fmt.Errorf("OSRM table: %w", err)
	}
	n := len(points)
	out := NewMatrix(n)
	if n < 2 {
		return out, nil
	}
	var blocks []osrmBlock
	if n <= o.cfg.MaxPoints {
		blocks = []osrmBlock{{0, n, 0, n}}
	} else {
		size := o.cfg.MaxPoints / 2
		for r := 0; r < n; r += size {
			for c := 0; c < n; c += size {
				blocks = append(blocks, osrmBlock{r, min(r+size, n), c, min(c+size, n)})
			}
		}
	}

	parent := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan osrmBlock)
	var wg sync.WaitGroup
	for range min(o.cfg.Concurrency, len(blocks)) {
		wg.Go(func() {
			for b := range jobs {
				// Blocks write disjoint cells of out, so no lock is needed.
				if err := o.fetch(ctx, profile, points, b, out); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for _, b := range blocks {
		select {
		case jobs <- b:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := parent.Err(); err != nil {
		return Matrix{}, fmt.Errorf("OSRM table: %w", err)
	}
	if err := context.Cause(ctx); err != nil {
		return Matrix{}, err
	}
	// The server snaps each coordinate to a road separately; points in one
	// building must still be zero apart, as Source promises.
	first := make(map[pointKey]int, n)
	for i, p := range points {
		k := keyOf(p)
		j, seen := first[k]
		if !seen {
			first[k] = i
			continue
		}
		for x := range n {
			out.Set(i, x, out.At(j, x))
			out.Set(x, i, out.At(x, j))
		}
		out.Set(i, j, 0)
		out.Set(j, i, 0)
		out.Set(i, i, 0)
	}
	return out, nil
}

// osrmTable is the part of an OSRM table answer the client reads.
type osrmTable struct {
	Code      string       `json:"code"`
	Message   string       `json:"message"`
	Durations [][]*float64 `json:"durations"`
}

// fetch requests one block and writes it into out.
func (o *OSRM) fetch(ctx context.Context, profile string, points []Point, b osrmBlock, out Matrix) error {
	var coords []Point
	query := url.Values{"annotations": {"duration"}}
	rows, cols := b.rowTo-b.rowFrom, b.colTo-b.colFrom
	if b.rowFrom == b.colFrom && b.rowTo == b.colTo {
		coords = points[b.rowFrom:b.rowTo]
	} else {
		coords = append(append(coords, points[b.rowFrom:b.rowTo]...), points[b.colFrom:b.colTo]...)
		query.Set("sources", indexList(0, rows))
		query.Set("destinations", indexList(rows, rows+cols))
	}
	var path strings.Builder
	for i, p := range coords {
		if i > 0 {
			path.WriteByte(';')
		}
		// OSRM wants longitude first.
		path.WriteString(strconv.FormatFloat(p.Lon, 'f', 6, 64))
		path.WriteByte(',')
		path.WriteString(strconv.FormatFloat(p.Lat, 'f', 6, 64))
	}
	u := *o.base
	u.Path = o.base.Path + "/table/v1/" + url.PathEscape(profile) + "/" + path.String()
	u.RawQuery = strings.ReplaceAll(query.Encode(), "%3B", ";")
	what := fmt.Sprintf("OSRM table rows %d–%d × columns %d–%d", b.rowFrom, b.rowTo-1, b.colFrom, b.colTo-1)

	ctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := o.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, o.cfg.MaxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("%s: read answer: %w", what, err)
	}
	if int64(len(body)) > o.cfg.MaxResponseBytes {
		return fmt.Errorf("%s: answer is larger than %d bytes", what, o.cfg.MaxResponseBytes)
	}
	var t osrmTable
	jsonErr := json.Unmarshal(body, &t)
	if resp.StatusCode != http.StatusOK || t.Code != "Ok" {
		switch {
		case jsonErr == nil && t.Code != "":
			return fmt.Errorf("%s: server answered %s %s: %s", what, resp.Status, t.Code, t.Message)
		case resp.StatusCode != http.StatusOK:
			return fmt.Errorf("%s: server answered %s: %s", what, resp.Status, snippet(body))
		}
	}
	if jsonErr != nil {
		return fmt.Errorf("%s: decode answer: %w", what, jsonErr)
	}
	if len(t.Durations) != rows {
		return fmt.Errorf("%s: answer has %d rows, want %d", what, len(t.Durations), rows)
	}
	for i, row := range t.Durations {
		if len(row) != cols {
			return fmt.Errorf("%s: answer row %d has %d durations, want %d", what, i, len(row), cols)
		}
		for j, d := range row {
			s := Unreachable
			if b.rowFrom+i == b.colFrom+j {
				// A point is where it is, whatever the server snapped it to.
				s = 0
			} else if d != nil {
				if *d < 0 || math.IsNaN(*d) {
					return fmt.Errorf("%s: answer has duration %v", what, *d)
				}
				s = min(Unreachable, int(math.Ceil(*d*o.cfg.Factor)))
			}
			out.Set(b.rowFrom+i, b.colFrom+j, s)
		}
	}
	return nil
}

// indexList returns "from;from+1;…;to-1", OSRM's list of coordinate indexes.
func indexList(from, to int) string {
	var sb strings.Builder
	for i := from; i < to; i++ {
		if i > from {
			sb.WriteByte(';')
		}
		sb.WriteString(strconv.Itoa(i))
	}
	return sb.String()
}

// snippet returns the start of a body for an error message.
func snippet(body []byte) string {
	const limit = 200
	s := strings.TrimSpace(string(body))
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}
