package models

import (
	"time"
)

// Role decides what a user may see and change.
type Role string

// Roles.
const (
	RoleCoordinator Role = "coordinator"
	RoleTrainer     Role = "trainer"
	RoleClinic      Role = "clinic"
)

// User is an account. A trainer user is linked to a trainer, a clinic user to
// a clinic.
type User struct {
	ID           string    `bson:"_id" json:"id"`
	Email        string    `bson:"email" json:"email"`
	Name         string    `bson:"name" json:"name"`
	PasswordHash []byte    `bson:"password_hash" json:"-"`
	Role         Role      `bson:"role" json:"role"`
	TrainerID    string    `bson:"trainer_id,omitempty" json:"trainer_id,omitempty"`
	ClinicID     string    `bson:"clinic_id,omitempty" json:"clinic_id,omitempty"`
	Lang         string    `bson:"lang" json:"lang"`
	Version      int64     `bson:"version" json:"version"`
	CreatedAt    time.Time `bson:"created_at" json:"created_at"`
	// Disabled marks a deactivated account: it can neither log in nor use
	// its tokens, but stays so that history naming it still resolves.
	Disabled bool `bson:"disabled,omitempty" json:"disabled,omitempty"`
}

// Validate checks the account's fields and its link to a trainer or clinic.
func (u *User) Validate() error {
	v := &ValidationError{}
	validateEmail(v, "email", u.Email, true)
	validateText(v, "name", u.Name, MaxNameLength, true)
	switch u.Role {
	case RoleCoordinator:
		if u.TrainerID != "" || u.ClinicID != "" {
			v.Add("role", "a coordinator is linked to no trainer or clinic")
		}
	case RoleTrainer:
		if !ValidID(u.TrainerID) {
			v.Add("trainer_id", "a trainer account needs a trainer id")
		}
	case RoleClinic:
		if !ValidID(u.ClinicID) {
			v.Add("clinic_id", "a clinic account needs a clinic id")
		}
	default:
		v.Add("role", "must be coordinator, trainer or clinic")
	}
	validateLang(v, "lang", u.Lang)
	return v.Err()
}

// TokenKind tells a browser session from a personal API token.
type TokenKind string

// Token kinds.
const (
	TokenSession TokenKind = "session"
	TokenAPI     TokenKind = "api"
	// TokenFeed opens one trainer's calendar feed and nothing else; it
	// belongs to no user, so it never authenticates an API call.
	TokenFeed TokenKind = "feed"
)

// Token is a credential. Only the SHA-256 of the secret is stored, as _id, so
// a leaked database does not leak usable tokens and a lookup is by _id.
type Token struct {
	Hash      string    `bson:"_id" json:"-"`
	ID        string    `bson:"token_id" json:"id"`
	UserID    string    `bson:"user_id" json:"user_id"`
	Kind      TokenKind `bson:"kind" json:"kind"`
	Name      string    `bson:"name,omitempty" json:"name,omitempty"`
	CreatedAt time.Time `bson:"created_at" json:"created_at"`
	ExpiresAt time.Time `bson:"expires_at" json:"expires_at"`
	// Secret is kept for feed tokens only, whose URL is shown again on
	// request: the feed shows nothing the database does not hold already.
	Secret string `bson:"secret,omitempty" json:"-"`
}
