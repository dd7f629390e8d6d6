package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/fieldvisit/fieldvisit/models"
)

func (s *Store) trainers() *mongo.Collection { return s.db.Collection(trainersCollection) }

// CreateTrainer stores a new trainer, setting its ID, Version (1) and time
// stamps. A trainer whose e-mail is taken is a models.ErrConflict.
func (s *Store) CreateTrainer(ctx context.Context, t *models.Trainer) error {
	now := s.timestamp()
	t.ID, t.Version, t.CreatedAt, t.UpdatedAt = newID(), 1, now, now
	if _, err := s.trainers().InsertOne(ctx, t); err != nil {
		if isDuplicate(err) {
			err = trainerEmailTaken(t.Email)
		}
		return fmt.Errorf("create trainer: %w", err)
	}
	return nil
}

func trainerEmailTaken(email string) error {
	return &models.ConflictError{Message: fmt.Sprintf("a trainer with e-mail %s already exists", email)}
}

// Trainer returns the trainer with the given id.
func (s *Store) Trainer(ctx context.Context, id string) (*models.Trainer, error) {
	t, err := findByID[models.Trainer](ctx, s.trainers(), id)
	if err != nil {
		return nil, fmt.Errorf("load trainer %s: %w", id, err)
	}
	return t, nil
}

// Trainers returns one page of trainers ordered by id.
func (s *Store) Trainers(ctx context.Context, f models.TrainerFilter, p models.Page) ([]models.Trainer, error) {
	filter := bson.D{}
	if f.Skill != "" {
		filter = append(filter, bson.E{Key: "skills", Value: f.Skill})
	}
	filter, opts := pageOptions(filter, p)
	list, err := findAll[models.Trainer](ctx, s.trainers(), filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list trainers: %w", err)
	}
	return list, nil
}

// UpdateTrainer replaces the trainer t.ID with t, provided the stored version
// is still t.Version; on success t carries the new version and stamp. The
// creation stamp is kept from the stored document.
func (s *Store) UpdateTrainer(ctx context.Context, t *models.Trainer) error {
	current, err := findByID[models.Trainer](ctx, s.trainers(), t.ID)
	if err != nil {
		return fmt.Errorf("update trainer %s: %w", t.ID, err)
	}
	if current.Version != t.Version {
		return fmt.Errorf("update trainer %s: %w", t.ID, staleVersion(t.Version, current.Version))
	}
	next := *t
	next.Version, next.CreatedAt, next.UpdatedAt = t.Version+1, current.CreatedAt, s.timestamp()
	if err := replaceVersioned(ctx, s.trainers(), t.ID, t.Version, &next, trainerEmailTaken(t.Email).Error()); err != nil {
		return fmt.Errorf("update trainer %s: %w", t.ID, err)
	}
	*t = next
	return nil
}

// UpdateAvailability replaces only the availability of trainer id (weekly
// hours, overrides, lunch), provided it is still at version, and returns the
// updated trainer. Trainers edit their hours through it without touching the
// rest of their profile.
func (s *Store) UpdateAvailability(ctx context.Context, id string, version int64, a models.Availability) (*models.Trainer, error) {
	set := bson.D{
		{Key: "weekly", Value: a.Weekly},
		{Key: "version", Value: version + 1},
		{Key: "updated_at", Value: s.timestamp()},
	}
	// Overrides and lunch are omitempty in the document: an empty value
	// removes the field, so the stored document reads back equal to a.
	unset := bson.D{}
	if len(a.Overrides) > 0 {
		set = append(set, bson.E{Key: "overrides", Value: a.Overrides})
	} else {
		unset = append(unset, bson.E{Key: "overrides", Value: ""})
	}
	if a.Lunch != nil {
		set = append(set, bson.E{Key: "lunch", Value: a.Lunch})
	} else {
		unset = append(unset, bson.E{Key: "lunch", Value: ""})
	}
	update := bson.D{{Key: "$set", Value: set}}
	if len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unset})
	}
	var t models.Trainer
	matched, err := findOneAndUpdate(ctx, s.trainers(), versioned(id, version), update, &t)
	if err == nil && !matched {
		err = whyMissed(ctx, s.trainers(), id, version)
	}
	if err != nil {
		return nil, fmt.Errorf("update availability of trainer %s: %w", id, err)
	}
	return &t, nil
}

// DeleteTrainer deletes trainer id if it is still at version.
func (s *Store) DeleteTrainer(ctx context.Context, id string, version int64) error {
	if err := deleteVersioned(ctx, s.trainers(), id, version); err != nil {
		return fmt.Errorf("delete trainer %s: %w", id, err)
	}
	return nil
}
