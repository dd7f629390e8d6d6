// Package config holds Fieldvisit's settings: one Config struct with its
// defaults as a literal, read from environment variables and then from
// command-line flags that override them, validated once at start and logged
// with its secrets redacted.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Config is every setting of the service.
type Config struct {
	// Addr is the HTTP listen address; port 0 picks a free port.
	Addr string
	// DataDir holds the embedded database's files; unused with MongoURI.
	DataDir string
	// MongoURI points at an external MongoDB; empty starts the embedded server.
	MongoURI string
	// MongoDatabase is the database name.
	MongoDatabase string
	// TimeZone is the IANA zone wall-clock hours are read in.
	TimeZone string
	// BaseURL is the address people use to reach the service.
	BaseURL string
	// LogLevel is the lowest level logged.
	LogLevel slog.Level
	// LogFormat is "text" or "json".
	LogFormat string
	// SecureCookies marks session cookies Secure (serve behind HTTPS).
	SecureCookies bool
	// MaxBodyBytes caps a request body.
	MaxBodyBytes int64
	// ShutdownTimeout bounds how long in-flight requests may finish on shutdown.
	ShutdownTimeout time.Duration
	// TileURL is the map tile template ({z}/{x}/{y}) of the trainer's day
	// maps; pages fall back to a drawn schematic when tiles do not load.
	TileURL string
	// MetricsAddr is the listen address of the Prometheus /metrics
	// endpoint; empty serves no metrics.
	MetricsAddr string

	// Limits bound each caller's and all callers' share of the service.
	Limits Limits

	// CoordinatorEmail is the coordinators' address: the Reply-To of every
	// e-mail, the address mails tell people to write to, and where the
	// coordinators' own e-mails (absences, change requests, cancellations)
	// go. Required when SMTP is configured, so that answers reach a person.
	CoordinatorEmail string

	// Jobs configures the scheduled jobs.
	Jobs Jobs
	// SMTP configures outgoing e-mail.
	SMTP SMTP
}

// Jobs configures the nightly planning, reminders and the outbox dispatcher.
type Jobs struct {
	// PlanCron is the standard five-field cron spec of the weekly planning run.
	PlanCron string
	// PlanTimeLimit bounds one planning run, from loading the week to
	// saving the plan.
	PlanTimeLimit time.Duration
	// PlanSaturday lets the planner use Saturdays.
	PlanSaturday bool
	// AutoPublish publishes a plan as soon as the nightly run makes it.
	AutoPublish bool
	// ReminderCron is the cron spec of the day-before reminders.
	ReminderCron string
	// OutboxInterval is how often pending e-mails are looked for.
	OutboxInterval time.Duration
	// OutboxMaxAttempts is how many times one e-mail is tried before it is given up.
	OutboxMaxAttempts int
	// HousekeepingCron is the cron spec of housekeeping: archiving sent mail
	// and old plans, deleting expired sessions and tokens.
	HousekeepingCron string
}

// Limits bound what one caller (an account, or an address when anonymous)
// and all callers together may take, so that no one can stall the service
// and the background jobs always find the database. Zero turns a limit off.
type Limits struct {
	// PerPrincipal is how many requests of one caller are served at once.
	PerPrincipal int
	// Rate is how many requests a second one caller may make on average,
	// Burst how many in a row.
	Rate  int
	Burst int
	// Slots is how many requests are served at once in all.
	Slots int
	// QueueWait is how long a request waits for a slot before 503.
	QueueWait time.Duration
	// ReadTimeout is how long a GET may work before 503.
	ReadTimeout time.Duration
}

// SMTP configures the mail server e-mails go through.
type SMTP struct {
	// Host is the SMTP server; empty keeps mail in the development mailbox.
	Host string
	// Port is the SMTP server's port.
	Port int
	// Username and Password authenticate; both empty means no authentication.
	Username string
	// Password is a secret: Redacted hides it.
	Password string
	// From is the sender address, optionally with a display name.
	From string
	// TLS is "none", "starttls" or "tls" (implicit TLS, usually port 465).
	TLS string
}

// SMTP TLS modes.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
)

// Log formats.
const (
	LogText = "text"
	LogJSON = "json"
)

// redactedValue replaces a secret in logs and dumps.
const redactedValue = "[redacted]"

