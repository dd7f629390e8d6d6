package travel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// osrmServer is an in-process HTTP server that speaks the OSRM table
// protocol: it parses the coordinates, sources and destinations the way
// osrm-routed does, refuses more than maxTable coordinates with TooBig, and
// answers durations of 100 s per great-circle kilometre plus 0.4 s (so
// rounding shows), or null when either end is on the island.
type osrmServer struct {
	maxTable int
	island   Point

	mu       sync.Mutex
	requests int
	profiles map[string]int
}

func (s *osrmServer) duration(a, b Point) *float64 {
	if keyOf(a) == keyOf(s.island) || keyOf(b) == keyOf(s.island) {
		return nil
	}
	d := DistanceKm(a, b)*100 + 0.4
	if keyOf(a) == keyOf(b) {
		d = 0
	}
	return &d
}

// expected is what the client should return for points: the server's
// durations rounded up, Unreachable for null.
func (s *osrmServer) expected(points []Point) Matrix {
	m := NewMatrix(len(points))
	for i, a := range points {
		for j, b := range points {
			switch d := s.duration(a, b); {
			case i == j:
			case d == nil:
				m.Set(i, j, Unreachable)
			default:
				m.Set(i, j, int(math.Ceil(*d)))
			}
		}
	}
	return m
}

func (s *osrmServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"code": code, "message": msg})
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/osrm/table/v1/")
	if !ok {
		fail(http.StatusBadRequest, "InvalidUrl", "URL string malformed")
		return
	}
	profile, coordText, ok := strings.Cut(rest, "/")
	if !ok {
		fail(http.StatusBadRequest, "InvalidUrl", "URL string malformed")
		return
	}
	// OSRM separates indexes with ';', which net/url refuses in queries.
	query := map[string]string{}
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		query[k] = v
	}
	if query["annotations"] != "duration" {
		fail(http.StatusBadRequest, "InvalidOptions", "annotations must be duration")
		return
	}
	var coords []Point
	for _, c := range strings.Split(coordText, ";") {
		lon, lat, ok := strings.Cut(c, ",")
		x, err1 := strconv.ParseFloat(lon, 64)
		y, err2 := strconv.ParseFloat(lat, 64)
		if !ok || err1 != nil || err2 != nil {
			fail(http.StatusBadRequest, "InvalidQuery", "Query string malformed")
			return
		}
		coords = append(coords, Point{Lat: y, Lon: x})
	}
	if len(coords) > s.maxTable {
		fail(http.StatusBadRequest, "TooBig", "Too many table coordinates")
		return
	}
	indexes := func(key string) ([]int, bool) {
		v := query[key]
		if v == "" || v == "all" {
			all := make([]int, len(coords))
			for i := range all {
				all[i] = i
			}
			return all, true
		}
		var out []int
		for _, f := range strings.Split(v, ";") {
			i, err := strconv.Atoi(f)
			if err != nil || i < 0 || i >= len(coords) {
				return nil, false
			}
			out = append(out, i)
		}
		return out, true
	}
	sources, ok1 := indexes("sources")
	destinations, ok2 := indexes("destinations")
	if !ok1 || !ok2 {
		fail(http.StatusBadRequest, "InvalidOptions", "Index out of range")
		return
	}
	s.mu.Lock()
	s.requests++
	s.profiles[profile]++
	s.mu.Unlock()

	type waypoint struct {
		Location [2]float64 `json:"location"`
		Name     string     `json:"name"`
	}
	answer := struct {
		Code         string       `json:"code"`
		Durations    [][]*float64 `json:"durations"`
		Sources      []waypoint   `json:"sources"`
		Destinations []waypoint   `json:"destinations"`
	}{Code: "Ok"}
	for _, i := range sources {
		row := make([]*float64, len(destinations))
		for j, d := range destinations {
			row[j] = s.duration(coords[i], coords[d])
		}
		answer.Durations = append(answer.Durations, row)
		answer.Sources = append(answer.Sources, waypoint{Location: [2]float64{coords[i].Lon, coords[i].Lat}})
	}
	for _, d := range destinations {
		answer.Destinations = append(answer.Destinations, waypoint{Location: [2]float64{coords[d].Lon, coords[d].Lat}})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(answer)
}

// moscowGrid returns n distinct points on a grid over central Moscow.
func moscowGrid(n int) []Point {
	points := make([]Point, n)
	for i := range points {
		points[i] = Point{Lat: 55.60 + float64(i%7)*0.04, Lon: 37.40 + float64(i/7)*0.03}
	}
	return points
}

