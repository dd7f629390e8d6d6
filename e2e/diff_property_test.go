package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/handlers"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/planning"
	"github.com/fieldvisit/fieldvisit/publish"
)

// TestDiffEqualsPublishRandomSequences publishes a week, then applies a
// random sequence of hand edits, absences (through the API), accepted
// clinic change requests and re-plans, and publishes the latest draft: the
// preview's added, moved and dropped visits must be exactly what the
// publication reports and what changed in the store, its mails exactly
// what was enqueued and what arrived at the SMTP server, and the draft's
// kpis.moved its moved plus dropped count. Each seed logs its operations
// so a failure can be replayed.
func TestDiffEqualsPublishRandomSequences(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { diffEqualsPublish(t, seed) })
	}
}

// sequence is one random run's state: the service, its API and the newest
// draft the operations produced (0 while there is none).
type sequence struct {
	t       *testing.T
	s       *service
	a       *api
	rng     *rand.Rand
	latest  int
	absent  map[string]bool
	clinics map[string]bool
}

func diffEqualsPublish(t *testing.T, seed uint64) {
	s := newService(t)
	rng := rand.New(rand.NewPCG(seed, 8))
	addRequests(t, s, rng, 14)
	q := &sequence{t: t, s: s, a: newAPI(t, s), rng: rng, absent: map[string]bool{}, clinics: map[string]bool{}}
	s.replan(t, planning.RunOptions{})
	s.drain(t) // the API's own mails (none expected yet) stay out of the publication's

	ops := []struct {
		name string
		do   func() string
	}{{"edit", q.edit}, {"absence", q.absence}, {"change request", q.changeRequest}, {"re-plan", q.replan}}
	n := 3 + rng.IntN(3)
	var done []string
	for i := range n {
		op := ops[rng.IntN(len(ops))]
		what := op.do()
		done = append(done, fmt.Sprintf("%d. %s: %s → draft v%d", i+1, op.name, what, q.latest))
		t.Logf("seed %d: %s", seed, done[len(done)-1])
		// The mails the operations send (absence and change-request
		// notices) go out now, so what arrives later is the publication's.
		s.drain(t)
	}
	if q.latest == 0 {
		q.replan()
		t.Logf("seed %d: no operation left a draft; re-planned → v%d", seed, q.latest)
	}
	q.publishAndCompare(seed, done)
}

// replan runs the week through the API.
func (q *sequence) replan() string {
	var plan models.Plan
	q.a.call("coordinator", http.MethodPost, "/api/v1/plans/"+string(week)+"/run", nil, http.StatusCreated, &plan)
	q.latest = plan.Version
	return fmt.Sprintf("%d stops", planStops(&plan))
}

func planStops(p *models.Plan) int {
	n := 0
	for _, r := range p.Routes {
		n += len(r.Stops)
	}
	return n
}

