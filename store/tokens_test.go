package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock := newStore(t)
	const alice, bob = "aaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb"

	newToken := func(hash, user string, kind models.TokenKind, ttl time.Duration) *models.Token {
		tok := &models.Token{Hash: hash, UserID: user, Kind: kind, Name: "script", ExpiresAt: clock.Now().Add(ttl)}
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	session := newToken("hash-session", alice, models.TokenSession, time.Hour)
	api := newToken("hash-api", alice, models.TokenAPI, 30*24*time.Hour)
	bobs := newToken("hash-bob", bob, models.TokenAPI, 30*24*time.Hour)
	if !models.ValidID(session.ID) || session.ID == api.ID {
		t.Fatalf("token ids %q and %q", session.ID, api.ID)
	}
	err := s.CreateToken(ctx, &models.Token{Hash: "hash-api", UserID: bob, Kind: models.TokenAPI, ExpiresAt: clock.Now().Add(time.Hour)})
	if !errors.Is(err, models.ErrConflict) {
		t.Errorf("second token with the same hash: got %v, want a conflict", err)
	}

	got, err := s.Token(ctx, "hash-session")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, session) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, session)
	}
	list, err := s.Tokens(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != session.ID || list[1].ID != api.ID {
		t.Errorf("alice's tokens %+v, want the session and the API token", list)
	}

	// The session expires; the API token does not yet.
	clock.Advance(time.Hour)
	if _, err := s.Token(ctx, "hash-session"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("expired session: got %v, want ErrNotFound", err)
	}
	if list, err := s.Tokens(ctx, alice); err != nil || len(list) != 1 || list[0].ID != api.ID {
		t.Errorf("alice's tokens after the session expired: %+v, %v", list, err)
	}
	if n, err := s.DeleteExpiredTokens(ctx); err != nil || n != 1 {
		t.Errorf("DeleteExpiredTokens removed %d, %v; want 1", n, err)
	}

	// Revoking by id only works on one's own tokens.
	if err := s.DeleteTokenByID(ctx, alice, bobs.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("alice revoking bob's token: got %v, want ErrNotFound", err)
	}
	if _, err := s.Token(ctx, "hash-bob"); err != nil {
		t.Errorf("bob's token after alice's attempt: %v", err)
	}
	if err := s.DeleteTokenByID(ctx, alice, api.ID); err != nil {
		t.Errorf("alice revoking her token: %v", err)
	}
	if _, err := s.Token(ctx, "hash-api"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("revoked token: got %v, want ErrNotFound", err)
	}

	if err := s.DeleteToken(ctx, "hash-bob"); err != nil {
		t.Errorf("logout: %v", err)
	}
	if err := s.DeleteToken(ctx, "hash-bob"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("second logout: got %v, want ErrNotFound", err)
	}
	if _, err := s.Token(ctx, "hash-unknown"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown token: got %v, want ErrNotFound", err)
	}
}

// TestTokenByID: a feed token (no user) is found by its public id with its
// secret, only while unexpired, and not under another user.
func TestTokenByID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock := newStore(t)
	feed := &models.Token{Hash: "hash-feed", ID: "feed-aaaaaaaaaaaaaaaaaaaaaaaa", Kind: models.TokenFeed,
		ExpiresAt: clock.Now().Add(time.Hour), Secret: "the-secret"}
	if err := s.CreateToken(ctx, feed); err != nil {
		t.Fatal(err)
	}
	got, err := s.TokenByID(ctx, "", feed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, feed) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, feed)
	}
	if _, err := s.TokenByID(ctx, "bbbbbbbbbbbbbbbbbbbbbbbb", feed.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("under another user: got %v, want ErrNotFound", err)
	}
	if _, err := s.TokenByID(ctx, "", "feed-bbbbbbbbbbbbbbbbbbbbbbbb"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown id: got %v, want ErrNotFound", err)
	}
	clock.Advance(time.Hour)
	if _, err := s.TokenByID(ctx, "", feed.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("expired: got %v, want ErrNotFound", err)
	}
}
