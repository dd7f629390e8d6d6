package notify

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ical "github.com/emersion/go-ical"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

// decodeICS parses with an independent parser and checks the framing rules
// that parser is lenient about: CRLF, 75-octet lines, valid UTF-8 per line.
func decodeICS(t *testing.T, data []byte) *ical.Calendar {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Fatalf("output does not end with CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
		if len(line) > maxLineOctets {
			t.Errorf("line %d has %d octets (> 75): %q", i+1, len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d splits a UTF-8 character: %q", i+1, line)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
	}
	cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot decode the output: %v\n%s", err, data)
	}
	return cal
}

func propText(t *testing.T, props ical.Props, name string) string {
	t.Helper()
	p := props.Get(name)
	if p == nil {
		t.Fatalf("property %s is missing", name)
	}
	s, err := p.Text()
	if err != nil {
		t.Fatalf("property %s: %v", name, err)
	}
	return s
}

func TestEncodeCalendarRoundTrip(t *testing.T) {
	moscow := mustLoad(t, "Europe/Moscow")
	stamp := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	longDescription := strings.Repeat("Подготовьте помещение, отпустите трёх администраторов; ", 6) +
		"\nВторая строка с обратной косой чертой \\ и запятой, и точкой с запятой;\r\nтретья строка"
	ev := Event{
		UID:         "visit-64f0c2@fieldvisit",
		Sequence:    3,
		Start:       time.Date(2026, 12, 8, 10, 0, 0, 0, moscow),
		End:         time.Date(2026, 12, 8, 11, 30, 0, 0, moscow),
		Summary:     "Микро-обучение: «Сложный пациент», Поликлиника №5",
		Description: longDescription,
		Location:    "Москва, ул. Ленина, д. 5; корп. 2, 3-й этаж \\ каб. 301",
		URL:         "https://fieldvisit.example/visits/64f0c2",
		Status:      EventConfirmed,
		Organizer:   Person{Name: "Учебный центр \"Фронт-офис\"", Email: "plan@centre.example"},
		Attendees: []Person{
			{Name: "Иванова, Мария", Email: "ivanova@centre.example"},
			{Email: "head@clinic5.example"},
		},
	}
	tests := []struct {
		name   string
		method Method
		status EventStatus
	}{
		{"request", MethodRequest, EventConfirmed},
		{"cancel", MethodCancel, EventCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := ev
			e.Status = tc.status
			data, err := EncodeCalendar(Calendar{Method: tc.method, Location: moscow, Stamp: stamp, Events: []Event{e}})
			if err != nil {
				t.Fatal(err)
			}
			for _, raw := range []string{"DTSTART;TZID=Europe/Moscow:20261208T100000\r\n", `ATTENDEE;CN="Иванова, Мария";`} {
				if !bytes.Contains(data, []byte(raw)) {
					t.Errorf("output lacks %q", raw)
				}
			}
			cal := decodeICS(t, data)
			if got := propText(t, cal.Props, "METHOD"); got != string(tc.method) {
				t.Errorf("METHOD = %q, want %q", got, tc.method)
			}
			if got := propText(t, cal.Props, "PRODID"); got != ProdID {
				t.Errorf("PRODID = %q", got)
			}
			if got := propText(t, cal.Props, "VERSION"); got != "2.0" {
				t.Errorf("VERSION = %q", got)
			}
			events := cal.Events()
			if len(events) != 1 {
				t.Fatalf("got %d events, want 1", len(events))
			}
			got := events[0]
			if s := propText(t, got.Props, "UID"); s != e.UID {
				t.Errorf("UID = %q, want %q", s, e.UID)
			}
			if seq, err := got.Props.Get("SEQUENCE").Int(); err != nil || seq != e.Sequence {
				t.Errorf("SEQUENCE = %d (%v), want %d", seq, err, e.Sequence)
			}
			for _, f := range []struct{ name, want string }{
				{"SUMMARY", e.Summary},
				{"DESCRIPTION", strings.ReplaceAll(e.Description, "\r\n", "\n")},
				{"LOCATION", e.Location},
			} {
				if s := propText(t, got.Props, f.name); s != f.want {
					t.Errorf("%s = %q, want %q", f.name, s, f.want)
				}
			}
			if st, err := got.Status(); err != nil || st != ical.EventStatus(tc.status) {
				t.Errorf("STATUS = %q (%v), want %q", st, err, tc.status)
			}
			start, err := got.DateTimeStart(nil)
			if err != nil || !start.Equal(e.Start) {
				t.Errorf("DTSTART = %v (%v), want %v", start, err, e.Start)
			}
			if tz := got.Props.Get("DTSTART").Params.Get("TZID"); tz != "Europe/Moscow" {
				t.Errorf("DTSTART TZID = %q", tz)
			}
			end, err := got.DateTimeEnd(nil)
			if err != nil || !end.Equal(e.End) {
				t.Errorf("DTEND = %v (%v), want %v", end, err, e.End)
			}
			stampGot, err := got.Props.DateTime("DTSTAMP", nil)
			if err != nil || !stampGot.Equal(stamp) {
				t.Errorf("DTSTAMP = %v (%v), want %v", stampGot, err, stamp)
			}
			org := got.Props.Get("ORGANIZER")
			if org == nil || org.Value != "mailto:plan@centre.example" || org.Params.Get("CN") != "Учебный центр 'Фронт-офис'" {
				t.Errorf("ORGANIZER = %+v", org)
			}
			att := got.Props.Values("ATTENDEE")
			if len(att) != 2 || att[0].Value != "mailto:ivanova@centre.example" || att[0].Params.Get("CN") != "Иванова, Мария" ||
				att[1].Value != "mailto:head@clinic5.example" {
				t.Errorf("ATTENDEE = %+v", att)
			}
		})
	}
}

