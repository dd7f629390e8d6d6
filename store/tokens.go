package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

func (s *Store) tokens() *mongo.Collection { return s.db.Collection(tokensCollection) }

// tokensMirror keeps the credentials in the read model, found by user too.
// Token(hash), asked on every authenticated call, is a lookup by _id.
func tokensMirror() mirrorSpec {
	return mirrorSpec{
		collection: tokensCollection,
		decode:     decodeAs[models.Token],
		indexes: map[string]func(any) (string, bool){
			// Feed tokens belong to no user: their key is "".
			"user": func(d any) (string, bool) { return d.(*models.Token).UserID, true },
		},
	}
}

// CreateToken stores a credential keyed by its hash (t.Hash, set by the
// caller). It sets the creation stamp and, when empty, the public ID.
func (s *Store) CreateToken(ctx context.Context, t *models.Token) error {
	if t.ID == "" {
		t.ID = newID()
	}
	t.CreatedAt = s.timestamp()
	err := s.through(ctx, tokensCollection, t.Hash, func() (any, error) {
		_, err := s.tokens().InsertOne(ctx, t)
		if isDuplicate(err) {
			err = &models.ConflictError{Message: "the token already exists"}
		}
		return t, err
	})
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

// Token returns the unexpired credential with the given hash; an expired
// one is models.ErrNotFound, exactly like an unknown one.
func (s *Store) Token(ctx context.Context, hash string) (*models.Token, error) {
	t, err := loadByID[models.Token](ctx, s, tokensCollection, hash)
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
	err := s.through(ctx, tokensCollection, hash, func() (any, error) {
		res, err := s.tokens().DeleteOne(ctx, bson.D{{Key: "_id", Value: hash}})
		if err == nil && res.DeletedCount == 0 {
			err = models.ErrNotFound
		}
		return removed{}, err
	})
	if err != nil {
		return fmt.Errorf("delete token: %w", err)
	}
	return nil
}

// unexpiredOf selects, on the read model, the credentials of userID (and
// with tokenID, when not empty) that expire after now: the rows the
// database queries of Tokens and TokenByID select.
func unexpiredOf(userID, tokenID string, now time.Time) mirrorScan[models.Token] {
	return mirrorScan[models.Token]{index: "user", key: userID, keep: func(t *models.Token) bool {
		return t.UserID == userID && (tokenID == "" || t.ID == tokenID) && t.ExpiresAt.After(now)
	}}
}

// Tokens returns the unexpired credentials of a user, sessions and API
// tokens alike, oldest first.
func (s *Store) Tokens(ctx context.Context, userID string) ([]models.Token, error) {
	var (
		list []models.Token
		err  error
	)
	if t := s.mirrored(tokensCollection); t != nil {
		var rows []*row
		rows, err = unexpiredOf(userID, "", s.timestamp()).rows(s, t)
		if err == nil {
			// token_id is unique, so it orders the list completely.
			slices.SortStableFunc(rows, func(a, b *row) int {
				return strings.Compare(a.Doc.(*models.Token).ID, b.Doc.(*models.Token).ID)
			})
			list, err = mirrorDecode[models.Token](t, rows)
		}
	} else {
		filter := bson.D{
			{Key: "user_id", Value: userID},
			{Key: "expires_at", Value: bson.D{{Key: "$gt", Value: s.timestamp()}}},
		}
		opts := options.Find().SetSort(bson.D{{Key: "token_id", Value: 1}})
		list, err = findAll[models.Token](ctx, s.tokens(), filter, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("list tokens of user %s: %w", userID, err)
	}
	return list, nil
}

// TokenByID returns a user's unexpired credential by its public id; an
// expired one is models.ErrNotFound like a missing one. Feed tokens belong
// to no user (userID "").
func (s *Store) TokenByID(ctx context.Context, userID, tokenID string) (*models.Token, error) {
	var (
		list []models.Token
		err  error
	)
	if t := s.mirrored(tokensCollection); t != nil {
		q := unexpiredOf(userID, tokenID, s.timestamp())
		q.limit = 1
		list, err = q.list(s, t)
	} else {
		filter := bson.D{
			{Key: "user_id", Value: userID},
			{Key: "token_id", Value: tokenID},
			{Key: "expires_at", Value: bson.D{{Key: "$gt", Value: s.timestamp()}}},
		}
		list, err = findAll[models.Token](ctx, s.tokens(), filter, options.Find().SetLimit(1))
	}
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
	filter := bson.D{{Key: "user_id", Value: userID}, {Key: "token_id", Value: tokenID}}
	// The read model follows a write by the document's _id, the hash, which
	// it knows; without it (or while it is stale) the write names no hash
	// and a stale copy reloads after it.
	hash := ""
	if t := s.mirrored(tokensCollection); t != nil {
		rows, err := mirrorScan[models.Token]{index: "user", key: userID, limit: 1, keep: func(tk *models.Token) bool {
			return tk.ID == tokenID
		}}.rows(s, t)
		if err == nil && len(rows) == 0 {
			err = models.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("delete token %s of user %s: %w", tokenID, userID, err)
		}
		hash = rows[0].ID
		filter = append(bson.D{{Key: "_id", Value: hash}}, filter...)
	}
	err := s.throughGuarded(ctx, tokensCollection, hash, func(g *guard) (any, error) {
		send, refused := g.narrow(filter)
		if refused {
			return nil, models.ErrNotFound
		}
		res, err := s.tokens().DeleteOne(ctx, send)
		if err == nil && res.DeletedCount == 0 {
			err = models.ErrNotFound
		}
		return removed{}, err
	})
	if err != nil {
		return fmt.Errorf("delete token %s of user %s: %w", tokenID, userID, err)
	}
	return nil
}

// DeleteExpiredTokens removes the credentials that have expired and returns
// how many went. Neither server may rely on TTL indexes (the embedded one
// has none), so a periodic job calls this to keep the collection small. The
// read model reloads the collection afterwards, once per sweep.
func (s *Store) DeleteExpiredTokens(ctx context.Context) (int64, error) {
	filter := bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lte", Value: s.timestamp()}}}}
	var n int64
	err := s.throughAll(ctx, tokensCollection, func() error {
		res, err := s.tokens().DeleteMany(ctx, filter)
		if err != nil {
			return err
		}
		n = res.DeletedCount
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired tokens: %w", err)
	}
	return n, nil
}
