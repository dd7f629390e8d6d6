package models

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// TimeOfDay is a wall-clock time in minutes since local midnight (0..1440).
// JSON carries it as "HH:MM"; 1440 is written "24:00" and means end of day.
type TimeOfDay int

// ParseTimeOfDay reads "HH:MM" (00:00..24:00).
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("time %q is not HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil {
		return 0, fmt.Errorf("time %q is not HH:MM", s)
	}
	if h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time %q is out of range 00:00..24:00", s)
	}
	return TimeOfDay(h*60 + m), nil
}

// String formats t as HH:MM.
func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", int(t)/60, int(t)%60) }

// MarshalJSON writes "HH:MM". Every list of requests and trainers writes
// many of these, so it builds the bytes itself rather than through fmt.
func (t TimeOfDay) MarshalJSON() ([]byte, error) {
	if t < 0 || t >= 100*60 {
		return json.Marshal(t.String())
	}
	h, m := byte(int(t)/60), byte(int(t)%60)
	return []byte{'"', '0' + h/10, '0' + h%10, ':', '0' + m/10, '0' + m%10, '"'}, nil
}

// UnmarshalJSON reads "HH:MM". A bad value is reported as a
// *json.UnmarshalTypeError so that the decoder adds the field's path to it
// and clients learn which field was wrong.
func (t *TimeOfDay) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[TimeOfDay]()}
	}
	v, err := ParseTimeOfDay(s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: strconv.Quote(s), Type: reflect.TypeFor[TimeOfDay]()}
	}
	*t = v
	return nil
}

// Window is a wall-clock interval within one day, [Start, End).
type Window struct {
	Start TimeOfDay `bson:"start" json:"start"`
	End   TimeOfDay `bson:"end" json:"end"`
}

// Minutes is the window's length.
func (w Window) Minutes() int { return int(w.End - w.Start) }

// validateWindows checks each window runs forwards and that none overlaps
// another, reporting fields as prefix[i].
func validateWindows(v *ValidationError, prefix string, ws []Window) {
	sorted := slices.Clone(ws)
	for i, w := range ws {
		if w.End <= w.Start {
			v.Add(fmt.Sprintf("%s[%d]", prefix, i), "end %s must be after start %s", w.End, w.Start)
		}
	}
	slices.SortFunc(sorted, func(a, b Window) int { return int(a.Start - b.Start) })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Start < sorted[i-1].End {
			v.Add(prefix, "windows %s–%s and %s–%s overlap", sorted[i-1].Start, sorted[i-1].End, sorted[i].Start, sorted[i].End)
		}
	}
}

// Week holds wall-clock windows for each weekday; an empty day means closed
// or unavailable. Several windows a day are allowed, overlapping ones are not.
type Week struct {
	Mon []Window `bson:"mon,omitempty" json:"mon,omitempty"`
	Tue []Window `bson:"tue,omitempty" json:"tue,omitempty"`
	Wed []Window `bson:"wed,omitempty" json:"wed,omitempty"`
	Thu []Window `bson:"thu,omitempty" json:"thu,omitempty"`
	Fri []Window `bson:"fri,omitempty" json:"fri,omitempty"`
	Sat []Window `bson:"sat,omitempty" json:"sat,omitempty"`
	Sun []Window `bson:"sun,omitempty" json:"sun,omitempty"`
}

// Day returns the windows of a weekday.
func (w Week) Day(d time.Weekday) []Window {
	switch d {
	case time.Monday:
		return w.Mon
	case time.Tuesday:
		return w.Tue
	case time.Wednesday:
		return w.Wed
	case time.Thursday:
		return w.Thu
	case time.Friday:
		return w.Fri
	case time.Saturday:
		return w.Sat
	default:
		return w.Sun
	}
}

// IsEmpty reports whether no day has a window.
func (w Week) IsEmpty() bool {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if len(w.Day(d)) > 0 {
			return false
		}
	}
	return true
}

var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func (w Week) validate(v *ValidationError, prefix string) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		validateWindows(v, prefix+"."+weekdayKeys[d], w.Day(d))
	}
}

// Date is a civil date "YYYY-MM-DD" in the service's time zone.
type Date string

// DateLayout is the layout of Date.
const DateLayout = "2006-01-02"

// ParseDate validates s as a Date.
func ParseDate(s string) (Date, error) {
	if _, err := time.Parse(DateLayout, s); err != nil {
		return "", fmt.Errorf("date %q is not YYYY-MM-DD", s)
	}
	return Date(s), nil
}

// Time returns midnight of d in loc. It panics on an invalid date, which
// validation rules out before any caller gets here.
func (d Date) Time(loc *time.Location) time.Time {
	t, err := time.ParseInLocation(DateLayout, string(d), loc)
	if err != nil {
		panic(fmt.Sprintf("models: invalid date %q reached Date.Time", string(d)))
	}
	return t
}

// Valid reports whether d is a well-formed date.
func (d Date) Valid() bool {
	_, err := ParseDate(string(d))
	return err == nil
}

// DateOf returns the civil date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	return Date(t.In(loc).Format(DateLayout))
}

// AddDays returns the date n days later.
func (d Date) AddDays(n int) Date {
	t, _ := time.Parse(DateLayout, string(d))
	return Date(t.AddDate(0, 0, n).Format(DateLayout))
}

// Weekday returns d's day of the week.
func (d Date) Weekday() time.Weekday {
	t, _ := time.Parse(DateLayout, string(d))
	return t.Weekday()
}

// StartsWeek reports whether d is a well-formed date and a Monday: the day
// every planned, published and listed week starts on. It is the one place
// that rule is checked.
func (d Date) StartsWeek() bool {
	return d.Valid() && d.Weekday() == time.Monday
}

// Monday returns the Monday of d's ISO week.
func (d Date) Monday() Date {
	wd := int(d.Weekday())
	if wd == 0 {
		wd = 7
	}
	return d.AddDays(1 - wd)
}

// At returns the instant of wall-clock time tod on d in loc. It goes through
// time.Date so that a clock change between midnight and tod is respected.
func (d Date) At(tod TimeOfDay, loc *time.Location) time.Time {
	t, _ := time.Parse(DateLayout, string(d))
	return time.Date(t.Year(), t.Month(), t.Day(), int(tod)/60, int(tod)%60, 0, 0, loc)
}
