package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// Personal API token lifetimes.
const (
	defaultTokenDays = 365
	maxTokenDays     = 3650
)

// tokenParams is the body of POST /tokens.
type tokenParams struct {
	Name          string `json:"name"`
	ExpiresInDays *int   `json:"expires_in_days"`
}

// createdToken answers POST /tokens: the only time the secret is shown.
type createdToken struct {
	models.Token
	Secret string `json:"token"`
}

// listTokens answers the caller's own sessions and API tokens (never their
// secrets, which are not stored).
func (s *Server) listTokens(c *gin.Context) error {
	toks, err := s.tokens.Tokens(c, caller(c).user.ID)
	if err != nil {
		return err
	}
	if toks == nil {
		toks = []models.Token{}
	}
	writeJSON(c, http.StatusOK, list[models.Token]{Items: toks})
	return nil
}

// createToken issues a personal API token for scripts.
func (s *Server) createToken(c *gin.Context) error {
	var p tokenParams
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	out, err := s.issueAPIToken(c, caller(c).user.ID, p)
	if err != nil {
		return err
	}
	noteAudit(c, "token.create", "token", out.Token.ID, fmt.Sprintf("API token %q, expires %s", out.Token.Name, out.Token.ExpiresAt.Format(time.DateOnly)))
	c.Header("Cache-Control", "no-store")
	writeJSON(c, http.StatusCreated, out)
	return nil
}

// issueAPIToken validates p and stores a new personal API token of user,
// for the API and the account page alike.
func (s *Server) issueAPIToken(ctx context.Context, userID string, p tokenParams) (*createdToken, error) {
	days := defaultTokenDays
	if p.ExpiresInDays != nil {
		days = *p.ExpiresInDays
	}
	v := &models.ValidationError{}
	if name := strings.TrimSpace(p.Name); name == "" || models.TextLength(name) > models.MaxShortLength {
		v.Add("name", "is required, at most %d characters", models.MaxShortLength)
	} else if r, bad := models.ControlCharacter(name, false); bad {
		v.Add("name", "must be one line without control characters (found %U)", r)
	}
	if days < 1 || days > maxTokenDays {
		v.Add("expires_in_days", "must be between 1 and %d", maxTokenDays)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	secret, hash := NewToken()
	now := s.now().UTC()
	tok := models.Token{Hash: hash, ID: NewID(), UserID: userID, Kind: models.TokenAPI,
		Name: strings.TrimSpace(p.Name), CreatedAt: now, ExpiresAt: now.Add(time.Duration(days) * 24 * time.Hour)}
	if err := s.tokens.CreateToken(ctx, &tok); err != nil {
		return nil, err
	}
	return &createdToken{Token: tok, Secret: secret}, nil
}

// deleteToken revokes one of the caller's tokens; someone else's answers 404.
func (s *Server) deleteToken(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.tokens.DeleteTokenByID(c, caller(c).user.ID, id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
