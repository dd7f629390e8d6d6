package handlers

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// homePage redirects to the caller's home: a trainer's week, a clinic's
// requests, the coordinator's board of this week.
func (s *Server) homePage(c *gin.Context) error {
	return seeOther(c, s.homeOf(caller(c).user))
}

// homeOf is the first page of a role.
func (s *Server) homeOf(u *models.User) string {
	switch u.Role {
	case models.RoleTrainer:
		return "/week"
	case models.RoleClinic:
		return "/requests"
	default:
		return "/board/" + string(models.DateOf(s.now(), s.loc).Monday())
	}
}

// loginPage is the data of the login form.
type loginPage struct {
	LoginCSRF string // the pre-session CSRF token, also in a cookie
	Next      string
}

// loginTTL is how long a login form stays valid.
const loginTTL = 2 * time.Hour

// showLogin answers GET /login: the form, or the home page when the caller
// is already logged in. ?lang=en|ru chooses the language before login.
func (s *Server) showLogin(c *gin.Context) error {
	s.takeLangParam(c)
	if who, err := s.identify(c); err == nil && who.cookie {
		return seeOther(c, safeNext(c.Query("next")))
	}
	return s.renderLogin(c, http.StatusOK, &form{Values: map[string]string{"next": c.Query("next")}})
}

// takeLangParam remembers a ?lang= choice in the lang cookie.
func (s *Server) takeLangParam(c *gin.Context) {
	lang := c.Query("lang")
	if !slices.Contains(pageLangs, lang) {
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: s.secureCookies, SameSite: http.SameSiteLaxMode})
	// The cookie counts for this very response too.
	c.Request.AddCookie(&http.Cookie{Name: langCookie, Value: lang})
}

// renderLogin shows the login form with a fresh pre-session CSRF token
// (double submit: a SameSite=Strict cookie and the same value in the form;
// another site can set neither).
func (s *Server) renderLogin(c *gin.Context, status int, f *form) error {
	token, _ := NewToken()
	http.SetCookie(c.Writer, &http.Cookie{Name: loginCSRFCookie, Value: token, Path: "/login",
		MaxAge: int(loginTTL / time.Second), HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteStrictMode})
	return s.render(c, status, "login", "", loginPage{LoginCSRF: token, Next: safeNext(f.Value("next"))}, f)
}

// submitLogin answers POST /login with the API's checks (rate limit,
// password) and a session cookie, then goes to next or the role's home.
// Failures show the form again with what was typed (but not the password).
func (s *Server) submitLogin(c *gin.Context) error {
	f := postedForm(c, "email", "next")
	cookie, _ := c.Cookie(loginCSRFCookie)
	sent := c.PostForm(csrfField)
	if cookie == "" || subtle.ConstantTimeCompare([]byte(cookie), []byte(sent)) != 1 {
		f.fail("", s.tr(c, "login.expired"))
		return s.renderLogin(c, http.StatusForbidden, f)
	}
	password := c.PostForm("password")
	if f.Values["email"] == "" {
		f.fail("email", s.tr(c, "form.required"))
	}
	if password == "" {
		f.fail("password", s.tr(c, "form.required"))
	}
	if f.failed() {
		return s.renderLogin(c, http.StatusUnprocessableEntity, f)
	}
	user, err := s.checkLogin(c, f.Values["email"], password)
	var limited *rateLimitedError
	switch {
	case errors.As(err, &limited):
		c.Header("Retry-After", retryAfterSeconds(limited.retryAfter))
		f.fail("", s.tr(c, "login.limited", limited.retryAfter.Round(time.Second).String()))
		return s.renderLogin(c, http.StatusTooManyRequests, f)
	case errors.Is(err, models.ErrUnauthenticated):
		f.fail("", s.tr(c, "login.failed"))
		return s.renderLogin(c, http.StatusUnauthorized, f)
	case err != nil:
		return err
	}
	if _, _, err := s.openSession(c, user); err != nil {
		return err
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: loginCSRFCookie, Value: "", Path: "/login", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteStrictMode})
	next := safeNext(f.Values["next"])
	if next == "/" {
		next = s.homeOf(user)
	}
	return seeOther(c, next)
}

// submitLogout answers POST /logout (CSRF-checked like every form).
func (s *Server) submitLogout(c *gin.Context) error {
	if err := s.closeSession(c); err != nil {
		return err
	}
	s.flash(c, "flash.logged_out")
	return seeOther(c, "/login")
}
