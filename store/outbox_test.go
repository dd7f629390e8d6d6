package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

func newMail(id string) *models.OutboxMessage {
	return &models.OutboxMessage{
		ID:   id,
		Kind: "clinic.confirmed",
		Mail: models.Mail{
			To: []string{"head@clinic.example"}, Subject: "Визит подтверждён", Text: "text", HTML: "<p>html</p>",
			Attachments: []models.Attachment{{Name: "invite.ics", ContentType: "text/calendar; method=REQUEST", Data: []byte("BEGIN:VCALENDAR")}},
		},
	}
}

func TestOutboxLifecycle(t *testing.T) {
	ctx := context.Background()
	s, clock := newStore(t)

	m := newMail("visit:v1:seq:0:clinic")
	created, err := s.EnqueueMail(ctx, m)
	if err != nil || !created {
		t.Fatalf("enqueue: created %v, %v", created, err)
	}
	if m.Status != models.OutboxPending || m.Version != 1 || !m.NextAttemptAt.Equal(clock.Now()) {
		t.Fatalf("enqueued = %+v", m)
	}
	again := newMail("visit:v1:seq:0:clinic")
	again.Mail.Subject = "changed"
	if created, err := s.EnqueueMail(ctx, again); err != nil || created {
		t.Fatalf("second enqueue of one change: created %v, %v; want false, nil", created, err)
	}
	later := newMail("visit:v2:seq:0:clinic")
	later.NextAttemptAt = clock.Now().Add(time.Hour)
	if _, err := s.EnqueueMail(ctx, later); err != nil {
		t.Fatal(err)
	}

	due, err := s.DueMessages(ctx, clock.Now(), 10)
	if err != nil || len(due) != 1 || due[0].ID != m.ID || due[0].Mail.Subject != "Визит подтверждён" || len(due[0].Mail.Attachments) != 1 {
		t.Fatalf("due = %+v, %v", due, err)
	}

	msg := due[0]
	stale := msg
	if err := s.RescheduleMessage(ctx, &msg, "dial: refused", clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if msg.Attempts != 1 || msg.LastError != "dial: refused" || msg.Status != models.OutboxPending || msg.Version != 2 {
		t.Fatalf("rescheduled = %+v", msg)
	}
	if err := s.MarkMessageSent(ctx, &stale, false); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("stale mark: err = %v, want ErrConflict", err)
	}
	if due, err := s.DueMessages(ctx, clock.Now(), 10); err != nil || len(due) != 0 {
		t.Fatalf("due before the retry time = %+v, %v", due, err)
	}
	clock.Advance(time.Minute)
	if err := s.FailMessage(ctx, &msg, "dial: refused again"); err != nil {
		t.Fatal(err)
	}
	failed, err := s.OutboxMessages(ctx, models.OutboxFailed, models.Page{})
	if err != nil || len(failed) != 1 || failed[0].ID != m.ID || failed[0].Attempts != 2 || failed[0].LastError != "dial: refused again" {
		t.Fatalf("failed = %+v, %v", failed, err)
	}
	if err := s.RetryMessage(ctx, "visit:v2:seq:0:clinic"); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("retry of a pending message: err = %v, want ErrConflict", err)
	}
	if err := s.RetryMessage(ctx, "nope"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("retry of a missing message: err = %v, want ErrNotFound", err)
	}
	if err := s.RetryMessage(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.OutboxMessage(ctx, m.ID)
	if err != nil || got.Status != models.OutboxPending || got.Attempts != 0 || !got.NextAttemptAt.Equal(clock.Now()) {
		t.Fatalf("retried = %+v, %v", got, err)
	}
	if err := s.MarkMessageSent(ctx, got, true); err != nil {
		t.Fatal(err)
	}
	if got.Status != models.OutboxSent || !got.Mailbox || got.SentAt == nil || got.Attempts != 1 {
		t.Fatalf("sent = %+v", got)
	}

	tests := []struct {
		status models.OutboxStatus
		want   int
	}{{models.OutboxSent, 1}, {models.OutboxPending, 1}, {models.OutboxFailed, 0}, {"", 2}}
	for _, tt := range tests {
		list, err := s.OutboxMessages(ctx, tt.status, models.Page{})
		if err != nil || len(list) != tt.want {
			t.Errorf("OutboxMessages(%q) = %d messages, %v; want %d", tt.status, len(list), err, tt.want)
		}
	}
	page, err := s.OutboxMessages(ctx, "", models.Page{Limit: 1})
	if err != nil || len(page) != 1 {
		t.Fatalf("first page = %v, %v", page, err)
	}
	next, err := s.OutboxMessages(ctx, "", models.Page{After: page[0].ID, Limit: 1})
	if err != nil || len(next) != 1 || next[0].ID == page[0].ID {
		t.Fatalf("second page = %v, %v", next, err)
	}
}

// TestArchiveSentMessages: sent mail is copied to the archive and loses its
// bodies in the outbox after the slim cut, while its key still refuses a
// second enqueue; the slim record goes after the drop cut. Pending mail is
// left alone.
func TestArchiveSentMessages(t *testing.T) {
	ctx := context.Background()
	s, clock := newStore(t)
	for _, id := range []string{"old", "recent", "pending"} {
		if _, err := s.EnqueueMail(ctx, newMail(id)); err != nil {
			t.Fatal(err)
		}
	}
	markSent := func(id string) {
		m, err := s.OutboxMessage(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.MarkMessageSent(ctx, m, false); err != nil {
			t.Fatal(err)
		}
	}
	markSent("old")
	clock.Advance(2 * 24 * time.Hour)
	markSent("recent")
	clock.Advance(time.Hour)

	day, month := 24*time.Hour, 30*24*time.Hour
	for i, want := range []int{1, 0} { // the second call finds nothing more to do
		n, err := s.ArchiveSentMessages(ctx, clock.Now().Add(-day), clock.Now().Add(-month))
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("call %d archived %d messages, want %d", i+1, n, want)
		}
	}
	old, err := s.OutboxMessage(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if old.Status != models.OutboxSent || old.Mail.Text != "" || old.Mail.HTML != "" || len(old.Mail.Attachments) != 0 ||
		old.Mail.Subject != "Визит подтверждён" || len(old.Mail.To) != 1 || old.SentAt == nil {
		t.Fatalf("slim record of an archived message = %+v", old)
	}
	for _, id := range []string{"recent", "pending"} {
		if m, err := s.OutboxMessage(ctx, id); err != nil || m.Mail.Text == "" || len(m.Mail.Attachments) != 1 {
			t.Fatalf("%s lost its bodies: %+v, %v", id, m, err)
		}
	}
	// The key of archived mail still de-duplicates: a late re-run of the
	// publication that enqueued it must not send it again.
	if created, err := s.EnqueueMail(ctx, newMail("old")); err != nil || created {
		t.Fatalf("enqueue of an archived key: created %v, %v; want false, nil", created, err)
	}

	clock.Advance(month - day) // old went out a month ago, recent four weeks ago
	n, err := s.ArchiveSentMessages(ctx, clock.Now().Add(-day), clock.Now().Add(-month))
	if err != nil {
		t.Fatal(err)
	}
	// recent is slimmed now, and old's record goes; recent's stays until
	// its own month has passed.
	if n != 2 {
		t.Fatalf("a month later: %d slimmed or deleted, want 2", n)
	}
	left, err := s.OutboxMessages(ctx, "", models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 2 || left[0].ID != "pending" || left[1].ID != "recent" || left[1].Mail.Text != "" {
		t.Fatalf("outbox a month later = %+v, want pending and the slim record of recent", left)
	}
}
