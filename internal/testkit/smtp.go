package testkit

import (
	"bytes"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// Mail is one message an SMTPServer accepted.
type Mail struct {
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO) the server accepted
	Data []byte   // the message as it arrived, headers and body
	TLS  bool     // whether the session was encrypted
	User string   // the authenticated user, if any
}

// Header parses the message's header, failing t if it does not parse.
func (m Mail) Header(t testing.TB) mail.Header {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("testkit: read message: %v\n%s", err, m.Data)
	}
	return msg.Header
}

// SMTPOptions configure an SMTPServer. The zero value is a plain server
// without authentication on a free loopback port.
type SMTPOptions struct {
	// Addr is where to listen; empty means a free loopback port.
	Addr string
	// StartTLS, when set, offers STARTTLS with this configuration.
	StartTLS *tls.Config
	// ImplicitTLS, when set, speaks TLS from the first byte.
	ImplicitTLS *tls.Config
	// Username and Password, when set, are required (AUTH PLAIN) before
	// MAIL FROM.
	Username, Password string
	// Stopped leaves the server down (connections are refused) until Start:
	// a mail server that is not there yet.
	Stopped bool
}

// SMTPServer is a real SMTP server on a loopback port that records every
// message it accepts, for tests of the code that sends mail. It refuses
// recipients whose address starts with "nobody@" (550 5.1.1), so a test can
// provoke a permanent failure. It can be stopped and started again on the
// same port, keeping what it recorded, to play a server that is down for a
// while. It stops when the test ends.
type SMTPServer struct {
	t    testing.TB
	opts SMTPOptions
	addr string

	mu        sync.Mutex
	msgs      []Mail
	sessions  int
	active    int
	maxActive int
	onMail    func()
	afterData func()
	stop      func()
}

// NewSMTPServer returns a running server (a stopped one with o.Stopped).
func NewSMTPServer(t testing.TB, o SMTPOptions) *SMTPServer {
	t.Helper()
	s := &SMTPServer{t: t, opts: o, addr: o.Addr}
	if s.addr == "" {
		s.addr = freeAddr(t)
	}
	t.Cleanup(s.Stop)
	if !o.Stopped {
		s.Start()
	}
	return s
}

// freeAddr finds a loopback port nothing listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testkit: find a free port: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("testkit: free port %s: %v", addr, err)
	}
	return addr
}

// Start makes the server listen; it does nothing when it already does.
func (s *SMTPServer) Start() {
	s.t.Helper()
	s.mu.Lock()
	running := s.stop != nil
	s.mu.Unlock()
	if running {
		return
	}
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatalf("testkit: SMTP server listen %s: %v", s.addr, err)
	}
	if s.opts.ImplicitTLS != nil {
		l = tls.NewListener(l, s.opts.ImplicitTLS)
	}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.TLSConfig = s.opts.StartTLS
	srv.AllowInsecureAuth = s.opts.StartTLS == nil && s.opts.ImplicitTLS == nil
	srv.ErrorLog = log.New(io.Discard, "", 0)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(l)
	}()
	var once sync.Once
	s.mu.Lock()
	s.stop = func() {
		once.Do(func() {
			_ = srv.Close()
			// Close only closes listeners Serve has registered; if Serve
			// has not started yet, closing ours is what ends it.
			_ = l.Close()
			<-served
		})
	}
	s.mu.Unlock()
}

// Stop closes the server and its connections; Start opens it again.
func (s *SMTPServer) Stop() {
	s.mu.Lock()
	stop := s.stop
	s.stop = nil
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// Addr returns the server's host:port.
func (s *SMTPServer) Addr() string { return s.addr }

// Host returns the server's host.
func (s *SMTPServer) Host() string {
	host, _, _ := net.SplitHostPort(s.addr) // s.addr came from net.Listen or the test
	return host
}

// Port returns the server's port.
func (s *SMTPServer) Port() int {
	s.t.Helper()
	_, port, err := net.SplitHostPort(s.addr)
	if err != nil {
		s.t.Fatalf("testkit: SMTP address %q: %v", s.addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		s.t.Fatalf("testkit: SMTP port %q: %v", port, err)
	}
	return p
}

// Messages returns every message accepted so far, in order of arrival.
func (s *SMTPServer) Messages() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.msgs...)
}

// Count returns how many messages were accepted so far.
func (s *SMTPServer) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// Since returns the messages accepted after the first n.
func (s *SMTPServer) Since(n int) []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.msgs[n:]...)
}

// Stats returns how many sessions were opened in all and how many were open
// at once at the most.
func (s *SMTPServer) Stats() (sessions, maxActive int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions, s.maxActive
}

// OnMail sets a function to run in each MAIL FROM (nil for none), before
// the server answers: a test can hold a sender in mid-transaction.
func (s *SMTPServer) OnMail(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onMail = f
}

// AfterData sets a function to run once a message has been recorded,
// before the server answers its DATA (nil for none).
func (s *SMTPServer) AfterData(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.afterData = f
}

func (s *SMTPServer) newSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.active++
	s.maxActive = max(s.maxActive, s.active)
	s.mu.Unlock()
	return &smtpSession{srv: s, conn: c}, nil
}

// smtpSession is one client connection of an SMTPServer.
type smtpSession struct {
	srv  *SMTPServer
	conn *gosmtp.Conn
	user string
	from string
	to   []string
}

func (ss *smtpSession) AuthMechanisms() []string {
	if ss.srv.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.srv.opts.Username || password != ss.srv.opts.Password {
			return gosmtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if ss.srv.opts.Username != "" && ss.user == "" {
		return gosmtp.ErrAuthRequired
	}
	ss.srv.mu.Lock()
	hook := ss.srv.onMail
	ss.srv.mu.Unlock()
	if hook != nil {
		hook()
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if strings.HasPrefix(to, "nobody@") {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := ss.conn.TLSConnectionState()
	ss.srv.mu.Lock()
	ss.srv.msgs = append(ss.srv.msgs, Mail{From: ss.from, To: ss.to, Data: data, TLS: isTLS, User: ss.user})
	after := ss.srv.afterData
	ss.srv.mu.Unlock()
	if after != nil {
		after()
	}
	return nil
}

func (ss *smtpSession) Reset() { ss.from, ss.to = "", nil }

func (ss *smtpSession) Logout() error {
	ss.srv.mu.Lock()
	ss.srv.active--
	ss.srv.mu.Unlock()
	return nil
}
