package models

import "time"

// OutboxStatus is where an e-mail stands.
type OutboxStatus string

// Outbox statuses: pending until sent; failed after the retry limit (a
// coordinator may retry it, which makes it pending again).
const (
	OutboxPending OutboxStatus = "pending"
	OutboxSent    OutboxStatus = "sent"
	OutboxFailed  OutboxStatus = "failed"
)

// Attachment is a file sent with an e-mail.
type Attachment struct {
	Name        string `bson:"name" json:"name"`
	ContentType string `bson:"content_type" json:"content_type"`
	Data        []byte `bson:"data" json:"data"`
}

// Mail is a fully rendered e-mail, stored so that every retry sends exactly
// the same bytes.
type Mail struct {
	To          []string     `bson:"to" json:"to"`
	ReplyTo     string       `bson:"reply_to,omitempty" json:"reply_to,omitempty"`
	Subject     string       `bson:"subject" json:"subject"`
	Text        string       `bson:"text" json:"text"`
	HTML        string       `bson:"html" json:"html"`
	Attachments []Attachment `bson:"attachments,omitempty" json:"attachments,omitempty"`
}

// OutboxMessage is one e-mail to send. Its _id is the idempotency key of the
// change it reports (e.g. "visit:<id>:seq:<n>:clinic"), so the same change is
// never enqueued twice; it is also the Message-ID's local part.
type OutboxMessage struct {
	ID            string       `bson:"_id" json:"id"`
	Kind          string       `bson:"kind" json:"kind"`
	Mail          Mail         `bson:"mail" json:"mail"`
	Status        OutboxStatus `bson:"status" json:"status"`
	Attempts      int          `bson:"attempts" json:"attempts"`
	NextAttemptAt time.Time    `bson:"next_attempt_at" json:"next_attempt_at"`
	LastError     string       `bson:"last_error,omitempty" json:"last_error,omitempty"`
	// Mailbox is true when the message went to the development mailbox
	// instead of an SMTP server.
	Mailbox   bool       `bson:"mailbox,omitempty" json:"mailbox,omitempty"`
	SentAt    *time.Time `bson:"sent_at,omitempty" json:"sent_at,omitempty"`
	Version   int64      `bson:"version" json:"version"`
	CreatedAt time.Time  `bson:"created_at" json:"created_at"`
}

// Lease is a claim on a resource (a cron tick, an outbox message, a job).
// Claims are made by inserting a document whose _id names the resource and
// the attempt ("plan:2026-12-07T02:00#1"): an insert under a unique key is
// atomic on every server, while a filter-guarded update is not on the
// embedded one. A later attempt takes over an expired claim by inserting the
// next number, never by overwriting the old document.
type Lease struct {
	ID        string    `bson:"_id" json:"id"`
	Resource  string    `bson:"resource" json:"resource"`
	Attempt   int       `bson:"attempt" json:"attempt"`
	Holder    string    `bson:"holder" json:"holder"`
	ExpiresAt time.Time `bson:"expires_at" json:"expires_at"`
	Done      bool      `bson:"done" json:"done"`
	CreatedAt time.Time `bson:"created_at" json:"created_at"`
	// ReleasedAt is set when the holder gave the lease up; a lease that
	// expired without it was left by a holder that died or stalled.
	ReleasedAt *time.Time `bson:"released_at,omitempty" json:"released_at,omitempty"`
}

// JobRun records one run of a job: who, when, how long, what came of it.
type JobRun struct {
	ID         string         `bson:"_id" json:"id"`
	Job        string         `bson:"job" json:"job"`
	Holder     string         `bson:"holder" json:"holder"`
	Trigger    string         `bson:"trigger" json:"trigger"`
	StartedAt  time.Time      `bson:"started_at" json:"started_at"`
	FinishedAt *time.Time     `bson:"finished_at,omitempty" json:"finished_at,omitempty"`
	Millis     int64          `bson:"millis" json:"millis"`
	Outcome    string         `bson:"outcome" json:"outcome"`
	Error      string         `bson:"error,omitempty" json:"error,omitempty"`
	Figures    map[string]any `bson:"figures,omitempty" json:"figures,omitempty"`
}
