package notify

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultTimeZone is the zone calendars and mails use when none is given.
const DefaultTimeZone = "Europe/Moscow"

// ProdID identifies Fieldvisit as the producer of its iCalendar objects.
const ProdID = "-//Fieldvisit//Fieldvisit//RU"

// Method is the iTIP method of a calendar object (RFC 5546): it tells the
// recipient's calendar what to do with the events it carries.
type Method string

// The methods Fieldvisit uses.
const (
	// MethodPublish marks a plain listing, such as a subscription feed.
	MethodPublish Method = "PUBLISH"
	// MethodRequest invites to a new event or updates an existing one.
	MethodRequest Method = "REQUEST"
	// MethodCancel removes a previously sent event.
	MethodCancel Method = "CANCEL"
)

// EventStatus is the STATUS of a VEVENT.
type EventStatus string

// The event statuses Fieldvisit uses.
const (
	EventConfirmed EventStatus = "CONFIRMED"
	EventCancelled EventStatus = "CANCELLED"
)

// Person is an organizer or attendee of an event.
type Person struct {
	Name  string
	Email string
}

// Event is one VEVENT. UID must stay the same for the life of the visit and
// Sequence must grow with every change sent for it, or calendar apps will
// either duplicate the event or ignore the update.
type Event struct {
	UID         string
	Sequence    int
	Start, End  time.Time
	Summary     string
	Description string
	Location    string
	URL         string
	Status      EventStatus
	Organizer   Person
	Attendees   []Person
}

// Calendar is an iCalendar object (VCALENDAR) with its events.
type Calendar struct {
	Method Method
	// Name is shown by calendar apps for subscribed feeds (X-WR-CALNAME).
	Name string
	// Location is the zone event times are written in; a VTIMEZONE for it is
	// generated from the Go zone data. Nil means DefaultTimeZone.
	Location *time.Location
	// Stamp is the DTSTAMP of every event: when the object was created.
	Stamp  time.Time
	Events []Event
}

// EncodeCalendar writes cal as an RFC 5545 iCalendar object: CRLF line
// endings, text values escaped, lines folded at 75 octets without splitting
// a UTF-8 character.
func EncodeCalendar(cal Calendar) ([]byte, error) {
	switch cal.Method {
	case MethodPublish, MethodRequest, MethodCancel:
	default:
		return nil, fmt.Errorf("encode calendar: unknown method %q", cal.Method)
	}
	loc := cal.Location
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation(DefaultTimeZone); err != nil {
			return nil, fmt.Errorf("encode calendar: load default zone: %w", err)
		}
	}
	if loc.String() == "Local" || loc.String() == "" {
		return nil, errors.New("encode calendar: the time zone must be a named IANA zone, not Local")
	}
	if cal.Stamp.IsZero() {
		return nil, errors.New("encode calendar: DTSTAMP is missing")
	}
	for i, ev := range cal.Events {
		if err := ev.validate(); err != nil {
			return nil, fmt.Errorf("encode calendar: event %d: %w", i, err)
		}
	}

	var w contentWriter
	w.line("BEGIN", nil, "VCALENDAR")
	w.line("PRODID", nil, ProdID)
	w.line("VERSION", nil, "2.0")
	w.line("CALSCALE", nil, "GREGORIAN")
	w.line("METHOD", nil, string(cal.Method))
	if cal.Name != "" {
		w.line("X-WR-CALNAME", nil, escapeText(cal.Name))
	}
	if cal.Method == MethodPublish {
		w.line("X-WR-TIMEZONE", nil, loc.String())
		// Subscribers poll at this interval (RFC 7986); an hour keeps a
		// trainer's phone close to the published plan without hammering us.
		w.line("REFRESH-INTERVAL", []string{"VALUE=DURATION"}, "PT1H")
		w.line("X-PUBLISHED-TTL", nil, "PT1H")
	}
	utc := loc == time.UTC
	if !utc && len(cal.Events) > 0 {
		writeTimezone(&w, loc, cal.Events)
	}
	for _, ev := range cal.Events {
		writeEvent(&w, ev, loc, utc, cal.Stamp)
	}
	w.line("END", nil, "VCALENDAR")
	return w.buf.Bytes(), nil
}

func (ev Event) validate() error {
	switch {
	case strings.TrimSpace(ev.UID) == "":
		return errors.New("UID is missing")
	case ev.Sequence < 0:
		return fmt.Errorf("negative SEQUENCE %d", ev.Sequence)
	case ev.Start.IsZero() || !ev.End.After(ev.Start):
		return fmt.Errorf("end %v is not after start %v", ev.End, ev.Start)
	}
	return nil
}

func writeEvent(w *contentWriter, ev Event, loc *time.Location, utc bool, stamp time.Time) {
	w.line("BEGIN", nil, "VEVENT")
	w.line("UID", nil, escapeText(ev.UID))
	w.line("SEQUENCE", nil, fmt.Sprint(ev.Sequence))
	w.line("DTSTAMP", nil, stamp.UTC().Format(icalUTC))
	if utc {
		w.line("DTSTART", nil, ev.Start.UTC().Format(icalUTC))
		w.line("DTEND", nil, ev.End.UTC().Format(icalUTC))
	} else {
		tzid := []string{"TZID=" + paramValue(loc.String())}
		w.line("DTSTART", tzid, ev.Start.In(loc).Format(icalLocal))
		w.line("DTEND", tzid, ev.End.In(loc).Format(icalLocal))
	}
	if ev.Summary != "" {
		w.line("SUMMARY", nil, escapeText(ev.Summary))
	}
	if ev.Description != "" {
		w.line("DESCRIPTION", nil, escapeText(ev.Description))
	}
	if ev.Location != "" {
		w.line("LOCATION", nil, escapeText(ev.Location))
	}
	if ev.URL != "" {
		w.line("URL", nil, stripControls(ev.URL))
	}
	if ev.Status != "" {
		w.line("STATUS", nil, string(ev.Status))
	}
	if ev.Organizer.Email != "" {
		w.line("ORGANIZER", personParams(ev.Organizer), mailto(ev.Organizer.Email))
	}
	for _, a := range ev.Attendees {
		if a.Email == "" {
			continue
		}
		params := append(personParams(a), "ROLE=REQ-PARTICIPANT", "PARTSTAT=NEEDS-ACTION", "RSVP=FALSE")
		w.line("ATTENDEE", params, mailto(a.Email))
	}
	transp := "OPAQUE"
	if ev.Status == EventCancelled {
		transp = "TRANSPARENT"
	}
	w.line("TRANSP", nil, transp)
	w.line("END", nil, "VEVENT")
}

