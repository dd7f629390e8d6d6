package handlers

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// listMailbox answers the development mailbox: the messages that were
// "delivered" without an SMTP server (none is configured), by id. A page
// holds the mailbox messages among one page of sent messages, so it may be
// shorter than limit while next still points further.
func (s *Server) listMailbox(c *gin.Context) error {
	q := c.Request.URL.Query()
	page, err := outboxPage(q)
	if err != nil {
		return err
	}
	sent, err := s.outbox.OutboxMessages(c, models.OutboxSent, page)
	if err != nil {
		return fmt.Errorf("list the development mailbox: %w", err)
	}
	out := list[models.OutboxMessage]{Items: []models.OutboxMessage{}}
	for _, m := range sent {
		if m.Mailbox {
			out.Items = append(out.Items, m)
		}
	}
	if len(sent) > 0 {
		out.Next = nextCursor(len(sent), page, sent[len(sent)-1].ID)
	}
	writeJSON(c, http.StatusOK, out)
	return nil
}
