package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// OutboxStore lists e-mails and retries failed ones.
type OutboxStore interface {
	OutboxMessages(ctx context.Context, status models.OutboxStatus, p models.Page) ([]models.OutboxMessage, error)
	OutboxMessage(ctx context.Context, id string) (*models.OutboxMessage, error)
	RetryMessage(ctx context.Context, id string) error
}

// maxOutboxID bounds an outbox id from the path or a cursor; real ones are
// idempotency keys of well under 200 characters.
const maxOutboxID = 512

// outboxID checks an outbox id (an idempotency key such as
// "visit:<id>:seq:2:clinic:head@clinic.example") from untrusted input.
func outboxID(field, id string) error {
	if id == "" || len(id) > maxOutboxID || strings.ContainsFunc(id, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return badRequest(field, field+" must be an outbox message id")
	}
	return nil
}

// outboxPage reads limit and after; outbox ids are keys, not ObjectIDs.
func outboxPage(q url.Values) (models.Page, error) {
	return pageParamsWith(q, func(after string) error { return outboxID("after", after) })
}

// listOutbox answers the outbox messages of one status (default failed,
// the ones a coordinator has to act on), ordered by id.
func (s *Server) listOutbox(c *gin.Context) error {
	q := c.Request.URL.Query()
	status := models.OutboxStatus(q.Get("status"))
	switch status {
	case "":
		status = models.OutboxFailed
	case models.OutboxPending, models.OutboxSent, models.OutboxFailed:
	default:
		return badRequest("status", "status must be pending, sent or failed")
	}
	page, err := outboxPage(q)
	if err != nil {
		return err
	}
	items, err := s.outbox.OutboxMessages(c, status, page)
	if err != nil {
		return err
	}
	out := pageOf(items, page, func(o models.OutboxMessage) string { return o.ID })
	writeJSON(c, http.StatusOK, out)
	return nil
}

// retryOutbox makes a failed message pending again, with its attempts
// reset, and answers it.
func (s *Server) retryOutbox(c *gin.Context) error {
	id := c.Param("id")
	if err := outboxID("id", id); err != nil {
		return err
	}
	if err := noParams(c); err != nil {
		return err
	}
	if err := s.outbox.RetryMessage(c, id); err != nil {
		return err
	}
	m, err := s.outbox.OutboxMessage(c, id)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, m)
	return nil
}
