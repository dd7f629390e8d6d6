package handlers

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/fieldvisit/fieldvisit/models"
)

// Cookie and header names.
const (
	sessionCookie = "fieldvisit_session"
	csrfCookie    = "fieldvisit_csrf"
	csrfHeader    = "X-CSRF-Token"
)

// sessionTTL is how long a login lasts.
const sessionTTL = 14 * 24 * time.Hour

// principal is the authenticated caller.
type principal struct {
	user *models.User
	// secret is the token the request authenticated with.
	secret string
	// cookie reports a browser session cookie (CSRF-checked) rather than a
	// Bearer header (exempt: browsers never attach it on their own).
	cookie bool
}

func (p *principal) is(r models.Role) bool { return p.user.Role == r }

// caller returns the principal set by authenticate.
func caller(c *gin.Context) *principal {
	p, _ := c.Get(principalKey)
	return p.(*principal)
}

// forbidden is ErrForbidden with the reason shown to the caller.
func forbidden(reason string) error {
	return &deniedError{sentinel: models.ErrForbidden, reason: reason}
}

// authenticate finds the caller from a Bearer token or the session cookie,
// refuses anonymous callers and, for cookie sessions, unsafe requests that
// lack the CSRF token.
func (s *Server) authenticate(c *gin.Context) error {
	p, err := s.identify(c)
	if err != nil {
		return err
	}
	if !safeMethod(c.Request.Method) {
		if err := p.checkCSRF(c); err != nil {
			return err
		}
	}
	c.Set(principalKey, p)
	return nil
}

// identify finds the caller from a Bearer token or the session cookie
// without checking CSRF; ErrUnauthenticated when there is none.
func (s *Server) identify(c *gin.Context) (*principal, error) {
	secret, cookie := "", false
	if h := c.GetHeader("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return nil, models.ErrUnauthenticated
		}
		secret = strings.TrimSpace(tok)
	} else if v, err := c.Cookie(sessionCookie); err == nil && v != "" {
		secret, cookie = v, true
	} else {
		return nil, models.ErrUnauthenticated
	}
	tok, err := s.tokens.Token(c, TokenHash(secret))
	if errors.Is(err, models.ErrNotFound) {
		return nil, models.ErrUnauthenticated
	}
	if err != nil {
		return nil, fmt.Errorf("look up token: %w", err)
	}
	if !tok.ExpiresAt.IsZero() && !s.now().Before(tok.ExpiresAt) {
		return nil, models.ErrUnauthenticated
	}
	user, err := s.users.User(c, tok.UserID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, models.ErrUnauthenticated
	}
	if err != nil {
		return nil, fmt.Errorf("load user of token: %w", err)
	}
	if user.Disabled {
		return nil, models.ErrUnauthenticated
	}
	return &principal{user: user, secret: secret, cookie: cookie}, nil
}

// checkCSRF refuses a cookie-authenticated request that lacks the session's
// CSRF token. authenticate calls it for every unsafe method; a handler whose
// GET changes state calls it too. Bearer callers pass: browsers never attach
// the header on their own.
func (p *principal) checkCSRF(c *gin.Context) error {
	if !p.cookie {
		return nil
	}
	got := c.GetHeader(csrfHeader)
	if got == "" && isFormPost(c) {
		// Page forms carry the token in a hidden field.
		got = c.PostForm(csrfField)
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(csrfToken(p.secret))) != 1 {
		return forbidden("missing or wrong " + csrfHeader + " header (copy it from the " + csrfCookie + " cookie)")
	}
	return nil
}

// isFormPost reports an HTML form submission.
func isFormPost(c *gin.Context) bool {
	ct := c.ContentType()
	return ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data"
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// allow builds the middleware that admits only the listed roles; what a
// role may do with a particular document is checked by the handler.
func allow(roles ...models.Role) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		if !slices.Contains(roles, caller(c).user.Role) {
			return forbidden("your role cannot use this endpoint")
		}
		return nil
	}
}

// loginParams is the body of POST /auth/login.
type loginParams struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// loginResult answers a login. Token is a session secret, also usable as a
// Bearer token; CSRFToken is what cookie-authenticated unsafe requests send
// in X-CSRF-Token.
type loginResult struct {
	Token     string       `json:"token"`
	CSRFToken string       `json:"csrf_token"`
	ExpiresAt time.Time    `json:"expires_at"`
	User      *models.User `json:"user"`
}

