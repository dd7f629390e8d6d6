package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// Page languages: Russian is the default, English is chosen per account
// (or, before logging in, by the lang cookie).
var pageLangs = []string{"ru", "en"}

// Cookies of the pages.
const (
	langCookie      = "fieldvisit_lang"
	flashCookie     = "fieldvisit_flash"
	loginCSRFCookie = "fieldvisit_login_csrf"
	// csrfField is the form field carrying the CSRF token of a page form
	// (htmx requests send the X-CSRF-Token header instead).
	csrfField = "csrf_token"
)

// catalogue is the message catalogue: language → key → text. Texts may
// hold fmt verbs filled by the template's arguments ({{t "key" arg}}).
type catalogue map[string]map[string]string

// loadCatalogue reads i18n/<lang>.json for every page language and checks
// that they define the same keys, so a text missing in one language fails
// at start.
func loadCatalogue(fsys fs.FS) (catalogue, error) {
	cat := catalogue{}
	for _, lang := range pageLangs {
		b, err := fs.ReadFile(fsys, "pages/i18n/"+lang+".json")
		if err != nil {
			return nil, fmt.Errorf("read the %s message catalogue: %w", lang, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("parse the %s message catalogue: %w", lang, err)
		}
		// Sections of the catalogue may live in their own files,
		// i18n/<lang>-<section>.json, so that pages built side by side
		// do not all edit one file; a key defined twice is an error.
		parts, err := fs.Glob(fsys, "pages/i18n/"+lang+"-*.json")
		if err != nil {
			return nil, fmt.Errorf("list the %s message catalogue's sections: %w", lang, err)
		}
		for _, part := range parts {
			b, err := fs.ReadFile(fsys, part)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", part, err)
			}
			pm := map[string]string{}
			if err := json.Unmarshal(b, &pm); err != nil {
				return nil, fmt.Errorf("parse %s: %w", part, err)
			}
			for k, v := range pm {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("%s defines %q again", part, k)
				}
				m[k] = v
			}
		}
		cat[lang] = m
	}
	for _, lang := range pageLangs[1:] {
		for k := range cat[pageLangs[0]] {
			if _, ok := cat[lang][k]; !ok {
				return nil, fmt.Errorf("message catalogue %s lacks key %q", lang, k)
			}
		}
		for k := range cat[lang] {
			if _, ok := cat[pageLangs[0]][k]; !ok {
				return nil, fmt.Errorf("message catalogue %s lacks key %q", pageLangs[0], k)
			}
		}
	}
	return cat, nil
}

// text translates key into lang, filling fmt verbs with args. An unknown
// key is an error, so a page naming one fails to render (and its test
// fails) instead of showing the key.
func (cat catalogue) text(lang, key string, args ...any) (string, error) {
	s, ok := cat[lang][key]
	if !ok {
		return "", fmt.Errorf("no text %q in the %s message catalogue", key, lang)
	}
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s, nil
}

// has reports whether key is in the catalogue.
func (cat catalogue) has(key string) bool { _, ok := cat[pageLangs[0]][key]; return ok }

// pageSet is every page template parsed once per language, with the
// language's translation function bound in.
type pageSet struct {
	cat    catalogue
	byLang map[string]map[string]*template.Template
}

// newPageSet parses pages/layout.html, pages/partials/*.html and each
// page file pages/<name>.html into the template <name>, per language.
func newPageSet(fsys fs.FS, loc *time.Location, assetURL func(string) string) (*pageSet, error) {
	cat, err := loadCatalogue(fsys)
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(fsys, "pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("list page templates: %w", err)
	}
	ps := &pageSet{cat: cat, byLang: map[string]map[string]*template.Template{}}
	for _, lang := range pageLangs {
		ps.byLang[lang] = map[string]*template.Template{}
		funcs := pageFuncs(cat, lang, loc, assetURL)
		for _, f := range files {
			name := strings.TrimSuffix(path.Base(f), ".html")
			if name == "layout" {
				continue
			}
			t, err := template.New(name).Funcs(funcs).ParseFS(fsys, "pages/layout.html", "pages/partials/*.html", f)
			if err != nil {
				return nil, fmt.Errorf("parse page %s: %w", name, err)
			}
			ps.byLang[lang][name] = t
		}
	}
	return ps, nil
}

