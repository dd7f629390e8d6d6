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

// serve runs the web service until ctx is cancelled, then shuts down in
// reverse start order: stop taking requests and finish those in flight,
// disconnect from the database, stop the embedded server.
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
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.Error("cannot listen", "addr", cfg.Addr, "err", err)
		return exitError
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	url := cfg.PublicURL(ln.Addr())
	log.Info("listening", "addr", ln.Addr().String(), "url", url)
	printWelcome(ctx, stdout, url, db.store, log)

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
	return code // the deferred db.close stops the database after the server
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
}

// printAccounts lists demo logins, one a line.
func printAccounts(w io.Writer, accs demo.Accounts) {
	fmt.Fprintf(w, "Demo accounts (password %q for all):\n", demo.Password)
	for _, a := range accs {
		fmt.Fprintf(w, "  %-12s %-38s %s\n", a.Role, a.Email, a.Name)
	}
}
