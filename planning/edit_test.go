package planning_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/planning"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
	"github.com/fieldvisit/fieldvisit/travel"
)

const editWeek models.Date = "2026-12-07"

type editWorld struct {
	st       *store.Store
	p        *planning.Planner
	plan     *models.Plan
	loc      *time.Location
	trainers []models.Trainer
	requests map[string]models.Request
}

func newEditWorld(t *testing.T) *editWorld {
	t.Helper()
	ctx := context.Background()
	s := storetest.Store(t, nil)
	reqs := seedWeek(t, s)
	moscow := testkit.Moscow(t)
	p, err := planning.NewPlanner(planning.Config{Store: s, Travel: travel.DefaultModel(), Location: moscow, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := p.PlanWeek(ctx, editWeek, "test")
	if err != nil {
		t.Fatal(err)
	}
	trainers, err := s.Trainers(ctx, models.TrainerFilter{}, models.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	w := &editWorld{st: s, p: p, plan: plan, loc: moscow, trainers: trainers, requests: map[string]models.Request{}}
	for _, r := range reqs {
		w.requests[r.ID] = r
	}
	return w
}

// where finds the route and stop of request id in plan.
func where(plan *models.Plan, id string) (*models.PlanRoute, *models.PlanStop) {
	for i := range plan.Routes {
		for j := range plan.Routes[i].Stops {
			if plan.Routes[i].Stops[j].RequestID == id {
				return &plan.Routes[i], &plan.Routes[i].Stops[j]
			}
		}
	}
	return nil, nil
}

func (w *editWorld) trainer(t *testing.T, skills ...string) models.Trainer {
	t.Helper()
	for _, tr := range w.trainers {
		if slices.Equal(tr.Skills, skills) {
			return tr
		}
	}
	t.Fatalf("no trainer with skills %v", skills)
	return models.Trainer{}
}

// planCount counts the stored versions of the week.
func (w *editWorld) planCount(t *testing.T) int {
	t.Helper()
	list, err := w.st.Plans(context.Background(), editWeek)
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// unchangedElsewhere checks that every stop of next outside the routes of
// the named trainer-days is where it was in prev, to the minute.
func unchangedElsewhere(t *testing.T, prev, next *models.Plan, affected ...string) {
	t.Helper()
	for _, r := range prev.Routes {
		if slices.Contains(affected, r.TrainerID+"/"+string(r.Date)) {
			continue
		}
		for _, s := range r.Stops {
			nr, ns := where(next, s.RequestID)
			if slices.Contains(affected, nr.TrainerID+"/"+string(nr.Date)) {
				continue
			}
			if nr == nil || nr.TrainerID != r.TrainerID || nr.Date != r.Date || !ns.Start.Equal(s.Start) {
				t.Errorf("request %s on an untouched route moved from %s %s %s", s.RequestID, r.TrainerID, r.Date, s.Start)
			}
		}
	}
}

func TestEditOps(t *testing.T) {
	ctx := context.Background()
	w := newEditWorld(t)
	base := w.plan
	both := w.trainer(t, "conflict", "registry")

	// Unassign the first stop of the first route.
	victim := base.Routes[0].Stops[0]
	from := base.Routes[0]
	v2, err := w.p.ApplyEdit(ctx, editWeek, base.Version, planning.Edit{Op: models.EditUnassign, RequestID: victim.RequestID}, "coord-1")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := where(v2, victim.RequestID); r != nil || v2.KPIs.Scheduled != base.KPIs.Scheduled-1 || v2.KPIs.Requests != base.KPIs.Requests {
		t.Errorf("after unassign: on %v, %d of %d scheduled (was %d of %d)", r, v2.KPIs.Scheduled, v2.KPIs.Requests, base.KPIs.Scheduled, base.KPIs.Requests)
	}
	if !slices.ContainsFunc(v2.Unassigned, func(u models.Unassigned) bool { return u.RequestID == victim.RequestID && u.Reason == "unassigned" }) {
		t.Errorf("the unassigned request is not listed: %+v", v2.Unassigned)
	}
	if v2.BasedOn != base.Version || len(v2.Edits) != 1 || v2.Edits[0].By != "coord-1" || v2.Status != models.PlanDraft {
		t.Errorf("edit record: based on %d, edits %+v, %s", v2.BasedOn, v2.Edits, v2.Status)
	}
	unchangedElsewhere(t, base, v2, from.TrainerID+"/"+string(from.Date))

	// The same version again: someone edited it first.
	if _, err := w.p.ApplyEdit(ctx, editWeek, base.Version, planning.Edit{Op: models.EditUnassign, RequestID: victim.RequestID}, "coord-2"); !errors.Is(err, models.ErrConflict) {
		t.Errorf("a second edit of version %d: %v, want a conflict", base.Version, err)
	}

	// Assign it back where it was.
	v3, err := w.p.ApplyEdit(ctx, editWeek, v2.Version, planning.Edit{Op: models.EditAssign, RequestID: victim.RequestID, TrainerID: from.TrainerID, Date: from.Date}, "coord-1")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := where(v3, victim.RequestID); r == nil || r.TrainerID != from.TrainerID || r.Date != from.Date {
		t.Errorf("assigned to %+v", r)
	}
	if slices.ContainsFunc(v3.Unassigned, func(u models.Unassigned) bool { return u.RequestID == victim.RequestID }) {
		t.Error("the assigned request is still listed as unassigned")
	}

	// Move a request to another trainer with its skill on a day they work
	// and have room, at a time of the engine's choice.
	var moved models.PlanStop
	var dest models.Trainer
	var to models.Date
	for _, r := range v3.Routes {
		for _, s := range r.Stops {
			for _, tr := range w.trainers {
				if moved.RequestID != "" || tr.ID == r.TrainerID || !slices.Contains(tr.Skills, w.requests[s.RequestID].Skills[0]) {
					continue
				}
				for d := range 5 {
					date := editWeek.AddDays(d)
					if len(tr.Availability.Windows(date)) == 0 || (date >= w.requests[s.RequestID].DueDate && false) {
						continue
					}
					if route, _ := routeOf(v3, tr.ID, date); route == nil || len(route.Stops) < 2 {
						moved, dest, to = s, tr, date
						break
					}
				}
			}
		}
	}
	if moved.RequestID == "" {
		t.Fatal("no request to move")
	}
	both = dest
	oldRoute, _ := where(v3, moved.RequestID)
	v4, err := w.p.ApplyEdit(ctx, editWeek, v3.Version, planning.Edit{Op: models.EditMove, RequestID: moved.RequestID, TrainerID: both.ID, Date: to}, "coord-1")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := where(v4, moved.RequestID); r == nil || r.TrainerID != both.ID || r.Date != to {
		t.Errorf("moved to %+v", r)
	}
	unchangedElsewhere(t, v3, v4, oldRoute.TrainerID+"/"+string(oldRoute.Date), both.ID+"/"+string(to))

	// Swap two requests of the same skill on different routes.
	a, b := swappable(t, w, v4)
	ra, _ := where(v4, a)
	rb, _ := where(v4, b)
	v5, err := w.p.ApplyEdit(ctx, editWeek, v4.Version, planning.Edit{Op: models.EditSwap, RequestIDs: []string{a, b}}, "coord-1")
	if err != nil {
		t.Fatal(err)
	}
	na, _ := where(v5, a)
	nb, _ := where(v5, b)
	if na.TrainerID != rb.TrainerID || na.Date != rb.Date || nb.TrainerID != ra.TrainerID || nb.Date != ra.Date {
		t.Errorf("swap: %s now %s %s, %s now %s %s", a, na.TrainerID, na.Date, b, nb.TrainerID, nb.Date)
	}
	if len(v5.Edits) != 4 || len(v5.Pins) == 0 {
		t.Errorf("edits %d, pins %+v", len(v5.Edits), v5.Pins)
	}

	// Later runs keep the edits: the moved request stays with its trainer
	// and day, the swapped ones where the swap put them.
	next, err := w.p.PlanWeek(ctx, editWeek, "test")
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]*models.PlanRoute{a: na, b: nb} {
		if got, _ := where(next, id); got == nil || got.TrainerID != want.TrainerID || got.Date != want.Date {
			t.Errorf("a later run put edited request %s on %+v, want %s %s", id, got, want.TrainerID, want.Date)
		}
	}
	if len(next.Pins) != len(v5.Pins) {
		t.Errorf("a later run carries %d edit pins, want %d", len(next.Pins), len(v5.Pins))
	}
}

func routeOf(plan *models.Plan, trainer string, date models.Date) (*models.PlanRoute, int) {
	for i := range plan.Routes {
		if plan.Routes[i].TrainerID == trainer && plan.Routes[i].Date == date {
			return &plan.Routes[i], i
		}
	}
	return nil, -1
}

// swappable finds two requests of the same skill on routes of different
// trainers who both have it.
func swappable(t *testing.T, w *editWorld, plan *models.Plan) (string, string) {
	t.Helper()
	skillsOf := map[string][]string{}
	for _, tr := range w.trainers {
		skillsOf[tr.ID] = tr.Skills
	}
	for _, r1 := range plan.Routes {
		for _, s1 := range r1.Stops {
			for _, r2 := range plan.Routes {
				for _, s2 := range r2.Stops {
					k1, k2 := w.requests[s1.RequestID].Skills[0], w.requests[s2.RequestID].Skills[0]
					if r1.TrainerID != r2.TrainerID && k1 == k2 && slices.Contains(skillsOf[r1.TrainerID], k2) && slices.Contains(skillsOf[r2.TrainerID], k1) &&
						s1.Kind == s2.Kind {
						return s1.RequestID, s2.RequestID
					}
				}
			}
		}
	}
	t.Fatal("no two requests to swap")
	return "", ""
}

// TestEditRefusals: each reason in words, and nothing written.
func TestEditRefusals(t *testing.T) {
	ctx := context.Background()
	w := newEditWorld(t)
	base := w.plan
	onlyRegistry := w.trainer(t, "registry")
	onlyConflict := w.trainer(t, "conflict")
	both := w.trainer(t, "conflict", "registry")
	var conflictReq, registryReq string
	for _, r := range base.Routes {
		for _, s := range r.Stops {
			switch w.requests[s.RequestID].Skills[0] {
			case "conflict":
				conflictReq = s.RequestID
			case "registry":
				registryReq = s.RequestID
			}
		}
	}
	at := func(s string) *models.TimeOfDay { t := mustTOD(s); return &t }

	// A trainer-day with one visit (the other taken out by an edit), whose
	// time a coordinator's pin holds; the request to move there is another
	// clinic's with a skill the trainer has.
	host := base.Routes[0]
	out := host.Stops[0]
	edited, err := w.p.ApplyEdit(ctx, editWeek, base.Version, planning.Edit{Op: models.EditUnassign, RequestID: out.RequestID}, "coord-1")
	if err != nil {
		t.Fatal(err)
	}
	hostRoute, _ := routeOf(edited, host.TrainerID, host.Date)
	if hostRoute == nil || len(hostRoute.Stops) != 1 {
		t.Fatalf("the host route after the unassign: %+v", hostRoute)
	}
	fixed := hostRoute.Stops[0]
	req, err := w.st.Request(ctx, fixed.RequestID)
	if err != nil {
		t.Fatal(err)
	}
	start := models.TimeOfDay(fixed.Start.In(w.loc).Hour()*60 + fixed.Start.In(w.loc).Minute())
	req.Pin = &models.Pin{TrainerID: host.TrainerID, Date: host.Date, Start: &start}
	if err := w.st.UpdateRequest(ctx, req); err != nil {
		t.Fatal(err)
	}
	hostSkills := w.trainers[slices.IndexFunc(w.trainers, func(tr models.Trainer) bool { return tr.ID == host.TrainerID })].Skills
	var guest string
	var full *models.PlanRoute
	for i, r := range edited.Routes {
		for _, s := range r.Stops {
			if s.ClinicID != fixed.ClinicID && r.TrainerID != host.TrainerID && s.Kind == models.KindOnsiteSupport &&
				slices.Contains(hostSkills, w.requests[s.RequestID].Skills[0]) {
				guest = s.RequestID
			}
		}
		if len(r.Stops) == 2 && slices.Contains(w.trainers[slices.IndexFunc(w.trainers, func(tr models.Trainer) bool { return tr.ID == r.TrainerID })].Skills, "conflict") &&
			!slices.ContainsFunc(r.Stops, func(s models.PlanStop) bool { return s.RequestID == conflictReq }) {
			full = &edited.Routes[i]
		}
	}
	if guest == "" || full == nil {
		t.Fatalf("no guest request (%q) or full route (%v) for the time cases", guest, full)
	}
	base = edited

	type refusal struct {
		name string
		edit planning.Edit
		code string
		want string
	}
	cases := []refusal{
		{"skill missing", planning.Edit{Op: models.EditMove, RequestID: conflictReq, TrainerID: onlyRegistry.ID, Date: "2026-12-07"},
			models.RefusalMissingSkill, "lacks the skill conflict"},
		{"trainer off (override)", planning.Edit{Op: models.EditMove, RequestID: registryReq, TrainerID: both.ID, Date: "2026-12-09"},
			models.RefusalTrainerOff, both.Name + " is off on Wed 9 December"},
		{"trainer off (not a working day)", planning.Edit{Op: models.EditMove, RequestID: conflictReq, TrainerID: onlyConflict.ID, Date: "2026-12-08"},
			models.RefusalTrainerOff, onlyConflict.Name + " is off on Tue 8 December"},
		{"outside the clinic's hours", planning.Edit{Op: models.EditMove, RequestID: conflictReq, TrainerID: onlyConflict.ID, Date: "2026-12-07", Start: at("18:30")},
			models.RefusalStartOutsideClinic, "at 18:30 on Mon 7 December is outside the clinic's hours"},
		{"not in the plan", planning.Edit{Op: models.EditSwap, RequestIDs: []string{conflictReq, "0123456789abcdef01234567"}},
			models.RefusalNotOpen, "request 0123456789abcdef01234567 is not open"},
	}
	// Trainer "conflict" works only the afternoon of Friday.
	late := onlyConflict
	late.Overrides = append(late.Overrides, models.DateOverride{Date: "2026-12-11", Windows: []models.Window{{Start: mustTOD("13:00"), End: mustTOD("17:00")}}})
	if err := w.st.UpdateTrainer(ctx, &late); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, refusal{"outside the trainer's hours", planning.Edit{Op: models.EditMove, RequestID: conflictReq, TrainerID: onlyConflict.ID,
		Date: "2026-12-11", Start: at("10:00")}, models.RefusalOutsideShift, "outside Trainer 0's working hours on Fri 11 December (13:00–17:00)"})
	end := fixed.End.In(w.loc)
	startBefore := fixed.Start.In(w.loc).Add(-30 * time.Minute)
	cases = append(cases,
		refusal{"travel from the previous stop", planning.Edit{Op: models.EditMove, RequestID: guest, TrainerID: host.TrainerID, Date: host.Date,
			Start: at(end.Format("15:04"))}, models.RefusalTravel, "travel from the previous stop"},
		refusal{"no room", planning.Edit{Op: models.EditMove, RequestID: guest, TrainerID: host.TrainerID, Date: host.Date,
			Start: at(startBefore.Format("15:04"))}, models.RefusalNoRoomAt, "no room between"},
		refusal{"a full day", planning.Edit{Op: models.EditMove, RequestID: conflictReq, TrainerID: full.TrainerID, Date: full.Date},
			models.RefusalDayFull, "already has 2 visits"},
	)
	before := w.planCount(t)
	for _, c := range cases {
		_, err := w.p.ApplyEdit(ctx, editWeek, base.Version, c.edit, "coord-1")
		var refused *planning.EditError
		if !errors.As(err, &refused) || refused.Refusal.Code != c.code || !strings.Contains(refused.Why("en"), c.want) {
			t.Errorf("%s: %v, want a refusal %s saying %q", c.name, err, c.code, c.want)
			continue
		}
		// The reader's language words it; the log's is English.
		if ru := refused.Why("ru"); ru == "" || ru == refused.Why("en") || !strings.Contains(err.Error(), refused.Why("en")) {
			t.Errorf("%s: ru %q, en %q, error %q", c.name, ru, refused.Why("en"), err)
		}
		t.Logf("%s: %s / %s", c.name, refused.Why("en"), refused.Why("ru"))
	}
	// Shapes are checked before anything is read.
	for _, bad := range []planning.Edit{
		{Op: "teleport", RequestID: conflictReq},
		{Op: models.EditMove, RequestID: conflictReq},
		{Op: models.EditSwap, RequestIDs: []string{conflictReq}},
		{Op: models.EditAssign, RequestID: conflictReq, TrainerID: both.ID, Date: "2026-12-07", Start: at("10:00")},
	} {
		var v *models.ValidationError
		if _, err := w.p.ApplyEdit(ctx, editWeek, base.Version, bad, "coord-1"); !errors.As(err, &v) {
			t.Errorf("%+v: %v, want a validation error", bad, err)
		}
	}
	if after := w.planCount(t); after != before {
		t.Errorf("refused edits saved %d plans", after-before)
	}
	if p, err := w.st.Plan(ctx, editWeek, base.Version); err != nil || p.Edited {
		t.Errorf("refused edits marked the version edited: %+v, %v", p, err)
	}
}

// TestEditRace: two coordinators edit the same version at once; one wins,
// the other gets a conflict, and one new version exists.
func TestEditRace(t *testing.T) {
	ctx := context.Background()
	w := newEditWorld(t)
	before := w.planCount(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stop := w.plan.Routes[i%len(w.plan.Routes)].Stops[0]
			_, errs[i] = w.p.ApplyEdit(ctx, editWeek, w.plan.Version, planning.Edit{Op: models.EditUnassign, RequestID: stop.RequestID}, "coord")
		}()
	}
	wg.Wait()
	ok, conflicts := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, models.ErrConflict):
			conflicts++
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 || conflicts != 1 {
		t.Errorf("%d edits won, %d conflicted; want one each", ok, conflicts)
	}
	if after := w.planCount(t); after != before+1 {
		t.Errorf("%d new versions, want 1", after-before)
	}
}

