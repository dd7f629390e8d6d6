package models

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Place is an address with coordinates (WGS84 degrees).
type Place struct {
	Address string  `bson:"address" json:"address"`
	Lat     float64 `bson:"lat" json:"lat"`
	Lon     float64 `bson:"lon" json:"lon"`
}

func (p Place) validate(v *ValidationError, field string) {
	validateText(v, field+".address", p.Address, MaxAddressLength, true)
	if p.Lat < -90 || p.Lat > 90 || p.Lat == 0 && p.Lon == 0 {
		v.Add(field+".lat", "must be a latitude in -90..90 (and not the 0,0 placeholder)")
	}
	if p.Lon < -180 || p.Lon > 180 {
		v.Add(field+".lon", "must be a longitude in -180..180")
	}
}

// TravelMode is how a trainer moves between clinics.
type TravelMode string

// Travel modes, each with its own speed in the travel model.
const (
	TravelCar     TravelMode = "car"
	TravelTransit TravelMode = "transit"
	TravelWalk    TravelMode = "walk"
)

// TravelModes lists the accepted travel modes.
var TravelModes = []TravelMode{TravelCar, TravelTransit, TravelWalk}

// Lunch is a break of Minutes that starts between Earliest and Latest.
type Lunch struct {
	Earliest TimeOfDay `bson:"earliest" json:"earliest"`
	Latest   TimeOfDay `bson:"latest" json:"latest"`
	Minutes  int       `bson:"minutes" json:"minutes"`
}

// DateOverride replaces a trainer's weekly hours on one date: a day off
// (Off) or different windows.
type DateOverride struct {
	Date    Date     `bson:"date" json:"date"`
	Off     bool     `bson:"off,omitempty" json:"off,omitempty"`
	Windows []Window `bson:"windows,omitempty" json:"windows,omitempty"`
	Note    string   `bson:"note,omitempty" json:"note,omitempty"`
}

// Availability is what a trainer edits: weekly hours, date overrides and the
// lunch break. It is its own type so a trainer can change it without touching
// the rest of their profile.
type Availability struct {
	Weekly    Week           `bson:"weekly" json:"weekly"`
	Overrides []DateOverride `bson:"overrides,omitempty" json:"overrides,omitempty"`
	Lunch     *Lunch         `bson:"lunch,omitempty" json:"lunch,omitempty"`
}

// Windows returns the working windows on date d: the override when one
// exists, otherwise the weekly hours of that weekday.
func (a Availability) Windows(d Date) []Window {
	for _, o := range a.Overrides {
		if o.Date == d {
			if o.Off {
				return nil
			}
			return o.Windows
		}
	}
	return a.Weekly.Day(d.Weekday())
}

// Validate checks windows, overrides and the break.
func (a Availability) Validate() error {
	v := &ValidationError{}
	a.validate(v, "")
	return v.Err()
}

func (a Availability) validate(v *ValidationError, prefix string) {
	a.Weekly.validate(v, prefix+"weekly")
	seen := map[Date]bool{}
	for i, o := range a.Overrides {
		f := fmt.Sprintf("%soverrides[%d]", prefix, i)
		if !o.Date.Valid() {
			v.Add(f+".date", "must be a date YYYY-MM-DD")
		} else if seen[o.Date] {
			v.Add(f+".date", "date %s is overridden twice", o.Date)
		}
		seen[o.Date] = true
		if o.Off && len(o.Windows) > 0 {
			v.Add(f, "a day off cannot have working windows")
		}
		if !o.Off && len(o.Windows) == 0 {
			v.Add(f, "give windows or mark the day off")
		}
		validateWindows(v, f+".windows", o.Windows)
		validateText(v, f+".note", o.Note, MaxShortLength, false)
	}
	if l := a.Lunch; l != nil {
		if l.Minutes <= 0 || l.Minutes > 180 {
			v.Add(prefix+"lunch.minutes", "must be between 1 and 180")
		}
		if l.Latest < l.Earliest {
			v.Add(prefix+"lunch.latest", "must not be before earliest %s", l.Earliest)
		}
	}
}

