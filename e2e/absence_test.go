package e2e

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldvisit/fieldvisit/models"
)

// TestBrowserAbsenceRepair is journey 5: on a published week a trainer
// records an absence on a 360-px phone (confirming the warning that lists
// the booked visits it hits); the coordinator sees it waiting on the
// board, previews the repair draft with its moves and e-mails, and
// publishes. Only the people the repair touches get mail: the clinics of
// the moved visits and the trainers losing or gaining them.
func TestBrowserAbsenceRepair(t *testing.T) {
	w, clock, _ := newFieldService(t)
	ctx := context.Background()
	trainer, err := w.st.Trainer(ctx, w.users[models.RoleTrainer].TrainerID)
	if err != nil {
		t.Fatal(err)
	}
	before, err := w.st.Visits(ctx, models.VisitFilter{Week: week})
	if err != nil {
		t.Fatal(err)
	}
	// The trainer's busiest day (the clock is Monday 08:00, before any visit).
	perDay := map[models.Date][]string{}
	for _, v := range before {
		if v.TrainerID == trainer.ID && v.Start.After(clock.Now()) {
			perDay[v.Date] = append(perDay[v.Date], v.ID)
		}
	}
	var day models.Date
	for d, ids := range perDay {
		if len(ids) > len(perDay[day]) || (len(ids) == len(perDay[day]) && d < day) {
			day = d
		}
	}
	if day == "" {
		t.Fatalf("trainer %s has no published visit ahead", trainer.Name)
	}
	hit := perDay[day]

	browser := newBrowser(t)
	t.Run("trainer records an absence", func(t *testing.T) {
		tc := tab(t, browser)
		run(t, tc, chromedp.EmulateViewport(360, 800))
		w.loginAs(t, tc, models.RoleTrainer)
		absenceForm := `form[action="/availability/absences"]`
		run(t, tc,
			chromedp.Navigate(w.url+"/availability"),
			chromedp.WaitVisible(`#f-abs_from`, chromedp.ByQuery),
			chromedp.SetValue(`#f-abs_from`, string(day), chromedp.ByQuery),
			chromedp.SetValue(`#f-abs_to`, string(day), chromedp.ByQuery),
			chromedp.SendKeys(`#f-abs_reason`, "Больничный", chromedp.ByQuery),
			chromedp.Click(absenceForm+` button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible(`.warn[role=alert]`, chromedp.ByQuery),
		)
		// Nothing is recorded until the trainer confirms.
		if list, err := w.st.Absences(ctx, trainer.ID); err != nil || len(list) != 0 {
			t.Fatalf("an absence was recorded before the confirmation: %v %+v", err, list)
		}
		var links []string
		run(t, tc, chromedp.Evaluate(`[...document.querySelectorAll('.warn[role=alert] a')].map(a => a.getAttribute('href'))`, &links))
		var want []string
		for _, id := range hit {
			want = append(want, "/visits/"+id)
		}
		slices.Sort(links)
		slices.Sort(want)
		if !slices.Equal(links, want) {
			t.Errorf("the warning lists %v, want the day's visits %v", links, want)
		}
		var kept string
		run(t, tc, chromedp.Value(`#f-abs_reason`, &kept, chromedp.ByQuery))
		if kept != "Больничный" {
			t.Errorf("the re-shown form lost the reason: %q", kept)
		}
		screenshots(t, tc, "availability-absence-warning")
		checkAccessibility(t, tc, "availability with the absence warning")
		run(t, tc, chromedp.EmulateViewport(360, 800),
			chromedp.Click(absenceForm+` button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitNotPresent(`.warn[role=alert] a`, chromedp.ByQuery),
		)
		list, err := w.st.Absences(ctx, trainer.ID)
		if err != nil || len(list) != 1 || list[0].From != day || len(list[0].AffectedVisits) != len(hit) {
			t.Fatalf("after confirming, the absences are %+v (%v)", list, err)
		}
		if len(list[0].Drafts) != 1 || list[0].Drafts[0].Week != week {
			t.Fatalf("the absence made no repair draft of %s: %+v", week, list[0].Drafts)
		}
	})
	// The absence's own notice goes to the coordinators only.
	coordinators := map[string]bool{"coordinators@fieldvisit.test": true, w.users[models.RoleCoordinator].Email: true}
	for _, m := range w.drain(t) {
		for _, r := range m.rcpt {
			if !coordinators[r] {
				t.Errorf("recording the absence mailed %s: %q", r, m.subject)
			}
		}
	}
	repair, err := w.st.LatestPlan(ctx, week)
	if err != nil || repair.Status != models.PlanDraft {
		t.Fatalf("no repair draft: %v", err)
	}
	for _, r := range repair.Routes {
		if r.TrainerID == trainer.ID && r.Date == day && len(r.Stops) > 0 {
			t.Fatalf("the repair keeps %d visits with the absent trainer", len(r.Stops))
		}
	}

	var previewed int // the e-mails the preview announced
	t.Run("coordinator previews and publishes", func(t *testing.T) {
		tc := tab(t, browser)
		run(t, tc, chromedp.EmulateViewport(1280, 900))
		w.loginAs(t, tc, models.RoleCoordinator)
		var decide string
		run(t, tc,
			chromedp.Navigate(w.url+"/board/"+string(week)),
			chromedp.WaitVisible(`#h-decide`, chromedp.ByQuery),
			chromedp.Text(`section.decisions`, &decide, chromedp.ByQuery),
		)
		if !strings.Contains(decide, trainer.Name) || !strings.Contains(decide, "Больничный") {
			t.Errorf("the board's decisions do not show the absence: %q", decide)
		}
		run(t, tc,
			chromedp.Click(fmt.Sprintf(`section.decisions a[href$="/preview?version=%d"]`, repair.Version), chromedp.ByQuery),
			chromedp.WaitVisible(`#h-mails`, chromedp.ByQuery),
		)
		cs, err := w.Publisher.Preview(ctx, week, repair.Version, 0)
		if err != nil {
			t.Fatal(err)
		}
		var page, mails string
		run(t, tc, chromedp.Text(`main`, &page, chromedp.ByQuery), chromedp.Text(`#h-mails`, &mails, chromedp.ByQuery))
		previewed = len(cs.Mails)
		if want := fmt.Sprintf("(%d)", len(cs.Mails)); len(cs.Mails) == 0 || !strings.Contains(mails, want) {
			t.Errorf("the preview's mail heading %q, want %s", mails, want)
		}
		if !strings.Contains(page, trainer.Name) {
			t.Errorf("the preview does not name the absent trainer's moves: %q", page)
		}
		screenshots(t, tc, "preview-absence")
		checkAccessibility(t, tc, "preview of the absence repair")
		run(t, tc,
			chromedp.Evaluate(`window.confirm = () => true; true`, nil),
			chromedp.Click(`form[action$="/publish"] button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible(`table.board-grid`, chromedp.ByQuery),
		)
		if p, err := w.st.Plan(ctx, week, repair.Version); err != nil || p.Status != models.PlanPublished {
			t.Fatalf("the repair is not published: %v", err)
		}
	})

	// The day's visits left the trainer; whoever the repair moved is
	// exactly who hears of it.
	after, err := w.st.Visits(ctx, models.VisitFilter{Week: week})
	if err != nil {
		t.Fatal(err)
	}
	old := map[string]models.Visit{}
	for _, v := range before {
		old[v.RequestID] = v
	}
	trainers, err := w.st.Trainers(ctx, models.TrainerFilter{}, models.Page{Limit: models.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	email := map[string]string{}
	for _, tr := range trainers {
		email[tr.ID] = tr.Email
	}
	want := map[string]bool{}
	touch := func(v models.Visit) {
		want[email[v.TrainerID]] = true
		cl, err := w.st.Clinic(ctx, v.ClinicID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range cl.ContactEmails {
			want[e] = true
		}
	}
	seen := map[string]bool{}
	for _, v := range after {
		if v.Status != models.VisitScheduled {
			continue
		}
		seen[v.RequestID] = true
		if v.TrainerID == trainer.ID && v.Date == day {
			t.Errorf("visit %s is still with the absent trainer on %s", v.ID, day)
		}
		if o, ok := old[v.RequestID]; !ok || o.TrainerID != v.TrainerID || !o.Start.Equal(v.Start) {
			touch(v)
			if ok {
				touch(o)
			}
		}
	}
	for _, o := range before {
		if !seen[o.RequestID] {
			touch(o) // cancelled: its clinic and trainer hear of it
		}
	}
	for _, id := range hit {
		if slices.IndexFunc(before, func(v models.Visit) bool { return v.ID == id }) < 0 {
			t.Fatalf("visit %s vanished", id)
		}
	}
	if !want[trainer.Email] {
		t.Fatalf("the repair moved none of the absent trainer's visits")
	}
	got := map[string]bool{}
	sent := 0
	for _, m := range w.drain(t) {
		for _, r := range m.rcpt {
			got[r] = true
			sent++
		}
	}
	if sent != previewed {
		t.Errorf("publishing delivered %d e-mails, the preview announced %d", sent, previewed)
	}
	for r := range got {
		if !want[r] {
			t.Errorf("publishing the repair mailed %s, whom it did not touch", r)
		}
	}
	for r := range want {
		if !got[r] {
			t.Errorf("publishing the repair sent no mail to %s, whom it touched", r)
		}
	}
	t.Logf("the repair of %d visits mailed %d of the week's people: %v", len(hit), len(got), slices.Sorted(maps.Keys(got)))
}
