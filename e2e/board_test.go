package e2e

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/fieldvisit/fieldvisit/handlers"
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
	api, err := handlers.New(handlers.Config{Store: w.st, Location: w.loc, Ready: w.st.Ping,
		Planner: w.Runner, Publisher: w.Publisher, Editor: w.Planner, Feeds: w.Composer})
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

	// Drag a visit to another trainer's day: Anna's Monday follow-up to
	// Boris, free on Monday. The board reloads with the new draft.
	anna, boris, vera := w.trainerNamed(t, "Анна Соколова"), w.trainerNamed(t, "Boris Miller"), w.trainerNamed(t, "Вера Орлова")
	followUp := stopOf(t, plan, anna, seedMonday, models.KindFollowUp)
	hard := stopOf(t, plan, anna, seedMonday, models.KindDifficultCase)
	cell := func(trainer string, day models.Date) string {
		return `ul.visits[data-trainer="` + trainer + `"][data-date="` + string(day) + `"]`
	}
	run(t, ctx, chromedp.Navigate(board), chromedp.WaitVisible(`li.visit`, chromedp.ByQuery))
	drag(t, ctx, `li.visit[data-request="`+followUp+`"]`, cell(boris, seedMonday))
	// The reloaded board says the edit was made (SortableJS alone moves the
	// card before the server has answered).
	run(t, ctx, chromedp.WaitVisible(`.flash`, chromedp.ByQuery),
		chromedp.WaitVisible(cell(boris, seedMonday)+` li.visit[data-request="`+followUp+`"]`, chromedp.ByQuery))
	settle(t, ctx)
	plan = w.latest(t, plan.Version+1)
	screenshots(t, ctx, "board-dragged")
	checkAccessibility(t, ctx, "board after a drag")

	// A drop the week cannot take (Vera does not work on Monday) is
	// refused with the reason on the board, and nothing changes.
	drag(t, ctx, `li.visit[data-request="`+hard+`"]`, cell(vera, seedMonday))
	var refusal string
	run(t, ctx, chromedp.WaitVisible(`#refusal`, chromedp.ByQuery), chromedp.Text(`#refusal`, &refusal, chromedp.ByQuery))
	// In the coordinator's language (Russian), not the log's English.
	wantRefusal := models.RenderEditRefusal("ru", models.EditRefusal{Code: models.RefusalTrainerOff,
		Trainer: &models.NoteRef{ID: vera, Name: "Вера Орлова"}, Date: seedMonday})
	if !strings.Contains(refusal, "тренер Вера Орлова не работает") || !strings.Contains(refusal, "рабочих часов в этот день нет") ||
		!strings.Contains(refusal, wantRefusal) || strings.Contains(refusal, "is off on") {
		t.Errorf("the refusal does not say why in Russian: %q, want %q", refusal, wantRefusal)
	}
	screenshots(t, ctx, "board-refused")
	checkAccessibility(t, ctx, "board with a refusal")
	w.latest(t, plan.Version)

	// The same by keyboard: open the visit, choose trainer and day, send.
	run(t, ctx,
		chromedp.Navigate(board+"?visit="+hard),
		chromedp.WaitVisible(`#e-trainer`, chromedp.ByQuery),
		chromedp.SetValue(`#e-trainer`, boris, chromedp.ByQuery),
		chromedp.SetValue(`#e-date`, seedMonday, chromedp.ByQuery),
		chromedp.SetValue(`#e-start`, "", chromedp.ByQuery),
		chromedp.Focus(`#e-start`, chromedp.ByQuery),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(`.flash`, chromedp.ByQuery),
	)
	plan = w.latest(t, plan.Version+1)
	if tr, _ := placeIn(plan, hard); tr != boris {
		t.Fatalf("after the keyboard move the visit is with %q", tr)
	}

	// Preview what publishing does, then publish from the preview.
	run(t, ctx,
		chromedp.Navigate(board),
		chromedp.Click(`a[href*="/preview?version="]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#h-mails`, chromedp.ByQuery),
	)
	var mails string
	run(t, ctx, chromedp.Text(`#h-mails`, &mails, chromedp.ByQuery))
	cs, err := w.Publisher.Preview(context.Background(), seedMonday, plan.Version, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("(%d)", len(cs.Mails)); !strings.Contains(mails, want) || len(cs.Mails) == 0 {
		t.Errorf("the preview's mail heading %q, want %s", mails, want)
	}
	screenshots(t, ctx, "preview")
	checkAccessibility(t, ctx, "preview")

	run(t, ctx, chromedp.Navigate(w.url+"/plans/"+seedMonday), chromedp.WaitVisible(`table`, chromedp.ByQuery))
	screenshots(t, ctx, "plans")
	checkAccessibility(t, ctx, "plan versions")

	// Publish from the preview (the confirmation is accepted).
	run(t, ctx,
		chromedp.Navigate(fmt.Sprintf("%s/preview?version=%d", board, plan.Version)),
		chromedp.WaitVisible(`#h-mails`, chromedp.ByQuery),
		chromedp.Evaluate(`window.confirm = () => true; true`, nil),
		chromedp.Click(`form[action$="/publish"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`table.board-grid`, chromedp.ByQuery),
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

// trainerNamed is the id of the seeded trainer called name.
func (w *webService) trainerNamed(t *testing.T, name string) string {
	t.Helper()
	list, err := w.st.Trainers(context.Background(), models.TrainerFilter{}, models.Page{Limit: models.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range list {
		if tr.Name == name {
			return tr.ID
		}
	}
	t.Fatalf("no trainer %s in the seed", name)
	return ""
}

// latest is the week's newest plan, which must be version want.
//
// The page shows a dragged visit in its new cell at once (SortableJS moves
// it) while the edit is still on its way to the server, so this waits for
// the version to be stored: up to 30 s, a bound on a busy machine, not a
// measure of speed.
func (w *webService) latest(t *testing.T, want int) *models.Plan {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, err := w.st.LatestPlan(context.Background(), seedMonday)
		if err != nil {
			t.Fatal(err)
		}
		if p.Version == want {
			return p
		}
		if p.Version > want || time.Now().After(deadline) {
			t.Fatalf("the newest plan is version %d, want %d", p.Version, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stopOf is the request of the visit of kind that plan gives trainer on day.
func stopOf(t *testing.T, plan *models.Plan, trainer string, day models.Date, kind models.Kind) string {
	t.Helper()
	for _, r := range plan.Routes {
		if r.TrainerID != trainer || r.Date != day {
			continue
		}
		for _, st := range r.Stops {
			if st.Kind == kind {
				return st.RequestID
			}
		}
	}
	t.Fatalf("plan %d has no %s visit of trainer %s on %s", plan.Version, kind, trainer, day)
	return ""
}

// placeIn is the trainer and day plan gives request id.
func placeIn(plan *models.Plan, id string) (string, models.Date) {
	for _, r := range plan.Routes {
		for _, st := range r.Stops {
			if st.RequestID == id {
				return r.TrainerID, r.Date
			}
		}
	}
	return "", ""
}
