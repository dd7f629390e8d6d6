package travel

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

var (
	kremlin        = Point{Lat: 55.7520, Lon: 37.6175}
	palaceSquare   = Point{Lat: 59.9390, Lon: 30.3158} // Saint Petersburg
	sheremetyevo   = Point{Lat: 55.9726, Lon: 37.4146}
	oneDegreeKm    = math.Pi * earthRadiusKm / 180 // 111.195 km along a meridian
	oneDegreeNorth = Point{Lat: 56.7520, Lon: 37.6175}
)

func TestDistanceKm(t *testing.T) {
	for _, tc := range []struct {
		name      string
		a, b      Point
		want, tol float64
	}{
		{"same point", kremlin, kremlin, 0, 1e-9},
		{"one degree along a meridian", Point{0, 0}, Point{1, 0}, 111.195, 0.001},
		{"one degree north of the Kremlin", kremlin, oneDegreeNorth, oneDegreeKm, 1e-6},
		{"quarter of the equator", Point{0, 0}, Point{0, 90}, 10007.557, 0.01},
		{"antipodes", Point{0, 0}, Point{0, 180}, 20015.114, 0.01},
		// Published straight-line distance between the two city centres: 634 km.
		{"Moscow Kremlin to St Petersburg Palace Square", kremlin, palaceSquare, 634, 1.5},
		{"Kremlin to Sheremetyevo airport", kremlin, sheremetyevo, 27.6, 0.1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := DistanceKm(tc.a, tc.b)
			if math.Abs(got-tc.want) > tc.tol {
				t.Errorf("DistanceKm = %.4f km, want %.4f ± %g", got, tc.want, tc.tol)
			}
			if back := DistanceKm(tc.b, tc.a); math.Abs(back-got) > 1e-9 {
				t.Errorf("distance is not symmetric: %v there, %v back", got, back)
			}
		})
	}
}

// testModel has round numbers so expected durations can be worked out by
// hand: by car 36 km/h (10 m/s) with a 1.5 detour, a minute to park, twice
// as slow in the 08:00–11:00 rush; on foot 3.6 km/h (1 m/s), no detour.
func testModel() Model {
	return Model{
		Profiles: map[Mode]Profile{
			Car:     {SpeedKmh: 36, Detour: 1.5, Overhead: time.Minute, RushFactor: 2},
			Transit: {SpeedKmh: 36, Detour: 1, Overhead: 10 * time.Minute, RushFactor: 1, WalkIfShorter: true},
			Walk:    {SpeedKmh: 3.6, Detour: 1, RushFactor: 1},
		},
		RushHours: []ClockSpan{{From: 8 * time.Hour, To: 11 * time.Hour}},
		Day:       ClockSpan{From: 8 * time.Hour, To: 20 * time.Hour},
	}
}

func TestModelSeconds(t *testing.T) {
	// 111 195.08 m along the meridian.
	meters := oneDegreeKm * 1000
	offPeak := testModel()
	offPeak.Day = ClockSpan{From: 11 * time.Hour, To: 20 * time.Hour}
	average := testModel()
	average.Rush = RushAverage
	fiveHundredMetres := Point{Lat: kremlin.Lat + 0.5/oneDegreeKm, Lon: kremlin.Lon}
	twoKm := Point{Lat: kremlin.Lat + 2/oneDegreeKm, Lon: kremlin.Lon}

	for _, tc := range []struct {
		name  string
		model Model
		a, b  Point
		mode  Mode
		want  float64
	}{
		{"same place is free", testModel(), kremlin, kremlin, Car, 0},
		{"car, day touches the rush: peak factor", testModel(), kremlin, oneDegreeNorth, Car, meters*1.5/10*2 + 60},
		{"car, day after the rush: no factor", offPeak, kremlin, oneDegreeNorth, Car, meters*1.5/10 + 60},
		// 3 of the 12 hours are in the rush: 1 + (2-1)·0.25.
		{"car, day-averaged factor", average, kremlin, oneDegreeNorth, Car, meters*1.5/10*1.25 + 60},
		{"walk", testModel(), kremlin, twoKm, Walk, 2000},
		{"transit over 2 km beats walking", testModel(), kremlin, twoKm, Transit, 200 + 600},
		{"transit for a short hop walks", testModel(), kremlin, fiveHundredMetres, Transit, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.model.Seconds(tc.a, tc.b, tc.mode)
			if err != nil {
				t.Fatal(err)
			}
			if want := int(math.Ceil(tc.want - 1e-6)); got != want && got != want+1 {
				t.Errorf("Seconds = %d, want %d", got, want)
			}
		})
	}
}

