package notify

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/fieldvisit/fieldvisit/templates"
)

func newTestComposer(t *testing.T) (*Composer, *time.Location) {
	t.Helper()
	moscow := mustLoad(t, "Europe/Moscow")
	return newComposerFrom(t, templates.Mail, moscow), moscow
}

// composedAt is when the tests' messages are composed and sent: 05:00 on
// the Friday before the week they book, in Moscow.
func composedAt() time.Time { return time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC) }

func sampleBooking(loc *time.Location) Booking {
	start := time.Date(2026, 12, 8, 10, 0, 0, 0, loc)
	return Booking{
		VisitID:  "64f0c2a1",
		UID:      "64f0c2a1@fieldvisit",
		Sequence: 0,
		Clinic: Clinic{
			ID:      "clinic-5",
			Name:    "Городская поликлиника №5",
			Address: "Москва, ул. Ленина, д. 5, корп. 2",
			Emails:  []string{"head@clinic5.example", "desk@clinic5.example"},
		},
		Trainer: Trainer{
			ID:    "t-ivanova",
			Name:  "Мария Иванова",
			Email: "ivanova@centre.example",
			Phone: "+7 900 123-45-67",
		},
		Kind:          KindMicroTraining,
		Topic:         "Сложный посетитель у стойки",
		Start:         start,
		End:           start.Add(90 * time.Minute),
		TrainingStart: start.Add(30 * time.Minute),
		TrainingEnd:   start.Add(75 * time.Minute),
		Participants:  3,
		Room:          "каб. 301",
	}
}

func attachmentCalendar(t *testing.T, m Message) (*ical.Calendar, Attachment) {
	t.Helper()
	if len(m.Attachments) != 1 {
		t.Fatalf("message %s has %d attachments, want 1", m.ID, len(m.Attachments))
	}
	a := m.Attachments[0]
	return decodeICS(t, a.Data), a
}

