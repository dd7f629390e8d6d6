package handlers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// Limits bound what one caller and all callers together may take of the
// service, which on the embedded database means of its one connection. A
// zero field leaves its limit off; config.Default holds the values serve
// uses.
type Limits struct {
	// PerPrincipal is how many requests one principal (an account, or a
	// client address before it is known who calls) may have in flight;
	// one more answers 429 at once.
	PerPrincipal int
	// Rate is how many requests a second one principal may make on
	// average, Burst how many in a row; beyond, 429 with Retry-After.
	Rate  float64
	Burst int
	// Slots is how many user requests are served at once; the rest wait
	// up to QueueWait for a slot, then answer 503 with Retry-After.
	// Requests hold the database one operation at a time, so with Slots
	// bounded an operation of a background job (planning, dispatch) waits
	// behind at most Slots user operations, and no more than Slots user
	// requests ever queue at the connection pool.
	Slots     int
	QueueWait time.Duration
	// ReadTimeout bounds the work of a GET once admitted: a read that
	// waits longer for the database answers 503 with Retry-After instead
	// of holding its slot. Writes are not cut off half-way.
	ReadTimeout time.Duration
}

// Refusal reasons, as metrics and logs name them.
const (
	refusedConcurrency = "concurrency"
	refusedRate        = "rate"
	refusedBusy        = "busy"
	refusedDatabase    = "database"
)

// overloadError refuses a request the service will not take now: 429 for a
// principal over its limits, 503 when the service or its database is busy.
// Both tell the caller when to try again (Retry-After).
type overloadError struct {
	status int
	reason string
	detail string
	wait   time.Duration
}

func (e *overloadError) Error() string { return e.detail }

// retryAfter is how long the caller should wait before trying again.
func (e *overloadError) retryAfter() time.Duration { return e.wait }

// limiter keeps the per-principal counters and the shared slots.
type limiter struct {
	cfg Limits
	// now is the wall clock, not the server's (which tests freeze): load
	// happens in real time.
	now   func() time.Time
	slots chan struct{} // nil without a slot limit

	mu    sync.Mutex
	state map[string]*principalUse
	// users maps a token's hash to its account, learned from requests
	// that authenticated with it, so that later requests with the token
	// count against the account before the database is asked who it is.
	// A token never changes owner, so an entry never goes stale in a
	// harmful way: a revoked token still fails authentication.
	users map[string]string
}

// principalUse is one principal's requests in flight and its token bucket.
type principalUse struct {
	inFlight int
	tokens   float64
	at       time.Time
}

// maxLimiterEntries bounds each of the limiter's maps; beyond it, idle
// principals (and all learned tokens) are forgotten, which only makes
// their next request count afresh.
const maxLimiterEntries = 10000

func newLimiter(cfg Limits) *limiter {
	if cfg.Rate > 0 && cfg.Burst < 1 {
		cfg.Burst = max(1, int(cfg.Rate))
	}
	l := &limiter{cfg: cfg, now: time.Now, state: map[string]*principalUse{}, users: map[string]string{}}
	if cfg.Slots > 0 {
		l.slots = make(chan struct{}, cfg.Slots)
	}
	return l
}

// unlimitedPath reports the paths that never wait or count: liveness and
// readiness (which must answer while users crowd the service, and do not
// touch the database) and the static assets (files in memory).
func unlimitedPath(p string) bool {
	return p == "/healthz" || p == "/readyz" || strings.HasPrefix(p, "/static/")
}

// limit is the middleware that applies Limits: per-principal concurrency
// and rate first (refused at once, without touching the database), then a
// shared slot, waited for at most QueueWait.
func (s *Server) limit(c *gin.Context) {
	if unlimitedPath(c.Request.URL.Path) {
		c.Next()
		return
	}
	l := s.limits
	key := l.principalKey(c)
	release, err := l.enter(c, key)
	if err != nil {
		s.refuse(c, err)
		return
	}
	defer release()
	if l.cfg.ReadTimeout > 0 && safeMethod(c.Request.Method) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), l.cfg.ReadTimeout)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
	}
	c.Next()
	if p, ok := c.Get(principalKey); ok {
		l.learn(TokenHash(p.(*principal).secret), p.(*principal).user.ID)
	}
}

// refuse answers a request the limiter did not admit. A browser page gets
// the friendly error page, in the language of the lang cookie: the page
// renderErrorPage draws would look the caller up in the database to speak
// their language, and a refused request must cost the database nothing.
func (s *Server) refuse(c *gin.Context, err error) {
	var o *overloadError
	if !errors.As(err, &o) || !isPagePath(c.Request.URL.Path) {
		s.observeRefusal(err)
		s.writeProblem(c, err)
		return
	}
	s.observeRefusal(err)
	c.Header("Retry-After", retryAfterHeader(o.wait))
	key := fmt.Sprintf("error.%d", o.status)
	ep := errorPage{TitleKey: key + ".title", TextKey: key + ".text"}
	if rerr := s.render(c, o.status, "error", ep.TitleKey, ep, nil); rerr != nil {
		s.log.ErrorContext(c.Request.Context(), "render the error page", "request_id", requestID(c), "error", rerr)
		c.Data(o.status, "text/plain; charset=utf-8", []byte(http.StatusText(o.status)))
	}
	c.Abort()
}