func TestOSRMMatrix(t *testing.T) {
	island := Point{Lat: 55.5, Lon: 37.0}
	grid := moscowGrid(23)
	withIsland := append([]Point{kremlin, island}, moscowGrid(3)...)
	withDuplicate := []Point{kremlin, sheremetyevo, kremlin}

	for _, tc := range []struct {
		name         string
		points       []Point
		maxPoints    int
		mode         Mode
		wantRequests int
		wantProfile  string
	}{
		{"one request when the table fits", grid, 100, Car, 1, "driving"},
		{"blocks when it does not: 3×3 blocks of 10", grid, 20, Car, 9, "driving"},
		{"odd limit: blocks of 3", grid[:8], 7, Walk, 9, "foot"},
		{"no route becomes Unreachable", withIsland, 100, Car, 1, "driving"},
		{"the same place twice is zero apart", withDuplicate, 2, Car, 9, "driving"},
		{"a single point needs no request", grid[:1], 100, Car, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := &osrmServer{maxTable: tc.maxPoints, island: island, profiles: map[string]int{}}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			client, err := NewOSRM(OSRMConfig{BaseURL: ts.URL + "/osrm/", MaxPoints: tc.maxPoints})
			if err != nil {
				t.Fatal(err)
			}
			got, err := client.Matrix(context.Background(), tc.points, tc.mode)
			if err != nil {
				t.Fatal(err)
			}
			if want := srv.expected(tc.points); !equalMatrix(got, want) {
				t.Errorf("matrix =\n%v\nwant\n%v", got.Rows(), want.Rows())
			}
			if srv.requests != tc.wantRequests {
				t.Errorf("%d requests, want %d", srv.requests, tc.wantRequests)
			}
			if tc.wantProfile != "" && srv.profiles[tc.wantProfile] != srv.requests {
				t.Errorf("profiles used %v, want only %q", srv.profiles, tc.wantProfile)
			}
		})
	}
}

func TestOSRMFactor(t *testing.T) {
	srv := &osrmServer{maxTable: 100, profiles: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	client, err := NewOSRM(OSRMConfig{BaseURL: ts.URL + "/osrm", Factor: 1.5})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Seconds(context.Background(), client, kremlin, sheremetyevo, Car)
	if err != nil {
		t.Fatal(err)
	}
	if want := int(math.Ceil((DistanceKm(kremlin, sheremetyevo)*100 + 0.4) * 1.5)); got != want {
		t.Errorf("Seconds = %d, want %d", got, want)
	}
}

func TestOSRMErrors(t *testing.T) {
	answer := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		}
	}
	points := []Point{kremlin, sheremetyevo}
	for _, tc := range []struct {
		name    string
		handler http.Handler
		cfg     OSRMConfig
		mode    Mode
		want    string
		wantIs  error
	}{
		{name: "server error page", handler: answer(http.StatusBadGateway, "<html>bad gateway</html>"), want: "502 Bad Gateway: <html>bad gateway</html>"},
		{name: "OSRM error code", handler: answer(http.StatusBadRequest, `{"code":"InvalidQuery","message":"Query string malformed close to position 28"}`), want: "InvalidQuery: Query string malformed"},
		{name: "too many coordinates", handler: &osrmServer{maxTable: 1, profiles: map[string]int{}}, cfg: OSRMConfig{MaxPoints: 5}, want: "TooBig"},
		{name: "not Ok with status 200", handler: answer(http.StatusOK, `{"code":"NoTable","message":"no table"}`), want: "NoTable"},
		{name: "not JSON", handler: answer(http.StatusOK, `durations: none`), want: "decode answer"},
		{name: "too few rows", handler: answer(http.StatusOK, `{"code":"Ok","durations":[[0,1]]}`), want: "1 rows, want 2"},
		{name: "short row", handler: answer(http.StatusOK, `{"code":"Ok","durations":[[0,1],[1]]}`), want: "row 1 has 1 durations"},
		{name: "negative duration", handler: answer(http.StatusOK, `{"code":"Ok","durations":[[0,-1],[1,0]]}`), want: "duration -1"},
		{name: "answer too large", handler: answer(http.StatusOK, `{"code":"Ok","durations":[[0,1],[1,0]]}`), cfg: OSRMConfig{MaxResponseBytes: 10}, want: "larger than 10 bytes"},
		{name: "transit has no OSRM profile", handler: answer(http.StatusOK, ``), mode: Transit, want: `no server profile for mode "transit"`},
		{
			name: "server too slow",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
			}),
			cfg:    OSRMConfig{Timeout: 20 * time.Millisecond},
			wantIs: context.DeadlineExceeded,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(tc.handler)
			defer ts.Close()
			cfg := tc.cfg
			cfg.BaseURL = ts.URL + "/osrm"
			client, err := NewOSRM(cfg)
			if err != nil {
				t.Fatal(err)
			}
			mode := tc.mode
			if mode == "" {
				mode = Car
			}
			_, err = client.Matrix(context.Background(), points, mode)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.want != "" && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one mentioning %q", err, tc.want)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error = %v, want %v", err, tc.wantIs)
			}
		})
	}
}

func TestOSRMCancelled(t *testing.T) {
	srv := &osrmServer{maxTable: 100, profiles: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	client, err := NewOSRM(OSRMConfig{BaseURL: ts.URL + "/osrm"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := client.Matrix(ctx, moscowGrid(5), Car); !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestNewOSRMErrors(t *testing.T) {
	for _, cfg := range []OSRMConfig{
		{BaseURL: ""},
		{BaseURL: "localhost:5000"},
		{BaseURL: "ftp://example.org"},
		{BaseURL: "http://localhost:5000", MaxPoints: 1},
		{BaseURL: "http://localhost:5000", Factor: -1},
	} {
		if _, err := NewOSRM(cfg); err == nil {
			t.Errorf("NewOSRM(%+v) accepted a bad configuration", cfg)
		}
	}
}

func TestSecondsNoRoute(t *testing.T) {
	island := Point{Lat: 55.5, Lon: 37.0}
	srv := &osrmServer{maxTable: 100, island: island, profiles: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	client, err := NewOSRM(OSRMConfig{BaseURL: ts.URL + "/osrm"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Seconds(context.Background(), client, kremlin, island, Car); !errors.Is(err, ErrNoRoute) {
		t.Errorf("error = %v, want ErrNoRoute", err)
	}
}
