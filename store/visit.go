package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

const visitsCollection = "visits"

func (s *Store) visits() *mongo.Collection { return s.db.Collection(visitsCollection) }

// Visit returns the visit with the given id (the id of its request).
func (s *Store) Visit(ctx context.Context, id string) (*models.Visit, error) {
	v, err := findByID[models.Visit](ctx, s.visits(), id)
	if err != nil {
		return nil, fmt.Errorf("load visit %s: %w", id, err)
	}
	return v, nil
}

// Visits returns the visits f selects, ordered by start (then id).
func (s *Store) Visits(ctx context.Context, f models.VisitFilter) ([]models.Visit, error) {
	filter := bson.D{}
	if f.Week != "" {
		filter = append(filter, bson.E{Key: "week", Value: f.Week})
	}
	if f.TrainerID != "" {
		filter = append(filter, bson.E{Key: "trainer_id", Value: f.TrainerID})
	}
	if f.ClinicID != "" {
		filter = append(filter, bson.E{Key: "clinic_id", Value: f.ClinicID})
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		between := bson.D{}
		if !f.From.IsZero() {
			between = append(between, bson.E{Key: "$gte", Value: f.From})
		}
		if !f.To.IsZero() {
			between = append(between, bson.E{Key: "$lt", Value: f.To})
		}
		filter = append(filter, bson.E{Key: "start", Value: between})
	}
	if len(f.Statuses) > 0 {
		filter = append(filter, bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: f.Statuses}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "start", Value: 1}, {Key: "_id", Value: 1}})
	if f.Page != nil {
		filter, opts = pageOptions(filter, *f.Page)
	}
	list, err := findAll[models.Visit](ctx, s.visits(), filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list visits: %w", err)
	}
	return list, nil
}

// CreateVisit stores a new visit under v.ID (its request's id), setting
// Version to 1 and the update stamp. A visit that exists already is a
// models.ErrConflict.
func (s *Store) CreateVisit(ctx context.Context, v *models.Visit) error {
	v.Version, v.UpdatedAt = 1, s.timestamp()
	if _, err := s.visits().InsertOne(ctx, v); err != nil {
		if isDuplicate(err) {
			err = &models.ConflictError{Message: fmt.Sprintf("visit %s exists already", v.ID)}
		}
		return fmt.Errorf("create visit %s: %w", v.ID, err)
	}
	return nil
}

// UpdateVisit replaces visit v.ID with v, provided the stored version is
// still v.Version; on success v carries the new version and stamp.
func (s *Store) UpdateVisit(ctx context.Context, v *models.Visit) error {
	next := *v
	next.Version, next.UpdatedAt = v.Version+1, s.timestamp()
	if err := replaceVersioned(ctx, s.visits(), v.ID, v.Version, &next, "visit id taken"); err != nil {
		return fmt.Errorf("update visit %s: %w", v.ID, err)
	}
	*v = next
	return nil
}
