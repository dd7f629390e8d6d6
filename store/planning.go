package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

// The planner reads every trainer, clinic and open request of a week. It
// does so in one query each, ordered by id like the paged lists: paging
// through them costs the embedded database a full scan and sort per page,
// which made loading grow with the square of the requests (2 s for 500
// clinics in three pages of 200).

// idOrder orders a list like the paged lists do.
func idOrder() *options.FindOptionsBuilder {
	return options.Find().SetSort(bson.D{{Key: "_id", Value: 1}})
}

// AllTrainers lists every trainer, ordered by id.
func (s *Store) AllTrainers(ctx context.Context) ([]models.Trainer, error) {
	var (
		list []models.Trainer
		err  error
	)
	if t := s.mirrored(trainersCollection); t != nil {
		list, err = mirrorScan[models.Trainer]{}.list(s, t)
	} else {
		list, err = findAll[models.Trainer](ctx, s.trainers(), bson.D{}, idOrder())
	}
	if err != nil {
		return nil, fmt.Errorf("list all trainers: %w", err)
	}
	return list, nil
}

// AllClinics lists every clinic, ordered by id.
func (s *Store) AllClinics(ctx context.Context) ([]models.Clinic, error) {
	var (
		list []models.Clinic
		err  error
	)
	if t := s.mirrored(clinicsCollection); t != nil {
		list, err = mirrorScan[models.Clinic]{}.list(s, t)
	} else {
		list, err = findAll[models.Clinic](ctx, s.clinics(), bson.D{}, idOrder())
	}
	if err != nil {
		return nil, fmt.Errorf("list all clinics: %w", err)
	}
	return list, nil
}

// AllRequests lists every request matching f, ordered by id.
func (s *Store) AllRequests(ctx context.Context, f models.RequestFilter) ([]models.Request, error) {
	var (
		list []models.Request
		err  error
	)
	if t := s.mirrored(requestsCollection); t != nil {
		list, err = requestScan(f).list(s, t)
	} else {
		list, err = findAll[models.Request](ctx, s.requests(), requestQuery(f), idOrder())
	}
	if err != nil {
		return nil, fmt.Errorf("list all requests: %w", err)
	}
	return list, nil
}
