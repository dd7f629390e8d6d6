package handlers

import (
	"strings"
	"sync"
	"time"
)

// Login limits: each e-mail may fail a burst of 5 logins, then one a minute;
// each client address 20, then one every 3 seconds (an office behind one
// NAT shares it).
const (
	emailBurst    = 5
	emailInterval = time.Minute
	ipBurst       = 20
	ipInterval    = 3 * time.Second
	// maxLimiterKeys bounds memory; beyond it, fully refilled buckets are
	// forgotten (forgetting them changes nothing).
	maxLimiterKeys = 10000
)

// loginLimiter rate limits login attempts per e-mail and per client IP with
// token buckets. Each attempt takes a token from both buckets up front, so
// parallel guesses cannot slip past while a password is being checked; a
// successful login gives them back.
type loginLimiter struct {
	now     func() time.Time
	mu      sync.Mutex
	byEmail *buckets
	byIP    *buckets
}

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{
		now:     now,
		byEmail: &buckets{burst: emailBurst, interval: emailInterval, m: map[string]*bucket{}},
		byIP:    &buckets{burst: ipBurst, interval: ipInterval, m: map[string]*bucket{}},
	}
}

// take spends one attempt for email and ip, or says how long to wait.
func (l *loginLimiter) take(email, ip string) (wait time.Duration, ok bool) {
	email = strings.ToLower(strings.TrimSpace(email))
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	we := l.byEmail.wait(email, now)
	wi := l.byIP.wait(ip, now)
	if we > 0 || wi > 0 {
		return max(we, wi), false
	}
	l.byEmail.spend(email, now)
	l.byIP.spend(ip, now)
	return 0, true
}

// refund returns the attempt of a successful login.
func (l *loginLimiter) refund(email, ip string) {
	email = strings.ToLower(strings.TrimSpace(email))
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.byEmail.give(email, now)
	l.byIP.give(ip, now)
}

// buckets is one token bucket per key: burst tokens, one more each interval.
type buckets struct {
	burst    float64
	interval time.Duration
	m        map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// get returns key's bucket refilled up to now.
func (b *buckets) get(key string, now time.Time) *bucket {
	k, ok := b.m[key]
	if !ok {
		if len(b.m) >= maxLimiterKeys {
			b.prune(now)
		}
		k = &bucket{tokens: b.burst, at: now}
		b.m[key] = k
		return k
	}
	if now.After(k.at) {
		k.tokens = min(b.burst, k.tokens+float64(now.Sub(k.at))/float64(b.interval))
		k.at = now
	}
	return k
}

// wait is how long until key has a whole token; 0 when it has one.
func (b *buckets) wait(key string, now time.Time) time.Duration {
	k := b.get(key, now)
	if k.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - k.tokens) * float64(b.interval))
}

func (b *buckets) spend(key string, now time.Time) { b.get(key, now).tokens-- }

func (b *buckets) give(key string, now time.Time) {
	k := b.get(key, now)
	k.tokens = min(b.burst, k.tokens+1)
}

// prune forgets buckets that have refilled completely.
func (b *buckets) prune(now time.Time) {
	for key, k := range b.m {
		if k.tokens+float64(now.Sub(k.at))/float64(b.interval) >= b.burst {
			delete(b.m, key)
		}
	}
}
