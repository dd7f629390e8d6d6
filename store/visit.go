package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

const visitsCollection = "visits"

func (s *Store) visits() *mongo.Collection { return s.db.Collection(visitsCollection) }

// Visit returns the visit with the given id (the id of its request).
func (s *Store) Visit(ctx context.Context, id string) (*models.Visit, error) {
	v, err := loadByID[models.Visit](ctx, s, visitsCollection, id)
	if err != nil {
		return nil, fmt.Errorf("load visit %s: %w", id, err)
	}
	return v, nil
}

// visitsMirror keeps the visits in the read model, found by trainer, clinic
// and week too.
func visitsMirror() mirrorSpec {
	return mirrorSpec{
		collection: visitsCollection,
		decode:     decodeAs[models.Visit],
		indexes: map[string]func(any) (string, bool){
			"trainer": func(d any) (string, bool) { return d.(*models.Visit).TrainerID, true },
			"clinic":  func(d any) (string, bool) { return d.(*models.Visit).ClinicID, true },
			"week":    func(d any) (string, bool) { return string(d.(*models.Visit).Week), true },
		},
	}
}

// Visits returns the visits f selects, ordered by start (then id); with a
// page, one page ordered by id.
func (s *Store) Visits(ctx context.Context, f models.VisitFilter) ([]models.Visit, error) {
	var (
		list []models.Visit
		err  error
	)
	if t := s.mirrored(visitsCollection); t != nil {
		list, err = s.mirrorVisits(t, f)
	} else {
		list, err = s.findVisits(ctx, f)
	}
	if err != nil {
		return nil, fmt.Errorf("list visits: %w", err)
	}
	return list, nil
}

// mirrorVisits is Visits on the read model: the narrowest index f names,
// the other conditions tested on each row.
func (s *Store) mirrorVisits(t *mirrorTable, f models.VisitFilter) ([]models.Visit, error) {
	q := mirrorScan[models.Visit]{keep: func(v *models.Visit) bool { return visitMatches(f, v) }}
	switch {
	case f.TrainerID != "":
		q.index, q.key = "trainer", f.TrainerID
	case f.ClinicID != "":
		q.index, q.key = "clinic", f.ClinicID
	case f.Week != "":
		q.index, q.key = "week", string(f.Week)
	}
	if f.Page != nil {
		q.after, q.limit = f.Page.After, pageLimit(*f.Page)
		return q.list(s, t)
	}
	rows, err := q.rows(s, t)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(rows, func(a, b *row) int {
		return a.Doc.(*models.Visit).Start.Compare(b.Doc.(*models.Visit).Start)
	})
	return mirrorDecode[models.Visit](t, rows)
}

// visitMatches is findVisits' condition on one visit. The database keeps
// times in milliseconds and so compares the bounds at that precision.
func visitMatches(f models.VisitFilter, v *models.Visit) bool {
	switch {
	case f.Week != "" && v.Week != f.Week,
		f.TrainerID != "" && v.TrainerID != f.TrainerID,
		f.ClinicID != "" && v.ClinicID != f.ClinicID,
		!f.From.IsZero() && v.Start.Before(f.From.Truncate(time.Millisecond)),
		!f.To.IsZero() && !v.Start.Before(f.To.Truncate(time.Millisecond)),
		len(f.Statuses) > 0 && !slices.Contains(f.Statuses, v.Status):
		return false
	}
	return true
}

// findVisits is Visits on the database.
func (s *Store) findVisits(ctx context.Context, f models.VisitFilter) ([]models.Visit, error) {
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
	return findAll[models.Visit](ctx, s.visits(), filter, opts)
}

// CreateVisit stores a new visit under v.ID (its request's id), setting
// Version to 1 and the update stamp. A visit that exists already is a
// models.ErrConflict.
func (s *Store) CreateVisit(ctx context.Context, v *models.Visit) error {
	v.Version, v.UpdatedAt = 1, s.timestamp()
	err := s.through(ctx, visitsCollection, v.ID, func() (any, error) {
		_, err := s.visits().InsertOne(ctx, v)
		if isDuplicate(err) {
			err = &models.ConflictError{Message: fmt.Sprintf("visit %s exists already", v.ID)}
		}
		return v, err
	})
	if err != nil {
		return fmt.Errorf("create visit %s: %w", v.ID, err)
	}
	return nil
}

// UpdateVisit replaces visit v.ID with v, provided the stored version is
// still v.Version; on success v carries the new version and stamp.
func (s *Store) UpdateVisit(ctx context.Context, v *models.Visit) error {
	next := *v
	next.Version, next.UpdatedAt = v.Version+1, s.timestamp()
	err := s.throughGuarded(ctx, visitsCollection, v.ID, func(g *guard) (any, error) {
		return &next, replaceVersioned(ctx, g, s.visits(), v.ID, v.Version, &next, "visit id taken")
	})
	if err != nil {
		return fmt.Errorf("update visit %s: %w", v.ID, err)
	}
	*v = next
	return nil
}
