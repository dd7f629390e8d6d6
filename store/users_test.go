package store_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
)

func TestUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)

	if n, err := s.CountUsers(ctx); err != nil || n != 0 {
		t.Fatalf("fresh database counts %d users, %v", n, err)
	}
	coord := &models.User{Email: " Coord@Example.org", Name: "Coordinator", PasswordHash: []byte("$2a$10$hash"), Role: models.RoleCoordinator, Lang: "ru"}
	trainer := &models.User{Email: "anna@example.org", Name: "Anna", Role: models.RoleTrainer, TrainerID: "0123456789abcdef01234567", Lang: "en"}
	clinic := &models.User{Email: "head@clinic.example", Name: "Head", Role: models.RoleClinic, ClinicID: "0123456789abcdef01234568", Lang: "ru"}
	for _, u := range []*models.User{coord, trainer, clinic} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if !models.ValidID(u.ID) || u.Version != 1 {
			t.Fatalf("create set id %q, version %d", u.ID, u.Version)
		}
	}
	if coord.Email != "coord@example.org" {
		t.Errorf("stored e-mail %q, want it trimmed and lower-cased", coord.Email)
	}

	got, err := s.User(ctx, coord.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, coord) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, coord)
	}
	for _, email := range []string{"coord@example.org", "COORD@example.ORG"} {
		got, err := s.UserByEmail(ctx, email)
		if err != nil || got.ID != coord.ID {
			t.Errorf("UserByEmail(%q) = %+v, %v; want the coordinator", email, got, err)
		}
	}
	if _, err := s.UserByEmail(ctx, "nobody@example.org"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown e-mail: got %v, want ErrNotFound", err)
	}
	if _, err := s.User(ctx, "0123456789abcdef0123456f"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown id: got %v, want ErrNotFound", err)
	}

	dup := &models.User{Email: "ANNA@example.org", Name: "Other Anna", Role: models.RoleCoordinator, Lang: "ru"}
	err = s.CreateUser(ctx, dup)
	var ce *models.ConflictError
	if !errors.As(err, &ce) || !strings.Contains(ce.Message, "anna@example.org") {
		t.Errorf("duplicate e-mail in another case: got %v, want a ConflictError naming it", err)
	}

	if n, err := s.CountUsers(ctx); err != nil || n != 3 {
		t.Errorf("count %d, %v; want 3", n, err)
	}
	first, err := s.Users(ctx, models.Page{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	rest, err := s.Users(ctx, models.Page{After: first[len(first)-1].ID, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range append(first, rest...) {
		ids = append(ids, u.ID)
	}
	if want := []string{coord.ID, trainer.ID, clinic.ID}; !reflect.DeepEqual(ids, want) {
		t.Errorf("pages list %v, want %v", ids, want)
	}
}
