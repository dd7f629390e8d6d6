package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jordan-wright/email"
)

// TLSMode says how the SMTP connection is protected.
type TLSMode string

// The TLS modes (SMTP_TLS).
const (
	// TLSNone sends in the clear; only for a relay on a trusted network.
	TLSNone TLSMode = "none"
	// TLSStartTLS connects in the clear and upgrades with STARTTLS, which
	// the server must offer (usually port 587).
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte (usually port 465).
	TLSImplicit TLSMode = "tls"
)

// ParseTLSMode reads an SMTP_TLS value; the empty string means TLSStartTLS.
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return TLSStartTLS, nil
	case TLSNone, TLSStartTLS, TLSImplicit:
		return m, nil
	}
	return "", fmt.Errorf("SMTP TLS mode %q: want none, starttls or tls", s)
}

// SMTPConfig is how to reach the mail server. Zero fields get the defaults
// documented on each.
type SMTPConfig struct {
	Host string
	// Port defaults to 587 for starttls, 465 for tls and 25 for none.
	Port     int
	Username string
	Password string
	// From is the sender, e.g. "Учебный центр <plan@centre.example>".
	From string
	// TLS defaults to TLSStartTLS.
	TLS TLSMode
	// Timeout bounds one message from dialling to the server's final reply;
	// default 30s. The caller's context can shorten it.
	Timeout time.Duration
	// PoolSize is how many connections are open and used at once; default 2.
	PoolSize int
	// TLSConfig overrides the TLS settings (a private CA, say); nil means the
	// system roots, with ServerName set to Host.
	TLSConfig *tls.Config
	// HelloName is the name sent with EHLO; default "localhost".
	HelloName string
	// MessageIDDomain is the right-hand side of Message-IDs; default "fieldvisit".
	MessageIDDomain string
	// Now stamps the Date header; default time.Now.
	Now func() time.Time
}

// withDefaults fills the zero fields.
func (c SMTPConfig) withDefaults() SMTPConfig {
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		switch c.TLS {
		case TLSImplicit:
			c.Port = 465
		case TLSNone:
			c.Port = 25
		default:
			c.Port = 587
		}
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.PoolSize == 0 {
		c.PoolSize = 2
	}
	if c.HelloName == "" {
		c.HelloName = "localhost"
	}
	if c.MessageIDDomain == "" {
		c.MessageIDDomain = "fieldvisit"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports the first setting that cannot work, after defaults.
// Call it at start so a bad configuration stops the service with a clear
// message instead of failing every send.
func (c SMTPConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case strings.TrimSpace(c.Host) == "":
		return errors.New("SMTP host is empty")
	case c.Port < 1 || c.Port > 65535:
		return fmt.Errorf("SMTP port %d is out of range", c.Port)
	case c.TLS != TLSNone && c.TLS != TLSStartTLS && c.TLS != TLSImplicit:
		return fmt.Errorf("SMTP TLS mode %q: want none, starttls or tls", c.TLS)
	case c.Timeout < 0:
		return fmt.Errorf("SMTP timeout %v is negative", c.Timeout)
	case c.PoolSize < 0:
		return fmt.Errorf("SMTP pool size %d is negative", c.PoolSize)
	case c.Password != "" && c.Username == "":
		return errors.New("SMTP password is set without a username")
	case strings.ContainsAny(c.HelloName, " \r\n"):
		return fmt.Errorf("SMTP hello name %q has spaces or line breaks", c.HelloName)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("SMTP from address %q: %w", c.From, err)
	}
	return nil
}

// LogValue lets slog print the configuration with the password redacted.
func (c SMTPConfig) LogValue() slog.Value {
	password := ""
	if c.Password != "" {
		password = "REDACTED"
	}
	return slog.GroupValue(
		slog.String("host", c.Host), slog.Int("port", c.Port), slog.String("username", c.Username),
		slog.String("password", password), slog.String("from", c.From), slog.String("tls", string(c.TLS)),
		slog.Duration("timeout", c.Timeout), slog.Int("pool_size", c.PoolSize),
	)
}

// SMTP sends messages through one mail server, keeping up to PoolSize
// connections open between sends. It is safe for concurrent use.
//
// jordan-wright/email builds the MIME message; the connections are our own
// (net/smtp) rather than email.Pool, because email.Pool cannot speak
// implicit TLS, upgrades with STARTTLS only when offered (silently sending
// in the clear otherwise), bounds only the wait for a connection and not the
// conversation, and has unsynchronised fields that the race detector flags.
type SMTP struct {
	cfg     SMTPConfig
	addr    string
	invalid error         // from Validate; every Send reports it
	slots   chan struct{} // one token per conversation in progress

	mu     sync.Mutex
	idle   []*smtpConn
	closed bool
}

var _ Sender = (*SMTP)(nil)

// maxIdle is how long an unused connection is kept; servers commonly drop
// idle clients after a few minutes, and a fresh dial is cheap next to that.
const maxIdle = 30 * time.Second

// NewSMTP returns a sender for cfg. It does not connect: the first Send
// does. An invalid cfg makes every Send fail with the reason (see Validate).
func NewSMTP(cfg SMTPConfig) *SMTP {
	cfg = cfg.withDefaults()
	size := max(cfg.PoolSize, 1)
	return &SMTP{
		cfg:     cfg,
		addr:    net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		invalid: cfg.Validate(),
		slots:   make(chan struct{}, size),
	}
}

// Close closes the idle connections; a send in progress finishes and then
// closes its own. Sends after Close fail.
func (s *SMTP) Close() error {
	s.mu.Lock()
	idle := s.idle
	s.idle, s.closed = nil, true
	s.mu.Unlock()
	for _, c := range idle {
		c.quit()
	}
	return nil
}

// ErrClosed is returned by Send after Close.
var ErrClosed = errors.New("smtp sender is closed")

// permanentError marks failures that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent reports whether retrying the same message cannot succeed: the
// message or the configuration is unusable, or the server answered with a
// permanent (5xx) reply. A dispatcher can mark such messages failed at once.
func Permanent(err error) bool {
	var p *permanentError
	if errors.As(err, &p) {
		return true
	}
	var reply *textproto.Error
	return errors.As(err, &reply) && reply.Code >= 500 && reply.Code < 600
}

// Send delivers m, bounded by ctx and the configured timeout. The
// Message-ID is derived from m.ID, so sending the same message twice (after
// a crash between sending and recording it) yields the same Message-ID.
// Errors name the message and the server; see Permanent.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if s.invalid != nil {
		return fmt.Errorf("send %s: %w", m.ID, &permanentError{s.invalid})
	}
	env, err := s.envelope(m)
	if err != nil {
		return fmt.Errorf("send %s: %w", m.ID, &permanentError{err})
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("send %s: wait for a free connection to %s: %w", m.ID, s.addr, ctx.Err())
	}
	defer func() { <-s.slots }()

	if err := s.deliver(ctx, env); err != nil {
		// An expired or cancelled context surfaces as an i/o error on the
		// connection; say which, so callers can tell a timeout from a refusal.
		// The connection's deadline is the context's, and the network poller
		// may notice it a moment before the context does.
		ctxErr := ctx.Err()
		if ctxErr == nil && errors.Is(err, os.ErrDeadlineExceeded) {
			ctxErr = context.DeadlineExceeded
		}
		if ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w: %w", ctxErr, err)
		}
		return fmt.Errorf("send %s via %s: %w", m.ID, s.addr, err)
	}
	return nil
}

