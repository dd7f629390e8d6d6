package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
)

// selfSigned makes a certificate for 127.0.0.1 and a client config that
// trusts it and nothing else.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fieldvisit test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: roots}
	return server, client
}

func testConfig(port int) SMTPConfig {
	return SMTPConfig{
		Host:    "127.0.0.1",
		Port:    port,
		From:    "Учебный центр <plan@centre.example>",
		TLS:     TLSNone,
		Timeout: 10 * time.Second,
		Now:     composedAt,
	}
}

func plainMessage(id string, to ...string) Message {
	return Message{ID: id, Kind: "test", To: to, Subject: "Проверка " + id, Text: "текст " + id, HTML: "<p>html " + id + "</p>"}
}

// parsedMail is a received message taken apart with the standard library.
type parsedMail struct {
	header      mail.Header
	subject     string
	text, html  string
	attachments []parsedPart
}

type parsedPart struct {
	contentType string
	filename    string
	data        []byte
}

func parseReceived(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, data)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	p := parsedMail{header: msg.Header, subject: subject}
	walkPart(t, &p, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body)
	return p
}

func walkPart(t *testing.T, p *parsedMail, contentType, encoding, disposition string, body io.Reader) {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("content type %q: %v", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextPart() // decodes quoted-printable itself
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("next part of %s: %v", mediaType, err)
			}
			walkPart(t, p, part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"),
				part.Header.Get("Content-Disposition"), part)
		}
	}
	data, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.EqualFold(encoding, "base64") {
		if data, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(data))); err != nil {
			t.Fatalf("base64 part %s: %v", mediaType, err)
		}
	}
	if strings.HasPrefix(disposition, "attachment") {
		_, dp, _ := mime.ParseMediaType(disposition)
		p.attachments = append(p.attachments, parsedPart{contentType: contentType, filename: dp["filename"], data: data})
		return
	}
	switch mediaType {
	case "text/plain":
		p.text = string(data)
	case "text/html":
		p.html = string(data)
	default:
		t.Errorf("unexpected inline part %s", mediaType)
	}
}

func TestSMTPSendsComposedMessage(t *testing.T) {
	box := testkit.NewSMTPServer(t, testkit.SMTPOptions{})
	port := box.Port()
	c, loc := newTestComposer(t)
	b := sampleBooking(loc)
	b.Sequence = 2
	b.PreviousStart, b.PreviousEnd = b.Start.Add(-time.Hour), b.End.Add(-time.Hour)
	m, err := c.ClinicBooking(ChangeMoved, b, composedAt())
	if err != nil {
		t.Fatal(err)
	}
	s := NewSMTP(testConfig(port))
	defer s.Close()
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}

	msgs := box.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.From != "plan@centre.example" || strings.Join(got.To, ",") != "head@clinic5.example,desk@clinic5.example" {
		t.Errorf("envelope from %q to %v", got.From, got.To)
	}
	p := parseReceived(t, got.Data)
	if p.subject != m.Subject || !strings.Contains(p.subject, "перенесён") {
		t.Errorf("Subject = %q, want %q (raw %q)", p.subject, m.Subject, p.header.Get("Subject"))
	}
	if raw := p.header.Get("Subject"); !strings.HasPrefix(raw, "=?UTF-8?") {
		t.Errorf("Cyrillic subject is not RFC 2047 encoded: %q", raw)
	}
	if id := p.header.Get("Message-Id"); id != "<clinic.moved.64f0c2a1.2@fieldvisit>" {
		t.Errorf("Message-ID = %q", id)
	}
	from, err := p.header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Учебный центр" || from[0].Address != "plan@centre.example" {
		t.Errorf("From = %v (%v)", from, err)
	}
	to, err := p.header.AddressList("To")
	if err != nil || len(to) != 2 || to[1].Address != "desk@clinic5.example" {
		t.Errorf("To = %v (%v)", to, err)
	}
	if rt := p.header.Get("Reply-To"); rt != "<plan@centre.example>" && rt != "plan@centre.example" {
		t.Errorf("Reply-To = %q", rt)
	}
	if date, err := p.header.Date(); err != nil || !date.Equal(composedAt()) {
		t.Errorf("Date = %v (%v)", date, err)
	}
	if p.header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", p.header.Get("Auto-Submitted"))
	}
	// Quoted-printable carries text with CRLF line ends, as mail must.
	if p.text = strings.ReplaceAll(p.text, "\r\n", "\n"); p.text != m.Text {
		t.Errorf("text body differs:\n got %q\nwant %q", p.text, m.Text)
	}
	if strings.ReplaceAll(p.html, "\r\n", "\n") != m.HTML {
		t.Errorf("HTML body differs")
	}
	if len(p.attachments) != 1 {
		t.Fatalf("%d attachments, want 1", len(p.attachments))
	}
	a := p.attachments[0]
	if a.contentType != "text/calendar; method=REQUEST; charset=UTF-8" || a.filename != "invite.ics" {
		t.Errorf("attachment %q %q", a.filename, a.contentType)
	}
	cal := decodeICS(t, a.data)
	ev := cal.Events()[0]
	seq, _ := ev.Props.Get("SEQUENCE").Int()
	if propText(t, cal.Props, "METHOD") != "REQUEST" || propText(t, ev.Props, "UID") != "64f0c2a1@fieldvisit" || seq != 2 {
		t.Errorf("attached calendar: METHOD %s UID %s SEQUENCE %d", propText(t, cal.Props, "METHOD"), propText(t, ev.Props, "UID"), seq)
	}
	if start, err := ev.DateTimeStart(nil); err != nil || !start.Equal(b.Start) {
		t.Errorf("attached DTSTART %v (%v), want %v", start, err, b.Start)
	}
}

