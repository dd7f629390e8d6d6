package handlers

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// The coordinator's mail pages: /mailbox (the development mailbox, read
// as mail), /mailbox/{id} (one message of the outbox, whatever its status)
// and /outbox (failed and pending mail, with retry). They read the same
// outbox store as GET /api/v1/mailbox and /api/v1/outbox.

// mailRow is one message in a list.
type mailRow struct {
	models.OutboxMessage
	// Href opens the message and Retry retries it; outbox ids hold ':'
	// and '@', so they are escaped here once.
	Href, Retry string
}

// mailListPage is the data of /mailbox and /outbox.
type mailListPage struct {
	Items []mailRow
	// Status is the outbox status shown (outbox only).
	Status models.OutboxStatus
	// Next is the cursor of the next page.
	Next string
}

// mailPage is the data of /mailbox/{id}.
type mailPage struct {
	Message     models.OutboxMessage
	Href        string
	Attachments []mailAttachment
	// Frame is the srcdoc of the HTML body's frame: the body with its
	// links opening in a new tab (a sandboxed frame cannot navigate
	// itself or the page).
	Frame string
}

// mailFrameSandbox is what the mail's frame may do: open its links in a new
// tab, nothing else (no scripts, no forms, no same origin).
const mailFrameSandbox = "allow-popups allow-popups-to-escape-sandbox"

// mailAttachment is one downloadable attachment.
type mailAttachment struct {
	Name, ContentType, Href string
	Size                    int
}

func mailHref(id string) string { return "/mailbox/" + url.PathEscape(id) }

func mailRows(ms []models.OutboxMessage) []mailRow {
	rows := make([]mailRow, len(ms))
	for i, m := range ms {
		rows[i] = mailRow{OutboxMessage: m, Href: mailHref(m.ID), Retry: "/outbox/" + url.PathEscape(m.ID) + "/retry"}
	}
	return rows
}

// mailboxPage answers GET /mailbox: the messages "delivered" to the
// development mailbox, as the API lists them (a page of sent messages,
// the mailbox ones shown).
func (s *Server) mailboxPage(c *gin.Context) error {
	q := c.Request.URL.Query()
	if err := knownQuery(q, "after"); err != nil {
		return err
	}
	page, err := outboxPage(q)
	if err != nil {
		return err
	}
	sent, err := s.outbox.OutboxMessages(c, models.OutboxSent, page)
	if err != nil {
		return fmt.Errorf("list the development mailbox: %w", err)
	}
	var box []models.OutboxMessage
	for _, m := range sent {
		if m.Mailbox {
			box = append(box, m)
		}
	}
	p := mailListPage{Items: mailRows(box)}
	if len(sent) > 0 {
		p.Next = nextCursor(len(sent), page, sent[len(sent)-1].ID)
	}
	return s.render(c, http.StatusOK, "mailbox", "", p, nil)
}

// loadMail loads the outbox message named in the path.
func (s *Server) loadMail(c *gin.Context) (*models.OutboxMessage, error) {
	id := c.Param("id")
	if err := outboxID("id", id); err != nil {
		return nil, err
	}
	m, err := s.outbox.OutboxMessage(c, id)
	if err != nil {
		return nil, fmt.Errorf("load outbox message %s: %w", id, err)
	}
	return m, nil
}

// mailMessagePage answers GET /mailbox/{id}: the message as its recipient
// sees it. The HTML body goes into an iframe's srcdoc with a sandbox that
// only lets links open in a new tab (no scripts, no forms, an opaque
// origin), so whatever the mail holds cannot act on this site.
func (s *Server) mailMessagePage(c *gin.Context) error {
	m, err := s.loadMail(c)
	if err != nil {
		return err
	}
	p := mailPage{Message: *m, Href: mailHref(m.ID)}
	if m.Mail.HTML != "" {
		p.Frame = `<base target="_blank">` + m.Mail.HTML
	}
	for i, a := range m.Mail.Attachments {
		p.Attachments = append(p.Attachments, mailAttachment{Name: a.Name, ContentType: a.ContentType, Size: len(a.Data),
			Href: p.Href + "/attachments/" + strconv.Itoa(i)})
	}
	return s.render(c, http.StatusOK, "mail_message", "", p, nil)
}

// mailAttachmentFile answers GET /mailbox/{id}/attachments/{n}: the file
// as a download, never shown inline.
func (s *Server) mailAttachmentFile(c *gin.Context) error {
	m, err := s.loadMail(c)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 0 || n >= len(m.Mail.Attachments) {
		return &statusError{status: http.StatusNotFound, detail: "the message has no such attachment"}
	}
	a := m.Mail.Attachments[n]
	ctype := "application/octet-stream"
	if mt, params, err := mime.ParseMediaType(a.ContentType); err == nil {
		ctype = mime.FormatMediaType(mt, params)
	}
	name := a.Name
	if name == "" {
		name = "attachment-" + strconv.Itoa(n)
	}
	setPageHeaders(c)
	c.Header("Content-Security-Policy", "sandbox; default-src 'none'")
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	c.Data(http.StatusOK, ctype, a.Data)
	return nil
}

// outboxPageView answers GET /outbox[?status=pending]: the mail a
// coordinator has to act on (failed, by default) or is still waiting.
func (s *Server) outboxPageView(c *gin.Context) error {
	q := c.Request.URL.Query()
	if err := knownQuery(q, "status", "after"); err != nil {
		return err
	}
	status := models.OutboxStatus(q.Get("status"))
	switch status {
	case "":
		status = models.OutboxFailed
	case models.OutboxPending, models.OutboxFailed:
	default:
		return badRequest("status", "status must be pending or failed")
	}
	page, err := outboxPage(q)
	if err != nil {
		return err
	}
	items, err := s.outbox.OutboxMessages(c, status, page)
	if err != nil {
		return fmt.Errorf("list %s outbox messages: %w", status, err)
	}
	p := mailListPage{Items: mailRows(items), Status: status}
	if len(items) > 0 {
		p.Next = nextCursor(len(items), page, items[len(items)-1].ID)
	}
	return s.render(c, http.StatusOK, "outbox", "", p, nil)
}

// retryOutboxPage answers POST /outbox/{id}/retry: the API's retry (the
// message is pending again with its attempts reset).
func (s *Server) retryOutboxPage(c *gin.Context) error {
	id := c.Param("id")
	if err := outboxID("id", id); err != nil {
		return err
	}
	if err := s.outbox.RetryMessage(c, id); err != nil {
		return fmt.Errorf("retry outbox message %s: %w", id, err)
	}
	s.flash(c, "flash.mail_retried")
	return seeOther(c, "/outbox")
}