// envelope is a message ready for the wire.
type envelope struct {
	from string
	to   []string
	data []byte
}

// envelope renders m with jordan-wright/email: multipart/alternative text
// and HTML, attachments with their own content types, RFC 2047 subject.
func (s *SMTP) envelope(m Message) (envelope, error) {
	if m.ID == "" {
		return envelope{}, errors.New("the message has no ID")
	}
	if len(m.To) == 0 {
		return envelope{}, errors.New("the message has no recipients")
	}
	if m.Text == "" && m.HTML == "" {
		return envelope{}, errors.New("the message has no body")
	}
	from, err := mail.ParseAddress(s.cfg.From)
	if err != nil {
		return envelope{}, fmt.Errorf("from address %q: %w", s.cfg.From, err)
	}
	to := make([]string, 0, len(m.To))
	for _, r := range m.To {
		a, err := mail.ParseAddress(r)
		if err != nil {
			return envelope{}, fmt.Errorf("recipient %q: %w", r, err)
		}
		to = append(to, a.Address)
	}
	e := email.NewEmail()
	e.From = from.String()
	e.To = to
	e.Subject = m.Subject
	e.Text = []byte(m.Text)
	e.HTML = []byte(m.HTML)
	if m.ReplyTo != "" {
		a, err := mail.ParseAddress(m.ReplyTo)
		if err != nil {
			return envelope{}, fmt.Errorf("reply-to %q: %w", m.ReplyTo, err)
		}
		// Set as a header, already encoded: the library would Q-encode a
		// display name together with the address and break it.
		e.Headers.Set("Reply-To", a.String())
	}
	e.Headers.Set("Message-ID", MessageID(m.ID, s.cfg.MessageIDDomain))
	e.Headers.Set("Date", s.cfg.Now().Format(time.RFC1123Z))
	// RFC 3834: tells mail servers and out-of-office robots not to answer.
	e.Headers.Set("Auto-Submitted", "auto-generated")
	for _, a := range m.Attachments {
		if _, err := e.Attach(bytes.NewReader(a.Data), a.Name, a.ContentType); err != nil {
			return envelope{}, fmt.Errorf("attach %s: %w", a.Name, err)
		}
	}
	data, err := e.Bytes()
	if err != nil {
		return envelope{}, fmt.Errorf("render MIME: %w", err)
	}
	return envelope{from: from.Address, to: to, data: data}, nil
}