func TestSMTPSecurityModes(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	tests := []struct {
		name     string
		server   testkit.SMTPOptions
		mode     TLSMode
		user     string
		wantTLS  bool
		wantUser string
	}{
		{"none without auth", testkit.SMTPOptions{}, TLSNone, "", false, ""},
		{"none with AUTH PLAIN", testkit.SMTPOptions{Username: "fv", Password: "s3cret"}, TLSNone, "fv", false, "fv"},
		{"STARTTLS with AUTH PLAIN", testkit.SMTPOptions{StartTLS: serverTLS, Username: "fv", Password: "s3cret"}, TLSStartTLS, "fv", true, "fv"},
		{"implicit TLS with AUTH PLAIN", testkit.SMTPOptions{ImplicitTLS: serverTLS, Username: "fv", Password: "s3cret"}, TLSImplicit, "fv", true, "fv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			box := testkit.NewSMTPServer(t, tc.server)
			port := box.Port()
			cfg := testConfig(port)
			cfg.TLS, cfg.TLSConfig = tc.mode, clientTLS
			cfg.Username, cfg.Password = tc.user, tc.server.Password
			s := NewSMTP(cfg)
			defer s.Close()
			if err := s.Send(context.Background(), plainMessage("m1", "a@clinic.example")); err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := box.Messages()
			if len(msgs) != 1 {
				t.Fatalf("%d messages arrived", len(msgs))
			}
			if msgs[0].TLS != tc.wantTLS || msgs[0].User != tc.wantUser {
				t.Errorf("arrived with TLS %v as %q, want TLS %v as %q", msgs[0].TLS, msgs[0].User, tc.wantTLS, tc.wantUser)
			}
		})
	}
}

