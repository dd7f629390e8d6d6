package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
)

// openEmbedded starts a server on dir and returns a store on it and a
// function that disconnects and stops it.
func openEmbedded(t *testing.T, dir string) (*store.Store, func()) {
	t.Helper()
	ctx := context.Background()
	e, err := store.StartEmbedded(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	client, err := store.Connect(ctx, e.URI(), true)
	if err != nil {
		e.Close()
		t.Fatal(err)
	}
	s := store.New(client.Database("fieldvisit"), newClock().Now)
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	return s, func() {
		if err := client.Disconnect(ctx); err != nil {
			t.Errorf("disconnect: %v", err)
		}
		e.Close()
	}
}

func TestEmbeddedRestartKeepsData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	s, stop := openEmbedded(t, dir)
	tr := newTrainer("Anna", "anna@example.org", "conflict")
	if err := s.CreateTrainer(ctx, tr); err != nil {
		t.Fatal(err)
	}
	u := &models.User{Email: "coord@example.org", Name: "Coordinator", Role: models.RoleCoordinator, Lang: "ru"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	stop()

	s, stop = openEmbedded(t, dir)
	defer stop()
	got, err := s.Trainer(ctx, tr.ID)
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if !reflect.DeepEqual(got, tr) {
		t.Errorf("after restart got\n%+v\nwant\n%+v", got, tr)
	}
	// The unique index survived the restart too.
	err = s.CreateUser(ctx, &models.User{Email: u.Email, Name: "Again", Role: models.RoleCoordinator, Lang: "en"})
	if !errors.Is(err, models.ErrConflict) {
		t.Errorf("duplicate user after restart: got %v, want a conflict", err)
	}
}

func TestEmbeddedLockedDataDir(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data dir") // to be created; the space needs escaping
	first, err := store.StartEmbedded(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}

	_, err = store.StartEmbedded(ctx, dir)
	if !errors.Is(err, store.ErrDataDirInUse) {
		first.Close()
		t.Fatalf("second start on a locked directory: got %v, want ErrDataDirInUse", err)
	}
	want := fmt.Sprintf("data directory %s is in use by another fieldvisit process (pid %d)", dir, os.Getpid())
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}

	first.Close()
	// Once released, the directory opens again, and data lands in it even
	// though its path needs escaping in the SQLite URI.
	s, stop := openEmbedded(t, dir)
	defer stop()
	if err := s.CreateClinic(ctx, newClinic("Polyclinic 3", "South")); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	if err != nil || len(files) == 0 {
		t.Errorf("no SQLite files in %s (%v)", dir, err)
	}
}

func TestEmbeddedRefusesUnusablePath(t *testing.T) {
	base := t.TempDir()
	for _, name := range []string{"a#b", "a?b", "100%"} {
		dir := filepath.Join(base, name)
		_, err := store.StartEmbedded(context.Background(), dir)
		if err == nil || !strings.Contains(err.Error(), "cannot use a path") {
			t.Errorf("StartEmbedded(%q): got %v, want a refusal", name, err)
		}
		if _, statErr := os.Stat(dir); !errors.Is(statErr, os.ErrNotExist) {
			t.Errorf("StartEmbedded(%q) created the directory: %v", name, statErr)
		}
	}
}
