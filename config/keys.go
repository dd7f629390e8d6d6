package config

import (
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// setting ties one environment key and one flag to a field of Config. The
// single table below drives reading the environment, the flags, the log line
// and Describe, so the four cannot drift apart.
type setting struct {
	key, flag, help string
	secret          bool
	value           func(c *Config) flag.Value
}

// settings lists every setting in the order the README shows them. Keys are
// stable: deployment scripts and other tools rely on them.
var settings = []setting{
	{key: "FIELDVISIT_ADDR", flag: "addr", help: "HTTP listen address; port 0 picks a free one",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.Addr) }},
	{key: "FIELDVISIT_DATA_DIR", flag: "data-dir", help: "directory of the embedded database (used when MONGODB_URI is unset)",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.DataDir) }},
	{key: "MONGODB_URI", flag: "mongodb-uri", help: "external MongoDB to use instead of the embedded one (unset = embedded)",
		value: func(c *Config) flag.Value { return (*uriValue)(&c.MongoURI) }},
	{key: "MONGODB_DATABASE", flag: "mongodb-database", help: "database name",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.MongoDatabase) }},
	{key: "FIELDVISIT_TZ", flag: "tz", help: "time zone of weekly hours, opening hours and job schedules",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.TimeZone) }},
	{key: "FIELDVISIT_BASE_URL", flag: "base-url", help: "address people open (printed at start, used in e-mails); by default derived from the listen address",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.BaseURL) }},
	{key: "FIELDVISIT_LOG_LEVEL", flag: "log-level", help: "lowest log level: debug, info, warn or error",
		value: func(c *Config) flag.Value { return (*levelValue)(&c.LogLevel) }},
	{key: "FIELDVISIT_LOG_FORMAT", flag: "log-format", help: "log format: text or json",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.LogFormat) }},
	{key: "FIELDVISIT_SECURE_COOKIES", flag: "secure-cookies", help: "mark session cookies Secure (set when served over HTTPS)",
		value: func(c *Config) flag.Value { return (*boolValue)(&c.SecureCookies) }},
	{key: "FIELDVISIT_MAX_BODY_BYTES", flag: "max-body-bytes", help: "largest accepted request body in bytes",
		value: func(c *Config) flag.Value { return (*int64Value)(&c.MaxBodyBytes) }},
	{key: "FIELDVISIT_SHUTDOWN_TIMEOUT", flag: "shutdown-timeout", help: "how long in-flight requests may finish on shutdown",
		value: func(c *Config) flag.Value { return (*durationValue)(&c.ShutdownTimeout) }},
	{key: "FIELDVISIT_TILE_URL", flag: "tile-url", help: "map tile URL template ({z}/{x}/{y}, https) of the trainers' day maps",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.TileURL) }},
	{key: "FIELDVISIT_METRICS_ADDR", flag: "metrics-addr", help: "listen address of the Prometheus /metrics endpoint, apart from the service's (unset = no metrics)",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.MetricsAddr) }},
	{key: "FIELDVISIT_LIMIT_CONCURRENT", flag: "limit-concurrent", help: "requests of one caller (account, or address when anonymous) served at once; more answer 429 (0 = no limit)",
		value: func(c *Config) flag.Value { return (*intValue)(&c.Limits.PerPrincipal) }},
	{key: "FIELDVISIT_LIMIT_RATE", flag: "limit-rate", help: "requests a second one caller may make on average; more answer 429 (0 = no limit)",
		value: func(c *Config) flag.Value { return (*intValue)(&c.Limits.Rate) }},
	{key: "FIELDVISIT_LIMIT_BURST", flag: "limit-burst", help: "requests one caller may make in a row before FIELDVISIT_LIMIT_RATE applies",
		value: func(c *Config) flag.Value { return (*intValue)(&c.Limits.Burst) }},
	{key: "FIELDVISIT_REQUEST_SLOTS", flag: "request-slots", help: "requests served at once in all, so that background jobs always get their turn at the database (0 = no limit)",
		value: func(c *Config) flag.Value { return (*intValue)(&c.Limits.Slots) }},
	{key: "FIELDVISIT_QUEUE_WAIT", flag: "queue-wait", help: "how long a request waits for a slot before it answers 503 with Retry-After",
		value: func(c *Config) flag.Value { return (*durationValue)(&c.Limits.QueueWait) }},
	{key: "FIELDVISIT_READ_TIMEOUT", flag: "read-timeout", help: "how long a GET may work (waiting for the database included) before it answers 503 with Retry-After (0 = no limit)",
		value: func(c *Config) flag.Value { return (*durationValue)(&c.Limits.ReadTimeout) }},
	{key: "FIELDVISIT_PLAN_CRON", flag: "plan-cron", help: "cron spec (minute hour day month weekday, in FIELDVISIT_TZ) of the nightly planning run",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.Jobs.PlanCron) }},
	{key: "FIELDVISIT_PLAN_TIME_LIMIT", flag: "plan-time-limit", help: "time limit of one planning run",
		value: func(c *Config) flag.Value { return (*durationValue)(&c.Jobs.PlanTimeLimit) }},
	{key: "FIELDVISIT_PLAN_SATURDAY", flag: "plan-saturday", help: "let the planner schedule visits on Saturdays",
		value: func(c *Config) flag.Value { return (*boolValue)(&c.Jobs.PlanSaturday) }},
	{key: "FIELDVISIT_AUTO_PUBLISH", flag: "auto-publish", help: "publish the nightly plan without a coordinator",
		value: func(c *Config) flag.Value { return (*boolValue)(&c.Jobs.AutoPublish) }},
	{key: "FIELDVISIT_REMINDER_CRON", flag: "reminder-cron", help: "cron spec of the day-before visit reminders",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.Jobs.ReminderCron) }},
	{key: "FIELDVISIT_OUTBOX_INTERVAL", flag: "outbox-interval", help: "how often pending e-mails are sent",
		value: func(c *Config) flag.Value { return (*durationValue)(&c.Jobs.OutboxInterval) }},
	{key: "FIELDVISIT_OUTBOX_MAX_ATTEMPTS", flag: "outbox-max-attempts", help: "attempts before an e-mail is given up",
		value: func(c *Config) flag.Value { return (*intValue)(&c.Jobs.OutboxMaxAttempts) }},
	{key: "FIELDVISIT_HOUSEKEEPING_CRON", flag: "housekeeping-cron", help: "cron spec of housekeeping: archiving sent mail and old plans, deleting expired sessions and tokens",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.Jobs.HousekeepingCron) }},
	{key: "SMTP_HOST", flag: "smtp-host", help: "SMTP server (unset = e-mails stay in the development mailbox page)",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.SMTP.Host) }},
	{key: "SMTP_PORT", flag: "smtp-port", help: "SMTP port",
		value: func(c *Config) flag.Value { return (*intValue)(&c.SMTP.Port) }},
	{key: "SMTP_USERNAME", flag: "smtp-username", help: "SMTP user name (unset = no authentication)",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.SMTP.Username) }},
	{key: "SMTP_PASSWORD", flag: "smtp-password", help: "SMTP password (secret; prefer the environment over the flag)", secret: true,
		value: func(c *Config) flag.Value { return (*secretValue)(&c.SMTP.Password) }},
	{key: "SMTP_FROM", flag: "smtp-from", help: "sender of e-mails",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.SMTP.From) }},
	{key: "FIELDVISIT_COORDINATOR_EMAIL", flag: "coordinator-email", help: "coordinators' address: Reply-To of every e-mail, the address mails tell people to write to, and where coordinators' e-mails go (required with SMTP_HOST; unset = every coordinator account)",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.CoordinatorEmail) }},
	{key: "SMTP_TLS", flag: "smtp-tls", help: "SMTP transport security: none, starttls or tls",
		value: func(c *Config) flag.Value { return (*stringValue)(&c.SMTP.TLS) }},
}

