package publish

import (
	"fmt"
	"strings"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
)

// Booking describes visit v as mails and calendar feeds show it; it is the
// one place a visit becomes a notify.Booking, for publications, reminders
// and feeds alike. req, c and t are the visit's request, clinic and trainer
// as loaded now; each may be nil when it was deleted after the visit was
// published. A missing request only leaves out the comment. A missing
// clinic or trainer leaves its part empty but for its id, and warning says
// which is gone, so the caller can tell who cannot be told.
func Booking(v *models.Visit, req *models.Request, c *models.Clinic, t *models.Trainer) (b notify.Booking, warning string) {
	b = notify.Booking{
		VisitID:      models.CalendarID(v.ID),
		UID:          v.CalendarUID(),
		Sequence:     v.Sequence,
		Clinic:       notify.Clinic{ID: v.ClinicID},
		Trainer:      notify.Trainer{ID: v.TrainerID},
		Kind:         notify.Kind(v.Kind),
		Topic:        v.Topic,
		Start:        v.Start,
		End:          v.End,
		Participants: v.Participants,
	}
	if v.Kind == models.KindMicroTraining {
		b.TrainingStart, b.TrainingEnd = v.Start, v.End
	}
	if req != nil {
		b.Comment = req.Comment
	}
	var missing []string
	if c != nil {
		b.Clinic = notify.Clinic{ID: c.ID, Name: c.Name, Address: c.Place.Address, Emails: c.ContactEmails, Lang: notify.Lang(c.Lang)}
	} else {
		missing = append(missing, "clinic "+v.ClinicID)
	}
	if t != nil {
		b.Trainer = NotifyTrainer(t)
	} else {
		missing = append(missing, "trainer "+v.TrainerID)
	}
	switch len(missing) {
	case 1:
		warning = fmt.Sprintf("visit %s: %s no longer exists", v.ID, missing[0])
	case 2:
		warning = fmt.Sprintf("visit %s: %s no longer exist", v.ID, strings.Join(missing, " and "))
	}
	return b, warning
}

// NotifyTrainer describes trainer t for the composer.
func NotifyTrainer(t *models.Trainer) notify.Trainer {
	return notify.Trainer{ID: t.ID, Name: t.Name, Email: t.Email, Phone: t.Phone, Lang: notify.Lang(t.Lang)}
}

// OutboxMessage turns a composed message into the outbox message stored
// under key, the idempotency key of the change it reports (key replaces
// m.ID, so every attempt at it carries the same Message-ID).
func OutboxMessage(key string, m notify.Message) *models.OutboxMessage {
	atts := make([]models.Attachment, 0, len(m.Attachments))
	for _, a := range m.Attachments {
		atts = append(atts, models.Attachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
	}
	return &models.OutboxMessage{
		ID:   key,
		Kind: m.Kind,
		Mail: models.Mail{To: m.To, ReplyTo: m.ReplyTo, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Attachments: atts},
	}
}
