package handlers

import (
	"errors"
	"time"

	"github.com/gin-gonic/gin"
)

// Observer receives what the HTTP layer measures; the metrics package
// implements it. Declared here, where it is used, so handlers need not
// know how measurements are kept.
type Observer interface {
	// Request records one answered request: the route's template (such
	// as "/api/v1/requests/:id", or "unmatched"), the method, the status
	// and how long it took.
	Request(route, method string, status int, took time.Duration)
	// Refused records a request refused under load: status 429 or 503
	// and the reason (concurrency, rate, busy, database).
	Refused(status int, reason string)
}

// nopObserver measures nothing.
type nopObserver struct{}

func (nopObserver) Request(string, string, int, time.Duration) {}
func (nopObserver) Refused(int, string)                        {}

// observe times every request and reports it with its route template, so
// that metrics group "/api/v1/requests/:id" rather than each id.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	s.observer.Request(route, c.Request.Method, c.Writer.Status(), time.Since(start))
}

// observeRefusal reports err when it refused a request under load.
func (s *Server) observeRefusal(err error) {
	var o *overloadError
	if errors.As(err, &o) {
		s.observer.Refused(o.status, o.reason)
	}
}
