package config

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zones load on machines without zoneinfo, as in the binary
)

// env turns a map into a getenv function.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	c, err := Load(nil, env(nil))
	if err != nil {
		t.Fatalf("Load with nothing set: %v", err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("Load with nothing set = %+v, want Default() %+v", c, Default())
	}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"Addr", c.Addr, ":8080"},
		{"DataDir", c.DataDir, "./data"},
		{"MongoURI", c.MongoURI, ""},
		{"MongoDatabase", c.MongoDatabase, "fieldvisit"},
		{"TimeZone", c.TimeZone, "Europe/Moscow"},
		{"BaseURL", c.BaseURL, "http://localhost:8080"},
		{"LogLevel", c.LogLevel, slog.LevelInfo},
		{"LogFormat", c.LogFormat, "text"},
		{"SecureCookies", c.SecureCookies, false},
		{"PlanCron", c.Jobs.PlanCron, "0 2 * * *"},
		{"PlanTimeLimit", c.Jobs.PlanTimeLimit, 30 * time.Second},
		{"PlanSaturday", c.Jobs.PlanSaturday, false},
		{"AutoPublish", c.Jobs.AutoPublish, false},
		{"ReminderCron", c.Jobs.ReminderCron, "0 9 * * *"},
		{"OutboxInterval", c.Jobs.OutboxInterval, 10 * time.Second},
		{"OutboxMaxAttempts", c.Jobs.OutboxMaxAttempts, 8},
		{"HousekeepingCron", c.Jobs.HousekeepingCron, "0 * * * *"},
		{"SMTP.Host", c.SMTP.Host, ""},
		{"SMTP.Port", c.SMTP.Port, 587},
		{"SMTP.From", c.SMTP.From, "Fieldvisit <noreply@fieldvisit.local>"},
		{"SMTP.TLS", c.SMTP.TLS, "starttls"},
	} {
		if tc.got != tc.want {
			t.Errorf("default %s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if !c.Embedded() {
		t.Error("with no MONGODB_URI the default must be the embedded database")
	}
}

func TestLoadEnvAndFlags(t *testing.T) {
	fullEnv := map[string]string{
		"FIELDVISIT_ADDR":                "127.0.0.1:9000",
		"FIELDVISIT_DATA_DIR":            "/var/lib/fieldvisit",
		"MONGODB_URI":                    "mongodb://app:s3cret@db.example.org:27017/?replicaSet=rs0",
		"MONGODB_DATABASE":               "fv_prod",
		"FIELDVISIT_TZ":                  "Asia/Yekaterinburg",
		"FIELDVISIT_BASE_URL":            "https://fieldvisit.example.org",
		"FIELDVISIT_LOG_LEVEL":           "debug",
		"FIELDVISIT_LOG_FORMAT":          "json",
		"FIELDVISIT_SECURE_COOKIES":      "true",
		"FIELDVISIT_MAX_BODY_BYTES":      "65536",
		"FIELDVISIT_SHUTDOWN_TIMEOUT":    "45s",
		"FIELDVISIT_METRICS_ADDR":        "127.0.0.1:9464",
		"FIELDVISIT_LIMIT_CONCURRENT":    "2",
		"FIELDVISIT_LIMIT_RATE":          "5",
		"FIELDVISIT_LIMIT_BURST":         "20",
		"FIELDVISIT_REQUEST_SLOTS":       "16",
		"FIELDVISIT_QUEUE_WAIT":          "500ms",
		"FIELDVISIT_READ_TIMEOUT":        "5s",
		"FIELDVISIT_PLAN_CRON":           "30 1 * * 0",
		"FIELDVISIT_PLAN_TIME_LIMIT":     "2m",
		"FIELDVISIT_PLAN_SATURDAY":       "1",
		"FIELDVISIT_AUTO_PUBLISH":        "true",
		"FIELDVISIT_REMINDER_CRON":       "0 17 * * 1-5",
		"FIELDVISIT_HOUSEKEEPING_CRON":   "15 */2 * * *",
		"FIELDVISIT_OUTBOX_INTERVAL":     "1m",
		"FIELDVISIT_OUTBOX_MAX_ATTEMPTS": "3",
		"SMTP_HOST":                      "smtp.example.org",
		"SMTP_PORT":                      "465",
		"SMTP_USERNAME":                  "mailer",
		"SMTP_PASSWORD":                  "hunter2",
		"SMTP_FROM":                      "Учебный центр <centre@example.org>",
		"SMTP_TLS":                       "tls",
		"FIELDVISIT_COORDINATOR_EMAIL":   "planning@example.org",
	}
	fromEnv := Default()
	fromEnv.Addr = "127.0.0.1:9000"
	fromEnv.DataDir = "/var/lib/fieldvisit"
	fromEnv.MongoURI = "mongodb://app:s3cret@db.example.org:27017/?replicaSet=rs0"
	fromEnv.MongoDatabase = "fv_prod"
	fromEnv.TimeZone = "Asia/Yekaterinburg"
	fromEnv.BaseURL = "https://fieldvisit.example.org"
	fromEnv.LogLevel = slog.LevelDebug
	fromEnv.LogFormat = "json"
	fromEnv.SecureCookies = true
	fromEnv.MaxBodyBytes = 65536
	fromEnv.ShutdownTimeout = 45 * time.Second
	fromEnv.CoordinatorEmail = "planning@example.org"
	fromEnv.MetricsAddr = "127.0.0.1:9464"
	fromEnv.Limits = Limits{PerPrincipal: 2, Rate: 5, Burst: 20, Slots: 16, QueueWait: 500 * time.Millisecond, ReadTimeout: 5 * time.Second}
	fromEnv.Jobs = Jobs{PlanCron: "30 1 * * 0", PlanTimeLimit: 2 * time.Minute, PlanSaturday: true, AutoPublish: true,
		ReminderCron: "0 17 * * 1-5", OutboxInterval: time.Minute, OutboxMaxAttempts: 3, HousekeepingCron: "15 */2 * * *"}
	fromEnv.SMTP = SMTP{Host: "smtp.example.org", Port: 465, Username: "mailer", Password: "hunter2",
		From: "Учебный центр <centre@example.org>", TLS: "tls"}

	flagsOverEnv := fromEnv
	flagsOverEnv.Addr = ":7000"
	flagsOverEnv.TimeZone = "Europe/Moscow"
	flagsOverEnv.SecureCookies = false
	flagsOverEnv.Jobs.PlanCron = "@daily"
	flagsOverEnv.SMTP.TLS = "starttls"
	flagsOverEnv.LogLevel = slog.LevelWarn

	flagsOnly := Default()
	flagsOnly.DataDir = "/tmp/fv"
	flagsOnly.SecureCookies = true
	flagsOnly.Jobs.PlanSaturday = true

	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want Config
	}{
		{"every key from the environment", fullEnv, nil, fromEnv},
		{"flags override the environment", fullEnv,
			[]string{"--addr", ":7000", "-tz=Europe/Moscow", "--secure-cookies=false", "--plan-cron", "@daily", "--smtp-tls", "starttls", "--log-level", "WARN"},
			flagsOverEnv},
		{"flags alone", nil, []string{"--data-dir=/tmp/fv", "--secure-cookies", "--plan-saturday"}, flagsOnly},
		{"empty environment values count as unset", map[string]string{"FIELDVISIT_ADDR": "", "SMTP_PORT": ""}, nil, Default()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Load(tc.args, env(tc.env))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Load =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestLoadRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		// every fragment must appear in the error message
		want []string
	}{
		{"bad time zone", map[string]string{"FIELDVISIT_TZ": "Europe/Atlantis"}, nil, []string{"FIELDVISIT_TZ", "--tz", "Europe/Atlantis"}},
		{"Local is not a zone", map[string]string{"FIELDVISIT_TZ": "Local"}, nil, []string{"FIELDVISIT_TZ"}},
		{"bad plan cron", map[string]string{"FIELDVISIT_PLAN_CRON": "every night"}, nil, []string{"FIELDVISIT_PLAN_CRON", "every night"}},
		{"six-field cron", map[string]string{"FIELDVISIT_PLAN_CRON": "0 0 2 * * *"}, nil, []string{"FIELDVISIT_PLAN_CRON"}},
		{"bad reminder cron", map[string]string{"FIELDVISIT_REMINDER_CRON": "61 9 * * *"}, nil, []string{"FIELDVISIT_REMINDER_CRON"}},
		{"bad housekeeping cron", map[string]string{"FIELDVISIT_HOUSEKEEPING_CRON": "hourly"}, nil, []string{"FIELDVISIT_HOUSEKEEPING_CRON", "hourly"}},
		{"bad cron by flag", nil, []string{"--plan-cron", "0 25 * * *"}, []string{"FIELDVISIT_PLAN_CRON", "--plan-cron"}},
		{"bad duration", map[string]string{"FIELDVISIT_PLAN_TIME_LIMIT": "thirty seconds"}, nil, []string{"FIELDVISIT_PLAN_TIME_LIMIT", "duration"}},
		{"zero plan time limit", map[string]string{"FIELDVISIT_PLAN_TIME_LIMIT": "0s"}, nil, []string{"FIELDVISIT_PLAN_TIME_LIMIT"}},
		{"bad shutdown timeout", map[string]string{"FIELDVISIT_SHUTDOWN_TIMEOUT": "5"}, nil, []string{"FIELDVISIT_SHUTDOWN_TIMEOUT", "duration"}},
		{"negative shutdown timeout", map[string]string{"FIELDVISIT_SHUTDOWN_TIMEOUT": "-1s"}, nil, []string{"FIELDVISIT_SHUTDOWN_TIMEOUT", "positive"}},
		{"bad outbox interval", map[string]string{"FIELDVISIT_OUTBOX_INTERVAL": "10ms"}, nil, []string{"FIELDVISIT_OUTBOX_INTERVAL"}},
		{"bad duration by flag", nil, []string{"--outbox-interval", "soon"}, []string{"outbox-interval", "duration"}},
		{"bad SMTP_TLS", map[string]string{"SMTP_TLS": "ssl"}, nil, []string{"SMTP_TLS", "ssl", "none, starttls or tls"}},
		{"bad SMTP_PORT", map[string]string{"SMTP_PORT": "smtp"}, nil, []string{"SMTP_PORT", "number"}},
		{"SMTP_PORT out of range", map[string]string{"SMTP_PORT": "70000"}, nil, []string{"SMTP_PORT"}},
		{"SMTP_HOST with port", map[string]string{"SMTP_HOST": "smtp.example.org:25"}, nil, []string{"SMTP_HOST"}},
		{"user without password", map[string]string{"SMTP_USERNAME": "mailer"}, nil, []string{"SMTP_USERNAME", "SMTP_PASSWORD"}},
		{"bad SMTP_FROM", map[string]string{"SMTP_FROM": "nobody"}, nil, []string{"SMTP_FROM"}},
		{"SMTP without coordinators' address", map[string]string{"SMTP_HOST": "smtp.example.org"}, nil, []string{"FIELDVISIT_COORDINATOR_EMAIL", "required"}},
		{"bad coordinators' address", map[string]string{"FIELDVISIT_COORDINATOR_EMAIL": "Planning <p@example.org>"}, nil, []string{"FIELDVISIT_COORDINATOR_EMAIL", "plain e-mail"}},
		{"bad bool", map[string]string{"FIELDVISIT_SECURE_COOKIES": "yes please"}, nil, []string{"FIELDVISIT_SECURE_COOKIES", "boolean"}},
		{"bad bool plan saturday", map[string]string{"FIELDVISIT_PLAN_SATURDAY": "sometimes"}, nil, []string{"FIELDVISIT_PLAN_SATURDAY"}},
		{"bad bool auto publish", map[string]string{"FIELDVISIT_AUTO_PUBLISH": "2"}, nil, []string{"FIELDVISIT_AUTO_PUBLISH"}},
		{"bad addr", map[string]string{"FIELDVISIT_ADDR": "8080"}, nil, []string{"FIELDVISIT_ADDR"}},
		{"bad addr port", map[string]string{"FIELDVISIT_ADDR": ":http-alt"}, nil, []string{"FIELDVISIT_ADDR", "port"}},
		{"bad mongodb uri", map[string]string{"MONGODB_URI": "postgres://x"}, nil, []string{"MONGODB_URI"}},
		{"bad database name", map[string]string{"MONGODB_DATABASE": "field visit"}, nil, []string{"MONGODB_DATABASE"}},
		{"empty data dir", nil, []string{"--data-dir", " "}, []string{"FIELDVISIT_DATA_DIR"}},
		{"bad base url", map[string]string{"FIELDVISIT_BASE_URL": "localhost:8080"}, nil, []string{"FIELDVISIT_BASE_URL"}},
		{"bad log level", map[string]string{"FIELDVISIT_LOG_LEVEL": "verbose"}, nil, []string{"FIELDVISIT_LOG_LEVEL", "log level"}},
		{"bad log format", map[string]string{"FIELDVISIT_LOG_FORMAT": "xml"}, nil, []string{"FIELDVISIT_LOG_FORMAT", "text or json"}},
		{"bad max body", map[string]string{"FIELDVISIT_MAX_BODY_BYTES": "1MB"}, nil, []string{"FIELDVISIT_MAX_BODY_BYTES", "number"}},
		{"tiny max body", map[string]string{"FIELDVISIT_MAX_BODY_BYTES": "10"}, nil, []string{"FIELDVISIT_MAX_BODY_BYTES"}},
		{"bad metrics address", map[string]string{"FIELDVISIT_METRICS_ADDR": "metrics"}, nil, []string{"FIELDVISIT_METRICS_ADDR", "host:port"}},
		{"metrics on the service's address", map[string]string{"FIELDVISIT_METRICS_ADDR": ":8080"}, nil, []string{"FIELDVISIT_METRICS_ADDR", "own"}},
		{"negative concurrency", map[string]string{"FIELDVISIT_LIMIT_CONCURRENT": "-1"}, nil, []string{"FIELDVISIT_LIMIT_CONCURRENT"}},
		{"caller may take every slot", map[string]string{"FIELDVISIT_LIMIT_CONCURRENT": "10", "FIELDVISIT_REQUEST_SLOTS": "4"}, nil, []string{"FIELDVISIT_LIMIT_CONCURRENT", "FIELDVISIT_REQUEST_SLOTS"}},
		{"rate without burst", map[string]string{"FIELDVISIT_LIMIT_BURST": "0"}, nil, []string{"FIELDVISIT_LIMIT_BURST"}},
		{"long queue wait", map[string]string{"FIELDVISIT_QUEUE_WAIT": "5m"}, nil, []string{"FIELDVISIT_QUEUE_WAIT"}},
		{"negative read timeout", map[string]string{"FIELDVISIT_READ_TIMEOUT": "-1s"}, nil, []string{"FIELDVISIT_READ_TIMEOUT"}},
		{"bad max attempts", map[string]string{"FIELDVISIT_OUTBOX_MAX_ATTEMPTS": "0"}, nil, []string{"FIELDVISIT_OUTBOX_MAX_ATTEMPTS"}},
		{"unknown flag", nil, []string{"--no-such-flag"}, []string{"no-such-flag"}},
		{"positional argument", nil, []string{"extra"}, []string{"extra"}},
		{"several problems at once", map[string]string{"FIELDVISIT_TZ": "Mars/Olympus", "SMTP_TLS": "ssl"}, nil,
			[]string{"FIELDVISIT_TZ", "SMTP_TLS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.args, env(tc.env))
			if err == nil {
				t.Fatal("Load accepted an invalid configuration")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestSecretsNeverShown(t *testing.T) {
	e := map[string]string{
		"MONGODB_URI":   "mongodb://app:mongo-secret@db.example.org/",
		"SMTP_USERNAME": "mailer",
		"SMTP_PASSWORD": "smtp-secret",
	}
	c, err := Load(nil, env(e))
	if err != nil {
		t.Fatal(err)
	}
	var logged, usage strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("starting", "config", c)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(&usage)
	c.RegisterFlags(fs)
	fs.PrintDefaults()
	for _, out := range []string{logged.String(), usage.String(), fmt.Sprintf("%+v", c.Redacted())} {
		for _, secret := range []string{"mongo-secret", "smtp-secret"} {
			if strings.Contains(out, secret) {
				t.Errorf("secret %q shown in %s", secret, out)
			}
		}
	}
	for _, want := range []string{"SMTP_USERNAME=mailer", "db.example.org", "FIELDVISIT_TZ=Europe/Moscow"} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("log line %q lacks %q", logged.String(), want)
		}
	}
	if c.SMTP.Password != "smtp-secret" {
		t.Error("Redacted changed the original")
	}
	// A bad value of a secret key is not repeated in the error either.
	_, err = FromEnv(env(map[string]string{"MONGODB_URI": "mongodb://u:pw-in-error@h/", "SMTP_PORT": "x"}))
	if err == nil || strings.Contains(err.Error(), "pw-in-error") {
		t.Errorf("FromEnv error = %v; want an error that hides the URI password", err)
	}
}

func TestPublicURL(t *testing.T) {
	tcp := func(s string) net.Addr {
		a, err := net.ResolveTCPAddr("tcp", s)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	custom := Default()
	custom.BaseURL = "https://fieldvisit.example.org"
	for _, tc := range []struct {
		name string
		c    Config
		addr net.Addr
		want string
	}{
		{"default base URL follows a random port", Default(), tcp("127.0.0.1:43123"), "http://127.0.0.1:43123"},
		{"wildcard address prints localhost", Default(), tcp("[::]:9090"), "http://localhost:9090"},
		{"explicit base URL wins", custom, tcp("127.0.0.1:43123"), "https://fieldvisit.example.org"},
		{"no listener yet", Default(), nil, "http://localhost:8080"},
	} {
		if got := tc.c.PublicURL(tc.addr); got != tc.want {
			t.Errorf("%s: PublicURL = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDescribeCoversEveryField(t *testing.T) {
	d := Describe()
	seenKey, seenFlag := map[string]bool{}, map[string]bool{}
	for _, s := range d {
		if s.Key == "" || s.Flag == "" || s.Help == "" {
			t.Errorf("incomplete setting %+v", s)
		}
		if seenKey[s.Key] || seenFlag[s.Flag] {
			t.Errorf("duplicate key or flag %+v", s)
		}
		seenKey[s.Key], seenFlag[s.Flag] = true, true
	}
	// Every leaf field of Config must be reachable through exactly one key,
	// or a new field would silently be unconfigurable.
	if want := leafFields(reflect.TypeFor[Config]()); len(d) != want {
		t.Errorf("Describe lists %d settings, Config has %d fields", len(d), want)
	}
	if got := d[0]; got.Key != "FIELDVISIT_ADDR" || got.Default != ":8080" {
		t.Errorf("first setting = %+v", got)
	}
	md := Markdown()
	for _, s := range d {
		if !strings.Contains(md, "`"+s.Key+"`") {
			t.Errorf("Markdown lacks %s", s.Key)
		}
	}
}

func leafFields(t reflect.Type) int {
	n := 0
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Type.PkgPath() == t.PkgPath() {
			n += leafFields(f.Type)
		} else {
			n++
		}
	}
	return n
}

// TestReadmeListsEverySetting keeps the README's configuration table honest.
func TestReadmeListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatalf("read the repository README: %v", err)
	}
	for _, s := range Describe() {
		if !strings.Contains(string(readme), s.Key) {
			t.Errorf("README.md does not mention %s (default %q): add it to the configuration table", s.Key, s.Default)
		}
	}
}

// TestSchedules: the zone and the cron specs reach the jobs parsed.
func TestSchedules(t *testing.T) {
	c := Default()
	c.Jobs.HousekeepingCron = "30 * * * *"
	s, err := c.Schedules()
	if err != nil {
		t.Fatal(err)
	}
	if s.Location.String() != "Europe/Moscow" {
		t.Errorf("Location = %s", s.Location)
	}
	from := time.Date(2026, 12, 3, 10, 0, 0, 0, s.Location)
	for name, tc := range map[string]struct {
		sched interface{ Next(time.Time) time.Time }
		want  time.Time
	}{
		"plan":         {s.Plan, time.Date(2026, 12, 4, 2, 0, 0, 0, s.Location)},
		"reminders":    {s.Reminders, time.Date(2026, 12, 4, 9, 0, 0, 0, s.Location)},
		"housekeeping": {s.Housekeeping, time.Date(2026, 12, 3, 10, 30, 0, 0, s.Location)},
	} {
		if got := tc.sched.Next(from); !got.Equal(tc.want) {
			t.Errorf("%s: next after %s = %s, want %s", name, from, got, tc.want)
		}
	}
	c.Jobs.ReminderCron = "nightly"
	if _, err := c.Schedules(); err == nil || !strings.Contains(err.Error(), "nightly") {
		t.Errorf("a bad spec gave %v", err)
	}
}

// TestLogShowsNoUnusedBaseURL: a base URL left at its default is derived
// from the listening address, so the start-up log does not print the
// default as if it were in use; a configured one is printed as it is.
func TestLogShowsNoUnusedBaseURL(t *testing.T) {
	for _, tc := range []struct {
		env        map[string]string
		want, lack string
	}{
		{map[string]string{}, "FIELDVISIT_BASE_URL=\"" + derivedBaseURL + "\"", "http://localhost:8080"},
		{map[string]string{"FIELDVISIT_BASE_URL": "https://fv.example.org"}, "FIELDVISIT_BASE_URL=https://fv.example.org", derivedBaseURL},
	} {
		c, err := Load(nil, env(tc.env))
		if err != nil {
			t.Fatal(err)
		}
		var logged strings.Builder
		slog.New(slog.NewTextHandler(&logged, nil)).Info("starting", "config", c)
		if !strings.Contains(logged.String(), tc.want) || strings.Contains(logged.String(), tc.lack) {
			t.Errorf("log line %q: want %q, not %q", logged.String(), tc.want, tc.lack)
		}
	}
}
