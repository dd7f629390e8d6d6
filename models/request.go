package models

import (
	"fmt"
	"slices"
	"time"
)

// Kind is what a clinic asks for.
type Kind string

// Request kinds.
const (
	KindOnsiteSupport Kind = "onsite_support"
	KindMicroTraining Kind = "micro_training"
	KindDifficultCase Kind = "difficult_case"
	KindFollowUp      Kind = "follow_up"
)

// Kinds lists the accepted kinds.
var Kinds = []Kind{KindOnsiteSupport, KindMicroTraining, KindDifficultCase, KindFollowUp}

// DefaultDuration is the visit length, in minutes, a request of kind k gets
// when the clinic does not say.
func DefaultDuration(k Kind) int {
	switch k {
	case KindMicroTraining:
		return 45
	case KindDifficultCase:
		return 90
	case KindFollowUp:
		return 60
	default:
		return 120
	}
}

// Priority is how soon a request matters.
type Priority string

// Priorities, strongest first.
const (
	PriorityUrgent Priority = "urgent"
	PriorityHigh   Priority = "high"
	PriorityNormal Priority = "normal"
	PriorityLow    Priority = "low"
)

// Priorities lists the accepted priorities, strongest first.
var Priorities = []Priority{PriorityUrgent, PriorityHigh, PriorityNormal, PriorityLow}

// Status is where a request is in its lifecycle.
type Status string

// Statuses: new → planned → confirmed → done, or cancelled from any open state.
const (
	StatusNew       Status = "new"
	StatusPlanned   Status = "planned"
	StatusConfirmed Status = "confirmed"
	StatusDone      Status = "done"
	StatusCancelled Status = "cancelled"
)

// Statuses lists every status.
var Statuses = []Status{StatusNew, StatusPlanned, StatusConfirmed, StatusDone, StatusCancelled}

// transitions holds the legal moves. A planned or confirmed request may fall
// back (to new or planned) when a newer plan drops or moves its visit.
var transitions = map[Status][]Status{
	StatusNew:       {StatusPlanned, StatusCancelled},
	StatusPlanned:   {StatusConfirmed, StatusNew, StatusCancelled},
	StatusConfirmed: {StatusDone, StatusPlanned, StatusNew, StatusCancelled},
}

// CanTransition reports whether a request may move from one status to another.
func CanTransition(from, to Status) bool {
	return slices.Contains(transitions[from], to)
}

// Open reports whether the request still waits for a visit (new, planned or confirmed).
func (s Status) Open() bool {
	return s == StatusNew || s == StatusPlanned || s == StatusConfirmed
}

// Pin fixes a request in planning, the way coordinators know from mature
// schedulers: to a trainer, to a date, to both, or to an exact start.
type Pin struct {
	TrainerID string     `bson:"trainer_id,omitempty" json:"trainer_id,omitempty"`
	Date      Date       `bson:"date,omitempty" json:"date,omitempty"`
	Start     *TimeOfDay `bson:"start,omitempty" json:"start,omitempty"`
}

// Request is a clinic's ask for on-site support.
type Request struct {
	ID               string    `bson:"_id" json:"id"`
	ClinicID         string    `bson:"clinic_id" json:"clinic_id"`
	Kind             Kind      `bson:"kind" json:"kind"`
	Topic            string    `bson:"topic" json:"topic"`
	Skills           []string  `bson:"skills" json:"skills"`
	DurationMinutes  int       `bson:"duration_minutes" json:"duration_minutes"`
	PreferredWindows Week      `bson:"preferred_windows" json:"preferred_windows"`
	EarliestDate     Date      `bson:"earliest_date" json:"earliest_date"`
	DueDate          Date      `bson:"due_date" json:"due_date"`
	Priority         Priority  `bson:"priority" json:"priority"`
	Participants     int       `bson:"participants,omitempty" json:"participants,omitempty"`
	Comment          string    `bson:"comment,omitempty" json:"comment,omitempty"`
	Status           Status    `bson:"status" json:"status"`
	Pin              *Pin      `bson:"pin,omitempty" json:"pin,omitempty"`
	CreatedBy        string    `bson:"created_by,omitempty" json:"created_by,omitempty"`
	Version          int64     `bson:"version" json:"version"`
	CreatedAt        time.Time `bson:"created_at" json:"created_at"`
	UpdatedAt        time.Time `bson:"updated_at" json:"updated_at"`
}

// Validate checks the fields a clinic or coordinator enters. Whether the
// clinic and a pinned trainer exist is the handler's check against the store.
func (r *Request) Validate() error {
	v := &ValidationError{}
	if !ValidID(r.ClinicID) {
		v.Add("clinic_id", "is required and must be a clinic id")
	}
	if !slices.Contains(Kinds, r.Kind) {
		v.Add("kind", "must be one of onsite_support, micro_training, difficult_case, follow_up")
	}
	validateText(v, "topic", r.Topic, MaxTopicLength, true)
	validateSkills(v, "skills", r.Skills)
	if r.DurationMinutes < 15 || r.DurationMinutes > 8*60 {
		v.Add("duration_minutes", "must be between 15 and 480")
	}
	r.PreferredWindows.validate(v, "preferred_windows")
	if !r.EarliestDate.Valid() {
		v.Add("earliest_date", "must be a date YYYY-MM-DD")
	}
	if !r.DueDate.Valid() {
		v.Add("due_date", "must be a date YYYY-MM-DD")
	}
	if r.EarliestDate.Valid() && r.DueDate.Valid() && r.DueDate < r.EarliestDate {
		v.Add("due_date", "must not be before earliest_date %s", r.EarliestDate)
	}
	if !slices.Contains(Priorities, r.Priority) {
		v.Add("priority", "must be one of urgent, high, normal, low")
	}
	switch {
	case r.Kind == KindMicroTraining && (r.Participants < 1 || r.Participants > 30):
		v.Add("participants", "a micro-training needs 1 to 30 participants")
	case r.Kind != KindMicroTraining && r.Participants != 0:
		v.Add("participants", "only micro-trainings have participants")
	}
	validateTextLines(v, "comment", r.Comment, MaxTextLength, false, true)
	if !slices.Contains(Statuses, r.Status) {
		v.Add("status", "is not a known status")
	}
	if p := r.Pin; p != nil {
		if p.TrainerID == "" && p.Date == "" {
			v.Add("pin", "name a trainer, a date or both")
		}
		if p.TrainerID != "" && !ValidID(p.TrainerID) {
			v.Add("pin.trainer_id", "%q is not an id", p.TrainerID)
		}
		if p.Date != "" && !p.Date.Valid() {
			v.Add("pin.date", "must be a date YYYY-MM-DD")
		}
		if p.Start != nil && (p.TrainerID == "" || p.Date == "") {
			v.Add("pin.start", "an exact time needs both trainer and date")
		}
		if p.Start != nil && (*p.Start < 0 || *p.Start >= 24*60) {
			v.Add("pin.start", "must be a time of day")
		}
	}
	return v.Err()
}

// StatusChangeError builds the conflict for an illegal transition.
func StatusChangeError(from, to Status) error {
	return &ConflictError{Message: fmt.Sprintf("a %s request cannot become %s", from, to)}
}