func TestSMTPRefusals(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	tests := []struct {
		name      string
		server    testkit.SMTPOptions
		configure func(*SMTPConfig)
		msg       Message
		want      string
		permanent bool
	}{
		{
			name:      "STARTTLS required but not offered",
			configure: func(c *SMTPConfig) { c.TLS = TLSStartTLS },
			want:      "does not offer STARTTLS", permanent: true,
		},
		{
			name:      "untrusted certificate",
			server:    testkit.SMTPOptions{StartTLS: serverTLS},
			configure: func(c *SMTPConfig) { c.TLS = TLSStartTLS }, // system roots only
			want:      "certificate",
		},
		{
			name:   "wrong password",
			server: testkit.SMTPOptions{StartTLS: serverTLS, Username: "fv", Password: "right"},
			configure: func(c *SMTPConfig) {
				c.TLS, c.TLSConfig, c.Username, c.Password = TLSStartTLS, clientTLS, "fv", "wrong"
			},
			want: "AUTH PLAIN as fv", permanent: true,
		},
		{
			name:      "server requires auth",
			server:    testkit.SMTPOptions{Username: "fv", Password: "right"},
			configure: func(c *SMTPConfig) {},
			want:      "MAIL FROM", permanent: true,
		},
		{
			name:      "unknown recipient",
			configure: func(c *SMTPConfig) {},
			msg:       plainMessage("m2", "ok@clinic.example", "nobody@clinic.example"),
			want:      "RCPT TO nobody@clinic.example", permanent: true,
		},
		{
			name:      "no recipients",
			configure: func(c *SMTPConfig) {},
			msg:       plainMessage("m3"),
			want:      "no recipients", permanent: true,
		},
		{
			name:      "bad recipient address",
			configure: func(c *SMTPConfig) {},
			msg:       plainMessage("m4", "not an address"),
			want:      `recipient "not an address"`, permanent: true,
		},
		{
			name:      "no idempotency key",
			configure: func(c *SMTPConfig) {},
			msg:       plainMessage("", "a@clinic.example"),
			want:      "no ID", permanent: true,
		},
		{
			name:      "invalid configuration",
			configure: func(c *SMTPConfig) { c.From = "" },
			want:      "from address", permanent: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			box := testkit.NewSMTPServer(t, tc.server)
			port := box.Port()
			cfg := testConfig(port)
			tc.configure(&cfg)
			s := NewSMTP(cfg)
			defer s.Close()
			m := tc.msg
			if m.ID == "" && m.To == nil {
				m = plainMessage("m1", "a@clinic.example")
			}
			err := s.Send(context.Background(), m)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
			if Permanent(err) != tc.permanent {
				t.Errorf("Permanent(%v) = %v, want %v", err, Permanent(err), tc.permanent)
			}
			if n := len(box.Messages()); n != 0 {
				t.Errorf("%d messages arrived anyway", n)
			}
		})
	}
}

func TestSMTPServerDown(t *testing.T) {
	t.Run("refused, then back up", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()

		s := NewSMTP(testConfig(port))
		defer s.Close()
		err = s.Send(context.Background(), plainMessage("m1", "a@clinic.example"))
		if err == nil || !strings.Contains(err.Error(), "connect") || !strings.Contains(err.Error(), "m1") ||
			!strings.Contains(err.Error(), "127.0.0.1:"+strconv.Itoa(port)) {
			t.Fatalf("err = %v, want a connect error naming the message and the server", err)
		}
		if Permanent(err) {
			t.Errorf("a refused connection is reported as permanent")
		}

		box := testkit.NewSMTPServer(t, testkit.SMTPOptions{Addr: addr})
		if err := s.Send(context.Background(), plainMessage("m1", "a@clinic.example")); err != nil {
			t.Fatalf("Send after the server came back: %v", err)
		}
		if n := len(box.Messages()); n != 1 {
			t.Errorf("%d messages arrived, want 1", n)
		}
	})

	// A server that accepts connections and never answers: only the timeout
	// or the caller's context can end the send.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held sync.WaitGroup
	var conns []net.Conn
	var mu sync.Mutex
	held.Add(1)
	go func() {
		defer held.Done()
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		silent.Close()
		held.Wait()
		for _, c := range conns {
			c.Close()
		}
	})
	port := silent.Addr().(*net.TCPAddr).Port

	tests := []struct {
		name    string
		timeout time.Duration
		ctx     func() (context.Context, context.CancelFunc)
		want    error
	}{
		{"configured timeout", 200 * time.Millisecond, func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, context.DeadlineExceeded},
		{"caller's deadline", time.Minute, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		}, context.DeadlineExceeded},
		{"caller cancels", time.Minute, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(200*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(port)
			cfg.Timeout = tc.timeout
			s := NewSMTP(cfg)
			defer s.Close()
			ctx, cancel := tc.ctx()
			defer cancel()
			err := s.Send(ctx, plainMessage("m1", "a@clinic.example"))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), "read greeting") {
				t.Errorf("err = %v, want it to say where it stopped", err)
			}
		})
	}
}

