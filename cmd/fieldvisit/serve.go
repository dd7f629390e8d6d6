package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/config"
	"github.com/fieldvisit/fieldvisit/demo"
	"github.com/fieldvisit/fieldvisit/handlers"
	"github.com/fieldvisit/fieldvisit/internal/wiring"
	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/metrics"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
)

// HTTP server limits. Slow clients must not hold connections forever;
// WriteTimeout leaves room for an on-demand planning run (see writeTimeout).
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// The readiness probe pings the database this often in the background;
// /readyz answers from its last ping. A ping waits its turn behind at most
// FIELDVISIT_REQUEST_SLOTS user requests, hence the generous timeout.
const (
	readyInterval = 2 * time.Second
	readyTimeout  = 10 * time.Second
)

// serve runs the web service and the scheduled jobs until ctx is
// cancelled. It starts, in this order: the listener (so a taken port fails
// before anything else), the database, the services, the jobs' scheduler,
// the HTTP server, then the jobs. It stops the other way round except for
// the first two steps: HTTP first (stop taking requests, finish those in
// flight) so that no request finds the jobs gone, then the jobs (waiting
// for running ones and the demo's start-up plan), and last, by the deferred
// closes, the SMTP pool and the database (with the embedded server).
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var demoIfEmpty bool
	cfg, code, err := loadConfig("serve", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&demoIfEmpty, "demo-if-empty", false, "load the demo city when the database has no users")
	})
	if err != nil {
		return code
	}
	log := newLogger(cfg, stderr)
	log.Info("starting fieldvisit", "version", version(), "config", cfg)
	loc, err := cfg.Location()
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitError
	}
	ln, err := listen(&cfg, log)
	if err != nil {
		return exitError
	}
	defer ln.Close() // a no-op once Serve has closed it

	ms, err := startMetrics(cfg, log)
	if err != nil {
		return exitError
	}
	defer ms.close(context.WithoutCancel(ctx))
	db, err := openDatabaseWith(ctx, cfg, log, ms.metrics())
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitError
	}
	defer db.close(log)
	if err := prepareDatabase(ctx, &cfg, db.store, demoIfEmpty, loc, ms.metrics(), log); err != nil {
		return exitError
	}
	return runService(ctx, cfg, ln, db.store, ms.metrics(), demoIfEmpty, loc, stdout, log)
}

// prepareDatabase readies the opened database for serving: the outbox's
// size is watched for the metrics and, with demoIfEmpty, an empty
// database gets the demo city (whose coordinator becomes cfg's, unless
// one is set). It logs its own failure.
func prepareDatabase(ctx context.Context, cfg *config.Config, st *store.Store, demoIfEmpty bool, loc *time.Location, m *metrics.Metrics, log *slog.Logger) error {
	if demoIfEmpty && cfg.CoordinatorEmail == "" {
		// The demo's coordinator reads the coordinators' mail in the
		// development mailbox.
		cfg.CoordinatorEmail = demo.CoordinatorEmail
	}
	if m != nil {
		if err := m.WatchOutbox(st, outboxCountTimeout); err != nil {
			log.Error("cannot start", "err", err)
			return err
		}
	}
	if demoIfEmpty {
		if err := seedIfEmpty(ctx, st, loc, log); err != nil {
			log.Error("cannot load the demo data", "err", err)
			return err
		}
	}
	return nil
}

// runService builds the services, the jobs and the HTTP server on st,
// serves on ln and runs the jobs until ctx is cancelled or serving fails,
// then shuts down; it returns the exit code.
func runService(ctx context.Context, cfg config.Config, ln net.Listener, st *store.Store, m *metrics.Metrics, demoIfEmpty bool,
	loc *time.Location, stdout io.Writer, log *slog.Logger) int {
	svc, err := newServices(cfg, st, loc, log, m)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitError
	}
	defer svc.Close()
	sched, err := newJobs(cfg, svc, log)
	if err != nil {
		log.Error("cannot start the jobs", "err", err)
		return exitError
	}
	probe := handlers.NewReadinessProbe(st.Ping, readyInterval, readyTimeout)
	probeCtx, stopProbe := context.WithCancel(ctx)
	defer stopProbe()
	go probe.Run(probeCtx)
	srv, err := newHTTPServer(cfg, st, svc, probe.Ready, m, loc, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitError
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "url", cfg.BaseURL)
	printWelcome(ctx, stdout, cfg.BaseURL, st, log)
	sched.Start()
	log.Info("jobs started", "plan_cron", cfg.Jobs.PlanCron, "reminder_cron", cfg.Jobs.ReminderCron,
		"housekeeping_cron", cfg.Jobs.HousekeepingCron,
		"outbox_interval", cfg.Jobs.OutboxInterval, "time_zone", cfg.TimeZone, "smtp", svc.SMTP != nil)
	// The demo should show a plan at once, not after the first night.
	demoPlanned := make(chan struct{})
	go func() {
		defer close(demoPlanned)
		if demoIfEmpty {
			planComingWeekIfNone(ctx, st, svc, loc, log)
		}
	}()

	code := waitForStop(ctx, served, cfg, log)
	return shutdown(ctx, cfg, srv, served, sched, demoPlanned, code, log)
}