// pageFuncs are the functions every page template may call.
//   - t "key" args…: the text of key in the page's language;
//   - asset "app.css": the versioned URL of a static file;
//   - datetime, date, clock: a time in the service's zone;
//   - field . "name" "type" "label.key" "autocomplete": a form field's view
//     for the "field" partial (typed value and error from .Form).
func pageFuncs(cat catalogue, lang string, loc *time.Location, assetURL func(string) string) template.FuncMap {
	return template.FuncMap{
		"t":     func(key string, args ...any) (string, error) { return cat.text(lang, key, args...) },
		"asset": assetURL,
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format(dateLayout(lang) + " 15:04")
		},
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format(dateLayout(lang))
		},
		"clock": func(t time.Time) string { return t.In(loc).Format("15:04") },
		// weekday is the day's short name in the page's language ("пн").
		"weekday": func(t time.Time) (string, error) {
			return cat.text(lang, fmt.Sprintf("weekday.%d", t.In(loc).Weekday()))
		},
		"field": func(d *pageData, name, typ, label, autocomplete string) fieldView {
			return fieldView{Name: name, Type: typ, Label: label, Autocomplete: autocomplete,
				Value: d.Form.Value(name), Error: d.Form.Error(name)}
		},
	}
}

// dateLayout is how a language writes a date.
func dateLayout(lang string) string {
	if lang == "en" {
		return "2 Jan 2006"
	}
	return "02.01.2006"
}

// fieldView is what the "field" partial renders.
type fieldView struct {
	Name, Type, Label, Autocomplete, Value, Error string
}

// form is a submitted form being shown again: what was typed and the
// (translated) error of each field; the field "" holds a form-wide error.
type form struct {
	Values map[string]string
	Errors map[string]string
}

// Value is what was typed into field name.
func (f *form) Value(name string) string {
	if f == nil {
		return ""
	}
	return f.Values[name]
}

// Error is field name's error message, or "".
func (f *form) Error(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// fail records a translated error for field ("" for the whole form).
func (f *form) fail(field, text string) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	f.Errors[field] = text
}

// failValidation shows a service's *models.ValidationError next to the
// form's fields and reports whether err was one. rename maps the service's
// field names to the form's ("expires_in_days" → "days"); a field the form
// lacks goes to the form-wide error. Messages are translated through the
// catalogue key "validation.<message>" when it exists, else shown as the
// service wrote them.
func (s *Server) failValidation(c *gin.Context, f *form, err error, rename map[string]string) bool {
	var v *models.ValidationError
	if !asValidation(err, &v) {
		return false
	}
	for _, fe := range v.Fields {
		name := fe.Field
		if r, ok := rename[name]; ok {
			name = r
		}
		if _, ok := f.Values[name]; !ok {
			name = ""
		}
		msg := fe.Message
		if s.pages.cat.has("validation." + msg) {
			msg = s.tr(c, "validation."+msg)
		}
		if prev := f.Error(name); prev != "" {
			msg = prev + " " + msg
		}
		f.fail(name, msg)
	}
	if f.Error("") == "" {
		f.fail("", s.tr(c, "form.invalid"))
	}
	return true
}

// failed reports whether any field has an error.
func (f *form) failed() bool { return f != nil && len(f.Errors) > 0 }

// postedForm reads the named fields of a submitted form, trimming spaces
// (except in passwords, kept as typed).
func postedForm(c *gin.Context, fields ...string) *form {
	f := &form{Values: map[string]string{}}
	for _, name := range fields {
		v := c.PostForm(name)
		if !strings.Contains(name, "password") && name != "current" && name != "new" && name != "repeat" {
			v = strings.TrimSpace(v)
		}
		f.Values[name] = v
	}
	return f
}

