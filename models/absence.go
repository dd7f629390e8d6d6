package models

import (
	"strings"
	"time"
)

// MaxAbsenceDays bounds one absence: longer leaves are entered as several,
// and a mistyped year does not rewrite a trainer's calendar for months.
const MaxAbsenceDays = 62

// Absence is a trainer's reported time off (illness, leave) for the days
// From..To inclusive. Recording it turns those days off in the trainer's
// availability (an override per day) and asks for a repair of every
// affected week's plan.
type Absence struct {
	ID        string `bson:"_id" json:"id"`
	TrainerID string `bson:"trainer_id" json:"trainer_id"`
	From      Date   `bson:"from" json:"from"`
	To        Date   `bson:"to" json:"to"`
	Reason    string `bson:"reason,omitempty" json:"reason,omitempty"`
	// Replaced are the trainer's own overrides of these days the absence
	// overwrote; deleting the absence puts them back.
	Replaced []DateOverride `bson:"replaced,omitempty" json:"replaced,omitempty"`
	// AffectedVisits are the trainer's booked visits in the range when the
	// absence was recorded: they need a new slot.
	AffectedVisits []string `bson:"affected_visits" json:"affected_visits"`
	// ReleasedPins names the coordinators' pins on the absent trainer-days
	// that the absence released, one line each.
	ReleasedPins []ReleasedPin `bson:"released_pins,omitempty" json:"released_pins,omitempty"`
	// Drafts are the repair drafts made for the affected weeks.
	Drafts    []PlanRef `bson:"drafts" json:"drafts"`
	CreatedBy string    `bson:"created_by,omitempty" json:"created_by,omitempty"`
	CreatedAt time.Time `bson:"created_at" json:"created_at"`
}

// ReleasedPin is a pin an absence took off a request, and why.
type ReleasedPin struct {
	RequestID string `bson:"request_id" json:"request_id"`
	Pin       Pin    `bson:"pin" json:"pin"`
	Note      string `bson:"note" json:"note"`
}

// PlanRef names one plan version and where to preview what it changes.
type PlanRef struct {
	Week    Date   `bson:"week" json:"week"`
	Version int    `bson:"version" json:"version"`
	DiffURL string `bson:"diff_url" json:"diff_url"`
}

// Days lists the absence's dates, From to To.
func (a *Absence) Days() []Date {
	var out []Date
	for d := a.From; d <= a.To; d = d.AddDays(1) {
		out = append(out, d)
	}
	return out
}

// Weeks lists the Mondays of the weeks the absence touches.
func (a *Absence) Weeks() []Date {
	var out []Date
	for _, d := range a.Days() {
		if m := d.Monday(); len(out) == 0 || out[len(out)-1] != m {
			out = append(out, m)
		}
	}
	return out
}

// Validate checks the range and the reason; today is the first date an
// absence may still cover (one entirely in the past changes no plan).
func (a *Absence) Validate(today Date) error {
	v := &ValidationError{}
	if !a.From.Valid() {
		v.Add("from", "must be a date YYYY-MM-DD")
	}
	if !a.To.Valid() {
		v.Add("to", "must be a date YYYY-MM-DD")
	}
	if a.From.Valid() && a.To.Valid() {
		switch {
		case a.To < a.From:
			v.Add("to", "must not be before from %s", a.From)
		case a.From.AddDays(MaxAbsenceDays-1) < a.To:
			v.Add("to", "an absence covers at most %d days; enter a longer one in parts", MaxAbsenceDays)
		case a.To < today:
			v.Add("to", "the absence is over (today is %s)", today)
		}
	}
	if len(a.Reason) > 500 {
		v.Add("reason", "must be at most 500 characters")
	}
	a.Reason = strings.TrimSpace(a.Reason)
	return v.Err()
}
