package handlers

import (
	"strconv"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
)

func TestLoginLimiterBuckets(t *testing.T) {
	clock := testkit.NewClock(time.Date(2025, 3, 5, 9, 0, 0, 0, time.UTC))
	l := newLoginLimiter(clock.Now)
	for i := range emailBurst {
		if _, ok := l.take("A@example.org ", "10.0.0.1"); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	// E-mails are compared without case and spaces.
	wait, ok := l.take("a@example.org", "10.0.0.2")
	if ok || wait != emailInterval {
		t.Fatalf("sixth attempt: ok=%v wait=%v, want refused for %v", ok, wait, emailInterval)
	}
	clock.Advance(emailInterval / 2)
	if wait, ok := l.take("a@example.org", "10.0.0.2"); ok || wait != emailInterval/2 {
		t.Fatalf("half-way: ok=%v wait=%v", ok, wait)
	}
	// A refund (a successful login) gives the attempt back.
	clock.Advance(emailInterval / 2)
	if _, ok := l.take("a@example.org", "10.0.0.2"); !ok {
		t.Fatal("refilled attempt refused")
	}
	l.refund("a@example.org", "10.0.0.2")
	if _, ok := l.take("a@example.org", "10.0.0.2"); !ok {
		t.Fatal("refunded attempt refused")
	}

	// Memory stays bounded: past the limit, refilled buckets are forgotten.
	for i := range maxLimiterKeys {
		if _, ok := l.take("user"+strconv.Itoa(i)+"@example.org", "10.1."+strconv.Itoa(i/256)+"."+strconv.Itoa(i%256)); !ok {
			t.Fatalf("attempt %d refused", i)
		}
	}
	if n := len(l.byEmail.m); n <= maxLimiterKeys {
		t.Fatalf("%d e-mail buckets; buckets still in use must be kept", n)
	}
	clock.Advance(emailBurst * emailInterval)
	l.take("late@example.org", "10.2.0.1")
	if n, m := len(l.byEmail.m), len(l.byIP.m); n != 1 || m != 1 {
		t.Errorf("%d e-mail and %d address buckets kept after pruning, want 1 each", n, m)
	}
}
