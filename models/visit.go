package models

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

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
	// RequestDigest is BookingDigest of the request when the visit was last
	// booked: a repair keeps the visit where it is while the request still
	// has that digest. Empty on visits booked before digests existed, which
	// count as unchanged.
	RequestDigest string `bson:"request_digest,omitempty" json:"-"`
	// Outcome is what the trainer reported; set once, when the visit
	// becomes done.
	Outcome *VisitOutcome `bson:"outcome,omitempty" json:"outcome,omitempty"`
	// PastOutcomes keeps the outcomes of earlier attempts when a visit
	// reported not done is booked again for its reopened request.
	PastOutcomes []VisitOutcome `bson:"past_outcomes,omitempty" json:"past_outcomes,omitempty"`
}

// Outcomes a trainer reports for a visit.
const (
	OutcomeDone    = "done"
	OutcomeNotDone = "not_done"
)

// VisitOutcome records how a visit went. A visit with an outcome is history:
// no plan or publication touches it again.
type VisitOutcome struct {
	Result              string    `bson:"result" json:"result"`
	Note                string    `bson:"note,omitempty" json:"note,omitempty"`
	ParticipantsTrained int       `bson:"participants_trained,omitempty" json:"participants_trained,omitempty"`
	By                  string    `bson:"by" json:"by"`
	At                  time.Time `bson:"at" json:"at"`
}

// Unchanged reports whether v is still exactly what a plan's stop on route
// books: same trainer, date, start and end, and scheduled. It is the one
// definition of "moved" that plan figures, previews and publications share;
// moving a start by five minutes is a change.
func (v *Visit) Unchanged(route *PlanRoute, stop *PlanStop) bool {
	return v.Status == VisitScheduled && v.TrainerID == route.TrainerID && v.Date == route.Date &&
		v.Start.Equal(stop.Start) && v.End.Equal(stop.End)
}

// BookingDigest fingerprints what a request asks of its visit (where, when,
// how long, who may do it, its pin): a booked visit depends on exactly
// these, and a repair moves it only when they change. Status, comment and
// bookkeeping fields are left out, so publishing (which moves the status)
// does not make the request look changed.
func BookingDigest(r *Request) string {
	b, _ := json.Marshal(struct {
		Clinic    string
		Kind      Kind
		Skills    []string
		Duration  int
		Preferred Week
		Earliest  Date
		Due       Date
		Pin       *Pin
	}{r.ClinicID, r.Kind, r.Skills, r.DurationMinutes, r.PreferredWindows, r.EarliestDate, r.DueDate, r.Pin})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
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
	// Page, when set, asks for one page ordered by id, the way every API
	// list pages; without it every match comes, ordered by start.
	Page *Page
}
