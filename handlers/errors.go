package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// Problem is an RFC 9457 problem detail, the body of every error response.
type Problem struct {
	Type     string              `json:"type"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail,omitempty"`
	Instance string              `json:"instance,omitempty"`
	Errors   []models.FieldError `json:"errors,omitempty"`
	// Refusal is why a hand edit of a plan was refused, as a code with
	// its values, for programs (the words are in Detail).
	Refusal *models.EditRefusal `json:"refusal,omitempty"`
}

// problemContentType is the media type of error bodies.
const problemContentType = "application/problem+json"

// badRequestError is input that cannot be read at all: malformed JSON, a
// wrong type, an unknown field, a malformed id or query parameter. It
// answers 400, naming the field when one is known.
type badRequestError struct {
	detail string
	field  string
}

func (e *badRequestError) Error() string { return e.detail }

func badRequest(field, detail string) error { return &badRequestError{field: field, detail: detail} }

// statusError answers a fixed status with a message, for the few cases
// (413, 415, 428, 503) that no domain error describes.
type statusError struct {
	status int
	detail string
}

func (e *statusError) Error() string { return e.detail }

// versionRequired answers 428 when an update names no version, naming the
// document's current one.
func versionRequired(current int64) error {
	return &statusError{
		status: http.StatusPreconditionRequired,
		detail: fmt.Sprintf(`name the version you are changing: an If-Match header ("%d") or a "version" field; the current version is %d`, current, current),
	}
}

// editRefusedError answers 422 for a hand edit the week cannot take: the
// reason in the caller's words and as a code.
type editRefusedError struct {
	refusal models.EditRefusal
	detail  string
}

func (e *editRefusedError) Error() string { return e.detail }

// rateLimitedError answers 429 with Retry-After.
type rateLimitedError struct {
	retryAfter time.Duration
}

func (e *rateLimitedError) Error() string {
	return "too many failed logins; try again in " + e.retryAfter.Round(time.Second).String()
}

// problemFor maps an error to its problem; the boolean reports whether the
// error is unexpected (a 500 the caller must log).
func problemFor(err error) (Problem, bool) {
	var (
		validation *models.ValidationError
		bad        *badRequestError
		status     *statusError
		refused    *editRefusedError
		limited    *rateLimitedError
		overload   *overloadError
		conflict   *models.ConflictError
		tooLarge   *http.MaxBytesError
	)
	switch {
	case errors.As(err, &validation):
		return Problem{Type: "urn:fieldvisit:problem:validation", Title: "Invalid input",
			Status: http.StatusUnprocessableEntity, Detail: "some fields are invalid", Errors: validation.Fields}, false
	case errors.As(err, &bad):
		p := Problem{Type: "urn:fieldvisit:problem:bad-request", Title: "Bad request",
			Status: http.StatusBadRequest, Detail: bad.detail}
		if bad.field != "" {
			p.Errors = []models.FieldError{{Field: bad.field, Message: bad.detail}}
		}
		return p, false
	case errors.As(err, &tooLarge):
		return Problem{Type: "urn:fieldvisit:problem:too-large", Title: "Request body too large",
			Status: http.StatusRequestEntityTooLarge,
			Detail: "the body is larger than " + strconv.FormatInt(tooLarge.Limit, 10) + " bytes"}, false
	case errors.As(err, &status):
		return Problem{Type: "about:blank", Title: http.StatusText(status.status),
			Status: status.status, Detail: status.detail}, false
	case errors.As(err, &refused):
		return Problem{Type: "urn:fieldvisit:problem:edit-refused", Title: "Edit refused",
			Status: http.StatusUnprocessableEntity, Detail: refused.detail, Refusal: &refused.refusal}, false
	case errors.As(err, &limited):
		return Problem{Type: "urn:fieldvisit:problem:rate-limited", Title: "Too many requests",
			Status: http.StatusTooManyRequests, Detail: limited.Error()}, false
	case errors.As(err, &overload):
		if overload.status == http.StatusServiceUnavailable {
			return Problem{Type: "urn:fieldvisit:problem:busy", Title: "Service busy",
				Status: overload.status, Detail: overload.detail}, false
		}
		return Problem{Type: "urn:fieldvisit:problem:rate-limited", Title: "Too many requests",
			Status: overload.status, Detail: overload.detail}, false
	case errors.Is(err, models.ErrNotFound):
		return Problem{Type: "urn:fieldvisit:problem:not-found", Title: "Not found",
			Status: http.StatusNotFound, Detail: "no such resource"}, false
	case errors.Is(err, models.ErrConflict):
		detail := "the resource was changed by someone else or cannot change this way; reload and retry"
		if errors.As(err, &conflict) {
			detail = conflict.Message
		}
		return Problem{Type: "urn:fieldvisit:problem:conflict", Title: "Conflict",
			Status: http.StatusConflict, Detail: detail}, false
	case errors.Is(err, models.ErrUnauthenticated):
		return Problem{Type: "urn:fieldvisit:problem:unauthenticated", Title: "Authentication required",
			Status: http.StatusUnauthorized, Detail: deniedReason(err, "log in or send a Bearer token")}, false
	case errors.Is(err, models.ErrForbidden):
		return Problem{Type: "urn:fieldvisit:problem:forbidden", Title: "Forbidden",
			Status: http.StatusForbidden, Detail: deniedReason(err, "your role does not allow this")}, false
	default:
		return Problem{Type: "about:blank", Title: "Internal Server Error",
			Status: http.StatusInternalServerError, Detail: "an internal error occurred; it has been logged"}, true
	}
}

