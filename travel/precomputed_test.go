package travel

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestPrecomputedJSON(t *testing.T) {
	const doc = `{
	  "points": [{"lat": 55.752, "lon": 37.6175}, {"lat": 55.9726, "lon": 37.4146}, {"lat": 55.7033, "lon": 37.5302}],
	  "seconds": {
	    "car":  [[0, 3000, 900], [3100, 0, null], [950, 3500, 0]],
	    "walk": [[0, 20000, 6000], [20000, 0, 24000], [6000, 24000, 0]]
	  }
	}`
	p, err := LoadJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	msu := Point{Lat: 55.7033, Lon: 37.5302}
	ctx := context.Background()

	// A subset in another order, with coordinates that went through a
	// float round trip.
	got, err := p.Matrix(ctx, []Point{msu, {Lat: 55.75200000001, Lon: 37.6175}}, Car)
	if err != nil {
		t.Fatal(err)
	}
	if got.At(0, 1) != 950 || got.At(1, 0) != 900 || got.At(0, 0) != 0 {
		t.Errorf("car subset = %v, want [[0 950] [900 0]]", got.Rows())
	}

	for _, tc := range []struct {
		name   string
		points []Point
		mode   Mode
		want   string
	}{
		{"pair without a duration", []Point{sheremetyevo, msu}, Car, "no car duration"},
		{"point not in the table", []Point{kremlin, palaceSquare}, Car, "unknown point 1"},
		{"mode not in the table", []Point{kremlin}, Transit, "no transit matrix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Matrix(ctx, tc.points, tc.mode)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}

	// Written and read back, the table answers the same.
	var buf bytes.Buffer
	if err := p.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := LoadJSON(&buf)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	all := []Point{kremlin, sheremetyevo, msu}
	for _, mode := range []Mode{Walk} {
		a, _ := p.Matrix(ctx, all, mode)
		b, err := back.Matrix(ctx, all, mode)
		if err != nil {
			t.Fatal(err)
		}
		if !equalMatrix(a, b) {
			t.Errorf("%s after a round trip = %v, want %v", mode, b.Rows(), a.Rows())
		}
	}
	if _, err := back.Matrix(ctx, []Point{sheremetyevo, msu}, Car); err == nil {
		t.Error("a missing pair came back from the round trip with a duration")
	}
}

func TestLoadJSONErrors(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"not JSON", `{"points":`, "read travel times JSON"},
		{"unknown field", `{"points": [], "minutes": {}}`, "unknown field"},
		{"unknown mode", `{"points": [{"lat":1,"lon":1}], "seconds": {"bike": [[0]]}}`, "unknown travel mode"},
		{"too few rows", `{"points": [{"lat":1,"lon":1},{"lat":2,"lon":2}], "seconds": {"car": [[0,1]]}}`, "1 rows for 2 points"},
		{"short row", `{"points": [{"lat":1,"lon":1},{"lat":2,"lon":2}], "seconds": {"car": [[0,1],[1]]}}`, "row 1 has 1 entries"},
		{"negative", `{"points": [{"lat":1,"lon":1},{"lat":2,"lon":2}], "seconds": {"car": [[0,-1],[1,0]]}}`, "negative"},
		{"duplicate point", `{"points": [{"lat":1,"lon":1},{"lat":1,"lon":1}], "seconds": {}}`, "both"},
		{"bad latitude", `{"points": [{"lat":100,"lon":1}], "seconds": {}}`, "out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadJSON(strings.NewReader(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestLoadCSV(t *testing.T) {
	const doc = `mode,from_lat,from_lon,to_lat,to_lon,seconds
car,55.752,37.6175,55.9726,37.4146,3000
car, 55.9726, 37.4146, 55.752, 37.6175, 3100.2
walk,55.752,37.6175,55.9726,37.4146,20000
`
	p, err := LoadCSV(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, err := p.Matrix(ctx, []Point{sheremetyevo, kremlin}, Car)
	if err != nil {
		t.Fatal(err)
	}
	// Fractions of a second round up: a trip never takes less than measured.
	if got.At(0, 1) != 3101 || got.At(1, 0) != 3000 {
		t.Errorf("car = %v, want [[0 3101] [3000 0]]", got.Rows())
	}
	if _, err := p.Matrix(ctx, []Point{sheremetyevo, kremlin}, Walk); err == nil || !strings.Contains(err.Error(), "no walk duration") {
		t.Errorf("walk back is not listed: error = %v, want a missing-duration error", err)
	}

	for _, tc := range []struct{ name, doc, want string }{
		{"empty", ``, "header"},
		{"wrong header", "mode,lat1,lon1,lat2,lon2,s\n", "header column 2"},
		{"bad number", "mode,from_lat,from_lon,to_lat,to_lon,seconds\ncar,x,1,1,1,1\n", "line 2, column from_lat"},
		{"bad mode", "mode,from_lat,from_lon,to_lat,to_lon,seconds\nrocket,1,1,1,1,1\n", "line 2"},
		{"negative", "mode,from_lat,from_lon,to_lat,to_lon,seconds\ncar,1,1,2,2,-5\n", "out of range"},
		{"short row", "mode,from_lat,from_lon,to_lat,to_lon,seconds\ncar,1,1,2,2\n", "wrong number of fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadCSV(strings.NewReader(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func equalMatrix(a, b Matrix) bool {
	if a.N != b.N || len(a.Seconds) != len(b.Seconds) {
		return false
	}
	for i := range a.Seconds {
		if a.Seconds[i] != b.Seconds[i] {
			return false
		}
	}
	return true
}
