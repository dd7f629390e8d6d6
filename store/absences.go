package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

const absencesCollection = "absences"

func (s *Store) absences() *mongo.Collection { return s.db.Collection(absencesCollection) }

// CreateAbsence stores a new absence, setting its ID and creation stamp.
func (s *Store) CreateAbsence(ctx context.Context, a *models.Absence) error {
	a.ID, a.CreatedAt = newID(), s.timestamp()
	if a.AffectedVisits == nil {
		a.AffectedVisits = []string{}
	}
	if a.Drafts == nil {
		a.Drafts = []models.PlanRef{}
	}
	if _, err := s.absences().InsertOne(ctx, a); err != nil {
		return fmt.Errorf("create absence of trainer %s: %w", a.TrainerID, err)
	}
	return nil
}

// Absence returns the absence with the given id.
func (s *Store) Absence(ctx context.Context, id string) (*models.Absence, error) {
	a, err := findByID[models.Absence](ctx, s.absences(), id)
	if err != nil {
		return nil, fmt.Errorf("load absence %s: %w", id, err)
	}
	return a, nil
}

// Absences returns a trainer's absences, earliest first.
func (s *Store) Absences(ctx context.Context, trainerID string) ([]models.Absence, error) {
	opts := options.Find().SetSort(bson.D{{Key: "from", Value: 1}, {Key: "_id", Value: 1}})
	list, err := findAll[models.Absence](ctx, s.absences(), bson.D{{Key: "trainer_id", Value: trainerID}}, opts)
	if err != nil {
		return nil, fmt.Errorf("list absences of trainer %s: %w", trainerID, err)
	}
	return list, nil
}

// SetAbsenceOutcome records what recording absence a led to: the
// trainer's overrides it replaced, the released pins and the repair drafts.
func (s *Store) SetAbsenceOutcome(ctx context.Context, a *models.Absence) error {
	id := a.ID
	if a.Drafts == nil {
		a.Drafts = []models.PlanRef{}
	}
	set := bson.D{{Key: "replaced", Value: a.Replaced}, {Key: "released_pins", Value: a.ReleasedPins}, {Key: "drafts", Value: a.Drafts}}
	res, err := s.absences().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}})
	if err == nil && res.MatchedCount == 0 {
		err = models.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("record the outcome of absence %s: %w", id, err)
	}
	return nil
}

// DeleteAbsence deletes the absence id.
func (s *Store) DeleteAbsence(ctx context.Context, id string) error {
	res, err := s.absences().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err == nil && res.DeletedCount == 0 {
		err = models.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete absence %s: %w", id, err)
	}
	return nil
}