func TestNewComposerParsesEveryTemplate(t *testing.T) {
	c, loc := newTestComposer(t)
	now := composedAt()
	for _, lang := range Langs() {
		b := sampleBooking(loc)
		b.Clinic.Lang, b.Trainer.Lang = lang, lang
		b.Trainer.FeedURL = "https://fieldvisit.example/feeds/t-ivanova/secret.ics"
		second := b
		second.VisitID, second.UID, second.Kind, second.Start, second.End = "64f0c2a2", "64f0c2a2@fieldvisit", KindOnsiteSupport, b.Start.Add(3*time.Hour), b.End.Add(3*time.Hour)
		var msgs []Message
		for _, ch := range []Change{ChangeBooked, ChangeMoved, ChangeCancelled} {
			moved := b
			if ch == ChangeMoved {
				moved.PreviousStart, moved.PreviousEnd = b.Start.AddDate(0, 0, -1), b.End.AddDate(0, 0, -1)
			}
			m, err := c.ClinicBooking(ch, moved, now)
			if err != nil {
				t.Fatalf("%s ClinicBooking %s: %v", lang, ch, err)
			}
			msgs = append(msgs, m)
			if m, err = c.TrainerChange(ch, moved, now); err != nil {
				t.Fatalf("%s TrainerChange %s: %v", lang, ch, err)
			}
			msgs = append(msgs, m)
		}
		week, err := c.TrainerWeek(b.Trainer, time.Date(2026, 12, 7, 0, 0, 0, 0, loc), 2, []Booking{second, b}, now)
		if err != nil {
			t.Fatalf("%s TrainerWeek: %v", lang, err)
		}
		emptyWeek, err := c.TrainerWeek(b.Trainer, time.Date(2026, 12, 14, 0, 0, 0, 0, loc), 2, nil, now)
		if err != nil {
			t.Fatalf("%s TrainerWeek without visits: %v", lang, err)
		}
		clinicReminder, err := c.ClinicReminder(b)
		if err != nil {
			t.Fatalf("%s ClinicReminder: %v", lang, err)
		}
		trainerReminder, err := c.TrainerReminder(b.Trainer, []Booking{second, b})
		if err != nil {
			t.Fatalf("%s TrainerReminder: %v", lang, err)
		}
		msgs = append(msgs, week, emptyWeek, clinicReminder, trainerReminder)
		for _, m := range msgs {
			switch {
			case m.ID == "" || m.Kind == "" || len(m.To) == 0:
				t.Errorf("%s %s: incomplete message %+v", lang, m.Kind, m)
			case m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n"):
				t.Errorf("%s %s: bad subject %q", lang, m.Kind, m.Subject)
			case !strings.Contains(m.HTML, `<html lang="`+string(lang)+`">`):
				t.Errorf("%s %s: HTML is not a %s document:\n%s", lang, m.Kind, lang, m.HTML)
			case !strings.Contains(m.HTML, "<title>"+htmlEscape(m.Subject)+"</title>"):
				t.Errorf("%s %s: HTML title is not the subject %q", lang, m.Kind, m.Subject)
			case m.ReplyTo != "plan@centre.example":
				t.Errorf("%s %s: Reply-To %q", lang, m.Kind, m.ReplyTo)
			}
			for _, body := range []string{m.Text, m.HTML} {
				if strings.Contains(body, "<no value>") || strings.Contains(body, "\n\n\n") {
					t.Errorf("%s %s: body has leftovers:\n%s", lang, m.Kind, body)
				}
			}
		}
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestNewComposerFailsOnBadTemplates(t *testing.T) {
	loc := mustLoad(t, "Europe/Moscow")
	cfg := ComposerConfig{ReplyTo: "plan@centre.example"}
	base := fstest.MapFS{}
	err := fs.WalkDir(templates.Mail, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(templates.Mail, path)
		base[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewComposer(base, loc, cfg); err != nil {
		t.Fatalf("the copied templates do not parse: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(fstest.MapFS)
		want   string
	}{
		{"missing text", func(m fstest.MapFS) { delete(m, "mail/en/trainer_week.txt") }, "mail/en/trainer_week.txt"},
		{"missing html", func(m fstest.MapFS) { delete(m, "mail/ru/clinic_reminder.html") }, "mail/ru/clinic_reminder.html"},
		{"missing layout", func(m fstest.MapFS) { delete(m, "mail/layout.html") }, "layout.html"},
		{"broken syntax", func(m fstest.MapFS) {
			m["mail/ru/trainer_change.txt"] = &fstest.MapFile{Data: []byte(`{{define "subject"}}x{{end}}{{.Name`)}
		}, "trainer_change.txt"},
		{"no subject", func(m fstest.MapFS) {
			m["mail/en/clinic_booking.txt"] = &fstest.MapFile{Data: []byte(`Hello`)}
		}, `"subject"`},
		{"no content", func(m fstest.MapFS) {
			m["mail/en/clinic_booking.html"] = &fstest.MapFile{Data: []byte(`<p>Hello</p>`)}
		}, `"content"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for k, v := range base {
				fsys[k] = v
			}
			tc.mutate(fsys)
			_, err := NewComposer(fsys, loc, cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
	if _, err := NewComposer(base, loc, ComposerConfig{}); err == nil || !strings.Contains(err.Error(), "organizer") {
		t.Errorf("without organizer or reply-to: err = %v", err)
	}
	if _, err := NewComposer(base, loc, ComposerConfig{ReplyTo: "a@b.c", BaseURL: "fieldvisit.example"}); err == nil {
		t.Errorf("a relative base URL was accepted")
	}
}

func TestClinicBooking(t *testing.T) {
	c, loc := newTestComposer(t)
	now := composedAt()
	b := sampleBooking(loc)
	tests := []struct {
		name        string
		change      Change
		lang        Lang
		sequence    int
		previous    bool
		wantID      string
		wantSubject string
		wantText    []string
		wantMethod  string
		wantStatus  string
		wantFile    string
	}{
		{
			name: "confirmed ru", change: ChangeBooked, lang: "",
			wantID:      "clinic.booked.64f0c2a1.0",
			wantSubject: "Визит тренера подтверждён: вт, 8 декабря, 10:00–11:30",
			wantText: []string{
				"Что: микро-обучение — Сложный посетитель у стойки",
				"Где: Городская поликлиника №5, Москва, ул. Ленина, д. 5, корп. 2",
				"Когда: вторник, 8 декабря 2026 г., 10:00–11:30 (MSK)",
				"Тренер: Мария Иванова, тел. +7 900 123-45-67",
				"- помещение: каб. 301;",
				"- 3 администратора, освобождённых от работы на стойке на время занятия (10:30–11:15);",
				"Откройте https://fieldvisit.example/visits/64f0c2a1 или ответьте на это письмо (plan@centre.example).",
			},
			wantMethod: "REQUEST", wantStatus: "CONFIRMED", wantFile: "invite.ics",
		},
		{
			name: "moved ru", change: ChangeMoved, lang: LangRussian, sequence: 1, previous: true,
			wantID:      "clinic.moved.64f0c2a1.1",
			wantSubject: "Визит тренера перенесён: вт, 8 декабря, 10:00–11:30",
			wantText:    []string{"Визит тренера перенесён на новое время.", "Было: понедельник, 7 декабря 2026 г., 10:00–11:30"},
			wantMethod:  "REQUEST", wantStatus: "CONFIRMED", wantFile: "invite.ics",
		},
		{
			name: "cancelled ru", change: ChangeCancelled, lang: LangRussian, sequence: 2,
			wantID:      "clinic.cancelled.64f0c2a1.2",
			wantSubject: "Визит тренера отменён: вт, 8 декабря, 10:00–11:30",
			wantText:    []string{"Визит тренера отменён.", "cancel.ics"},
			wantMethod:  "CANCEL", wantStatus: "CANCELLED", wantFile: "cancel.ics",
		},
		{
			name: "confirmed en", change: ChangeBooked, lang: LangEnglish,
			wantID:      "clinic.booked.64f0c2a1.0",
			wantSubject: "Trainer visit confirmed: Tue, 8 December, 10:00–11:30",
			wantText: []string{
				"What: micro-training — Сложный посетитель у стойки",
				"When: Tuesday, 8 December 2026, 10:00–11:30 (MSK)",
				"- 3 administrators released from the front desk for the session (10:30–11:15);",
			},
			wantMethod: "REQUEST", wantStatus: "CONFIRMED", wantFile: "invite.ics",
		},
		{
			name: "changed without a new time en", change: ChangeMoved, lang: LangEnglish, sequence: 4,
			wantID:      "clinic.moved.64f0c2a1.4",
			wantSubject: "Trainer visit changed: Tue, 8 December, 10:00–11:30",
			wantText:    []string{"Details of the trainer's visit have changed."},
			wantMethod:  "REQUEST", wantStatus: "CONFIRMED", wantFile: "invite.ics",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := b
			b.Clinic.Lang = tc.lang
			b.Sequence = tc.sequence
			if tc.previous {
				b.PreviousStart, b.PreviousEnd = b.Start.AddDate(0, 0, -1), b.End.AddDate(0, 0, -1)
			}
			m, err := c.ClinicBooking(tc.change, b, now)
			if err != nil {
				t.Fatal(err)
			}
			if m.ID != tc.wantID {
				t.Errorf("ID = %q, want %q", m.ID, tc.wantID)
			}
			if m.Subject != tc.wantSubject {
				t.Errorf("Subject = %q, want %q", m.Subject, tc.wantSubject)
			}
			if strings.Join(m.To, ",") != "head@clinic5.example,desk@clinic5.example" {
				t.Errorf("To = %v", m.To)
			}
			for _, s := range tc.wantText {
				if !strings.Contains(m.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, m.Text)
				}
			}
			cal, a := attachmentCalendar(t, m)
			if want := "text/calendar; method=" + tc.wantMethod + "; charset=UTF-8"; a.ContentType != want || a.Name != tc.wantFile {
				t.Errorf("attachment %s %q, want %s %q", a.Name, a.ContentType, tc.wantFile, want)
			}
			if got := propText(t, cal.Props, "METHOD"); got != tc.wantMethod {
				t.Errorf("METHOD = %s, want %s", got, tc.wantMethod)
			}
			ev := cal.Events()[0]
			if got := propText(t, ev.Props, "UID"); got != "64f0c2a1@fieldvisit" {
				t.Errorf("UID = %q", got)
			}
			if seq, _ := ev.Props.Get("SEQUENCE").Int(); seq != tc.sequence {
				t.Errorf("SEQUENCE = %d, want %d", seq, tc.sequence)
			}
			if st, _ := ev.Status(); string(st) != tc.wantStatus {
				t.Errorf("STATUS = %s, want %s", st, tc.wantStatus)
			}
			if got := propText(t, ev.Props, "LOCATION"); got != b.Clinic.Address {
				t.Errorf("LOCATION = %q, want %q", got, b.Clinic.Address)
			}
			if start, err := ev.DateTimeStart(nil); err != nil || !start.Equal(b.Start) {
				t.Errorf("DTSTART = %v (%v), want %v", start, err, b.Start)
			}
			if stamp, err := ev.Props.DateTime("DTSTAMP", nil); err != nil || !stamp.Equal(now) {
				t.Errorf("DTSTAMP = %v (%v), want %v", stamp, err, now)
			}
			if desc := propText(t, ev.Props, "DESCRIPTION"); !strings.Contains(desc, "https://fieldvisit.example/visits/64f0c2a1") {
				t.Errorf("DESCRIPTION lacks the change link: %q", desc)
			}
			attendees := ev.Props.Values("ATTENDEE")
			if len(attendees) != 3 || attendees[0].Value != "mailto:ivanova@centre.example" {
				t.Errorf("ATTENDEE = %+v, want the trainer and both clinic contacts", attendees)
			}
		})
	}
}

func TestTrainerChange(t *testing.T) {
	c, loc := newTestComposer(t)
	now := composedAt()
	b := sampleBooking(loc)
	b.Sequence = 3
	b.Comment = "Вход со двора"
	for _, tc := range []struct {
		change      Change
		wantSubject string
		wantMethod  string
	}{
		{ChangeBooked, "Новый визит: Городская поликлиника №5, вт, 8 декабря, 10:00–11:30", "REQUEST"},
		{ChangeCancelled, "Визит отменён: Городская поликлиника №5, вт, 8 декабря, 10:00–11:30", "CANCEL"},
	} {
		m, err := c.TrainerChange(tc.change, b, now)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != tc.wantSubject || m.ID != "trainer."+string(tc.change)+".64f0c2a1.3" {
			t.Errorf("%s: subject %q id %q", tc.change, m.Subject, m.ID)
		}
		if len(m.To) != 1 || m.To[0] != "ivanova@centre.example" {
			t.Errorf("%s: To = %v", tc.change, m.To)
		}
		for _, s := range []string{"Мария Иванова, здравствуйте!", "10:00–11:30 — Городская поликлиника №5",
			"Занятие 10:30–11:15, 3 администратора, помещение: каб. 301", "Комментарий клиники: Вход со двора"} {
			if !strings.Contains(m.Text, s) {
				t.Errorf("%s: text lacks %q:\n%s", tc.change, s, m.Text)
			}
		}
		cal, _ := attachmentCalendar(t, m)
		if got := propText(t, cal.Props, "METHOD"); got != tc.wantMethod {
			t.Errorf("%s: METHOD %s", tc.change, got)
		}
		if got := propText(t, cal.Events()[0].Props, "SUMMARY"); got != "Микро-обучение — Городская поликлиника №5" {
			t.Errorf("%s: SUMMARY %q", tc.change, got)
		}
	}
}

func TestHTMLInjection(t *testing.T) {
	c, loc := newTestComposer(t)
	b := sampleBooking(loc)
	b.Clinic.Name = `<script>alert("clinic")</script>`
	b.Topic = `"><img src=x onerror=alert(1)>`
	b.Comment = `<b>bold</b> & more`
	b.Trainer.Phone = `" onmouseover="alert(1)`
	now := composedAt()
	var msgs []Message
	for _, build := range []func() (Message, error){
		func() (Message, error) { return c.ClinicBooking(ChangeBooked, b, now) },
		func() (Message, error) { return c.TrainerChange(ChangeMoved, b, now) },
		func() (Message, error) { return c.TrainerWeek(b.Trainer, b.Start, 1, []Booking{b}, now) },
		func() (Message, error) { return c.ClinicReminder(b) },
		func() (Message, error) { return c.TrainerReminder(b.Trainer, []Booking{b}) },
	} {
		m, err := build()
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	for _, m := range msgs {
		for _, bad := range []string{"<script>", "<img", "<b>bold", `" onmouseover`} {
			if strings.Contains(m.HTML, bad) {
				t.Errorf("%s: HTML contains unescaped %q", m.Kind, bad)
			}
		}
		if m.Kind != "trainer.week" && m.Kind != "trainer.reminder" && !strings.Contains(m.HTML, "&lt;script&gt;alert(&#34;clinic&#34;)&lt;/script&gt;") {
			t.Errorf("%s: HTML does not show the escaped clinic name:\n%s", m.Kind, m.HTML)
		}
		if !strings.Contains(m.HTML, "&lt;b&gt;bold&lt;/b&gt; &amp; more") {
			t.Errorf("%s: HTML does not show the escaped comment", m.Kind)
		}
	}
	// The plain-text body is not HTML: it must show the name as typed.
	if !strings.Contains(msgs[0].Text, b.Clinic.Name) {
		t.Errorf("text body altered the clinic name:\n%s", msgs[0].Text)
	}
}

func TestTrainerWeek(t *testing.T) {
	c, loc := newTestComposer(t)
	now := composedAt()
	monday := time.Date(2026, 12, 7, 0, 0, 0, 0, loc)
	b := sampleBooking(loc)
	tue2 := b
	tue2.VisitID, tue2.UID, tue2.Kind, tue2.Topic = "v-tue-2", "v-tue-2@fieldvisit", KindFollowUp, ""
	tue2.Start, tue2.End = b.Start.Add(3*time.Hour), b.End.Add(3*time.Hour)
	tue2.TrainingStart, tue2.TrainingEnd, tue2.Participants, tue2.Room = time.Time{}, time.Time{}, 0, ""
	thu := tue2
	thu.VisitID, thu.UID, thu.Kind = "v-thu", "v-thu@fieldvisit", KindDifficultCase
	thu.Start, thu.End = b.Start.AddDate(0, 0, 2), b.End.AddDate(0, 0, 2)
	trainer := b.Trainer
	trainer.FeedURL = "https://fieldvisit.example/feeds/t-ivanova/tok.ics"

	m, err := c.TrainerWeek(trainer, monday, 5, []Booking{thu, tue2, b}, now)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "trainer.week.t-ivanova.2026-12-07.5" {
		t.Errorf("ID = %q", m.ID)
	}
	if m.Subject != "План на неделю 7–11 декабря 2026 г.: 3 визита" {
		t.Errorf("Subject = %q", m.Subject)
	}
	tue := strings.Index(m.Text, "вторник, 8 декабря 2026 г.")
	first := strings.Index(m.Text, "10:00–11:30 — Городская поликлиника №5")
	second := strings.Index(m.Text, "13:00–14:30 — Городская поликлиника №5")
	thursday := strings.Index(m.Text, "четверг, 10 декабря 2026 г.")
	if tue < 0 || first < tue || second < first || thursday < second {
		t.Errorf("visits not grouped by day in time order (%d %d %d %d):\n%s", tue, first, second, thursday, m.Text)
	}
	if !strings.Contains(m.Text, trainer.FeedURL) || !strings.Contains(m.HTML, trainer.FeedURL) {
		t.Errorf("feed URL missing")
	}
	cal, a := attachmentCalendar(t, m)
	if a.ContentType != "text/calendar; method=PUBLISH; charset=UTF-8" || a.Name != "week-2026-12-07.ics" {
		t.Errorf("attachment %s %q", a.Name, a.ContentType)
	}
	if got := propText(t, cal.Props, "METHOD"); got != "PUBLISH" || len(cal.Events()) != 3 {
		t.Errorf("METHOD %s with %d events", got, len(cal.Events()))
	}

	empty, err := c.TrainerWeek(trainer, monday, 6, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(empty.Attachments) != 0 || !strings.Contains(empty.Text, "На эту неделю визитов нет.") || !strings.HasSuffix(empty.Subject, ": 0 визитов") {
		t.Errorf("empty week: %d attachments, subject %q, text:\n%s", len(empty.Attachments), empty.Subject, empty.Text)
	}
}

func TestReminders(t *testing.T) {
	c, loc := newTestComposer(t)
	b := sampleBooking(loc)
	later := b
	later.VisitID, later.UID = "later", "later@fieldvisit"
	later.Start, later.End = b.Start.Add(4*time.Hour), b.End.Add(4*time.Hour)

	b.PreviousStart, b.PreviousEnd = b.Start.AddDate(0, 0, -1), b.End.AddDate(0, 0, -1)
	cm, err := c.ClinicReminder(b)
	if err != nil {
		t.Fatal(err)
	}
	if cm.ID != "clinic.reminder.64f0c2a1.2026-12-08" || cm.Subject != "Напоминание: завтра визит тренера, вт, 8 декабря, 10:00–11:30" {
		t.Errorf("clinic reminder %q %q", cm.ID, cm.Subject)
	}
	if len(cm.Attachments) != 0 || !strings.Contains(cm.Text, "Что подготовить к микро-обучению") || strings.Contains(cm.Text, "Было:") {
		t.Errorf("clinic reminder body:\n%s", cm.Text)
	}

	tr := b.Trainer
	tr.Lang = LangEnglish
	tm, err := c.TrainerReminder(tr, []Booking{later, b})
	if err != nil {
		t.Fatal(err)
	}
	if tm.ID != "trainer.reminder.t-ivanova.2026-12-08" || tm.Subject != "Tomorrow, Tue, 8 December: 2 visits, starting at 10:00" {
		t.Errorf("trainer reminder %q %q", tm.ID, tm.Subject)
	}
	if i, j := strings.Index(tm.Text, "10:00–11:30"), strings.Index(tm.Text, "14:00–15:30"); i < 0 || j < i {
		t.Errorf("trainer reminder not in route order:\n%s", tm.Text)
	}
	if _, err := c.TrainerReminder(tr, nil); err == nil {
		t.Errorf("a reminder without visits was composed")
	}
}

func TestTrainerFeed(t *testing.T) {
	c, loc := newTestComposer(t)
	b := sampleBooking(loc)
	b.Sequence = 2
	other := b
	other.VisitID, other.UID, other.Sequence = "v2", "v2@fieldvisit", 0
	other.Start, other.End = b.Start.AddDate(0, 0, 1), b.End.AddDate(0, 0, 1)
	now := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	data, err := c.TrainerFeed(b.Trainer, []Booking{other, b}, now)
	if err != nil {
		t.Fatal(err)
	}
	cal := decodeICS(t, data)
	if got := propText(t, cal.Props, "METHOD"); got != "PUBLISH" {
		t.Errorf("METHOD %s", got)
	}
	if got := propText(t, cal.Props, "X-WR-CALNAME"); got != "Fieldvisit — Мария Иванова" {
		t.Errorf("X-WR-CALNAME %q", got)
	}
	events := cal.Events()
	if len(events) != 2 {
		t.Fatalf("%d events", len(events))
	}
	for i, want := range []struct {
		uid string
		seq int
	}{{"64f0c2a1@fieldvisit", 2}, {"v2@fieldvisit", 0}} {
		seq, _ := events[i].Props.Get("SEQUENCE").Int()
		if uid := propText(t, events[i].Props, "UID"); uid != want.uid || seq != want.seq {
			t.Errorf("event %d: UID %q SEQUENCE %d, want %q %d", i, uid, seq, want.uid, want.seq)
		}
		if events[i].Props.Get("ATTENDEE") != nil {
			t.Errorf("feed event %d carries attendees", i)
		}
	}
	if !bytes.Contains(data, []byte("BEGIN:VTIMEZONE")) {
		t.Errorf("feed has no VTIMEZONE")
	}
}

func TestComposeRejectsBadInput(t *testing.T) {
	c, loc := newTestComposer(t)
	now := composedAt()
	good := sampleBooking(loc)
	tests := []struct {
		name  string
		build func() (Message, error)
		want  string
	}{
		{"unknown change", func() (Message, error) { return c.ClinicBooking("postponed", good, now) }, "unknown change"},
		{"no visit id", func() (Message, error) {
			b := good
			b.VisitID = ""
			return c.ClinicBooking(ChangeBooked, b, now)
		}, "no ID"},
		{"no calendar uid", func() (Message, error) {
			b := good
			b.UID = ""
			return c.TrainerChange(ChangeBooked, b, now)
		}, "no calendar UID"},
		{"visit id with @", func() (Message, error) {
			b := good
			b.VisitID = "a@b"
			return c.TrainerChange(ChangeBooked, b, now)
		}, "characters"},
		{"no clinic e-mail", func() (Message, error) {
			b := good
			b.Clinic.Emails = nil
			return c.ClinicBooking(ChangeBooked, b, now)
		}, "no e-mail"},
		{"no trainer e-mail", func() (Message, error) {
			b := good
			b.Trainer.Email = ""
			return c.TrainerChange(ChangeBooked, b, now)
		}, "no e-mail"},
		{"end before start", func() (Message, error) {
			b := good
			b.End = b.Start
			return c.ClinicReminder(b)
		}, "not after start"},
		{"week without trainer id", func() (Message, error) {
			tr := good.Trainer
			tr.ID = ""
			return c.TrainerWeek(tr, good.Start, 1, nil, now)
		}, "no ID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.build()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestMessageIDsAreStable(t *testing.T) {
	c, loc := newTestComposer(t)
	b := sampleBooking(loc)
	first, err := c.ClinicBooking(ChangeBooked, b, composedAt())
	if err != nil {
		t.Fatal(err)
	}
	// Composed again later (after a crash, say): same change, same key.
	again, err := c.ClinicBooking(ChangeBooked, b, time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	b.Sequence++
	moved, err := c.ClinicBooking(ChangeMoved, b, time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != again.ID {
		t.Errorf("same change, different IDs: %q, %q", first.ID, again.ID)
	}
	if moved.ID == first.ID {
		t.Errorf("different changes share ID %q", moved.ID)
	}
}

func TestLocale(t *testing.T) {
	ru, en := localeFor(LangRussian), localeFor(LangEnglish)
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "0 визитов"}, {1, "1 визит"}, {2, "2 визита"}, {4, "4 визита"}, {5, "5 визитов"},
		{11, "11 визитов"}, {12, "12 визитов"}, {14, "14 визитов"}, {21, "21 визит"}, {22, "22 визита"}, {111, "111 визитов"},
	} {
		if got := ru.visits(tc.n); got != tc.want {
			t.Errorf("ru.visits(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	if got := en.administrators(1) + "/" + en.administrators(2); got != "1 administrator/2 administrators" {
		t.Errorf("en counts: %q", got)
	}
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		lc       locale
		from, to time.Time
		want     string
	}{
		{ru, d(2026, 12, 7), d(2026, 12, 11), "7–11 декабря 2026 г."},
		{ru, d(2026, 11, 30), d(2026, 12, 4), "30 ноября – 4 декабря 2026 г."},
		{ru, d(2026, 12, 28), d(2027, 1, 1), "28 декабря 2026 г. – 1 января 2027 г."},
		{en, d(2026, 12, 7), d(2026, 12, 11), "7–11 December 2026"},
		{en, d(2026, 12, 7), d(2026, 12, 7), "7 December 2026"},
	} {
		if got := tc.lc.dateRange(tc.from, tc.to); got != tc.want {
			t.Errorf("dateRange(%v, %v) = %q, want %q", tc.from, tc.to, got, tc.want)
		}
	}
	if got := ru.longDate(d(2026, 3, 1)); got != "воскресенье, 1 марта 2026 г." {
		t.Errorf("ru longDate = %q", got)
	}
	if got := en.kind("unknown_kind") + "|" + ru.kind(KindDifficultCase); got != "unknown_kind|разбор сложного случая" {
		t.Errorf("kinds: %q", got)
	}
	if Lang("de").orDefault() != LangRussian || LangEnglish.orDefault() != LangEnglish {
		t.Errorf("language fallback is not Russian")
	}
}
