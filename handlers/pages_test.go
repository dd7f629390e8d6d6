package handlers

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/templates"
)

// browser is a cookie-keeping client that does not follow redirects, so
// tests see each answer.
type browser struct {
	t      *testing.T
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{t: e.t, e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is one answer: status, Location, body.
type page struct {
	status   int
	location string
	ctype    string
	body     string
}

func (b *browser) do(method, path string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.e.http.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{status: res.StatusCode, location: res.Header.Get("Location"), ctype: res.Header.Get("Content-Type"), body: string(data)}
}

func (b *browser) get(path string) page { return b.do(http.MethodGet, path, nil) }

func (b *browser) post(path string, form url.Values) page { return b.do(http.MethodPost, path, form) }

var hiddenCSRF = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf is the CSRF token of the forms on a page.
func (b *browser) csrf(p page) string {
	b.t.Helper()
	m := hiddenCSRF.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("no csrf_token field on the page:\n%s", p.body)
	}
	return m[1]
}

// login logs in through the form as the test user role and returns where
// it was sent.
func (b *browser) login(role, next string) page {
	b.t.Helper()
	form := b.get("/login?next=" + url.QueryEscape(next))
	return b.post("/login", url.Values{"csrf_token": {b.csrf(form)}, "email": {b.e.users[role].Email},
		"password": {testPassword}, "next": {next}})
}

func TestPageNeedsLoginRedirectsWithNext(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	p := b.get("/account?tab=x")
	if p.status != http.StatusSeeOther || p.location != "/login?next="+url.QueryEscape("/account?tab=x") {
		t.Fatalf("anonymous /account: %d %q", p.status, p.location)
	}
	p = b.login(trainerA, "/account?tab=x")
	if p.status != http.StatusSeeOther || p.location != "/account?tab=x" {
		t.Fatalf("login with next: %d %q %s", p.status, p.location, p.body)
	}
	if p := b.get("/account"); p.status != http.StatusOK || !strings.Contains(p.body, e.users[trainerA].Email) {
		t.Fatalf("account after login: %d\n%s", p.status, p.body)
	}
	// An off-site next is ignored: the role's home instead.
	b2 := e.browser()
	if p := b2.login(clinicA, "//evil.example/x"); p.location != "/requests" {
		t.Fatalf("off-site next: sent to %q", p.location)
	}
}

func TestLoginLandsOnRoleHome(t *testing.T) {
	e := newEnv(t)
	monday := string(models.DateOf(e.clock.Now(), e.srv.loc).Monday())
	for role, home := range map[string]string{trainerA: "/week", clinicA: "/requests", coord: "/board/" + monday} {
		b := e.browser()
		if p := b.login(role, ""); p.status != http.StatusSeeOther || p.location != home {
			t.Errorf("%s: login sent to %d %q, want %q", role, p.status, p.location, home)
		}
		if p := b.get("/"); p.location != home {
			t.Errorf("%s: / sent to %q, want %q", role, p.location, home)
		}
		if p := b.get(home); p.status != http.StatusOK || !strings.Contains(p.body, `aria-current="page"`) {
			t.Errorf("%s: home %s answered %d", role, home, p.status)
		}
	}
}

func TestLoginFormRefusesWithoutCSRF(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.get("/login")
	for name, token := range map[string]string{"missing": "", "wrong": "not-the-token"} {
		form := url.Values{"email": {e.users[coord].Email}, "password": {testPassword}}
		if token != "" {
			form.Set("csrf_token", token)
		}
		p := b.post("/login", form)
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "The form has expired") && !strings.Contains(p.body, "Форма устарела") {
			t.Errorf("%s token: %d\n%s", name, p.status, p.body)
		}
		if !strings.Contains(p.body, `value="`+e.users[coord].Email+`"`) {
			t.Errorf("%s token: the typed e-mail is not kept", name)
		}
	}
	u, _ := url.Parse(e.http.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == sessionCookie && c.Value != "" {
			t.Fatal("a session was opened without the form's CSRF token")
		}
	}
}

