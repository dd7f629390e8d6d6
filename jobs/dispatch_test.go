package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/store"
)

func TestBackoffDelay(t *testing.T) {
	b := jobs.Backoff{Base: 30 * time.Second, Max: 10 * time.Minute}
	tests := []struct {
		failures int
		r        float64
		want     time.Duration
	}{
		{1, 0, 15 * time.Second},
		{1, 0.999999, 30 * time.Second},
		{2, 0, 30 * time.Second},
		{3, 0.5, 90 * time.Second},       // 2m: 1m + 0.5·1m
		{5, 0, 4 * time.Minute},          // 8m
		{6, 0, 5 * time.Minute},          // 16m capped at 10m
		{60, 0.999999, 10 * time.Minute}, // capped, no overflow
		{1000, 0, 5 * time.Minute},       // still capped
		{2, 0.25, 30*time.Second + 7500*time.Millisecond},
	}
	for _, tt := range tests {
		got := b.Delay(tt.failures, tt.r)
		if got.Round(time.Millisecond) != tt.want {
			t.Errorf("Delay(%d, %v) = %v, want %v", tt.failures, tt.r, got, tt.want)
		}
	}
}

// mailDispatcher returns a dispatcher of instance "a" on s (see
// newDispatcher) that sends to a test SMTP server of its own, running when
// up is true and down (refusing connections) until started otherwise.
func mailDispatcher(t *testing.T, s *store.Store, clock *testkit.Clock, up bool, maxAttempts int) (*jobs.Dispatcher, *testkit.SMTPServer) {
	t.Helper()
	server := testkit.NewSMTPServer(t, testkit.SMTPOptions{Stopped: !up})
	return newDispatcher(t, s, clock, sender(t, server), "a", maxAttempts), server
}

