package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// minPasswordLength applies to accounts made through the API.
const minPasswordLength = 8

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
	out := list[models.User]{Items: nonNil(items)}
	if len(items) > 0 {
		out.Next = nextCursor(len(items), page, items[len(items)-1].ID)
	}
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
	u := &models.User{Email: strings.TrimSpace(p.Email), Name: p.Name, Role: p.Role,
		TrainerID: p.TrainerID, ClinicID: p.ClinicID, Lang: p.Lang, Version: 1, CreatedAt: s.now().UTC()}
	if u.Lang == "" {
		u.Lang = defaultLang
	}
	v := &models.ValidationError{}
	if err := u.Validate(); err != nil {
		errors.As(err, &v)
	}
	if len(p.Password) < minPasswordLength || len(p.Password) > 72 {
		v.Add("password", "must be %d to 72 bytes long", minPasswordLength)
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.checkUserLink(c, u); err != nil {
		return err
	}
	hash, err := hashPassword(p.Password, s.passwordCost)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	if err := s.users.CreateUser(c, u); err != nil {
		return err
	}
	noteAudit(c, "user.create", "user", u.ID, fmt.Sprintf("account %s (%s)", u.Email, u.Role))
	c.Header("Location", c.Request.URL.Path+"/"+u.ID)
	writeJSON(c, http.StatusCreated, u)
	return nil
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
