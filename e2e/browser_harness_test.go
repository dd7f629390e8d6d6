package e2e

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/handlers"
	"github.com/fieldvisit/fieldvisit/models"
)

// axeSource is axe-core from npm (see testdata/axe-core-*/LICENSE), injected
// into pages to check accessibility.
//
//go:embed testdata/axe-core-4.11.0/axe.min.js
var axeSource string

// chromiumPath is Debian's chromium; .ci/run and `make test` install it.
const chromiumPath = "/usr/bin/chromium"

// screenshotDir keeps the screenshots out of git (see .gitignore).
const screenshotDir = "../test-artifacts/screenshots"

// webService is the real service behind a real HTTP server: the embedded
// database, the planner, the publisher and an SMTP server, with one
// account per role (password webPassword).
type webService struct {
	*service
	url   string
	users map[models.Role]*models.User
}

// webPassword is every test account's password.
const webPassword = "browser test password"

func newWebService(t *testing.T) *webService {
	t.Helper()
	gin.SetMode(gin.TestMode)
	s := newService(t)
	ctx := context.Background()
	hash, err := handlers.HashPassword(webPassword)
	if err != nil {
		t.Fatal(err)
	}
	trainers, err := s.st.Trainers(ctx, models.TrainerFilter{}, models.Page{Limit: 1})
	if err != nil || len(trainers) == 0 {
		t.Fatalf("no trainer in the seed: %v", err)
	}
	clinics, err := s.st.Clinics(ctx, models.ClinicFilter{}, models.Page{Limit: 1})
	if err != nil || len(clinics) == 0 {
		t.Fatalf("no clinic in the seed: %v", err)
	}
	w := &webService{service: s, users: map[models.Role]*models.User{}}
	for _, u := range []models.User{
		{Email: "coordinator@fieldvisit.test", Name: "Ольга Координатор", Role: models.RoleCoordinator},
		{Email: "trainer@fieldvisit.test", Name: trainers[0].Name, Role: models.RoleTrainer, TrainerID: trainers[0].ID},
		{Email: "clinic@fieldvisit.test", Name: clinics[0].Name, Role: models.RoleClinic, ClinicID: clinics[0].ID},
	} {
		u.Lang, u.PasswordHash = "ru", hash
		if err := s.st.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		w.users[u.Role] = &u
	}
	api, err := handlers.New(handlers.Config{Store: s.st, Location: s.loc, Ready: s.st.Ping,
		Planner: nil, Publisher: s.Publisher, Feeds: s.Composer})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(api.Handler())
	t.Cleanup(hs.Close)
	w.url = hs.URL
	return w
}

// newBrowser starts a headless Chromium with a fresh profile for the test.
// A missing Chromium fails the test with what to do, unless
// FIELDVISIT_SKIP_BROWSER=1 says to skip (loudly) on purpose.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("FIELDVISIT_SKIP_BROWSER") == "1" {
			t.Skip("SKIPPED browser tests: FIELDVISIT_SKIP_BROWSER=1 and no " + chromiumPath)
		}
		t.Fatalf("the browser tests need Debian's chromium at %s: run `apt-get install -y chromium` (make test does it as root), or set FIELDVISIT_SKIP_BROWSER=1 to skip them on purpose", chromiumPath)
	}
	// Not t.TempDir: Chromium's helper processes may still write to the
	// profile for a moment after the browser closes, which fails the
	// test's own cleanup; the profile is removed once they are done.
	profile, err := os.MkdirTemp("", "fieldvisit-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("the Chromium profile %s could not be removed", profile)
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// tab opens a new tab with no cookies for one user. Subtests run one
// after another, so clearing the browser's cookies isolates them.
func tab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	run(t, ctx, network.ClearBrowserCookies())
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

func run(t *testing.T, ctx context.Context, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// loginAs logs in through the login form and waits for the next page.
func (w *webService) loginAs(t *testing.T, ctx context.Context, role models.Role) {
	t.Helper()
	run(t, ctx,
		chromedp.Navigate(w.url+"/login"),
		chromedp.WaitVisible(`#f-email`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-email`, w.users[role].Email, chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, webPassword, chromedp.ByQuery),
		chromedp.Submit(`#f-password`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`#f-password`, chromedp.ByQuery),
	)
	settle(t, ctx)
}

// settle waits until the tab's document has finished loading, so that the
// next query does not find a node of a document being replaced (which
// chromedp reports as "No node with given id found" on a busy machine).
func settle(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, chromedp.Poll(`document.readyState === "complete" && document.querySelector("main") !== null`, nil,
		chromedp.WithPollingTimeout(30*time.Second)))
}

// location is the current path (and query) of the tab.
func location(t *testing.T, ctx context.Context, base string) string {
	t.Helper()
	var loc string
	run(t, ctx, chromedp.Location(&loc))
	return strings.TrimPrefix(loc, base)
}

// screenshots writes the current page at phone (360 px) and desk (1280 px)
// widths to test-artifacts/screenshots/<name>-<width>.png.
func screenshots(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, width := range []int64{360, 1280} {
		var png []byte
		run(t, ctx,
			chromedp.EmulateViewport(width, 800),
			chromedp.Sleep(100*time.Millisecond),
			chromedp.FullScreenshot(&png, 100), // 100 makes a PNG, less a JPEG,
		)
		file := filepath.Join(screenshotDir, fmt.Sprintf("%s-%d.png", name, width))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, ctx, chromedp.EmulateViewport(1280, 900))
}

// axeViolation is one rule axe-core found broken.
type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// checkAccessibility runs axe-core on the current page and fails on any
// violation.
func checkAccessibility(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for _, v := range axeViolations(t, ctx) {
		for _, n := range v.Nodes {
			t.Errorf("%s: accessibility %s (%s) at %v: %s", name, v.ID, v.Help, n.Target, n.HTML)
		}
	}
}

// axeViolations runs axe-core (WCAG 2.x A and AA rules and best
// practices) on the current page.
func axeViolations(t *testing.T, ctx context.Context) []axeViolation {
	t.Helper()
	var injected bool
	run(t, ctx, chromedp.Evaluate(axeSource+"\n;typeof axe === 'object'", &injected))
	if !injected {
		t.Fatal("axe-core did not load")
	}
	var raw string
	run(t, ctx, chromedp.Evaluate(
		`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}}).then(r => JSON.stringify(r.violations))`,
		&raw, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatalf("axe result: %v", err)
	}
	return vs
}
