package e2e

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/demo"
	"github.com/fieldvisit/fieldvisit/handlers"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
)

// TestBrowserBoardLeftOut: on the demo city's coming week, planned from the
// board, the coordinator sees every request the plan left out with why, in
// words, and where the engine has one a change that would let it in. The
// board is screenshotted at 360 and 1280 px and checked with axe-core.
func TestBrowserBoardLeftOut(t *testing.T) {
	gin.SetMode(gin.TestMode)
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) // a Wednesday: the week of 2026-12-07 is next
	hash, err := handlers.HashPassword(webPassword)
	if err != nil {
		t.Fatal(err)
	}
	s := newServiceWith(t, func(t *testing.T, st *store.Store) {
		if _, err := demo.Seed(ctx, st, now, time.FixedZone("MSK", 3*3600), hash); err != nil {
			t.Fatal(err)
		}
	})
	api, err := handlers.New(handlers.Config{Store: s.st, Location: s.loc, Now: func() time.Time { return now },
		Ready: s.st.Ping, Planner: s.Runner, Publisher: s.Publisher, Editor: s.Planner, Feeds: s.Composer})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(api.Handler())
	t.Cleanup(hs.Close)
	coordinator, err := s.st.UserByEmail(ctx, demo.CoordinatorEmail)
	if err != nil {
		t.Fatal(err)
	}
	w := &webService{service: s, url: hs.URL, users: map[models.Role]*models.User{models.RoleCoordinator: coordinator}}

	tc := tab(t, newBrowser(t))
	w.loginAs(t, tc, models.RoleCoordinator)
	run(t, tc, chromedp.Navigate(w.url+"/board/2026-12-07"), chromedp.WaitVisible(`form.run-form`, chromedp.ByQuery))
	var heading string
	run(t, tc,
		chromedp.Click(`form.run-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`li.visit`, chromedp.ByQuery),
		chromedp.Text(`#h-left`, &heading, chromedp.ByQuery),
	)
	plan, err := s.st.LatestPlan(ctx, "2026-12-07")
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Unassigned) == 0 {
		t.Fatal("the demo week left nothing out; this test needs a request that does not fit")
	}
	var reasons, fixes []string
	run(t, tc,
		chromedp.Evaluate(`[...document.querySelectorAll('ul.left-out > li .lo-why')].map(e => e.textContent.trim())`, &reasons),
		chromedp.Evaluate(`[...document.querySelectorAll('ul.left-out > li .lo-fix')].map(e => e.textContent.trim())`, &fixes),
	)
	if len(reasons) != len(plan.Unassigned) {
		t.Fatalf("the board lists %d left-out requests with a reason, the plan has %d (heading %q)", len(reasons), len(plan.Unassigned), heading)
	}
	for i, why := range reasons {
		// In Russian words, not a code: at least a few Cyrillic letters and
		// no snake_case code of models.ExplainNote.
		if len([]rune(why)) < 10 || !strings.ContainsFunc(why, func(r rune) bool { return r >= 'а' && r <= 'я' }) || strings.Contains(why, "_") {
			t.Errorf("left-out request %d: reason %q is not a sentence in Russian", i, why)
		}
	}
	t.Logf("%d left out; %d with a suggestion; first: %q", len(reasons), len(fixes), reasons[0])
	screenshots(t, tc, "board-left-out")
	checkAccessibility(t, tc, "board with left-out requests")
}
