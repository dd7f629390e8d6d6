package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	storetest.Main(m)
}

// testWeek is the week the planning tests plan: the one after the test
// clock's Wednesday.
const testWeek models.Date = "2025-03-10"

// Roles of the test callers. anonymous sends no credentials.
const (
	anonymous    = "anonymous"
	coord        = "coordinator"
	trainerA     = "trainer"
	trainerB     = "other trainer"
	clinicA      = "clinic"
	clinicB      = "other clinic"
	testPassword = "correct horse battery"
)

var roleNames = []string{anonymous, coord, trainerA, trainerB, clinicA, clinicB}

// env is one server on a fresh database with fixtures: two trainers, two
// clinics, a request of each clinic and an account (with an API token) per
// role.
type env struct {
	t     *testing.T
	st    *store.Store
	srv   *Server
	http  *httptest.Server
	clock *testkit.Clock
	doc   *openapi3.T
	route routers.Router

	trainerA, trainerB *models.Trainer
	clinicA, clinicB   *models.Clinic
	requestA, requestB *models.Request
	users              map[string]*models.User
	secrets            map[string]string
	seq                atomic.Int64
}

type envOption func(*Config)

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	return newEnvOn(t, false, opts...)
}

// newDatabaseEnv is newEnv on a store that reads the database for every
// request, as the service does on MongoDB: the tests of database time-outs
// need reads that wait on it.
func newDatabaseEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	return newEnvOn(t, true, opts...)
}

func newEnvOn(t *testing.T, plain bool, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2025, 3, 5, 9, 0, 0, 0, time.UTC)) // a Wednesday
	var st *store.Store
	if plain {
		st = storetest.Plain(t, storetest.Database(t), clock.Now)
	} else {
		st = storetest.Store(t, clock.Now)
	}
	cfg := Config{Store: st, Now: clock.Now, Ready: st.Ping, PasswordCost: bcrypt.MinCost}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	// The document's server is relative ("/"); the router matches absolute
	// URLs, so point it at this test server.
	doc.Servers = openapi3.Servers{{URL: hs.URL}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, srv: srv, http: hs, clock: clock, doc: doc, route: router,
		users: map[string]*models.User{}, secrets: map[string]string{}}

	e.trainerA = e.createTrainer()
	e.trainerB = e.createTrainer()
	e.clinicA = e.createClinic()
	e.clinicB = e.createClinic()
	e.requestA = e.createRequest(e.clinicA.ID)
	e.requestB = e.createRequest(e.clinicB.ID)
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		name string
		user models.User
	}{
		{coord, models.User{Role: models.RoleCoordinator}},
		{trainerA, models.User{Role: models.RoleTrainer, TrainerID: e.trainerA.ID}},
		{trainerB, models.User{Role: models.RoleTrainer, TrainerID: e.trainerB.ID}},
		{clinicA, models.User{Role: models.RoleClinic, ClinicID: e.clinicA.ID}},
		{clinicB, models.User{Role: models.RoleClinic, ClinicID: e.clinicB.ID}},
	} {
		user := u.user
		user.Email = strings.ReplaceAll(u.name, " ", ".") + "@example.org"
		user.Name, user.Lang, user.PasswordHash = u.name, "en", hash
		if err := st.CreateUser(ctx, &user); err != nil {
			t.Fatal(err)
		}
		e.users[u.name] = &user
		e.secrets[u.name], _ = e.apiToken(user.ID)
	}
	return e
}

// apiToken stores a fresh API token of a user and returns its secret and id.
func (e *env) apiToken(userID string) (secret, id string) {
	e.t.Helper()
	secret, hash := NewToken()
	tok := &models.Token{Hash: hash, ID: NewID(), UserID: userID, Kind: models.TokenAPI, Name: "test",
		ExpiresAt: e.clock.Now().Add(24 * time.Hour)}
	if err := e.st.CreateToken(context.Background(), tok); err != nil {
		e.t.Fatal(err)
	}
	return secret, tok.ID
}

func (e *env) unique() int64 { return e.seq.Add(1) }

// Fixture bodies: valid input a test then breaks one field of.

func mustTime(s string) models.TimeOfDay {
	t, err := models.ParseTimeOfDay(s)
	if err != nil {
		panic(err)
	}
	return t
}

func window(from, to string) models.Window {
	return models.Window{Start: mustTime(from), End: mustTime(to)}
}

