package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// AuditStore keeps the audit log: one entry per change made through the API.
type AuditStore interface {
	AddAudit(ctx context.Context, e *models.AuditEntry) error
	AuditEntries(ctx context.Context, f models.AuditFilter, p models.Page) ([]models.AuditEntry, error)
	ArchivedAuditEntries(ctx context.Context, f models.AuditFilter, p models.Page) ([]models.AuditEntry, error)
}

// auditKey holds the handler's note on what it changed.
const auditKey = "fieldvisit.audit"

// auditNote is what a handler says about its change; empty fields are
// filled from the route by auditTrail.
type auditNote struct {
	action, entity, entityID, summary string
	// actor names the user for a route that has no logged-in caller
	// (login).
	actor *models.User
}

// noteAudit records what the request changed, for the entry auditTrail
// writes once the handler succeeds. Calling it again overrides the fields
// it gives and keeps the rest. A safe-method route that changes state (the
// feed token) gets an entry only by calling it.
func noteAudit(c *gin.Context, action, entity, entityID, summary string) {
	n := currentNote(c)
	if action != "" {
		n.action = action
	}
	if entity != "" {
		n.entity = entity
	}
	if entityID != "" {
		n.entityID = entityID
	}
	if summary != "" {
		n.summary = summary
	}
	c.Set(auditKey, n)
}

// auditActor names the actor of a route without a logged-in caller.
func auditActor(c *gin.Context, u *models.User) {
	n := currentNote(c)
	n.actor = u
	c.Set(auditKey, n)
}

func currentNote(c *gin.Context) *auditNote {
	if v, ok := c.Get(auditKey); ok {
		return v.(*auditNote)
	}
	return &auditNote{}
}

// auditTrail writes one audit entry for every successful call of a
// mutating route (any method but GET, HEAD and OPTIONS), and for a GET
// whose handler noted a change. It runs around every route, so routes added
// later are covered without doing anything; handlers only make the entry
// more telling with noteAudit. The response of a mutating call is held back
// until the entry is stored, so a client that reads the log right after an
// answer finds its change there.
func (s *Server) auditTrail(c *gin.Context) {
	mutating := !safeMethod(c.Request.Method)
	var held *heldWriter
	if mutating {
		held = &heldWriter{ResponseWriter: c.Writer}
		c.Writer = held
		// Deferred, so that a panic still restores the real writer for
		// recoverPanics' answer.
		defer held.release(c)
	}
	c.Next()
	_, noted := c.Get(auditKey)
	if !mutating && !noted || len(c.Errors) > 0 || c.Writer.Status() >= http.StatusBadRequest {
		return
	}
	e := s.auditEntry(c)
	// The change is made; the entry must not be lost to a client that hung
	// up, and failing to write it must not turn the success into an error.
	if err := s.auditLog.AddAudit(context.WithoutCancel(c), e); err != nil {
		s.log.ErrorContext(c.Request.Context(), "writing the audit entry failed",
			"request_id", requestID(c), "action", e.Action, "entity", e.Entity, "entity_id", e.EntityID, "error", err)
	}
}

// auditEntry builds the entry of a successful call from the handler's note
// and, for what it left out, the route: the entity is the route's first
// segment ("requests" → "request"), the id its :id parameter (or the plan a
// :week/:version route names, or the Location of a created document) and
// the action the entity with the route's verb ("request.update",
// "plan.publish").
func (s *Server) auditEntry(c *gin.Context) *models.AuditEntry {
	n := currentNote(c)
	route := c.FullPath()
	e := &models.AuditEntry{
		At: s.now().UTC(), Action: n.action, Entity: n.entity, EntityID: n.entityID, Summary: n.summary,
		Method: c.Request.Method, Route: route, Status: c.Writer.Status(), RequestID: requestID(c),
	}
	if p, ok := c.Get(principalKey); ok {
		u := p.(*principal).user
		e.ActorID, e.ActorRole = u.ID, u.Role
	} else if n.actor != nil {
		e.ActorID, e.ActorRole = n.actor.ID, n.actor.Role
	}
	segments := routeSegments(route)
	if e.Entity == "" && len(segments) > 0 {
		e.Entity = singular(segments[0])
	}
	if e.EntityID == "" {
		switch {
		case c.Param("id") != "":
			e.EntityID = c.Param("id")
		case c.Param("week") != "" && c.Param("version") != "":
			e.EntityID = c.Param("week") + "#" + c.Param("version")
		case c.Param("week") != "":
			e.EntityID = c.Param("week")
		default:
			if loc := c.Writer.Header().Get("Location"); loc != "" {
				e.EntityID = loc[strings.LastIndex(loc, "/")+1:]
			}
		}
	}
	if e.Action == "" {
		e.Action = e.Entity + "." + routeVerb(c.Request.Method, e.Status, segments)
	}
	e.Summary = clip(e.Summary, 1000)
	return e
}

// routeSegments are a route's path segments after /api/v1.
func routeSegments(route string) []string {
	route = strings.TrimPrefix(route, "/api/v1")
	return strings.FieldsFunc(route, func(r rune) bool { return r == '/' })
}

// routeVerb names what a call did: a route ending in a static segment
// after a parameter says it ("status", "publish", "accept"); otherwise the
// method does.
func routeVerb(method string, status int, segments []string) string {
	if n := len(segments); n > 1 && !strings.HasPrefix(segments[n-1], ":") {
		return segments[n-1]
	}
	switch method {
	case http.MethodPost:
		if status == http.StatusCreated || len(segments) == 1 {
			return "create"
		}
		return "post"
	case http.MethodPut, http.MethodPatch:
		return "update"
	case http.MethodDelete:
		return "delete"
	}
	return strings.ToLower(method)
}

