package planning

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/scheduler"
)

// explainWeek is the week of Monday 30 November 2026 (Monday to Friday)
// with one trainer (Trainer 1, one visit a day) and Clinic 1, open only as
// hours says.
func explainWeek(t *testing.T, hours models.Week, reqs ...models.Request) Input {
	t.Helper()
	in := fixture(t)
	in.Week, in.Days = "2026-11-30", 5
	anna := fixtureTrainer(trainerAnna)
	anna.MaxVisitsDay = 1
	in.Trainers = []models.Trainer{anna}
	clinic := fixtureClinic(clinicNorth, 55.80)
	clinic.Hours = hours
	in.Clinics = []models.Clinic{clinic}
	in.Requests = reqs
	return in
}

// planOf builds and solves in and decodes the plan.
func planOf(t *testing.T, in Input, opt scheduler.Options) *models.Plan {
	t.Helper()
	p, idx := build(t, in)
	opt.Seed, opt.MaxIterations = 1, 300
	sol, err := scheduler.Solve(context.Background(), p, opt)
	var pinErr *scheduler.PinError
	if err != nil && !errors.As(err, &pinErr) {
		t.Fatalf("Solve: %v", err)
	}
	return Decode(p, idx, sol)
}

func unassignedOf(t *testing.T, plan *models.Plan, id string) models.Unassigned {
	t.Helper()
	for _, u := range plan.Unassigned {
		if u.RequestID == id {
			return u
		}
	}
	t.Fatalf("request %s is not unassigned: %+v", id, plan.Unassigned)
	return models.Unassigned{}
}

const (
	reqUrgent = "e00000000000000000000001"
	reqLate   = "e00000000000000000000002"
)

// TestExplainDueDayRegression is the case a coordinator met: a request
// due on 8 December, after the planned week, at a clinic open only on
// Thursdays, crowded out of Thursday. It was told "fits if the due day
// moves to Friday", which was false: the due day was already later, and
// the clinic is closed on Friday. Now no due-day move is offered, the
// change offered is true, and it reads in Russian and in English with
// the clinic, the kind, the topic and the trainer's name.
func TestExplainDueDayRegression(t *testing.T) {
	thursdays := models.Week{Thu: []models.Window{win("09:00", "13:00")}}
	urgent := fixtureRequest(reqUrgent, clinicNorth, "", "2026-12-08")
	urgent.Priority = models.PriorityUrgent
	late := fixtureRequest(reqLate, clinicNorth, "", "2026-12-08")
	plan := planOf(t, explainWeek(t, thursdays, urgent, late), scheduler.Options{})
	u := unassignedOf(t, plan, reqLate)
	if u.Reason != "capacity" || u.Why == nil || u.Why.Code != "taken" {
		t.Fatalf("reason %s, why %+v; want capacity, taken", u.Reason, u.Why)
	}
	for _, f := range u.Fixes {
		if f.Code == string(scheduler.NoteFixDueDay) || f.Code == string(scheduler.NoteFixEarliestDay) {
			t.Errorf("offered %s to %s for a clinic open only on Thursdays", f.Code, f.Date)
		}
	}
	if len(u.Fixes) == 0 || u.Fixes[0].Code != string(scheduler.NoteFixLoad) || u.Fixes[0].Amount != 2 || u.Fixes[0].Before != 1 {
		t.Fatalf("fixes %+v, want a second visit on Thursday first", u.Fixes)
	}

	ru := u
	ru.Localize("ru")
	for _, want := range []string{
		"«Clinic 1», поддержка на месте «queue at the desk»: ",
		"в свободный день визит поместился бы, но единственный подходящий день тренера занят (Trainer 1, 3 декабря (чт)): визитов более высокого приоритета — 1",
		// The real limit is said: the clinic's Thursday morning.
		"; начать визит можно только 3 декабря (чт) 09:00–12:00; ",
		"поместится, если 3 декабря (чт) тренер Trainer 1 проведёт 2 визита (сейчас лимит 1)",
	} {
		if !strings.Contains(ru.Summary, want) {
			t.Errorf("Russian summary %q\nlacks %q", ru.Summary, want)
		}
	}
	if strings.Contains(ru.Summary, reqLate) || strings.Contains(ru.Summary, trainerAnna) {
		t.Errorf("Russian summary %q names ids", ru.Summary)
	}
	en := u
	en.Localize("en")
	if want := "fits if Trainer 1 may take 2 visits on Thu 3 December (now 1)"; en.Relaxation != want {
		t.Errorf("English relaxation %q, want %q", en.Relaxation, want)
	}
	if want := "Clinic 1, on-site support “queue at the desk”: it fits an empty day"; !strings.HasPrefix(en.Summary, want) {
		t.Errorf("English summary %q, want it to start %q", en.Summary, want)
	}

	// Applied, the change lets the request in.
	in := explainWeek(t, thursdays, urgent, late)
	in.Trainers[0].MaxVisitsDay = u.Fixes[0].Amount
	if p := planOf(t, in, scheduler.Options{}); len(p.Unassigned) != 0 {
		t.Errorf("with two visits on Thursday still unassigned: %+v", p.Unassigned)
	}
}

