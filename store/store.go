package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

// Collection names.
const (
	trainersCollection = "trainers"
	clinicsCollection  = "clinics"
	requestsCollection = "requests"
	usersCollection    = "users"
	tokensCollection   = "tokens"
)

// Store reads and writes Fieldvisit's documents. It is safe for concurrent
// use; consistency comes from version-guarded single-document updates and
// unique indexes. The only locks in this process are the read model's
// (WithReadModel), which order its copy's updates and, while a write holds
// one, let the copy decide the write's guard in the database's stead
// (readmodel_guard.go).
type Store struct {
	db  *mongo.Database
	now func() time.Time
	// onTakeover is told of each lease taken over from a holder that let
	// it lapse; nil tells no one.
	onTakeover func(resource string)
	// rm is the in-process read model (readmodel.go); nil reads the database.
	rm *readModel
}

// New returns a Store on db. now is the clock for created/updated stamps and
// token expiry (nil means time.Now); tests pass a fixed one.
func New(db *mongo.Database, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

// ObserveTakeovers returns a Store like s that calls f with the resource of
// every lease it takes over from an earlier holder that did not release it
// (metrics count them). f must be quick and safe for concurrent use.
func (s *Store) ObserveTakeovers(f func(resource string)) *Store {
	c := *s
	c.onTakeover = f
	return &c
}

// WithClock returns a Store like s on the same database with another clock:
// tests see what a later moment (an expired lease) looks like.
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
	return &c
}

// DatabaseName names the database s works in; tests hand it to a child
// process that opens its own client.
func (s *Store) DatabaseName() string { return s.db.Name() }

// Ping checks that the database answers; /readyz calls it.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err(); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// timestamp is now as the database will hand it back: UTC with millisecond
// precision, so a document returned from a write equals the one read later.
func (s *Store) timestamp() time.Time {
	return s.now().UTC().Truncate(time.Millisecond)
}

// newID returns a fresh document id: the hex form of an ObjectID, which grows
// with time so that ordering by _id lists documents in creation order.
func newID() string { return bson.NewObjectID().Hex() }

// isDuplicate reports whether err is a unique-index violation: E11000 from
// MongoDB, or the InternalError "UNIQUE constraint failed" the embedded
// server returns for a violation by an update or a replacement.
func isDuplicate(err error) bool {
	if mongo.IsDuplicateKeyError(err) {
		return true
	}
	var se mongo.ServerError
	return errors.As(err, &se) && se.HasErrorMessage("UNIQUE constraint failed")
}

// notFound translates the driver's "no document" into models.ErrNotFound and
// leaves every other error as it is.
func notFound(err error) error {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return models.ErrNotFound
	}
	return err
}

// findByID loads the document with _id id into a new T.
func findByID[T any](ctx context.Context, coll *mongo.Collection, id string) (*T, error) {
	var v T
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&v); err != nil {
		return nil, notFound(err)
	}
	return &v, nil
}

// versioned is the filter of a version-guarded write.
func versioned(id string, version int64) bson.D {
	return bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}}
}

// whyMissedInDatabase explains why a version-guarded write the database
// matched nothing for: the document is gone (models.ErrNotFound) or its
// version has moved on (a models.ConflictError naming both versions). It
// reads the database, which decided, even where a guard had expected a
// match on the read model.
func whyMissedInDatabase(ctx context.Context, coll *mongo.Collection, id string, expected int64) error {
	var current struct {
		Version int64 `bson:"version"`
	}
	opts := options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}})
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, opts).Decode(&current)
	if err != nil {
		return notFound(err)
	}
	return staleVersion(expected, current.Version)
}

// staleVersion is the conflict of a write that expected another version.
func staleVersion(expected, current int64) error {
	if expected == current {
		// The document changed and changed back between the write and this
		// read, which a monotonic version rules out; report it plainly anyway.
		return &models.ConflictError{Message: fmt.Sprintf("version %d was changed concurrently; reload and retry", expected)}
	}
	return &models.ConflictError{Message: fmt.Sprintf("version %d is stale; current is %d", expected, current)}
}

// pageOptions turns a page into a filter on _id and find options: ordered
// by _id, starting after the cursor, at most Limit documents.
func pageOptions(filter bson.D, p models.Page) (bson.D, *options.FindOptionsBuilder) {
	if p.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: p.After}}})
	}
	return filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(pageLimit(p)))
}

// findAll runs a query and decodes every document; the result is never nil,
// so an empty list encodes as [] rather than null.
func findAll[T any](ctx context.Context, coll *mongo.Collection, filter bson.D, opts *options.FindOptionsBuilder) ([]T, error) {
	cur, err := coll.Find(ctx, filter, opts)
	if err != nil {
		return nil, err
	}
	out := []T{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// replaceVersioned writes doc over the document id at version expected. doc
// must already carry the next version. A miss is explained by whyMissed; a
// unique-index violation comes back as dupMessage. g, when not nil, decides
// the version on the read model (see guard).
func replaceVersioned(ctx context.Context, g *guard, coll *mongo.Collection, id string, expected int64, doc any, dupMessage string) error {
	filter, refused := g.narrow(versioned(id, expected))
	if refused {
		return whyMissed(ctx, g, coll, id, expected)
	}
	res, err := coll.ReplaceOne(ctx, filter, doc)
	if err != nil {
		if isDuplicate(err) {
			return &models.ConflictError{Message: dupMessage}
		}
		return err
	}
	if res.MatchedCount == 0 {
		return whyMissedInDatabase(ctx, coll, id, expected)
	}
	return nil
}

// deleteVersioned deletes the document id if it is still at version
// expected. g, when not nil, decides the version on the read model.
func deleteVersioned(ctx context.Context, g *guard, coll *mongo.Collection, id string, expected int64) error {
	filter, refused := g.narrow(versioned(id, expected))
	if refused {
		return whyMissed(ctx, g, coll, id, expected)
	}
	res, err := coll.DeleteOne(ctx, filter)
	if err != nil {
		return err
	}
	if res.DeletedCount == 0 {
		return whyMissedInDatabase(ctx, coll, id, expected)
	}
	return nil
}

// findOneAndUpdate applies update to the document matching filter and
// decodes the document as it is afterwards into out. matched is false when
// no document matched, which the caller explains (whyMissedInDatabase).
func findOneAndUpdate(ctx context.Context, coll *mongo.Collection, filter, update bson.D, out any) (matched bool, err error) {
	opts := options.FindOneAndUpdate().SetReturnDocument(options.After)
	err = coll.FindOneAndUpdate(ctx, filter, update, opts).Decode(out)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}
