package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/fieldvisit/fieldvisit/models"
)

// mirroredStore starts an embedded server of its own (this package's
// tests cannot use storetest, which imports it) and returns a store on it
// with the read model, with one request stored.
func mirroredStore(t *testing.T) (*Store, *models.Request) {
	t.Helper()
	ctx := context.Background()
	e, err := StartEmbedded(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	client, err := Connect(ctx, e.URI(), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	plain := New(client.Database("fv"), nil)
	if err := plain.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := plain.WithReadModel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := &models.Request{ClinicID: "c1", Kind: models.KindOnsiteSupport, Topic: "before", DurationMinutes: 60,
		EarliestDate: "2025-03-03", DueDate: "2025-03-07", Priority: models.PriorityNormal, Status: models.StatusNew}
	if err := s.CreateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	return s, r
}

// setTopic changes a request's topic in the database only.
func setTopic(t *testing.T, s *Store, id, topic string) {
	t.Helper()
	if _, err := s.requests().UpdateOne(context.Background(), bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "topic", Value: topic}}}}); err != nil {
		t.Fatal(err)
	}
}

// TestThroughReadsBackAnUnsureWrite: a write that reached the database but
// answered with an error (a connection lost after the server applied it)
// is read back, so the copy shows what the database holds.
func TestThroughReadsBackAnUnsureWrite(t *testing.T) {
	s, r := mirroredStore(t)
	lost := errors.New("connection lost after the write")
	err := s.through(context.Background(), requestsCollection, r.ID, func() (any, error) {
		setTopic(t, s, r.ID, "applied")
		return nil, lost
	})
	if !errors.Is(err, lost) {
		t.Fatalf("through = %v, want the write's error", err)
	}
	got, err := s.Request(context.Background(), r.ID)
	if err != nil || got.Topic != "applied" {
		t.Fatalf("copy after an unsure write: %+v, %v; want the topic the database holds", got, err)
	}
}

// TestStaleTableReadsTheDatabase: while a table is marked stale its reads
// go to the database, and the next write through it reloads the copy.
func TestStaleTableReadsTheDatabase(t *testing.T) {
	s, r := mirroredStore(t)
	ctx := context.Background()
	table := s.rm.tables[requestsCollection]
	table.stale.Store(true)
	setTopic(t, s, r.ID, "behind the copy")
	if got, err := s.Request(ctx, r.ID); err != nil || got.Topic != "behind the copy" {
		t.Fatalf("stale table read: %+v, %v; want the database's document", got, err)
	}
	other := *r
	other.ID = ""
	if err := s.CreateRequest(ctx, &other); err != nil {
		t.Fatal(err)
	}
	if table.stale.Load() {
		t.Fatal("the table is still stale after a write went through")
	}
	got, err := mirrorGet[models.Request](s, table, r.ID)
	if err != nil || got.Topic != "behind the copy" {
		t.Fatalf("copy after the reload: %+v, %v", got, err)
	}
	if got.UpdatedAt.Location() != time.UTC {
		t.Errorf("reloaded times are in %v, want UTC as the database hands them back", got.UpdatedAt.Location())
	}
}
