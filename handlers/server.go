package handlers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/static"
	"github.com/fieldvisit/fieldvisit/templates"
)

// DefaultMaxBodyBytes is the request body limit when Config leaves it zero.
const DefaultMaxBodyBytes = 1 << 20

// TrainerStore keeps trainers and their availability.
type TrainerStore interface {
	CreateTrainer(ctx context.Context, t *models.Trainer) error
	Trainer(ctx context.Context, id string) (*models.Trainer, error)
	Trainers(ctx context.Context, f models.TrainerFilter, p models.Page) ([]models.Trainer, error)
	UpdateTrainer(ctx context.Context, t *models.Trainer) error
	UpdateAvailability(ctx context.Context, id string, version int64, a models.Availability) (*models.Trainer, error)
	DeleteTrainer(ctx context.Context, id string, version int64) error
}

// ClinicStore keeps clinics.
type ClinicStore interface {
	CreateClinic(ctx context.Context, c *models.Clinic) error
	Clinic(ctx context.Context, id string) (*models.Clinic, error)
	Clinics(ctx context.Context, f models.ClinicFilter, p models.Page) ([]models.Clinic, error)
	UpdateClinic(ctx context.Context, c *models.Clinic) error
	DeleteClinic(ctx context.Context, id string, version int64) error
}

// RequestStore keeps support requests and enforces their status lifecycle.
type RequestStore interface {
	CreateRequest(ctx context.Context, r *models.Request) error
	Request(ctx context.Context, id string) (*models.Request, error)
	Requests(ctx context.Context, f models.RequestFilter, p models.Page) ([]models.Request, error)
	UpdateRequest(ctx context.Context, r *models.Request) error
	SetRequestStatus(ctx context.Context, id string, version int64, to models.Status) (*models.Request, error)
}

// UserStore keeps accounts.
type UserStore interface {
	CreateUser(ctx context.Context, u *models.User) error
	User(ctx context.Context, id string) (*models.User, error)
	UserByEmail(ctx context.Context, email string) (*models.User, error)
	Users(ctx context.Context, p models.Page) ([]models.User, error)
	UpdateUser(ctx context.Context, u *models.User) error
}

// TokenStore keeps session and API tokens by the hash of their secret.
type TokenStore interface {
	CreateToken(ctx context.Context, t *models.Token) error
	Token(ctx context.Context, hash string) (*models.Token, error)
	DeleteToken(ctx context.Context, hash string) error
	Tokens(ctx context.Context, userID string) ([]models.Token, error)
	DeleteTokenByID(ctx context.Context, userID, tokenID string) error
	TokenByID(ctx context.Context, userID, tokenID string) (*models.Token, error)
}

// Store is everything the API reads and writes; *store.Store implements it.
type Store interface {
	TrainerStore
	ClinicStore
	RequestStore
	UserStore
	TokenStore
	PlanStore
	VisitStore
	OutboxStore
	ReferenceStore
	AuditStore
	AbsenceStore
	ChangeRequestStore
	MailQueue
	VisitByID
	TrainerWorkStore
}

// Config is what New needs. Store is required; zero values of the rest get
// sensible defaults (discarding logger, Europe/Moscow, time.Now, always
// ready, 1 MiB bodies).
type Config struct {
	Store    Store
	Logger   *slog.Logger
	Location *time.Location
	// Now is the clock; tests inject a fixed one.
	Now func() time.Time
	// Ready reports whether the service can serve (the database answers).
	Ready func(ctx context.Context) error
	// SecureCookies marks session cookies Secure; set it behind HTTPS.
	SecureCookies bool
	// MaxBodyBytes caps request bodies; larger ones get 413.
	MaxBodyBytes int64
	// PasswordCost is the bcrypt cost of passwords set through the API;
	// zero means bcrypt.DefaultCost. Tests lower it to keep -race runs short.
	PasswordCost int
	// Planner runs planning on demand and Publisher publishes plans; nil
	// answers their endpoints with 503.
	Planner   PlanRunner
	Publisher PlanPublisher
	// Editor applies hand edits to drafts; nil answers them with 503.
	Editor PlanEditor
	// Feeds writes trainers' calendar feeds; nil answers the feed
	// endpoints with 503.
	Feeds FeedComposer
	// BaseURL is the public address feed URLs start with; empty makes
	// them relative.
	BaseURL string
	// Pages holds the page templates and catalogues (templates.Pages when
	// nil); Static the browser assets (static.Files when nil).
	Pages  fs.FS
	Static fs.FS
	// Mail writes the e-mails about requests, change requests and
	// absences; nil sends none.
	Mail PeopleComposer
	// CoordinatorEmail receives the coordinators' e-mails; empty sends
	// them to every coordinator account.
	CoordinatorEmail string
	// TileURL is the map tile template of the trainers' day maps
	// (OpenStreetMap's when empty).
	TileURL string
	// Limits bound each caller's and all callers' share of the service;
	// the zero value sets no limit.
	Limits Limits
	// Observer receives request measurements (metrics); nil measures
	// nothing.
	Observer Observer
}

