package models

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestParseTimeOfDay(t *testing.T) {
	tests := []struct {
		in   string
		want TimeOfDay
		ok   bool
	}{
		{"00:00", 0, true},
		{"09:30", 570, true},
		{"24:00", 1440, true},
		{"9:30", 0, false},
		{"24:01", 0, false},
		{"12:60", 0, false},
		{"-1:00", 0, false},
		{"ab:cd", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseTimeOfDay(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseTimeOfDay(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if tt.ok && got.String() != tt.in {
			t.Errorf("%q round-trips to %q", tt.in, got.String())
		}
	}
}

func TestTimeOfDayJSONErrorNamesField(t *testing.T) {
	var w struct {
		Lunch struct {
			Earliest TimeOfDay `json:"earliest"`
		} `json:"lunch"`
	}
	err := json.Unmarshal([]byte(`{"lunch":{"earliest":"9:00"}}`), &w)
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) || typeErr.Field != "lunch.earliest" {
		t.Fatalf("error %v (field %q), want an UnmarshalTypeError for lunch.earliest", err, typeErr.Field)
	}
}

// A week across a clock change still means 09:00 local on every day.
func TestDateAtAcrossClockChange(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	before := Date("2026-03-28").At(9*60, berlin)
	after := Date("2026-03-29").At(9*60, berlin)
	if before.Hour() != 9 || after.Hour() != 9 {
		t.Fatalf("09:00 local became %v and %v", before, after)
	}
	if got := after.Sub(before); got != 23*time.Hour {
		t.Fatalf("09:00 to 09:00 across the spring change = %v, want 23h", got)
	}
	if DateOf(after, berlin) != "2026-03-29" {
		t.Fatalf("DateOf = %s", DateOf(after, berlin))
	}
}

func TestDateMonday(t *testing.T) {
	for in, want := range map[Date]Date{"2026-12-07": "2026-12-07", "2026-12-13": "2026-12-07", "2026-12-10": "2026-12-07", "2027-01-01": "2026-12-28"} {
		if got := in.Monday(); got != want {
			t.Errorf("%s.Monday() = %s, want %s", in, got, want)
		}
	}
}

func TestCanTransition(t *testing.T) {
	legal := map[[2]Status]bool{
		{StatusNew, StatusPlanned}: true, {StatusNew, StatusCancelled}: true,
		{StatusPlanned, StatusConfirmed}: true, {StatusPlanned, StatusNew}: true, {StatusPlanned, StatusCancelled}: true,
		{StatusConfirmed, StatusDone}: true, {StatusConfirmed, StatusPlanned}: true, {StatusConfirmed, StatusNew}: true,
		{StatusConfirmed, StatusCancelled}: true,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			if got := CanTransition(from, to); got != legal[[2]Status{from, to}] {
				t.Errorf("CanTransition(%s, %s) = %v", from, to, got)
			}
		}
	}
}

func TestAvailabilityWindowsHonourOverrides(t *testing.T) {
	a := Availability{
		Weekly: Week{Mon: []Window{{9 * 60, 18 * 60}}},
		Overrides: []DateOverride{
			{Date: "2026-12-07", Off: true},
			{Date: "2026-12-14", Windows: []Window{{10 * 60, 12 * 60}}},
		},
	}
	if w := a.Windows("2026-12-07"); len(w) != 0 {
		t.Errorf("day off has windows %v", w)
	}
	if w := a.Windows("2026-12-14"); len(w) != 1 || w[0].Start != 600 {
		t.Errorf("changed day = %v", w)
	}
	if w := a.Windows("2026-12-21"); len(w) != 1 || w[0].Start != 540 {
		t.Errorf("ordinary Monday = %v", w)
	}
}

func TestAvailabilityValidate(t *testing.T) {
	tests := []struct {
		name  string
		a     Availability
		field string
	}{
		{"end before start", Availability{Weekly: Week{Tue: []Window{{600, 540}}}}, "weekly.tue[0]"},
		{"overlap", Availability{Weekly: Week{Tue: []Window{{540, 720}, {700, 800}}}}, "weekly.tue"},
		{"off with windows", Availability{Overrides: []DateOverride{{Date: "2026-12-07", Off: true, Windows: []Window{{540, 600}}}}}, "overrides[0]"},
		{"twice the same date", Availability{Overrides: []DateOverride{{Date: "2026-12-07", Off: true}, {Date: "2026-12-07", Off: true}}}, "overrides[1].date"},
		{"lunch too long", Availability{Lunch: &Lunch{Earliest: 720, Latest: 780, Minutes: 500}}, "lunch.minutes"},
	}
	for _, tt := range tests {
		var v *ValidationError
		if err := tt.a.Validate(); !errors.As(err, &v) || v.Fields[0].Field != tt.field {
			t.Errorf("%s: error %v, want field %s", tt.name, err, tt.field)
		}
	}
	ok := Availability{Weekly: Week{Mon: []Window{{540, 780}, {840, 1080}}}, Lunch: &Lunch{Earliest: 720, Latest: 780, Minutes: 45}}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid availability refused: %v", err)
	}
}

func TestDateStartsWeek(t *testing.T) {
	for in, want := range map[Date]bool{
		"2026-12-07": true,  // a Monday
		"2026-12-08": false, // a Tuesday
		"2026-12-06": false, // a Sunday
		"2026-02-30": false, // no such day
		"soon":       false,
		"":           false,
	} {
		if got := in.StartsWeek(); got != want {
			t.Errorf("%q.StartsWeek() = %v, want %v", in, got, want)
		}
	}
}

// TestTimeOfDayJSON: a time of day is written as "HH:MM" and read back,
// over the whole day and beyond it.
func TestTimeOfDayJSON(t *testing.T) {
	for tod := TimeOfDay(0); tod < 30*60; tod += 7 {
		b, err := json.Marshal(tod)
		if err != nil {
			t.Fatal(err)
		}
		if want := `"` + tod.String() + `"`; string(b) != want {
			t.Fatalf("%d minutes: %s, want %s", int(tod), b, want)
		}
		if tod >= 24*60 {
			continue
		}
		var back TimeOfDay
		if err := json.Unmarshal(b, &back); err != nil || back != tod {
			t.Fatalf("%s read back as %d, %v", b, int(back), err)
		}
	}
}
