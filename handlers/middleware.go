package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Context keys set by middleware.
const (
	requestIDKey = "fieldvisit.request_id"
	principalKey = "fieldvisit.principal"
)

// requestIDHeader carries the request id in and out.
const requestIDHeader = "X-Request-ID"

// withRequestID takes a sane incoming X-Request-ID (so a proxy's id threads
// through the logs) or makes one, and echoes it in the response.
func withRequestID(c *gin.Context) {
	id := c.GetHeader(requestIDHeader)
	if !saneRequestID(id) {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(requestIDKey, id)
	c.Header(requestIDHeader, id)
	c.Next()
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// feedPathPrefix starts every calendar feed URL.
const feedPathPrefix = "/feeds/"

// loggedPath is the request path as logs show it. A feed URL's path is its
// only credential, and log files are read by more people than the feeds'
// owners, so it is never written out.
func loggedPath(c *gin.Context) string {
	if p := c.Request.URL.Path; !strings.HasPrefix(p, feedPathPrefix) {
		return p
	}
	return feedPathPrefix + "[redacted]"
}

// accessLog logs one structured line per request once it is answered.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	status := c.Writer.Status()
	level := slog.LevelInfo
	if status >= http.StatusInternalServerError {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("request_id", requestID(c)),
		slog.String("method", c.Request.Method),
		slog.String("path", loggedPath(c)),
		slog.Int("status", status),
		slog.Int("bytes", c.Writer.Size()),
		slog.Duration("duration", time.Since(start)),
		slog.String("ip", c.ClientIP()),
	}
	if p, ok := c.Get(principalKey); ok {
		attrs = append(attrs, slog.String("user_id", p.(*principal).user.ID))
	}
	s.log.LogAttrs(c.Request.Context(), level, "request", attrs...)
}

// recoverPanics turns a panic into a 500 problem, never a raw page, and
// logs it once, with its stack.
// http.ErrAbortHandler keeps its meaning: the server drops the connection.
func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v)
		}
		s.log.ErrorContext(c.Request.Context(), "panic",
			slog.String("request_id", requestID(c)), slog.Any("value", v), slog.String("stack", string(debug.Stack())))
		if c.Writer.Written() {
			c.Abort()
			return
		}
		// Logged just above with its stack: render it without a second line.
		s.renderProblem(c, fmt.Errorf("panic: %v", v))
	}()
	c.Next()
}

// limitBody refuses a declared oversized body at once and caps the rest, so
// a decoder that reads too far gets *http.MaxBytesError (413).
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > s.maxBodyBytes {
		s.writeProblem(c, &http.MaxBytesError{Limit: s.maxBodyBytes})
		return
	}
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.maxBodyBytes)
	}
	c.Next()
}