// edit applies one random hand edit to the newest draft (making one first
// if there is none); a refused edit leaves the draft as it was.
func (q *sequence) edit() string {
	t, ctx := q.t, context.Background()
	if q.latest == 0 {
		q.replan()
	}
	plan, err := q.s.st.Plan(ctx, week, q.latest)
	if err != nil {
		t.Fatal(err)
	}
	var stops []string
	for _, r := range plan.Routes {
		for _, st := range r.Stops {
			stops = append(stops, st.RequestID)
		}
	}
	trainers, err := q.s.st.Trainers(ctx, models.TrainerFilter{}, models.Page{Limit: models.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	if len(stops) < 2 || len(trainers) == 0 {
		t.Fatalf("draft v%d has %d stops and the week %d trainers", q.latest, len(stops), len(trainers))
	}
	// Random edits are often refused (a full day, the clinic's hours):
	// try a few so that most sequences change the draft by hand.
	var tried []string
	for range 6 {
		e := q.randomEdit(plan, stops, trainers)
		what := fmt.Sprintf("v%d %s %s", q.latest, e.Op, strings.TrimSpace(e.RequestID+" "+strings.Join(e.RequestIDs, " ")))
		if e.TrainerID != "" {
			what += fmt.Sprintf(" to %s %s", e.TrainerID, e.Date)
		}
		next, err := q.s.Planner.ApplyEdit(ctx, week, q.latest, e, "e2e")
		var refused *planning.EditError
		var invalid *models.ValidationError
		switch {
		case errors.As(err, &refused), errors.As(err, &invalid):
			tried = append(tried, what+" (refused: "+err.Error()+")")
			continue
		case err != nil:
			t.Fatalf("%s: %v", what, err)
		}
		q.latest = next.Version
		return strings.Join(append(tried, what), "; ")
	}
	return strings.Join(tried, "; ")
}

// randomEdit draws one edit of the draft plan among its stops' requests,
// its unassigned requests and the week's trainers.
func (q *sequence) randomEdit(plan *models.Plan, stops []string, trainers []models.Trainer) planning.Edit {
	trainer := trainers[q.rng.IntN(len(trainers))].ID
	day := week.AddDays(q.rng.IntN(5))
	stop := stops[q.rng.IntN(len(stops))]
	var e planning.Edit
	switch k := q.rng.IntN(4); {
	case k == 0:
		e = planning.Edit{Op: models.EditMove, RequestID: stop, TrainerID: trainer, Date: day}
	case k == 1:
		other := stops[q.rng.IntN(len(stops))]
		for other == stop {
			other = stops[q.rng.IntN(len(stops))]
		}
		e = planning.Edit{Op: models.EditSwap, RequestIDs: []string{stop, other}}
	case k == 2 || len(plan.Unassigned) == 0:
		e = planning.Edit{Op: models.EditUnassign, RequestID: stop}
	default:
		e = planning.Edit{Op: models.EditAssign, RequestID: plan.Unassigned[q.rng.IntN(len(plan.Unassigned))].RequestID, TrainerID: trainer, Date: day}
	}
	return e
}

// absence records, through the API, a day off for a random trainer on a
// weekday not already taken off.
func (q *sequence) absence() string {
	t, ctx := q.t, context.Background()
	trainers, err := q.s.st.Trainers(ctx, models.TrainerFilter{}, models.Page{Limit: models.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	// Mostly a trainer-day with booked visits, which is what makes a
	// repair move something; sometimes any trainer-day.
	booked := bookedVisits(t, q.s)
	var tr string
	var day models.Date
	for {
		if len(booked) > 0 && q.rng.IntN(4) > 0 {
			v := booked[q.rng.IntN(len(booked))]
			tr, day = v.TrainerID, v.Date
		} else {
			tr, day = trainers[q.rng.IntN(len(trainers))].ID, week.AddDays(q.rng.IntN(5))
		}
		if !q.absent[tr+" "+string(day)] {
			break
		}
	}
	q.absent[tr+" "+string(day)] = true
	var abs models.Absence
	q.a.call("coordinator", http.MethodPost, "/api/v1/trainers/"+tr+"/absences",
		map[string]any{"from": day, "to": day, "reason": "болезнь"}, http.StatusCreated, &abs)
	if len(abs.Drafts) > 0 {
		q.latest = abs.Drafts[len(abs.Drafts)-1].Version
	}
	return fmt.Sprintf("%s off on %s, %d booked visits affected, %d drafts", tr, day, len(abs.AffectedVisits), len(abs.Drafts))
}

// changeRequest has a booked request's clinic ask for other preferred
// windows, which a coordinator accepts.
func (q *sequence) changeRequest() string {
	t := q.t
	booked := bookedVisits(t, q.s)
	var open []models.Visit
	for _, v := range booked {
		r, err := q.s.st.Request(context.Background(), v.RequestID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status.Open() {
			open = append(open, v)
		}
	}
	if len(open) == 0 {
		return "no booked open request; skipped"
	}
	v := open[q.rng.IntN(len(open))]
	as := q.clinicAccount(v.ClinicID)
	days := []string{"mon", "tue", "wed", "thu", "fri"}
	wd, from := days[q.rng.IntN(len(days))], 9+q.rng.IntN(6)
	windows := map[string]any{wd: []map[string]string{{"start": fmt.Sprintf("%02d:00", from), "end": fmt.Sprintf("%02d:00", from+3)}}}
	path := "/api/v1/requests/" + v.RequestID + "/change-requests"
	var cr models.ChangeRequest
	q.a.call(as, http.MethodPost, path, map[string]any{"preferred_windows": windows, "comment": "Другое время"}, http.StatusCreated, &cr)
	q.a.call("coordinator", http.MethodPost, path+"/"+cr.ID+"/accept", nil, http.StatusOK, &cr)
	if cr.Draft != nil {
		q.latest = cr.Draft.Version
	}
	return fmt.Sprintf("request %s (visit %s %s) asks for %v, accepted", v.RequestID, v.TrainerID, v.Date, windows)
}

// clinicAccount answers the name of an API account of the clinic, making
// one the first time.
func (q *sequence) clinicAccount(clinicID string) string {
	name := "clinic:" + clinicID
	if q.clinics[clinicID] {
		return name
	}
	ctx := context.Background()
	u := models.User{Role: models.RoleClinic, ClinicID: clinicID, Email: "clinic-" + clinicID + "@fieldvisit.test", Name: name,
		Lang: "ru", PasswordHash: []byte("-")}
	if err := q.s.st.CreateUser(ctx, &u); err != nil {
		q.t.Fatal(err)
	}
	secret, hash := handlers.NewToken()
	if err := q.s.st.CreateToken(ctx, &models.Token{Hash: hash, ID: handlers.NewID(), UserID: u.ID, Kind: models.TokenAPI, Name: "e2e",
		ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		q.t.Fatal(err)
	}
	q.a.tokens[name] = secret
	q.clinics[clinicID] = true
	return name
}

// slotOf is a visit's place and time, as publishing compares them.
func slotOf(v models.Visit) string {
	return fmt.Sprintf("%s %s %s-%s", v.TrainerID, v.Date, v.Start.UTC().Format(time.RFC3339), v.End.UTC().Format(time.RFC3339))
}

// booked maps each request with a scheduled visit of the week to its slot.
func (q *sequence) booked() map[string]string {
	out := map[string]string{}
	for _, v := range bookedVisits(q.t, q.s) {
		if _, dup := out[v.RequestID]; dup {
			q.t.Errorf("request %s has two scheduled visits", v.RequestID)
		}
		out[v.RequestID] = slotOf(v)
	}
	return out
}

func ids(cs []publish.VisitChange) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.RequestID)
	}
	slices.Sort(out)
	return out
}

// mailSet is the sorted "kind → recipients" of each mail.
func mailSet(kinds []string, tos [][]string) []string {
	out := make([]string, 0, len(kinds))
	for i := range kinds {
		to := slices.Sorted(slices.Values(tos[i]))
		out = append(out, kinds[i]+" → "+strings.Join(to, ","))
	}
	slices.Sort(out)
	return out
}

// publishAndCompare previews the newest draft through the API, publishes
// it, dispatches the outbox and checks that all of them agree.
func (q *sequence) publishAndCompare(seed uint64, done []string) {
	t, ctx := q.t, context.Background()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("seed %d, operations:\n  %s\n"+format, append([]any{seed, strings.Join(done, "\n  ")}, args...)...)
	}
	plans := "/api/v1/plans/" + string(week) + "/" + itoa(q.latest)
	before := q.booked()

	var diff publish.ChangeSet
	q.a.call("coordinator", http.MethodGet, plans+"/diff", nil, http.StatusOK, &diff)
	plan, err := q.s.st.Plan(ctx, week, q.latest)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seed %d: v%d diff: %d added, %d moved, %d dropped, %d unchanged, %d mails; kpis.moved %d",
		seed, q.latest, len(diff.Added), len(diff.Moved), len(diff.Dropped), diff.Unchanged, len(diff.Mails), plan.KPIs.Moved)
	if n := len(diff.Moved) + len(diff.Dropped); plan.KPIs.Moved != n || diff.KPIs.Changes != n {
		fail("v%d: kpis.moved %d, diff kpis.changes %d, diff moved+dropped %d", q.latest, plan.KPIs.Moved, diff.KPIs.Changes, n)
	}

	var res publish.Result
	q.a.call("coordinator", http.MethodPost, plans+"/publish", nil, http.StatusOK, &res)
	if res.Created != len(diff.Added) || res.Moved != len(diff.Moved) || res.Cancelled != len(diff.Dropped) || res.Unchanged != diff.Unchanged {
		fail("v%d: publication %+v, diff %d added, %d moved, %d dropped, %d unchanged", q.latest, res,
			len(diff.Added), len(diff.Moved), len(diff.Dropped), diff.Unchanged)
	}

	// What the store shows changed, visit by visit.
	after := q.booked()
	var added, moved, dropped []string
	unchanged := 0
	for id, slot := range after {
		switch old, ok := before[id]; {
		case !ok:
			added = append(added, id)
		case old != slot:
			moved = append(moved, id)
		default:
			unchanged++
		}
	}
	for id := range before {
		if _, ok := after[id]; !ok {
			dropped = append(dropped, id)
		}
	}
	slices.Sort(added)
	slices.Sort(moved)
	slices.Sort(dropped)
	if !slices.Equal(ids(diff.Added), added) || !slices.Equal(ids(diff.Moved), moved) || !slices.Equal(ids(diff.Dropped), dropped) || diff.Unchanged != unchanged {
		fail("v%d: the diff adds %q, moves %q, drops %q, leaves %d; the store added %q, moved %q, dropped %q, left %d",
			q.latest, ids(diff.Added), ids(diff.Moved), ids(diff.Dropped), diff.Unchanged, added, moved, dropped, unchanged)
	}
	for _, c := range diff.Dropped {
		if c.Reason == "" {
			fail("dropped visit of %s has no reason", c.RequestID)
		}
	}

	// The mails: the diff's, the publication's, the outbox's, the SMTP server's.
	var dk, rk []string
	var dt, rt [][]string
	for _, m := range diff.Mails {
		dk, dt = append(dk, m.Kind), append(dt, m.To)
	}
	for _, m := range res.Mails {
		rk, rt = append(rk, m.Kind), append(rt, m.To)
	}
	want := mailSet(dk, dt)
	if got := mailSet(rk, rt); res.Enqueued != len(diff.Mails) || !slices.Equal(got, want) || !slices.Equal(mailKeys(res.Mails), mailKeys(diff.Mails)) {
		fail("v%d: publication enqueued %d mails %q, the diff named %q", q.latest, res.Enqueued, got, want)
	}
	pending, err := q.s.st.OutboxMessages(ctx, models.OutboxPending, models.Page{Limit: models.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	var ok []string
	var ot [][]string
	for _, m := range pending {
		ok, ot = append(ok, m.Kind), append(ot, m.Mail.To)
	}
	if got := mailSet(ok, ot); !slices.Equal(got, want) {
		fail("v%d: the outbox holds %q, the diff named %q", q.latest, got, want)
	}
	// An arrived mail carries no kind: compare recipients per message.
	var at [][]string
	for _, m := range q.s.drain(t) {
		at = append(at, m.rcpt)
	}
	ak, wk := make([]string, len(at)), make([]string, len(dt))
	if got, want := mailSet(ak, at), mailSet(wk, dt); !slices.Equal(got, want) {
		fail("v%d: mail arrived for %q, the diff named %q", q.latest, got, want)
	}
}
