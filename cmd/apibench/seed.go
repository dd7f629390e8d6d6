package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/fieldvisit/fieldvisit/handlers"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
)

// dataset is what was seeded that the endpoints need: ids to look up and
// the tokens of the three accounts.
type dataset struct {
	week                         models.Date // the latest seeded week, which has a plan
	requestIDs, clinicRequestIDs []string
	visitIDs, trainerVisitIDs    []string
	clinicIDs, trainerIDs        []string
	tokens                       struct{ coordinator, clinic, trainer string }
}

// weeks is how far back the seeded requests and visits reach: a year.
const weeks = 52

// seed fills st through its own create methods, one document at a time
// (the store has no bulk insert, and the embedded server has one
// connection anyway): o.Clinics clinics, o.Trainers trainers, o.Requests
// requests over the last year (mostly done), o.Visits visits of them, one
// audit entry per two requests, an outbox message per ten visits, a change
// request per twenty requests, one plan of the latest week, and a
// coordinator, a clinic and a trainer account with an API token each. The
// clinic account is clinic 0's, the trainer account trainer 0's.
func seed(ctx context.Context, st *store.Store, o options, progress io.Writer) (*dataset, error) {
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 1))
	d := &dataset{}
	loc := time.UTC
	d.week = models.DateOf(time.Now(), loc).Monday()
	first := d.week.AddDays(-7 * (weeks - 1))
	day := models.Week{
		Mon: []models.Window{{Start: 9 * 60, End: 17 * 60}}, Tue: []models.Window{{Start: 9 * 60, End: 17 * 60}},
		Wed: []models.Window{{Start: 9 * 60, End: 17 * 60}}, Thu: []models.Window{{Start: 9 * 60, End: 17 * 60}},
		Fri: []models.Window{{Start: 9 * 60, End: 17 * 60}},
	}
	place := func() models.Place {
		return models.Place{Address: fmt.Sprintf("Street %d", rng.IntN(1000)+1),
			Lat: 55.6 + rng.Float64()*0.3, Lon: 37.4 + rng.Float64()*0.4}
	}
	skills := []string{"ultrasound", "ecg", "triage", "pediatrics", "wound_care"}

	for i := range o.Clinics {
		c := &models.Clinic{Name: fmt.Sprintf("Clinic %d", i+1), Place: place(), District: fmt.Sprintf("D%d", i%12),
			ContactEmails: []string{fmt.Sprintf("clinic%d@bench.test", i+1)}, Hours: day, Lang: "en"}
		if err := st.CreateClinic(ctx, c); err != nil {
			return nil, fmt.Errorf("seed clinic %d: %w", i, err)
		}
		d.clinicIDs = append(d.clinicIDs, c.ID)
	}
	for i := range o.Trainers {
		t := &models.Trainer{Name: fmt.Sprintf("Trainer %d", i+1), Email: fmt.Sprintf("trainer%d@bench.test", i+1),
			Skills: skills[:1+i%len(skills)], StartPlace: place(), EndPlace: place(), MaxVisitsDay: 4,
			MaxWorkMinutes: 480, TravelMode: models.TravelMode("car"), Lang: "en",
			Availability: models.Availability{Weekly: day}}
		if err := st.CreateTrainer(ctx, t); err != nil {
			return nil, fmt.Errorf("seed trainer %d: %w", i, err)
		}
		d.trainerIDs = append(d.trainerIDs, t.ID)
	}
	fmt.Fprintf(progress, "  %d clinics, %d trainers\n", o.Clinics, o.Trainers)

	kinds := []models.Kind{models.KindOnsiteSupport, models.KindMicroTraining, models.KindDifficultCase, models.KindFollowUp}
	prios := []models.Priority{models.PriorityUrgent, models.PriorityHigh, models.PriorityNormal, models.PriorityNormal, models.PriorityLow}
	reqs := make([]*models.Request, 0, o.Requests)
	for i := range o.Requests {
		// Spread over the year, oldest first, as they were filed.
		week := first.AddDays(7 * (i * weeks / o.Requests))
		status := models.StatusDone
		switch r := rng.IntN(100); {
		case week == d.week && r < 50:
			status = models.StatusNew
		case week == d.week:
			status = models.StatusPlanned
		case r < 10:
			status = models.StatusCancelled
		}
		r := &models.Request{ClinicID: d.clinicIDs[rng.IntN(len(d.clinicIDs))], Kind: kinds[rng.IntN(len(kinds))],
			Topic:  fmt.Sprintf("Topic %d: a realistic line of text about what is needed", i+1),
			Skills: skills[rng.IntN(len(skills)):][:1], DurationMinutes: 60 + 30*rng.IntN(4),
			PreferredWindows: day, EarliestDate: week, DueDate: week.AddDays(13), Priority: prios[rng.IntN(len(prios))],
			Participants: 1 + rng.IntN(12), Comment: "Please bring the handouts; the second floor entrance is open.",
			Status: status}
		if err := st.CreateRequest(ctx, r); err != nil {
			return nil, fmt.Errorf("seed request %d: %w", i, err)
		}
		reqs = append(reqs, r)
		d.requestIDs = append(d.requestIDs, r.ID)
		if r.ClinicID == d.clinicIDs[0] {
			d.clinicRequestIDs = append(d.clinicRequestIDs, r.ID)
		}
		if i%2 == 0 {
			e := &models.AuditEntry{At: time.Now(), ActorRole: models.RoleClinic, Action: "create", Entity: "request",
				EntityID: r.ID, Summary: r.Topic, Method: "POST", Route: "/api/v1/requests", Status: 201}
			if err := st.AddAudit(ctx, e); err != nil {
				return nil, fmt.Errorf("seed audit entry %d: %w", i, err)
			}
		}
		if i%20 == 0 {
			cr := &models.ChangeRequest{RequestID: r.ID, ClinicID: r.ClinicID, PreferredWindows: day,
				Comment: "Tuesdays work better", Status: models.ChangePending, PreviousWindows: day}
			if err := st.CreateChangeRequest(ctx, cr); err != nil {
				return nil, fmt.Errorf("seed change request %d: %w", i, err)
			}
		}
		if (i+1)%2000 == 0 {
			fmt.Fprintf(progress, "  %d requests\n", i+1)
		}
	}
	if len(d.clinicRequestIDs) == 0 {
		d.clinicRequestIDs = d.requestIDs[:1] // another clinic's: 404s, counted as such
	}

	for i := range o.Visits {
		// A request's first visit has its id; later ones (re-planned after
		// a cancellation) have their own.
		r := reqs[i%len(reqs)]
		id := r.ID
		if i >= len(reqs) {
			id = handlers.NewID()
		}
		date := r.EarliestDate.AddDays(rng.IntN(5))
		t0, _ := time.ParseInLocation(models.DateLayout, string(date), loc)
		start := t0.Add(time.Duration(9*60+30*rng.IntN(12)) * time.Minute)
		status := models.VisitDone
		switch {
		case i >= len(reqs):
			status = models.VisitCancelled
		case r.Status == models.StatusPlanned || r.Status == models.StatusNew:
			status = models.VisitScheduled
		}
		v := &models.Visit{ID: id, RequestID: r.ID, ClinicID: r.ClinicID, TrainerID: d.trainerIDs[rng.IntN(len(d.trainerIDs))],
			Week: r.EarliestDate, Date: date, Start: start, End: start.Add(time.Duration(r.DurationMinutes) * time.Minute),
			Kind: r.Kind, Topic: r.Topic, Participants: r.Participants, Status: status, PlanVersion: 1,
			UID: id + "@bench.test", Sequence: 0}
		if err := st.CreateVisit(ctx, v); err != nil {
			return nil, fmt.Errorf("seed visit %d: %w", i, err)
		}
		d.visitIDs = append(d.visitIDs, v.ID)
		if v.TrainerID == d.trainerIDs[0] {
			d.trainerVisitIDs = append(d.trainerVisitIDs, v.ID)
		}
		if i%10 == 0 {
			m := &models.OutboxMessage{ID: "visit:" + v.ID + ":seq:0:clinic", Kind: "visit_scheduled",
				Mail: models.Mail{To: []string{"clinic@bench.test"}, Subject: "Visit scheduled: " + v.Topic,
					Text: "A trainer visits you on " + string(v.Date) + ".", HTML: "<p>A trainer visits you.</p>"}}
			if _, err := st.EnqueueMail(ctx, m); err != nil {
				return nil, fmt.Errorf("seed outbox message %d: %w", i, err)
			}
		}
		if (i+1)%4000 == 0 {
			fmt.Fprintf(progress, "  %d visits\n", i+1)
		}
	}
	if len(d.visitIDs) == 0 {
		return nil, fmt.Errorf("seed: the lookups need at least one visit")
	}
	if len(d.trainerVisitIDs) == 0 {
		d.trainerVisitIDs = d.visitIDs[:1] // another trainer's: 404s, counted as such
	}
	if err := st.CreatePlan(ctx, &models.Plan{Week: d.week, Trigger: "bench", Routes: []models.PlanRoute{}, Unassigned: []models.Unassigned{}}); err != nil {
		return nil, fmt.Errorf("seed plan: %w", err)
	}
	return d, seedAccounts(ctx, st, d)
}