// Default returns the settings used when nothing is configured.
func Default() Config {
	return Config{
		Addr:            ":8080",
		DataDir:         "./data",
		MongoDatabase:   "fieldvisit",
		TimeZone:        "Europe/Moscow",
		BaseURL:         "http://localhost:8080",
		LogLevel:        slog.LevelInfo,
		LogFormat:       LogText,
		MaxBodyBytes:    1 << 20,
		ShutdownTimeout: 15 * time.Second,
		TileURL:         "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
		Limits: Limits{
			PerPrincipal: 4,
			Rate:         10,
			Burst:        40,
			Slots:        8,
			QueueWait:    2 * time.Second,
			ReadTimeout:  15 * time.Second,
		},
		Jobs: Jobs{
			PlanCron:          "0 2 * * *",
			PlanTimeLimit:     30 * time.Second,
			ReminderCron:      "0 9 * * *",
			OutboxInterval:    10 * time.Second,
			OutboxMaxAttempts: 8,
			HousekeepingCron:  "0 * * * *",
		},
		SMTP: SMTP{
			Port: 587,
			From: "Fieldvisit <noreply@fieldvisit.local>",
			TLS:  TLSStartTLS,
		},
	}
}

// Load reads the environment through getenv, then args as flags that
// override it, and validates the result. Positional arguments are refused.
func Load(args []string, getenv func(string) string) (Config, error) {
	c, err := FromEnv(getenv)
	if err != nil {
		return Config{}, err
	}
	fs := flag.NewFlagSet("fieldvisit", flag.ContinueOnError)
	// The error is returned; the caller decides whether to print usage.
	fs.SetOutput(io.Discard)
	c.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// FromEnv returns the defaults overridden by every key getenv knows. An empty
// value counts as unset. It does not validate, so flags may still fix things.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Default()
	var errs []error
	for _, s := range settings {
		v := getenv(s.key)
		if v == "" {
			continue
		}
		if err := s.value(&c).Set(v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", s.key, shown(s, v), err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("read environment: %w", err)
	}
	return c, nil
}

// RegisterFlags defines one flag per setting on fs, bound to c's fields, so
// that parsing fs overrides what c already holds (its values show as the
// flags' defaults). Subcommands add their own flags to the same set.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	for _, s := range settings {
		fs.Var(s.value(c), s.flag, s.help+" ($"+s.key+")")
	}
}

