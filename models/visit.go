package models

import "time"

// VisitStatus is the state of a booked visit.
type VisitStatus string

// Visit statuses.
const (
	VisitScheduled VisitStatus = "scheduled"
	VisitDone      VisitStatus = "done"
	VisitCancelled VisitStatus = "cancelled"
)

// Visit is the published, bookable result for one request: what clinics and
// trainers are told. Its _id is the request id (one visit per request), UID
// is the stable iCalendar UID, and Sequence goes up on every change people
// are told about.
type Visit struct {
	ID           string      `bson:"_id" json:"id"`
	RequestID    string      `bson:"request_id" json:"request_id"`
	ClinicID     string      `bson:"clinic_id" json:"clinic_id"`
	TrainerID    string      `bson:"trainer_id" json:"trainer_id"`
	Week         Date        `bson:"week" json:"week"`
	Date         Date        `bson:"date" json:"date"`
	Start        time.Time   `bson:"start" json:"start"`
	End          time.Time   `bson:"end" json:"end"`
	Kind         Kind        `bson:"kind" json:"kind"`
	Topic        string      `bson:"topic" json:"topic"`
	Participants int         `bson:"participants,omitempty" json:"participants,omitempty"`
	Status       VisitStatus `bson:"status" json:"status"`
	PlanVersion  int         `bson:"plan_version" json:"plan_version"`
	UID          string      `bson:"uid" json:"uid"`
	Sequence     int         `bson:"sequence" json:"sequence"`
	Version      int64       `bson:"version" json:"version"`
	UpdatedAt    time.Time   `bson:"updated_at" json:"updated_at"`
}

// CalendarID is the visit of request id as calendars, mails and links name
// it: "visit-<id>".
func CalendarID(requestID string) string { return "visit-" + requestID }

// VisitUID is the iCalendar UID a visit of request id is stored with when it
// is first published. It is the one place the UID's form is decided: mails
// and feeds read the UID stored on the visit (Visit.CalendarUID), so a UID
// once sent never changes, whatever this function says later.
func VisitUID(requestID string) string { return CalendarID(requestID) + "@fieldvisit" }

// CalendarUID is the UID invitations and feeds give v: the one stored with
// it, or, for a visit stored without one, the UID it would have been given.
func (v *Visit) CalendarUID() string {
	if v.UID != "" {
		return v.UID
	}
	return VisitUID(v.ID)
}

// VisitFilter narrows a list of visits; zero fields do not filter.
type VisitFilter struct {
	// Week selects the visits of the week starting on this Monday.
	Week      Date
	TrainerID string
	ClinicID  string
	// From and To bound the visits' start: From <= Start < To.
	From, To time.Time
	Statuses []VisitStatus
}
