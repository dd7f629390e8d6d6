package store

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/fieldvisit/fieldvisit/models"
)

func (s *Store) users() *mongo.Collection { return s.db.Collection(usersCollection) }

// usersMirror keeps the accounts in the read model, found by e-mail (as
// stored: lower case), trainer and clinic too.
func usersMirror() mirrorSpec {
	return mirrorSpec{
		collection: usersCollection,
		decode:     decodeAs[models.User],
		indexes: map[string]func(any) (string, bool){
			"email":   func(d any) (string, bool) { return d.(*models.User).Email, true },
			"trainer": func(d any) (string, bool) { return d.(*models.User).TrainerID, d.(*models.User).TrainerID != "" },
			"clinic":  func(d any) (string, bool) { return d.(*models.User).ClinicID, d.(*models.User).ClinicID != "" },
		},
	}
}

// normalizeEmail is the form an account's e-mail is stored and looked up in.
// Lower case makes the unique index case-insensitive without collations,
// which the embedded server gets wrong.
func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser stores a new account, setting its ID, Version (1) and creation
// stamp and lower-casing its e-mail. An e-mail that is already registered is
// a models.ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u *models.User) error {
	u.ID, u.Version, u.CreatedAt = newID(), 1, s.timestamp()
	u.Email = normalizeEmail(u.Email)
	err := s.through(ctx, usersCollection, u.ID, func() (any, error) {
		_, err := s.users().InsertOne(ctx, u)
		if isDuplicate(err) {
			err = &models.ConflictError{Message: fmt.Sprintf("e-mail %s is already registered", u.Email)}
		}
		return u, err
	})
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// User returns the account with the given id.
func (s *Store) User(ctx context.Context, id string) (*models.User, error) {
	u, err := loadByID[models.User](ctx, s, usersCollection, id)
	if err != nil {
		return nil, fmt.Errorf("load user %s: %w", id, err)
	}
	return u, nil
}

// UserByEmail returns the account registered with email, compared without
// regard to case.
func (s *Store) UserByEmail(ctx context.Context, email string) (*models.User, error) {
	if t := s.mirrored(usersCollection); t != nil {
		// The unique index on the stored (lower-case) e-mail allows one.
		list, err := mirrorScan[models.User]{index: "email", key: normalizeEmail(email), limit: 1}.list(s, t)
		if err == nil && len(list) == 0 {
			err = models.ErrNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("load user by e-mail: %w", err)
		}
		return &list[0], nil
	}
	var u models.User
	err := s.users().FindOne(ctx, bson.D{{Key: "email", Value: normalizeEmail(email)}}).Decode(&u)
	if err != nil {
		return nil, fmt.Errorf("load user by e-mail: %w", notFound(err))
	}
	return &u, nil
}

// Users returns one page of accounts ordered by id.
func (s *Store) Users(ctx context.Context, p models.Page) ([]models.User, error) {
	var (
		list []models.User
		err  error
	)
	if t := s.mirrored(usersCollection); t != nil {
		list, err = mirrorScan[models.User]{after: p.After, limit: pageLimit(p)}.list(s, t)
	} else {
		filter, opts := pageOptions(bson.D{}, p)
		list, err = findAll[models.User](ctx, s.users(), filter, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return list, nil
}

// CountUsers counts the accounts; zero means a fresh installation.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var (
		n   int64
		err error
	)
	if t := s.mirrored(usersCollection); t != nil {
		n, err = mirrorScan[models.User]{}.count(s, t)
	} else {
		n, err = s.users().CountDocuments(ctx, bson.D{})
	}
	if err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// UpdateUser replaces account u if it is still at u.Version (the password
// or language changed by its owner), bumping the version; the e-mail is
// stored lower-cased as on creation. A stale version is a
// models.ErrConflict.
func (s *Store) UpdateUser(ctx context.Context, u *models.User) error {
	current, err := s.User(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, err)
	}
	if current.Version != u.Version {
		return fmt.Errorf("update user %s: %w", u.ID, staleVersion(u.Version, current.Version))
	}
	next := *u
	next.Email = normalizeEmail(u.Email)
	next.Version, next.CreatedAt = u.Version+1, current.CreatedAt
	err = s.throughGuarded(ctx, usersCollection, u.ID, func(g *guard) (any, error) {
		return &next, replaceVersioned(ctx, g, s.users(), u.ID, u.Version, &next, "the e-mail is already registered")
	})
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, err)
	}
	*u = next
	return nil
}
