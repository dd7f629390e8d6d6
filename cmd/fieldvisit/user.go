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
	"github.com/fieldvisit/fieldvisit/store"
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
	password, err = accountPassword(password, getenv, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "fieldvisit user add: %v\n", err)
		return exitUsage
	}

	log := newLogger(cfg, stderr)
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "fieldvisit user add: %v\n", err)
		return exitError
	}
	defer db.close(log)
	if err := createAccount(ctx, db.store, &u, password); err != nil {
		fmt.Fprintf(stderr, "fieldvisit user add: %v\n", err)
		return exitError
	}
	fmt.Fprintf(stdout, "Created %s account %s (id %s).\n", u.Role, u.Email, u.ID)
	return exitOK
}

// accountPassword is the password from --password, else
// $FIELDVISIT_PASSWORD, else standard input, refused unless its length is
// within bounds.
func accountPassword(flagValue string, getenv func(string) string, stdin io.Reader) (string, error) {
	password := flagValue
	if password == "" {
		password = getenv("FIELDVISIT_PASSWORD")
	}
	if password == "" {
		var err error
		if password, err = readPassword(stdin); err != nil {
			return "", err
		}
	}
	if err := handlers.PasswordError(password); err != nil {
		return "", fmt.Errorf("the password %v", err)
	}
	return password, nil
}

// createAccount stores u with the password's hash, once its trainer or
// clinic exists and no account has its e-mail.
func createAccount(ctx context.Context, st *store.Store, u *models.User, password string) error {
	// The store does not check links; a dangling one would lock the user out
	// of every page that needs their trainer or clinic.
	if u.TrainerID != "" {
		if _, err := st.Trainer(ctx, u.TrainerID); err != nil {
			return fmt.Errorf("--trainer-id: %w", err)
		}
	}
	if u.ClinicID != "" {
		if _, err := st.Clinic(ctx, u.ClinicID); err != nil {
			return fmt.Errorf("--clinic-id: %w", err)
		}
	}
	taken := fmt.Errorf("an account with e-mail %s already exists", u.Email)
	// Checked before hashing, which is slow on purpose, so a taken e-mail
	// fails at once; CreateUser's unique index still decides a race.
	if _, err := st.UserByEmail(ctx, u.Email); err == nil {
		return taken
	} else if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	hash, err := handlers.HashPassword(password)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	if err := st.CreateUser(ctx, u); err != nil {
		if errors.Is(err, models.ErrConflict) {
			return taken
		}
		return err
	}
	return nil
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
