package e2e

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldvisit/fieldvisit/handlers"
	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/models"
)

// seedMonday is the week seedWeek fills.
const seedMonday = "2026-12-07"

// newBoardService is the web service with planning switched on, as serve
// wires it: the jobs runner around the planner (and the planner as the
// editor of drafts).
func newBoardService(t *testing.T) *webService {
	t.Helper()
	w := newWebService(t)
	runner, err := jobs.NewPlanRunner(jobs.PlanRunnerConfig{Store: w.st, Planner: w.planner, Location: w.loc})
	if err != nil {
		t.Fatal(err)
	}
	api, err := handlers.New(handlers.Config{Store: w.st, Location: w.loc, Ready: w.st.Ping,
		Planner: runner, Publisher: w.publisher, Feeds: w.composer})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(api.Handler())
	t.Cleanup(hs.Close)
	w.url = hs.URL
	return w
}

// TestBrowserCoordinatorBoard is journey 2: the coordinator opens the
// week's board, runs planning, sees the requests on the grid, opens a
// visit's edit panel, looks at the versions and publishes. Each page is
// screenshotted at 360 and 1280 px and checked with axe-core.
func TestBrowserCoordinatorBoard(t *testing.T) {
	w := newBoardService(t)
	browser := newBrowser(t)
	ctx := tab(t, browser)
	w.loginAs(t, ctx, models.RoleCoordinator)
	board := w.url + "/board/" + seedMonday

	run(t, ctx, chromedp.Navigate(board), chromedp.WaitVisible(`form.run-form`, chromedp.ByQuery))
	screenshots(t, ctx, "board-empty")
	checkAccessibility(t, ctx, "empty board")

	// Run planning: the form says it is working, then the draft shows.
	var busy string
	run(t, ctx,
		chromedp.Click(`form.run-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`li.visit`, chromedp.ByQuery),
		chromedp.Text(`.flash`, &busy, chromedp.ByQuery),
	)
	if !strings.Contains(busy, "Планирование завершено") {
		t.Errorf("after the run the flash says %q", busy)
	}
	plan, err := w.st.LatestPlan(context.Background(), seedMonday)
	if err != nil || plan.KPIs.Scheduled == 0 {
		t.Fatalf("the run made no plan: %v", err)
	}
	var visits int
	run(t, ctx, chromedp.Evaluate(`document.querySelectorAll('li.visit').length`, &visits))
	if visits != plan.KPIs.Scheduled {
		t.Errorf("the grid shows %d visits, the plan has %d", visits, plan.KPIs.Scheduled)
	}
	stop := plan.Routes[0].Stops[0]
	var gridText string
	run(t, ctx, chromedp.Text(`table.board-grid`, &gridText, chromedp.ByQuery))
	if !strings.Contains(gridText, stop.ClinicName) {
		t.Errorf("the grid lacks the clinic %q: %s", stop.ClinicName, gridText)
	}
	screenshots(t, ctx, "board-draft")
	checkAccessibility(t, ctx, "board with a draft")

	// Choosing a visit opens its edit panel with its place preselected.
	run(t, ctx,
		chromedp.Click(`li.visit[data-request="`+stop.RequestID+`"] a`, chromedp.ByQuery),
		chromedp.WaitVisible(`#e-trainer`, chromedp.ByQuery),
	)
	var chosen string
	run(t, ctx, chromedp.Value(`#e-trainer`, &chosen, chromedp.ByQuery))
	if chosen != plan.Routes[0].TrainerID {
		t.Errorf("the edit panel preselects trainer %q, the visit is with %q", chosen, plan.Routes[0].TrainerID)
	}
	screenshots(t, ctx, "board-edit")
	checkAccessibility(t, ctx, "board edit panel")

	run(t, ctx, chromedp.Navigate(w.url+"/plans/"+seedMonday), chromedp.WaitVisible(`table`, chromedp.ByQuery))
	screenshots(t, ctx, "plans")
	checkAccessibility(t, ctx, "plan versions")

	// Publish (the confirmation is accepted).
	run(t, ctx,
		chromedp.Navigate(board),
		chromedp.WaitVisible(`.publish-row`, chromedp.ByQuery),
		chromedp.Evaluate(`window.confirm = () => true; true`, nil),
		chromedp.Click(`.publish-row button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`.publish-row`, chromedp.ByQuery),
	)
	if p, err := w.st.Plan(context.Background(), seedMonday, plan.Version); err != nil || p.Status != models.PlanPublished {
		t.Fatalf("after publishing from the board: %v", err)
	}
	var booked int
	run(t, ctx, chromedp.Evaluate(`document.querySelectorAll('li.visit .mk.b').length`, &booked))
	if booked != plan.KPIs.Scheduled {
		t.Errorf("%d visits marked booked after publishing, want %d", booked, plan.KPIs.Scheduled)
	}
	screenshots(t, ctx, "board-published")
	checkAccessibility(t, ctx, "published board")
}