// listen opens cfg.Addr before the database is started, created or
// seeded, so that a taken port fails the start at once; connections wait
// in the backlog until Serve runs. It sets cfg.BaseURL to the address
// people really reach, for feed URLs and links in e-mails, also when
// FIELDVISIT_ADDR moved the port and FIELDVISIT_BASE_URL was left at its
// default. It logs its own failure.
func listen(cfg *config.Config, log *slog.Logger) (net.Listener, error) {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.Error("cannot listen; is another server using the address? Choose another with FIELDVISIT_ADDR or --addr",
			"addr", cfg.Addr, "err", err)
		return nil, err
	}
	cfg.BaseURL = cfg.PublicURL(ln.Addr())
	return ln, nil
}

// newJobs schedules the nightly plan, the reminders, housekeeping and the
// outbox on the services.
func newJobs(cfg config.Config, svc *wiring.Services, log *slog.Logger) (*jobs.Cron, error) {
	schedules, err := cfg.Schedules()
	if err != nil {
		return nil, err
	}
	return jobs.NewCron(jobs.CronConfig{
		Location:             schedules.Location,
		PlanSchedule:         schedules.Plan,
		Plan:                 svc.Runner,
		ReminderSchedule:     schedules.Reminders,
		Reminders:            svc.Reminders,
		HousekeepingSchedule: schedules.Housekeeping,
		Housekeeping:         svc.Housekeeping,
		OutboxInterval:       cfg.Jobs.OutboxInterval,
		Outbox:               svc.Dispatcher,
		Now:                  time.Now,
		Logger:               log,
	})
}

// newHTTPServer builds the API and pages on st and the services, behind an
// HTTP server with the limits above; ready answers /readyz.
func newHTTPServer(cfg config.Config, st *store.Store, svc *wiring.Services, ready func(context.Context) error, m *metrics.Metrics, loc *time.Location, log *slog.Logger) (*http.Server, error) {
	var observer handlers.Observer
	if m != nil {
		observer = m
	}
	// Gin's mode is process-wide; debug mode prints every route and a
	// warning on start, noise that structured logs already cover.
	gin.SetMode(gin.ReleaseMode)
	api, err := handlers.New(handlers.Config{
		Store:         st,
		Logger:        log,
		Location:      loc,
		Now:           time.Now,
		Ready:         ready,
		SecureCookies: cfg.SecureCookies,
		MaxBodyBytes:  cfg.MaxBodyBytes,
		Planner:       svc.Runner,
		Publisher:     svc.Publisher,
		Editor:        svc.Planner,
		Feeds:         svc.Composer,
		BaseURL:       cfg.BaseURL,
		TileURL:       cfg.TileURL,
		Mail:          svc.Composer,
		// The coordinators' address, also every mail's Reply-To.
		CoordinatorEmail: cfg.CoordinatorEmail,
		Limits: handlers.Limits{
			PerPrincipal: cfg.Limits.PerPrincipal,
			Rate:         float64(cfg.Limits.Rate),
			Burst:        cfg.Limits.Burst,
			Slots:        cfg.Limits.Slots,
			QueueWait:    cfg.Limits.QueueWait,
			ReadTimeout:  cfg.Limits.ReadTimeout,
		},
		Observer: observer,
	})
	if err != nil {
		return nil, err
	}
	return &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout(cfg),
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}, nil
}

// waitForStop waits until ctx is cancelled (exitOK) or the HTTP server
// fails (exitError; the error is put back on served for shutdown).
func waitForStop(ctx context.Context, served chan error, cfg config.Config, log *slog.Logger) int {
	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
		return exitOK
	case err := <-served:
		// Serve returns only on a listener failure before any Shutdown.
		log.Error("HTTP server stopped", "err", err)
		served <- err
		return exitError
	}
}

