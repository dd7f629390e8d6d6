package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/publish"
	"github.com/fieldvisit/fieldvisit/store"
)

// savingPlanner is a small real WeekPlanner: it saves an empty draft plan
// of the week in its store and records who planned what. When gate is set,
// it waits for gate to close (or its context to end) before saving,
// playing a long planning run.
type savingPlanner struct {
	store  *store.Store
	holder string
	calls  *callLog
	gate   chan struct{}
	// started, when set, is closed when the first call begins.
	started chan struct{}
}

type callLog struct {
	mu    sync.Mutex
	calls []string // "<holder> <week> <trigger>"
}

func (l *callLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, s)
}

func (l *callLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.calls...)
}

func (p *savingPlanner) PlanWeek(ctx context.Context, week models.Date, trigger string) (*models.Plan, error) {
	p.calls.add(fmt.Sprintf("%s %s %s", p.holder, week, trigger))
	if p.started != nil {
		close(p.started)
		p.started = nil
	}
	if p.gate != nil {
		select {
		case <-p.gate:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
	plan := &models.Plan{Week: week, Trigger: trigger, KPIs: models.PlanKPIs{Requests: 3, Scheduled: 2},
		Unassigned: []models.Unassigned{{RequestID: "r3", Reason: "no_skill"}}}
	if err := p.store.CreatePlan(ctx, plan); err != nil {
		return nil, err
	}
	plan.Phases = []models.PlanPhase{{Name: "load", Took: 5 * time.Millisecond},
		{Name: "solve", Round: 1, Took: 900 * time.Millisecond, Limit: time.Second, Left: 1500 * time.Millisecond}}
	return plan, nil
}

func newRunner(t *testing.T, s *store.Store, planner jobs.WeekPlanner, holder string, renewEvery time.Duration, pub jobs.Publisher) *jobs.PlanRunner {
	t.Helper()
	r, err := jobs.NewPlanRunner(jobs.PlanRunnerConfig{
		Store: s, Planner: planner, Holder: holder, Location: testkit.Moscow(t),
		LeaseTTL: time.Minute, RenewEvery: renewEvery,
		Publisher: pub, AutoPublish: pub != nil,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestPlanTickRunsOnce: two instances, each with its own client, fire for
// the same ticks; exactly one plans each tick, and each run is recorded.
func TestPlanTickRunsOnce(t *testing.T) {
	ctx := context.Background()
	stores, _ := instances(t, 2)
	calls := &callLog{}
	var runners []*jobs.PlanRunner
	for i, s := range stores {
		holder := fmt.Sprintf("instance-%d", i)
		runners = append(runners, newRunner(t, s, &savingPlanner{store: s, holder: holder, calls: calls}, holder, 20*time.Second, nil))
	}
	loc := testkit.Moscow(t)
	const ticks = 12
	first := time.Date(2026, 12, 1, 2, 0, 0, 0, loc) // a Tuesday
	for i := range ticks {
		tick := first.AddDate(0, 0, i)
		var wg sync.WaitGroup
		errs := make([]error, len(runners))
		for j, r := range runners {
			wg.Go(func() { errs[j] = r.RunTick(ctx, tick) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("tick %s: %v", tick, err)
			}
		}
		if n := len(calls.list()); n != i+1 {
			t.Fatalf("after tick %d of %s: %d planning calls, want %d: %q", i+1, tick, n, i+1, calls.list())
		}
	}

	// The ticks of Tue 1 – Sun 6 Dec plan the week of 7 Dec, those of
	// Mon 7 – Sat 12 Dec the week of 14 Dec.
	perWeek := map[models.Date]int{}
	for _, c := range calls.list() {
		var holder, week, trigger string
		if _, err := fmt.Sscan(c, &holder, &week, &trigger); err != nil {
			t.Fatal(err)
		}
		perWeek[models.Date(week)]++
	}
	if perWeek["2026-12-07"] != 6 || perWeek["2026-12-14"] != 6 {
		t.Fatalf("plans per week = %v, want 6 for 2026-12-07 and 6 for 2026-12-14", perWeek)
	}
	plans, err := stores[0].Plans(ctx, "2026-12-14")
	if err != nil || len(plans) != 6 {
		t.Fatalf("stored plans of 2026-12-14 = %d, %v; want 6", len(plans), err)
	}
	runs, err := stores[1].JobRuns(ctx, jobs.JobPlan, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != ticks {
		t.Fatalf("%d job runs recorded, want %d", len(runs), ticks)
	}
	for _, r := range runs {
		if r.Outcome != jobs.OutcomeOK || r.FinishedAt == nil || r.Figures["plan_version"] == nil || r.Figures["unassigned"] == nil {
			t.Fatalf("job run = %+v", r)
		}
		checkPhaseFigures(t, r.Figures["phases"])
	}
}

// checkPhaseFigures: the planner's phases reach the job run with their
// milliseconds, and a solve round with its limit and what remained.
func checkPhaseFigures(t *testing.T, figure any) {
	t.Helper()
	raw, err := bson.Marshal(bson.M{"phases": figure})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Phases []struct {
			Name        string `bson:"name"`
			Round       int    `bson:"round"`
			Millis      int64  `bson:"millis"`
			LimitMillis int64  `bson:"limit_millis"`
			LeftMillis  int64  `bson:"left_millis"`
		} `bson:"phases"`
	}
	if err := bson.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	ph := got.Phases
	if len(ph) != 2 || ph[0].Name != "load" || ph[0].Millis != 5 || ph[0].Round != 0 ||
		ph[1].Name != "solve" || ph[1].Round != 1 || ph[1].Millis != 900 || ph[1].LimitMillis != 1000 || ph[1].LeftMillis != 1500 {
		t.Fatalf("phases in the job run = %+v", ph)
	}
}

// TestPlanTakeoverAfterExpiry: the instance that claimed a tick stops
// renewing (it froze); the other cannot take the tick while the lease is
// live, and takes it over once it has expired.
func TestPlanTakeoverAfterExpiry(t *testing.T) {
	ctx := context.Background()
	stores, clock := instances(t, 2)
	calls := &callLog{}
	loc := testkit.Moscow(t)
	tick := time.Date(2026, 12, 3, 2, 0, 0, 0, loc)

	// A never renews within the test: its interval is longer than the test.
	started := make(chan struct{})
	frozen := &savingPlanner{store: stores[0], holder: "a", calls: calls, gate: make(chan struct{}), started: started}
	a := newRunner(t, stores[0], frozen, "a", 59*time.Second, nil)
	b := newRunner(t, stores[1], &savingPlanner{store: stores[1], holder: "b", calls: calls}, "b", 20*time.Second, nil)

	actx, kill := context.WithCancel(ctx)
	aDone := make(chan error)
	go func() { aDone <- a.RunTick(actx, tick) }()
	<-started

	if err := b.RunTick(ctx, tick); err != nil {
		t.Fatal(err)
	}
	if got := calls.list(); len(got) != 1 {
		t.Fatalf("B planned while A's lease was live: %q", got)
	}
	clock.Advance(time.Minute + time.Second)
	if err := b.RunTick(ctx, tick); err != nil {
		t.Fatal(err)
	}
	kill() // A is gone for good
	if err := <-aDone; err == nil {
		t.Fatal("the killed run reported success")
	}

	got := calls.list()
	want := []string{"a 2026-12-07 cron@2026-12-03T02:00:00+03:00", "b 2026-12-07 cron@2026-12-03T02:00:00+03:00"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("calls = %q, want %q", got, want)
	}
	plans, err := stores[0].Plans(ctx, "2026-12-07")
	if err != nil || len(plans) != 1 {
		t.Fatalf("plans = %d, %v; want B's one", len(plans), err)
	}
	leases, err := stores[0].Leases(ctx, jobs.TickResource("2026-12-07", tick))
	if err != nil {
		t.Fatal(err)
	}
	if len(leases) != 2 || leases[0].Holder != "a" || leases[1].Holder != "b" || !leases[1].Done {
		t.Fatalf("leases = %+v, want a's attempt 1 and b's attempt 2, done", leases)
	}
	if err := b.RunTick(ctx, tick); err != nil || len(calls.list()) != 2 {
		t.Fatalf("a third firing of a completed tick: %v, calls %q", err, calls.list())
	}
}

// TestPlanStopsWhenLeaseLost: a holder that comes back after its lease
// expired finds its renewal refused and stops planning.
func TestPlanStopsWhenLeaseLost(t *testing.T) {
	ctx := context.Background()
	stores, clock := instances(t, 1)
	calls := &callLog{}
	started := make(chan struct{})
	planner := &savingPlanner{store: stores[0], holder: "a", calls: calls, gate: make(chan struct{}), started: started}
	a := newRunner(t, stores[0], planner, "a", 5*time.Millisecond, nil)

	done := make(chan error)
	go func() {
		_, err := a.Plan(ctx, "2026-12-07", "cli")
		done <- err
	}()
	<-started
	clock.Advance(2 * time.Minute) // A froze past its lease
	err := <-done
	if !errors.Is(err, jobs.ErrLeaseLost) {
		t.Fatalf("err = %v, want ErrLeaseLost", err)
	}
	runs, err := stores[0].JobRuns(ctx, jobs.JobPlan, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Outcome != jobs.OutcomeLeaseLost || runs[0].Trigger != "cli" || runs[0].Error == "" {
		t.Fatalf("runs = %+v, want one lost-lease run", runs)
	}
	if plans, err := stores[0].Plans(ctx, "2026-12-07"); err != nil || len(plans) != 0 {
		t.Fatalf("plans = %d, %v; want none", len(plans), err)
	}
}

// recordingPublisher stands in for the publisher, which has tests of its
// own; it records what it was asked to publish.
type recordingPublisher struct {
	mu  sync.Mutex
	got []string
	err error
}

func (p *recordingPublisher) Publish(_ context.Context, week models.Date, version int) (publish.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, fmt.Sprintf("%s#%d", week, version))
	return publish.Result{Week: week, Version: version, Created: 2, Enqueued: 4}, p.err
}

func TestPlanManualRunsAndAutoPublish(t *testing.T) {
	ctx := context.Background()
	s, _ := instance(t)
	calls := &callLog{}
	pub := &recordingPublisher{}
	r := newRunner(t, s, &savingPlanner{store: s, holder: "a", calls: calls}, "a", 20*time.Second, pub)

	for want := 1; want <= 2; want++ {
		plan, err := r.Plan(ctx, "2026-12-07", "api:coordinator")
		if err != nil {
			t.Fatal(err)
		}
		if plan.Version != want {
			t.Fatalf("manual run %d made version %d", want, plan.Version)
		}
	}
	if fmt.Sprint(pub.got) != "[2026-12-07#1 2026-12-07#2]" {
		t.Fatalf("published %v, want both versions", pub.got)
	}
	runs, err := s.JobRuns(ctx, jobs.JobPlan, 10)
	if err != nil || len(runs) != 2 || runs[0].Figures["published"] != true || runs[0].Figures["mails_enqueued"] == nil {
		t.Fatalf("runs = %+v, %v", runs, err)
	}

	pub.err = errors.New("smtp composer broke")
	if _, err := r.Plan(ctx, "2026-12-07", "cli"); err == nil {
		t.Fatal("a failed publication reported success")
	}
	runs, err = s.JobRuns(ctx, jobs.JobPlan, 1)
	if err != nil || runs[0].Outcome != jobs.OutcomeFailed || runs[0].Error == "" {
		t.Fatalf("failed run = %+v, %v", runs, err)
	}

	var verr *models.ValidationError
	if _, err := r.Plan(ctx, "2026-12-08", "cli"); !errors.As(err, &verr) {
		t.Fatalf("a week that does not start on Monday: err = %v, want a validation error", err)
	}
}