func TestEncodeCalendarUTC(t *testing.T) {
	start := time.Date(2026, 12, 8, 7, 0, 0, 0, time.UTC)
	data, err := EncodeCalendar(Calendar{
		Method: MethodPublish, Location: time.UTC, Stamp: start,
		Events: []Event{{UID: "u1", Start: start, End: start.Add(time.Hour)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("VTIMEZONE")) {
		t.Errorf("UTC calendar carries a VTIMEZONE:\n%s", data)
	}
	if !bytes.Contains(data, []byte("DTSTART:20261208T070000Z\r\n")) {
		t.Errorf("DTSTART not in UTC form:\n%s", data)
	}
	cal := decodeICS(t, data)
	got, err := cal.Events()[0].DateTimeStart(nil)
	if err != nil || !got.Equal(start) {
		t.Errorf("DTSTART = %v (%v), want %v", got, err, start)
	}
}

func TestEncodeCalendarRejects(t *testing.T) {
	moscow := mustLoad(t, "Europe/Moscow")
	stamp := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	start := time.Date(2026, 12, 8, 10, 0, 0, 0, moscow)
	good := Event{UID: "u", Start: start, End: start.Add(time.Hour)}
	tests := []struct {
		name string
		cal  Calendar
		want string
	}{
		{"unknown method", Calendar{Method: "REPLY", Location: moscow, Stamp: stamp}, "unknown method"},
		{"local zone", Calendar{Method: MethodPublish, Location: time.Local, Stamp: stamp}, "IANA"},
		{"no stamp", Calendar{Method: MethodPublish, Location: moscow}, "DTSTAMP"},
		{"no uid", Calendar{Method: MethodRequest, Location: moscow, Stamp: stamp,
			Events: []Event{{Start: start, End: start.Add(time.Hour)}}}, "UID"},
		{"end before start", Calendar{Method: MethodRequest, Location: moscow, Stamp: stamp,
			Events: []Event{good, {UID: "u2", Start: start, End: start}}}, "event 1"},
		{"negative sequence", Calendar{Method: MethodRequest, Location: moscow, Stamp: stamp,
			Events: []Event{{UID: "u", Sequence: -1, Start: start, End: start.Add(time.Hour)}}}, "SEQUENCE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := EncodeCalendar(tc.cal)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// resolveWithVTimezone turns a DTSTART with TZID into an instant using only
// the VTIMEZONE definition in the calendar (never Go's zone data), the way a
// calendar app without the IANA database would.
func resolveWithVTimezone(t *testing.T, cal *ical.Calendar, prop *ical.Prop) time.Time {
	t.Helper()
	tzid := prop.Params.Get("TZID")
	type onset struct {
		at       time.Time
		from, to int
	}
	var onsets []onset
	for _, c := range cal.Children {
		if c.Name != "VTIMEZONE" || propText(t, c.Props, "TZID") != tzid {
			continue
		}
		for _, o := range c.Children {
			from := parseOffset(t, o.Props.Get("TZOFFSETFROM").Value)
			to := parseOffset(t, o.Props.Get("TZOFFSETTO").Value)
			local, err := time.Parse(icalLocal, o.Props.Get("DTSTART").Value)
			if err != nil {
				t.Fatalf("observance DTSTART: %v", err)
			}
			onsets = append(onsets, onset{local.Add(-time.Duration(from) * time.Second), from, to})
		}
	}
	if len(onsets) == 0 {
		t.Fatalf("no VTIMEZONE for TZID %q", tzid)
	}
	sort.Slice(onsets, func(i, j int) bool { return onsets[i].at.Before(onsets[j].at) })
	wall, err := time.Parse(icalLocal, prop.Value)
	if err != nil {
		t.Fatalf("parse %q: %v", prop.Value, err)
	}
	offset := onsets[0].from
	for _, o := range onsets {
		if !wall.Add(-time.Duration(o.to) * time.Second).Before(o.at) {
			offset = o.to
		}
	}
	return wall.Add(-time.Duration(offset) * time.Second)
}

func parseOffset(t *testing.T, s string) int {
	t.Helper()
	var h, m, sec int
	if len(s) != 5 && len(s) != 7 {
		t.Fatalf("bad UTC offset %q", s)
	}
	fmt.Sscanf(s[1:3], "%d", &h)
	fmt.Sscanf(s[3:5], "%d", &m)
	if len(s) == 7 {
		fmt.Sscanf(s[5:7], "%d", &sec)
	}
	v := h*3600 + m*60 + sec
	if s[0] == '-' {
		v = -v
	}
	return v
}

func TestVTimezoneMatchesGoZoneData(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	moscow := mustLoad(t, "Europe/Moscow")
	newYork := mustLoad(t, "America/New_York")
	stamp := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		loc        *time.Location
		starts     []time.Time
		standard   int // STANDARD observances expected
		daylight   int // DAYLIGHT observances expected
		wantOffset []string
	}{
		{
			name: "Berlin across spring change",
			loc:  berlin,
			starts: []time.Time{
				time.Date(2026, 3, 27, 9, 0, 0, 0, berlin),
				// The first local hour after the clocks went forward.
				time.Date(2026, 3, 29, 3, 30, 0, 0, berlin),
				time.Date(2026, 3, 30, 9, 0, 0, 0, berlin),
			},
			standard: 1, daylight: 1,
			wantOffset: []string{"+0100", "+0200", "+0200"},
		},
		{
			name: "Berlin across autumn change and into spring",
			loc:  berlin,
			starts: []time.Time{
				time.Date(2026, 10, 23, 14, 0, 0, 0, berlin),
				// The first unambiguous local hour after the clocks went back.
				time.Date(2026, 10, 25, 3, 0, 0, 0, berlin),
				time.Date(2026, 10, 26, 14, 0, 0, 0, berlin),
				time.Date(2027, 4, 1, 14, 0, 0, 0, berlin),
			},
			standard: 1, daylight: 2,
			wantOffset: []string{"+0200", "+0100", "+0100", "+0200"},
		},
		{
			name:     "Moscow has no DST",
			loc:      moscow,
			starts:   []time.Time{time.Date(2026, 3, 27, 9, 0, 0, 0, moscow), time.Date(2026, 10, 30, 9, 0, 0, 0, moscow)},
			standard: 1, daylight: 0,
			wantOffset: []string{"+0300", "+0300"},
		},
		{
			name:     "New York, west of UTC",
			loc:      newYork,
			starts:   []time.Time{time.Date(2026, 3, 6, 9, 0, 0, 0, newYork), time.Date(2026, 3, 9, 9, 0, 0, 0, newYork)},
			standard: 1, daylight: 1,
			wantOffset: []string{"-0500", "-0400"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var events []Event
			for i, s := range tc.starts {
				events = append(events, Event{UID: fmt.Sprintf("v%d", i), Start: s, End: s.Add(90 * time.Minute)})
			}
			data, err := EncodeCalendar(Calendar{Method: MethodPublish, Location: tc.loc, Stamp: stamp, Events: events})
			if err != nil {
				t.Fatal(err)
			}
			cal := decodeICS(t, data)
			var std, dst int
			for _, c := range cal.Children {
				if c.Name != "VTIMEZONE" {
					continue
				}
				for _, o := range c.Children {
					switch o.Name {
					case "STANDARD":
						std++
					case "DAYLIGHT":
						dst++
					}
				}
			}
			if std != tc.standard || dst != tc.daylight {
				t.Errorf("observances: %d STANDARD, %d DAYLIGHT; want %d, %d\n%s", std, dst, tc.standard, tc.daylight, data)
			}
			for i, ev := range cal.Events() {
				for _, name := range []string{"DTSTART", "DTEND"} {
					want := events[i].Start
					if name == "DTEND" {
						want = events[i].End
					}
					got := resolveWithVTimezone(t, cal, ev.Props.Get(name))
					if !got.Equal(want) {
						t.Errorf("event %d %s via VTIMEZONE = %v, want %v", i, name, got, want)
					}
				}
				if off := offsetOf(events[i].Start); off != tc.wantOffset[i] {
					t.Errorf("event %d offset %s, want %s", i, off, tc.wantOffset[i])
				}
			}
		})
	}
}

func offsetOf(t time.Time) string {
	_, off := t.Zone()
	return formatOffset(off)
}

func TestFoldingKeepsCharactersWhole(t *testing.T) {
	tests := []struct {
		name  string
		value string
	}{
		{"short", "Поликлиника"},
		{"ascii exactly 75", strings.Repeat("a", 75-len("SUMMARY:"))},
		{"ascii 76", strings.Repeat("a", 76-len("SUMMARY:"))},
		{"cyrillic long", strings.Repeat("Щ", 200)},
		{"cyrillic odd offset", "x" + strings.Repeat("ж", 150)},
		{"four-octet runes", strings.Repeat("😀", 60)},
		{"mixed", strings.Repeat("ab€я😀", 40)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var w contentWriter
			w.line("SUMMARY", nil, tc.value)
			out := w.buf.String()
			lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
			var unfolded strings.Builder
			for i, l := range lines {
				if len(l) > maxLineOctets {
					t.Errorf("line %d: %d octets", i, len(l))
				}
				if !utf8.ValidString(l) {
					t.Errorf("line %d splits a character: %q", i, l)
				}
				if i > 0 {
					if !strings.HasPrefix(l, " ") {
						t.Fatalf("continuation line %d does not start with a space: %q", i, l)
					}
					l = l[1:]
				}
				unfolded.WriteString(l)
			}
			if got := unfolded.String(); got != "SUMMARY:"+tc.value {
				t.Errorf("unfolded = %q, want %q", got, "SUMMARY:"+tc.value)
			}
			wantLines := 1
			if len("SUMMARY:"+tc.value) > maxLineOctets {
				wantLines = 2
			}
			if len(lines) < wantLines {
				t.Errorf("got %d lines, want at least %d", len(lines), wantLines)
			}
		})
	}
}

func TestEscapeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`a\b`, `a\\b`},
		{"a,b;c", `a\,b\;c`},
		{"one\ntwo\r\nthree\rfour", `one\ntwo\nthree\nfour`},
		{"bell\x07tab\t", "belltab\t"},
		{"Москва, ул. Ленина", `Москва\, ул. Ленина`},
	}
	for _, tc := range tests {
		if got := escapeText(tc.in); got != tc.want {
			t.Errorf("escapeText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormatOffset(t *testing.T) {
	tests := []struct {
		sec  int
		want string
	}{
		{3 * 3600, "+0300"},
		{-5 * 3600, "-0500"},
		{5*3600 + 30*60, "+0530"},
		{0, "+0000"},
		{2*3600 + 30*60 + 17, "+023017"},
	}
	for _, tc := range tests {
		if got := formatOffset(tc.sec); got != tc.want {
			t.Errorf("formatOffset(%d) = %q, want %q", tc.sec, got, tc.want)
		}
	}
}

func TestObservanceOnsets(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	moscow := mustLoad(t, "Europe/Moscow")
	tests := []struct {
		name     string
		loc      *time.Location
		from, to time.Time
		want     []observance
	}{
		{
			name: "Berlin spring 2026",
			loc:  berlin,
			from: time.Date(2026, 3, 20, 9, 0, 0, 0, berlin), to: time.Date(2026, 4, 3, 9, 0, 0, 0, berlin),
			want: []observance{
				{onset: "20251026T030000", offsetFrom: 7200, offsetTo: 3600, name: "CET"},
				{onset: "20260329T020000", offsetFrom: 3600, offsetTo: 7200, name: "CEST", dst: true},
			},
		},
		{
			name: "Berlin summer to winter 2026",
			loc:  berlin,
			from: time.Date(2026, 7, 1, 9, 0, 0, 0, berlin), to: time.Date(2026, 11, 3, 9, 0, 0, 0, berlin),
			want: []observance{
				{onset: "20260329T020000", offsetFrom: 3600, offsetTo: 7200, name: "CEST", dst: true},
				{onset: "20261025T030000", offsetFrom: 7200, offsetTo: 3600, name: "CET"},
			},
		},
		{
			name: "Moscow since 2014",
			loc:  moscow,
			from: time.Date(2026, 12, 7, 9, 0, 0, 0, moscow), to: time.Date(2026, 12, 11, 18, 0, 0, 0, moscow),
			want: []observance{{onset: "20141026T020000", offsetFrom: 4 * 3600, offsetTo: 3 * 3600, name: "MSK"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := observances(tc.loc, tc.from, tc.to)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("observances =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}