func (e *env) trainerBody() map[string]any {
	n := e.unique()
	return map[string]any{
		"name":        fmt.Sprintf("Trainer %d", n),
		"email":       fmt.Sprintf("trainer%d@example.org", n),
		"skills":      []string{"conflict", "registry"},
		"start_place": map[string]any{"address": "Tverskaya 1", "lat": 55.757, "lon": 37.613},
		"travel_mode": "transit",
		"availability": map[string]any{
			"weekly": map[string]any{
				"mon": []any{map[string]any{"start": "09:00", "end": "13:00"}, map[string]any{"start": "14:00", "end": "18:00"}},
				"wed": []any{map[string]any{"start": "09:00", "end": "18:00"}},
			},
			"lunch": map[string]any{"earliest": "12:00", "latest": "14:00", "minutes": 30},
		},
	}
}

func (e *env) clinicBody() map[string]any {
	n := e.unique()
	return map[string]any{
		"name":           fmt.Sprintf("Polyclinic %d", n),
		"place":          map[string]any{"address": fmt.Sprintf("Lenina %d", n), "lat": 55.70, "lon": 37.50},
		"district":       "CAO",
		"contact_emails": []string{fmt.Sprintf("head%d@clinic.example.org", n)},
		"hours": map[string]any{
			"mon": []any{map[string]any{"start": "08:00", "end": "20:00"}},
			"tue": []any{map[string]any{"start": "08:00", "end": "20:00"}},
		},
	}
}

func requestBody(clinicID string) map[string]any {
	return map[string]any{
		"clinic_id":     clinicID,
		"kind":          "micro_training",
		"topic":         "Difficult callers",
		"skills":        []string{"conflict"},
		"earliest_date": "2025-03-10",
		"due_date":      "2025-03-21",
		"priority":      "high",
		"participants":  4,
		"preferred_windows": map[string]any{
			"tue": []any{map[string]any{"start": "14:00", "end": "16:00"}},
		},
	}
}

// Fixtures stored directly, bypassing the API.

func (e *env) createTrainer() *models.Trainer {
	e.t.Helper()
	n := e.unique()
	t := &models.Trainer{Name: fmt.Sprintf("Fixture trainer %d", n), Email: fmt.Sprintf("fixture%d@example.org", n),
		Skills: []string{"registry"}, StartPlace: models.Place{Address: "Arbat 1", Lat: 55.75, Lon: 37.59},
		EndPlace: models.Place{Address: "Arbat 1", Lat: 55.75, Lon: 37.59}, MaxVisitsDay: 4, MaxWorkMinutes: 480,
		TravelMode: models.TravelTransit, Lang: "ru",
		Availability: models.Availability{Weekly: models.Week{Mon: []models.Window{window("09:00", "17:00")}}}}
	if err := e.st.CreateTrainer(context.Background(), t); err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *env) createClinic() *models.Clinic {
	e.t.Helper()
	n := e.unique()
	c := &models.Clinic{Name: fmt.Sprintf("Fixture clinic %d", n), Place: models.Place{Address: "Mira 5", Lat: 55.78, Lon: 37.63},
		ContactEmails: []string{fmt.Sprintf("fixture%d@clinic.example.org", n)}, Lang: "ru",
		Hours: models.Week{Mon: []models.Window{window("08:00", "20:00")}}}
	if err := e.st.CreateClinic(context.Background(), c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) createRequest(clinicID string) *models.Request {
	e.t.Helper()
	r := &models.Request{ClinicID: clinicID, Kind: models.KindOnsiteSupport, Topic: "Queue at the desk",
		Skills: []string{}, DurationMinutes: 120, EarliestDate: "2025-03-10", DueDate: "2025-03-14",
		Priority: models.PriorityNormal, Status: models.StatusNew}
	if err := e.st.CreateRequest(context.Background(), r); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// response is one answer of the server.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem decodes a problem+json body, failing unless it is one.
func (r *response) problem(t *testing.T) Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != problemContentType {
		t.Fatalf("content type %q, want %s; body %s", ct, problemContentType, r.body)
	}
	var p Problem
	r.decode(t, &p)
	if p.Status != r.status || p.Title == "" || p.Type == "" {
		t.Fatalf("malformed problem %s for status %d", r.body, r.status)
	}
	return p
}

// req describes one call. Body is marshalled unless it is a string (sent
// as is) or nil.
type req struct {
	as      string
	method  string
	path    string
	body    any
	header  map[string]string
	cookies []*http.Cookie
	// outsideDocument skips the OpenAPI check for calls that deliberately
	// miss every documented operation.
	outsideDocument bool
}

// do sends a call and checks the exchange against the OpenAPI document:
// every response must be documented for its operation and status and
// match its schema; a request the server accepted (2xx) must match the
// document too.
func (e *env) do(r req) *response {
	e.t.Helper()
	var body []byte
	switch b := r.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	build := func(base string) *http.Request {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		hr, err := http.NewRequest(r.method, base+r.path, rd)
		if err != nil {
			e.t.Fatal(err)
		}
		if body != nil {
			hr.Header.Set("Content-Type", "application/json")
		}
		if r.as != "" && r.as != anonymous {
			hr.Header.Set("Authorization", "Bearer "+e.secrets[r.as])
		}
		for k, v := range r.header {
			if v == "" {
				hr.Header.Del(k)
			} else {
				hr.Header.Set(k, v)
			}
		}
		for _, c := range r.cookies {
			hr.AddCookie(c)
		}
		return hr
	}
	hr := build(e.http.URL)
	res, err := e.http.Client().Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out := &response{status: res.StatusCode, header: res.Header}
	if out.body, err = io.ReadAll(res.Body); err != nil {
		e.t.Fatal(err)
	}
	if !r.outsideDocument {
		e.conform(build(e.http.URL), out)
	}
	return out
}

// conform validates an exchange against the OpenAPI document.
func (e *env) conform(hr *http.Request, res *response) {
	e.t.Helper()
	route, params, err := e.route.FindRoute(hr)
	if err != nil {
		if res.status == http.StatusNotFound || res.status == http.StatusMethodNotAllowed {
			return // no such operation, and the server said so
		}
		e.t.Errorf("OpenAPI: %s %s answered %d but is not in the document: %v", hr.Method, hr.URL.Path, res.status, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: hr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}}
	ctx := context.Background()
	if res.status < 300 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			e.t.Errorf("OpenAPI: the server accepted (%d) a request the document refuses: %s %s: %v", res.status, hr.Method, hr.URL.Path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.status, Header: res.header, Options: in.Options}
	out.SetBodyBytes(res.body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		e.t.Errorf("OpenAPI: response %d of %s %s does not match the document: %v\nbody: %s", res.status, hr.Method, hr.URL.Path, err, res.body)
	}
}

// want fails unless the response has the status.
func (r *response) want(t *testing.T, status int) *response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	return r
}

