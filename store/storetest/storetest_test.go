package storetest_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/fieldvisit/fieldvisit/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestDatabaseIsFreshAndDropped(t *testing.T) {
	ctx := context.Background()
	var (
		mu    sync.Mutex
		names []string
	)
	t.Run("group", func(t *testing.T) {
		for range 3 {
			t.Run("user", func(t *testing.T) {
				t.Parallel()
				db := storetest.Database(t)
				coll := db.Collection("things")
				if n, err := coll.CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
					t.Fatalf("fresh database has %d documents, %v", n, err)
				}
				if _, err := coll.InsertOne(ctx, bson.D{{Key: "x", Value: 1}}); err != nil {
					t.Fatal(err)
				}
				mu.Lock()
				names = append(names, db.Name())
				mu.Unlock()
			})
		}
	})
	// The group has ended, so every subtest's cleanup has dropped its database.
	slices.Sort(names)
	if len(slices.Compact(slices.Clone(names))) != 3 {
		t.Fatalf("databases %v are not 3 distinct ones", names)
	}
	db := storetest.Database(t)
	all, err := db.Client().ListDatabaseNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if slices.Contains(all, n) {
			t.Errorf("database %s of a finished test was not dropped", n)
		}
	}
}

func TestURIAndEmbedded(t *testing.T) {
	env := os.Getenv("MONGODB_URI")
	uri := storetest.URI(t)
	if got, want := storetest.Embedded(t), env == ""; got != want {
		t.Errorf("Embedded() = %v with MONGODB_URI %q", got, env)
	}
	switch {
	case env != "" && uri != env:
		t.Errorf("URI() = %q, want MONGODB_URI %q", uri, env)
	case env == "" && !strings.HasPrefix(uri, "mongodb://127.0.0.1:"):
		t.Errorf("URI() = %q, want the embedded server on loopback", uri)
	}
}
