package models

import (
	"regexp"
	"strings"
	"testing"
)

// refusalSamples gives each refusal code the values its sentence uses,
// with Cyrillic names and digit-only ids, so that any Latin word in a
// Russian rendering comes from the wording itself.
func refusalSamples() map[string][]EditRefusal {
	req := &NoteRef{ID: "650000000000000000000001", Name: "Поликлиника №3"}
	anna := &NoteRef{ID: "650000000000000000000002", Name: "Анна Соколова"}
	other := &RefusalVisit{Request: NoteRef{ID: "650000000000000000000003", Name: "Клиника «Здоровье»"}, Start: "10:00", End: "11:00"}
	windows := []NoteWindow{{Date: "2026-12-08", From: "09:00", To: "13:00"}}
	shifts := []NoteWindow{{Date: "2026-12-08", From: "14:00", To: "18:00"}}
	return map[string][]EditRefusal{
		RefusalNotOpen: {
			{Code: RefusalNotOpen, Request: req},
			{Code: RefusalNotOpen, Request: &NoteRef{ID: "650000000000000000000009"}},
		},
		RefusalAlreadyPlanned: {{Code: RefusalAlreadyPlanned, Request: req, Trainer: anna, Date: "2026-12-08"}},
		RefusalNotInPlan: {
			{Code: RefusalNotInPlan, Op: EditMove, Request: req},
			{Code: RefusalNotInPlan, Op: EditSwap, Request: req},
			{Code: RefusalNotInPlan, Op: EditUnassign, Request: req},
		},
		RefusalUnplaceable: {
			{Code: RefusalUnplaceable, Request: req, Why: &ExplainNote{Code: "pin_outside_week", Date: "2026-12-15", Week: "2026-12-07"}},
			{Code: RefusalUnplaceable, Request: req},
		},
		RefusalNotPlannedDay: {{Code: RefusalNotPlannedDay, Date: "2026-12-13", Week: "2026-12-07"}},
		RefusalTrainerOff:    {{Code: RefusalTrainerOff, Trainer: anna, Date: "2026-12-08"}},
		RefusalMissingSkill: {
			{Code: RefusalMissingSkill, Trainer: anna, Request: req, Skills: []string{"конфликты"}},
			{Code: RefusalMissingSkill, Trainer: anna, Request: req, Skills: []string{"конфликты", "регистратура"}},
		},
		RefusalDayFull:  {{Code: RefusalDayFull, Trainer: anna, Date: "2026-12-08", Visits: 2}},
		RefusalExcluded: {{Code: RefusalExcluded, Trainer: anna, Request: req}},
		RefusalClinicClosedDay: {
			{Code: RefusalClinicClosedDay, Request: req, Date: "2026-12-08", Days: []Date{"2026-12-09", "2026-12-10"}},
			{Code: RefusalClinicClosedDay, Request: req, Date: "2026-12-08"},
		},
		RefusalHoursDoNotMeet: {{Code: RefusalHoursDoNotMeet, Request: req, Date: "2026-12-08", Trainer: anna, Windows: windows, Shifts: shifts}},
		RefusalStartOutsideClinic: {
			{Code: RefusalStartOutsideClinic, Request: req, Date: "2026-12-08", Time: "18:30", Windows: windows},
		},
		RefusalOutsideShift: {{Code: RefusalOutsideShift, Time: "10:00", End: "11:00", Trainer: anna, Date: "2026-12-08", Shifts: shifts}},
		RefusalTravel:       {{Code: RefusalTravel, Other: other, Travel: 40, Trainer: anna, Arrive: "11:40", Time: "11:30"}},
		RefusalNoRoomAt:     {{Code: RefusalNoRoomAt, Gap: &NoteWindow{Date: "2026-12-08", From: "11:00", To: "11:45"}, Trainer: anna, Date: "2026-12-08", Minutes: 60}},
		RefusalNoRoom:       {{Code: RefusalNoRoom, Gap: &NoteWindow{Date: "2026-12-08", From: "16:00", To: "16:30"}, Trainer: anna, Date: "2026-12-08", Minutes: 60}},
		RefusalDisplaces:    {{Code: RefusalDisplaces, Other: other, Trainer: anna, Date: "2026-12-08"}},
		RefusalPinsUnplaced: {{Code: RefusalPinsUnplaced, Requests: []NoteRef{*req, other.Request}}},
	}
}

