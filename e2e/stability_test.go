package e2e

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/planning"
	"github.com/fieldvisit/fieldvisit/publish"
)

// replan plans the week with opts, previews the new draft, publishes it
// and drains the outbox, checking that the preview, the plan's kpis.moved,
// the publication and the mails that arrive all tell the same story. It
// returns the preview.
func (s *service) replan(t *testing.T, opts planning.RunOptions) *publish.ChangeSet {
	t.Helper()
	ctx := context.Background()
	plan, err := s.planner.PlanWeek(planning.WithRunOptions(ctx, opts), week, "test")
	if err != nil {
		t.Fatal(err)
	}
	diff, err := s.publisher.Preview(ctx, week, plan.Version, 0)
	if err != nil {
		t.Fatal(err)
	}
	if plan.KPIs.Moved != diff.KPIs.Changes {
		t.Errorf("version %d: kpis.moved %d, the diff changes %d (%d moved, %d dropped)",
			plan.Version, plan.KPIs.Moved, diff.KPIs.Changes, len(diff.Moved), len(diff.Dropped))
	}
	res, err := s.publisher.Publish(ctx, week, plan.Version)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != len(diff.Added) || res.Moved != len(diff.Moved) || res.Cancelled != len(diff.Dropped) || res.Unchanged != diff.Unchanged {
		t.Errorf("version %d: publication %+v, preview %d added, %d moved, %d dropped, %d unchanged",
			plan.Version, res, len(diff.Added), len(diff.Moved), len(diff.Dropped), diff.Unchanged)
	}
	if res.Enqueued != len(diff.Mails) || !slices.Equal(mailKeys(res.Mails), mailKeys(diff.Mails)) {
		t.Errorf("version %d: publication enqueued %d mails %q, preview named %q", plan.Version, res.Enqueued, mailKeys(res.Mails), mailKeys(diff.Mails))
	}
	arrived := s.drain(t)
	var got, want []string
	for _, m := range arrived {
		got = append(got, m.rcpt...)
	}
	for _, m := range diff.Mails {
		want = append(want, m.To...)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("version %d: mail arrived for %q, the preview named %q", plan.Version, got, want)
	}
	return diff
}

func mailKeys(ms []publish.PlannedMail) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Key)
	}
	slices.Sort(out)
	return out
}

// changedIDs lists the requests a preview moves or drops.
func changedIDs(cs *publish.ChangeSet) []string {
	var out []string
	for _, c := range slices.Concat(cs.Moved, cs.Dropped) {
		out = append(out, c.RequestID)
	}
	slices.Sort(out)
	return out
}