func TestSMTPReusesConnections(t *testing.T) {
	box := testkit.NewSMTPServer(t, testkit.SMTPOptions{})
	port := box.Port()
	s := NewSMTP(testConfig(port))
	defer s.Close()
	for i := range 3 {
		if err := s.Send(context.Background(), plainMessage(fmt.Sprint("m", i), "a@clinic.example")); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	if sessions, _ := box.Stats(); sessions != 1 || len(box.Messages()) != 3 {
		t.Errorf("%d sessions for %d messages, want 1 for 3", sessions, len(box.Messages()))
	}

	// The server restarts: the pooled connection is dead and must be
	// replaced without failing the send.
	box.Stop()
	box2 := testkit.NewSMTPServer(t, testkit.SMTPOptions{Addr: "127.0.0.1:" + strconv.Itoa(port)})
	if err := s.Send(context.Background(), plainMessage("m3", "a@clinic.example")); err != nil {
		t.Fatalf("Send after restart: %v", err)
	}
	if n := len(box2.Messages()); n != 1 {
		t.Errorf("restarted server got %d messages, want 1", n)
	}

	s.Close()
	if err := s.Send(context.Background(), plainMessage("m4", "a@clinic.example")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close: %v, want ErrClosed", err)
	}
}

func TestSMTPPoolBoundsConnections(t *testing.T) {
	box := testkit.NewSMTPServer(t, testkit.SMTPOptions{})
	port := box.Port()
	cfg := testConfig(port)
	cfg.PoolSize = 2
	s := NewSMTP(cfg)
	defer s.Close()
	const n = 12
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Send(context.Background(), plainMessage(fmt.Sprint("m", i), "a@clinic.example"))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Send: %v", err)
		}
	}
	seen := map[string]bool{}
	for _, m := range box.Messages() {
		seen[parseReceived(t, m.Data).header.Get("Message-Id")] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct messages arrived, want %d", len(seen), n)
	}
	if _, maxActive := box.Stats(); maxActive > 2 {
		t.Errorf("%d connections were open at once, pool size is 2", maxActive)
	}
}

func TestMessageID(t *testing.T) {
	tests := []struct{ id, want string }{
		{"clinic.booked.64f0c2a1.0", "<clinic.booked.64f0c2a1.0@fieldvisit>"},
		{"trainer.week.t-1.2026-12-07.3", "<trainer.week.t-1.2026-12-07.3@fieldvisit>"},
		{"a b", "<a=20b@fieldvisit>"},
		{"a=b", "<a=3Db@fieldvisit>"},
		{"a..b", "<a.=2Eb@fieldvisit>"},
		{".lead", "<=2Elead@fieldvisit>"},
		{"x<y>@z", "<x=3Cy=3E=40z@fieldvisit>"},
		{"Жук", "<=D0=96=D1=83=D0=BA@fieldvisit>"},
	}
	for _, tc := range tests {
		got := MessageID(tc.id, "fieldvisit")
		if got != tc.want {
			t.Errorf("MessageID(%q) = %q, want %q", tc.id, got, tc.want)
		}
		if _, err := mail.ParseAddress("x " + got); err != nil {
			t.Errorf("MessageID(%q) = %q is not a valid msg-id: %v", tc.id, got, err)
		}
	}
}

func TestSMTPConfigValidate(t *testing.T) {
	good := SMTPConfig{Host: "smtp.example", From: "plan@centre.example"}
	tests := []struct {
		name   string
		change func(*SMTPConfig)
		want   string
	}{
		{"defaults are fine", func(*SMTPConfig) {}, ""},
		{"no host", func(c *SMTPConfig) { c.Host = "" }, "host"},
		{"bad port", func(c *SMTPConfig) { c.Port = 70000 }, "port"},
		{"bad mode", func(c *SMTPConfig) { c.TLS = "ssl" }, "TLS mode"},
		{"bad from", func(c *SMTPConfig) { c.From = "plan at centre" }, "from address"},
		{"password alone", func(c *SMTPConfig) { c.Password = "x" }, "username"},
		{"negative timeout", func(c *SMTPConfig) { c.Timeout = -time.Second }, "timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.change(&cfg)
			err := cfg.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		in   string
		want TLSMode
		ok   bool
	}{{"", TLSStartTLS, true}, {"TLS", TLSImplicit, true}, {"none", TLSNone, true}, {" starttls ", TLSStartTLS, true}, {"ssl", "", false}} {
		got, err := ParseTLSMode(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseTLSMode(%q) = %q, %v", tc.in, got, err)
		}
	}
	if d := good.withDefaults(); d.Port != 587 || d.TLS != TLSStartTLS || d.PoolSize != 2 || d.Timeout != 30*time.Second {
		t.Errorf("defaults: %+v", d)
	}
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	cfg := good
	cfg.Password = "hunter2"
	logger.Info("smtp", "config", cfg)
	if strings.Contains(buf.String(), "hunter2") || !strings.Contains(buf.String(), "REDACTED") {
		t.Errorf("logged config leaks the password: %s", buf.String())
	}
}
