package e2e

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
)

// TestBrowserAdminPages drives the coordinator's admin and mail pages in
// headless Chromium: the week is planned and published, its mail fails
// against an SMTP server that is down, the coordinator retries one message
// from /outbox, the retried message lands in the development mailbox and
// is read there (HTML in a sandboxed frame, the .ics downloadable), a
// clinic is created through the form after a refused attempt, and the
// audit log shows it. Each page
// is screenshotted at 360 and 1280 px and checked with axe-core.
func TestBrowserAdminPages(t *testing.T) {
	w := newWebService(t)
	browser := newBrowser(t)
	ctx := context.Background()

	// Publish the seeded week; every message fails once against a closed
	// port and, with one attempt allowed, is given up.
	plan, err := w.planner.PlanWeek(ctx, week, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.publisher.Publish(ctx, week, plan.Version); err != nil {
		t.Fatal(err)
	}
	down := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: closedPort(t), TLS: notify.TLSNone, From: "plan@fieldvisit.test"})
	t.Cleanup(func() { _ = down.Close() })
	failing, err := jobs.NewDispatcher(jobs.DispatcherConfig{Store: w.st, Sender: down, MaxAttempts: 1, Holder: "down", SendTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := failing.Run(ctx); err != nil {
		t.Fatal(err)
	}
	failed, err := w.st.OutboxMessages(ctx, models.OutboxFailed, models.Page{Limit: models.MaxPageSize})
	if err != nil || len(failed) == 0 {
		t.Fatalf("no failed mail to retry: %v", err)
	}

	// coordinator opens a fresh tab (each has its own time limit) logged
	// in as the coordinator.
	coordinator := func(t *testing.T) context.Context {
		t.Helper()
		c := tab(t, browser)
		w.loginAs(t, c, models.RoleCoordinator)
		return c
	}

	t.Run("outbox retry", func(t *testing.T) {
		tc := coordinator(t)
		run(t, tc, chromedp.Navigate(w.url+"/outbox"), chromedp.WaitVisible(`table`, chromedp.ByQuery))
		var rows int
		run(t, tc, chromedp.Evaluate(`document.querySelectorAll('tbody tr').length`, &rows))
		if rows != len(failed) {
			t.Fatalf("the outbox lists %d rows, %d messages failed", rows, len(failed))
		}
		var errText string
		run(t, tc, chromedp.Text(`.mail-error`, &errText, chromedp.ByQuery))
		if !strings.Contains(errText, "connect") && !strings.Contains(errText, "refused") {
			t.Errorf("the failure's error is not shown: %q", errText)
		}
		screenshots(t, tc, "admin-outbox")
		checkAccessibility(t, tc, "outbox")
		first := failed[0]
		var flash string
		run(t, tc,
			chromedp.Click(`tbody tr:first-child button[type="submit"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`.flash`, chromedp.ByQuery),
			chromedp.Text(`.flash`, &flash, chromedp.ByQuery),
		)
		if !strings.Contains(flash, "будет отправлено снова") {
			t.Errorf("flash after retry: %q", flash)
		}
		m, err := w.st.OutboxMessage(ctx, first.ID)
		if err != nil || m.Status != models.OutboxPending || m.Attempts != 0 {
			t.Fatalf("after the retry button: %+v %v", m, err)
		}
		run(t, tc, chromedp.Evaluate(`document.querySelectorAll('tbody tr').length`, &rows))
		if rows != len(failed)-1 {
			t.Errorf("%d failed rows after one retry, want %d", rows, len(failed)-1)
		}
	})

	t.Run("mailbox", func(t *testing.T) {
		tc := coordinator(t)
		// Without an SMTP server the dispatcher keeps mail in the
		// development mailbox: the retried message goes there.
		box, err := jobs.NewDispatcher(jobs.DispatcherConfig{Store: w.st, Holder: "mailbox"})
		if err != nil {
			t.Fatal(err)
		}
		if err := box.Run(ctx); err != nil {
			t.Fatal(err)
		}
		run(t, tc, chromedp.Navigate(w.url+"/mailbox"), chromedp.WaitVisible(`tbody a`, chromedp.ByQuery))
		screenshots(t, tc, "admin-mailbox")
		checkAccessibility(t, tc, "mailbox")
		run(t, tc, chromedp.Click(`tbody a`, chromedp.ByQuery), chromedp.WaitVisible(`iframe.mail-frame`, chromedp.ByQuery))
		var sandbox string
		var ok bool
		run(t, tc, chromedp.AttributeValue(`iframe.mail-frame`, "sandbox", &sandbox, &ok, chromedp.ByQuery))
		if !ok || sandbox != "allow-popups allow-popups-to-escape-sandbox" {
			t.Fatalf("the mail frame's sandbox: %q %v", sandbox, ok)
		}
		// The frame shows the mail (its text is readable, so the HTML
		// rendered), and the page's text body matches the stored one.
		var frameText string
		run(t, tc, chromedp.Evaluate(`(() => { const f = document.querySelector('iframe.mail-frame');
			try { return f.contentDocument ? f.contentDocument.body.innerText : 'opaque' } catch (e) { return 'opaque' } })()`,
			&frameText))
		// The sandbox (without allow-same-origin) gives the frame an
		// opaque origin, so the page cannot read into it either: that is
		// the point.
		if frameText != "opaque" {
			t.Errorf("the page can read into the mail frame (%q): the sandbox is not isolating it", frameText)
		}
		var text string
		run(t, tc, chromedp.Text(`pre.mail-text`, &text, chromedp.ByQuery))
		if !strings.Contains(text, "http://fieldvisit.test/") {
			t.Errorf("the text body lacks the visit link:\n%s", text)
		}
		screenshots(t, tc, "admin-mail-message")
		checkAccessibility(t, tc, "mail message")
		var ics string
		run(t, tc, chromedp.Evaluate(`(async () => { const a = document.querySelector('a[download]');
			if (!a) return 'no attachment link'; const r = await fetch(a.href);
			return r.headers.get('content-disposition') + '\n' + await r.text() })()`, &ics, awaitPromise))
		if !strings.HasPrefix(ics, "attachment; filename=") || !strings.Contains(ics, "BEGIN:VCALENDAR") {
			t.Errorf("the .ics attachment: %.200q", ics)
		}
	})

	t.Run("create a clinic", func(t *testing.T) {
		tc := coordinator(t)
		run(t, tc, chromedp.Navigate(w.url+"/clinics"), chromedp.WaitVisible(`table`, chromedp.ByQuery))
		screenshots(t, tc, "admin-clinics")
		checkAccessibility(t, tc, "clinics")
		run(t, tc,
			chromedp.Click(`a[href="/clinics/new"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#f-name`, chromedp.ByQuery),
			chromedp.SendKeys(`#f-name`, "Поликлиника № 7", chromedp.ByQuery),
			chromedp.SendKeys(`#f-address`, "ул. Ленина, 3", chromedp.ByQuery),
			chromedp.SendKeys(`#f-lat`, "55,75", chromedp.ByQuery),
			chromedp.SendKeys(`#f-lon`, "37.62", chromedp.ByQuery),
			chromedp.SendKeys(`#f-contact_emails`, "head@gp7.test, not-an-address", chromedp.ByQuery),
			chromedp.SendKeys(`#f-hours_mon`, "09:00-13:00, 14:00-18:00", chromedp.ByQuery),
			chromedp.SendKeys(`#f-hours_tue`, "nine to five", chromedp.ByQuery),
			chromedp.Click(`#f-preferred-0`, chromedp.ByQuery),
			chromedp.Submit(`#f-name`, chromedp.ByQuery),
			chromedp.WaitVisible(`#form-error`, chromedp.ByQuery),
		)
		var emailErr, hoursErr, typed string
		run(t, tc,
			chromedp.Text(`#e-contact_emails`, &emailErr, chromedp.ByQuery),
			chromedp.Text(`#e-hours_tue`, &hoursErr, chromedp.ByQuery),
			chromedp.Value(`#f-hours_mon`, &typed, chromedp.ByQuery),
		)
		if !strings.Contains(emailErr, "«not-an-address» — не адрес") || hoursErr == "" || typed != "09:00-13:00, 14:00-18:00" {
			t.Fatalf("refused form: e-mail error %q, hours error %q, typed hours %q", emailErr, hoursErr, typed)
		}
		screenshots(t, tc, "admin-clinic-invalid")
		checkAccessibility(t, tc, "invalid clinic form")
		run(t, tc,
			chromedp.Evaluate(`document.querySelector('#f-contact_emails').value = 'head@gp7.test';
				document.querySelector('#f-hours_tue').value = ''; true`, nil),
			chromedp.Submit(`#f-name`, chromedp.ByQuery),
			chromedp.WaitVisible(`.flash`, chromedp.ByQuery),
		)
		if got := location(t, tc, w.url); got != "/clinics" {
			t.Fatalf("after saving: %q", got)
		}
		var list string
		run(t, tc, chromedp.Text(`table`, &list, chromedp.ByQuery))
		if !strings.Contains(list, "Поликлиника № 7") {
			t.Fatalf("the new clinic is not listed:\n%s", list)
		}
		clinics, err := w.st.Clinics(ctx, models.ClinicFilter{}, models.Page{Limit: models.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		var made *models.Clinic
		for i := range clinics {
			if clinics[i].Name == "Поликлиника № 7" {
				made = &clinics[i]
			}
		}
		if made == nil || made.Place.Lat != 55.75 || len(made.Hours.Mon) != 2 || len(made.PreferredTrainers) != 1 {
			t.Fatalf("stored clinic: %+v", made)
		}
		run(t, tc, chromedp.Navigate(w.url+"/clinics/"+made.ID), chromedp.WaitVisible(`#f-name`, chromedp.ByQuery))
		screenshots(t, tc, "admin-clinic-edit")
		checkAccessibility(t, tc, "clinic edit form")
	})

	for _, p := range []struct{ name, path, ready string }{
		{"admin-trainers", "/trainers", `table`},
		{"admin-trainer-new", "/trainers/new", `#f-name`},
		{"admin-users", "/users", `table`},
		{"admin-user-new", "/users/new", `#f-email`},
		{"admin-outbox-pending", "/outbox?status=pending", `h1`},
		{"admin-audit", "/audit", `#f-entity`},
		{"admin-audit-clinics", "/audit?entity=clinic", `table`},
	} {
		t.Run(p.name, func(t *testing.T) {
			tc := coordinator(t)
			run(t, tc, chromedp.Navigate(w.url+p.path), chromedp.WaitVisible(p.ready, chromedp.ByQuery))
			screenshots(t, tc, p.name)
			checkAccessibility(t, tc, p.name)
		})
	}
	t.Run("trainer edit", func(t *testing.T) {
		tc := coordinator(t)
		run(t, tc, chromedp.Navigate(w.url+"/trainers"), chromedp.WaitVisible(`table`, chromedp.ByQuery),
			chromedp.Click(`tbody tr:first-child td a`, chromedp.ByQuery), chromedp.WaitVisible(`#f-skills`, chromedp.ByQuery))
		screenshots(t, tc, "admin-trainer-edit")
		checkAccessibility(t, tc, "trainer edit form")
	})

	t.Run("not for other roles", func(t *testing.T) {
		for _, role := range []models.Role{models.RoleTrainer, models.RoleClinic} {
			c := tab(t, browser)
			w.loginAs(t, c, role)
			var heading string
			run(t, c, chromedp.Navigate(w.url+"/outbox"), chromedp.Text(`h1`, &heading, chromedp.ByQuery))
			if heading != "Нет доступа" {
				t.Errorf("%s on /outbox: %q", role, heading)
			}
		}
	})
}

// awaitPromise makes chromedp.Evaluate wait for the promise's value.
func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

// closedPort is a local port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}
