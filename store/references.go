package store

import (
	"context"
	"fmt"
	"slices"

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
	if refs.Users, err = s.accountsOf(ctx, "trainer", id, limit); err != nil {
		return nil, fmt.Errorf("find accounts of trainer %s: %w", id, err)
	}
	if refs.Clinics, err = s.clinicsPreferring(ctx, id, limit); err != nil {
		return nil, fmt.Errorf("find clinics preferring trainer %s: %w", id, err)
	}
	pinned := bson.D{{Key: "pin.trainer_id", Value: id}, openRequest()}
	pinnedHere := func(r *models.Request) bool {
		// The pin's trainer is omitted when empty, so "" names none.
		return r.Pin != nil && r.Pin.TrainerID != "" && r.Pin.TrainerID == id
	}
	if refs.Requests, err = s.openRequests(ctx, pinned, mirrorScan[models.Request]{keep: pinnedHere}, limit); err != nil {
		return nil, fmt.Errorf("find open requests pinned to trainer %s: %w", id, err)
	}
	if refs.Visits, err = s.scheduledVisits(ctx, bson.E{Key: "trainer_id", Value: id}, "trainer", limit); err != nil {
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
	if refs.Users, err = s.accountsOf(ctx, "clinic", id, limit); err != nil {
		return nil, fmt.Errorf("find accounts of clinic %s: %w", id, err)
	}
	open := bson.D{{Key: "clinic_id", Value: id}, openRequest()}
	if refs.Requests, err = s.openRequests(ctx, open, mirrorScan[models.Request]{index: "clinic", key: id}, limit); err != nil {
		return nil, fmt.Errorf("find open requests of clinic %s: %w", id, err)
	}
	if refs.Visits, err = s.scheduledVisits(ctx, bson.E{Key: "clinic_id", Value: id}, "clinic", limit); err != nil {
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

// accountsOf samples the accounts linked to the trainer or clinic id; link
// is "trainer" or "clinic", the field (trainer_id, clinic_id) and the read
// model's index alike. The fields are omitted when empty, so "" links none
// on both paths.
func (s *Store) accountsOf(ctx context.Context, link, id string, limit int) (models.Sample[models.User], error) {
	if t := s.mirrored(usersCollection); t != nil {
		rows, err := mirrorScan[models.User]{index: link, key: id}.rows(s, t)
		if err != nil {
			return models.Sample[models.User]{}, err
		}
		return mirrorSample[models.User](t, rows, limit)
	}
	return sample[models.User](ctx, s.users(), bson.D{{Key: link + "_id", Value: id}}, byID(), limit)
}

// clinicsPreferring samples the clinics whose preferred trainers hold id.
func (s *Store) clinicsPreferring(ctx context.Context, id string, limit int) (models.Sample[models.Clinic], error) {
	if t := s.mirrored(clinicsCollection); t != nil {
		rows, err := mirrorScan[models.Clinic]{keep: func(c *models.Clinic) bool {
			return slices.Contains(c.PreferredTrainers, id)
		}}.rows(s, t)
		if err != nil {
			return models.Sample[models.Clinic]{}, err
		}
		return mirrorSample[models.Clinic](t, rows, limit)
	}
	return sample[models.Clinic](ctx, s.clinics(), bson.D{{Key: "preferred_trainers", Value: id}}, byID(), limit)
}

// openRequests samples the open requests filter selects, by id; scan is the
// same selection on the read model but for the status, which it adds.
func (s *Store) openRequests(ctx context.Context, filter bson.D, scan mirrorScan[models.Request], limit int) (models.Sample[models.Request], error) {
	if t := s.mirrored(requestsCollection); t != nil {
		open, keep := models.OpenStatuses(), scan.keep
		scan.keep = func(r *models.Request) bool {
			return slices.Contains(open, r.Status) && (keep == nil || keep(r))
		}
		rows, err := scan.rows(s, t)
		if err != nil {
			return models.Sample[models.Request]{}, err
		}
		return mirrorSample[models.Request](t, rows, limit)
	}
	return sample[models.Request](ctx, s.requests(), filter, byID(), limit)
}

// scheduledVisits samples the scheduled visits matching who, earliest first;
// index is the read model's index on who's field.
func (s *Store) scheduledVisits(ctx context.Context, who bson.E, index string, limit int) (models.Sample[models.Visit], error) {
	if t := s.mirrored(visitsCollection); t != nil {
		key, _ := who.Value.(string)
		rows, err := mirrorScan[models.Visit]{index: index, key: key, keep: func(v *models.Visit) bool {
			return v.Status == models.VisitScheduled
		}}.rows(s, t)
		if err != nil {
			return models.Sample[models.Visit]{}, err
		}
		// Rows come in _id order, the sort's second key.
		slices.SortStableFunc(rows, func(a, b *row) int {
			return a.Doc.(*models.Visit).Start.Compare(b.Doc.(*models.Visit).Start)
		})
		return mirrorSample[models.Visit](t, rows, limit)
	}
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

// mirrorSample is sample on the read model: rows are every row the filter
// selects, in the sample's order; the first limit are decoded.
func mirrorSample[T any](t *mirrorTable, rows []*row, limit int) (models.Sample[T], error) {
	limit = max(limit, 1)
	items, err := mirrorDecode[T](t, rows[:min(limit, len(rows))])
	if err != nil {
		return models.Sample[T]{}, err
	}
	return models.Sample[T]{Items: items, Total: int64(len(rows))}, nil
}
