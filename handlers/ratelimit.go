package handlers

import (
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Login limits. Failures are counted per (client address, e-mail) and per
// client address, never per e-mail alone: someone who knows an address can
// then only slow their own guesses, and the owner logging in from their usual
// address is not locked out by failures from anywhere else. A few failures
// are free; after that each one doubles the wait before the next attempt,
// up to maxLockout. Failures are forgotten after forgetFailures without one,
// and a successful login clears those of its (address, e-mail).
const (
	pairFree       = 5                // failures of one e-mail from one address before waiting
	addressFree    = 20               // of one address over all e-mails (an office behind one NAT shares it)
	pairLockout    = 30 * time.Second // the first wait of a (address, e-mail); then 1 min, 2 min, …
	addressLockout = 2 * time.Second  // the first wait of an address; then 4 s, 8 s, …
	maxLockout     = 15 * time.Minute
	forgetFailures = time.Hour
	// maxLimiterKeys bounds memory; beyond it, entries that are neither
	// locked nor recent are forgotten (forgetting them changes nothing).
	maxLimiterKeys = 10000
)

// loginLimiter limits login attempts. An attempt is counted as a failure
// before its password is checked (take), so parallel guesses cannot slip
// past while bcrypt runs; failed confirms it, succeeded gives it back.
type loginLimiter struct {
	now     func() time.Time
	log     *slog.Logger
	mu      sync.Mutex
	pairs   *failures // key: address + "\x00" + e-mail
	address *failures
	// lockouts counts the lockouts started, for operators and metrics.
	lockouts loginLockouts
}

// loginLockouts counts lockouts started per kind of key, and attempts
// refused while locked.
type loginLockouts struct {
	Pair, Address, Refused int64
}

func newLoginLimiter(now func() time.Time, log *slog.Logger) *loginLimiter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &loginLimiter{
		now:     now,
		log:     log,
		pairs:   &failures{free: pairFree, first: pairLockout, m: map[string]*failure{}},
		address: &failures{free: addressFree, first: addressLockout, m: map[string]*failure{}},
	}
}

// pairKey is the key of an e-mail tried from an address; e-mails are
// compared without case and surrounding space, as logins are.
func pairKey(email, ip string) string { return ip + "\x00" + strings.ToLower(strings.TrimSpace(email)) }

// take admits one attempt for email from ip, counting it as a failure until
// succeeded says otherwise, or says how long to wait.
func (l *loginLimiter) take(email, ip string) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	pair := l.pairs.get(pairKey(email, ip), now)
	addr := l.address.get(ip, now)
	if w := max(pair.until.Sub(now), addr.until.Sub(now)); w > 0 {
		l.lockouts.Refused++
		return w, false
	}
	l.pairs.fail(pair, now)
	l.address.fail(addr, now)
	return 0, true
}

// failed confirms that an attempt taken was wrong: a lockout it starts is
// logged and counted (take already set it, so parallel guesses wait too).
func (l *loginLimiter) failed(email, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	email = strings.ToLower(strings.TrimSpace(email))
	if pair := l.pairs.m[pairKey(email, ip)]; pair != nil && pair.until.After(now) {
		l.lockouts.Pair++
		l.log.Warn("login lockout", slog.String("kind", "address+email"), slog.String("ip", ip), slog.String("email", email),
			slog.Int("failures", pair.n), slog.Duration("wait", pair.until.Sub(now)))
	}
	if addr := l.address.m[ip]; addr != nil && addr.until.After(now) {
		l.lockouts.Address++
		l.log.Warn("login lockout", slog.String("kind", "address"), slog.String("ip", ip),
			slog.Int("failures", addr.n), slog.Duration("wait", addr.until.Sub(now)))
	}
}

// succeeded gives back the attempt of a successful login: the failures of
// its e-mail from that address are forgotten, the address gets one back.
func (l *loginLimiter) succeeded(email, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.pairs.m, pairKey(email, ip))
	l.address.undo(ip)
}

// release gives back an attempt that was neither right nor wrong: the
// password could not be checked (the database failed).
func (l *loginLimiter) release(email, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pairs.undo(pairKey(email, ip))
	l.address.undo(ip)
}

// stats returns the lockout counters.
func (l *loginLimiter) stats() loginLockouts {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lockouts
}

// failures counts failed attempts per key.
type failures struct {
	free  int           // failures before the first wait
	first time.Duration // the first wait, doubled with each failure after
	m     map[string]*failure
}

type failure struct {
	n     int       // failures counted
	last  time.Time // of the last one
	until time.Time // no attempt before this
}

// get returns key's entry, forgetting its failures when they are old.
func (f *failures) get(key string, now time.Time) *failure {
	e, ok := f.m[key]
	if ok && now.Sub(e.last) >= forgetFailures && !now.Before(e.until) {
		e.n = 0
	}
	if !ok {
		if len(f.m) >= maxLimiterKeys {
			f.prune(now)
		}
		e = &failure{}
		f.m[key] = e
	}
	return e
}

// fail counts one failure of e at now and sets its wait.
func (f *failures) fail(e *failure, now time.Time) {
	e.n++
	e.last = now
	e.until = f.lockedUntil(e.n, now)
}

// undo takes back one failure of key, and the wait it set.
func (f *failures) undo(key string) {
	e := f.m[key]
	if e == nil {
		return
	}
	e.n = max(0, e.n-1)
	e.until = f.lockedUntil(e.n, e.last)
	if e.n == 0 {
		delete(f.m, key)
	}
}

// lockedUntil is when the next attempt is allowed after n failures, the
// last at last: at once for the free ones, then the first wait doubling
// with each failure, up to maxLockout.
func (f *failures) lockedUntil(n int, last time.Time) time.Time {
	if n < f.free {
		return time.Time{}
	}
	wait := f.first
	for i := f.free; i < n && wait < maxLockout; i++ {
		wait *= 2
	}
	return last.Add(min(wait, maxLockout))
}

// prune forgets entries that are neither locked nor recent, and when that
// is not enough (failures sprayed from many addresses), every entry that is
// not locked: its free failures start over, but no lockout is lifted.
func (f *failures) prune(now time.Time) {
	for key, e := range f.m {
		if !now.Before(e.until) && now.Sub(e.last) >= forgetFailures {
			delete(f.m, key)
		}
	}
	if len(f.m) < maxLimiterKeys {
		return
	}
	for key, e := range f.m {
		if !now.Before(e.until) {
			delete(f.m, key)
		}
	}
}