// TestEditUnassignClosedRequest: taking out a visit whose request was
// cancelled after the draft was made is refused in words, not a crash, and
// writes nothing.
func TestEditUnassignClosedRequest(t *testing.T) {
	ctx := context.Background()
	w := newEditWorld(t)
	base := w.plan
	if len(base.Routes) == 0 || len(base.Routes[0].Stops) == 0 {
		t.Fatal("the draft has no stops")
	}
	id := base.Routes[0].Stops[0].RequestID
	r, err := w.st.Request(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.SetRequestStatus(ctx, id, r.Version, models.StatusCancelled); err != nil {
		t.Fatal(err)
	}
	before := w.planCount(t)
	_, err = w.p.ApplyEdit(ctx, editWeek, base.Version, planning.Edit{Op: models.EditUnassign, RequestID: id}, "coord-1")
	var refused *planning.EditError
	if !errors.As(err, &refused) || refused.Refusal.Code != models.RefusalNotOpen || !strings.Contains(refused.Why("en"), "not open") ||
		refused.Refusal.Request == nil || refused.Refusal.Request.Name == "" {
		t.Fatalf("unassigning a cancelled request: %v, want a refusal saying it is not open", err)
	}
	if after := w.planCount(t); after != before {
		t.Errorf("the refused edit saved %d plans", after-before)
	}
}