// Validate reports every invalid setting at once, each naming its
// environment key and flag. It stays one long function on purpose: a list
// of independent checks, one a setting, read top to bottom.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		s := settingByKey(key)
		errs = append(errs, fmt.Errorf("%s (--%s): %s", key, s.flag, fmt.Sprintf(format, args...)))
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		bad("FIELDVISIT_ADDR", "%q is not host:port (e.g. :8080 or 127.0.0.1:0)", c.Addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("FIELDVISIT_ADDR", "port %q is not a number in 0..65535", port)
	}
	if c.MongoURI == "" && strings.TrimSpace(c.DataDir) == "" {
		bad("FIELDVISIT_DATA_DIR", "is required when MONGODB_URI is not set")
	}
	if c.MongoURI != "" && !strings.HasPrefix(c.MongoURI, "mongodb://") && !strings.HasPrefix(c.MongoURI, "mongodb+srv://") {
		bad("MONGODB_URI", "must start with mongodb:// or mongodb+srv://")
	}
	if c.MongoDatabase == "" || strings.ContainsAny(c.MongoDatabase, `/\. "$`) || len(c.MongoDatabase) > 63 {
		bad("MONGODB_DATABASE", "%q is not a database name (no spaces or /\\.\"$, at most 63 characters)", c.MongoDatabase)
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" || c.TimeZone == "Local" {
		bad("FIELDVISIT_TZ", "%q is not an IANA time zone such as Europe/Moscow", c.TimeZone)
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("FIELDVISIT_BASE_URL", "%q is not an absolute http(s) URL", c.BaseURL)
	}
	if c.LogFormat != LogText && c.LogFormat != LogJSON {
		bad("FIELDVISIT_LOG_FORMAT", "%q must be text or json", c.LogFormat)
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 1<<30 {
		bad("FIELDVISIT_MAX_BODY_BYTES", "%d must be between 1024 and 1073741824", c.MaxBodyBytes)
	}
	if c.ShutdownTimeout <= 0 {
		bad("FIELDVISIT_SHUTDOWN_TIMEOUT", "%s must be positive", c.ShutdownTimeout)
	}
	if u, err := url.Parse(c.TileURL); err != nil || u.Scheme != "https" || u.Host == "" ||
		!strings.Contains(c.TileURL, "{z}") || !strings.Contains(c.TileURL, "{x}") || !strings.Contains(c.TileURL, "{y}") {
		bad("FIELDVISIT_TILE_URL", "%q is not an https tile URL with {z}, {x} and {y}", c.TileURL)
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("FIELDVISIT_METRICS_ADDR", "%q is not host:port (e.g. 127.0.0.1:9090)", c.MetricsAddr)
		} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			bad("FIELDVISIT_METRICS_ADDR", "port %q is not a number in 0..65535", port)
		} else if c.MetricsAddr == c.Addr && n != 0 {
			bad("FIELDVISIT_METRICS_ADDR", "%q is the service's own address; metrics need a listener of their own", c.MetricsAddr)
		}
	}
	if c.Limits.PerPrincipal < 0 || c.Limits.PerPrincipal > 10000 {
		bad("FIELDVISIT_LIMIT_CONCURRENT", "%d must be between 0 (no limit) and 10000", c.Limits.PerPrincipal)
	}
	if c.Limits.Rate < 0 || c.Limits.Rate > 100000 {
		bad("FIELDVISIT_LIMIT_RATE", "%d must be between 0 (no limit) and 100000", c.Limits.Rate)
	}
	if c.Limits.Rate > 0 && (c.Limits.Burst < 1 || c.Limits.Burst > 100000) {
		bad("FIELDVISIT_LIMIT_BURST", "%d must be between 1 and 100000 when FIELDVISIT_LIMIT_RATE is set", c.Limits.Burst)
	}
	if c.Limits.Slots < 0 || c.Limits.Slots > 100000 {
		bad("FIELDVISIT_REQUEST_SLOTS", "%d must be between 0 (no limit) and 100000", c.Limits.Slots)
	}
	if c.Limits.Slots > 0 && c.Limits.PerPrincipal > c.Limits.Slots {
		bad("FIELDVISIT_LIMIT_CONCURRENT", "%d must not exceed FIELDVISIT_REQUEST_SLOTS (%d), or one caller could take every slot", c.Limits.PerPrincipal, c.Limits.Slots)
	}
	if c.Limits.QueueWait < 0 || c.Limits.QueueWait > time.Minute {
		bad("FIELDVISIT_QUEUE_WAIT", "%s must be between 0 and 1m", c.Limits.QueueWait)
	}
	if c.Limits.ReadTimeout < 0 || c.Limits.ReadTimeout > 10*time.Minute {
		bad("FIELDVISIT_READ_TIMEOUT", "%s must be between 0 (no limit) and 10m", c.Limits.ReadTimeout)
	}
	if _, err := cron.ParseStandard(c.Jobs.PlanCron); err != nil {
		bad("FIELDVISIT_PLAN_CRON", "%q is not a cron spec (minute hour day month weekday): %v", c.Jobs.PlanCron, err)
	}
	if c.Jobs.PlanTimeLimit < time.Second || c.Jobs.PlanTimeLimit > time.Hour {
		bad("FIELDVISIT_PLAN_TIME_LIMIT", "%s must be between 1s and 1h", c.Jobs.PlanTimeLimit)
	}
	if _, err := cron.ParseStandard(c.Jobs.ReminderCron); err != nil {
		bad("FIELDVISIT_REMINDER_CRON", "%q is not a cron spec (minute hour day month weekday): %v", c.Jobs.ReminderCron, err)
	}
	if c.Jobs.OutboxInterval < time.Second {
		bad("FIELDVISIT_OUTBOX_INTERVAL", "%s must be at least 1s", c.Jobs.OutboxInterval)
	}
	if c.Jobs.OutboxMaxAttempts < 1 || c.Jobs.OutboxMaxAttempts > 100 {
		bad("FIELDVISIT_OUTBOX_MAX_ATTEMPTS", "%d must be between 1 and 100", c.Jobs.OutboxMaxAttempts)
	}
	if _, err := cron.ParseStandard(c.Jobs.HousekeepingCron); err != nil {
		bad("FIELDVISIT_HOUSEKEEPING_CRON", "%q is not a cron spec (minute hour day month weekday): %v", c.Jobs.HousekeepingCron, err)
	}
	if strings.ContainsAny(c.SMTP.Host, " /:") {
		bad("SMTP_HOST", "%q must be a host name without port or scheme (the port is SMTP_PORT)", c.SMTP.Host)
	}
	if c.SMTP.Port < 1 || c.SMTP.Port > 65535 {
		bad("SMTP_PORT", "%d must be between 1 and 65535", c.SMTP.Port)
	}
	if (c.SMTP.Username == "") != (c.SMTP.Password == "") {
		bad("SMTP_USERNAME", "SMTP_USERNAME and SMTP_PASSWORD are set together or not at all")
	}
	if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
		bad("SMTP_FROM", "%q is not an e-mail address such as \"Fieldvisit <noreply@example.org>\"", c.SMTP.From)
	}
	if c.CoordinatorEmail != "" {
		if a, err := mail.ParseAddress(c.CoordinatorEmail); err != nil || a.Address != c.CoordinatorEmail {
			bad("FIELDVISIT_COORDINATOR_EMAIL", "%q is not a plain e-mail address such as planning@example.org", c.CoordinatorEmail)
		}
	} else if c.SMTP.Host != "" {
		bad("FIELDVISIT_COORDINATOR_EMAIL", "is required when SMTP_HOST is set: replies to e-mails go there")
	}
	if c.SMTP.TLS != TLSNone && c.SMTP.TLS != TLSStartTLS && c.SMTP.TLS != TLSImplicit {
		bad("SMTP_TLS", "%q must be none, starttls or tls", c.SMTP.TLS)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	return nil
}