const (
	icalUTC   = "20060102T150405Z"
	icalLocal = "20060102T150405"
)

func personParams(p Person) []string {
	if p.Name == "" {
		return nil
	}
	return []string{"CN=" + paramValue(p.Name)}
}

func mailto(email string) string {
	return "mailto:" + stripControls(strings.TrimSpace(email))
}

// writeTimezone emits a VTIMEZONE whose observances cover every transition
// of loc between the earliest start and the latest end of the events, each
// as an explicit onset (no RRULE), so the definition is exact for the times
// used even in zones whose rules changed over the years.
func writeTimezone(w *contentWriter, loc *time.Location, events []Event) {
	from, to := events[0].Start, events[0].End
	for _, ev := range events[1:] {
		if ev.Start.Before(from) {
			from = ev.Start
		}
		if ev.End.After(to) {
			to = ev.End
		}
	}
	w.line("BEGIN", nil, "VTIMEZONE")
	w.line("TZID", nil, loc.String())
	w.line("X-LIC-LOCATION", nil, loc.String())
	for _, o := range observances(loc, from, to) {
		kind := "STANDARD"
		if o.dst {
			kind = "DAYLIGHT"
		}
		w.line("BEGIN", nil, kind)
		w.line("DTSTART", nil, o.onset)
		w.line("TZOFFSETFROM", nil, formatOffset(o.offsetFrom))
		w.line("TZOFFSETTO", nil, formatOffset(o.offsetTo))
		if o.name != "" {
			w.line("TZNAME", nil, escapeText(o.name))
		}
		w.line("END", nil, kind)
	}
	w.line("END", nil, "VTIMEZONE")
}

// observance is one STANDARD or DAYLIGHT sub-component.
type observance struct {
	onset      string // local time of the onset, in the offset before it
	offsetFrom int    // seconds east of UTC before the onset
	offsetTo   int    // seconds east of UTC from the onset on
	name       string
	dst        bool
}

// observances lists the zone period in effect at from and every period that
// begins up to to, using the zone data Go already has (Time.ZoneBounds).
func observances(loc *time.Location, from, to time.Time) []observance {
	t := from.In(loc)
	start, end := t.ZoneBounds()
	name, offset := t.Zone()
	first := observance{offsetFrom: offset, offsetTo: offset, name: name, dst: t.IsDST(), onset: "19700101T000000"}
	if !start.IsZero() {
		_, before := start.Add(-time.Second).In(loc).Zone()
		first.offsetFrom = before
		first.onset = start.In(time.FixedZone("", before)).Format(icalLocal)
	}
	out := []observance{first}
	// The loop is bounded by the number of transitions in the span; the
	// guard only protects against zone data that never advances.
	for i := 0; !end.IsZero() && !end.After(to) && i < 1000; i++ {
		_, before := end.Add(-time.Second).In(loc).Zone()
		t = end.In(loc)
		name, offset = t.Zone()
		out = append(out, observance{
			onset:      end.In(time.FixedZone("", before)).Format(icalLocal),
			offsetFrom: before,
			offsetTo:   offset,
			name:       name,
			dst:        t.IsDST(),
		})
		_, end = t.ZoneBounds()
	}
	return out
}

// formatOffset renders seconds east of UTC as ±hhmm or ±hhmmss (RFC 5545 UTC-OFFSET).
func formatOffset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign = '-'
		sec = -sec
	}
	h, m, s := sec/3600, sec/60%60, sec%60
	if s != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%c%02d%02d", sign, h, m)
}

// escapeText escapes a TEXT value (RFC 5545 3.3.11). Control characters
// other than newlines are dropped because the grammar does not allow them.
func escapeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// paramValue renders a parameter value, quoted only where the grammar needs
// it (some clients mishandle a quoted TZID). DQUOTE cannot be escaped inside
// a value, so it is replaced by an apostrophe.
func paramValue(s string) string {
	s = strings.ReplaceAll(stripControls(s), `"`, "'")
	if strings.ContainsAny(s, ":;,") {
		return `"` + s + `"`
	}
	return s
}

func stripControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// contentWriter accumulates folded content lines.
type contentWriter struct {
	buf bytes.Buffer
}

// maxLineOctets is the longest content line RFC 5545 3.1 allows, without CRLF.
const maxLineOctets = 75

// line writes "NAME;PARAM=…:value" folded to 75 octets. A continuation line
// starts with a space that counts towards its 75 octets, and a fold never
// falls inside a multi-octet UTF-8 character.
func (w *contentWriter) line(name string, params []string, value string) {
	var l strings.Builder
	l.WriteString(name)
	for _, p := range params {
		l.WriteByte(';')
		l.WriteString(p)
	}
	l.WriteByte(':')
	l.WriteString(value)
	s := l.String()

	limit := maxLineOctets
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLineOctets - 1
	}
	w.buf.WriteString(s)
	w.buf.WriteString("\r\n")
}
