package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/fieldvisit/fieldvisit/models"
)

func (s *Store) clinics() *mongo.Collection { return s.db.Collection(clinicsCollection) }

// clinicsMirror keeps the clinics in the read model, found by district too.
func clinicsMirror() mirrorSpec {
	return mirrorSpec{
		collection: clinicsCollection,
		decode:     decodeAs[models.Clinic],
		indexes: map[string]func(any) (string, bool){
			// A clinic without a district is never selected by one.
			"district": func(d any) (string, bool) {
				district := d.(*models.Clinic).District
				return district, district != ""
			},
		},
	}
}

// CreateClinic stores a new clinic, setting its ID, Version (1) and time
// stamps.
func (s *Store) CreateClinic(ctx context.Context, c *models.Clinic) error {
	now := s.timestamp()
	c.ID, c.Version, c.CreatedAt, c.UpdatedAt = newID(), 1, now, now
	err := s.through(ctx, clinicsCollection, c.ID, func() (any, error) {
		_, err := s.clinics().InsertOne(ctx, c)
		return c, err
	})
	if err != nil {
		return fmt.Errorf("create clinic: %w", err)
	}
	return nil
}

// Clinic returns the clinic with the given id.
func (s *Store) Clinic(ctx context.Context, id string) (*models.Clinic, error) {
	c, err := loadByID[models.Clinic](ctx, s, clinicsCollection, id)
	if err != nil {
		return nil, fmt.Errorf("load clinic %s: %w", id, err)
	}
	return c, nil
}

// Clinics returns one page of clinics ordered by id.
func (s *Store) Clinics(ctx context.Context, f models.ClinicFilter, p models.Page) ([]models.Clinic, error) {
	var (
		list []models.Clinic
		err  error
	)
	if t := s.mirrored(clinicsCollection); t != nil {
		q := mirrorScan[models.Clinic]{after: p.After, limit: pageLimit(p)}
		if f.District != "" {
			q.index, q.key = "district", f.District
		}
		list, err = q.list(s, t)
	} else {
		filter := bson.D{}
		if f.District != "" {
			filter = append(filter, bson.E{Key: "district", Value: f.District})
		}
		filter, opts := pageOptions(filter, p)
		list, err = findAll[models.Clinic](ctx, s.clinics(), filter, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("list clinics: %w", err)
	}
	return list, nil
}

// UpdateClinic replaces the clinic c.ID with c, provided the stored version
// is still c.Version; on success c carries the new version and stamp. The
// creation stamp is kept from the stored document.
func (s *Store) UpdateClinic(ctx context.Context, c *models.Clinic) error {
	current, err := s.Clinic(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("update clinic %s: %w", c.ID, err)
	}
	if current.Version != c.Version {
		return fmt.Errorf("update clinic %s: %w", c.ID, staleVersion(c.Version, current.Version))
	}
	next := *c
	next.Version, next.CreatedAt, next.UpdatedAt = c.Version+1, current.CreatedAt, s.timestamp()
	err = s.throughGuarded(ctx, clinicsCollection, c.ID, func(g *guard) (any, error) {
		return &next, replaceVersioned(ctx, g, s.clinics(), c.ID, c.Version, &next, "the clinic conflicts with another one")
	})
	if err != nil {
		return fmt.Errorf("update clinic %s: %w", c.ID, err)
	}
	*c = next
	return nil
}

// DeleteClinic deletes clinic id if it is still at version.
func (s *Store) DeleteClinic(ctx context.Context, id string, version int64) error {
	err := s.throughGuarded(ctx, clinicsCollection, id, func(g *guard) (any, error) {
		return removed{}, deleteVersioned(ctx, g, s.clinics(), id, version)
	})
	if err != nil {
		return fmt.Errorf("delete clinic %s: %w", id, err)
	}
	return nil
}
