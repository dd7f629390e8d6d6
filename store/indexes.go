package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// indexSpec is one index of one collection.
type indexSpec struct {
	collection string
	name       string
	keys       bson.D
	unique     bool
}

// indexes lists every index the store relies on, in one place. On MongoDB
// they speed up the lists; on the embedded server, which scans every query,
// only the unique ones matter, and they are what turns a duplicate into
// models.ErrConflict.
func indexes() []indexSpec {
	asc := func(keys ...string) bson.D {
		d := make(bson.D, 0, len(keys))
		for _, k := range keys {
			d = append(d, bson.E{Key: k, Value: 1})
		}
		return d
	}
	return []indexSpec{
		{collection: trainersCollection, name: "email_unique", keys: asc("email"), unique: true},
		{collection: trainersCollection, name: "skills", keys: asc("skills")},
		{collection: clinicsCollection, name: "district", keys: asc("district")},
		{collection: requestsCollection, name: "status_id", keys: asc("status", "_id")},
		{collection: requestsCollection, name: "clinic_id_id", keys: asc("clinic_id", "_id")},
		{collection: usersCollection, name: "email_unique", keys: asc("email"), unique: true},
		{collection: tokensCollection, name: "token_id_unique", keys: asc("token_id"), unique: true},
		{collection: tokensCollection, name: "user_id", keys: asc("user_id")},
		{collection: plansCollection, name: "week_version", keys: asc("week", "version")},
		{collection: visitsCollection, name: "week_start", keys: asc("week", "start")},
		{collection: visitsCollection, name: "trainer_id_start", keys: asc("trainer_id", "start")},
		{collection: visitsCollection, name: "clinic_id_start", keys: asc("clinic_id", "start")},
		{collection: visitsCollection, name: "start", keys: asc("start")},
		{collection: outboxCollection, name: "status_next_attempt_at", keys: asc("status", "next_attempt_at")},
		{collection: outboxCollection, name: "status_id", keys: asc("status", "_id")},
		{collection: outboxCollection, name: "status_sent_at", keys: asc("status", "sent_at")},
		{collection: leasesCollection, name: "resource_attempt", keys: asc("resource", "attempt")},
		{collection: leasesCollection, name: "expires_at", keys: asc("expires_at")},
		{collection: jobRunsCollection, name: "job_started_at", keys: asc("job", "started_at")},
		{collection: auditCollection, name: "entity_entity_id", keys: asc("entity", "entity_id")},
		{collection: auditCollection, name: "actor_id", keys: asc("actor_id")},
		{collection: auditCollection, name: "at", keys: asc("at")},
		{collection: absencesCollection, name: "trainer_id_from", keys: asc("trainer_id", "from")},
		{collection: changeRequestsCollection, name: "request_id", keys: asc("request_id")},
		{collection: changeRequestsCollection, name: "clinic_id_status", keys: asc("clinic_id", "status")},
	}
}

// EnsureIndexes creates every index that does not exist yet; running it
// again changes nothing. It creates them one at a time because the embedded
// server breaks the connection when a CreateMany batch includes an index
// that already exists.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	for _, ix := range indexes() {
		opts := options.Index().SetName(ix.name)
		if ix.unique {
			opts.SetUnique(true)
		}
		model := mongo.IndexModel{Keys: ix.keys, Options: opts}
		if _, err := s.db.Collection(ix.collection).Indexes().CreateOne(ctx, model); err != nil {
			return fmt.Errorf("ensure index %s on %s: %w", ix.name, ix.collection, err)
		}
	}
	return nil
}
