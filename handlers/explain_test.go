package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
)

// TestPlanExplanationsInCallersLanguage: the same stored plan reads in
// English for an English coordinator and in Russian for a Russian one,
// naming the clinic, the kind and the topic; a plan stored before
// explanations had codes still reads with its stored text.
func TestPlanExplanationsInCallersLanguage(t *testing.T) {
	e := newEnv(t, withPlanning(t))
	ctx := context.Background()
	const week = "/api/v1/plans/2025-03-10"

	special := &models.Request{ClinicID: e.clinicA.ID, Kind: models.KindMicroTraining, Topic: "Sign language at the desk",
		Skills: []string{"sign-language"}, DurationMinutes: 60, Participants: 5, EarliestDate: "2025-03-10", DueDate: "2025-03-14",
		Priority: models.PriorityHigh, Status: models.StatusNew}
	if err := e.st.CreateRequest(ctx, special); err != nil {
		t.Fatal(err)
	}
	ru := e.users[coord]
	russian := models.User{Role: models.RoleCoordinator, Email: "ru.coordinator@example.org", Name: "ru coordinator",
		Lang: "ru", PasswordHash: ru.PasswordHash}
	if err := e.st.CreateUser(ctx, &russian); err != nil {
		t.Fatal(err)
	}
	e.users["ru coordinator"] = &russian
	e.secrets["ru coordinator"], _ = e.apiToken(russian.ID)

	find := func(p models.Plan, id string) models.Unassigned {
		t.Helper()
		for _, u := range p.Unassigned {
			if u.RequestID == id {
				return u
			}
		}
		t.Fatalf("request %s is not unassigned in %+v", id, p.Unassigned)
		return models.Unassigned{}
	}
	var en, rus models.Plan
	e.do(req{as: coord, method: http.MethodPost, path: week + "/run"}).want(t, http.StatusCreated).decode(t, &en)
	u := find(en, special.ID)
	if u.Reason != "no_skill" || u.Why == nil || u.Why.Code != "no_skill" {
		t.Fatalf("unassigned %+v, want no_skill with its note", u)
	}
	clinic := e.clinicA.Name
	if want := clinic + ", micro-training “Sign language at the desk”: no trainer has the skill sign-language"; !strings.HasPrefix(u.Summary, want) {
		t.Errorf("English summary %q, want it to start %q", u.Summary, want)
	}
	if !strings.HasPrefix(u.Relaxation, "fits if "+e.trainerA.Name) || !strings.Contains(u.Relaxation, " gains the skill sign-language (for ") {
		t.Errorf("English relaxation %q", u.Relaxation)
	}

	e.do(req{as: "ru coordinator", method: http.MethodGet, path: week + "/1"}).want(t, http.StatusOK).decode(t, &rus)
	u = find(rus, special.ID)
	if want := "«" + clinic + "», микро-обучение «Sign language at the desk»: ни у одного тренера нет навыка sign-language"; !strings.HasPrefix(u.Summary, want) {
		t.Errorf("Russian summary %q, want it to start %q", u.Summary, want)
	}
	if u.Detail != "ни у одного тренера нет навыка sign-language" || !strings.HasPrefix(u.Relaxation, "поместится, если у тренера "+e.trainerA.Name+" появится навык sign-language (визит 10 марта (пн))") ||
		len(u.Relaxations) == 0 || u.Relaxations[0] != u.Relaxation {
		t.Errorf("Russian detail %q, relaxations %q", u.Detail, u.Relaxations)
	}

	// A plan document of an older version: English text, no codes.
	old := &models.Plan{Week: "2025-03-17", Status: models.PlanDraft, Routes: []models.PlanRoute{},
		KPIs: models.PlanKPIs{ByPriority: map[models.Priority]models.PriorityKPI{}}, Unassigned: []models.Unassigned{{
			RequestID: e.requestA.ID, ClinicID: e.clinicA.ID, Priority: models.PriorityNormal, Reason: "capacity",
			Detail: "it fits an empty day, but the trainer-day that could serve it are taken", Relaxation: "fits if trainer Anna works until 18:15 on Monday",
		}}}
	if err := e.st.CreatePlan(ctx, old); err != nil {
		t.Fatal(err)
	}
	var back models.Plan
	e.do(req{as: "ru coordinator", method: http.MethodGet, path: "/api/v1/plans/2025-03-17/1"}).want(t, http.StatusOK).decode(t, &back)
	if len(back.Unassigned) != 1 {
		t.Fatalf("old plan reads %+v", back.Unassigned)
	}
	o := back.Unassigned[0]
	if o.Detail != old.Unassigned[0].Detail || o.Relaxation != old.Unassigned[0].Relaxation || o.Why != nil ||
		o.Summary != o.Detail+"; "+o.Relaxation {
		t.Errorf("old plan's entry reads %+v", o)
	}
}
