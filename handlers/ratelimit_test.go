package handlers

import (
	"bytes"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
)

// attempt is one login attempt through the limiter: taken, then failed or
// succeeded; it reports whether the limiter let it through and the wait.
func attempt(l *loginLimiter, email, ip string, right bool) (time.Duration, bool) {
	wait, ok := l.take(email, ip)
	if !ok {
		return wait, false
	}
	if right {
		l.succeeded(email, ip)
	} else {
		l.failed(email, ip)
	}
	return 0, true
}

func TestLoginLimiterBacksOffPerAddressAndEmail(t *testing.T) {
	clock := testkit.NewClock(time.Date(2025, 3, 5, 9, 0, 0, 0, time.UTC))
	var logged bytes.Buffer
	l := newLoginLimiter(clock.Now, slog.New(slog.NewTextHandler(&logged, nil)))
	const attacker, owner = "203.0.113.9", "198.51.100.7"
	for i := range pairFree {
		if _, ok := attempt(l, "A@example.org ", attacker, false); !ok {
			t.Fatalf("free failure %d refused", i+1)
		}
	}
	// Exponential backoff for the attacker: each failure doubles the wait.
	want := pairLockout
	for i := range 4 {
		wait, ok := attempt(l, "a@example.org", attacker, true)
		if ok || wait != want {
			t.Fatalf("locked attempt %d: ok=%v wait=%v, want refused for %v", i, ok, wait, want)
		}
		clock.Advance(wait)
		if _, ok := attempt(l, "a@example.org", attacker, false); !ok {
			t.Fatalf("attempt after waiting %v refused", wait)
		}
		want *= 2
	}
	// The owner, from their own address, is not locked out, at any point.
	if _, ok := attempt(l, "a@example.org", owner, true); !ok {
		t.Fatal("the owner is locked out by failures from another address")
	}
	// Lockouts are counted and logged, with who and how long.
	if st := l.stats(); st.Pair != 5 || st.Refused != 4 {
		t.Errorf("stats %+v, want 5 lockouts of the pair and 4 refused attempts", st)
	}
	if out := logged.String(); strings.Count(out, "login lockout") != 5 || !strings.Contains(out, "ip="+attacker) || !strings.Contains(out, "email=a@example.org") {
		t.Errorf("log:\n%s", out)
	}
	// The wait is capped.
	for range 20 {
		wait, _ := l.take("a@example.org", attacker)
		clock.Advance(wait)
		attempt(l, "a@example.org", attacker, false)
	}
	if wait, ok := l.take("a@example.org", attacker); ok || wait != maxLockout {
		t.Errorf("after many failures: ok=%v wait=%v, want %v", ok, wait, maxLockout)
	}
	// Failures are forgotten after an hour without one, and a success from
	// the address forgets them at once.
	clock.Advance(maxLockout + forgetFailures)
	for range pairFree {
		if _, ok := attempt(l, "a@example.org", attacker, false); !ok {
			t.Fatal("failures of long ago still count")
		}
	}
	clock.Advance(pairLockout)
	attempt(l, "a@example.org", attacker, true)
	for range pairFree {
		if _, ok := attempt(l, "a@example.org", attacker, false); !ok {
			t.Fatal("failures before a success still count")
		}
	}
}

func TestLoginLimiterPerAddress(t *testing.T) {
	clock := testkit.NewClock(time.Date(2025, 3, 5, 9, 0, 0, 0, time.UTC))
	l := newLoginLimiter(clock.Now, nil)
	const office = "192.0.2.1"
	// Failures spread over many e-mails, none at its own limit, reach the
	// address's limit; then the address waits, doubling.
	for i := range addressFree {
		if _, ok := attempt(l, "user"+strconv.Itoa(i)+"@example.org", office, false); !ok {
			t.Fatalf("failure %d refused", i+1)
		}
	}
	if wait, ok := l.take("fresh@example.org", office); ok || wait != addressLockout {
		t.Fatalf("address over its limit: ok=%v wait=%v, want %v", ok, wait, addressLockout)
	}
	clock.Advance(addressLockout)
	attempt(l, "fresh@example.org", office, false)
	if wait, ok := l.take("fresh@example.org", office); ok || wait != 2*addressLockout {
		t.Fatalf("second address lockout: ok=%v wait=%v, want %v", ok, wait, 2*addressLockout)
	}
	// Another address is not affected.
	if _, ok := l.take("fresh@example.org", "192.0.2.2"); !ok {
		t.Fatal("another address is limited")
	}
	if st := l.stats(); st.Address != 2 {
		t.Errorf("stats %+v, want 2 address lockouts", st)
	}
	// An attempt the database could not check is given back.
	l2 := newLoginLimiter(clock.Now, nil)
	for range 3 * pairFree {
		if _, ok := l2.take("a@example.org", office); !ok {
			t.Fatal("released attempts still count")
		}
		l2.release("a@example.org", office)
	}
}

func TestLoginLimiterMemoryIsBounded(t *testing.T) {
	clock := testkit.NewClock(time.Date(2025, 3, 5, 9, 0, 0, 0, time.UTC))
	l := newLoginLimiter(clock.Now, nil)
	// A locked pair survives any spray.
	for range pairFree {
		attempt(l, "victim@example.org", "10.9.9.9", false)
	}
	for i := range 3 * maxLimiterKeys {
		attempt(l, "user"+strconv.Itoa(i)+"@example.org", "10."+strconv.Itoa(i>>16)+"."+strconv.Itoa(i>>8&255)+"."+strconv.Itoa(i&255), false)
	}
	if n, m := len(l.pairs.m), len(l.address.m); n > maxLimiterKeys || m > maxLimiterKeys {
		t.Errorf("%d pair and %d address entries kept, want at most %d", n, m, maxLimiterKeys)
	}
	if _, ok := l.take("victim@example.org", "10.9.9.9"); ok {
		t.Error("a spray of other keys lifted a lockout")
	}
}