func TestModelMatrix(t *testing.T) {
	m := DefaultModel()
	points := []Point{kremlin, sheremetyevo, palaceSquare, kremlin}
	for _, mode := range Modes() {
		got, err := m.Matrix(context.Background(), points, mode)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if got.N != len(points) {
			t.Fatalf("%s: N = %d, want %d", mode, got.N, len(points))
		}
		for i := range points {
			for j := range points {
				want, err := m.Seconds(points[i], points[j], mode)
				if err != nil {
					t.Fatal(err)
				}
				if got.At(i, j) != want {
					t.Errorf("%s: (%d,%d) = %d, want %d", mode, i, j, got.At(i, j), want)
				}
			}
		}
		if got.At(0, 3) != 0 {
			t.Errorf("%s: the same place twice is %d s apart, want 0", mode, got.At(0, 3))
		}
		if got.At(0, 1) <= 0 || got.At(0, 1) >= got.At(0, 2) {
			t.Errorf("%s: Kremlin→Sheremetyevo %d s should be positive and shorter than Kremlin→St Petersburg %d s", mode, got.At(0, 1), got.At(0, 2))
		}
	}
	// The Moscow defaults: a car is faster than transit across town, and
	// both are faster than walking.
	car, _ := m.Seconds(kremlin, sheremetyevo, Car)
	transit, _ := m.Seconds(kremlin, sheremetyevo, Transit)
	walk, _ := m.Seconds(kremlin, sheremetyevo, Walk)
	if !(car < walk && transit < walk) {
		t.Errorf("Kremlin→Sheremetyevo: car %d s, transit %d s, walk %d s: walking should be slowest", car, transit, walk)
	}
}

func TestModelErrors(t *testing.T) {
	noWalk := testModel()
	delete(noWalk.Profiles, Walk)
	slow := testModel()
	slow.Profiles[Car] = Profile{SpeedKmh: 0, Detour: 1, RushFactor: 1}
	straight := testModel()
	straight.Profiles[Car] = Profile{SpeedKmh: 10, Detour: 0.9, RushFactor: 1}
	emptyDay := testModel()
	emptyDay.Day = ClockSpan{}

	for _, tc := range []struct {
		name   string
		model  Model
		points []Point
		mode   Mode
		want   string
	}{
		{"unknown mode", testModel(), []Point{kremlin}, Mode("bike"), "no profile"},
		{"transit walks but no walk profile", noWalk, []Point{kremlin}, Transit, "no walk profile"},
		{"zero speed", slow, []Point{kremlin}, Car, "speed"},
		{"detour below 1", straight, []Point{kremlin}, Car, "detour"},
		{"empty day", emptyDay, []Point{kremlin}, Car, "working day"},
		{"latitude out of range", testModel(), []Point{kremlin, {Lat: 91, Lon: 0}}, Car, "point 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.model.Matrix(context.Background(), tc.points, tc.mode)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := testModel().Matrix(ctx, []Point{kremlin}, Car); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: error = %v, want context.Canceled", err)
	}
}

func TestParseMode(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Mode
		wantErr bool
	}{
		{"", Car, false},
		{"car", Car, false},
		{"transit", Transit, false},
		{"walk", Walk, false},
		{"bicycle", "", true},
	} {
		got, err := ParseMode(tc.in)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("ParseMode(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}
