package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// readyTimeout bounds the readiness probe's database check.
const readyTimeout = 2 * time.Second

type healthStatus struct {
	Status string `json:"status"`
}

// healthz answers 200 while the process serves at all.
func (s *Server) healthz(c *gin.Context) error {
	writeJSON(c, http.StatusOK, healthStatus{Status: "ok"})
	return nil
}

// readyz answers 200 when the database answers, else 503.
func (s *Server) readyz(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready", "error", err)
		return &statusError{status: http.StatusServiceUnavailable, detail: "the database does not answer"}
	}
	writeJSON(c, http.StatusOK, healthStatus{Status: "ready"})
	return nil
}

// ReadinessProbe pings the database in the background and keeps the
// answer, so that /readyz answers at once from memory: asking the
// database on each probe would put the probe in the queue for the one
// connection behind user requests, and a crowded service would look dead
// to its orchestrator.
type ReadinessProbe struct {
	ping              func(ctx context.Context) error
	interval, timeout time.Duration
	now               func() time.Time

	mu      sync.Mutex
	lastOK  time.Time
	lastErr error
}

// NewReadinessProbe returns a probe that, once Run runs, calls ping every
// interval and counts a ping that takes longer than timeout as failed.
func NewReadinessProbe(ping func(ctx context.Context) error, interval, timeout time.Duration) *ReadinessProbe {
	return &ReadinessProbe{ping: ping, interval: interval, timeout: timeout, now: time.Now, lastErr: errors.New("not probed yet")}
}

// Run pings at once and then every interval until ctx ends. A ping waits
// its turn at the connection like any operation, behind at most the
// admitted user requests, which is why it may take up to timeout.
func (p *ReadinessProbe) Run(ctx context.Context) {
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		p.probe(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *ReadinessProbe) probe(ctx context.Context) {
	pingCtx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	err := p.ping(pingCtx)
	if ctx.Err() != nil {
		return // shutting down: keep the last answer
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastErr = err
	if err == nil {
		p.lastOK = p.now()
	}
}

// Ready reports the last ping's answer: nil when it succeeded and is
// recent (no older than an interval and a timeout, which a ping that hangs
// outlives; a ping that fails answers at once).
func (p *ReadinessProbe) Ready(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lastErr == nil && p.now().Sub(p.lastOK) <= p.interval+p.timeout+time.Second {
		return nil
	}
	if p.lastErr != nil {
		return fmt.Errorf("last database ping: %w", p.lastErr)
	}
	return fmt.Errorf("no successful database ping since %s", p.lastOK.Format(time.RFC3339))
}
