package notify

import (
	"strings"
	"testing"
	"time"
)

func sampleRequest(loc *time.Location, lang Lang) RequestInfo {
	return RequestInfo{ID: "6b0aa0da4a086986a773ce63", Kind: KindFollowUp, Topic: "Очередь у стойки",
		Clinic:   Clinic{ID: "c1", Name: "Городская поликлиника №5", Emails: []string{"head@gp5.example"}, Lang: lang},
		Earliest: time.Date(2026, 12, 14, 0, 0, 0, 0, loc), Due: time.Date(2026, 12, 18, 0, 0, 0, 0, loc),
		Windows: []DayWindow{{Weekday: time.Tuesday, Start: "14:00", End: "16:00"}}, Comment: "после обеда"}
}

func TestPeopleMails(t *testing.T) {
	c, loc := newTestComposer(t)
	coordinators := []string{"plan@centre.example"}
	absence := AbsenceInfo{ID: "ab1", Trainer: Trainer{ID: "t1", Name: "Мария Иванова"}, From: time.Date(2026, 12, 9, 0, 0, 0, 0, loc),
		To: time.Date(2026, 12, 10, 0, 0, 0, 0, loc), Reason: "болезнь", Affected: 3,
		ReleasedPins: []string{"pin of request r9 released: the trainer is absent"}, Diffs: []string{"https://fieldvisit.example/api/v1/plans/2026-12-07/4/diff"}}
	change := ChangeInfo{ID: "cr1", Request: sampleRequest(loc, LangEnglish), Windows: []DayWindow{{Weekday: time.Thursday, Start: "09:00", End: "12:00"}},
		Comment: "mornings please", Reason: "No trainer is free on Thursdays"}
	for _, tc := range []struct {
		name        string
		compose     func() (Message, error)
		wantID      string
		wantTo      string
		wantSubject string
		wantText    []string
	}{
		{"request received ru", func() (Message, error) { return c.RequestReceived(sampleRequest(loc, "")) },
			"clinic.request_received.6b0aa0da4a086986a773ce63", "head@gp5.example", "Заявка принята: повторный визит — Очередь у стойки",
			[]string{"Сроки: 14–18 декабря 2026 г.", "Удобное время: вт 14:00–16:00", "Номер заявки: 6b0aa0da4a086986a773ce63", "(plan@centre.example)"}},
		{"request received en", func() (Message, error) { return c.RequestReceived(sampleRequest(loc, LangEnglish)) },
			"clinic.request_received.6b0aa0da4a086986a773ce63", "head@gp5.example", "Request received: follow-up visit — Очередь у стойки",
			[]string{"Between: 14–18 December 2026", "Preferred times: Tue 14:00–16:00"}},
		{"change declined en", func() (Message, error) { return c.ChangeDeclined(change) },
			"clinic.change_declined.cr1", "head@gp5.example", "Change not possible: follow-up visit — Очередь у стойки",
			[]string{"Reason: No trainer is free on Thursdays", "You asked for: Thu 09:00–12:00", "Your booked visit stays as it is."}},
		{"coordinator change ru", func() (Message, error) { return c.CoordinatorChange(coordinators, "", change) },
			"coordinator.change_request.cr1", "plan@centre.example", "Просьба об изменении: Городская поликлиника №5 — повторный визит",
			[]string{"Сейчас: вт 14:00–16:00", "Просят: чт 09:00–12:00", "Комментарий: mornings please",
				"https://fieldvisit.example/api/v1/requests/6b0aa0da4a086986a773ce63/change-requests"}},
		{"coordinator cancellation en", func() (Message, error) {
			return c.CoordinatorCancellation(coordinators, LangEnglish, sampleRequest(loc, ""))
		},
			"coordinator.cancellation.6b0aa0da4a086986a773ce63", "plan@centre.example", "Cancelled by the clinic: Городская поликлиника №5 — follow-up visit",
			[]string{"Between: 14–18 December 2026"}},
		{"coordinator absence ru", func() (Message, error) { return c.CoordinatorAbsence(coordinators, "", absence) },
			"coordinator.absence.ab1", "plan@centre.example", "Отсутствие: Мария Иванова, 9–10 декабря 2026 г.",
			[]string{"Мария Иванова отсутствует: 9–10 декабря 2026 г. (болезнь).", "нужно новое время: 3 визита.",
				"- pin of request r9 released", "- https://fieldvisit.example/api/v1/plans/2026-12-07/4/diff"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.compose()
			if err != nil {
				t.Fatal(err)
			}
			if m.ID != tc.wantID || len(m.To) == 0 || m.To[0] != tc.wantTo || m.Subject != tc.wantSubject || m.ReplyTo != "plan@centre.example" {
				t.Errorf("id %q to %v subject %q reply-to %q", m.ID, m.To, m.Subject, m.ReplyTo)
			}
			for _, want := range tc.wantText {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, m.Text)
				}
			}
			if !strings.Contains(m.HTML, "<html") || strings.Contains(m.HTML, "<no value>") || strings.Contains(m.Text, "<no value>") {
				t.Errorf("html or text incomplete:\n%s", m.HTML)
			}
		})
	}
	if _, err := c.CoordinatorAbsence(nil, "", absence); err == nil {
		t.Error("an absence mail to nobody was composed")
	}
	change.Reason = " "
	if _, err := c.ChangeDeclined(change); err == nil {
		t.Error("a decline without a reason was composed")
	}
}

// A visit moved to another trainer says who came before, to the clinic and
// in the details; a reminder does not.
func TestMovedToAnotherTrainer(t *testing.T) {
	c, loc := newTestComposer(t)
	b := sampleBooking(loc)
	b.Sequence, b.PreviousTrainer = 1, "Анна Соколова"
	m, err := c.ClinicBooking(ChangeMoved, b, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Придёт другой тренер: Мария Иванова вместо Анна Соколова", "Тренер раньше: Анна Соколова"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, "<s>Анна Соколова</s>") {
		t.Errorf("html lacks the previous trainer:\n%s", m.HTML)
	}
	b.Clinic.Lang = LangEnglish
	b.PreviousStart, b.PreviousEnd = b.Start.Add(-time.Hour), b.End.Add(-time.Hour)
	m, err = c.ClinicBooking(ChangeMoved, b, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"moved to a new time", "Was: Tuesday, 8 December 2026, 09:00–10:30", "Trainer before: Анна Соколова"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	r, err := c.ClinicReminder(b)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.Text, "Анна Соколова") {
		t.Errorf("the reminder names the previous trainer:\n%s", r.Text)
	}
}
