package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

func (s *Store) tokens() *mongo.Collection { return s.db.Collection(tokensCollection) }

// CreateToken stores a credential keyed by its hash (t.Hash, set by the
// caller). It sets the creation stamp and, when empty, the public ID.
func (s *Store) CreateToken(ctx context.Context, t *models.Token) error {
	if t.ID == "" {
		t.ID = newID()
	}
	t.CreatedAt = s.timestamp()
	if _, err := s.tokens().InsertOne(ctx, t); err != nil {
		if isDuplicate(err) {
			err = &models.ConflictError{Message: "the token already exists"}
		}
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

// Token returns the unexpired credential with the given hash; an expired
// one is models.ErrNotFound, exactly like an unknown one.
func (s *Store) Token(ctx context.Context, hash string) (*models.Token, error) {
	t, err := findByID[models.Token](ctx, s.tokens(), hash)
	if err != nil {
		return nil, fmt.Errorf("load token: %w", err)
	}
	if !s.now().Before(t.ExpiresAt) {
		return nil, fmt.Errorf("load token: expired: %w", models.ErrNotFound)
	}
	return t, nil
}

// DeleteToken deletes the credential with the given hash (a logout).
func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	res, err := s.tokens().DeleteOne(ctx, bson.D{{Key: "_id", Value: hash}})
	if err == nil && res.DeletedCount == 0 {
		err = models.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete token: %w", err)
	}
	return nil
}

// Tokens returns the unexpired credentials of a user, sessions and API
// tokens alike, oldest first.
func (s *Store) Tokens(ctx context.Context, userID string) ([]models.Token, error) {
	filter := bson.D{
		{Key: "user_id", Value: userID},
		{Key: "expires_at", Value: bson.D{{Key: "$gt", Value: s.timestamp()}}},
	}
	opts := options.Find().SetSort(bson.D{{Key: "token_id", Value: 1}})
	list, err := findAll[models.Token](ctx, s.tokens(), filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list tokens of user %s: %w", userID, err)
	}
	return list, nil
}

// TokenByID returns a user's unexpired credential by its public id; an
// expired one is models.ErrNotFound like a missing one. Feed tokens belong
// to no user (userID "").
func (s *Store) TokenByID(ctx context.Context, userID, tokenID string) (*models.Token, error) {
	filter := bson.D{
		{Key: "user_id", Value: userID},
		{Key: "token_id", Value: tokenID},
		{Key: "expires_at", Value: bson.D{{Key: "$gt", Value: s.timestamp()}}},
	}
	list, err := findAll[models.Token](ctx, s.tokens(), filter, options.Find().SetLimit(1))
	if err == nil && len(list) == 0 {
		err = models.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load token %s of user %s: %w", tokenID, userID, err)
	}
	return &list[0], nil
}

// DeleteTokenByID revokes a user's credential by its public id. Another
// user's token is models.ErrNotFound, so ids of others cannot be probed.
func (s *Store) DeleteTokenByID(ctx context.Context, userID, tokenID string) error {
	res, err := s.tokens().DeleteOne(ctx, bson.D{{Key: "user_id", Value: userID}, {Key: "token_id", Value: tokenID}})
	if err == nil && res.DeletedCount == 0 {
		err = models.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete token %s of user %s: %w", tokenID, userID, err)
	}
	return nil
}

// DeleteExpiredTokens removes the credentials that have expired and returns
// how many went. Neither server may rely on TTL indexes (the embedded one
// has none), so a periodic job calls this to keep the collection small.
func (s *Store) DeleteExpiredTokens(ctx context.Context) (int64, error) {
	filter := bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lte", Value: s.timestamp()}}}}
	res, err := s.tokens().DeleteMany(ctx, filter)
	if err != nil {
		return 0, fmt.Errorf("delete expired tokens: %w", err)
	}
	return res.DeletedCount, nil
}