// TestEveryRefusalHasWords: every refusal code is worded in Russian and in
// English, differently in each and from every other code, the Russian
// with none of the English sentence's words (a code missing its Russian
// wording fails here), and the values the sentence needs appear in it.
func TestEveryRefusalHasWords(t *testing.T) {
	samples := refusalSamples()
	latin := regexp.MustCompile(`[A-Za-z]+`)
	seen := map[string]map[string]string{"ru": {}, "en": {}}
	for _, code := range EditRefusalCodes() {
		list := samples[code]
		if len(list) == 0 {
			t.Errorf("%s: no sample refusal; add one", code)
			continue
		}
		for _, r := range list {
			ru, en := RenderEditRefusal("ru", r), RenderEditRefusal("en", r)
			if ru == "" || en == "" || ru == en || ru == code || en == code {
				t.Errorf("%s: ru %q, en %q", code, ru, en)
				continue
			}
			for _, word := range latin.FindAllString(en, -1) {
				if len(word) > 1 && regexp.MustCompile(`\b`+word+`\b`).MatchString(ru) {
					t.Errorf("%s: the Russian %q has the English word %q", code, ru, word)
				}
			}
			if l := latin.FindString(ru); l != "" {
				t.Errorf("%s: the Russian %q has Latin letters %q", code, ru, l)
			}
			if got := RenderEditRefusal("", r); got != ru {
				t.Errorf("%s: the default language reads %q, want the Russian %q", code, got, ru)
			}
			for _, name := range []*NoteRef{r.Trainer, r.Request} {
				if name != nil && (!strings.Contains(ru, name.Name) || !strings.Contains(en, name.Name)) {
					t.Errorf("%s does not name %q: %q / %q", code, name.Name, ru, en)
				}
			}
			for lang, text := range map[string]string{"ru": ru, "en": en} {
				if prev, dup := seen[lang][text]; dup {
					t.Errorf("%s and %s read the same in %s: %q", prev, code, lang, text)
				}
				seen[lang][text] = code
			}
		}
	}
	for code := range samples {
		if !strings.Contains(strings.Join(EditRefusalCodes(), " "), code) {
			t.Errorf("sample code %s is not in EditRefusalCodes", code)
		}
	}
	if got := RenderEditRefusal("ru", EditRefusal{Code: "what"}); got != "what" {
		t.Errorf("an unknown code reads %q, want itself", got)
	}
}

// TestRefusalWording pins a few sentences: dates as the explanations write
// them, times and names in place.
func TestRefusalWording(t *testing.T) {
	s := refusalSamples()
	for _, c := range []struct {
		r      EditRefusal
		ru, en string
	}{
		{s[RefusalTrainerOff][0], "тренер Анна Соколова не работает 8 декабря (вт): рабочих часов в этот день нет",
			"Анна Соколова is off on Tue 8 December (no working hours that day)"},
		{s[RefusalDayFull][0], "тренер Анна Соколова уже проводит 8 декабря (вт) 2 визита — это дневной максимум",
			"Анна Соколова already has 2 visits on Tue 8 December, the most allowed"},
		{s[RefusalNotInPlan][0], "заявка клиники «Поликлиника №3» не входит в этот план; её можно назначить, а не перенести",
			"the request from Поликлиника №3 is not in this plan; assign it instead"},
		{s[RefusalNotOpen][1], "заявка 650000000000000000000009 неактуальна для этой недели: она отменена, выполнена, назначена на другую неделю или её нет",
			"request 650000000000000000000009 is not open for this week (cancelled, done, booked in another week or unknown)"},
	} {
		if got := RenderEditRefusal("ru", c.r); got != c.ru {
			t.Errorf("%s ru:\n got %q\nwant %q", c.r.Code, got, c.ru)
		}
		if got := RenderEditRefusal("en", c.r); got != c.en {
			t.Errorf("%s en:\n got %q\nwant %q", c.r.Code, got, c.en)
		}
	}
}
