package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// TestOverloadIsRefusedNotSuffered hammers a list with many concurrent
// clients of one account while another account looks its request up and
// the readiness probe is asked: the hammering account is refused (429),
// never served a 500, and the other account and /readyz are answered
// every time.
func TestOverloadIsRefusedNotSuffered(t *testing.T) {
	probeCtx, stopProbe := context.WithCancel(context.Background())
	defer stopProbe()
	var probe *ReadinessProbe
	e := newEnv(t, func(c *Config) {
		c.Limits = Limits{PerPrincipal: 2, Rate: 200, Burst: 200, Slots: 4, QueueWait: 2 * time.Second}
		probe = NewReadinessProbe(c.Store.(interface{ Ping(context.Context) error }).Ping, 500*time.Millisecond, 10*time.Second)
		c.Ready = probe.Ready
	})
	go probe.Run(probeCtx)
	// Enough requests that a list holds the connection for a while.
	for range 60 {
		e.createRequest(e.clinicA.ID)
	}

	const hammers = 30
	var (
		stop    atomic.Bool
		mu      sync.Mutex
		counts  = map[int]int{}
		samples = map[int]*response{}
		wg      sync.WaitGroup
	)
	get := func(as, path string) (*http.Request, *response) {
		hr, err := http.NewRequest(http.MethodGet, e.http.URL+path, nil)
		if err != nil {
			t.Error(err)
			return nil, nil
		}
		if as != anonymous {
			hr.Header.Set("Authorization", "Bearer "+e.secrets[as])
		}
		res, err := e.http.Client().Do(hr)
		if err != nil {
			t.Error(err)
			return nil, nil
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return hr, &response{status: res.StatusCode, header: res.Header, body: body}
	}
	for range hammers {
		wg.Go(func() {
			for !stop.Load() {
				hr, res := get(clinicA, "/api/v1/requests?limit=50")
				if res == nil {
					return
				}
				if res.status == http.StatusTooManyRequests {
					// A client that is refused pauses, if not for as
					// long as Retry-After asks: these clients share the
					// test's two cores with the server and database.
					time.Sleep(20 * time.Millisecond)
				}
				mu.Lock()
				counts[res.status]++
				if samples[res.status] == nil {
					samples[res.status] = res
					// The refusal is part of the document.
					e.conform(hr, res)
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(300 * time.Millisecond) // let the hammering begin
	for i := range 10 {
		if _, res := get(clinicB, "/api/v1/requests/"+e.requestB.ID); res == nil || res.status != http.StatusOK {
			t.Errorf("lookup %d of the other account: %+v", i, res)
		}
		if _, res := get(anonymous, "/readyz"); res == nil || res.status != http.StatusOK {
			t.Errorf("readiness probe %d under load: %+v", i, res)
		}
		if _, res := get(anonymous, "/healthz"); res == nil || res.status != http.StatusOK {
			t.Errorf("liveness probe %d under load: %+v", i, res)
		}
	}
	stop.Store(true)
	wg.Wait()

	t.Logf("hammering account's answers by status: %v", counts)
	for status, n := range counts {
		if status != http.StatusOK && status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
			t.Errorf("%d answers with status %d: %s", n, status, samples[status].body)
		}
	}
	if counts[http.StatusOK] == 0 || counts[http.StatusTooManyRequests] == 0 {
		t.Errorf("want some lists served and some refused, got %v", counts)
	}
	if r := samples[http.StatusTooManyRequests]; r != nil {
		if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 {
			t.Errorf("429 without a Retry-After: %q", r.header.Get("Retry-After"))
		}
		if p := r.problem(t); p.Type != "urn:fieldvisit:problem:rate-limited" {
			t.Errorf("429 problem %+v", p)
		}
	}
}

// TestLimitsPerPrincipal checks the limits one by one: a principal over
// its concurrency gets 429 while another is served; over its rate, 429
// with the wait until the next request is allowed; every waiting request
// beyond the shared slots gets 503 after the queue wait, as problem+json
// on the API and as the friendly page in the browser.
func TestLimitsPerPrincipal(t *testing.T) {
	t.Run("concurrency", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Limits = Limits{PerPrincipal: 1} })
		// Hold clinic A's one request slot as an admitted request would.
		key := "user:" + e.users[clinicA].ID
		e.do(req{as: clinicA, method: http.MethodGet, path: "/api/v1/me"}).want(t, http.StatusOK) // learns the token
		if err := e.srv.limits.take(key); err != nil {
			t.Fatal(err)
		}
		res := e.do(req{as: clinicA, method: http.MethodGet, path: "/api/v1/requests/" + e.requestA.ID}).want(t, http.StatusTooManyRequests)
		if res.header.Get("Retry-After") != "1" || !strings.Contains(res.problem(t).Detail, "at most 1") {
			t.Errorf("refusal %v %s", res.header, res.body)
		}
		e.do(req{as: clinicB, method: http.MethodGet, path: "/api/v1/requests/" + e.requestB.ID}).want(t, http.StatusOK)
		e.srv.limits.leave(key)
		e.do(req{as: clinicA, method: http.MethodGet, path: "/api/v1/requests/" + e.requestA.ID}).want(t, http.StatusOK)
	})
	t.Run("rate", func(t *testing.T) {
		// One request every 100 s on average, three in a row.
		e := newEnv(t, func(c *Config) { c.Limits = Limits{Rate: 0.01, Burst: 3} })
		// A token's first request counts against the token and shows
		// whose it is; from then on its account's bucket counts.
		e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/me"}).want(t, http.StatusOK)
		for range 3 {
			e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/me"}).want(t, http.StatusOK)
		}
		res := e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/me"}).want(t, http.StatusTooManyRequests)
		if ra, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || ra < 90 || ra > 100 {
			t.Errorf("Retry-After %q, want about 100", res.header.Get("Retry-After"))
		}
		// Another account is another principal.
		e.do(req{as: trainerA, method: http.MethodGet, path: "/api/v1/me"}).want(t, http.StatusOK)
		e.do(req{as: trainerA, method: http.MethodGet, path: "/api/v1/me"}).want(t, http.StatusOK)
		// Health never counts.
		for range 5 {
			e.do(req{method: http.MethodGet, path: "/healthz"}).want(t, http.StatusOK)
		}
	})
	t.Run("slots", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Limits = Limits{Slots: 1, QueueWait: 50 * time.Millisecond} })
		e.srv.limits.slots <- struct{}{} // a request in flight holds the one slot
		res := e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/requests"}).want(t, http.StatusServiceUnavailable)
		if p := res.problem(t); p.Type != "urn:fieldvisit:problem:busy" || res.header.Get("Retry-After") == "" {
			t.Errorf("busy answer %v %s", res.header, res.body)
		}
		page := e.do(req{method: http.MethodGet, path: "/login", outsideDocument: true})
		if page.status != http.StatusServiceUnavailable || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") ||
			page.header.Get("Retry-After") == "" {
			t.Errorf("busy page: %d %v", page.status, page.header)
		}
		e.do(req{method: http.MethodGet, path: "/readyz"}).want(t, http.StatusOK)
		<-e.srv.limits.slots
		e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/requests"}).want(t, http.StatusOK)
	})
}