// newDispatcher returns a dispatcher on s with a fixed jitter of 0, so every
// wait is exactly half its backoff step: 30s, 1m, 2m, 4m…
func newDispatcher(t *testing.T, s *store.Store, clock *testkit.Clock, sender notify.Sender, holder string, maxAttempts int) *jobs.Dispatcher {
	t.Helper()
	d, err := jobs.NewDispatcher(jobs.DispatcherConfig{
		Store:       s,
		Sender:      sender,
		Holder:      holder,
		MaxAttempts: maxAttempts,
		Backoff:     jobs.Backoff{Base: time.Minute, Max: 16 * time.Minute},
		Rand:        func() float64 { return 0 },
		SendTimeout: 5 * time.Second,
		LeaseTTL:    time.Minute,
		Now:         clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func runPass(t *testing.T, d *jobs.Dispatcher) {
	t.Helper()
	if err := d.Run(context.Background()); err != nil {
		t.Fatalf("dispatcher pass: %v", err)
	}
}

// TestDispatchRetriesUntilSMTPIsBack: with the mail server down, messages
// wait and are retried on the backoff schedule (not before), and once it is
// back each arrives exactly once.
func TestDispatchRetriesUntilSMTPIsBack(t *testing.T) {
	s, clock := instance(t)
	d, server := mailDispatcher(t, s, clock, false, 8)
	ids := []string{"visit:v1:seq:0:clinic:head@clinic.example", "visit:v2:seq:0:clinic:head@clinic.example", "week:2026-12-07:1:trainer:t1"}
	enqueue(t, s, ids...)
	start := clock.Now()

	// Each row is one pass: how far the clock moved before it, and where
	// every message must stand after it.
	steps := []struct {
		name      string
		advance   time.Duration
		serverUp  bool
		attempts  int
		status    models.OutboxStatus
		nextAfter time.Duration // next attempt, from start
	}{
		{"first failure", 0, false, 1, models.OutboxPending, 30 * time.Second},
		{"not due yet", 29 * time.Second, false, 1, models.OutboxPending, 30 * time.Second},
		{"second failure", time.Second, false, 2, models.OutboxPending, 90 * time.Second},
		{"third failure", time.Minute, false, 3, models.OutboxPending, 90*time.Second + 2*time.Minute},
		{"server back, not due yet", time.Minute, true, 3, models.OutboxPending, 90*time.Second + 2*time.Minute},
		{"delivered", time.Minute, true, 4, models.OutboxSent, 90*time.Second + 2*time.Minute},
		{"nothing left", time.Hour, true, 4, models.OutboxSent, 90*time.Second + 2*time.Minute},
	}
	for _, step := range steps {
		clock.Advance(step.advance)
		if step.serverUp {
			server.Start()
		}
		runPass(t, d)
		for _, id := range ids {
			m := message(t, s, id)
			if m.Attempts != step.attempts || m.Status != step.status || !m.NextAttemptAt.Equal(start.Add(step.nextAfter)) {
				t.Fatalf("%s: %s is %s after %d attempts, next at +%v; want %s after %d, next at +%v",
					step.name, id, m.Status, m.Attempts, m.NextAttemptAt.Sub(start), step.status, step.attempts, step.nextAfter)
			}
			if m.Status == models.OutboxPending && !strings.Contains(m.LastError, "connect") {
				t.Fatalf("%s: last error of %s = %q, want the connection failure", step.name, id, m.LastError)
			}
		}
	}

	got := byMessageID(t, server)
	if len(got) != len(ids) {
		t.Fatalf("received %v, want each of %d messages", got, len(ids))
	}
	for _, id := range ids {
		if n := got[notify.MessageID(id, "fieldvisit.test")]; n != 1 {
			t.Errorf("message %s arrived %d times, want exactly once", id, n)
		}
	}
	for _, m := range server.Messages() {
		if len(m.To) != 1 || m.To[0] != "head@clinic.example" {
			t.Errorf("message %s went to %v", m.Header(t).Get("Message-ID"), m.To)
		}
	}
}

// TestDispatchStopsPassDuringOutage: once three messages in a row fail, a
// pass leaves the rest for the next one without spending their attempts.
func TestDispatchStopsPassDuringOutage(t *testing.T) {
	s, clock := instance(t)
	d, _ := mailDispatcher(t, s, clock, false, 8)
	ids := []string{"m1", "m2", "m3", "m4", "m5"}
	enqueue(t, s, ids...)
	attempts := func() []int {
		var n []int
		for _, id := range ids {
			n = append(n, message(t, s, id).Attempts)
		}
		return n
	}
	runPass(t, d)
	if got := fmt.Sprint(attempts()); got != "[1 1 1 0 0]" {
		t.Fatalf("attempts after the first pass = %s, want [1 1 1 0 0]", got)
	}
	runPass(t, d) // the first three are not due yet; the other two are tried
	if got := fmt.Sprint(attempts()); got != "[1 1 1 1 1]" {
		t.Fatalf("attempts after the second pass = %s, want [1 1 1 1 1]", got)
	}
}

// TestDispatchGivesUpThenRetry: after the attempt limit a message is failed
// and listed with its error; a coordinator's retry makes it pending, and it
// is sent once the server answers.
func TestDispatchGivesUpThenRetry(t *testing.T) {
	ctx := context.Background()
	s, clock := instance(t)
	d, server := mailDispatcher(t, s, clock, false, 3)
	const id = "visit:v1:seq:0:clinic:head@clinic.example"
	enqueue(t, s, id)

	for range 3 {
		runPass(t, d)
		clock.Advance(time.Hour)
	}
	failed, err := s.OutboxMessages(ctx, models.OutboxFailed, models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].ID != id || failed[0].Attempts != 3 || !strings.Contains(failed[0].LastError, "connect") {
		t.Fatalf("failed messages = %+v, want %s after 3 attempts with the connection error", failed, id)
	}
	server.Start()
	runPass(t, d) // a failed message is not retried by itself
	if n := len(server.Messages()); n != 0 {
		t.Fatalf("%d messages sent before the retry, want 0", n)
	}

	if err := s.RetryMessage(ctx, id); err != nil {
		t.Fatal(err)
	}
	runPass(t, d)
	runPass(t, d)
	if got := byMessageID(t, server); len(got) != 1 || got[notify.MessageID(id, "fieldvisit.test")] != 1 {
		t.Fatalf("received %v, want %s once", got, id)
	}
	if m := message(t, s, id); m.Status != models.OutboxSent || m.Attempts != 1 {
		t.Fatalf("after retry: %s after %d attempts, want sent after 1", m.Status, m.Attempts)
	}
	if failed, err := s.OutboxMessages(ctx, models.OutboxFailed, models.Page{}); err != nil || len(failed) != 0 {
		t.Fatalf("failed after the retry = %v, %v", failed, err)
	}
}

// TestDispatchPermanentRefusalFailsAtOnce: a 5xx reply is not retried.
func TestDispatchPermanentRefusalFailsAtOnce(t *testing.T) {
	ctx := context.Background()
	s, clock := instance(t)
	d, _ := mailDispatcher(t, s, clock, true, 8)
	m := &models.OutboxMessage{ID: "m1", Mail: models.Mail{To: []string{"nobody@clinic.example"}, Subject: "s", Text: "t"}}
	if _, err := s.EnqueueMail(ctx, m); err != nil {
		t.Fatal(err)
	}
	runPass(t, d)
	got := message(t, s, "m1")
	if got.Status != models.OutboxFailed || got.Attempts != 1 || !strings.Contains(got.LastError, "550") {
		t.Fatalf("message refused with 550 is %s after %d attempts (%q), want failed after 1 with the reply", got.Status, got.Attempts, got.LastError)
	}
}

func TestDispatchToDevelopmentMailbox(t *testing.T) {
	s, clock := instance(t)
	d := newDispatcher(t, s, clock, nil, "a", 8)
	enqueue(t, s, "m1", "m2")
	runPass(t, d)
	for _, id := range []string{"m1", "m2"} {
		if m := message(t, s, id); m.Status != models.OutboxSent || !m.Mailbox || m.SentAt == nil {
			t.Fatalf("%s = %s mailbox=%v, want sent to the mailbox", id, m.Status, m.Mailbox)
		}
	}
}

// TestDispatchCrashSafety: a dispatcher that claimed a message and then
// died leaves it to another dispatcher (with a client of its own), which
// sends it exactly once after the lease expires; one that died after the
// server took the message but before marking it makes the other resend it
// with the same Message-ID.
func TestDispatchCrashSafety(t *testing.T) {
	const id = "visit:v1:seq:0:clinic:head@clinic.example"
	tests := []struct {
		name string
		// crash makes instance A claim id and die; it returns when A is gone.
		crash func(t *testing.T, a *store.Store, clock *testkit.Clock, server *testkit.SMTPServer)
		// arrivals is how many copies reach the server in all.
		arrivals int
	}{
		{
			name: "lease claimed, then the holder died",
			crash: func(t *testing.T, a *store.Store, clock *testkit.Clock, _ *testkit.SMTPServer) {
				if _, err := a.ClaimLease(context.Background(), jobs.OutboxResource(id), "a", time.Minute); err != nil {
					t.Fatal(err)
				}
			},
			arrivals: 1,
		},
		{
			name: "context cancelled while sending",
			crash: func(t *testing.T, a *store.Store, clock *testkit.Clock, server *testkit.SMTPServer) {
				ctx, cancel := context.WithCancel(context.Background())
				inMail := make(chan struct{})
				release := make(chan struct{})
				server.OnMail(func() { close(inMail); <-release })
				d := newDispatcher(t, a, clock, sender(t, server), "a", 8)
				done := make(chan error)
				go func() { done <- d.Run(ctx) }()
				<-inMail // A has claimed the message and is talking to the server
				cancel()
				err := <-done
				server.OnMail(nil)
				close(release)
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("cancelled pass: err = %v, want context.Canceled", err)
				}
			},
			arrivals: 1,
		},
		{
			name: "server took it, the holder died before marking",
			crash: func(t *testing.T, a *store.Store, clock *testkit.Clock, server *testkit.SMTPServer) {
				ctx, cancel := context.WithCancel(context.Background())
				var once sync.Once
				server.AfterData(func() { once.Do(cancel) })
				d := newDispatcher(t, a, clock, sender(t, server), "a", 8)
				if err := d.Run(ctx); !errors.Is(err, context.Canceled) {
					t.Fatalf("cancelled pass: err = %v, want context.Canceled", err)
				}
			},
			arrivals: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stores, clock := instances(t, 2)
			a, b := stores[0], stores[1]
			server := testkit.NewSMTPServer(t, testkit.SMTPOptions{})
			enqueue(t, a, id)

			tt.crash(t, a, clock, server)
			if m := message(t, b, id); m.Status != models.OutboxPending || m.Attempts != 0 {
				t.Fatalf("after the crash: %s after %d attempts, want pending after 0", m.Status, m.Attempts)
			}
			before := len(server.Messages())

			other := newDispatcher(t, b, clock, sender(t, server), "b", 8)
			runPass(t, other)
			if n := len(server.Messages()); n != before {
				t.Fatalf("B sent while A's lease was live (%d → %d messages)", before, n)
			}
			clock.Advance(time.Minute + time.Second)
			runPass(t, other)
			runPass(t, other)

			if m := message(t, b, id); m.Status != models.OutboxSent {
				t.Fatalf("after B's passes: %s, want sent", m.Status)
			}
			got := byMessageID(t, server)
			if len(got) != 1 || got[notify.MessageID(id, "fieldvisit.test")] != tt.arrivals {
				t.Fatalf("received %v, want %d copies of one Message-ID", got, tt.arrivals)
			}
		})
	}
}
