package models

import (
	"strings"
	"time"
)

// ChangeStatus is where a clinic's change request stands.
type ChangeStatus string

// Change request statuses: pending until a coordinator accepts or declines.
const (
	ChangePending  ChangeStatus = "pending"
	ChangeAccepted ChangeStatus = "accepted"
	ChangeDeclined ChangeStatus = "declined"
)

// ChangeStatuses lists every change request status.
var ChangeStatuses = []ChangeStatus{ChangePending, ChangeAccepted, ChangeDeclined}

// ChangeRequest is a clinic's ask to change a booked request's wishes. The
// booked visit stays as it is until a coordinator decides: accepting applies
// the new windows to the request and re-places it in a repair draft;
// declining tells the clinic why.
type ChangeRequest struct {
	ID               string       `bson:"_id" json:"id"`
	RequestID        string       `bson:"request_id" json:"request_id"`
	ClinicID         string       `bson:"clinic_id" json:"clinic_id"`
	PreferredWindows Week         `bson:"preferred_windows" json:"preferred_windows"`
	Comment          string       `bson:"comment,omitempty" json:"comment,omitempty"`
	Status           ChangeStatus `bson:"status" json:"status"`
	// PreviousWindows are the request's windows when it was filed.
	PreviousWindows Week   `bson:"previous_windows" json:"previous_windows"`
	DeclineReason   string `bson:"decline_reason,omitempty" json:"decline_reason,omitempty"`
	// Draft is the repair draft made on acceptance.
	Draft     *PlanRef   `bson:"draft,omitempty" json:"draft,omitempty"`
	CreatedBy string     `bson:"created_by,omitempty" json:"created_by,omitempty"`
	DecidedBy string     `bson:"decided_by,omitempty" json:"decided_by,omitempty"`
	CreatedAt time.Time  `bson:"created_at" json:"created_at"`
	DecidedAt *time.Time `bson:"decided_at,omitempty" json:"decided_at,omitempty"`
	Version   int64      `bson:"version" json:"version"`
}

// Validate checks what the clinic enters.
func (cr *ChangeRequest) Validate() error {
	v := &ValidationError{}
	cr.PreferredWindows.validate(v, "preferred_windows")
	if cr.PreferredWindows.IsEmpty() && strings.TrimSpace(cr.Comment) == "" {
		v.Add("preferred_windows", "give the new windows or say in the comment what should change")
	}
	if len(cr.Comment) > 4000 {
		v.Add("comment", "must be at most 4000 characters")
	}
	return v.Err()
}

// ChangeRequestFilter narrows a list of change requests.
type ChangeRequestFilter struct {
	RequestID string
	ClinicID  string
	Status    ChangeStatus
}
