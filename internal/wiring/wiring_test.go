package wiring_test

import (
	"context"
	"testing"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
	"github.com/fieldvisit/fieldvisit/internal/wiring"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestNewRefusesIncompleteConfig(t *testing.T) {
	st := storetest.Store(t, nil)
	loc := testkit.Moscow(t)
	for name, cfg := range map[string]wiring.Config{
		"no store":    {Location: loc, ReplyTo: "coord@fv.example"},
		"no location": {Store: st, ReplyTo: "coord@fv.example"},
		// The composer needs somewhere for answers to go.
		"no reply-to": {Store: st, Location: loc},
	} {
		if _, err := wiring.New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

// TestMailGoesToSMTPOrMailbox: with SMTP settings the dispatcher hands the
// outbox to the server; without them the mail stays in the development
// mailbox.
func TestMailGoesToSMTPOrMailbox(t *testing.T) {
	box := testkit.NewSMTPServer(t, testkit.SMTPOptions{})
	for name, smtp := range map[string]*notify.SMTPConfig{
		"smtp":    {Host: box.Host(), Port: box.Port(), TLS: notify.TLSNone, From: "Fieldvisit <plan@fv.example>"},
		"mailbox": nil,
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Store(t, nil)
			svc, err := wiring.New(wiring.Config{Store: st, Location: testkit.Moscow(t), ReplyTo: "coord@fv.example", SMTP: smtp})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(svc.Close)
			if (svc.SMTP != nil) != (smtp != nil) {
				t.Fatalf("SMTP sender %v for settings %v", svc.SMTP, smtp)
			}
			before := box.Count()
			enqueue(t, st)
			if err := svc.Dispatcher.Run(ctx); err != nil {
				t.Fatal(err)
			}
			sent, err := st.OutboxMessages(ctx, models.OutboxSent, models.Page{Limit: models.MaxPageSize})
			if err != nil {
				t.Fatal(err)
			}
			arrived := box.Count() - before
			if len(sent) != 1 || sent[0].Mailbox != (smtp == nil) || arrived != map[bool]int{true: 1, false: 0}[smtp != nil] {
				t.Errorf("sent %+v, %d arrived at the server", sent, arrived)
			}
		})
	}
}

// enqueue puts one message in st's outbox.
func enqueue(t *testing.T, st *store.Store) {
	t.Helper()
	m := &models.OutboxMessage{ID: "m1", Kind: "clinic.booked",
		Mail: models.Mail{To: []string{"head@clinic.example"}, Subject: "Visit", Text: "Booked."}}
	if _, err := st.EnqueueMail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}
