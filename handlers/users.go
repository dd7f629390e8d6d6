package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// Password limits, in characters as the OpenAPI counts them. bcrypt reads
// only the first 72 bytes, so a password must also fit in 72 bytes of UTF-8:
// a longer one would be checked only in part. The two limits get their own
// messages (passwordProblem).
const (
	minPasswordLength = 8
	maxPasswordLength = 72
	maxPasswordBytes  = 72
)

// passwordProblem says what is wrong with a new password: "length" (not 8
// to 72 characters), "bytes" (over bcrypt's 72 bytes) or "" (nothing).
func passwordProblem(pw string) string {
	if n := models.TextLength(pw); n < minPasswordLength || n > maxPasswordLength {
		return "length"
	}
	if len(pw) > maxPasswordBytes {
		return "bytes"
	}
	return ""
}

// PasswordError explains passwordProblem in English, for the API and the
// command line; nil when the password is acceptable.
func PasswordError(pw string) error {
	switch passwordProblem(pw) {
	case "length":
		return fmt.Errorf("must be %d to %d characters long", minPasswordLength, maxPasswordLength)
	case "bytes":
		return fmt.Errorf("must fit in %d bytes of UTF-8 (the bcrypt limit); letters outside Latin take 2 or more bytes each, so use fewer of them", maxPasswordBytes)
	}
	return nil
}

// UserParams is the body of POST /users.
type UserParams struct {
	Email     string      `json:"email"`
	Name      string      `json:"name"`
	Password  string      `json:"password"`
	Role      models.Role `json:"role"`
	TrainerID string      `json:"trainer_id"`
	ClinicID  string      `json:"clinic_id"`
	Lang      string      `json:"lang"`
}

// listUsers answers accounts by id.
func (s *Server) listUsers(c *gin.Context) error {
	q := c.Request.URL.Query()
	page, err := pageParams(q)
	if err != nil {
		return err
	}
	items, err := s.users.Users(c, page)
	if err != nil {
		return err
	}
	out := pageOf(items, page, func(u models.User) string { return u.ID })
	writeJSON(c, http.StatusOK, out)
	return nil
}

// createUser makes an account; a trainer or clinic account must point at an
// existing trainer or clinic. A taken e-mail answers 409.
func (s *Server) createUser(c *gin.Context) error {
	var p UserParams
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	u, err := s.newAccount(c, p)
	if err != nil {
		return err
	}
	if err := s.users.CreateUser(c, u); err != nil {
		return err
	}
	noteAudit(c, "user.create", "user", u.ID, fmt.Sprintf("account %s (%s)", u.Email, u.Role))
	c.Header("Location", c.Request.URL.Path+"/"+u.ID)
	writeJSON(c, http.StatusCreated, u)
	return nil
}

// newAccount checks the params of a new account (the fields, the password's
// length, that its trainer or clinic exists) and makes it with the password
// hashed, not yet stored. The API and the users page both make accounts
// through it, so the rules live here once.
func (s *Server) newAccount(c *gin.Context, p UserParams) (*models.User, error) {
	u := &models.User{Email: strings.TrimSpace(p.Email), Name: p.Name, Role: p.Role,
		TrainerID: p.TrainerID, ClinicID: p.ClinicID, Lang: p.Lang, Version: 1, CreatedAt: s.now().UTC()}
	if u.Lang == "" {
		u.Lang = defaultLang
	}
	v := &models.ValidationError{}
	if err := u.Validate(); err != nil {
		errors.As(err, &v)
	}
	if err := PasswordError(p.Password); err != nil {
		v.Add("password", "%s", err)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.checkUserLink(c, u); err != nil {
		return nil, err
	}
	hash, err := hashPassword(p.Password, s.passwordCost)
	if err != nil {
		return nil, err
	}
	u.PasswordHash = hash
	return u, nil
}

// checkUserLink checks that the trainer or clinic an account names exists.
func (s *Server) checkUserLink(c *gin.Context, u *models.User) error {
	v := &models.ValidationError{}
	var err error
	switch u.Role {
	case models.RoleTrainer:
		if _, err = s.trainers.Trainer(c, u.TrainerID); errors.Is(err, models.ErrNotFound) {
			v.Add("trainer_id", "no trainer has id %s", u.TrainerID)
			err = nil
		}
	case models.RoleClinic:
		if _, err = s.clinics.Clinic(c, u.ClinicID); errors.Is(err, models.ErrNotFound) {
			v.Add("clinic_id", "no clinic has id %s", u.ClinicID)
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("check account link: %w", err)
	}
	return v.Err()
}

// getUser answers one account.
func (s *Server) getUser(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u, err := s.users.User(c, id)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, u)
	return nil
}
