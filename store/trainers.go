package store

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/fieldvisit/fieldvisit/models"
)

func (s *Store) trainers() *mongo.Collection { return s.db.Collection(trainersCollection) }

// trainersMirror keeps the trainers in the read model. They are few (tens),
// so their lists test each row and need no secondary index.
func trainersMirror() mirrorSpec {
	return mirrorSpec{collection: trainersCollection, decode: decodeAs[models.Trainer]}
}

// CreateTrainer stores a new trainer, setting its ID, Version (1) and time
// stamps and lower-casing its e-mail. A trainer whose e-mail is taken, in
// any case, is a models.ErrConflict.
func (s *Store) CreateTrainer(ctx context.Context, t *models.Trainer) error {
	t.Email = normalizeEmail(t.Email)
	if err := s.checkTrainerEmail(ctx, t.Email, ""); err != nil {
		return fmt.Errorf("create trainer: %w", err)
	}
	now := s.timestamp()
	t.ID, t.Version, t.CreatedAt, t.UpdatedAt = newID(), 1, now, now
	err := s.through(ctx, trainersCollection, t.ID, func() (any, error) {
		_, err := s.trainers().InsertOne(ctx, t)
		if isDuplicate(err) {
			err = trainerEmailTaken(t.Email)
		}
		return t, err
	})
	if err != nil {
		return fmt.Errorf("create trainer: %w", err)
	}
	return nil
}

func trainerEmailTaken(email string) error {
	return &models.ConflictError{Message: fmt.Sprintf("a trainer with e-mail %s already exists", email)}
}

// checkTrainerEmail refuses email (lower case) when a trainer other than
// exceptID has it in any case. New e-mails are stored in lower case, where
// the unique index compares them; trainers stored before that may still
// have capitals, which only a case-blind query finds. On the read model the
// comparison is strings.EqualFold: the embedded server matches the anchored
// pattern with Go's regexp, whose (?i) folds runes exactly as EqualFold does.
func (s *Store) checkTrainerEmail(ctx context.Context, email, exceptID string) error {
	var (
		n   int64
		err error
	)
	if t := s.mirrored(trainersCollection); t != nil {
		n, err = mirrorScan[models.Trainer]{keep: func(tr *models.Trainer) bool {
			return strings.EqualFold(tr.Email, email) && (exceptID == "" || tr.ID != exceptID)
		}, limit: 1}.count(s, t)
	} else {
		filter := bson.D{{Key: "email", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(email) + "$"}, {Key: "$options", Value: "i"}}}}
		if exceptID != "" {
			filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$ne", Value: exceptID}}})
		}
		n, err = s.trainers().CountDocuments(ctx, filter)
	}
	if err != nil {
		return fmt.Errorf("check e-mail %s: %w", email, err)
	}
	if n > 0 {
		return trainerEmailTaken(email)
	}
	return nil
}

// Trainer returns the trainer with the given id.
func (s *Store) Trainer(ctx context.Context, id string) (*models.Trainer, error) {
	t, err := loadByID[models.Trainer](ctx, s, trainersCollection, id)
	if err != nil {
		return nil, fmt.Errorf("load trainer %s: %w", id, err)
	}
	return t, nil
}

// Trainers returns one page of trainers ordered by id.
func (s *Store) Trainers(ctx context.Context, f models.TrainerFilter, p models.Page) ([]models.Trainer, error) {
	var (
		list []models.Trainer
		err  error
	)
	if t := s.mirrored(trainersCollection); t != nil {
		q := mirrorScan[models.Trainer]{after: p.After, limit: pageLimit(p)}
		if f.Skill != "" {
			// {skills: x} selects the trainers whose skills hold x.
			q.keep = func(tr *models.Trainer) bool { return slices.Contains(tr.Skills, f.Skill) }
		}
		list, err = q.list(s, t)
	} else {
		filter := bson.D{}
		if f.Skill != "" {
			filter = append(filter, bson.E{Key: "skills", Value: f.Skill})
		}
		filter, opts := pageOptions(filter, p)
		list, err = findAll[models.Trainer](ctx, s.trainers(), filter, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("list trainers: %w", err)
	}
	return list, nil
}

// UpdateTrainer replaces the trainer t.ID with t, provided the stored version
// is still t.Version; on success t carries the new version and stamp. The
// creation stamp is kept from the stored document.
func (s *Store) UpdateTrainer(ctx context.Context, t *models.Trainer) error {
	current, err := s.Trainer(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("update trainer %s: %w", t.ID, err)
	}
	if current.Version != t.Version {
		return fmt.Errorf("update trainer %s: %w", t.ID, staleVersion(t.Version, current.Version))
	}
	next := *t
	next.Email = normalizeEmail(t.Email)
	if err := s.checkTrainerEmail(ctx, next.Email, t.ID); err != nil {
		return fmt.Errorf("update trainer %s: %w", t.ID, err)
	}
	next.Version, next.CreatedAt, next.UpdatedAt = t.Version+1, current.CreatedAt, s.timestamp()
	err = s.throughGuarded(ctx, trainersCollection, t.ID, func(g *guard) (any, error) {
		return &next, replaceVersioned(ctx, g, s.trainers(), t.ID, t.Version, &next, trainerEmailTaken(next.Email).Error())
	})
	if err != nil {
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
	err := s.throughGuarded(ctx, trainersCollection, id, func(g *guard) (any, error) {
		filter, refused := g.narrow(versioned(id, version))
		if refused {
			return nil, whyMissed(ctx, g, s.trainers(), id, version)
		}
		matched, err := findOneAndUpdate(ctx, s.trainers(), filter, update, &t)
		if err == nil && !matched {
			err = whyMissedInDatabase(ctx, s.trainers(), id, version)
		}
		return &t, err
	})
	if err != nil {
		return nil, fmt.Errorf("update availability of trainer %s: %w", id, err)
	}
	return &t, nil
}

// DeleteTrainer deletes trainer id if it is still at version.
func (s *Store) DeleteTrainer(ctx context.Context, id string, version int64) error {
	err := s.throughGuarded(ctx, trainersCollection, id, func(g *guard) (any, error) {
		return removed{}, deleteVersioned(ctx, g, s.trainers(), id, version)
	})
	if err != nil {
		return fmt.Errorf("delete trainer %s: %w", id, err)
	}
	return nil
}