func TestLoginFailureMessageKeepsEmail(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	form := b.get("/login")
	p := b.post("/login", url.Values{"csrf_token": {b.csrf(form)}, "email": {"nobody@example.org"}, "password": {"wrong"}})
	if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "Неверная эл. почта или пароль.") {
		t.Fatalf("wrong password: %d\n%s", p.status, p.body)
	}
	if !strings.Contains(p.body, `value="nobody@example.org"`) || strings.Contains(p.body, `value="wrong"`) {
		t.Fatal("the form must keep the e-mail and drop the password")
	}
	// Empty fields: messages next to each field.
	p = b.post("/login", url.Values{"csrf_token": {b.csrf(p)}})
	if p.status != http.StatusUnprocessableEntity || strings.Count(p.body, `class="error"`) != 2 || !strings.Contains(p.body, `aria-invalid="true"`) {
		t.Fatalf("empty login: %d\n%s", p.status, p.body)
	}
	// The API's rate limit applies to the form too.
	for range pairFree {
		p = b.post("/login", url.Values{"csrf_token": {b.csrf(p)}, "email": {"limit@example.org"}, "password": {"wrong"}})
	}
	p = b.post("/login", url.Values{"csrf_token": {b.csrf(p)}, "email": {"limit@example.org"}, "password": {"wrong"}})
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "Слишком много") {
		t.Fatalf("after %d failures: %d", pairFree, p.status)
	}
}

func TestPageFormsRefuseWithoutCSRF(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(trainerA, "")
	for _, path := range []string{"/logout", "/account/password", "/account/lang", "/account/tokens", "/account/feed"} {
		p := b.post(path, url.Values{"lang": {"ru"}, "name": {"x"}, "csrf_token": {"wrong"}})
		if p.status != http.StatusForbidden || !strings.HasPrefix(p.ctype, "text/html") {
			t.Errorf("POST %s with a wrong token: %d %s", path, p.status, p.ctype)
		}
	}
	if p := b.get("/account"); p.status != http.StatusOK {
		t.Fatalf("the session must survive a refused logout: %d", p.status)
	}
}

func TestErrorPagesAreHTMLInTheUsersLanguage(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	p := b.get("/no/such/page")
	if p.status != http.StatusNotFound || !strings.HasPrefix(p.ctype, "text/html") || !strings.Contains(p.body, "Страница не найдена") {
		t.Fatalf("anonymous 404: %d %s\n%s", p.status, p.ctype, p.body)
	}
	b.login(clinicA, "") // the test accounts speak English
	p = b.get("/no/such/page")
	if p.status != http.StatusNotFound || !strings.Contains(p.body, "Page not found") || !strings.Contains(p.body, `action="/logout"`) {
		t.Fatalf("logged-in 404: %d\n%s", p.status, p.body)
	}
	if p := b.get("/board/2025-03-03"); p.status != http.StatusForbidden || !strings.Contains(p.body, "Not allowed") {
		t.Fatalf("a clinic on the board: %d", p.status)
	}
	if p := b.get("/api/v1/no-such"); p.status != http.StatusNotFound || p.ctype != problemContentType {
		t.Fatalf("the API keeps problem+json: %d %s", p.status, p.ctype)
	}
}

