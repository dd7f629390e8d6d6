package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// bookVisit publishes a visit of request r (at the env's clinic of r) for
// the trainer on date from..to (Moscow wall clock), with a published plan
// whose route says 25 minutes of travel before it and lunch after it.
func (e *env) bookVisit(r *models.Request, tr *models.Trainer, date models.Date, from, to string) *models.Visit {
	e.t.Helper()
	ctx := context.Background()
	loc := e.srv.loc
	start, end := date.At(mustTime(from), loc), date.At(mustTime(to), loc)
	v := &models.Visit{ID: r.ID, RequestID: r.ID, ClinicID: r.ClinicID, TrainerID: tr.ID, Week: date.Monday(), Date: date,
		Start: start, End: end, Kind: r.Kind, Topic: r.Topic, Participants: r.Participants, Status: models.VisitScheduled,
		PlanVersion: 1, UID: r.ID + "@test", Sequence: 0}
	if err := e.st.CreateVisit(ctx, v); err != nil {
		e.t.Fatal(err)
	}
	// Publishing confirms the request of a booked visit.
	cur, err := e.st.Request(ctx, r.ID)
	for _, to := range []models.Status{models.StatusPlanned, models.StatusConfirmed} {
		if err != nil {
			e.t.Fatal(err)
		}
		cur, err = e.st.SetRequestStatus(ctx, cur.ID, cur.Version, to)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	cl, err := e.st.Clinic(ctx, r.ClinicID)
	if err != nil {
		e.t.Fatal(err)
	}
	breakStart, breakEnd := end.Add(15*time.Minute), end.Add(45*time.Minute)
	plan := &models.Plan{Week: date.Monday(), Status: models.PlanPublished, Trigger: "test",
		Routes: []models.PlanRoute{{TrainerID: tr.ID, TrainerName: tr.Name, Date: date,
			Depart: start.Add(-25 * time.Minute), Return: breakEnd.Add(20 * time.Minute),
			BreakStart: &breakStart, BreakEnd: &breakEnd, TravelMinutes: 45,
			Stops: []models.PlanStop{{RequestID: r.ID, ClinicID: r.ClinicID, ClinicName: cl.Name, Address: cl.Place.Address,
				Kind: r.Kind, Topic: r.Topic, Priority: r.Priority, Arrive: start, Start: start, End: end, TravelMinutes: 25}}}}}
	if err := e.st.CreatePlan(ctx, plan); err != nil {
		e.t.Fatal(err)
	}
	return v
}

// form posts fields with the page's CSRF token.
func (b *browser) form(pagePath, action string, fields url.Values) page {
	b.t.Helper()
	fields.Set("csrf_token", b.csrf(b.get(pagePath)))
	return b.post(action, fields)
}

func TestTrainerWeekShowsPublishedVisit(t *testing.T) {
	e := newEnv(t)
	cl := *e.clinicA
	cl.Phone = "+7 495 123-45-67"
	if err := e.st.UpdateClinic(context.Background(), &cl); err != nil {
		t.Fatal(err)
	}
	v := e.bookVisit(e.requestA, e.trainerA, testWeek.AddDays(1), "10:30", "12:30")
	b := e.browser()
	b.login(trainerA, "")
	p := b.get("/week/" + string(testWeek))
	if p.status != http.StatusOK {
		t.Fatalf("week: %d\n%s", p.status, p.body)
	}
	for _, want := range []string{"10:30–12:30", cl.Name, cl.Place.Address, `href="tel:&#43;74951234567"`,
		"25 min by", "Lunch", "12:45–13:15", "10:05", `href="/visits/` + v.ID + `"`, "<svg", `class="pin"`,
		`href="/week/2025-03-03"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the week lacks %q", want)
		}
	}
	// Another trainer's week does not show it, and its page is 404.
	b2 := e.browser()
	b2.login(trainerB, "")
	if p := b2.get("/week/" + string(testWeek)); strings.Contains(p.body, cl.Name) {
		t.Error("another trainer sees the visit in their week")
	}
	if p := b2.get("/visits/" + v.ID); p.status != http.StatusNotFound {
		t.Errorf("another trainer's visit: %d", p.status)
	}
	// The trainer, the clinic and a coordinator open the visit; the
	// other clinic gets 404.
	for who, want := range map[string]int{trainerA: 200, clinicA: 200, coord: 200, clinicB: 404} {
		b := e.browser()
		b.login(who, "")
		p := b.get("/visits/" + v.ID)
		if p.status != want {
			t.Errorf("/visits as %s: %d, want %d", who, p.status, want)
		}
		if want == 200 && !strings.Contains(p.body, "10:30–12:30") {
			t.Errorf("/visits as %s lacks the time", who)
		}
	}
	// The clinic's list shows the booked request's date, time and trainer.
	bc := e.browser()
	bc.login(clinicA, "")
	if p := bc.get("/requests"); !strings.Contains(p.body, "10:30–12:30") || !strings.Contains(p.body, e.trainerA.Name) {
		t.Errorf("the clinic's list lacks the booking:\n%s", p.body)
	}
	if p := bc.get("/requests/" + e.requestA.ID); !strings.Contains(p.body, "10:30–12:30") || !strings.Contains(p.body, `href="/visits/`+v.ID+`"`) {
		t.Errorf("the request page lacks its visit")
	}
	if p := b.get("/week/2025-03-11"); p.status != http.StatusNotFound && p.status != http.StatusBadRequest {
		t.Errorf("a week named by a Tuesday: %d", p.status)
	}
}

func TestClinicRequestFormValidation(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(clinicA, "")
	before := e.snapshotDocs()
	p := b.form("/requests/new", "/requests", url.Values{"kind": {"micro_training"}, "topic": {"Регистратура"},
		"participants": {"45"}, "hour_from": {"14:00"}, "hour_to": {"13:00"}, "urgency": {"high"}, "comment": {"до обеда"}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad hours: %d", p.status)
	}
	if !strings.Contains(p.body, "The end must be after the start.") || !strings.Contains(p.body, `value="Регистратура"`) ||
		!strings.Contains(p.body, "до обеда") || !strings.Contains(p.body, `value="45"`) {
		t.Errorf("the form lost typed values or the message:\n%s", p.body)
	}
	p = b.form("/requests/new", "/requests", url.Values{"kind": {"micro_training"}, "topic": {"Регистратура"},
		"participants": {"45"}, "urgency": {"high"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "A micro-training needs 1 to 30 participants.") {
		t.Fatalf("too many participants: %d\n%s", p.status, p.body)
	}
	if !strings.Contains(p.body, `<option value="high" selected>`) || !strings.Contains(p.body, `<option value="micro_training" selected>`) {
		t.Error("the selects lost their choice")
	}
	if d := before.diff(e.snapshotDocs()); d != "" {
		t.Fatalf("a refused form changed the database: %s", d)
	}
	p = b.form("/requests/new", "/requests", url.Values{"kind": {"micro_training"}, "topic": {"Регистратура"},
		"participants": {"8"}, "urgency": {"high"}, "days": {"tue", "thu"}, "hour_from": {"09:00"}, "hour_to": {"12:00"}})
	if p.status != http.StatusSeeOther || p.location != "/requests" {
		t.Fatalf("a good request: %d %s\n%s", p.status, p.location, p.body)
	}
	list := b.get("/requests")
	if !strings.Contains(list.body, "Регистратура") || !strings.Contains(list.body, "New") {
		t.Fatalf("the list lacks the new request:\n%s", list.body)
	}
	reqs, err := e.st.Requests(context.Background(), models.RequestFilter{ClinicID: e.clinicA.ID}, models.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := reqs[len(reqs)-1]
	if got.Kind != models.KindMicroTraining || got.Participants != 8 || got.Priority != models.PriorityHigh ||
		len(got.PreferredWindows.Tue) != 1 || got.PreferredWindows.Tue[0] != window("09:00", "12:00") || len(got.PreferredWindows.Mon) != 0 {
		t.Fatalf("stored request %+v", got)
	}
	// Other clinic: 404 on its page.
	b2 := e.browser()
	b2.login(clinicB, "")
	if p := b2.get("/requests/" + got.ID); p.status != http.StatusNotFound {
		t.Errorf("another clinic's request: %d", p.status)
	}
	if p := b2.get("/requests"); strings.Contains(p.body, "Регистратура") {
		t.Error("another clinic lists the request")
	}
	// Cancel from the request page.
	rp := b.get("/requests/" + got.ID)
	if rp.status != http.StatusOK || !strings.Contains(rp.body, "Cancel the request") {
		t.Fatalf("request page: %d", rp.status)
	}
	p = b.post("/requests/"+got.ID+"/cancel", url.Values{"csrf_token": {b.csrf(rp)}, "version": {"1"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d\n%s", p.status, p.body)
	}
	if r, _ := e.st.Request(context.Background(), got.ID); r.Status != models.StatusCancelled {
		t.Fatalf("after cancel: %s", r.Status)
	}
}

func TestFieldFormsRefuseWithoutCSRF(t *testing.T) {
	e := newEnv(t)
	before := e.snapshotDocs()
	for who, paths := range map[string][]string{
		clinicA:  {"/requests", "/requests/" + e.requestA.ID + "/cancel", "/requests/" + e.requestA.ID + "/change"},
		trainerA: {"/availability", "/availability/absences", "/availability/absences/0123456789abcdef01234567/delete"},
	} {
		b := e.browser()
		b.login(who, "")
		for _, path := range paths {
			p := b.post(path, url.Values{"csrf_token": {"forged"}, "kind": {"onsite_support"}, "topic": {"x"}, "version": {"1"}, "mon_1_from": {"09:00"}, "mon_1_to": {"10:00"},
				"comment": {"x"}, "abs_from": {"2025-03-20"}, "abs_confirm": {"1"}})
			if p.status != http.StatusForbidden {
				t.Errorf("POST %s as %s with a forged token: %d", path, who, p.status)
			}
		}
	}
	if d := before.diff(e.snapshotDocs()); d != "" {
		t.Fatalf("a forged post changed the database: %s", d)
	}
}

func TestAvailabilityPage(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(trainerA, "")
	p := b.get("/availability")
	if p.status != http.StatusOK || !strings.Contains(p.body, `name="mon_1_from"`) {
		t.Fatalf("availability: %d", p.status)
	}
	ver := func() string { tr, _ := e.st.Trainer(context.Background(), e.trainerA.ID); return itoa(tr.Version) }
	before := e.snapshotDocs()
	p = b.form("/availability", "/availability", url.Values{"version": {ver()}, "mon_1_from": {"09:00"}, "mon_1_to": {"08:00"},
		"lunch_earliest": {"12:00"}, "lunch_latest": {"14:00"}, "lunch_minutes": {"500"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "The end must be after the start.") || !strings.Contains(p.body, `value="08:00"`) {
		t.Fatalf("bad hours: %d\n%s", p.status, p.body)
	}
	p = b.form("/availability", "/availability", url.Values{"version": {ver()}, "mon_1_from": {"09:00"}, "mon_1_to": {"18:00"},
		"lunch_earliest": {"12:00"}, "lunch_latest": {"14:00"}, "lunch_minutes": {"500"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Between 1 and 180 minutes.") || !strings.Contains(p.body, `value="500"`) {
		t.Fatalf("long lunch: %d\n%s", p.status, p.body)
	}
	if d := before.diff(e.snapshotDocs()); d != "" {
		t.Fatalf("a refused form changed the database: %s", d)
	}
	// A booked Tuesday visit 10:30–12:30: dropping Tuesday warns first.
	e.bookVisit(e.requestA, e.trainerA, testWeek.AddDays(1), "10:30", "12:30")
	fields := url.Values{"version": {ver()}, "mon_1_from": {"09:00"}, "mon_1_to": {"18:00"}, "ov_date": {"2025-03-12"}, "ov_off": {"1"}, "ov_note": {"врач"}}
	p = b.form("/availability", "/availability", fields)
	if p.status != http.StatusConflict || !strings.Contains(p.body, "would fall outside your new hours") || !strings.Contains(p.body, e.clinicA.Name) {
		t.Fatalf("no warning about the booked visit: %d\n%s", p.status, p.body)
	}
	if !strings.Contains(p.body, `name="confirm" value="1"`) || !strings.Contains(p.body, `value="врач"`) {
		t.Fatal("the warning does not carry the confirmation and typed values")
	}
	fields.Set("confirm", "1")
	p = b.form("/availability", "/availability", fields)
	if p.status != http.StatusSeeOther {
		t.Fatalf("confirmed: %d\n%s", p.status, p.body)
	}
	tr, _ := e.st.Trainer(context.Background(), e.trainerA.ID)
	if len(tr.Weekly.Tue) != 0 || len(tr.Weekly.Mon) != 1 || len(tr.Overrides) != 1 || !tr.Overrides[0].Off || tr.Lunch != nil {
		t.Fatalf("saved availability %+v", tr.Availability)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestAbsenceFromAvailabilityPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.bookVisit(e.requestA, e.trainerA, testWeek.AddDays(1), "10:30", "12:30")
	b := e.browser()
	b.login(trainerA, "")
	before := e.snapshotDocs()
	p := b.form("/availability", "/availability/absences", url.Values{"abs_from": {"2025-03-12"}, "abs_to": {"2025-03-11"}, "abs_reason": {"грипп"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "The last day cannot be before the first.") || !strings.Contains(p.body, `value="грипп"`) {
		t.Fatalf("reversed days: %d\n%s", p.status, p.body)
	}
	fields := url.Values{"abs_from": {"2025-03-11"}, "abs_to": {"2025-03-12"}, "abs_reason": {"грипп"}}
	p = b.form("/availability", "/availability/absences", fields)
	if p.status != http.StatusConflict || !strings.Contains(p.body, "fall on the absent days") || !strings.Contains(p.body, e.clinicA.Name) {
		t.Fatalf("no warning about the booked visit: %d\n%s", p.status, p.body)
	}
	if d := before.diff(e.snapshotDocs()); d != "" {
		t.Fatalf("an unconfirmed absence changed the database: %s", d)
	}
	fields.Set("abs_confirm", "1")
	if p = b.form("/availability", "/availability/absences", fields); p.status != http.StatusSeeOther {
		t.Fatalf("confirmed absence: %d\n%s", p.status, p.body)
	}
	abs, err := e.st.Absences(ctx, e.trainerA.ID)
	if err != nil || len(abs) != 1 || len(abs[0].AffectedVisits) != 1 {
		t.Fatalf("stored absences %+v %v", abs, err)
	}
	page := b.get("/availability")
	if !strings.Contains(page.body, "/availability/absences/"+abs[0].ID+"/delete") || strings.Contains(page.body, `name="remove" value="2025-03-11"`) {
		t.Fatalf("the page lists the absence wrongly:\n%s", page.body)
	}
	// Another trainer cannot remove it.
	b2 := e.browser()
	b2.login(trainerB, "")
	if p := b2.form("/availability", "/availability/absences/"+abs[0].ID+"/delete", url.Values{}); p.status != http.StatusNotFound {
		t.Errorf("another trainer removing the absence: %d", p.status)
	}
	if p := b.form("/availability", "/availability/absences/"+abs[0].ID+"/delete", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%s", p.status, p.body)
	}
	tr, _ := e.st.Trainer(ctx, e.trainerA.ID)
	if len(tr.Overrides) != 0 {
		t.Fatalf("the absent days stayed: %+v", tr.Overrides)
	}
}

func TestClinicAsksToChangeBookedVisit(t *testing.T) {
	e := newEnv(t)
	e.bookVisit(e.requestA, e.trainerA, testWeek.AddDays(1), "10:30", "12:30")
	b := e.browser()
	b.login(clinicA, "")
	path := "/requests/" + e.requestA.ID
	if p := b.get(path); !strings.Contains(p.body, `action="`+path+`/change"`) {
		t.Fatalf("a booked request offers no change:\n%s", p.body)
	}
	before := e.snapshotDocs()
	p := b.form(path, path+"/change", url.Values{})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Tick the new days or hours") {
		t.Fatalf("an empty change: %d\n%s", p.status, p.body)
	}
	p = b.form(path, path+"/change", url.Values{"days": {"thu"}, "hour_from": {"15:00"}, "hour_to": {"14:00"}, "comment": {"после обеда"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "после обеда") || !strings.Contains(p.body, `value="thu" checked`) {
		t.Fatalf("bad hours: %d\n%s", p.status, p.body)
	}
	if d := before.diff(e.snapshotDocs()); d != "" {
		t.Fatalf("a refused change changed the database: %s", d)
	}
	p = b.form(path, path+"/change", url.Values{"days": {"thu"}, "hour_from": {"14:00"}, "hour_to": {"16:00"}, "comment": {"после обеда"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", p.status, p.body)
	}
	crs, err := e.st.ChangeRequests(context.Background(), models.ChangeRequestFilter{RequestID: e.requestA.ID}, models.Page{Limit: 5})
	if err != nil || len(crs) != 1 || len(crs[0].PreferredWindows.Thu) != 1 || crs[0].Comment != "после обеда" {
		t.Fatalf("stored change requests %+v %v", crs, err)
	}
	if p := b.get(path); !strings.Contains(p.body, "Waiting for the coordinator") || strings.Contains(p.body, `action="`+path+`/change"`) {
		t.Fatalf("after asking:\n%s", p.body)
	}
	b2 := e.browser()
	b2.login(clinicB, "")
	if p := b2.form("/requests", path+"/change", url.Values{"comment": {"x"}}); p.status != http.StatusNotFound {
		t.Errorf("another clinic asking to change: %d", p.status)
	}
}

func TestVisitOutcomeFromPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := e.bookVisit(e.requestA, e.trainerA, testWeek.AddDays(1), "10:30", "11:15")
	b := e.browser()
	b.login(trainerA, "")
	path := "/visits/" + v.ID
	if p := b.get(path); !strings.Contains(p.body, "can be recorded from the start of the visit, 10:30") || strings.Contains(p.body, `action="`+path+`/complete"`) {
		t.Fatalf("before the start:\n%s", p.body)
	}
	csrf := b.csrf(b.get("/account"))
	if p := b.post(path+"/complete", url.Values{"csrf_token": {csrf}, "outcome": {"done"}}); p.status != http.StatusConflict {
		t.Fatalf("completing before the start: %d", p.status)
	}
	e.clock.Advance(v.Start.Sub(e.clock.Now()) + time.Minute)
	before := e.snapshotDocs()
	p := b.form(path, path+"/complete", url.Values{"outcome": {"not_done"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Say why the visit did not take place") ||
		!strings.Contains(p.body, `value="not_done" checked`) {
		t.Fatalf("not done without a note: %d\n%s", p.status, p.body)
	}
	if d := before.diff(e.snapshotDocs()); d != "" {
		t.Fatalf("a refused outcome changed the database: %s", d)
	}
	// Another trainer and a clinic cannot record it.
	b2 := e.browser()
	b2.login(trainerB, "")
	if p := b2.form("/week", path+"/complete", url.Values{"outcome": {"done"}}); p.status != http.StatusNotFound {
		t.Errorf("another trainer completing: %d", p.status)
	}
	bc := e.browser()
	bc.login(clinicA, "")
	if p := bc.form("/requests", path+"/complete", url.Values{"outcome": {"done"}}); p.status != http.StatusForbidden {
		t.Errorf("the clinic completing: %d", p.status)
	}
	p = b.form(path, path+"/complete", url.Values{"outcome": {"done"}, "participants_trained": {"4"}, "note": {"все пришли"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("done: %d\n%s", p.status, p.body)
	}
	got, err := e.st.Visit(ctx, v.ID)
	if err != nil || got.Status != models.VisitDone || got.Outcome == nil || got.Outcome.ParticipantsTrained != 4 {
		t.Fatalf("stored visit %+v %v", got, err)
	}
	if p := b.get(path); !strings.Contains(p.body, "все пришли") || !strings.Contains(p.body, "4 participants trained") {
		t.Fatalf("the visit page lacks the outcome:\n%s", p.body)
	}
	if p := bc.get("/requests/" + e.requestA.ID); !strings.Contains(p.body, "все пришли") {
		t.Errorf("the clinic's request page lacks the outcome")
	}
}