// Location loads the service's time zone. Validate has checked it, so an
// error here means the zone database vanished; callers still handle it.
func (c Config) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("load time zone %s: %w", c.TimeZone, err)
	}
	return loc, nil
}

// Schedules are the job schedules, parsed, with the zone they are read in:
// what jobs.CronConfig takes, so the jobs need not check them again.
type Schedules struct {
	Location     *time.Location
	Plan         cron.Schedule
	Reminders    cron.Schedule
	Housekeeping cron.Schedule
}

// Schedules parses the time zone and the cron specs. Validate has checked
// them (and named the key of a bad one), so an error here means Validate
// was skipped; callers still handle it.
func (c Config) Schedules() (Schedules, error) {
	loc, err := c.Location()
	if err != nil {
		return Schedules{}, err
	}
	s := Schedules{Location: loc}
	var errs []error
	for _, spec := range []struct {
		dst  *cron.Schedule
		spec string
	}{{&s.Plan, c.Jobs.PlanCron}, {&s.Reminders, c.Jobs.ReminderCron}, {&s.Housekeeping, c.Jobs.HousekeepingCron}} {
		if *spec.dst, err = cron.ParseStandard(spec.spec); err != nil {
			errs = append(errs, fmt.Errorf("parse cron spec %q: %w", spec.spec, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Schedules{}, err
	}
	return s, nil
}

// Embedded reports whether the service runs its own embedded database.
func (c Config) Embedded() bool { return c.MongoURI == "" }

// PublicURL is the address to print for people to open. When BaseURL was
// left at its default it is derived from the address the server really
// listens on, so ":9090" or "127.0.0.1:0" print a URL that works.
func (c Config) PublicURL(listening net.Addr) string {
	if c.BaseURL != Default().BaseURL || listening == nil {
		return c.BaseURL
	}
	host, port, err := net.SplitHostPort(listening.String())
	if err != nil {
		return c.BaseURL
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Redacted returns a copy of c with its secrets hidden: the SMTP password and
// the password inside MONGODB_URI.
func (c Config) Redacted() Config {
	r := c
	if r.SMTP.Password != "" {
		r.SMTP.Password = redactedValue
	}
	r.MongoURI = redactURI(r.MongoURI)
	return r
}

// derivedBaseURL is what the log shows for a base URL left at its default:
// the URL in use comes from the listening address (PublicURL), so printing
// the default would name an address the service may not answer on.
const derivedBaseURL = "(from the listening address; see the listening line)"

// LogValue logs the settings by key, secrets redacted, so a start-up log line
// shows exactly what the service runs with.
func (c Config) LogValue() slog.Value {
	r := c.Redacted()
	attrs := make([]slog.Attr, 0, len(settings))
	for _, s := range settings {
		v := s.value(&r).String()
		if s.key == "FIELDVISIT_BASE_URL" && r.BaseURL == Default().BaseURL {
			v = derivedBaseURL
		}
		attrs = append(attrs, slog.String(s.key, v))
	}
	return slog.GroupValue(attrs...)
}

func redactURI(uri string) string {
	if uri == "" {
		return ""
	}
	u, err := url.Parse(uri)
	if err != nil {
		// An unparsable URI may still carry a password; show none of it.
		return redactedValue
	}
	return u.Redacted()
}

// shown is what an error message may repeat of a value: never a secret.
func shown(s setting, v string) string {
	if s.secret {
		return redactedValue
	}
	if s.key == "MONGODB_URI" {
		return redactURI(v)
	}
	return v
}