// TestExplainDueDayMove: the same clinic open on Thursday and Friday, the
// request due on Thursday: now the due date is the limit, and moving it
// to Friday, applied to the request, lets it in.
func TestExplainDueDayMove(t *testing.T) {
	open := []models.Window{win("09:00", "13:00")}
	hours := models.Week{Thu: open, Fri: open}
	urgent := fixtureRequest(reqUrgent, clinicNorth, "", "2026-12-03")
	urgent.Priority = models.PriorityUrgent
	late := fixtureRequest(reqLate, clinicNorth, "", "2026-12-03")
	u := unassignedOf(t, planOf(t, explainWeek(t, hours, urgent, late), scheduler.Options{}), reqLate)
	var due *models.ExplainNote
	for i, f := range u.Fixes {
		if f.Code == string(scheduler.NoteFixDueDay) {
			due = &u.Fixes[i]
		}
	}
	if due == nil || due.Date != "2026-12-04" {
		t.Fatalf("fixes %+v, want the due date moved to 4 December", u.Fixes)
	}
	if got := models.RenderNote("ru", *due); got != "поместится, если срок перенести на 4 декабря (пт)" {
		t.Errorf("Russian: %q", got)
	}
	if got := models.RenderNote("en", *due); got != "fits if the due date moves to Fri 4 December" {
		t.Errorf("English: %q", got)
	}
	late.DueDate = due.Date
	if p := planOf(t, explainWeek(t, hours, urgent, late), scheduler.Options{}); len(p.Unassigned) != 0 {
		t.Errorf("due on Friday, still unassigned: %+v", p.Unassigned)
	}
}

// TestExplainNoSmallChange: a visit only possible late in the evening
// would need the trainer until about 21:30, past the two-hour bound on a
// longer shift: nothing is offered and the plan says no small change
// lets it in; with a wider bound the later shift is offered.
func TestExplainNoSmallChange(t *testing.T) {
	evenings := models.Week{Wed: []models.Window{win("20:00", "21:00")}}
	req := fixtureRequest(reqLate, clinicNorth, "", "")
	u := unassignedOf(t, planOf(t, explainWeek(t, evenings, req), scheduler.Options{}), reqLate)
	if !u.NoSmallChange || len(u.Fixes) != 0 {
		t.Fatalf("fixes %+v, no small change %v; want none and no small change", u.Fixes, u.NoSmallChange)
	}
	ru, en := u, u
	ru.Localize("ru")
	en.Localize("en")
	if ru.Relaxation != "никакое небольшое изменение не позволяет её включить" || en.Relaxation != "no small change lets it in" {
		t.Errorf("relaxations %q / %q", ru.Relaxation, en.Relaxation)
	}
	if !strings.Contains(ru.Detail, "ни одно допустимое время начала визита (2 декабря (ср) 20:00)") {
		t.Errorf("Russian detail %q", ru.Detail)
	}

	wide := scheduler.Options{Explain: scheduler.ExplainOptions{MaxExtension: 4 * 3600}}
	u = unassignedOf(t, planOf(t, explainWeek(t, evenings, req), wide), reqLate)
	if len(u.Fixes) == 0 || u.Fixes[0].Code != string(scheduler.NoteFixShiftEnd) || u.Fixes[0].Was != "18:00" {
		t.Fatalf("with a four-hour bound: fixes %+v, want the shift to end later", u.Fixes)
	}
	en = u
	en.Localize("en")
	if !strings.HasPrefix(en.Relaxation, "fits if Trainer 1 works until ") {
		t.Errorf("English relaxation %q", en.Relaxation)
	}
}

