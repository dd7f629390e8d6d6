package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

// AbsencesBetween returns every trainer's absences that touch the days
// from..to, earliest first: the coordinator's board lists a week's with
// one query rather than one per trainer.
func (s *Store) AbsencesBetween(ctx context.Context, from, to models.Date) ([]models.Absence, error) {
	var (
		list []models.Absence
		err  error
	)
	if t := s.mirrored(absencesCollection); t != nil {
		list, err = mirrorAbsences(s, t, mirrorScan[models.Absence]{keep: func(a *models.Absence) bool {
			return a.From <= to && a.To >= from
		}})
	} else {
		filter := bson.D{{Key: "from", Value: bson.D{{Key: "$lte", Value: to}}}, {Key: "to", Value: bson.D{{Key: "$gte", Value: from}}}}
		opts := options.Find().SetSort(bson.D{{Key: "from", Value: 1}, {Key: "_id", Value: 1}})
		list, err = findAll[models.Absence](ctx, s.absences(), filter, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("list absences between %s and %s: %w", from, to, err)
	}
	return list, nil
}
