package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

// TrainerReferences finds what still names trainer id: accounts, clinics
// that prefer them, open requests pinned to them and scheduled visits; at
// most limit documents of each kind, with the total. Every query is
// filtered and limited, so a delete does not read whole collections.
func (s *Store) TrainerReferences(ctx context.Context, id string, limit int) (*models.References, error) {
	var refs models.References
	var err error
	if refs.Users, err = sample[models.User](ctx, s.users(), bson.D{{Key: "trainer_id", Value: id}}, byID(), limit); err != nil {
		return nil, fmt.Errorf("find accounts of trainer %s: %w", id, err)
	}
	if refs.Clinics, err = sample[models.Clinic](ctx, s.clinics(), bson.D{{Key: "preferred_trainers", Value: id}}, byID(), limit); err != nil {
		return nil, fmt.Errorf("find clinics preferring trainer %s: %w", id, err)
	}
	pinned := bson.D{{Key: "pin.trainer_id", Value: id}, openRequest()}
	if refs.Requests, err = sample[models.Request](ctx, s.requests(), pinned, byID(), limit); err != nil {
		return nil, fmt.Errorf("find open requests pinned to trainer %s: %w", id, err)
	}
	if refs.Visits, err = s.scheduledVisits(ctx, bson.E{Key: "trainer_id", Value: id}, limit); err != nil {
		return nil, fmt.Errorf("find scheduled visits of trainer %s: %w", id, err)
	}
	return &refs, nil
}

// ClinicReferences finds what still names clinic id: accounts, open
// requests and scheduled visits; at most limit documents of each kind, with
// the total.
func (s *Store) ClinicReferences(ctx context.Context, id string, limit int) (*models.References, error) {
	var refs models.References
	var err error
	if refs.Users, err = sample[models.User](ctx, s.users(), bson.D{{Key: "clinic_id", Value: id}}, byID(), limit); err != nil {
		return nil, fmt.Errorf("find accounts of clinic %s: %w", id, err)
	}
	open := bson.D{{Key: "clinic_id", Value: id}, openRequest()}
	if refs.Requests, err = sample[models.Request](ctx, s.requests(), open, byID(), limit); err != nil {
		return nil, fmt.Errorf("find open requests of clinic %s: %w", id, err)
	}
	if refs.Visits, err = s.scheduledVisits(ctx, bson.E{Key: "clinic_id", Value: id}, limit); err != nil {
		return nil, fmt.Errorf("find scheduled visits of clinic %s: %w", id, err)
	}
	return &refs, nil
}

// byID orders a sample by creation.
func byID() bson.D { return bson.D{{Key: "_id", Value: 1}} }

// openRequest selects requests still being worked on.
func openRequest() bson.E {
	return bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: models.OpenStatuses()}}}
}

// scheduledVisits samples the scheduled visits matching who, earliest first.
func (s *Store) scheduledVisits(ctx context.Context, who bson.E, limit int) (models.Sample[models.Visit], error) {
	filter := bson.D{who, {Key: "status", Value: models.VisitScheduled}}
	return sample[models.Visit](ctx, s.visits(), filter, bson.D{{Key: "start", Value: 1}, {Key: "_id", Value: 1}}, limit)
}

// sample reads the first limit documents filter selects and counts them
// all; the count query runs only when the first page is full.
func sample[T any](ctx context.Context, coll *mongo.Collection, filter, sort bson.D, limit int) (models.Sample[T], error) {
	limit = max(limit, 1) // a zero limit would read them all
	items, err := findAll[T](ctx, coll, filter, options.Find().SetSort(sort).SetLimit(int64(limit)))
	if err != nil {
		return models.Sample[T]{}, err
	}
	out := models.Sample[T]{Items: items, Total: int64(len(items))}
	if len(items) == limit {
		if out.Total, err = coll.CountDocuments(ctx, filter); err != nil {
			return models.Sample[T]{}, err
		}
	}
	return out, nil
}