// MessageID is the Message-ID header for an idempotency key: "<id@domain>",
// with characters a Message-ID cannot hold written as =XX, so distinct keys
// stay distinct.
func MessageID(id, domain string) string {
	var b strings.Builder
	b.WriteByte('<')
	for i := 0; i < len(id); i++ {
		ch := id[i]
		if isAtext(ch) && ch != '=' || ch == '.' && i > 0 && i < len(id)-1 && id[i-1] != '.' {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "=%02X", ch)
	}
	b.WriteByte('@')
	b.WriteString(domain)
	b.WriteByte('>')
	return b.String()
}

// isAtext reports whether ch is an RFC 5322 atext character.
func isAtext(ch byte) bool {
	switch {
	case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', '0' <= ch && ch <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", ch) >= 0
}

// smtpConn is one open, greeted and authenticated connection.
type smtpConn struct {
	raw       net.Conn // under any TLS layer: deadlines set here reach it
	client    *smtp.Client
	idleSince time.Time
}

// deliver sends env over an idle connection if one is alive, else a new one.
func (s *SMTP) deliver(ctx context.Context, env envelope) error {
	if c, err := s.takeIdle(); err != nil {
		return err
	} else if c != nil {
		stop := c.watch(ctx)
		// RSET proves the connection still works before we commit to it.
		if err := c.client.Reset(); err == nil {
			return s.release(c, stop, c.transact(env))
		}
		stop()
		c.close()
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	c, stop, err := s.dial(ctx)
	if err != nil {
		return err
	}
	return s.release(c, stop, c.transact(env))
}

func (s *SMTP) takeIdle() (*smtpConn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	for len(s.idle) > 0 {
		c := s.idle[len(s.idle)-1]
		s.idle = s.idle[:len(s.idle)-1]
		if time.Since(c.idleSince) < maxIdle {
			return c, nil
		}
		c.close()
	}
	return nil, nil
}

// release ends one use of c: on success it goes back to the idle list; on
// failure, or if the context fired meanwhile, it is closed.
func (s *SMTP) release(c *smtpConn, stop func() bool, err error) error {
	if !stop() || err != nil {
		c.close()
		return err
	}
	_ = c.raw.SetDeadline(time.Time{})
	c.idleSince = time.Now()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.quit()
		return nil
	}
	s.idle = append(s.idle, c)
	s.mu.Unlock()
	return nil
}

// watch makes ctx govern blocking reads and writes on c: its deadline
// becomes the connection's, and cancelling it unblocks them at once. The
// returned stop reports false if ctx already fired.
func (c *smtpConn) watch(ctx context.Context) func() bool {
	return watchConn(ctx, c.raw)
}

func watchConn(ctx context.Context, conn net.Conn) func() bool {
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	return context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
}

// dial opens, greets, secures and authenticates a new connection. The
// returned stop must be handed to release.
func (s *SMTP) dial(ctx context.Context) (*smtpConn, func() bool, error) {
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	stop := watchConn(ctx, raw)
	fail := func(err error) (*smtpConn, func() bool, error) {
		stop()
		_ = raw.Close()
		return nil, nil, err
	}
	conn := raw
	if s.cfg.TLS == TLSImplicit {
		tc := tls.Client(raw, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail(fmt.Errorf("TLS handshake: %w", err))
		}
		conn = tc
	}
	client, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return fail(fmt.Errorf("read greeting: %w", err))
	}
	if err := client.Hello(s.cfg.HelloName); err != nil {
		return fail(fmt.Errorf("EHLO: %w", err))
	}
	if s.cfg.TLS == TLSStartTLS {
		if ok, _ := client.Extension("STARTTLS"); !ok {
			return fail(&permanentError{errors.New("the server does not offer STARTTLS; refusing to send in the clear (SMTP_TLS=none allows it)")})
		}
		if err := client.StartTLS(s.tlsConfig()); err != nil {
			return fail(fmt.Errorf("STARTTLS: %w", err))
		}
	}
	if s.cfg.Username != "" {
		if ok, _ := client.Extension("AUTH"); !ok {
			return fail(&permanentError{errors.New("the server does not offer AUTH, but a username is configured")})
		}
		if err := client.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return fail(fmt.Errorf("AUTH PLAIN as %s: %w", s.cfg.Username, err))
		}
	}
	return &smtpConn{raw: raw, client: client}, stop, nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	var cfg *tls.Config
	if s.cfg.TLSConfig != nil {
		cfg = s.cfg.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.cfg.Host
	}
	return cfg
}

// transact runs one mail transaction.
func (c *smtpConn) transact(env envelope) error {
	if err := c.client.Mail(env.from); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	for _, r := range env.to {
		if err := c.client.Rcpt(r); err != nil {
			return fmt.Errorf("RCPT TO %s: %w", r, err)
		}
	}
	w, err := c.client.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(env.data); err != nil {
		return fmt.Errorf("write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of data: %w", err)
	}
	return nil
}

// close drops the connection without a goodbye: it failed or timed out.
func (c *smtpConn) close() {
	_ = c.raw.Close()
}

// quit says goodbye politely but briefly, then closes.
func (c *smtpConn) quit() {
	_ = c.raw.SetDeadline(time.Now().Add(2 * time.Second))
	_ = c.client.Quit()
	_ = c.raw.Close()
}