// TestEveryNoteHasWords: every code the engine or Build gives is worded in
// both languages, and differently in each (no code reads as itself).
func TestEveryNoteHasWords(t *testing.T) {
	route := []models.NoteRoute{{Trainer: models.NoteRef{ID: trainerAnna, Name: "Anna"}, Date: "2026-12-03"}}
	codes := []scheduler.NoteCode{
		scheduler.NoteNoSkill, scheduler.NoteNoSkillTogether, scheduler.NoteExcluded, scheduler.NoteLoad,
		scheduler.NoteNoWindow, scheduler.NoteLunchOnly, scheduler.NoteUnreachable, scheduler.NoteMaxWork,
		scheduler.NoteFitsMissed, scheduler.NoteTaken, scheduler.NoteInterrupted, scheduler.NoteUnexplained,
		scheduler.NotePinNoRoute, scheduler.NotePinNoSkill, scheduler.NotePinExcluded, scheduler.NotePinLoad,
		scheduler.NotePinTimeOutside, scheduler.NotePinNoWindow, scheduler.NotePinUnreachable, scheduler.NotePinLunch,
		scheduler.NotePinMaxWork, scheduler.NotePinFitsMissed, scheduler.NotePinCrowded, scheduler.NotePinCollides,
		scheduler.NoteFixSkill, scheduler.NoteFixUnexclude, scheduler.NoteFixLoad, scheduler.NoteFixShiftEnd,
		scheduler.NoteFixShiftStart, scheduler.NoteFixDueDay, scheduler.NoteFixEarliestDay, scheduler.NoteFixPinTime,
		scheduler.NoteFixUnpin,
		"unknown_clinic", "clinic_no_place", "no_slot_in_week", "pin_trainer_off_week", "pin_outside_week", "unassigned_by_coordinator",
	}
	for _, code := range codes {
		n := models.ExplainNote{Code: string(code), Routes: route, Trainers: []models.NoteRef{{ID: trainerAnna, Name: "Anna"}},
			Skills: []string{"conflict"}, Date: "2026-12-04", Time: "18:15", Was: "18:00", Amount: 2, Before: 1, Counts: []int{1, 0, 0},
			Requests: []models.NoteRef{{}, {ID: reqUrgent, Name: "Clinic 1"}}, Week: "2026-11-30",
			Windows: []models.NoteWindow{{Date: "2026-12-03", From: "09:00", To: "12:00"}},
			Pin:     &models.NotePin{Trainer: &models.NoteRef{ID: trainerAnna, Name: "Anna"}, Date: "2026-12-03", Time: "10:00"}}
		ru, en := models.RenderNote("ru", n), models.RenderNote("en", n)
		if strings.HasSuffix(ru, string(code)) || strings.HasSuffix(en, string(code)) || ru == en {
			t.Errorf("%s: ru %q, en %q", code, ru, en)
		}
		if strings.Contains(ru+en, trainerAnna) {
			t.Errorf("%s names the trainer by id: %q / %q", code, ru, en)
		}
	}
	// The language of an unknown reader is Russian.
	if got := models.RenderNote("", models.ExplainNote{Code: "lunch_only"}); got != models.RenderNote("ru", models.ExplainNote{Code: "lunch_only"}) {
		t.Errorf("default language: %q", got)
	}
}
