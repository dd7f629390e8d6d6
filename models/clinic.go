package models

import (
	"fmt"
	"slices"
	"time"
)

// Clinic is a polyclinic that asks for support.
type Clinic struct {
	ID            string   `bson:"_id" json:"id"`
	Name          string   `bson:"name" json:"name"`
	Place         Place    `bson:"place" json:"place"`
	District      string   `bson:"district,omitempty" json:"district,omitempty"`
	ContactEmails []string `bson:"contact_emails" json:"contact_emails"`
	// Phone is the contact number a trainer calls on the way.
	Phone             string    `bson:"phone,omitempty" json:"phone,omitempty"`
	Hours             Week      `bson:"hours" json:"hours"`
	PreferredTrainers []string  `bson:"preferred_trainers,omitempty" json:"preferred_trainers,omitempty"`
	Notes             string    `bson:"notes,omitempty" json:"notes,omitempty"`
	Lang              string    `bson:"lang" json:"lang"`
	Version           int64     `bson:"version" json:"version"`
	CreatedAt         time.Time `bson:"created_at" json:"created_at"`
	UpdatedAt         time.Time `bson:"updated_at" json:"updated_at"`
}

// Validate checks every field a person enters; whether preferred trainers
// exist is checked by the handler against the store.
func (c *Clinic) Validate() error {
	v := &ValidationError{}
	validateText(v, "name", c.Name, MaxNameLength, true)
	validateText(v, "district", c.District, MaxShortLength, false)
	c.Place.validate(v, "place")
	if len(c.ContactEmails) == 0 {
		v.Add("contact_emails", "at least one contact e-mail is required")
	}
	for i, e := range c.ContactEmails {
		field := fmt.Sprintf("contact_emails[%d]", i)
		validateEmail(v, field, e, true)
		if slices.ContainsFunc(c.ContactEmails[:i], func(o string) bool { return SameEmail(o, e) }) {
			v.Add(field, "%s is listed twice", e)
		}
	}
	if len(c.Phone) > 40 {
		v.Add("phone", "must be at most 40 characters")
	}
	if c.Hours.IsEmpty() {
		v.Add("hours", "opening hours are required")
	}
	c.Hours.validate(v, "hours")
	for i, id := range c.PreferredTrainers {
		if !ValidID(id) {
			v.Add(fmt.Sprintf("preferred_trainers[%d]", i), "%q is not an id", id)
		}
	}
	validateTextLines(v, "notes", c.Notes, MaxTextLength, false, true)
	validateLang(v, "lang", c.Lang)
	return v.Err()
}

// ValidID reports whether s has the form of a document id (24 hex digits).
func ValidID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}
