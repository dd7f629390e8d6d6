package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/publish"
)

func TestPlanRunModes(t *testing.T) {
	e := newEnv(t, withPlanning(t))
	run := "/api/v1/plans/2025-03-10/run"
	before := e.snapshotDocs()
	for _, bad := range []any{
		map[string]any{"mode": "fast"},
		map[string]any{"mode": "optimise", "max_changes": -1},
		map[string]any{"mode": "optimise", "max_changes": "3"},
		map[string]any{"max_changes": 3}, // a repair moves only what must move
		map[string]any{"mode": "repair", "extra": true},
		[]any{"repair"},
	} {
		e.do(req{as: coord, method: http.MethodPost, path: run, body: bad}).want(t, http.StatusBadRequest).problem(t)
	}
	if d := before.diff(e.snapshotDocs()); d != "" {
		t.Errorf("refused runs wrote: %s", d)
	}
	var plan models.Plan
	e.do(req{as: coord, method: http.MethodPost, path: run}).want(t, http.StatusCreated).decode(t, &plan)
	if plan.Mode != models.PlanRepair {
		t.Errorf("a run without a body is a %q", plan.Mode)
	}
	e.do(req{as: coord, method: http.MethodPost, path: run, body: map[string]any{"mode": "optimise", "max_changes": 0}}).want(t, http.StatusCreated).decode(t, &plan)
	if plan.Mode != models.PlanOptimise {
		t.Errorf("an optimising run is a %q", plan.Mode)
	}
}

// TestVisitLifecycle: a preview names what publishing does; a visit done
// survives re-plans and publications untouched; a visit not done reopens
// its request, which the next plan books again.
func TestVisitLifecycle(t *testing.T) {
	e := newEnv(t, withPlanning(t))
	ctx := context.Background()
	const week = "/api/v1/plans/2025-03-10"
	runAndPublish := func() (*publish.ChangeSet, publish.Result) {
		t.Helper()
		var plan models.Plan
		e.do(req{as: coord, method: http.MethodPost, path: week + "/run"}).want(t, http.StatusCreated).decode(t, &plan)
		var diff publish.ChangeSet
		e.do(req{as: coord, method: http.MethodGet, path: week + "/" + strconv.Itoa(plan.Version) + "/diff"}).want(t, http.StatusOK).decode(t, &diff)
		var res publish.Result
		e.do(req{as: coord, method: http.MethodPost, path: week + "/" + strconv.Itoa(plan.Version) + "/publish"}).want(t, http.StatusOK).decode(t, &res)
		if res.Created != len(diff.Added) || res.Moved != len(diff.Moved) || res.Cancelled != len(diff.Dropped) ||
			res.Unchanged != diff.Unchanged || len(res.Mails) != len(diff.Mails) || res.Enqueued != len(diff.Mails) {
			t.Errorf("version %d: preview %+v, publication %+v", plan.Version, diff, res)
		}
		if plan.KPIs.Moved != diff.KPIs.Changes {
			t.Errorf("version %d: kpis.moved %d, preview changes %d", plan.Version, plan.KPIs.Moved, diff.KPIs.Changes)
		}
		return &diff, res
	}
	first, _ := runAndPublish()
	if len(first.Added) != 2 || len(first.Mails) < 3 {
		t.Fatalf("first preview: %+v", first)
	}
	e.do(req{as: coord, method: http.MethodGet, path: week + "/1/diff?against=x"}).want(t, http.StatusBadRequest).problem(t)
	e.do(req{as: coord, method: http.MethodGet, path: week + "/1/diff?since=1"}).want(t, http.StatusBadRequest).problem(t)
	e.do(req{as: coord, method: http.MethodGet, path: week + "/9/diff"}).want(t, http.StatusNotFound).problem(t)

	visits, err := e.st.Visits(ctx, models.VisitFilter{Week: "2025-03-10"})
	if err != nil || len(visits) != 2 {
		t.Fatalf("visits %+v, %v", visits, err)
	}
	done, notDone := visits[0], visits[1]
	e.clock.Advance(notDone.End.Sub(e.clock.Now()))
	e.secrets[coord], _ = e.apiToken(e.users[coord].ID) // the fixture's expired meanwhile
	e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/visits/" + done.ID + "/complete",
		body: map[string]any{"outcome": "done"}}).want(t, http.StatusOK)

	// Re-planned and published twice: the done visit is left alone, and
	// nothing else changes either.
	for range 2 {
		d, res := runAndPublish()
		if len(d.Added)+len(d.Moved)+len(d.Dropped)+len(d.Mails) != 0 || res.Enqueued != 0 {
			t.Errorf("re-plan after a visit was done: %+v, %+v", d, res)
		}
	}
	v, err := e.st.Visit(ctx, done.ID)
	if err != nil || v.Status != models.VisitDone || v.Sequence != done.Sequence {
		t.Errorf("the done visit after re-plans: %+v, %v", v, err)
	}
	if r, err := e.st.Request(ctx, done.RequestID); err != nil || r.Status != models.StatusDone {
		t.Errorf("the done request after re-plans: %+v, %v", r, err)
	}

	// Not done: the request is open again and the next plan books it anew.
	e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/visits/" + notDone.ID + "/complete",
		body: map[string]any{"outcome": "not_done", "note": "nobody came"}}).want(t, http.StatusOK)
	d, _ := runAndPublish()
	if len(d.Added) != 1 || d.Added[0].RequestID != notDone.RequestID || len(d.Moved)+len(d.Dropped) != 0 {
		t.Errorf("re-plan after a visit not done: %+v", d)
	}
	v, err = e.st.Visit(ctx, notDone.ID)
	if err != nil || v.Status != models.VisitScheduled || len(v.PastOutcomes) != 1 || v.PastOutcomes[0].Note != "nobody came" || v.Outcome != nil {
		t.Errorf("the visit booked again: %+v, %v", v, err)
	}
	if r, err := e.st.Request(ctx, notDone.RequestID); err != nil || r.Status != models.StatusConfirmed {
		t.Errorf("the reopened request after publishing: %+v, %v", r, err)
	}
}