// principalKey names the caller the limits count against: the account
// of a known token, a token's own key until its first request has shown
// whose it is, and the client address for anonymous callers. Looking the
// account up would cost a database operation before the limits apply;
// learning it from answered requests costs none.
func (l *limiter) principalKey(c *gin.Context) string {
	secret := ""
	if h := c.GetHeader("Authorization"); h != "" {
		if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			secret = strings.TrimSpace(tok)
		}
	} else if v, err := c.Cookie(sessionCookie); err == nil {
		secret = v
	}
	if secret == "" {
		return "addr:" + c.ClientIP()
	}
	hash := TokenHash(secret)
	l.mu.Lock()
	user, ok := l.users[hash]
	l.mu.Unlock()
	if ok {
		return "user:" + user
	}
	return "token:" + hash
}

// learn records that the token with hash belongs to user.
func (l *limiter) learn(hash, user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.users[hash]; ok {
		return
	}
	if len(l.users) >= maxLimiterEntries {
		clear(l.users)
	}
	l.users[hash] = user
}

// enter admits a request of key or refuses it with an *overloadError; the
// returned function gives back what the request took.
func (l *limiter) enter(ctx context.Context, key string) (release func(), err error) {
	if err := l.take(key); err != nil {
		return nil, err
	}
	if l.slots == nil {
		return func() { l.leave(key) }, nil
	}
	select {
	case l.slots <- struct{}{}:
	default:
		wait := time.NewTimer(l.cfg.QueueWait)
		defer wait.Stop()
		select {
		case l.slots <- struct{}{}:
		case <-wait.C:
			l.leave(key)
			return nil, &overloadError{status: http.StatusServiceUnavailable, reason: refusedBusy, wait: time.Second,
				detail: fmt.Sprintf("the service is busy: no request slot came free within %s; try again shortly", l.cfg.QueueWait)}
		case <-ctx.Done():
			l.leave(key)
			return nil, fmt.Errorf("wait for a request slot: %w", ctx.Err())
		}
	}
	return func() { <-l.slots; l.leave(key) }, nil
}

// take counts one request of key against its concurrency and rate limits.
func (l *limiter) take(key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	u, ok := l.state[key]
	if !ok {
		if len(l.state) >= maxLimiterEntries {
			l.prune(now)
		}
		u = &principalUse{tokens: float64(l.cfg.Burst), at: now}
		l.state[key] = u
	} else if l.cfg.Rate > 0 && now.After(u.at) {
		u.tokens = min(float64(l.cfg.Burst), u.tokens+now.Sub(u.at).Seconds()*l.cfg.Rate)
		u.at = now
	}
	if l.cfg.PerPrincipal > 0 && u.inFlight >= l.cfg.PerPrincipal {
		return &overloadError{status: http.StatusTooManyRequests, reason: refusedConcurrency, wait: time.Second,
			detail: fmt.Sprintf("too many requests at once: at most %d of yours are served at a time", l.cfg.PerPrincipal)}
	}
	if l.cfg.Rate > 0 {
		if u.tokens < 1 {
			wait := time.Duration((1 - u.tokens) / l.cfg.Rate * float64(time.Second))
			return &overloadError{status: http.StatusTooManyRequests, reason: refusedRate, wait: wait,
				detail: fmt.Sprintf("too many requests: at most %g a second (%d in a row)", l.cfg.Rate, l.cfg.Burst)}
		}
		u.tokens--
	}
	u.inFlight++
	return nil
}

// leave ends one request of key.
func (l *limiter) leave(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if u, ok := l.state[key]; ok {
		u.inFlight--
	}
}

// prune forgets principals with nothing in flight and a full bucket.
func (l *limiter) prune(now time.Time) {
	for key, u := range l.state {
		full := l.cfg.Rate <= 0 || u.tokens+now.Sub(u.at).Seconds()*l.cfg.Rate >= float64(l.cfg.Burst)
		if u.inFlight == 0 && full {
			delete(l.state, key)
		}
	}
}

// errDatabaseBusy answers a request whose database operation ran out of
// time or was given up: 503, never 500, because trying again later works.
func errDatabaseBusy(cause error) error {
	return &overloadError{status: http.StatusServiceUnavailable, reason: refusedDatabase, wait: 2 * time.Second,
		detail: "the database is busy; try again shortly (" + causeText(cause) + ")"}
}

func causeText(err error) string {
	if errors.Is(err, context.Canceled) {
		return "the request was cancelled"
	}
	return "timed out"
}

// isTimeout reports whether err is a deadline or cancellation (the
// driver's pool wait and operations end with the context's error) or a
// network timeout, that is whether the database was too slow rather than
// wrong.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// retryAfterHeader is a Retry-After value: whole seconds, rounded up, at
// least one.
func retryAfterHeader(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}