// seedAccounts adds the coordinator, clinic and trainer accounts with an
// API token each and keeps the tokens' secrets in d.
func seedAccounts(ctx context.Context, st *store.Store, d *dataset) error {
	hash, err := handlers.HashPassword("bench-password")
	if err != nil {
		return err
	}
	for _, a := range []struct {
		u     models.User
		token *string
	}{
		{models.User{Email: "coordinator@bench.test", Name: "Coordinator", Role: models.RoleCoordinator}, &d.tokens.coordinator},
		{models.User{Email: "clinic@bench.test", Name: "Clinic", Role: models.RoleClinic, ClinicID: d.clinicIDs[0]}, &d.tokens.clinic},
		{models.User{Email: "trainer@bench.test", Name: "Trainer", Role: models.RoleTrainer, TrainerID: d.trainerIDs[0]}, &d.tokens.trainer},
	} {
		u := a.u
		u.PasswordHash, u.Lang = hash, "en"
		if err := st.CreateUser(ctx, &u); err != nil {
			return fmt.Errorf("seed %s account: %w", u.Role, err)
		}
		secret, th := handlers.NewToken()
		tok := &models.Token{Hash: th, UserID: u.ID, Kind: models.TokenAPI, Name: "apibench",
			ExpiresAt: time.Now().Add(30 * 24 * time.Hour)}
		if err := st.CreateToken(ctx, tok); err != nil {
			return fmt.Errorf("seed %s token: %w", u.Role, err)
		}
		*a.token = secret
	}
	return nil
}
