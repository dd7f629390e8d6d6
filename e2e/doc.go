// Package e2e holds the end-to-end tests of planning, publication and
// e-mail: the embedded database, the real planner and publisher, the outbox
// dispatcher and a real SMTP server on a loopback port, checked only by what
// actually arrives over SMTP; and the browser tests, which drive the pages
// of the real service in headless Chromium (chromedp, /usr/bin/chromium),
// write screenshots to test-artifacts/screenshots and check every page with
// axe-core (testdata/). It has no code of its own.
package e2e