// deniedError is a 401 or 403 with the reason shown to the caller.
type deniedError struct {
	sentinel error // models.ErrUnauthenticated or models.ErrForbidden
	reason   string
}

func (e *deniedError) Error() string { return e.sentinel.Error() + ": " + e.reason }
func (e *deniedError) Unwrap() error { return e.sentinel }

// deniedReason is the reason a deniedError gives, or a generic one.
func deniedReason(err error, generic string) string {
	var d *deniedError
	if errors.As(err, &d) {
		return d.reason
	}
	return generic
}

// renderErrors is the one place errors become responses: it runs the
// handlers, then renders the last error they recorded, unless a response
// was already written.
func (s *Server) renderErrors(c *gin.Context) {
	c.Next()
	if len(c.Errors) == 0 || c.Writer.Written() {
		return
	}
	s.writeProblem(c, c.Errors.Last().Err)
}

// writeProblem renders err as problem+json and logs unexpected ones; on
// a browser page path it renders the friendly error page instead.
func (s *Server) writeProblem(c *gin.Context, err error) {
	var overload *overloadError
	if !errors.As(err, &overload) && isTimeout(err) {
		// A database that did not answer in time (or a caller that gave
		// up waiting) is a busy service, not a broken one.
		s.log.WarnContext(c.Request.Context(), "request timed out",
			slog.String("request_id", requestID(c)), slog.String("path", loggedPath(c)), slog.Any("error", err))
		err = errDatabaseBusy(err)
		s.observeRefusal(err)
	}
	var later interface{ retryAfter() time.Duration }
	if errors.As(err, &later) {
		c.Header("Retry-After", retryAfterHeader(later.retryAfter()))
	}
	if isPagePath(c.Request.URL.Path) {
		s.writeErrorPage(c, err)
		return
	}
	if _, unexpected := problemFor(err); unexpected {
		s.log.ErrorContext(c.Request.Context(), "request failed",
			slog.String("request_id", requestID(c)), slog.String("path", loggedPath(c)), slog.Any("error", err))
	}
	s.renderProblem(c, err)
}

// renderProblem renders err as problem+json without logging it, for a
// caller that has logged it already (with more than the error says).
func (s *Server) renderProblem(c *gin.Context, err error) {
	if isPagePath(c.Request.URL.Path) {
		s.renderErrorPage(c, err)
		return
	}
	p, _ := problemFor(err)
	var limited *rateLimitedError
	if errors.As(err, &limited) {
		c.Header("Retry-After", strconv.Itoa(int((limited.retryAfter+time.Second-1)/time.Second)))
	}
	if p.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="fieldvisit"`)
	}
	p.Instance = c.Request.URL.Path
	c.Header("Cache-Control", "no-store")
	c.Render(p.Status, jsonRender{contentType: problemContentType, value: p})
	c.Abort()
}
