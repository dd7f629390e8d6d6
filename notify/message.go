// Package notify tells clinics and trainers what was booked: it composes
// e-mails (HTML and plain text, Russian or English) from embedded templates,
// writes iCalendar invitations and feeds (RFC 5545), and sends messages over
// SMTP. It keeps no state between calls and knows nothing of the database:
// the outbox stores Message values and hands them to a Sender.
package notify

import "context"

// Message is one composed e-mail, ready to send. It is a plain value (strings,
// byte slices, slices) so the outbox can store it as it is and send it again
// after a crash.
type Message struct {
	// ID is the idempotency key: the same change for the same recipient
	// always yields the same ID, and the sender puts it into the Message-ID
	// header, so a resend after a crash is recognisably the same message.
	ID string `json:"id"`
	// Kind names the recipient and the change, e.g. "clinic.booked",
	// "trainer.cancelled", "trainer.week", "clinic.reminder".
	Kind    string   `json:"kind"`
	To      []string `json:"to"`
	ReplyTo string   `json:"reply_to,omitempty"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	HTML    string   `json:"html"`
	// Attachments are sent as separate MIME parts after the bodies.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is a file sent with a Message.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// Sender delivers a message. Implementations honour ctx and may be called
// from several goroutines at once.
type Sender interface {
	Send(ctx context.Context, m Message) error
}
