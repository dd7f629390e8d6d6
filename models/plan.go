package models

import (
	"fmt"
	"time"
)

// PlanStatus is where a plan version stands.
type PlanStatus string

// Plan statuses: a run makes a draft; publishing makes it the published one
// and marks the previously published version superseded.
const (
	PlanDraft      PlanStatus = "draft"
	PlanPublished  PlanStatus = "published"
	PlanSuperseded PlanStatus = "superseded"
)

// Planning modes of a run over a week with booked visits.
const (
	// PlanRepair keeps every booked visit's trainer, day and start unless
	// something it depends on changed; the default.
	PlanRepair = "repair"
	// PlanOptimise re-optimises the week, pricing each moved booked visit
	// and capping how many may move.
	PlanOptimise = "optimise"
)

// PlanID names the document of one plan version: the week's Monday and the
// version number, so the hot document of a week is found by _id.
func PlanID(week Date, version int) string { return fmt.Sprintf("%s#%d", week, version) }

// Plan is one planning result for a week: routes, unassigned requests with
// their reasons, and the figures a coordinator judges it by. Plans are
// immutable apart from Status and the publish stamp.
type Plan struct {
	ID      string     `bson:"_id" json:"id"`
	Week    Date       `bson:"week" json:"week"`
	Version int        `bson:"version" json:"version"`
	Status  PlanStatus `bson:"status" json:"status"`
	Trigger string     `bson:"trigger" json:"trigger"`
	// Mode is how the run treated booked visits: PlanRepair or PlanOptimise.
	Mode        string       `bson:"mode,omitempty" json:"mode,omitempty"`
	Seed        int64        `bson:"seed" json:"seed"`
	Routes      []PlanRoute  `bson:"routes" json:"routes"`
	Unassigned  []Unassigned `bson:"unassigned" json:"unassigned"`
	KPIs        PlanKPIs     `bson:"kpis" json:"kpis"`
	Warnings    []string     `bson:"warnings,omitempty" json:"warnings,omitempty"`
	CreatedAt   time.Time    `bson:"created_at" json:"created_at"`
	PublishedAt *time.Time   `bson:"published_at,omitempty" json:"published_at,omitempty"`
	// BasedOn is the version this one was made from by a coordinator's
	// edit (0 for a planning run); Edited marks a version that has been
	// edited into a newer one, which only one edit may do.
	BasedOn int  `bson:"based_on,omitempty" json:"based_on,omitempty"`
	Edited  bool `bson:"edited,omitempty" json:"edited,omitempty"`
	// Edits lists the coordinators' hand edits that led to this version,
	// oldest first; Pins is what they fix for later runs of the week.
	Edits []PlanEdit `bson:"edits,omitempty" json:"edits,omitempty"`
	Pins  []EditPin  `bson:"pins,omitempty" json:"pins,omitempty"`
	// Rev guards status changes the way Version guards other documents
	// (Version here is the plan's number within its week).
	Rev int64 `bson:"rev" json:"rev"`
	// Phases are the steps of the planning run that made this version and
	// how long each took. They describe the run, not the plan, and the
	// save is one of them, so they are not stored with the plan: the
	// planning job records them in its job run.
	Phases []PlanPhase `bson:"-" json:"-"`
}

// PlanPhase is one step of a planning run: "load", "build", "solve" and
// "explain" (once per round of the repair loop), "decode" or "save".
type PlanPhase struct {
	Name string
	// Round counts the solve rounds from 1; 0 for the other phases.
	Round int
	Took  time.Duration
	// Limit is the time limit the round's search was given, and Left what
	// remained of the run's time limit when it started (both 0 without a
	// time limit, and for the other phases).
	Limit, Left time.Duration
}

// PlanRoute is one trainer-day.
type PlanRoute struct {
	TrainerID     string     `bson:"trainer_id" json:"trainer_id"`
	TrainerName   string     `bson:"trainer_name" json:"trainer_name"`
	Date          Date       `bson:"date" json:"date"`
	Depart        time.Time  `bson:"depart" json:"depart"`
	Return        time.Time  `bson:"return" json:"return"`
	Stops         []PlanStop `bson:"stops" json:"stops"`
	BreakStart    *time.Time `bson:"break_start,omitempty" json:"break_start,omitempty"`
	BreakEnd      *time.Time `bson:"break_end,omitempty" json:"break_end,omitempty"`
	TravelMinutes int        `bson:"travel_minutes" json:"travel_minutes"`
	WorkMinutes   int        `bson:"work_minutes" json:"work_minutes"`
}

