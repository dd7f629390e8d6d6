package handlers

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/publish"
)

// FeedComposer writes a trainer's calendar feed (notify.Composer).
type FeedComposer interface {
	TrainerFeed(t notify.Trainer, bookings []notify.Booking, now time.Time) ([]byte, error)
}

// feedTokenTTL is how long a feed URL works. Calendar apps poll it for as
// long as the subscription lives, so it is long; asking for a new URL
// revokes the old one.
const feedTokenTTL = 2 * 365 * 24 * time.Hour

// feedTokenID is the public id of a trainer's one feed token; the unique
// index on token ids keeps it one per trainer.
func feedTokenID(trainerID string) string { return "feed-" + trainerID }

// FeedToken is the answer of GET /trainers/{id}/feed-token.
type FeedToken struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// issueFeedToken makes a new calendar feed URL for the trainer and revokes
// the previous one; cookie sessions must send X-CSRF-Token although it is a
// GET, because it changes state. Only the SHA-256 of the token is stored,
// with no user: the token opens the feed and nothing else (authenticate
// finds no user for it).
func (s *Server) issueFeedToken(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	who := caller(c)
	// The route is a GET (its documented name), yet it revokes the previous
	// URL: without the CSRF check a link on another site, followed with the
	// session cookie, would silently break the trainer's subscription.
	if err := who.checkCSRF(c); err != nil {
		return err
	}
	if who.is(models.RoleTrainer) && who.user.TrainerID != id {
		return forbidden("a trainer gets only their own calendar feed")
	}
	if _, err := s.trainers.Trainer(c, id); err != nil {
		return fmt.Errorf("load trainer %s: %w", id, err)
	}
	if s.feeds == nil {
		return errPlanningOff
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails
	secret := base64.RawURLEncoding.EncodeToString(raw)
	tok := &models.Token{
		Hash:      TokenHash(secret),
		ID:        feedTokenID(id),
		Kind:      models.TokenFeed,
		Name:      "calendar feed of trainer " + id,
		ExpiresAt: s.now().Add(feedTokenTTL).UTC(),
	}
	if err := s.tokens.DeleteTokenByID(c, "", tok.ID); err != nil && !errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("revoke the previous feed of trainer %s: %w", id, err)
	}
	if err := s.tokens.CreateToken(c, tok); err != nil {
		return fmt.Errorf("issue a feed token for trainer %s: %w", id, err)
	}
	c.Header("Cache-Control", "no-store")
	noteAudit(c, "feed_token.issue", "trainer", id, "calendar feed URL issued; the previous one revoked")
	writeJSON(c, http.StatusOK, FeedToken{URL: s.baseURL + "/feeds/" + secret + ".ics", ExpiresAt: tok.ExpiresAt})
	return nil
}

// errNoFeed answers every feed URL that does not open a feed, so valid
// tokens cannot be told from invalid ones.
var errNoFeed = fmt.Errorf("calendar feed: %w", models.ErrNotFound)

// trainerFeed serves a trainer's published visits as an iCalendar feed
// (METHOD:PUBLISH) to whoever holds the feed token; no login, since
// calendar apps cannot log in.
func (s *Server) trainerFeed(c *gin.Context) error {
	secret, ok := strings.CutSuffix(c.Param("token"), ".ics")
	if !ok || secret == "" || len(secret) > 128 {
		return errNoFeed
	}
	tok, err := s.tokens.Token(c, TokenHash(secret))
	if errors.Is(err, models.ErrNotFound) {
		return errNoFeed
	}
	if err != nil {
		return fmt.Errorf("look up feed token: %w", err)
	}
	trainerID, isFeed := strings.CutPrefix(tok.ID, "feed-")
	if tok.Kind != models.TokenFeed || !isFeed || s.feeds == nil {
		return errNoFeed
	}
	t, err := s.trainers.Trainer(c, trainerID)
	if errors.Is(err, models.ErrNotFound) {
		return errNoFeed
	}
	if err != nil {
		return fmt.Errorf("load trainer %s: %w", trainerID, err)
	}
	visits, err := s.visits.Visits(c, models.VisitFilter{
		TrainerID: trainerID,
		Statuses:  []models.VisitStatus{models.VisitScheduled, models.VisitDone},
	})
	if err != nil {
		return fmt.Errorf("list visits of trainer %s: %w", trainerID, err)
	}
	clinics := map[string]*models.Clinic{}
	bookings := make([]notify.Booking, 0, len(visits))
	for _, v := range visits {
		cl, ok := clinics[v.ClinicID]
		if !ok {
			cl, err = s.clinics.Clinic(c, v.ClinicID)
			if errors.Is(err, models.ErrNotFound) {
				cl, err = nil, nil
			}
			if err != nil {
				return fmt.Errorf("load clinic %s: %w", v.ClinicID, err)
			}
			clinics[v.ClinicID] = cl
		}
		b := notify.Booking{
			VisitID: publish.CalendarID(v.ID), Sequence: v.Sequence,
			Kind: notify.Kind(v.Kind), Topic: v.Topic, Start: v.Start, End: v.End, Participants: v.Participants,
		}
		if cl != nil {
			b.Clinic = notify.Clinic{ID: cl.ID, Name: cl.Name, Address: cl.Place.Address, Lang: notify.Lang(cl.Lang)}
		}
		if v.Kind == models.KindMicroTraining {
			b.TrainingStart, b.TrainingEnd = v.Start, v.End
		}
		bookings = append(bookings, b)
	}
	data, err := s.feeds.TrainerFeed(notify.Trainer{ID: t.ID, Name: t.Name, Email: t.Email, Phone: t.Phone, Lang: notify.Lang(t.Lang)}, bookings, s.now())
	if err != nil {
		return fmt.Errorf("write the feed of trainer %s: %w", trainerID, err)
	}
	c.Header("Cache-Control", "private, max-age=300")
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", data)
	return nil
}
