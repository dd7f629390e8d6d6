package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
// (POST) revokes the old one.
const feedTokenTTL = 2 * 365 * 24 * time.Hour

// feedTokenID is the public id of a trainer's one feed token; the unique
// index on token ids keeps it one per trainer.
func feedTokenID(trainerID string) string { return "feed-" + trainerID }

// FeedToken is the answer of GET and POST /trainers/{id}/feed-token.
type FeedToken struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// feedTrainer checks that the caller may see the feed of the trainer in the
// path (a trainer only their own) and that the trainer exists.
func (s *Server) feedTrainer(c *gin.Context) (string, error) {
	id, err := pathID(c)
	if err != nil {
		return "", err
	}
	if who := caller(c); who.is(models.RoleTrainer) && who.user.TrainerID != id {
		return "", forbidden("a trainer gets only their own calendar feed")
	}
	if _, err := s.trainers.Trainer(c, id); err != nil {
		return "", err
	}
	if s.feeds == nil {
		return "", errPlanningOff
	}
	return id, nil
}

// showFeedToken answers the trainer's current calendar feed URL, making
// one when there is none (or it expired): asking twice gives the same URL,
// so a GET changes nothing a client could notice.
func (s *Server) showFeedToken(c *gin.Context) error {
	id, err := s.feedTrainer(c)
	if err != nil {
		return err
	}
	tok, err := s.tokens.TokenByID(c, "", feedTokenID(id))
	switch {
	case err == nil && tok.Secret != "":
		s.writeFeedToken(c, tok)
		return nil
	case err == nil:
		// A token made before secrets were kept cannot be shown: replace it.
		return s.renewFeedToken(c, id)
	case !errors.Is(err, models.ErrNotFound):
		return err
	}
	tok, err = s.createFeedToken(c, id)
	if errors.Is(err, models.ErrConflict) {
		// A concurrent call made it first, or an expired one is in the way.
		if tok, err = s.tokens.TokenByID(c, "", feedTokenID(id)); err == nil && tok.Secret != "" {
			s.writeFeedToken(c, tok)
			return nil
		}
		return s.renewFeedToken(c, id)
	}
	if err != nil {
		return err
	}
	s.writeFeedToken(c, tok)
	return nil
}

// newFeedToken makes a new calendar feed URL for the trainer and revokes
// the previous one (POST, so cookie sessions send X-CSRF-Token: a link on
// another site must not silently break the trainer's subscription).
func (s *Server) newFeedToken(c *gin.Context) error {
	id, err := s.feedTrainer(c)
	if err != nil {
		return err
	}
	noteAudit(c, "feed_token.issue", "trainer", id, "calendar feed URL issued; the previous one revoked")
	return s.renewFeedToken(c, id)
}

// renewFeedToken revokes the trainer's feed token, if any, and answers a
// new one.
func (s *Server) renewFeedToken(c *gin.Context, id string) error {
	ft, err := s.newFeedURL(c, id)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	writeJSON(c, http.StatusOK, ft)
	return nil
}

// newFeedURL makes a new calendar feed URL for trainer id and revokes the
// previous one, for the API and the account page alike.
func (s *Server) newFeedURL(ctx context.Context, id string) (*FeedToken, error) {
	if s.feeds == nil {
		return nil, errPlanningOff
	}
	if err := s.tokens.DeleteTokenByID(ctx, "", feedTokenID(id)); err != nil && !errors.Is(err, models.ErrNotFound) {
		return nil, fmt.Errorf("revoke the previous feed of trainer %s: %w", id, err)
	}
	tok, err := s.createFeedToken(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.feedURL(tok), nil
}

// createFeedToken stores a new feed token of the trainer; the unique index
// on token ids refuses a second one (models.ErrConflict). The token belongs
// to no user: it opens the feed and nothing else (authenticate finds no
// user for it).
func (s *Server) createFeedToken(ctx context.Context, id string) (*models.Token, error) {
	secret, hash := NewToken()
	tok := &models.Token{
		Hash:      hash,
		ID:        feedTokenID(id),
		Kind:      models.TokenFeed,
		Name:      "calendar feed of trainer " + id,
		ExpiresAt: s.now().Add(feedTokenTTL).UTC(),
		Secret:    secret,
	}
	if err := s.tokens.CreateToken(ctx, tok); err != nil {
		return nil, fmt.Errorf("issue a feed token for trainer %s: %w", id, err)
	}
	return tok, nil
}

// feedURL is the public form of a stored feed token.
func (s *Server) feedURL(tok *models.Token) *FeedToken {
	return &FeedToken{URL: s.baseURL + "/feeds/" + tok.Secret + ".ics", ExpiresAt: tok.ExpiresAt}
}

// writeFeedToken answers a feed token as its URL.
func (s *Server) writeFeedToken(c *gin.Context, tok *models.Token) {
	c.Header("Cache-Control", "no-store")
	writeJSON(c, http.StatusOK, s.feedURL(tok))
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
	bookings, err := s.feedBookings(c, t, visits)
	if err != nil {
		return err
	}
	data, err := s.feeds.TrainerFeed(publish.NotifyTrainer(t), bookings, s.now())
	if err != nil {
		return fmt.Errorf("write the feed of trainer %s: %w", t.ID, err)
	}
	c.Header("Cache-Control", "private, max-age=300")
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", data)
	return nil
}

// feedBookings describes trainer t's visits for the feed, each as the mails
// describe it (publish.Booking). A visit whose clinic was deleted stays in
// the feed without the clinic's name, with a warning in the log: the
// trainer still has to keep the time free.
func (s *Server) feedBookings(c *gin.Context, t *models.Trainer, visits []models.Visit) ([]notify.Booking, error) {
	clinics := map[string]*models.Clinic{}
	bookings := make([]notify.Booking, 0, len(visits))
	for i := range visits {
		v := &visits[i]
		cl, ok := clinics[v.ClinicID]
		if !ok {
			var err error
			cl, err = s.clinics.Clinic(c, v.ClinicID)
			if err != nil && !errors.Is(err, models.ErrNotFound) {
				return nil, fmt.Errorf("load clinic %s: %w", v.ClinicID, err)
			}
			clinics[v.ClinicID] = cl
		}
		// The request gives the comment, at one lookup by _id each (about
		// 2 ms on the embedded server): worth it for the visits to come,
		// not for the done ones, a history that only grows.
		var req *models.Request
		if v.Status == models.VisitScheduled {
			var err error
			req, err = s.requests.Request(c, v.RequestID)
			if err != nil && !errors.Is(err, models.ErrNotFound) {
				return nil, fmt.Errorf("load request %s: %w", v.RequestID, err)
			}
		}
		b, warning := publish.Booking(v, req, cl, t)
		if warning != "" {
			s.log.WarnContext(c.Request.Context(), "calendar feed: "+warning, slog.String("trainer_id", t.ID))
		}
		bookings = append(bookings, b)
	}
	return bookings, nil
}
