package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fieldvisit/fieldvisit/models"
)

// TestBrowserPages drives the pages in headless Chromium against the real
// service: each role logs in through the form and lands on its home, the
// language switch turns the pages English, a login form without its CSRF
// cookie is refused, and an unknown page is the friendly 404. Every page
// visited is screenshotted at 360 and 1280 px and checked with axe-core.
func TestBrowserPages(t *testing.T) {
	w := newWebService(t)
	browser := newBrowser(t)
	monday := string(models.DateOf(time.Now(), w.loc).Monday())

	t.Run("login page", func(t *testing.T) {
		ctx := tab(t, browser)
		run(t, ctx, chromedp.Navigate(w.url+"/login"), chromedp.WaitVisible(`#f-email`, chromedp.ByQuery))
		screenshots(t, ctx, "login")
		checkAccessibility(t, ctx, "login")
		// The check itself works: an input without its label and text
		// without contrast are reported.
		run(t, ctx, chromedp.Evaluate(`document.querySelector('label[for="f-email"]').remove();
			document.querySelector('h1').style.color = '#eee'; true`, nil))
		found := map[string]bool{}
		for _, v := range axeViolations(t, ctx) {
			found[v.ID] = true
		}
		if !found["label"] || !found["color-contrast"] {
			t.Fatalf("axe missed a removed label or low contrast: %v", found)
		}
	})

	for _, tc := range []struct {
		role models.Role
		home string
	}{
		{models.RoleTrainer, "/week"},
		{models.RoleClinic, "/requests"},
		{models.RoleCoordinator, "/board/" + monday},
	} {
		t.Run("home of "+string(tc.role), func(t *testing.T) {
			ctx := tab(t, browser)
			w.loginAs(t, ctx, tc.role)
			if got := location(t, ctx, w.url); got != tc.home {
				t.Fatalf("landed on %q, want %q", got, tc.home)
			}
			// Read in one evaluation: a node looked up first and read later
			// can vanish in between on a busy machine.
			var current string
			run(t, ctx, chromedp.Evaluate(`(document.querySelector('nav a[aria-current="page"]') || {textContent: ""}).textContent.trim()`, &current))
			if current == "" {
				t.Error("the navigation does not mark the home page")
			}
			screenshots(t, ctx, "home-"+string(tc.role))
			checkAccessibility(t, ctx, "home of "+string(tc.role))
			run(t, ctx, chromedp.Navigate(w.url+"/account"), chromedp.WaitVisible(`#f-current`, chromedp.ByQuery))
			screenshots(t, ctx, "account-"+string(tc.role))
			checkAccessibility(t, ctx, "account of "+string(tc.role))
		})
	}

	t.Run("language switch", func(t *testing.T) {
		ctx := tab(t, browser)
		w.loginAs(t, ctx, models.RoleTrainer)
		var heading, lang string
		run(t, ctx,
			chromedp.Text(`h1`, &heading, chromedp.ByQuery),
		)
		if heading != "Моя неделя" {
			t.Fatalf("Russian heading %q", heading)
		}
		run(t, ctx,
			chromedp.Click(`button[name="lang"][value="en"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`html[lang="en"]`, chromedp.ByQuery),
			chromedp.Text(`h1`, &heading, chromedp.ByQuery),
			chromedp.AttributeValue(`html`, "lang", &lang, nil, chromedp.ByQuery),
		)
		if heading != "My week" || location(t, ctx, w.url) != "/week" {
			t.Fatalf("after switching: heading %q on %s", heading, location(t, ctx, w.url))
		}
		screenshots(t, ctx, "home-trainer-en")
		// It is the account's language: a new login keeps it.
		ctx2 := tab(t, browser)
		w.loginAs(t, ctx2, models.RoleTrainer)
		run(t, ctx2, chromedp.Text(`h1`, &heading, chromedp.ByQuery))
		if heading != "My week" {
			t.Fatalf("the language did not stick to the account: %q", heading)
		}
		// Switch back so that other subtests see Russian.
		run(t, ctx2, chromedp.Click(`button[name="lang"][value="ru"]`, chromedp.ByQuery), chromedp.WaitVisible(`html[lang="ru"]`, chromedp.ByQuery))
	})

	t.Run("login refused without CSRF cookie", func(t *testing.T) {
		ctx := tab(t, browser)
		var body string
		run(t, ctx,
			chromedp.Navigate(w.url+"/login"),
			chromedp.WaitVisible(`#f-email`, chromedp.ByQuery),
			// Another site's forged post would carry no matching token.
			chromedp.SetValue(`input[name="csrf_token"]`, "forged", chromedp.ByQuery),
			chromedp.SendKeys(`#f-email`, w.users[models.RoleCoordinator].Email, chromedp.ByQuery),
			chromedp.SendKeys(`#f-password`, webPassword, chromedp.ByQuery),
			chromedp.Submit(`#f-password`, chromedp.ByQuery),
			chromedp.WaitVisible(`.alert`, chromedp.ByQuery),
			chromedp.Text(`.alert`, &body, chromedp.ByQuery),
		)
		if !strings.Contains(body, "Форма устарела") {
			t.Fatalf("refusal message %q", body)
		}
		if got := location(t, ctx, w.url); got != "/login" {
			t.Fatalf("a forged login went to %q", got)
		}
		var email string
		run(t, ctx, chromedp.Value(`#f-email`, &email, chromedp.ByQuery))
		if email != w.users[models.RoleCoordinator].Email {
			t.Errorf("the typed e-mail was lost: %q", email)
		}
		screenshots(t, ctx, "login-refused")
		checkAccessibility(t, ctx, "refused login")
	})

	t.Run("friendly 404", func(t *testing.T) {
		ctx := tab(t, browser)
		w.loginAs(t, ctx, models.RoleClinic)
		var heading string
		run(t, ctx, chromedp.Navigate(w.url+"/no/such/page"), chromedp.Text(`h1`, &heading, chromedp.ByQuery))
		if heading != "Страница не найдена" {
			t.Fatalf("404 heading %q", heading)
		}
		screenshots(t, ctx, "error-404")
		checkAccessibility(t, ctx, "404")
	})
}