// Trainer is a person who visits clinics. Availability is embedded inline so
// the stored document stays flat.
type Trainer struct {
	ID             string     `bson:"_id" json:"id"`
	Name           string     `bson:"name" json:"name"`
	Email          string     `bson:"email" json:"email"`
	Phone          string     `bson:"phone,omitempty" json:"phone,omitempty"`
	Skills         []string   `bson:"skills" json:"skills"`
	StartPlace     Place      `bson:"start_place" json:"start_place"`
	EndPlace       Place      `bson:"end_place" json:"end_place"`
	MaxVisitsDay   int        `bson:"max_visits_per_day" json:"max_visits_per_day"`
	MaxWorkMinutes int        `bson:"max_work_minutes" json:"max_work_minutes"`
	TravelMode     TravelMode `bson:"travel_mode" json:"travel_mode"`
	Lang           string     `bson:"lang" json:"lang"`
	Availability   `bson:",inline" json:"availability"`
	Version        int64     `bson:"version" json:"version"`
	CreatedAt      time.Time `bson:"created_at" json:"created_at"`
	UpdatedAt      time.Time `bson:"updated_at" json:"updated_at"`
}

// Validate checks every field a person enters.
func (t *Trainer) Validate() error {
	v := &ValidationError{}
	validateText(v, "name", t.Name, MaxNameLength, true)
	validateEmail(v, "email", t.Email, true)
	validateText(v, "phone", t.Phone, MaxShortLength, false)
	validateSkills(v, "skills", t.Skills)
	t.StartPlace.validate(v, "start_place")
	t.EndPlace.validate(v, "end_place")
	if t.MaxVisitsDay < 1 || t.MaxVisitsDay > 20 {
		v.Add("max_visits_per_day", "must be between 1 and 20")
	}
	if t.MaxWorkMinutes < 30 || t.MaxWorkMinutes > 16*60 {
		v.Add("max_work_minutes", "must be between 30 and 960")
	}
	if !slices.Contains(TravelModes, t.TravelMode) {
		v.Add("travel_mode", "must be one of car, transit, walk")
	}
	validateLang(v, "lang", t.Lang)
	t.Availability.validate(v, "availability.")
	return v.Err()
}

// Langs lists the languages pages and e-mails speak.
var Langs = []string{"ru", "en"}

func validateLang(v *ValidationError, field, lang string) {
	if !slices.Contains(Langs, lang) {
		v.Add(field, "must be ru or en")
	}
}

// validateEmail checks an e-mail address: a bare address (no display
// name) that net/mail parses, within the lengths of RFC 5321 (at most 254
// characters, at most 64 before the @), which mail servers enforce.
func validateEmail(v *ValidationError, field, s string, required bool) {
	if s == "" {
		if required {
			v.Add(field, "is required")
		}
		return
	}
	if n := TextLength(s); n > MaxEmailLength {
		v.Add(field, "must be at most %d characters, not %d", MaxEmailLength, n)
		return
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		v.Add(field, "%q is not an e-mail address", s)
		return
	}
	if at := strings.LastIndex(s, "@"); TextLength(s[:at]) > MaxLocalLength {
		v.Add(field, "the part before @ must be at most %d characters", MaxLocalLength)
	}
}

// SameEmail reports whether two e-mail addresses are the same mailbox as
// the service treats them: compared without case (and surrounding space).
func SameEmail(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

func validateSkills(v *ValidationError, field string, skills []string) {
	seen := map[string]bool{}
	for i, s := range skills {
		if strings.TrimSpace(s) == "" || TextLength(s) > MaxSkillLength {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "must be a non-empty name of at most %d characters", MaxSkillLength)
		}
		if seen[s] {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "skill %q is listed twice", s)
		}
		if r, bad := ControlCharacter(s, false); bad {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "must be one line without control characters (found %U)", r)
		}
		seen[s] = true
	}
}
