package e2e

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
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

	// Drag the visit to another trainer's day.
	run(t, ctx, chromedp.Navigate(board), chromedp.WaitVisible(`li.visit`, chromedp.ByQuery))
	drag(t, ctx, `li.visit[data-request="`+stop.RequestID+`"]`, `ul.visits[data-trainer="`+plan.Routes[len(plan.Routes)-1].TrainerID+`"][data-date="`+string(plan.Routes[len(plan.Routes)-1].Date)+`"]`)
	run(t, ctx, chromedp.WaitVisible(`h1`, chromedp.ByQuery))
	t.Logf("after the drag: %s", location(t, ctx, w.url))
	var h1 string
	run(t, ctx, chromedp.Text(`h1`, &h1, chromedp.ByQuery))
	t.Logf("h1 %q", h1)

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

// drag presses the mouse on the element from, moves it in steps onto the
// element to and releases it there, as a person drags (SortableJS listens
// to pointer events).
func drag(t *testing.T, ctx context.Context, from, to string) {
	t.Helper()
	center := func(sel string) (float64, float64) {
		var box []float64
		run(t, ctx, chromedp.Evaluate(`(() => { const r = document.querySelector(`+"`"+sel+"`"+`).getBoundingClientRect();
			return [r.x + r.width / 2, r.y + r.height / 2]; })()`, &box))
		return box[0], box[1]
	}
	run(t, ctx, chromedp.Evaluate(`document.querySelector('table.board-grid').scrollIntoView(); true`, nil))
	x0, y0 := center(from)
	x1, y1 := center(to)
	if y0 < 0 || y0 > 900 || y1 < 0 || y1 > 900 {
		t.Fatalf("%s or %s is off screen", from, to)
	}
	actions := []chromedp.Action{
		input.DispatchMouseEvent(input.MouseMoved, x0, y0),
		input.DispatchMouseEvent(input.MousePressed, x0, y0).WithButton(input.Left).WithClickCount(1),
	}
	for i := 1; i <= 10; i++ {
		f := float64(i) / 10
		actions = append(actions, input.DispatchMouseEvent(input.MouseMoved, x0+(x1-x0)*f, y0+(y1-y0)*f).WithButton(input.Left),
			chromedp.Sleep(30*time.Millisecond))
	}
	actions = append(actions, input.DispatchMouseEvent(input.MouseReleased, x1, y1).WithButton(input.Left).WithClickCount(1))
	run(t, ctx, actions...)
}