// navLink is one entry of the header's navigation.
type navLink struct {
	Href    string
	Label   string // catalogue key
	Current bool
}

// pageData is what every page template gets. Page is the page's own data.
type pageData struct {
	Lang  string
	User  *models.User // nil before login
	CSRF  string       // the session's CSRF token for forms
	Flash string       // a translated one-time message
	Title string       // translated
	Path  string       // the current path, for "current" marks
	Here  string       // the current path and query, for next=
	Zone  string       // the service's time zone name
	Nav   []navLink
	Form  *form
	Page  any
}

// navFor is the navigation of a role. A page added for a role gets its
// row here (and its label key in the catalogues).
func navFor(u *models.User, monday models.Date) []navLink {
	if u == nil {
		return nil
	}
	switch u.Role {
	case models.RoleTrainer:
		return []navLink{{Href: "/week", Label: "nav.week"}, {Href: "/availability", Label: "nav.availability"}}
	case models.RoleClinic:
		return []navLink{{Href: "/requests", Label: "nav.requests"}}
	case models.RoleCoordinator:
		return append([]navLink{{Href: "/board/" + string(monday), Label: "nav.board"}}, adminNav...)
	}
	return nil
}

// pageLang is the language of the pages for this request: the account's,
// else the lang cookie's, else Russian.
func (s *Server) pageLang(c *gin.Context) string {
	if p := pageCaller(c); p != nil && slices.Contains(pageLangs, p.user.Lang) {
		return p.user.Lang
	}
	if v, err := c.Cookie(langCookie); err == nil && slices.Contains(pageLangs, v) {
		return v
	}
	return pageLangs[0]
}

// pageCaller is the logged-in caller, or nil on a public page.
func pageCaller(c *gin.Context) *principal {
	p, ok := c.Get(principalKey)
	if !ok {
		return nil
	}
	return p.(*principal)
}

// tr translates key for this request's language; an unknown key returns
// the key itself, since a caller-side typo is caught by the catalogue test.
func (s *Server) tr(c *gin.Context, key string, args ...any) string {
	t, err := s.pages.cat.text(s.pageLang(c), key, args...)
	if err != nil {
		return key
	}
	return t
}

