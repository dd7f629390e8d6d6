package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fieldvisit/fieldvisit/handlers"
	"github.com/fieldvisit/fieldvisit/models"
)

// userAdd creates one account, typically the first coordinator of a fresh
// installation.
func userAdd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	var u models.User
	var role, password string
	cfg, code, err := loadConfig("user add", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&u.Email, "email", "", "login e-mail (required)")
		fs.StringVar(&u.Name, "name", "", "the person's name (required)")
		fs.StringVar(&role, "role", "", "coordinator, trainer or clinic (required)")
		fs.StringVar(&u.TrainerID, "trainer-id", "", "the trainer a trainer account belongs to")
		fs.StringVar(&u.ClinicID, "clinic-id", "", "the clinic a clinic account belongs to")
		fs.StringVar(&u.Lang, "lang", "ru", "language of pages and e-mails: ru or en")
		fs.StringVar(&password, "password", "", "password; better $FIELDVISIT_PASSWORD or standard input, which stay out of the shell history")
	})
	if err != nil {
		return code
	}
	u.Role = models.Role(role)
	u.Email = strings.TrimSpace(u.Email)
	if err := u.Validate(); err != nil {
		fmt.Fprintf(stderr, "fieldvisit user add: %v\n", err)
		return exitUsage
	}
	if password == "" {
		password = getenv("FIELDVISIT_PASSWORD")
	}
	if password == "" {
		password, err = readPassword(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "fieldvisit user add: %v\n", err)
			return exitUsage
		}
	}
	if err := handlers.PasswordError(password); err != nil {
		fmt.Fprintf(stderr, "fieldvisit user add: the password %v\n", err)
		return exitUsage
	}

	log := newLogger(cfg, stderr)
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "fieldvisit user add: %v\n", err)
		return exitError
	}
	defer db.close(log)

	// The store does not check links; a dangling one would lock the user out
	// of every page that needs their trainer or clinic.
	if u.TrainerID != "" {
		if _, err := db.store.Trainer(ctx, u.TrainerID); err != nil {
			fmt.Fprintf(stderr, "fieldvisit user add: --trainer-id: %v\n", err)
			return exitError
		}
	}
	if u.ClinicID != "" {
		if _, err := db.store.Clinic(ctx, u.ClinicID); err != nil {
			fmt.Fprintf(stderr, "fieldvisit user add: --clinic-id: %v\n", err)
			return exitError
		}
	}
	// Checked before hashing, which is slow on purpose, so a taken e-mail
	// fails at once; CreateUser's unique index still decides a race.
	if _, err := db.store.UserByEmail(ctx, u.Email); err == nil {
		fmt.Fprintf(stderr, "fieldvisit user add: an account with e-mail %s already exists\n", u.Email)
		return exitError
	} else if !errors.Is(err, models.ErrNotFound) {
		fmt.Fprintf(stderr, "fieldvisit user add: %v\n", err)
		return exitError
	}
	u.PasswordHash, err = handlers.HashPassword(password)
	if err != nil {
		fmt.Fprintf(stderr, "fieldvisit user add: %v\n", err)
		return exitError
	}
	if err := db.store.CreateUser(ctx, &u); err != nil {
		if errors.Is(err, models.ErrConflict) {
			fmt.Fprintf(stderr, "fieldvisit user add: an account with e-mail %s already exists\n", u.Email)
		} else {
			fmt.Fprintf(stderr, "fieldvisit user add: %v\n", err)
		}
		return exitError
	}
	fmt.Fprintf(stdout, "Created %s account %s (id %s).\n", u.Role, u.Email, u.ID)
	return exitOK
}

// readPassword takes the first line of stdin, for scripts that pipe the
// password in. A terminal is refused: without a way to switch echo off, the
// password would show on the screen.
func readPassword(stdin io.Reader) (string, error) {
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return "", errors.New("no password: pass --password, set FIELDVISIT_PASSWORD, or pipe it on standard input")
		}
	}
	if stdin == nil {
		return "", errors.New("no password: pass --password or set FIELDVISIT_PASSWORD")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password: standard input was empty; pass --password, set FIELDVISIT_PASSWORD, or pipe it in")
	}
	return line, nil
}
