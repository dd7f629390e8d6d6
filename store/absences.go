package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

const absencesCollection = "absences"

func (s *Store) absences() *mongo.Collection { return s.db.Collection(absencesCollection) }

// absencesMirror keeps the absences in the read model, found by trainer too.
func absencesMirror() mirrorSpec {
	return mirrorSpec{
		collection: absencesCollection,
		decode:     decodeAs[models.Absence],
		indexes: map[string]func(any) (string, bool){
			"trainer": func(d any) (string, bool) { return d.(*models.Absence).TrainerID, true },
		},
	}
}

// CreateAbsence stores a new absence, setting its ID and creation stamp.
func (s *Store) CreateAbsence(ctx context.Context, a *models.Absence) error {
	a.ID, a.CreatedAt = newID(), s.timestamp()
	if a.AffectedVisits == nil {
		a.AffectedVisits = []string{}
	}
	if a.Drafts == nil {
		a.Drafts = []models.PlanRef{}
	}
	err := s.through(ctx, absencesCollection, a.ID, func() (any, error) {
		_, err := s.absences().InsertOne(ctx, a)
		return a, err
	})
	if err != nil {
		return fmt.Errorf("create absence of trainer %s: %w", a.TrainerID, err)
	}
	return nil
}

// Absence returns the absence with the given id.
func (s *Store) Absence(ctx context.Context, id string) (*models.Absence, error) {
	a, err := loadByID[models.Absence](ctx, s, absencesCollection, id)
	if err != nil {
		return nil, fmt.Errorf("load absence %s: %w", id, err)
	}
	return a, nil
}

// Absences returns a trainer's absences, earliest first.
func (s *Store) Absences(ctx context.Context, trainerID string) ([]models.Absence, error) {
	var (
		list []models.Absence
		err  error
	)
	if t := s.mirrored(absencesCollection); t != nil {
		list, err = mirrorAbsences(s, t, mirrorScan[models.Absence]{index: "trainer", key: trainerID})
	} else {
		opts := options.Find().SetSort(bson.D{{Key: "from", Value: 1}, {Key: "_id", Value: 1}})
		list, err = findAll[models.Absence](ctx, s.absences(), bson.D{{Key: "trainer_id", Value: trainerID}}, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("list absences of trainer %s: %w", trainerID, err)
	}
	return list, nil
}

// mirrorAbsences decodes the absences q selects, ordered by first day, then
// id (the rows come in id order).
func mirrorAbsences(s *Store, t *mirrorTable, q mirrorScan[models.Absence]) ([]models.Absence, error) {
	rows, err := q.rows(s, t)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(rows, func(a, b *row) int {
		return strings.Compare(string(a.Doc.(*models.Absence).From), string(b.Doc.(*models.Absence).From))
	})
	return mirrorDecode[models.Absence](t, rows)
}

// SetAbsenceOutcome records what recording absence a led to: the
// trainer's overrides it replaced, the released pins and the repair drafts.
func (s *Store) SetAbsenceOutcome(ctx context.Context, a *models.Absence) error {
	id := a.ID
	if a.Drafts == nil {
		a.Drafts = []models.PlanRef{}
	}
	set := bson.D{{Key: "replaced", Value: a.Replaced}, {Key: "released_pins", Value: a.ReleasedPins}, {Key: "drafts", Value: a.Drafts}}
	err := s.through(ctx, absencesCollection, id, func() (any, error) {
		var after models.Absence
		matched, err := findOneAndUpdate(ctx, s.absences(), bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}}, &after)
		if err == nil && !matched {
			err = models.ErrNotFound
		}
		return &after, err
	})
	if err != nil {
		return fmt.Errorf("record the outcome of absence %s: %w", id, err)
	}
	return nil
}

// DeleteAbsence deletes the absence id.
func (s *Store) DeleteAbsence(ctx context.Context, id string) error {
	err := s.through(ctx, absencesCollection, id, func() (any, error) {
		res, err := s.absences().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
		if err == nil && res.DeletedCount == 0 {
			err = models.ErrNotFound
		}
		return removed{}, err
	})
	if err != nil {
		return fmt.Errorf("delete absence %s: %w", id, err)
	}
	return nil
}
