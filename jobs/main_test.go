package jobs_test

import (
	"context"
	"io"
	"log"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// testClock is the clock every store and job of a test shares.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// instances returns n stores on one fresh database, each through a client
// of its own, as n instances of the service would have, sharing clock.
func instances(t *testing.T, n int) ([]*store.Store, *testClock) {
	t.Helper()
	ctx := context.Background()
	clock := newTestClock()
	db := storetest.Database(t)
	first := store.New(db, clock.Now)
	if err := first.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	stores := []*store.Store{first}
	for range n - 1 {
		client, err := store.Connect(ctx, storetest.URI(t), storetest.Embedded(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := client.Disconnect(context.Background()); err != nil {
				t.Errorf("disconnect: %v", err)
			}
		})
		stores = append(stores, store.New(client.Database(db.Name()), clock.Now))
	}
	return stores, clock
}

// received is one message a test SMTP server accepted.
type received struct {
	messageID string
	to        []string
	header    mail.Header
}

// mailServer is a real SMTP server (emersion/go-smtp) on a loopback port
// that keeps what it receives. It can be stopped and started again on the
// same port, to play a mail server that is down for a while.
type mailServer struct {
	t    *testing.T
	addr string

	mu  sync.Mutex
	got []received
	// hook, when set, runs in each MAIL FROM; afterData runs once a
	// message's data has been read and kept, before the reply is sent.
	hook      func()
	afterData func()

	srv    *gosmtp.Server
	served chan struct{}
}

// newMailServer picks a free loopback port and returns a server for it that
// is not listening yet: until start, connections are refused.
func newMailServer(t *testing.T) *mailServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ms := &mailServer{t: t, addr: addr}
	t.Cleanup(ms.stop)
	return ms
}

func (ms *mailServer) start() {
	ms.t.Helper()
	l, err := net.Listen("tcp", ms.addr)
	if err != nil {
		ms.t.Fatalf("listen %s: %v", ms.addr, err)
	}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) {
		return &session{ms: ms}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(l)
	}()
	ms.mu.Lock()
	ms.srv, ms.served = srv, served
	ms.mu.Unlock()
}

func (ms *mailServer) stop() {
	ms.mu.Lock()
	srv, served := ms.srv, ms.served
	ms.srv, ms.served = nil, nil
	ms.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
		<-served
	}
}

// sender returns the service's SMTP sender pointed at the server.
func (ms *mailServer) sender(t *testing.T) *notify.SMTP {
	host, port, _ := net.SplitHostPort(ms.addr)
	p, _ := strconv.Atoi(port)
	s := notify.NewSMTP(notify.SMTPConfig{
		Host: host, Port: p, TLS: notify.TLSNone, From: "Fieldvisit <plan@centre.example>",
		Timeout: 10 * time.Second, MessageIDDomain: "fieldvisit.test",
	})
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// received returns how many times each Message-ID arrived.
func (ms *mailServer) byMessageID() map[string]int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	n := map[string]int{}
	for _, r := range ms.got {
		n[r.messageID]++
	}
	return n
}

func (ms *mailServer) messages() []received {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]received(nil), ms.got...)
}

type session struct {
	ms *mailServer
	to []string
}

func (s *session) Mail(string, *gosmtp.MailOptions) error {
	s.ms.mu.Lock()
	hook := s.ms.hook
	s.ms.mu.Unlock()
	if hook != nil {
		hook()
	}
	return nil
}

func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if strings.HasPrefix(to, "nobody@") {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, msg.Body); err != nil {
		return err
	}
	s.ms.mu.Lock()
	s.ms.got = append(s.ms.got, received{messageID: msg.Header.Get("Message-ID"), to: s.to, header: msg.Header})
	after := s.ms.afterData
	s.ms.mu.Unlock()
	if after != nil {
		after()
	}
	return nil
}

func (s *session) Reset()        { s.to = nil }
func (s *session) Logout() error { return nil }

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
