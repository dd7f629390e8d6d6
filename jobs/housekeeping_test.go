package jobs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
)

// TestHousekeeping: a month after mail went to the development mailbox,
// housekeeping archives it, prunes the leases its delivery left behind and
// deletes the expired token; an outbox pass alone does none of it.
func TestHousekeeping(t *testing.T) {
	s, clock := instance(t)
	ctx := context.Background()
	d := newDispatcher(t, s, clock, nil, "a", 8)
	enqueue(t, s, "m1", "m2")
	runPass(t, d)

	// A token that expires within the month, and one that outlives it.
	for i, ttl := range []time.Duration{24 * time.Hour, 60 * 24 * time.Hour} {
		tok := &models.Token{Hash: fmt.Sprintf("hash-%d", i), ID: fmt.Sprintf("t%d", i), UserID: "u1", Kind: models.TokenSession,
			CreatedAt: clock.Now(), ExpiresAt: clock.Now().Add(ttl)}
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(31 * 24 * time.Hour)
	runPass(t, d)
	if left, err := s.OutboxMessages(ctx, "", models.Page{}); err != nil || len(left) != 2 {
		t.Fatalf("outbox after an outbox pass = %d messages, %v; want both still there", len(left), err)
	}

	h, err := jobs.NewHousekeeping(jobs.HousekeepingConfig{Store: s, Mailbox: true, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if left, err := s.OutboxMessages(ctx, "", models.Page{}); err != nil || len(left) != 0 {
		t.Fatalf("outbox after housekeeping = %d messages, %v; want none", len(left), err)
	}
	if leases, err := s.Leases(ctx, jobs.OutboxResource("m1")); err != nil || len(leases) != 0 {
		t.Fatalf("leases of m1 after housekeeping = %+v, %v; want none", leases, err)
	}
	// Tokens hides expired tokens by itself, so look from a month back,
	// when both were valid: only a deleted one is missing then.
	clock.Advance(-31 * 24 * time.Hour)
	if toks, err := s.Tokens(ctx, "u1"); err != nil || len(toks) != 1 || toks[0].ID != "t1" {
		t.Fatalf("tokens left by housekeeping = %+v, %v; want only t1", toks, err)
	}
}

// TestHousekeepingKeepsHotCollectionsSmall: mail that went out over SMTP
// keeps only a slim record in the outbox a day later (every pass decodes
// the whole outbox on the embedded server), whose key still refuses a
// second enqueue, and which goes after a month; plan versions nobody
// published leave the plans two weeks later, the week's latest and
// published ones staying.
func TestHousekeepingKeepsHotCollectionsSmall(t *testing.T) {
	ctx := context.Background()
	s, clock := instance(t)
	d, server := mailDispatcher(t, s, clock, true, 8)
	h, err := jobs.NewHousekeeping(jobs.HousekeepingConfig{Store: s, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	const id = "visit:v1:seq:0:clinic:head@clinic.example"
	enqueue(t, s, id)
	const week = models.Date("2026-12-07")
	for range 3 {
		if err := s.CreatePlan(ctx, &models.Plan{Week: week}); err != nil {
			t.Fatal(err)
		}
	}
	at := clock.Now()
	if _, err := s.SetPlanStatus(ctx, models.PlanID(week, 1), 1, models.PlanPublished, &at); err != nil {
		t.Fatal(err)
	}
	runPass(t, d)
	if m := message(t, s, id); m.Status != models.OutboxSent {
		t.Fatalf("message is %s, want sent", m.Status)
	}

	steps := []struct {
		name     string
		advance  time.Duration
		outbox   int
		bodies   bool // the sent message still carries its bodies
		versions []int
	}{
		{"an hour later", time.Hour, 1, true, []int{3, 2, 1}},
		{"a day later", 24 * time.Hour, 1, false, []int{3, 2, 1}},
		{"two weeks later", 14 * 24 * time.Hour, 1, false, []int{3, 1}},
		{"a month later", 16 * 24 * time.Hour, 0, false, []int{3, 1}},
	}
	for _, step := range steps {
		clock.Advance(step.advance)
		if err := h.Run(ctx); err != nil {
			t.Fatal(err)
		}
		left, err := s.OutboxMessages(ctx, "", models.Page{})
		if err != nil {
			t.Fatal(err)
		}
		plans, err := s.Plans(ctx, week)
		if err != nil {
			t.Fatal(err)
		}
		var versions []int
		for _, p := range plans {
			versions = append(versions, p.Version)
		}
		bodies := len(left) == 1 && left[0].Mail.Text != "" && len(left[0].Mail.Attachments) == 1
		if len(left) != step.outbox || bodies != step.bodies || fmt.Sprint(versions) != fmt.Sprint(step.versions) {
			t.Fatalf("%s: %d messages in the outbox (bodies %v) and plan versions %v; want %d (bodies %v) and %v",
				step.name, len(left), bodies, versions, step.outbox, step.bodies, step.versions)
		}
		if step.name == "two weeks later" {
			// The slim record still refuses the same change.
			m := &models.OutboxMessage{ID: id, Mail: models.Mail{To: []string{"head@clinic.example"}, Subject: "again"}}
			if created, err := s.EnqueueMail(ctx, m); err != nil || created {
				t.Fatalf("enqueue of an archived message: created %v, %v; want false, nil", created, err)
			}
		}
	}
	if got := byMessageID(t, server); len(got) != 1 || got[notify.MessageID(id, "fieldvisit.test")] != 1 {
		t.Fatalf("received %v, want %s once", got, id)
	}
}