func TestEditPlanThroughAPI(t *testing.T) {
	e := newEnv(t, withPlanning(t))
	const week = "/api/v1/plans/2025-03-10"
	var v1, v2 models.Plan
	e.do(req{as: coord, method: http.MethodPost, path: week + "/run"}).want(t, http.StatusCreated).decode(t, &v1)
	stop := v1.Routes[0].Stops[0]
	before := e.snapshotDocs()
	offDay := map[string]any{"op": "move", "request_id": stop.RequestID, "trainer_id": v1.Routes[0].TrainerID, "date": "2025-03-11"}
	refused := e.do(req{as: coord, method: http.MethodPost, path: week + "/1/edits", body: offDay}).
		want(t, http.StatusUnprocessableEntity).problem(t)
	// The reason in the caller's language (English here) and as a code.
	if !strings.Contains(refused.Detail, "is off on Tue 11 March") || refused.Type != "urn:fieldvisit:problem:edit-refused" {
		t.Errorf("refusal says %q (%s)", refused.Detail, refused.Type)
	}
	if r := refused.Refusal; r == nil || r.Code != models.RefusalTrainerOff || r.Date != "2025-03-11" || r.Trainer == nil ||
		r.Trainer.ID != v1.Routes[0].TrainerID || r.Trainer.Name != v1.Routes[0].TrainerName {
		t.Errorf("refusal code and values: %+v", refused.Refusal)
	}
	e.do(req{as: coord, method: http.MethodPost, path: week + "/1/edits", body: map[string]any{"op": "move", "request_id": stop.RequestID, "when": "now"}}).
		want(t, http.StatusBadRequest).problem(t)
	e.do(req{as: coord, method: http.MethodPost, path: week + "/1/edits", body: map[string]any{"op": "teleport", "request_id": stop.RequestID}}).
		want(t, http.StatusUnprocessableEntity).problem(t)
	e.do(req{as: coord, method: http.MethodPost, path: week + "/1/edits", body: map[string]any{"op": "move", "request_id": stop.RequestID,
		"trainer_id": v1.Routes[0].TrainerID, "date": "2025-03-10", "start": "25:99"}}).want(t, http.StatusBadRequest).problem(t)
	if d := before.diff(e.snapshotDocs()); d != "" {
		t.Errorf("refused edits wrote: %s", d)
	}
	// A Russian account reads it in Russian, with the same code.
	e.setLang(coord, "ru")
	ru := e.do(req{as: coord, method: http.MethodPost, path: week + "/1/edits", body: offDay}).
		want(t, http.StatusUnprocessableEntity).problem(t)
	if !strings.Contains(ru.Detail, "не работает 11 марта (вт)") || ru.Refusal == nil || ru.Refusal.Code != models.RefusalTrainerOff {
		t.Errorf("refusal for a Russian account: %q, %+v", ru.Detail, ru.Refusal)
	}
	e.setLang(coord, "en")
	res := e.do(req{as: coord, method: http.MethodPost, path: week + "/1/edits", body: map[string]any{"op": "unassign", "request_id": stop.RequestID}}).
		want(t, http.StatusCreated)
	res.decode(t, &v2)
	if v2.Version != 2 || v2.BasedOn != 1 || len(v2.Edits) != 1 || v2.Edits[0].By != e.users[coord].ID || res.header.Get("Location") != week+"/2" {
		t.Errorf("edited plan: version %d based on %d, edits %+v, Location %q", v2.Version, v2.BasedOn, v2.Edits, res.header.Get("Location"))
	}
	// Version 1 was edited already: a second edit of it is a conflict.
	e.do(req{as: coord, method: http.MethodPost, path: week + "/1/edits", body: map[string]any{"op": "unassign", "request_id": stop.RequestID}}).
		want(t, http.StatusConflict).problem(t)
}