// Server holds the API's dependencies; its methods are the handlers.
type Server struct {
	trainers TrainerStore
	clinics  ClinicStore
	requests RequestStore
	users    UserStore
	tokens   TokenStore
	plans    PlanStore
	visits   VisitStore
	outbox   OutboxStore
	refs     ReferenceStore
	// trainerWork tells which requests a trainer may read.
	trainerWork TrainerWorkStore

	planner   PlanRunner
	publisher PlanPublisher
	editor    PlanEditor
	feeds     FeedComposer
	baseURL   string

	auditLog         AuditStore
	absences         AbsenceStore
	changes          ChangeRequestStore
	mailQueue        MailQueue
	visitByID        VisitByID
	mail             PeopleComposer
	coordinatorEmail string

	log           *slog.Logger
	loc           *time.Location
	now           func() time.Time
	ready         func(ctx context.Context) error
	secureCookies bool
	maxBodyBytes  int64
	logins        *loginLimiter
	limits        *limiter
	observer      Observer
	openAPI       []byte
	passwordCost  int
	// dummyHash is compared against when a login names an unknown e-mail,
	// so that a wrong e-mail costs as much time as a wrong password and
	// timing does not reveal which accounts exist.
	dummyHash []byte

	pages  *pageSet
	assets *assets
	// tileURL and fieldStore serve the trainer's and clinic's pages
	// (pages_field.go).
	tileURL    string
	fieldStore FieldStore

	engine *gin.Engine
}

// New builds the server and its router. It fails when the configuration is
// unusable or the embedded OpenAPI document does not load. It stays one
// long function on purpose: mostly the list of the server's fields, read
// top to bottom.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("handlers: Config.Store is required")
	}
	s := &Server{
		trainers:         cfg.Store,
		clinics:          cfg.Store,
		requests:         cfg.Store,
		users:            cfg.Store,
		tokens:           cfg.Store,
		plans:            cfg.Store,
		visits:           cfg.Store,
		outbox:           cfg.Store,
		planner:          cfg.Planner,
		publisher:        cfg.Publisher,
		editor:           cfg.Editor,
		feeds:            cfg.Feeds,
		refs:             cfg.Store,
		trainerWork:      cfg.Store,
		auditLog:         cfg.Store,
		absences:         cfg.Store,
		changes:          cfg.Store,
		mailQueue:        cfg.Store,
		visitByID:        cfg.Store,
		mail:             cfg.Mail,
		coordinatorEmail: strings.TrimSpace(cfg.CoordinatorEmail),
		baseURL:          strings.TrimRight(cfg.BaseURL, "/"),
		log:              cfg.Logger,
		loc:              cfg.Location,
		now:              cfg.Now,
		ready:            cfg.Ready,
		secureCookies:    cfg.SecureCookies,
		maxBodyBytes:     cfg.MaxBodyBytes,
		observer:         cfg.Observer,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.loc == nil {
		loc, err := time.LoadLocation("Europe/Moscow")
		if err != nil {
			return nil, fmt.Errorf("handlers: load default time zone: %w", err)
		}
		s.loc = loc
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.ready == nil {
		s.ready = func(context.Context) error { return nil }
	}
	if s.maxBodyBytes <= 0 {
		s.maxBodyBytes = DefaultMaxBodyBytes
	}
	s.passwordCost, s.dummyHash = bcrypt.DefaultCost, []byte(defaultDummyHash)
	if cfg.PasswordCost != 0 && cfg.PasswordCost != bcrypt.DefaultCost {
		hash, err := hashPassword("no account has this password", cfg.PasswordCost)
		if err != nil {
			return nil, fmt.Errorf("handlers: %w", err)
		}
		s.passwordCost, s.dummyHash = cfg.PasswordCost, hash
	}
	s.tileURL, s.fieldStore = cfg.TileURL, fieldStoreOf(cfg.Store)
	if s.tileURL == "" {
		s.tileURL = defaultTileURL
	}
	s.logins = newLoginLimiter(s.now, s.log)
	s.limits = newLimiter(cfg.Limits)
	if s.observer == nil {
		s.observer = nopObserver{}
	}
	doc, err := openAPIJSON()
	if err != nil {
		return nil, fmt.Errorf("handlers: %w", err)
	}
	s.openAPI = doc
	pagesFS, staticFS := cfg.Pages, cfg.Static
	if pagesFS == nil {
		pagesFS = templates.Pages
	}
	if staticFS == nil {
		staticFS = static.Files
	}
	if s.assets, err = newAssets(staticFS); err != nil {
		return nil, fmt.Errorf("handlers: %w", err)
	}
	if s.pages, err = newPageSet(pagesFS, s.loc, s.assets.url); err != nil {
		return nil, fmt.Errorf("handlers: %w", err)
	}
	s.engine, err = s.router()
	if err != nil {
		return nil, fmt.Errorf("handlers: build router: %w", err)
	}
	return s, nil
}

// Handler returns the HTTP handler serving every route.
func (s *Server) Handler() http.Handler { return s.engine }
