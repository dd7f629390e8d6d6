package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/fieldvisit/fieldvisit/demo"
	"github.com/fieldvisit/fieldvisit/handlers"
	"github.com/fieldvisit/fieldvisit/models"
)

// seed loads the demo city. It refuses a database that already holds
// trainers, clinics or users, because demo accounts and requests mixed into
// real data would be hard to take out again; --reset drops the database
// first, which is what someone re-running the demo wants.
func seed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var withDemo, reset bool
	cfg, code, err := loadConfig("seed", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&withDemo, "demo", false, "load the demo city (required; the only data set there is)")
		fs.BoolVar(&reset, "reset", false, "drop the whole database first (destroys its data)")
	})
	if err != nil {
		return code
	}
	if !withDemo {
		fmt.Fprintln(stderr, "fieldvisit seed: nothing to load; pass --demo")
		return exitUsage
	}
	log := newLogger(cfg, stderr)
	loc, err := cfg.Location()
	if err != nil {
		fmt.Fprintf(stderr, "fieldvisit seed: %v\n", err)
		return exitError
	}
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "fieldvisit seed: %v\n", err)
		return exitError
	}
	defer db.close(log)

	if reset {
		if err := db.store.Reset(ctx); err != nil {
			fmt.Fprintf(stderr, "fieldvisit seed: %v\n", err)
			return exitError
		}
		db.indexIDLookups(ctx, cfg.MongoDatabase, log)
		log.Info("database dropped", "database", cfg.MongoDatabase)
	} else {
		what, err := existingData(ctx, db)
		if err != nil {
			fmt.Fprintf(stderr, "fieldvisit seed: %v\n", err)
			return exitError
		}
		if what != "" {
			fmt.Fprintf(stderr, "fieldvisit seed: database %s already holds %s; not loading the demo into it (--reset drops the database first)\n", cfg.MongoDatabase, what)
			return exitError
		}
	}

	hash, err := handlers.HashPassword(demo.Password)
	if err != nil {
		fmt.Fprintf(stderr, "fieldvisit seed: %v\n", err)
		return exitError
	}
	accs, err := demo.Seed(ctx, db.store, time.Now(), loc, hash)
	if err != nil {
		fmt.Fprintf(stderr, "fieldvisit seed: %v\n", err)
		return exitError
	}
	fmt.Fprintf(stdout, "Demo city loaded into database %s.\n", cfg.MongoDatabase)
	printAccounts(stdout, accs)
	return exitOK
}

// existingData names the first kind of document the database already has,
// or returns "" for an empty database.
func existingData(ctx context.Context, db *database) (string, error) {
	n, err := db.store.CountUsers(ctx)
	if err != nil {
		return "", err
	}
	if n > 0 {
		return fmt.Sprintf("%d user(s)", n), nil
	}
	one := models.Page{Limit: 1}
	trainers, err := db.store.Trainers(ctx, models.TrainerFilter{}, one)
	if err != nil {
		return "", err
	}
	if len(trainers) > 0 {
		return "trainers", nil
	}
	clinics, err := db.store.Clinics(ctx, models.ClinicFilter{}, one)
	if err != nil {
		return "", err
	}
	if len(clinics) > 0 {
		return "clinics", nil
	}
	return "", nil
}