// login checks e-mail and password (checkLogin, which limits failures) and
// opens a session.
func (s *Server) login(c *gin.Context) error {
	var p loginParams
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	v := &models.ValidationError{}
	if strings.TrimSpace(p.Email) == "" {
		v.Add("email", "is required")
	}
	if p.Password == "" {
		v.Add("password", "is required")
	}
	if err := v.Err(); err != nil {
		return err
	}
	user, err := s.checkLogin(c, p.Email, p.Password)
	if err != nil {
		return err
	}
	secret, tok, err := s.openSession(c, user)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, loginResult{Token: secret, CSRFToken: csrfToken(secret), ExpiresAt: tok.ExpiresAt, User: user})
	return nil
}

// checkLogin checks an e-mail and password for the API and the login page
// alike: failures slow further attempts per (client address, e-mail) and
// per client address (loginLimiter; *rateLimitedError), and a wrong e-mail
// costs as much as a wrong password (a deniedError wrapping
// models.ErrUnauthenticated).
func (s *Server) checkLogin(c *gin.Context, email, password string) (*models.User, error) {
	ip := c.ClientIP()
	if wait, ok := s.logins.take(email, ip); !ok {
		return nil, &rateLimitedError{retryAfter: wait}
	}
	user, err := s.users.UserByEmail(c, strings.TrimSpace(email))
	hash := s.dummyHash
	switch {
	case err == nil:
		hash = user.PasswordHash
	case !errors.Is(err, models.ErrNotFound):
		s.logins.release(email, ip)
		return nil, err
	}
	// A deactivated account is refused like a wrong password, after the
	// same bcrypt work, so the answer does not tell the two apart.
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || user == nil || user.Disabled {
		s.logins.failed(email, ip)
		return nil, &deniedError{sentinel: models.ErrUnauthenticated, reason: "wrong e-mail or password"}
	}
	s.logins.succeeded(email, ip)
	return user, nil
}

// openSession stores a new browser session of user and sets its cookies.
func (s *Server) openSession(c *gin.Context, user *models.User) (string, *models.Token, error) {
	secret, hashed := NewToken()
	now := s.now().UTC()
	tok := &models.Token{Hash: hashed, ID: NewID(), UserID: user.ID, Kind: models.TokenSession,
		Name: truncate(c.Request.UserAgent(), 120), CreatedAt: now, ExpiresAt: now.Add(sessionTTL)}
	if err := s.tokens.CreateToken(c, tok); err != nil {
		return "", nil, fmt.Errorf("create session: %w", err)
	}
	auditActor(c, user)
	noteAudit(c, "session.login", "token", tok.ID, "session opened for "+user.Email)
	s.setSessionCookies(c, secret, int(sessionTTL/time.Second))
	return secret, tok, nil
}

// logout revokes the credential the request came with and clears cookies.
func (s *Server) logout(c *gin.Context) error {
	if err := s.closeSession(c); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// closeSession revokes the caller's credential and clears the cookies.
func (s *Server) closeSession(c *gin.Context) error {
	p := caller(c)
	if err := s.tokens.DeleteToken(c, TokenHash(p.secret)); err != nil && !errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("delete session: %w", err)
	}
	s.setSessionCookies(c, "", -1)
	noteAudit(c, "session.logout", "user", p.user.ID, "session or token closed")
	return nil
}

// setSessionCookies sets (or, with maxAge < 0, clears) the HttpOnly session
// cookie and the script-readable CSRF cookie.
func (s *Server) setSessionCookies(c *gin.Context, secret string, maxAge int) {
	csrf := ""
	if secret != "" {
		csrf = csrfToken(secret)
	}
	for _, ck := range []*http.Cookie{
		{Name: sessionCookie, Value: secret, HttpOnly: true},
		{Name: csrfCookie, Value: csrf, HttpOnly: false},
	} {
		ck.Path, ck.MaxAge, ck.Secure, ck.SameSite = "/", maxAge, s.secureCookies, http.SameSiteLaxMode
		http.SetCookie(c.Writer, ck)
	}
}

// me answers the caller's own account.
func (s *Server) me(c *gin.Context) error {
	writeJSON(c, http.StatusOK, caller(c).user)
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