// render writes page name with status: the shared frame (user, language,
// CSRF token, flash, navigation) around page, the page's own data. The
// title is the catalogue's "<name>.title" unless titleKey names another.
// The page is rendered into a buffer first so that a template error becomes
// a clean 500, never half a page.
func (s *Server) render(c *gin.Context, status int, name, titleKey string, page any, f *form) error {
	lang := s.pageLang(c)
	set, ok := s.pages.byLang[lang][name]
	if !ok {
		return fmt.Errorf("render page: no page template %q", name)
	}
	if titleKey == "" {
		titleKey = name + ".title"
	}
	title, err := s.pages.cat.text(lang, titleKey)
	if err != nil {
		return fmt.Errorf("render page %s: %w", name, err)
	}
	d := &pageData{Lang: lang, Title: title, Path: c.Request.URL.Path, Here: c.Request.URL.RequestURI(), Zone: s.loc.String(), Form: f, Page: page}
	if p := pageCaller(c); p != nil {
		d.User, d.CSRF = p.user, csrfToken(p.secret)
		d.Nav = navFor(p.user, models.DateOf(s.now(), s.loc).Monday())
		for i := range d.Nav {
			d.Nav[i].Current = d.Path == d.Nav[i].Href || strings.HasPrefix(d.Path, d.Nav[i].Href+"/")
		}
	}
	if key, err := c.Cookie(flashCookie); err == nil && key != "" {
		s.clearCookie(c, flashCookie)
		if s.pages.cat.has(key) {
			d.Flash, _ = s.pages.cat.text(lang, key)
		}
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, "layout", d); err != nil {
		return fmt.Errorf("render page %s: %w", name, err)
	}
	setPageHeaders(c)
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

// setPageHeaders sets what every HTML response carries: no caching of
// personal pages, and a content security policy that admits only our own
// scripts and styles (map tiles may come from any HTTPS server).
func setPageHeaders(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
	c.Header("X-Frame-Options", "DENY")
	c.Header("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https:; "+
		"style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
}

// flash leaves a one-time message (a catalogue key) for the next page.
func (s *Server) flash(c *gin.Context, key string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Value: key, Path: "/", MaxAge: 60,
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearCookie(c *gin.Context, name string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode})
}

// seeOther redirects after a successful form post (POST → redirect → GET).
func seeOther(c *gin.Context, to string) error {
	c.Redirect(http.StatusSeeOther, to)
	return nil
}

// safeNext is a same-site path to return to after login, or "/".
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

// isPagePath reports whether path belongs to the browser pages, whose
// errors are HTML pages, rather than to the API, the health checks or the
// calendar feeds, which keep problem+json.
func isPagePath(p string) bool {
	return !strings.HasPrefix(p, "/api/") && !strings.HasPrefix(p, feedPathPrefix) &&
		p != "/healthz" && p != "/readyz"
}

// errorPage is the data of the friendly error page.
type errorPage struct {
	TitleKey, TextKey, RequestID string
}

// writeErrorPage answers a browser path's error: an anonymous caller goes
// to the login form (coming back afterwards); everything else gets a
// friendly page in the caller's language with the problem's status.
func (s *Server) writeErrorPage(c *gin.Context, err error) {
	if _, unexpected := problemFor(err); unexpected {
		s.log.ErrorContext(c.Request.Context(), "page failed", "request_id", requestID(c), "path", loggedPath(c), "error", err)
	}
	s.renderErrorPage(c, err)
}

// renderErrorPage renders the friendly error page without logging, for a
// caller that has logged the error already.
func (s *Server) renderErrorPage(c *gin.Context, err error) {
	p, unexpected := problemFor(err)
	if p.Status == http.StatusUnauthorized {
		to := "/login?next=" + url.QueryEscape(c.Request.URL.RequestURI())
		if c.Request.Method != http.MethodGet {
			// A form posted after the session ended cannot be replayed
			// by a GET; after login the role's home is the best place.
			to = "/login"
		}
		c.Header("Cache-Control", "no-store")
		c.Redirect(http.StatusSeeOther, to)
		c.Abort()
		return
	}
	if pageCaller(c) == nil {
		// The error came before (or without) authentication, as on an
		// unknown path: find the caller to speak their language.
		if who, err := s.identify(c); err == nil {
			c.Set(principalKey, who)
		}
	}
	key := fmt.Sprintf("error.%d", p.Status)
	if !s.pages.cat.has(key + ".title") {
		key = "error.500"
		if p.Status < http.StatusInternalServerError {
			key = "error.400"
		}
	}
	var limited *rateLimitedError
	if errors.As(err, &limited) {
		c.Header("Retry-After", retryAfterSeconds(limited.retryAfter))
	}
	ep := errorPage{TitleKey: key + ".title", TextKey: key + ".text"}
	if unexpected {
		ep.RequestID = requestID(c)
	}
	if rerr := s.render(c, p.Status, "error", ep.TitleKey, ep, nil); rerr != nil {
		s.log.ErrorContext(c.Request.Context(), "render the error page", "request_id", requestID(c), "error", rerr)
		setPageHeaders(c)
		c.Data(p.Status, "text/plain; charset=utf-8", []byte(http.StatusText(p.Status)))
	}
	c.Abort()
}

// retryAfterSeconds is a Retry-After value: whole seconds, rounded up.
func retryAfterSeconds(d time.Duration) string {
	return fmt.Sprint(int((d + time.Second - 1) / time.Second))
}

// asValidation reports whether err is a validation error, setting v.
func asValidation(err error, v **models.ValidationError) bool {
	return err != nil && errors.As(err, v)
}