// shutdown shuts the HTTP server down, finishing the requests in flight, then
// stops the jobs and waits for the demo's start-up plan, all within
// cfg.ShutdownTimeout. It returns code, or exitError when something did
// not stop cleanly.
func shutdown(ctx context.Context, cfg config.Config, srv *http.Server, served chan error, sched *jobs.Cron, demoPlanned <-chan struct{}, code int, log *slog.Logger) int {
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("in-flight requests did not finish in time", "err", err)
		_ = srv.Close()
		code = exitError
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) && code == exitOK {
		log.Error("HTTP server", "err", err)
		code = exitError
	}
	log.Info("HTTP server stopped")
	if err := sched.Stop(shutdownCtx); err != nil {
		log.Warn("jobs did not stop in time", "err", err)
		code = exitError
	}
	<-demoPlanned // ctx is cancelled, so a demo planning run ends promptly
	log.Info("jobs stopped")
	return code // the caller's deferred closes stop the mail pool, then the database
}

// planComingWeekIfNone plans the coming week when it has no plan yet, so a
// fresh demo shows one within seconds of starting.
func planComingWeekIfNone(ctx context.Context, st *store.Store, svc *wiring.Services, loc *time.Location, log *slog.Logger) {
	week := jobs.WeekAfter(time.Now(), loc)
	_, err := st.LatestPlan(ctx, week)
	switch {
	case err == nil:
		return
	case !errors.Is(err, models.ErrNotFound):
		log.Warn("cannot tell whether the coming week has a plan", "week", week, "err", err)
		return
	}
	plan, err := svc.Runner.Plan(ctx, week, "startup")
	if err != nil {
		if ctx.Err() == nil {
			log.Error("planning the coming week on start-up failed", "week", week, "err", err)
		}
		return
	}
	log.Info("coming week planned on start-up", "week", week, "version", plan.Version,
		"scheduled", plan.KPIs.Scheduled, "requests", plan.KPIs.Requests)
}

// writeTimeout gives a response time to compute a plan on demand, which
// may take the whole planning time limit.
func writeTimeout(cfg config.Config) time.Duration {
	return max(time.Minute, cfg.Jobs.PlanTimeLimit+30*time.Second)
}

// seedIfEmpty loads the demo city when the database has no users, which is
// what "make run" on a fresh clone needs.
func seedIfEmpty(ctx context.Context, st *store.Store, loc *time.Location, log *slog.Logger) error {
	n, err := st.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		log.Info("database has users; demo data not loaded", "users", n)
		return nil
	}
	hash, err := handlers.HashPassword(demo.Password)
	if err != nil {
		return err
	}
	if _, err := demo.Seed(ctx, st, time.Now(), loc, hash); err != nil {
		return err
	}
	log.Info("demo data loaded into the empty database")
	return nil
}

// printWelcome tells the person who started the service where it runs and,
// when the demo data is there, how to log in.
func printWelcome(ctx context.Context, w io.Writer, url string, st *store.Store, log *slog.Logger) {
	_, err := st.UserByEmail(ctx, demo.CoordinatorEmail)
	switch {
	case err == nil:
		fmt.Fprintf(w, "Fieldvisit is running at %s — log in as %s with password %q.\n", url, demo.CoordinatorEmail, demo.Password)
		printAccounts(w, demo.Logins())
	case errors.Is(err, models.ErrNotFound):
		fmt.Fprintf(w, "Fieldvisit is running at %s\n", url)
		if n, err := st.CountUsers(ctx); err == nil && n == 0 {
			fmt.Fprintln(w, "There are no accounts yet: create a coordinator with\n  fieldvisit user add --role coordinator --email you@example.org --name 'Your Name'\nor load the demo city with: fieldvisit seed --demo")
		}
	default:
		log.Warn("cannot tell whether the demo data is loaded", "err", err)
		fmt.Fprintf(w, "Fieldvisit is running at %s\n", url)
	}
	fmt.Fprintf(w, "Open %s/login in a browser.\n", url)
}

// printAccounts lists demo logins, one a line.
func printAccounts(w io.Writer, accs demo.Accounts) {
	fmt.Fprintf(w, "Demo accounts (password %q for all):\n", demo.Password)
	for _, a := range accs {
		fmt.Fprintf(w, "  %-12s %-38s %s\n", a.Role, a.Email, a.Name)
	}
}
