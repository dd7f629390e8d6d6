package handlers

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
)

// A clinic hears that its request arrived; the coordinators hear that a
// clinic cancelled one (not when they cancel it themselves). Every mail
// answers to the coordinators' address.
func TestRequestMails(t *testing.T) {
	e := newEnv(t, withMail(t))
	ctx := context.Background()
	var r models.Request
	e.do(req{as: clinicA, method: http.MethodPost, path: "/api/v1/requests", body: requestBody(e.clinicA.ID)}).
		want(t, http.StatusCreated).decode(t, &r)
	m := e.outboxMail("clinic.request_received." + r.ID)
	if !slices.Equal(m.Mail.To, e.clinicA.ContactEmails) || m.Mail.ReplyTo != coordinatorsAddress ||
		!strings.Contains(m.Mail.Text, "Difficult callers") || !strings.Contains(m.Mail.Text, "вт 14:00–16:00") ||
		!strings.Contains(m.Mail.Text, coordinatorsAddress) || !strings.Contains(m.Mail.Subject, "Заявка принята") {
		t.Errorf("request received to %v reply-to %q, %q:\n%s", m.Mail.To, m.Mail.ReplyTo, m.Mail.Subject, m.Mail.Text)
	}

	e.do(req{as: clinicA, method: http.MethodPost, path: "/api/v1/requests/" + r.ID + "/status",
		body: map[string]any{"status": "cancelled", "version": r.Version}}).want(t, http.StatusOK)
	m = e.outboxMail("coordinator.cancellation." + r.ID)
	if !slices.Equal(m.Mail.To, []string{coordinatorsAddress}) || !strings.Contains(m.Mail.Text, e.clinicA.Name) {
		t.Errorf("cancellation to %v:\n%s", m.Mail.To, m.Mail.Text)
	}
	e.do(req{as: coord, method: http.MethodPost, path: "/api/v1/requests/" + e.requestB.ID + "/status",
		body: map[string]any{"status": "cancelled", "version": e.requestB.Version}}).want(t, http.StatusOK)
	if _, err := e.st.OutboxMessage(ctx, "coordinator.cancellation."+e.requestB.ID); err == nil {
		t.Error("a coordinator's own cancellation was mailed to the coordinators")
	}
}

// Without a configured address the coordinators' mail goes to every
// coordinator account.
func TestCoordinatorMailFallsBackToAccounts(t *testing.T) {
	e := newEnv(t, withMail(t), func(cfg *Config) { cfg.CoordinatorEmail = "" })
	r := e.createRequest(e.clinicA.ID)
	e.do(req{as: clinicA, method: http.MethodPost, path: "/api/v1/requests/" + r.ID + "/status",
		body: map[string]any{"status": "cancelled", "version": r.Version}}).want(t, http.StatusOK)
	m := e.outboxMail("coordinator.cancellation." + r.ID)
	if !slices.Equal(m.Mail.To, []string{e.users[coord].Email}) || !strings.Contains(m.Mail.Subject, "Cancelled by the clinic") {
		t.Errorf("cancellation to %v, %q", m.Mail.To, m.Mail.Subject)
	}
}