// singular turns a collection's path segment into its entity name.
func singular(segment string) string {
	segment = strings.ReplaceAll(segment, "-", "_")
	if strings.HasSuffix(segment, "ies") {
		return strings.TrimSuffix(segment, "ies") + "y"
	}
	return strings.TrimSuffix(segment, "s")
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// changeSummary is the "before → after" line of an update: each top-level
// JSON field that differs, in name order, with book-keeping fields
// (version, stamps) left out and long values shortened.
func changeSummary(before, after any) string {
	b, a := auditFields(before), auditFields(after)
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		if slices.Contains([]string{"version", "updated_at", "created_at", "rev", "password_hash"}, k) {
			continue
		}
		if !bytes.Equal(b[k], a[k]) {
			parts = append(parts, fmt.Sprintf("%s: %s → %s", k, shortJSON(b[k]), shortJSON(a[k])))
		}
	}
	if len(parts) == 0 {
		return "no field changed"
	}
	return strings.Join(parts, "; ")
}

func auditFields(v any) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	if data, err := json.Marshal(v); err == nil {
		_ = json.Unmarshal(data, &out)
	}
	for k, raw := range out {
		var buf bytes.Buffer
		if json.Compact(&buf, raw) == nil {
			out[k] = buf.Bytes()
		}
	}
	return out
}

func shortJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "∅"
	}
	return clip(string(raw), 120)
}

// heldWriter keeps a mutating call's response until its audit entry is
// stored. Headers go straight through; status and body wait for release.
type heldWriter struct {
	gin.ResponseWriter
	status  int
	body    bytes.Buffer
	written bool
}

// WriteHeader records the status.
func (w *heldWriter) WriteHeader(code int) {
	if !w.written && code > 0 {
		w.status = code
	}
}

// WriteHeaderNow marks the header as written.
func (w *heldWriter) WriteHeaderNow() { w.written = true }

// Write keeps the bytes.
func (w *heldWriter) Write(b []byte) (int, error) {
	w.written = true
	return w.body.Write(b)
}

// WriteString keeps the string.
func (w *heldWriter) WriteString(s string) (int, error) {
	w.written = true
	return w.body.WriteString(s)
}

// Status is the status the handler set (200 when none).
func (w *heldWriter) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Size is the body's size so far, -1 before anything is written.
func (w *heldWriter) Size() int {
	if !w.written {
		return -1
	}
	return w.body.Len()
}

// Written reports whether a response was started.
func (w *heldWriter) Written() bool { return w.written }

// Flush holds: the body goes out on release.
func (w *heldWriter) Flush() {}

// release passes status and body on to the real writer and puts it back
// into the context.
func (w *heldWriter) release(c *gin.Context) {
	c.Writer = w.ResponseWriter
	if w.status != 0 {
		w.ResponseWriter.WriteHeader(w.status)
	}
	if w.written {
		w.ResponseWriter.WriteHeaderNow()
		_, _ = w.ResponseWriter.Write(w.body.Bytes())
	}
}

// auditEntity is a name an audit filter accepts: what routes and handlers
// use as entities.
var auditEntity = regexp.MustCompile(`^[a-z][a-z_]{0,39}$`)

// listAudit answers audit entries, oldest first, filtered by entity, entity
// id, actor and a start time: the recent ones, or with archived=true those
// the housekeeping moved to the archive.
func (s *Server) listAudit(c *gin.Context) error {
	q := c.Request.URL.Query()
	if err := knownQuery(q, "entity", "entity_id", "actor", "since", "limit", "after", "archived"); err != nil {
		return err
	}
	f, archived, page, err := s.auditFilter(q)
	if err != nil {
		return err
	}
	read := s.auditLog.AuditEntries
	if archived {
		read = s.auditLog.ArchivedAuditEntries
	}
	items, err := read(c, f, page)
	if err != nil {
		return fmt.Errorf("list audit entries: %w", err)
	}
	out := list[models.AuditEntry]{Items: nonNil(items)}
	if len(items) > 0 {
		out.Next = nextCursor(len(items), page, items[len(items)-1].ID)
	}
	writeJSON(c, http.StatusOK, out)
	return nil
}

// auditFilter reads the audit log's filters, page and archive choice from
// a query, for GET /api/v1/audit and the /audit page alike.
func (s *Server) auditFilter(q url.Values) (models.AuditFilter, bool, models.Page, error) {
	page, err := pageParams(q)
	if err != nil {
		return models.AuditFilter{}, false, page, err
	}
	var f models.AuditFilter
	if v := q.Get("entity"); v != "" {
		if !auditEntity.MatchString(v) {
			return f, false, page, badRequest("entity", "entity must be a name such as request, absence or plan")
		}
		f.Entity = v
	}
	if v := q.Get("entity_id"); v != "" {
		if len(v) > 100 || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' }) {
			return f, false, page, badRequest("entity_id", "entity_id must be an id of at most 100 characters")
		}
		f.EntityID = v
	}
	if v := q.Get("actor"); v != "" {
		if !models.ValidID(v) {
			return f, false, page, badRequest("actor", "actor must be a user id")
		}
		f.ActorID = v
	}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			d, derr := models.ParseDate(v)
			if derr != nil {
				return f, false, page, badRequest("since", "since must be a time (RFC 3339) or a date YYYY-MM-DD")
			}
			t = d.Time(s.loc)
		}
		f.Since = t
	}
	archived := false
	switch q.Get("archived") {
	case "", "false":
	case "true":
		archived = true
	default:
		return f, false, page, badRequest("archived", "archived must be true or false")
	}
	return f, archived, page, nil
}