// TestReadTimeoutIs503: a read whose database work outlasts ReadTimeout
// answers 503 with Retry-After, on the API and on a page.
func TestReadTimeoutIs503(t *testing.T) {
	e := newDatabaseEnv(t, func(c *Config) { c.Limits = Limits{ReadTimeout: time.Nanosecond} })
	res := e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/requests"}).want(t, http.StatusServiceUnavailable)
	if p := res.problem(t); p.Type != "urn:fieldvisit:problem:busy" || res.header.Get("Retry-After") == "" {
		t.Errorf("timed-out read: %v %s", res.header, res.body)
	}
	page := e.do(req{as: clinicA, method: http.MethodGet, path: "/requests", outsideDocument: true})
	if page.status != http.StatusServiceUnavailable || page.header.Get("Retry-After") == "" {
		t.Errorf("timed-out page: %d %v", page.status, page.header)
	}
	// Writes are not cut off.
	e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/requests", body: requestBody(e.clinicA.ID)}).want(t, http.StatusCreated)
}

// TestDatabaseTimeoutIs503 renders a real driver error of an operation
// that ran out of time: 503 with Retry-After, never 500.
func TestDatabaseTimeoutIs503(t *testing.T) {
	e := newDatabaseEnv(t)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := e.st.Requests(ctx, models.RequestFilter{}, models.Page{})
	if err == nil {
		t.Fatal("a query with an expired deadline succeeded")
	}
	for _, path := range []string{"/api/v1/requests", "/requests"} {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodGet, path, nil)
		e.srv.writeProblem(c, errors.Join(errors.New("list requests"), err))
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s: %d %v %s", path, w.Code, w.Header(), w.Body)
		}
	}
}

// TestReadinessProbe answers from the last ping: ready after a successful
// one, not ready at once after a failed one, not ready before the first.
func TestReadinessProbe(t *testing.T) {
	var fail atomic.Bool
	pinged := make(chan struct{}, 10)
	p := NewReadinessProbe(func(context.Context) error {
		defer func() { pinged <- struct{}{} }()
		if fail.Load() {
			return errors.New("connection refused")
		}
		return nil
	}, 10*time.Millisecond, time.Second)
	if p.Ready(t.Context()) == nil {
		t.Error("ready before any ping")
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go p.Run(ctx)
	<-pinged
	waitFor(t, func() bool { return p.Ready(t.Context()) == nil })
	fail.Store(true)
	waitFor(t, func() bool { return p.Ready(t.Context()) != nil })
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 10 s")
}
