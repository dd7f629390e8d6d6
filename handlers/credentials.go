package handlers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// HashPassword hashes a password with bcrypt at the default cost for
// storing in models.User.
func HashPassword(pw string) ([]byte, error) { return hashPassword(pw, bcrypt.DefaultCost) }

func hashPassword(pw string, cost int) ([]byte, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// NewToken makes a credential: secret goes to its owner once, hash (its
// SHA-256, hex) is what models.Token.Hash stores and lookups use.
func NewToken() (secret, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	secret = base64.RawURLEncoding.EncodeToString(b[:])
	return secret, TokenHash(secret)
}

// TokenHash returns the stored form of a token secret.
func TokenHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewID returns a fresh 24-hex-digit id, the shape of every id in the API;
// token ids use it because they are not ObjectIDs minted by the store.
func NewID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// csrfToken derives a session's CSRF token from its secret. A page can read
// it from the non-HttpOnly cookie; another site can neither read it nor
// compute it without the HttpOnly session secret, and a cookie planted by
// a sibling domain does not match the victim's session.
func csrfToken(sessionSecret string) string {
	sum := sha256.Sum256([]byte("fieldvisit-csrf\x00" + sessionSecret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// defaultDummyHash is a bcrypt hash at the default cost of a password no
// account has (see Server.dummyHash).
const defaultDummyHash = "$2a$10$twJfDgSylfnjEMb4rLJLCObLGJjmc1ZQQN/aK73TYWkCpJqdm29L2"
