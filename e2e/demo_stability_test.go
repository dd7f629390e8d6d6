package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/demo"
	"github.com/fieldvisit/fieldvisit/handlers"
	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/publish"
	"github.com/fieldvisit/fieldvisit/store"
)

// TestDemoWeekThroughAPI publishes the demo city's coming week through the
// API and re-plans it twice: nothing changes and no mail goes out. Then a
// trainer takes a weekday off: the preview moves only that trainer's
// visits of that day, and publishing mails exactly whom the preview names.
func TestDemoWeekThroughAPI(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) // a Wednesday: the week of 2026-12-07 is next
	s := newServiceWith(t, func(t *testing.T, st *store.Store) {
		if _, err := demo.Seed(ctx, st, now, time.FixedZone("MSK", 3*3600), []byte("unused")); err != nil {
			t.Fatal(err)
		}
	})
	runner, err := jobs.NewPlanRunner(jobs.PlanRunnerConfig{Store: s.st, Planner: s.planner, Location: s.loc})
	if err != nil {
		t.Fatal(err)
	}
	api, err := handlers.New(handlers.Config{Store: s.st, Location: s.loc, Now: func() time.Time { return now },
		Planner: runner, Publisher: s.publisher, Editor: s.planner})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(api.Handler())
	defer hs.Close()
	coordinator, err := s.st.UserByEmail(ctx, demo.CoordinatorEmail)
	if err != nil {
		t.Fatal(err)
	}
	secret, hash := handlers.NewToken()
	if err := s.st.CreateToken(ctx, &models.Token{Hash: hash, ID: handlers.NewID(), UserID: coordinator.ID, Kind: models.TokenAPI,
		ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	call := func(method, path string, body, out any, want int) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, hs.URL+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+secret)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, data)
		}
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				t.Fatal(err)
			}
		}
	}
	const plans = "/api/v1/plans/2026-12-07"
	step := func() *publish.ChangeSet {
		t.Helper()
		var plan models.Plan
		call(http.MethodPost, plans+"/run", nil, &plan, http.StatusCreated)
		var diff publish.ChangeSet
		call(http.MethodGet, plans+"/"+itoa(plan.Version)+"/diff", nil, &diff, http.StatusOK)
		var res publish.Result
		call(http.MethodPost, plans+"/"+itoa(plan.Version)+"/publish", nil, &res, http.StatusOK)
		if res.Created != len(diff.Added) || res.Moved != len(diff.Moved) || res.Cancelled != len(diff.Dropped) ||
			res.Enqueued != len(diff.Mails) || plan.KPIs.Moved != diff.KPIs.Changes {
			t.Errorf("version %d: kpis.moved %d, preview %d/%d/%d with %d mails, publication %+v", plan.Version, plan.KPIs.Moved,
				len(diff.Added), len(diff.Moved), len(diff.Dropped), len(diff.Mails), res)
		}
		var got, want []string
		for _, m := range s.drain(t) {
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
		return &diff
	}
	first := step()
	if len(first.Added) < 10 {
		t.Fatalf("the demo week booked only %d visits", len(first.Added))
	}
	for i := range 2 {
		if d := step(); len(d.Added)+len(d.Moved)+len(d.Dropped)+len(d.Mails) != 0 {
			t.Fatalf("re-plan %d of the demo week: %d added, %d moved, %d dropped, %d mails", i+1, len(d.Added), len(d.Moved), len(d.Dropped), len(d.Mails))
		}
	}

	// The busiest trainer takes that day off.
	booked, err := s.st.Visits(ctx, models.VisitFilter{Week: "2026-12-07", Statuses: []models.VisitStatus{models.VisitScheduled}})
	if err != nil {
		t.Fatal(err)
	}
	perDay := map[[2]string][]string{}
	var busiest [2]string
	for _, v := range booked {
		k := [2]string{v.TrainerID, string(v.Date)}
		perDay[k] = append(perDay[k], v.RequestID)
		if len(perDay[k]) > len(perDay[busiest]) || (len(perDay[k]) == len(perDay[busiest]) && k[0]+k[1] < busiest[0]+busiest[1]) {
			busiest = k
		}
	}
	tr, err := s.st.Trainer(ctx, busiest[0])
	if err != nil {
		t.Fatal(err)
	}
	tr.Availability.Overrides = append(tr.Availability.Overrides, models.DateOverride{Date: models.Date(busiest[1]), Off: true})
	if err := s.st.UpdateTrainer(ctx, tr); err != nil {
		t.Fatal(err)
	}
	d := step()
	if got, want := changedIDs(d), slices.Sorted(slices.Values(perDay[busiest])); !slices.Equal(got, want) {
		t.Errorf("after %s's day off on %s: changed %q, want exactly that day's %q", tr.Name, busiest[1], got, want)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
