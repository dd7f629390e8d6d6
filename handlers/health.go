package handlers

import (
	"context"
	"net/http"
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
