package handlers

import (
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// visitOf stores a published visit of request r by trainer tr.
func (e *env) visitOf(r *models.Request, tr *models.Trainer) *models.Visit {
	e.t.Helper()
	start := time.Date(2025, 3, 11, 9, 0, 0, 0, time.UTC)
	v := &models.Visit{ID: r.ID, RequestID: r.ID, ClinicID: r.ClinicID, TrainerID: tr.ID, Week: "2025-03-10", Date: "2025-03-11",
		Start: start, End: start.Add(time.Hour), Kind: r.Kind, Topic: r.Topic, Status: models.VisitScheduled, UID: models.VisitUID(r.ID)}
	if err := e.st.CreateVisit(e.t.Context(), v); err != nil {
		e.t.Fatal(err)
	}
	return v
}

// requestIDs lists the ids of the requests role sees, following pages.
func (e *env) requestIDs(t *testing.T, as, query string) []string {
	t.Helper()
	var ids []string
	after := ""
	for {
		path := "/api/v1/requests?limit=2" + query
		if after != "" {
			path += "&after=" + after
		}
		var page list[models.Request]
		e.do(req{as: as, method: http.MethodGet, path: path}).want(t, http.StatusOK).decode(t, &page)
		for _, r := range page.Items {
			ids = append(ids, r.ID)
		}
		if page.Next == "" {
			return ids
		}
		after = page.Next
	}
}

// TestTrainerSeesOnlyTheirRequests: a trainer sees the requests of their
// own visits and of the stops offered to them in the latest plan of a
// coming week, and no others (nor their clinics' comments); clinics and
// coordinators see as before.
func TestTrainerSeesOnlyTheirRequests(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.requestB.Comment = "the other clinic's private note"
	if err := e.st.UpdateRequest(ctx, e.requestB); err != nil {
		t.Fatal(err)
	}
	visited := e.requestA
	e.visitOf(visited, e.trainerA)
	offered := e.createRequest(e.clinicB.ID)
	superseded := e.createRequest(e.clinicB.ID)
	farAhead := e.createRequest(e.clinicB.ID)
	route := func(trainer *models.Trainer, requests ...*models.Request) models.PlanRoute {
		route := models.PlanRoute{TrainerID: trainer.ID, Date: testWeek}
		for _, r := range requests {
			route.Stops = append(route.Stops, models.PlanStop{RequestID: r.ID, ClinicID: r.ClinicID})
		}
		return route
	}
	plan := func(week models.Date, routes ...models.PlanRoute) {
		if err := e.st.CreatePlan(ctx, &models.Plan{Week: week, Routes: routes}); err != nil {
			t.Fatal(err)
		}
	}
	// Today is Wednesday 2025-03-05: week 2025-03-10 is the next one. Its
	// first plan offered trainer A two stops; the latest offers A one and
	// gives the other to B.
	plan(testWeek, route(e.trainerA, offered, superseded))
	plan(testWeek, route(e.trainerA, offered), route(e.trainerB, superseded))
	plan(models.Date("2025-06-02"), route(e.trainerA, farAhead)) // beyond the weeks a trainer is shown

	got := e.requestIDs(t, trainerA, "")
	want := []string{visited.ID, offered.ID}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("trainer A sees %v, want %v (visited %s, offered %s)", got, want, visited.ID, offered.ID)
	}
	if got := e.requestIDs(t, trainerA, "&status=new&clinic_id="+e.clinicB.ID); !slices.Equal(got, []string{offered.ID}) {
		t.Errorf("filtered: %v, want only %s", got, offered.ID)
	}
	// Trainer B sees only the stop the latest plan gives B.
	if got := e.requestIDs(t, trainerB, ""); !slices.Equal(got, []string{superseded.ID}) {
		t.Errorf("trainer B sees %v, want %v", got, []string{superseded.ID})
	}
	for _, r := range []*models.Request{e.requestB, superseded, farAhead} {
		e.do(req{as: trainerA, method: http.MethodGet, path: "/api/v1/requests/" + r.ID}).want(t, http.StatusNotFound).problem(t)
	}
	for _, r := range []*models.Request{visited, offered} {
		e.do(req{as: trainerA, method: http.MethodGet, path: "/api/v1/requests/" + r.ID}).want(t, http.StatusOK)
	}
	// A trainer with nothing to do sees nothing (an empty list of ids is
	// not "no filter").
	nobody := e.createTrainer()
	ids, err := e.srv.trainerRequestIDs(ctx, nobody.ID)
	if err != nil || ids == nil || len(ids) != 0 {
		t.Fatalf("ids of a trainer with nothing: %v, %v; want an empty list", ids, err)
	}
	if none, err := e.st.Requests(ctx, models.RequestFilter{IDs: ids}, models.Page{Limit: 10}); err != nil || len(none) != 0 {
		t.Errorf("requests of no ids: %d, %v", len(none), err)
	}
	if got := len(e.requestIDs(t, coord, "")); got != 5 {
		t.Errorf("the coordinator sees %d requests, want all 5", got)
	}
	if got := e.requestIDs(t, clinicA, ""); !slices.Equal(got, []string{visited.ID}) {
		t.Errorf("clinic A sees %v", got)
	}
}

// TestVisitsPage: GET /visits pages like every list: at most limit items by
// id, next is the cursor for after, filters and roles apply on every page.
func TestVisitsPage(t *testing.T) {
	e := newEnv(t)
	var mine, theirs []string
	for i := range 5 {
		r := e.createRequest(e.clinicA.ID)
		tr := e.trainerA
		if i%2 == 1 {
			tr = e.trainerB
		}
		v := e.visitOf(r, tr)
		if tr == e.trainerA {
			mine = append(mine, v.ID)
		} else {
			theirs = append(theirs, v.ID)
		}
	}
	all := slices.Sorted(slices.Values(append(slices.Clone(mine), theirs...)))
	pages := func(as, query string, limit int) (ids []string, n int) {
		after := ""
		for {
			path := "/api/v1/visits?limit=" + strconv.Itoa(limit) + query
			if after != "" {
				path += "&after=" + after
			}
			var page list[models.Visit]
			e.do(req{as: as, method: http.MethodGet, path: path}).want(t, http.StatusOK).decode(t, &page)
			if len(page.Items) > limit {
				t.Fatalf("%d items on a page of %d", len(page.Items), limit)
			}
			n++
			for _, v := range page.Items {
				ids = append(ids, v.ID)
			}
			if page.Next == "" {
				return ids, n
			}
			after = page.Next
		}
	}
	if got, n := pages(coord, "", 2); !slices.Equal(got, all) || n != 3 {
		t.Errorf("coordinator: %v in %d pages, want %v in 3", got, n, all)
	}
	if got, _ := pages(coord, "&trainer_id="+e.trainerB.ID, 1); !slices.Equal(got, theirs) {
		t.Errorf("filtered by trainer B: %v, want %v", got, theirs)
	}
	if got, _ := pages(trainerA, "", 2); !slices.Equal(got, mine) {
		t.Errorf("trainer A: %v, want %v", got, mine)
	}
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/visits?limit=0"}).want(t, http.StatusBadRequest).problem(t)
	e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/visits?after=nope"}).want(t, http.StatusBadRequest).problem(t)
}