// snapshot is the state of every collection a bad request could touch: a
// count of each and the version of every document, plus the tokens.
type snapshot struct {
	versions map[string]int64
	tokens   int
}

func (e *env) snapshot() snapshot { return e.takeSnapshot(true) }

// snapshotDocs leaves the tokens out, which makes it several times cheaper.
func (e *env) snapshotDocs() snapshot { return e.takeSnapshot(false) }

func (e *env) takeSnapshot(withTokens bool) snapshot {
	e.t.Helper()
	ctx := context.Background()
	page := models.Page{Limit: models.MaxPageSize}
	s := snapshot{versions: map[string]int64{}}
	trainers, err := e.st.Trainers(ctx, models.TrainerFilter{}, page)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, t := range trainers {
		s.versions["trainer "+t.ID] = t.Version
	}
	clinics, err := e.st.Clinics(ctx, models.ClinicFilter{}, page)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range clinics {
		s.versions["clinic "+c.ID] = c.Version
	}
	requests, err := e.st.Requests(ctx, models.RequestFilter{}, page)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range requests {
		s.versions["request "+r.ID] = r.Version
	}
	// What the planning routes write: plan versions of the test week,
	// visits, outbox messages (their status and attempts) and feed tokens,
	// which belong to no user (a revoked and reissued one changes its key).
	plans, err := e.st.Plans(ctx, testWeek)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range plans {
		s.versions["plan "+p.ID] = p.Rev
	}
	visits, err := e.st.Visits(ctx, models.VisitFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, v := range visits {
		s.versions["visit "+v.ID] = v.Version
	}
	mails, err := e.st.OutboxMessages(ctx, "", page)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range mails {
		s.versions[fmt.Sprintf("outbox %s %s", m.ID, m.Status)] = int64(m.Attempts)
	}
	feeds, err := e.st.Tokens(ctx, "")
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range feeds {
		s.versions["feed token "+f.Hash] = 1
	}
	users, err := e.st.Users(ctx, page)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, u := range users {
		s.versions["user "+u.ID] = u.Version
		if !withTokens {
			continue
		}
		toks, err := e.st.Tokens(ctx, u.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		s.tokens += len(toks)
	}
	return s
}

func (s snapshot) diff(o snapshot) string {
	var b strings.Builder
	for k, v := range s.versions {
		if w, ok := o.versions[k]; !ok {
			fmt.Fprintf(&b, "%s removed; ", k)
		} else if w != v {
			fmt.Fprintf(&b, "%s version %d -> %d; ", k, v, w)
		}
	}
	for k := range o.versions {
		if _, ok := s.versions[k]; !ok {
			fmt.Fprintf(&b, "%s added; ", k)
		}
	}
	if s.tokens != o.tokens {
		fmt.Fprintf(&b, "tokens %d -> %d", s.tokens, o.tokens)
	}
	return b.String()
}

func ifMatch(v int64) map[string]string { return map[string]string{"If-Match": fmt.Sprintf(`"%d"`, v)} }