// addRequests adds n generated requests to the seeded week, so that the
// stability tests run on a fuller week than the hand-made one.
func addRequests(t *testing.T, s *service, rng *rand.Rand, n int) {
	t.Helper()
	ctx := context.Background()
	clinics, err := s.st.Clinics(ctx, models.ClinicFilter{}, models.Page{Limit: models.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	kinds := []models.Kind{models.KindOnsiteSupport, models.KindFollowUp, models.KindDifficultCase}
	for range n {
		first := rng.IntN(4)
		req := &models.Request{ClinicID: clinics[rng.IntN(len(clinics))].ID, Kind: kinds[rng.IntN(len(kinds))], Topic: "Электронная очередь",
			Skills: []string{"support"}, DurationMinutes: 30 + 15*rng.IntN(5), EarliestDate: week.AddDays(first),
			DueDate: week.AddDays(first + 1 + rng.IntN(4-first)), Priority: models.Priorities[rng.IntN(4)], Status: models.StatusNew}
		if err := s.st.CreateRequest(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
}

func bookedVisits(t *testing.T, s *service) []models.Visit {
	t.Helper()
	vs, err := s.st.Visits(context.Background(), models.VisitFilter{Week: week, Statuses: []models.VisitStatus{models.VisitScheduled}})
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestRepairStability publishes a week and re-plans it: with nothing
// changed nothing moves and no mail goes out; after a trainer's day off
// only that trainer-day's visits move; after one request changes only it
// moves. Every step checks preview = publication = mail.
func TestRepairStability(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	addRequests(t, s, rand.New(rand.NewPCG(8, 1)), 20)

	first := s.replan(t, planning.RunOptions{})
	if len(first.Added) < 8 || len(first.Moved)+len(first.Dropped) != 0 {
		t.Fatalf("first publication: %d added, %d moved, %d dropped", len(first.Added), len(first.Moved), len(first.Dropped))
	}
	for _, v := range bookedVisits(t, s) {
		if r, err := s.st.Request(ctx, v.RequestID); err != nil || r.Status != models.StatusConfirmed {
			t.Errorf("request %s of a booked visit: %+v, %v; want confirmed", v.RequestID, r, err)
		}
	}

	for i := range 5 {
		d := s.replan(t, planning.RunOptions{})
		if len(d.Added)+len(d.Moved)+len(d.Dropped)+len(d.Mails) != 0 {
			t.Fatalf("re-plan %d with nothing changed: added %v moved %v dropped %v, %d mails", i+1, d.Added, d.Moved, d.Dropped, len(d.Mails))
		}
	}

	// A day off for the trainer with the most visits on one day.
	booked := bookedVisits(t, s)
	perDay := map[string][]string{}
	for _, v := range booked {
		k := v.TrainerID + " " + string(v.Date)
		perDay[k] = append(perDay[k], v.RequestID)
	}
	var busiest string
	for k, ids := range perDay {
		if busiest == "" || len(ids) > len(perDay[busiest]) || (len(ids) == len(perDay[busiest]) && k < busiest) {
			busiest = k
		}
	}
	trainerID, day, _ := strings.Cut(busiest, " ")
	tr, err := s.st.Trainer(ctx, trainerID)
	if err != nil {
		t.Fatal(err)
	}
	tr.Availability.Overrides = append(tr.Availability.Overrides, models.DateOverride{Date: models.Date(day), Off: true})
	if err := s.st.UpdateTrainer(ctx, tr); err != nil {
		t.Fatal(err)
	}
	d := s.replan(t, planning.RunOptions{})
	off := slices.Sorted(slices.Values(perDay[busiest]))
	if got := changedIDs(d); !slices.Equal(got, off) {
		t.Errorf("after a day off for %s: changed %q, want exactly that day's %q", busiest, got, off)
	}
	if len(d.Mails) == 0 {
		t.Error("the moved visits' people were not told")
	}

	// One request changes: it gets 15 minutes longer.
	booked = bookedVisits(t, s)
	target := booked[len(booked)/2].RequestID
	r, err := s.st.Request(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	r.DurationMinutes += 15
	if err := s.st.UpdateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	d = s.replan(t, planning.RunOptions{})
	if got := changedIDs(d); len(got) > 1 || (len(got) == 1 && got[0] != target) {
		t.Errorf("after request %s changed, changed %q", target, got)
	}
	if n := len(d.Moved) + len(d.Dropped); n != 1 {
		t.Errorf("the longer request did not move: moved %v dropped %v", d.Moved, d.Dropped)
	}

	// And quiet again.
	if d := s.replan(t, planning.RunOptions{}); len(d.Moved)+len(d.Dropped)+len(d.Added)+len(d.Mails) != 0 {
		t.Errorf("re-plan after the changes: %+v", d)
	}
}

// TestOptimiseCapsChanges re-optimises a published week after its
// trainers' days changed, with a cap on how many booked visits may move.
func TestOptimiseCapsChanges(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	addRequests(t, s, rand.New(rand.NewPCG(3, 5)), 8)
	s.replan(t, planning.RunOptions{})

	// Everyone starts an hour later on every day: in a repair this
	// releases only what no longer fits, in an optimisation much could
	// move.
	trainers, err := s.st.Trainers(ctx, models.TrainerFilter{}, models.Page{Limit: models.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range trainers {
		for d := range 5 {
			date := week.AddDays(d)
			ws := tr.Availability.Windows(date)
			if len(ws) == 0 {
				continue
			}
			ws[0].Start += 60
			tr.Availability.Overrides = append(tr.Availability.Overrides, models.DateOverride{Date: date, Windows: ws})
		}
		if err := s.st.UpdateTrainer(ctx, &tr); err != nil {
			t.Fatal(err)
		}
	}
	preview := func(opts planning.RunOptions) *publish.ChangeSet {
		plan, err := s.planner.PlanWeek(planning.WithRunOptions(ctx, opts), week, "test")
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.publisher.Preview(ctx, week, plan.Version, 0)
		if err != nil {
			t.Fatal(err)
		}
		if plan.KPIs.Moved != d.KPIs.Changes {
			t.Errorf("%+v: kpis.moved %d, diff %d", opts, plan.KPIs.Moved, d.KPIs.Changes)
		}
		return d
	}
	repair := preview(planning.RunOptions{})
	free := preview(planning.RunOptions{Mode: models.PlanOptimise})
	zero, two := 0, 2
	capped := preview(planning.RunOptions{Mode: models.PlanOptimise, MaxChanges: &zero})
	cappedTwo := preview(planning.RunOptions{Mode: models.PlanOptimise, MaxChanges: &two})
	t.Logf("changes: repair %d, optimise %d, optimise max 0: %d, optimise max 2: %d",
		repair.KPIs.Changes, free.KPIs.Changes, capped.KPIs.Changes, cappedTwo.KPIs.Changes)
	if repair.KPIs.Changes == 0 {
		t.Fatal("the later starts forced no booked visit to move; the test shows nothing")
	}
	// With no change allowed, only what must move moves: what a repair moves.
	if capped.KPIs.Changes != repair.KPIs.Changes {
		t.Errorf("optimise with max_changes 0 changed %v, a repair %v", changedIDs(capped), changedIDs(repair))
	}
	if cappedTwo.KPIs.Changes > repair.KPIs.Changes+2 {
		t.Errorf("optimise with max_changes 2 changed %d booked visits, %d of them forced", cappedTwo.KPIs.Changes, repair.KPIs.Changes)
	}
}
