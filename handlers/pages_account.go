package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/fieldvisit/fieldvisit/models"
)

// accountPage is the data of /account.
type accountPage struct {
	Tokens []accountToken
	// Feed offers a calendar feed link (trainers).
	Feed bool
	// FeedURL and NewToken are secrets shown once, right after making them.
	FeedURL, NewToken string
	// Form names the form Form belongs to: "password" or "token".
	Form string
}

// accountToken is one row of the sessions and tokens table.
type accountToken struct {
	ID, Name             string
	Kind                 models.TokenKind
	CreatedAt, ExpiresAt time.Time
	Current              bool
}

// showAccount answers GET /account.
func (s *Server) showAccount(c *gin.Context) error {
	return s.renderAccount(c, http.StatusOK, accountPage{}, nil)
}

// renderAccount renders the account page around what a handler prepared
// (a form being shown again, a secret shown once).
func (s *Server) renderAccount(c *gin.Context, status int, p accountPage, f *form) error {
	who := caller(c)
	toks, err := s.tokens.Tokens(c, who.user.ID)
	if err != nil {
		return fmt.Errorf("list tokens: %w", err)
	}
	current := TokenHash(who.secret)
	for _, t := range toks {
		name := t.Name
		if t.Kind == models.TokenSession {
			name = browserName(name)
		}
		p.Tokens = append(p.Tokens, accountToken{ID: t.ID, Name: name, Kind: t.Kind,
			CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, Current: t.Hash == current})
	}
	p.Feed = who.is(models.RoleTrainer) && s.feeds != nil
	if p.NewToken != "" || p.FeedURL != "" {
		c.Header("Cache-Control", "no-store")
	}
	return s.render(c, status, "account", "", p, f)
}

// changePassword answers POST /account/password: the current password must
// be right, the new one 8–72 characters (and at most 72 bytes, bcrypt's
// limit) and typed twice alike.
func (s *Server) changePassword(c *gin.Context) error {
	f := postedForm(c, "current", "new", "repeat")
	u := *caller(c).user
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(f.Values["current"])) != nil {
		f.fail("current", s.tr(c, "account.password.wrong"))
	}
	if problem := passwordProblem(f.Values["new"]); problem != "" {
		f.fail("new", s.tr(c, "account.password."+problem))
	} else if f.Values["new"] != f.Values["repeat"] {
		f.fail("repeat", s.tr(c, "account.password.mismatch"))
	}
	if f.failed() {
		return s.renderAccount(c, http.StatusUnprocessableEntity, accountPage{Form: "password"}, f)
	}
	hash, err := hashPassword(f.Values["new"], s.passwordCost)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	if err := s.users.UpdateUser(c, &u); err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	s.flash(c, "flash.password_changed")
	return seeOther(c, "/account")
}

// setLanguage answers POST /account/lang: the account's language for pages
// and e-mails; back to next (the page the switch was used on).
func (s *Server) setLanguage(c *gin.Context) error {
	lang := c.PostForm("lang")
	if !slices.Contains(pageLangs, lang) {
		return badRequest("lang", "the language must be ru or en")
	}
	u := *caller(c).user
	if u.Lang != lang {
		u.Lang = lang
		if err := s.users.UpdateUser(c, &u); err != nil {
			return fmt.Errorf("set language: %w", err)
		}
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: s.secureCookies, SameSite: http.SameSiteLaxMode})
	next := c.PostForm("next")
	if next == "" || next == "/account" {
		s.flash(c, "flash.lang_changed")
		next = "/account"
	}
	return seeOther(c, safeNext(next))
}

// createTokenPage answers POST /account/tokens: the API's token service;
// the secret is shown once on the page that answers.
func (s *Server) createTokenPage(c *gin.Context) error {
	f := postedForm(c, "name", "days")
	p := tokenParams{Name: f.Values["name"]}
	if f.Values["days"] != "" {
		days, err := strconv.Atoi(f.Values["days"])
		if err != nil {
			days = -1 // reported by the service's range check
		}
		p.ExpiresInDays = &days
	}
	tok, err := s.issueAPIToken(c, caller(c).user.ID, p)
	if s.failValidation(c, f, err, map[string]string{"expires_in_days": "days"}) {
		return s.renderAccount(c, http.StatusUnprocessableEntity, accountPage{Form: "token"}, f)
	}
	if err != nil {
		return err
	}
	return s.renderAccount(c, http.StatusCreated, accountPage{NewToken: tok.Secret}, nil)
}

// revokeTokenPage answers POST /account/tokens/:id/delete.
func (s *Server) revokeTokenPage(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.tokens.DeleteTokenByID(c, caller(c).user.ID, id); err != nil {
		return fmt.Errorf("delete token %s: %w", id, err)
	}
	s.flash(c, "flash.token_revoked")
	return seeOther(c, "/account")
}

// newFeedPage answers POST /account/feed: a trainer's new calendar link
// (the old one stops working), shown once.
func (s *Server) newFeedPage(c *gin.Context) error {
	who := caller(c)
	if !who.is(models.RoleTrainer) {
		return forbidden("only trainers have a calendar feed")
	}
	ft, err := s.newFeedURL(c, who.user.TrainerID)
	if err != nil {
		return err
	}
	return s.renderAccount(c, http.StatusOK, accountPage{FeedURL: ft.URL}, nil)
}

// browserName shortens a session's User-Agent to what a person recognises
// ("Firefox on Windows"); an unknown one is shown as it is.
func browserName(ua string) string {
	browser := ""
	for _, b := range []struct{ marker, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"YaBrowser/", "Yandex Browser"}, {"Firefox/", "Firefox"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.marker) {
			browser = b.name
			break
		}
	}
	if browser == "" {
		return ua
	}
	for _, o := range []struct{ marker, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.marker) {
			return browser + " · " + o.name
		}
	}
	return browser
}