func TestLanguageSwitch(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(coord, "")
	acc := b.get("/account")
	if !strings.Contains(acc.body, `<html lang="en">`) {
		t.Fatal("the account's language (en) is not used")
	}
	p := b.post("/account/lang", url.Values{"csrf_token": {b.csrf(acc)}, "lang": {"ru"}, "next": {"/account"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("switch: %d %s", p.status, p.body)
	}
	acc = b.get("/account")
	if !strings.Contains(acc.body, `<html lang="ru">`) || !strings.Contains(acc.body, "Язык сохранён.") {
		t.Fatalf("after switching to ru:\n%s", acc.body)
	}
	u, err := e.st.User(context.Background(), e.users[coord].ID)
	if err != nil || u.Lang != "ru" {
		t.Fatalf("stored language %q, %v", u.Lang, err)
	}
	// Before login, ?lang= chooses.
	anon := e.browser()
	if p := anon.get("/login?lang=en"); !strings.Contains(p.body, `<html lang="en">`) {
		t.Fatal("?lang=en on the login page")
	}
}

func TestAccountFormsKeepTypedValues(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(trainerA, "")
	acc := b.get("/account")
	p := b.post("/account/tokens", url.Values{"csrf_token": {b.csrf(acc)}, "name": {"my script"}, "days": {"99999"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `value="my script"`) || !strings.Contains(p.body, "Between 1 and 3650 days.") {
		t.Fatalf("bad token form: %d\n%s", p.status, p.body)
	}
	p = b.post("/account/tokens", url.Values{"csrf_token": {b.csrf(acc)}, "name": {"my script"}, "days": {"30"}})
	if p.status != http.StatusCreated || !strings.Contains(p.body, `class="secret"`) {
		t.Fatalf("token: %d", p.status)
	}
	p = b.post("/account/password", url.Values{"csrf_token": {b.csrf(acc)}, "current": {"wrong"}, "new": {"short"}, "repeat": {"short"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "The current password is wrong.") || !strings.Contains(p.body, "8 to 72 characters") {
		t.Fatalf("bad password form: %d", p.status)
	}
	long := strings.Repeat("ж", 37) // 37 characters, 74 bytes
	p = b.post("/account/password", url.Values{"csrf_token": {b.csrf(acc)}, "current": {testPassword}, "new": {long}, "repeat": {long}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "longer than 72 bytes") {
		t.Fatalf("a password over bcrypt's 72 bytes: %d", p.status)
	}
	p = b.post("/account/password", url.Values{"csrf_token": {b.csrf(acc)}, "current": {testPassword}, "new": {"a new long password"}, "repeat": {"a new long password"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("password change: %d\n%s", p.status, p.body)
	}
	if _, err := e.srv.checkLoginForTest(e.users[trainerA].Email, "a new long password"); err != nil {
		t.Fatalf("the new password does not work: %v", err)
	}
}

var catalogueCall = regexp.MustCompile(`\bt "([a-z0-9_.]+)"`)

// TestCatalogueCoversTemplates: every literal key a page template names is
// in the catalogue, and an unknown key fails rendering.
func TestCatalogueCoversTemplates(t *testing.T) {
	cat, err := loadCatalogue(templates.Pages)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := fs.Glob(templates.Pages, "pages/*.html")
	partials, _ := fs.Glob(templates.Pages, "pages/partials/*.html")
	for _, f := range append(files, partials...) {
		b, _ := fs.ReadFile(templates.Pages, f)
		for _, m := range catalogueCall.FindAllStringSubmatch(string(b), -1) {
			if !cat.has(m[1]) {
				t.Errorf("%s names %q, which the catalogue lacks", f, m[1])
			}
		}
	}
	broken := fstest.MapFS{}
	_ = fs.WalkDir(templates.Pages, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(templates.Pages, p)
			broken[p] = &fstest.MapFile{Data: b}
		}
		return err
	})
	broken["pages/broken.html"] = &fstest.MapFile{Data: []byte(`{{define "content"}}{{t "no.such.key"}}{{end}}`)}
	ps, err := newPageSet(broken, time.UTC, func(p string) string { return p })
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.byLang["ru"]["broken"].ExecuteTemplate(io.Discard, "layout", &pageData{Lang: "ru", Title: "x"}); err == nil {
		t.Fatal("an unknown catalogue key rendered")
	}
}

func TestStaticAssetsAreVersionedAndCached(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	p := b.get("/login")
	m := regexp.MustCompile(`href="(/static/[0-9a-f]+/app\.css)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no versioned stylesheet on the login page")
	}
	res, err := http.Get(e.http.URL + m[1])
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("app.css: %d %q %q", res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("Content-Type"))
	}
	for _, path := range []string{"/static/x/vendor/htmx-2.0.11/htmx.min.js", "/static/x/vendor/sortablejs-1.15.7/Sortable.min.js", "/static/x/vendor/leaflet-1.9.4/leaflet.js"} {
		if p := b.get(path); p.status != http.StatusOK || len(p.body) < 10000 {
			t.Errorf("%s: %d, %d bytes", path, p.status, len(p.body))
		}
	}
	if p := b.get("/static/x/../../etc/passwd"); p.status != http.StatusNotFound {
		t.Errorf("path escape: %d", p.status)
	}
}

// checkLoginForTest checks a password the way the login does, outside a
// request.
func (s *Server) checkLoginForTest(email, password string) (*models.User, error) {
	u, err := s.users.UserByEmail(context.Background(), email)
	if err != nil {
		return nil, err
	}
	return u, bcryptCompare(u.PasswordHash, password)
}

func bcryptCompare(hash []byte, pw string) error {
	return bcrypt.CompareHashAndPassword(hash, []byte(pw))
}

// TestPageRoleMatrix opens every page route as every role: anonymous
// callers are sent to the login form, other roles get the friendly 403
// page, never problem+json. A page route missing here fails the test.
func TestPageRoleMatrix(t *testing.T) {
	e := newEnv(t)
	monday := string(models.DateOf(e.clock.Now(), e.srv.loc).Monday())
	type cell struct {
		path string
		ok   int      // the status of an allowed role
		who  []string // allowed roles; nil means every logged-in role
	}
	// Routes by "METHOD route"; POSTs are sent with the right CSRF token
	// but no fields, so an allowed role may get 400/422 (or 303 for
	// logout), never 401/403.
	m := map[string]cell{
		"GET /":                           {"/", http.StatusSeeOther, nil},
		"GET /account":                    {"/account", http.StatusOK, nil},
		"GET /week":                       {"/week", http.StatusOK, []string{trainerA, trainerB}},
		"GET /week/:monday":               {"/week/" + monday, http.StatusOK, []string{trainerA, trainerB}},
		"GET /requests":                   {"/requests", http.StatusOK, []string{clinicA, clinicB}},
		"GET /board":                      {"/board", http.StatusSeeOther, []string{coord}},
		"GET /board/:monday":              {"/board/" + monday, http.StatusOK, []string{coord}},
		"POST /board/:monday/run":         {"/board/" + monday + "/run", http.StatusServiceUnavailable, []string{coord}},
		"POST /board/:monday/edit":        {"/board/" + monday + "/edit", http.StatusBadRequest, []string{coord}},
		"POST /board/:monday/publish":     {"/board/" + monday + "/publish", http.StatusBadRequest, []string{coord}},
		"GET /board/:monday/preview":      {"/board/" + monday + "/preview?version=1", http.StatusServiceUnavailable, []string{coord}},
		"GET /plans/:monday":              {"/plans/" + monday, http.StatusOK, []string{coord}},
		"POST /account/password":          {"/account/password", http.StatusUnprocessableEntity, nil},
		"POST /account/lang":              {"/account/lang", http.StatusBadRequest, nil},
		"POST /account/tokens":            {"/account/tokens", http.StatusUnprocessableEntity, nil},
		"POST /account/tokens/:id/delete": {"/account/tokens/0123456789abcdef01234567/delete", http.StatusNotFound, nil},
		"POST /account/feed":              {"/account/feed", http.StatusServiceUnavailable, []string{trainerA, trainerB}},
		"POST /logout":                    {"/logout", http.StatusSeeOther, nil},
		// The trainer's and clinic's pages; a missing id is 404 for the
		// roles allowed (another's visit or request is 404 too).
		"GET /visits/:id":                             {"/visits/0123456789abcdef01234567", http.StatusNotFound, nil},
		"GET /availability":                           {"/availability", http.StatusOK, []string{trainerA, trainerB}},
		"POST /visits/:id/complete":                   {"/visits/0123456789abcdef01234567/complete", http.StatusNotFound, []string{coord, trainerA, trainerB}},
		"POST /availability":                          {"/availability", http.StatusBadRequest, []string{trainerA, trainerB}},
		"GET /requests/new":                           {"/requests/new", http.StatusOK, []string{clinicA, clinicB}},
		"POST /requests":                              {"/requests", http.StatusUnprocessableEntity, []string{clinicA, clinicB}},
		"GET /requests/:id":                           {"/requests/0123456789abcdef01234567", http.StatusNotFound, []string{clinicA, clinicB}},
		"POST /requests/:id/cancel":                   {"/requests/0123456789abcdef01234567/cancel", http.StatusNotFound, []string{clinicA, clinicB}},
		"POST /requests/:id/change":                   {"/requests/0123456789abcdef01234567/change", http.StatusNotFound, []string{clinicA, clinicB}},
		"POST /availability/absences":                 {"/availability/absences", http.StatusUnprocessableEntity, []string{trainerA, trainerB}},
		"POST /availability/absences/:absence/delete": {"/availability/absences/0123456789abcdef01234567/delete", http.StatusNotFound, []string{trainerA, trainerB}},

		// The coordinator's admin and mail pages (pages_admin.go,
		// pages_mail.go); a form without its version is a 400.
		"GET /clinics":                    {"/clinics", http.StatusOK, []string{coord}},
		"GET /clinics/new":                {"/clinics/new", http.StatusOK, []string{coord}},
		"POST /clinics":                   {"/clinics", http.StatusUnprocessableEntity, []string{coord}},
		"GET /clinics/:id":                {"/clinics/" + e.clinicA.ID, http.StatusOK, []string{coord}},
		"POST /clinics/:id":               {"/clinics/" + e.clinicA.ID, http.StatusBadRequest, []string{coord}},
		"POST /clinics/:id/delete":        {"/clinics/" + e.clinicA.ID + "/delete", http.StatusBadRequest, []string{coord}},
		"GET /trainers":                   {"/trainers", http.StatusOK, []string{coord}},
		"GET /trainers/new":               {"/trainers/new", http.StatusOK, []string{coord}},
		"POST /trainers":                  {"/trainers", http.StatusUnprocessableEntity, []string{coord}},
		"GET /trainers/:id":               {"/trainers/" + e.trainerA.ID, http.StatusOK, []string{coord}},
		"POST /trainers/:id":              {"/trainers/" + e.trainerA.ID, http.StatusBadRequest, []string{coord}},
		"POST /trainers/:id/delete":       {"/trainers/" + e.trainerA.ID + "/delete", http.StatusBadRequest, []string{coord}},
		"GET /users":                      {"/users", http.StatusOK, []string{coord}},
		"GET /users/new":                  {"/users/new", http.StatusOK, []string{coord}},
		"POST /users":                     {"/users", http.StatusUnprocessableEntity, []string{coord}},
		"GET /users/:id":                  {"/users/" + e.users[clinicA].ID, http.StatusOK, []string{coord}},
		"POST /users/:id":                 {"/users/" + e.users[clinicA].ID, http.StatusBadRequest, []string{coord}},
		"POST /users/:id/deactivate":      {"/users/" + e.users[clinicA].ID + "/deactivate", http.StatusBadRequest, []string{coord}},
		"POST /users/:id/activate":        {"/users/" + e.users[clinicA].ID + "/activate", http.StatusBadRequest, []string{coord}},
		"GET /mailbox":                    {"/mailbox", http.StatusOK, []string{coord}},
		"GET /mailbox/:id":                {"/mailbox/no:such:mail", http.StatusNotFound, []string{coord}},
		"GET /mailbox/:id/attachments/:n": {"/mailbox/no:such:mail/attachments/0", http.StatusNotFound, []string{coord}},
		"GET /outbox":                     {"/outbox", http.StatusOK, []string{coord}},
		"POST /outbox/:id/retry":          {"/outbox/no:such:mail/retry", http.StatusNotFound, []string{coord}},
		"GET /audit":                      {"/audit", http.StatusOK, []string{coord}},

		// The board's decisions (long paths, kept in their own block).
		"POST /board/:monday/change-requests/:id/:change/accept":  {"/board/" + monday + "/change-requests/0123456789abcdef01234567/0123456789abcdef01234567/accept", http.StatusNotFound, []string{coord}},
		"POST /board/:monday/change-requests/:id/:change/decline": {"/board/" + monday + "/change-requests/0123456789abcdef01234567/0123456789abcdef01234567/decline", http.StatusUnprocessableEntity, []string{coord}},
		"POST /board/:monday/absences/:id/:absence/delete":        {"/board/" + monday + "/absences/0123456789abcdef01234567/0123456789abcdef01234567/delete", http.StatusNotFound, []string{coord}},
	}
	public := map[string]bool{"GET /login": true, "POST /login": true, "GET /static/:version/*path": true}
	for _, r := range e.srv.engine.Routes() {
		key := r.Method + " " + r.Path
		if !isPagePath(r.Path) || public[key] {
			continue
		}
		c, ok := m[key]
		if !ok {
			t.Errorf("page route %s is missing from the page role matrix", key)
			continue
		}
		for _, as := range roleNames {
			b := e.browser()
			var form url.Values
			if as != anonymous {
				b.login(as, "")
			}
			if r.Method == http.MethodPost {
				form = url.Values{}
				if as != anonymous {
					form.Set("csrf_token", b.csrf(b.get("/account")))
				}
			}
			p := b.do(r.Method, c.path, form)
			want := c.ok
			switch {
			case as == anonymous:
				want = http.StatusSeeOther
			case c.who != nil && !slices.Contains(c.who, as):
				want = http.StatusForbidden
			}
			if p.status != want {
				t.Errorf("%s as %s: %d, want %d", key, as, p.status, want)
			}
			if wantTo := "/login?next="; as == anonymous && r.Method == http.MethodPost {
				if p.location != "/login" {
					t.Errorf("%s as anonymous: sent to %q, want /login", key, p.location)
				}
			} else if as == anonymous && !strings.HasPrefix(p.location, wantTo) {
				t.Errorf("%s as anonymous: sent to %q, not the login form", key, p.location)
			}
			if p.status >= 400 && !strings.HasPrefix(p.ctype, "text/html") {
				t.Errorf("%s as %s: %s error, not a page", key, as, p.ctype)
			}
		}
	}
}

// A failure on a page path is the friendly 500 page, never problem+json,
// and names the request for the log.
func TestPagePanicIsFriendly500(t *testing.T) {
	srv, err := New(Config{Store: newEnv(t).st})
	if err != nil {
		t.Fatal(err)
	}
	srv.engine.GET("/broken-page", func(*gin.Context) { panic("boom") })
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/broken-page", nil))
	body := rec.Body.String()
	if rec.Code != http.StatusInternalServerError || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(body, "Что-то пошло не так") || strings.Contains(body, "boom") || !strings.Contains(body, "Номер запроса") {
		t.Fatalf("page panic: %d %s\n%s", rec.Code, rec.Header().Get("Content-Type"), body)
	}
}

func TestBrowserName(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36": "Chrome · Linux",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0":                              "Firefox · Windows",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile Safari/604.1":  "Safari · iOS",
		"curl/8.5.0": "curl/8.5.0",
	} {
		if got := browserName(ua); got != want {
			t.Errorf("%q: %q, want %q", ua, got, want)
		}
	}
}
