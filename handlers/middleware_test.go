package handlers

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t)
	e.do(req{method: http.MethodGet, path: "/healthz"}).want(t, http.StatusOK)
	e.do(req{method: http.MethodGet, path: "/readyz"}).want(t, http.StatusOK)

	down := newEnv(t, func(c *Config) { c.Ready = func(context.Context) error { return errors.New("connection refused") } })
	down.do(req{method: http.MethodGet, path: "/healthz"}).want(t, http.StatusOK)
	down.do(req{method: http.MethodGet, path: "/readyz"}).want(t, http.StatusServiceUnavailable).problem(t)
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/api/v1/nothing", http.StatusNotFound},
		{http.MethodGet, "/api/v1/trainers/", http.StatusNotFound}, // no silent redirects
		{http.MethodPatch, "/api/v1/trainers", http.StatusMethodNotAllowed},
	} {
		e.do(req{as: coord, method: tc.method, path: tc.path, outsideDocument: true}).want(t, tc.want).problem(t)
	}
}

// TestRequestIDAndAccessLog checks that a sane incoming request id is kept,
// a forged one replaced, and both end up in the access log.
func TestRequestIDAndAccessLog(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	res := e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/me", header: map[string]string{requestIDHeader: "proxy-id.42"}}).want(t, http.StatusOK)
	if got := res.header.Get(requestIDHeader); got != "proxy-id.42" {
		t.Errorf("request id %q, want the incoming one", got)
	}
	res = e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/me", header: map[string]string{requestIDHeader: "bad id\"<script>"}}).want(t, http.StatusOK)
	generated := res.header.Get(requestIDHeader)
	if len(generated) != 24 {
		t.Errorf("generated request id %q", generated)
	}
	for _, want := range []string{`"request_id":"proxy-id.42"`, `"request_id":"` + generated + `"`, `"user_id":"` + e.users[coord].ID + `"`, `"status":200`, `"path":"/api/v1/me"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("access log lacks %s:\n%s", want, logs.String())
		}
	}
}

// TestPanicBecomesProblem checks the recovery middleware on a route added
// only for this test.
func TestPanicBecomesProblem(t *testing.T) {
	var logs bytes.Buffer
	srv, err := New(Config{Store: newEnv(t).st, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv.engine.GET("/api/v1/panic", func(*gin.Context) { panic("boom") })
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/panic", nil))
	res := &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	p := res.want(t, http.StatusInternalServerError).problem(t)
	if strings.Contains(p.Detail, "boom") {
		t.Errorf("the panic value leaked to the client: %q", p.Detail)
	}
	if !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("the panic was not logged:\n%s", logs.String())
	}
	// Logged once (with its stack), besides the request's access line.
	if n := strings.Count(logs.String(), "boom"); n != 1 {
		t.Errorf("the panic was logged %d times, want once:\n%s", n, logs.String())
	}
}

func TestNewNeedsStore(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Fatal("New without a store succeeded")
	}
}
