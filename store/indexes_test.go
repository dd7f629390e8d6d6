package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

func TestEnsureIndexesTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Database(t)
	s := store.New(db, nil)
	for i := range 2 {
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
	// The connection survived the second run and the indexes are there.
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	specs, err := db.Collection("users").Indexes().ListSpecifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sp := range specs {
		names = append(names, sp.Name)
	}
	if !slices.Contains(names, "email_unique") {
		t.Errorf("users indexes %v lack email_unique", names)
	}
	u := func() *models.User {
		return &models.User{Email: "a@example.org", Name: "A", Role: models.RoleCoordinator, Lang: "ru"}
	}
	if err := s.CreateUser(ctx, u()); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, u()); !errors.Is(err, models.ErrConflict) {
		t.Errorf("unique index after two runs: got %v, want a conflict", err)
	}
	if n, err := db.Collection("users").CountDocuments(ctx, bson.D{}); err != nil || n != 1 {
		t.Errorf("users stored: %d, %v; want 1", n, err)
	}
}