// PlanStop is one visit in a route. For a micro-training Start..End is its slot.
type PlanStop struct {
	RequestID     string    `bson:"request_id" json:"request_id"`
	ClinicID      string    `bson:"clinic_id" json:"clinic_id"`
	ClinicName    string    `bson:"clinic_name" json:"clinic_name"`
	Address       string    `bson:"address" json:"address"`
	Kind          Kind      `bson:"kind" json:"kind"`
	Topic         string    `bson:"topic" json:"topic"`
	Priority      Priority  `bson:"priority" json:"priority"`
	Arrive        time.Time `bson:"arrive" json:"arrive"`
	Start         time.Time `bson:"start" json:"start"`
	End           time.Time `bson:"end" json:"end"`
	TravelMinutes int       `bson:"travel_minutes" json:"travel_minutes"`
	Pinned        bool      `bson:"pinned,omitempty" json:"pinned,omitempty"`

	// OutsidePreferred says the visit starts outside the request's
	// preferred windows: a wish, not a limit, so the plan says where it
	// was not met.
	OutsidePreferred bool `bson:"outside_preferred,omitempty" json:"outside_preferred,omitempty"`
}

// Unassigned is a request the plan could not place, with the reason found by
// checks and, where one exists, the smallest change that would let it in.
// Why, Fixes and NoSmallChange hold the explanation in structured form;
// Localize words it in the reader's language into Detail, Relaxation,
// Relaxations and Summary. Plans stored before the structured form have
// only Detail and Relaxation, in English.
type Unassigned struct {
	RequestID  string   `bson:"request_id" json:"request_id"`
	ClinicID   string   `bson:"clinic_id" json:"clinic_id"`
	ClinicName string   `bson:"clinic_name,omitempty" json:"clinic_name,omitempty"`
	Kind       Kind     `bson:"kind,omitempty" json:"kind,omitempty"`
	Topic      string   `bson:"topic,omitempty" json:"topic,omitempty"`
	Priority   Priority `bson:"priority" json:"priority"`
	Reason     string   `bson:"reason" json:"reason"`
	Detail     string   `bson:"detail,omitempty" json:"detail,omitempty"`
	Relaxation string   `bson:"relaxation,omitempty" json:"relaxation,omitempty"`
	// Relaxations lists every change offered, smallest first, and Summary
	// is one line naming the clinic, kind and topic with the reason and
	// the first change; both are rendered for the reader, never stored.
	Relaxations []string `bson:"-" json:"relaxations,omitempty"`
	Summary     string   `bson:"-" json:"summary,omitempty"`
	// Why is the reason's detail; Fixes the changes that would each let
	// the request in, smallest first; NoSmallChange says that none within
	// the planner's bounds exists.
	Why           *ExplainNote  `bson:"why,omitempty" json:"why,omitempty"`
	Fixes         []ExplainNote `bson:"fixes,omitempty" json:"fixes,omitempty"`
	NoSmallChange bool          `bson:"no_small_change,omitempty" json:"no_small_change,omitempty"`
}

// PlanKPIs are the figures of a plan.
type PlanKPIs struct {
	Requests      int                      `bson:"requests" json:"requests"`
	Scheduled     int                      `bson:"scheduled" json:"scheduled"`
	ByPriority    map[Priority]PriorityKPI `bson:"by_priority" json:"by_priority"`
	TravelMinutes int                      `bson:"travel_minutes" json:"travel_minutes"`
	WorkMinutes   int                      `bson:"work_minutes" json:"work_minutes"`
	TrainerDays   int                      `bson:"trainer_days" json:"trainer_days"`
	Moved         int                      `bson:"moved" json:"moved"`
	SolveMillis   int64                    `bson:"solve_millis" json:"solve_millis"`

	// OutsidePreferred counts visits starting outside their request's
	// preferred windows. (Moved counts published visits whose trainer,
	// day or start time changes, or that the plan leaves out.)
	OutsidePreferred int `bson:"outside_preferred" json:"outside_preferred"`
}

// PriorityKPI counts requests of one priority.
type PriorityKPI struct {
	Total     int `bson:"total" json:"total"`
	Scheduled int `bson:"scheduled" json:"scheduled"`
}

// Edit operations on a draft plan.
const (
	EditMove     = "move"
	EditSwap     = "swap"
	EditUnassign = "unassign"
	EditAssign   = "assign"
)

// PlanEdit is one coordinator's hand edit of a draft: what was asked, by
// whom and when.
type PlanEdit struct {
	Op         string     `bson:"op" json:"op"`
	RequestIDs []string   `bson:"request_ids" json:"request_ids"`
	TrainerID  string     `bson:"trainer_id,omitempty" json:"trainer_id,omitempty"`
	Date       Date       `bson:"date,omitempty" json:"date,omitempty"`
	Start      *TimeOfDay `bson:"start,omitempty" json:"start,omitempty"`
	By         string     `bson:"by" json:"by"`
	At         time.Time  `bson:"at" json:"at"`
	// Version is the plan version the edit was made on.
	Version int `bson:"version" json:"version"`
}

// EditPin is what a hand edit fixes for one request in later runs of the
// week: its trainer and day (and start, when the coordinator named one),
// or, with Out, that it stays out of the plan.
type EditPin struct {
	RequestID string     `bson:"request_id" json:"request_id"`
	TrainerID string     `bson:"trainer_id,omitempty" json:"trainer_id,omitempty"`
	Date      Date       `bson:"date,omitempty" json:"date,omitempty"`
	Start     *TimeOfDay `bson:"start,omitempty" json:"start,omitempty"`
	Out       bool       `bson:"out,omitempty" json:"out,omitempty"`
}
