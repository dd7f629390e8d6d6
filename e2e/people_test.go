package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/fieldvisit/fieldvisit/handlers"
	"github.com/fieldvisit/fieldvisit/models"
)

// coordinators is the coordinators' address the API is configured with.
const coordinators = "coordinators@fieldvisit.test"

// weekPlanner adapts the planner to the API's entry point.
type weekPlanner func(ctx context.Context, week models.Date, trigger string) (*models.Plan, error)

func (f weekPlanner) Plan(ctx context.Context, week models.Date, trigger string) (*models.Plan, error) {
	return f(ctx, week, trigger)
}

// api is the HTTP API on the service's store, with a token per account.
type api struct {
	t      *testing.T
	url    string
	tokens map[string]string
}

func newAPI(t *testing.T, s *service) *api {
	t.Helper()
	gin.SetMode(gin.TestMode)
	ctx := context.Background()
	srv, err := handlers.New(handlers.Config{Store: s.st, Location: s.loc, Planner: weekPlanner(s.planner.PlanWeek),
		Publisher: s.publisher, Feeds: s.composer, Mail: s.composer, CoordinatorEmail: coordinators,
		BaseURL: "http://fieldvisit.test", PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	a := &api{t: t, url: hs.URL, tokens: map[string]string{}}
	clinics, err := s.st.Clinics(ctx, models.ClinicFilter{}, models.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	trainers, err := s.st.Trainers(ctx, models.TrainerFilter{}, models.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for name, u := range map[string]models.User{
		"coordinator": {Role: models.RoleCoordinator},
		"clinic":      {Role: models.RoleClinic, ClinicID: clinics[0].ID},
		"trainer":     {Role: models.RoleTrainer, TrainerID: trainers[0].ID},
	} {
		u.Email, u.Name, u.Lang, u.PasswordHash = name+"@fieldvisit.test", name, "ru", []byte("-")
		if err := s.st.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		secret, hash := handlers.NewToken()
		if err := s.st.CreateToken(ctx, &models.Token{Hash: hash, ID: handlers.NewID(), UserID: u.ID, Kind: models.TokenAPI, Name: "e2e",
			ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		a.tokens[name] = secret
	}
	return a
}

// call sends body as JSON as the account and decodes the answer into out,
// failing unless the status is want.
func (a *api) call(as, method, path string, body any, want int, out any) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, a.url+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.tokens[as])
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		a.t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, as, res.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
}

// arrived is one e-mail that reached the SMTP server.
type arrived struct {
	mailMessage
	replyTo string
}

// drainArrived runs the dispatcher and answers what arrived, with Reply-To.
func (s *service) drainArrived(t *testing.T) []arrived {
	t.Helper()
	before := s.smtp.Count()
	s.drain(t)
	var out []arrived
	for _, r := range s.smtp.Since(before) {
		msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
		if err != nil {
			t.Fatal(err)
		}
		replyTo, err := mail.ParseAddress(msg.Header.Get("Reply-To"))
		if err != nil {
			t.Fatalf("Reply-To %q: %v", msg.Header.Get("Reply-To"), err)
		}
		out = append(out, arrived{mailMessage: parseMail(t, r), replyTo: replyTo.Address})
	}
	return out
}

// TestPeopleMailArrives: through the API and a real SMTP server, a clinic
// hears its request arrived; the coordinators hear of an absence (with the
// link to the repair draft's preview) and of a change request; the clinic
// hears why its change was declined. Every mail answers to the
// coordinators.
func TestPeopleMailArrives(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	a := newAPI(t, s)
	a.call("coordinator", http.MethodPost, "/api/v1/plans/"+string(week)+"/run", nil, http.StatusCreated, nil)
	a.call("coordinator", http.MethodPost, "/api/v1/plans/"+string(week)+"/1/publish", nil, http.StatusOK, nil)
	for _, m := range s.drainArrived(t) {
		if m.replyTo != coordinators {
			t.Errorf("booking mail %q answers to %q", m.subject, m.replyTo)
		}
	}
	clinics, err := s.st.Clinics(ctx, models.ClinicFilter{}, models.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	clinic := clinics[0]

	// Request received.
	var r models.Request
	a.call("clinic", http.MethodPost, "/api/v1/requests", map[string]any{"kind": "follow_up", "topic": "Повторный визит",
		"earliest_date": "2026-12-14", "due_date": "2026-12-18"}, http.StatusCreated, &r)
	got := s.drainArrived(t)
	if len(got) != 1 || !slices.Equal(got[0].rcpt, clinic.ContactEmails) || got[0].replyTo != coordinators ||
		!strings.Contains(got[0].subject, "Заявка принята") || !strings.Contains(got[0].text, r.ID) || !strings.Contains(got[0].text, coordinators) {
		t.Fatalf("request received: %+v", got)
	}

	// Absence of a trainer with booked visits.
	visits, err := s.st.Visits(ctx, models.VisitFilter{Week: week})
	if err != nil {
		t.Fatal(err)
	}
	v := visits[0]
	var abs models.Absence
	a.call("coordinator", http.MethodPost, "/api/v1/trainers/"+v.TrainerID+"/absences",
		map[string]any{"from": v.Date, "to": v.Date, "reason": "болезнь"}, http.StatusCreated, &abs)
	if len(abs.Drafts) != 1 || !slices.Contains(abs.AffectedVisits, v.ID) {
		t.Fatalf("absence %+v", abs)
	}
	got = s.drainArrived(t)
	diff := fmt.Sprintf("http://fieldvisit.test/api/v1/plans/%s/%d/diff", week, abs.Drafts[0].Version)
	if len(got) != 1 || !slices.Equal(got[0].rcpt, []string{coordinators}) || !strings.Contains(got[0].text, diff) ||
		!strings.Contains(got[0].subject, "Отсутствие") {
		t.Fatalf("absence mail: %+v", got)
	}

	// A change request of a booked visit of the clinic, declined.
	var booked *models.Visit
	for i := range visits {
		if visits[i].ClinicID == clinic.ID && visits[i].Status == models.VisitScheduled {
			booked = &visits[i]
		}
	}
	if booked == nil {
		t.Fatalf("clinic %s has no booked visit", clinic.Name)
	}
	var cr models.ChangeRequest
	path := "/api/v1/requests/" + booked.RequestID + "/change-requests"
	a.call("clinic", http.MethodPost, path, map[string]any{"comment": "Лучше после обеда"}, http.StatusCreated, &cr)
	got = s.drainArrived(t)
	if len(got) != 1 || !slices.Equal(got[0].rcpt, []string{coordinators}) || !strings.Contains(got[0].text, "Лучше после обеда") {
		t.Fatalf("change request mail: %+v", got)
	}
	a.call("coordinator", http.MethodPost, path+"/"+cr.ID+"/decline", map[string]any{"reason": "Все тренеры заняты после обеда"}, http.StatusOK, nil)
	got = s.drainArrived(t)
	if len(got) != 1 || !slices.Equal(got[0].rcpt, clinic.ContactEmails) || !strings.Contains(got[0].text, "Все тренеры заняты после обеда") ||
		got[0].replyTo != coordinators {
		t.Fatalf("declined mail: %+v", got)
	}
}
