package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// instances returns n stores on one fresh database, each through a client
// of its own, as n instances of the service would have, sharing a clock that
// reads a Thursday night until the test moves it.
func instances(t *testing.T, n int) ([]*store.Store, *testkit.Clock) {
	t.Helper()
	clock := testkit.NewClock(time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC))
	return storetest.Instances(t, n, clock.Now), clock
}

// instance returns one store on a fresh database and its clock.
func instance(t *testing.T) (*store.Store, *testkit.Clock) {
	t.Helper()
	stores, clock := instances(t, 1)
	return stores[0], clock
}

// sender returns the service's SMTP sender pointed at server.
func sender(t *testing.T, server *testkit.SMTPServer) *notify.SMTP {
	t.Helper()
	s := notify.NewSMTP(notify.SMTPConfig{
		Host: server.Host(), Port: server.Port(), TLS: notify.TLSNone, From: "Fieldvisit <plan@centre.example>",
		Timeout: 10 * time.Second, MessageIDDomain: "fieldvisit.test",
	})
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// byMessageID returns how many times each Message-ID arrived at server.
func byMessageID(t *testing.T, server *testkit.SMTPServer) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, m := range server.Messages() {
		n[m.Header(t).Get("Message-ID")]++
	}
	return n
}

// enqueue puts one pending message per id into the outbox.
func enqueue(t *testing.T, s *store.Store, ids ...string) {
	t.Helper()
	for _, id := range ids {
		m := &models.OutboxMessage{
			ID:   id,
			Kind: "clinic.confirmed",
			Mail: models.Mail{
				To: []string{"head@clinic.example"}, Subject: "Визит подтверждён " + id,
				Text: "Визит подтверждён.", HTML: "<p>Визит подтверждён.</p>",
				Attachments: []models.Attachment{{Name: "invite.ics", ContentType: "text/calendar; method=REQUEST; charset=utf-8", Data: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")}},
			},
		}
		if created, err := s.EnqueueMail(context.Background(), m); err != nil || !created {
			t.Fatalf("enqueue %s: created %v, %v", id, created, err)
		}
	}
}

// message loads one outbox message.
func message(t *testing.T, s *store.Store, id string) *models.OutboxMessage {
	t.Helper()
	m, err := s.OutboxMessage(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
