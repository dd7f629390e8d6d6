package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/fieldvisit/fieldvisit/config"
	"github.com/fieldvisit/fieldvisit/metrics"
	"github.com/fieldvisit/fieldvisit/store"
)

// loadConfig reads the configuration of a subcommand: the environment, then
// args as flags, including the subcommand's own flags that own defines. Any
// error has been printed to stderr; the returned code is the exit code to
// use (exitOK after -h).
func loadConfig(name string, args []string, getenv func(string) string, stderr io.Writer, own func(fs *flag.FlagSet)) (config.Config, int, error) {
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "fieldvisit %s: %v\n", name, err)
		return cfg, exitUsage, err
	}
	fs := flag.NewFlagSet("fieldvisit "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.RegisterFlags(fs)
	if own != nil {
		own(fs)
	}
	if err := fs.Parse(args); err != nil {
		// The flag package has printed the problem and the usage.
		if errors.Is(err, flag.ErrHelp) {
			return cfg, exitOK, err
		}
		return cfg, exitUsage, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected argument %q", fs.Arg(0))
		fmt.Fprintf(stderr, "fieldvisit %s: %v\n", name, err)
		return cfg, exitUsage, err
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "fieldvisit %s: %v\n", name, err)
		return cfg, exitUsage, err
	}
	return cfg, exitOK, nil
}

// newLogger builds the process's logger from the configured level and format.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == config.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// database is the open database of one process: the embedded server when it
// runs one, the one client (style rule: one client per process, owned by
// main) and the store on top.
type database struct {
	embedded *store.Embedded // nil with MONGODB_URI
	client   *mongo.Client
	db       *mongo.Database
	store    *store.Store
}

// disconnectTimeout bounds closing the client; the embedded server waits for
// its clients only a few seconds anyway.
const disconnectTimeout = 10 * time.Second

// openDatabase starts the embedded server unless MONGODB_URI is set,
// connects, and makes sure every index exists. On error it has already
// released whatever it started.
func openDatabase(ctx context.Context, cfg config.Config, log *slog.Logger) (*database, error) {
	return openDatabaseWith(ctx, cfg, log, nil)
}

// openDatabaseWith is openDatabase with metrics (nil: none) watching the
// client's commands, its connection pool and the leases taken over. With
// the embedded server it also ends the leases an earlier process left
// behind: this process holds the data directory's lock, so that process
// is dead, and what it claimed may be taken over at once.
func openDatabaseWith(ctx context.Context, cfg config.Config, log *slog.Logger, m *metrics.Metrics) (*database, error) {
	d := &database{}
	uri := cfg.MongoURI
	if cfg.Embedded() {
		e, err := store.StartEmbedded(ctx, cfg.DataDir)
		if err != nil {
			return nil, fmt.Errorf("start the embedded database: %w", err)
		}
		d.embedded = e
		uri = e.URI()
		log.Info("embedded database started", "data_dir", cfg.DataDir)
	}
	client, err := store.ConnectWith(ctx, uri, cfg.Embedded(), monitors(m))
	if err != nil {
		d.close(log)
		return nil, err
	}
	d.client = client
	d.db = client.Database(cfg.MongoDatabase)
	d.store = store.New(d.db, time.Now)
	if m != nil {
		d.store = d.store.ObserveTakeovers(func(resource string) { m.ClaimTakenOver(claimKind(resource)) })
	}
	if err := d.store.EnsureIndexes(ctx); err != nil {
		d.close(log)
		return nil, fmt.Errorf("prepare database %s: %w", cfg.MongoDatabase, err)
	}
	if cfg.Embedded() {
		d.indexIDLookups(ctx, cfg.MongoDatabase, log)
		n, err := d.store.ExpireLiveLeases(ctx)
		if err != nil {
			d.close(log)
			return nil, err
		}
		if n > 0 {
			log.Warn("ended the claims an earlier process left behind; their work is taken over now", "claims", n)
		}
		// This process alone writes to the embedded database (it holds the
		// data directory's lock), so it may answer reads from its own copy.
		start := time.Now()
		if d.store, err = d.store.WithReadModel(ctx); err != nil {
			d.close(log)
			return nil, err
		}
		log.Info("read model loaded", "took", time.Since(start).Round(time.Millisecond))
	}
	return d, nil
}

// indexIDLookups gives the embedded server's collections the index its
// lookups by _id need (store.Embedded.IndexIDLookups). It only saves time,
// so a failure is logged and the service goes on without it.
func (d *database) indexIDLookups(ctx context.Context, database string, log *slog.Logger) {
	if d.embedded == nil {
		return
	}
	n, err := d.embedded.IndexIDLookups(ctx, database)
	if err != nil {
		log.Warn("could not index the lookups by _id; writes will be slower", "err", err)
		return
	}
	if n > 0 {
		log.Info("indexed the lookups by _id", "collections", n)
	}
}

// close disconnects the client, then stops the embedded server, which
// releases the data directory's lock.
func (d *database) close(log *slog.Logger) {
	if d.client != nil {
		ctx, cancel := context.WithTimeout(context.Background(), disconnectTimeout)
		if err := d.client.Disconnect(ctx); err != nil {
			log.Warn("disconnect from the database", "err", err)
		}
		cancel()
	}
	if d.embedded != nil {
		d.embedded.Close()
		log.Info("embedded database stopped")
	}
}