func settingByKey(key string) setting {
	for _, s := range settings {
		if s.key == key {
			return s
		}
	}
	// Only Validate calls this, with keys written in this package.
	panic("config: no setting " + key)
}

// Setting describes one configuration key for documentation and help output.
type Setting struct {
	// Key is the environment variable.
	Key string
	// Flag is the command-line flag, without dashes.
	Flag string
	// Default is the value used when neither is given; empty means unset.
	Default string
	// Help says what the setting does.
	Help string
}

// Describe lists every setting with its default, in a stable order.
func Describe() []Setting {
	d := Default()
	out := make([]Setting, 0, len(settings))
	for _, s := range settings {
		out = append(out, Setting{Key: s.key, Flag: s.flag, Default: s.value(&d).String(), Help: s.help})
	}
	return out
}

// Markdown renders Describe as the table the README carries.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| Environment | Flag | Default | Meaning |\n|---|---|---|---|\n")
	for _, s := range Describe() {
		def := "(unset)"
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		fmt.Fprintf(&b, "| `%s` | `--%s` | %s | %s |\n", s.Key, s.Flag, def, strings.ReplaceAll(s.Help, "|", "\\|"))
	}
	return b.String()
}

// The flag.Value types below let one table bind environment values and flags
// to Config's typed fields.

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }

// secretValue never shows what it holds, so neither "fieldvisit serve -h"
// nor a log line can print the secret.
type secretValue string

func (v *secretValue) Set(s string) error { *v = secretValue(s); return nil }
func (v *secretValue) String() string {
	if *v == "" {
		return ""
	}
	return redactedValue
}

// uriValue shows a connection string with its password hidden.
type uriValue string

func (v *uriValue) Set(s string) error { *v = uriValue(s); return nil }
func (v *uriValue) String() string     { return redactURI(string(*v)) }

type intValue int

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("not a whole number")
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }

type int64Value int64

func (v *int64Value) Set(s string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return fmt.Errorf("not a whole number")
	}
	*v = int64Value(n)
	return nil
}
func (v *int64Value) String() string { return strconv.FormatInt(int64(*v), 10) }

type boolValue bool

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("not a boolean (true or false)")
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string { return strconv.FormatBool(bool(*v)) }

// IsBoolFlag lets "--secure-cookies" stand for "--secure-cookies=true".
func (v *boolValue) IsBoolFlag() bool { return true }

type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("not a duration such as 30s, 5m or 1h30m")
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }

type levelValue slog.Level

func (v *levelValue) Set(s string) error {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.TrimSpace(s))); err != nil {
		return fmt.Errorf("not a log level (debug, info, warn or error)")
	}
	*v = levelValue(l)
	return nil
}
func (v *levelValue) String() string { return strings.ToLower(slog.Level(*v).String()) }
