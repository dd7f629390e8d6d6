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
	"github.com/fieldvisit/fieldvisit/jobs"
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

// serve runs the web service and the scheduled jobs until ctx is
// cancelled, then shuts down in reverse start order: stop taking requests
// and finish those in flight, stop the jobs (waiting for running ones),
// close the SMTP pool, disconnect from the database, stop the embedded
// server.
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
	// Listen first: a taken port fails the start before the database is
	// started, created or seeded. Connections wait in the backlog until
	// Serve runs.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.Error("cannot listen; is another server using the address? Choose another with FIELDVISIT_ADDR or --addr",
			"addr", cfg.Addr, "err", err)
		return exitError
	}
	defer ln.Close() // a no-op once Serve has closed it
	// Feed URLs and links in e-mails use the address people really reach,
	// also when FIELDVISIT_ADDR moved the port and FIELDVISIT_BASE_URL was
	// left at its default.
	cfg.BaseURL = cfg.PublicURL(ln.Addr())

	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitError
	}
	defer db.close(log)

	if demoIfEmpty {
		if err := seedIfEmpty(ctx, db.store, loc, log); err != nil {
			log.Error("cannot load the demo data", "err", err)
			return exitError
		}
	}

	svc, err := newServices(cfg, db.store, loc, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitError
	}
	defer svc.close()
	sched, err := jobs.NewScheduler(jobs.SchedulerConfig{
		PlanCron:       cfg.Jobs.PlanCron,
		Plan:           svc.runner,
		ReminderCron:   cfg.Jobs.ReminderCron,
		Reminders:      svc.reminders,
		OutboxInterval: cfg.Jobs.OutboxInterval,
		Outbox:         svc.dispatcher,
		TimeZone:       cfg.TimeZone,
		Now:            time.Now,
		Logger:         log,
	})
	if err != nil {
		log.Error("cannot start the jobs", "err", err)
		return exitError
	}

	// Gin's mode is process-wide; debug mode prints every route and a
	// warning on start, noise that structured logs already cover.
	gin.SetMode(gin.ReleaseMode)
	api, err := handlers.New(handlers.Config{
		Store:         db.store,
		Logger:        log,
		Location:      loc,
		Now:           time.Now,
		Ready:         db.store.Ping,
		SecureCookies: cfg.SecureCookies,
		MaxBodyBytes:  cfg.MaxBodyBytes,
		Planner:       svc.runner,
		Publisher:     svc.publisher,
		Feeds:         svc.composer,
		BaseURL:       cfg.BaseURL,
		TileURL:       cfg.TileURL,
	})
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitError
	}
	srv := &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout(cfg),
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	url := cfg.BaseURL
	log.Info("listening", "addr", ln.Addr().String(), "url", url)
	printWelcome(ctx, stdout, url, db.store, log)

	sched.Start()
	log.Info("jobs started", "plan_cron", cfg.Jobs.PlanCron, "reminder_cron", cfg.Jobs.ReminderCron,
		"outbox_interval", cfg.Jobs.OutboxInterval, "time_zone", cfg.TimeZone, "smtp", svc.smtp != nil)
	// The demo should show a plan at once, not after the first night.
	demoPlanned := make(chan struct{})
	go func() {
		defer close(demoPlanned)
		if demoIfEmpty {
			planComingWeekIfNone(ctx, db.store, svc, loc, log)
		}
	}()

	code = exitOK
	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	case err := <-served:
		// Serve returns only on a listener failure before any Shutdown.
		log.Error("HTTP server stopped", "err", err)
		code = exitError
		served <- err
	}
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
	return code // the deferred closes stop the mail pool, then the database
}

// planComingWeekIfNone plans the coming week when it has no plan yet, so a
// fresh demo shows one within seconds of starting.
func planComingWeekIfNone(ctx context.Context, st *store.Store, svc *services, loc *time.Location, log *slog.Logger) {
	week := jobs.WeekAfter(time.Now(), loc)
	_, err := st.LatestPlan(ctx, week)
	switch {
	case err == nil:
		return
	case !errors.Is(err, models.ErrNotFound):
		log.Warn("cannot tell whether the coming week has a plan", "week", week, "err", err)
		return
	}
	plan, err := svc.runner.Plan(ctx, week, "startup")
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
