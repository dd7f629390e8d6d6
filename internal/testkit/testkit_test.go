package testkit

import (
	"net/smtp"
	"strings"
	"testing"
	"time"
)

func TestClockMoves(t *testing.T) {
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	c := NewClock(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Now = %v, want %v", c.Now(), start)
	}
	c.Advance(90 * time.Minute)
	if want := start.Add(90 * time.Minute); !c.Now().Equal(want) {
		t.Fatalf("after Advance: %v, want %v", c.Now(), want)
	}
	c.Set(start)
	if !c.Now().Equal(start) {
		t.Fatalf("after Set: %v, want %v", c.Now(), start)
	}
}

// send delivers one message with the standard library's client.
func send(s *SMTPServer, to, body string) error {
	return smtp.SendMail(s.Addr(), nil, "plan@centre.example", []string{to}, []byte(body))
}

func TestSMTPServerRecordsAndRestarts(t *testing.T) {
	s := NewSMTPServer(t, SMTPOptions{Stopped: true})
	if err := send(s, "a@clinic.example", "Subject: one\r\n\r\nbody\r\n"); err == nil {
		t.Fatal("a stopped server accepted a message")
	}
	s.Start()
	if err := send(s, "a@clinic.example", "Message-ID: <1@test>\r\nSubject: one\r\n\r\nbody\r\n"); err != nil {
		t.Fatalf("send: %v", err)
	}
	err := send(s, "nobody@clinic.example", "Subject: two\r\n\r\nbody\r\n")
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Fatalf("send to nobody@: %v, want a 550", err)
	}
	s.Stop()
	s.Start()
	if err := send(s, "b@clinic.example", "Message-ID: <2@test>\r\nSubject: two\r\n\r\nbody\r\n"); err != nil {
		t.Fatalf("send after restart: %v", err)
	}
	got := s.Messages()
	if len(got) != 2 || s.Count() != 2 {
		t.Fatalf("recorded %d messages (Count %d), want 2", len(got), s.Count())
	}
	if got[0].From != "plan@centre.example" || strings.Join(got[0].To, ",") != "a@clinic.example" ||
		got[0].Header(t).Get("Message-ID") != "<1@test>" || got[0].TLS || got[0].User != "" {
		t.Errorf("first message %+v", got[0])
	}
	if since := s.Since(1); len(since) != 1 || since[0].Header(t).Get("Message-ID") != "<2@test>" {
		t.Errorf("Since(1) = %+v, want the second message", since)
	}
	if sessions, maxActive := s.Stats(); sessions < 3 || maxActive != 1 {
		t.Errorf("Stats = %d sessions, %d at once; want at least 3, 1 at once", sessions, maxActive)
	}
}

func TestSMTPServerRequiresAuth(t *testing.T) {
	s := NewSMTPServer(t, SMTPOptions{Username: "fv", Password: "s3cret"})
	if err := send(s, "a@clinic.example", "Subject: x\r\n\r\nx\r\n"); err == nil {
		t.Fatal("a server requiring AUTH accepted mail without it")
	}
	auth := smtp.PlainAuth("", "fv", "s3cret", s.Host())
	if err := smtp.SendMail(s.Addr(), auth, "plan@centre.example", []string{"a@clinic.example"}, []byte("Subject: x\r\n\r\nx\r\n")); err != nil {
		t.Fatalf("send with AUTH: %v", err)
	}
	if got := s.Messages(); len(got) != 1 || got[0].User != "fv" {
		t.Fatalf("recorded %+v, want one message from user fv", got)
	}
}
