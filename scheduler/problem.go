package scheduler

import (
	"errors"
	"fmt"
	"strings"
)

// Window is a closed interval [Start, End] of time units.
type Window struct {
	Start int64
	End   int64
}

// Contains reports whether t lies inside the window.
func (w Window) Contains(t int64) bool { return w.Start <= t && t <= w.End }

// Matrix holds travel times between locations for one travel profile
// (a travel mode, or a time of day). Time is row-major: Time[i*Size+j] is
// the time to go from location i to location j. Travel between two stops at
// the same location is always zero, whatever the diagonal holds.
type Matrix struct {
	Size int
	Time []int64
}

// At returns the travel time from location i to location j.
func (m *Matrix) At(i, j int) int64 {
	if i == j {
		return 0
	}
	return m.Time[i*m.Size+j]
}

// Priority ranks requests; a lower value is more important.
type Priority int

// The four priorities, most important first.
const (
	PriorityUrgent Priority = iota
	PriorityHigh
	PriorityNormal
	PriorityLow
)

// String returns the lower-case English name of the priority.
func (p Priority) String() string {
	switch p {
	case PriorityUrgent:
		return "urgent"
	case PriorityHigh:
		return "high"
	case PriorityNormal:
		return "normal"
	case PriorityLow:
		return "low"
	}
	return fmt.Sprintf("priority(%d)", int(p))
}

// Pin fixes a stop, fully or partly, as a coordinator set it. The kinds
// coordinators know are expressible: trainer only (Vehicle set), day only
// (HasDay), trainer and day, and exact trainer-day-time (all three set).
// A pin is a hard constraint: it is honoured exactly or the stop stays
// unassigned and Solve reports it in a *PinError.
type Pin struct {
	// Vehicle is the trainer id the stop must go to; "" means any trainer.
	Vehicle string
	// Day is the route day (Route.Day) the stop must go to, when HasDay.
	Day    int
	HasDay bool
	// Start is the exact service start time, when HasStart.
	Start    int64
	HasStart bool
}

// Assignment is a previously published placement of a stop, used to keep
// re-plans stable: serving the stop with another trainer, on another day
// or at another start time (by any amount), or leaving it out, costs
// Weights.Move. A published visit that starts five minutes later is a
// change the clinic must be told about, so time counts like the trainer
// and the day.
type Assignment struct {
	Vehicle string
	Day     int
	Start   int64
}

// Break is a lunch break: Duration units taken without interruption,
// starting inside Window. The trainer neither serves nor travels during the
// break. A used route with a Break always takes it (possibly before the
// first or after the last visit).
type Break struct {
	Window   Window
	Duration int64
}

// Route is one trainer-day: the resource that visits stops in sequence.
type Route struct {
	// ID identifies the route in results and errors; it must be unique.
	ID string
	// Vehicle is the trainer id; several routes (days) share one trainer.
	Vehicle string
	// Day is the day index within the planning horizon (0 = Monday for the
	// service). Pins with HasDay and Previous assignments compare against it.
	Day int
	// StartLoc and EndLoc are location indices into the route's matrix.
	StartLoc, EndLoc int
	// Profile is the index into Problem.Matrices giving this route's travel.
	Profile int
	// Shifts are the working windows, sorted and disjoint. Every service lies
	// fully inside one shift; the trainer leaves StartLoc no earlier than the
	// first shift's start and reaches EndLoc no later than the last shift's
	// end. Travel and waiting may happen between shifts.
	Shifts []Window
	// Break is the optional lunch break.
	Break *Break
	// Capacity bounds the sum of Stop.Load on the route; 0 means unlimited.
	Capacity int64
	// MaxWork bounds Return-Depart; 0 means unlimited.
	MaxWork int64
	// Skills the trainer has; a stop's Skills must all be among them.
	Skills []string
	// FixedCost is added to the cost when the route serves at least one stop,
	// on top of Weights.RouteUsed.
	FixedCost int64
}

// Stop is one request: a service at a location.
type Stop struct {
	// ID identifies the stop in results and errors; it must be unique.
	ID string
	// Loc is the location index into the travel matrices.
	Loc int
	// Service is the service duration.
	Service int64
	// Windows are the allowed service START times, absolute, sorted or not,
	// possibly overlapping (they are merged). They encode the clinic's
	// hours ∩ the earliest and due day: a hard limit. At least one is
	// required.
	Windows []Window
	// PreferredWindows are the service START times the clinic prefers,
	// absolute like Windows; empty means no preference. Starting outside
	// them is allowed (within Windows) but costs Weights.OutsidePreferred:
	// a clinic's wish must not make a request unplaceable.
	PreferredWindows []Window
	// Load counts against Route.Capacity.
	Load int64
	// Skills required from the trainer.
	Skills []string
	// Priority of the request.
	Priority Priority
	// Preferred trainers (soft, Weights.Preferred per miss) and Excluded
	// trainers (hard).
	Preferred, Excluded []string
	// Pin is the optional coordinator pin (hard).
	Pin *Pin
	// Previous is the published placement, for stability (soft): a
	// different trainer, day or start costs Weights.Move.
	Previous *Assignment
	// History counts past visits at this clinic per trainer id, for
	// continuity: serving the stop with a trainer who never visited the
	// clinic while someone did costs Weights.Continuity.
	History map[string]int
	// Group is the clinic id. Stops of one clinic share Loc, so one trip can
	// serve several of them back to back with zero travel in between.
	Group string
	// OpenWindows are the start times the stop would allow without its
	// earliest and due days (the clinic's hours over the whole horizon).
	// Only explanations read them: a relaxation that moves the due or
	// earliest day offers exactly these times, so it is true to the
	// clinic's hours. Nil means unknown, and no such relaxation is offered.
	OpenWindows []Window
}

// Weights price the objective. The solver minimises
//
//	Σ unscheduled Scheduled[priority]
//	+ UrgentDelay × days each urgent stop waits after its first allowed day
//	+ Travel × travel time
//	+ RouteUsed × routes used + Σ FixedCost of used routes
//	+ Fairness × Σ over trainers of (visits of the trainer)²
//	+ Move × stops whose trainer, day or start differs from Previous (or left out)
//	+ Continuity × stops served by a trainer without History at a clinic that has some
//	+ Preferred × stops with Preferred trainers served by someone else
//	+ OutsidePreferred × stops starting outside their PreferredWindows.
//
// A pinned stop left unscheduled costs 10 × Scheduled[PriorityUrgent].
type Weights struct {
	Scheduled   [4]int64
	UrgentDelay int64
	Travel      int64
	RouteUsed   int64
	Fairness    int64
	Move        int64
	Continuity  int64
	Preferred   int64
	// OutsidePreferred prices a stop served at a start time outside its
	// non-empty Stop.PreferredWindows.
	OutsidePreferred int64
}

// DefaultWeights returns weights for time in seconds that give strongest-first
// dominance: each scheduled request outweighs everything below it (urgent
// ten times high, and so on down to low), a day of urgent delay outweighs
// any realistic week of travel, and travel outweighs the route count and
// fairness. Stability is priced as one hour of travel per moved stop and
// continuity as ten minutes, since a published visit that moves costs the
// coordinator a phone call and the clinic a new date; set Move lower for a
// strictly travel-first order. A start outside the clinic's preferred
// hours costs half an hour of travel: worth a detour, not a lost visit.
func DefaultWeights() Weights {
	return Weights{
		Scheduled:   [4]int64{1e14, 1e13, 1e12, 1e11},
		UrgentDelay: 1e10,
		Travel:      1000,
		RouteUsed:   100,
		Fairness:    10,
		Move:        3600 * 1000,
		Continuity:  600 * 1000,
		Preferred:   300 * 1000,
		// Half an hour of travel.
		OutsidePreferred: 1800 * 1000,
	}
}

// Problem is a complete planning instance.
type Problem struct {
	// DayLength is the number of time units per day, used to turn a time
	// into a day index for urgent delay (86400 for seconds); 0 disables the
	// urgent-delay term.
	DayLength int64
	// Matrices are the travel profiles; Route.Profile indexes them.
	Matrices []Matrix
	Routes   []Route
	Stops    []Stop
	Weights  Weights
}

// Visit is one served stop in a route plan.
type Visit struct {
	// Stop indexes Problem.Stops.
	Stop int
	// Arrive is when the trainer reaches the location, Start and End bound
	// the service (End = Start + Service).
	Arrive, Start, End int64
	// OutsidePreferred reports that Start lies outside the stop's
	// non-empty PreferredWindows, so the plan can say so.
	OutsidePreferred bool
}

// RoutePlan is the schedule of one used route.
type RoutePlan struct {
	// Route indexes Problem.Routes.
	Route  int
	Visits []Visit
	// BreakStart is the start of the lunch break, when HasBreak.
	BreakStart int64
	HasBreak   bool
	// Depart is when the trainer leaves StartLoc, Return when the trainer
	// reaches EndLoc.
	Depart, Return int64
}

// Reason classifies why a stop is unassigned.
type Reason string

// Reasons for unassigned stops.
const (
	// ReasonNoSkill: no route has every required skill (and is not excluded).
	ReasonNoSkill Reason = "no_skill"
	// ReasonNoWindowOverlap: no allowed window overlaps any qualified route's shifts.
	ReasonNoWindowOverlap Reason = "no_window_overlap"
	// ReasonUnreachable: travel makes every window impossible to meet.
	ReasonUnreachable Reason = "unreachable"
	// ReasonCapacity: the stop fits an empty route but the time or load is
	// taken by other (typically higher-priority) stops.
	ReasonCapacity Reason = "capacity"
	// ReasonPin: the stop's pin cannot be honoured.
	ReasonPin Reason = "pin"
	// ReasonExcluded: every qualified trainer is excluded.
	ReasonExcluded Reason = "excluded"
	// ReasonLoad: the stop's load exceeds every qualified route's capacity.
	ReasonLoad Reason = "load"
	// ReasonMaxWork: the stop cannot fit any route's maximum working time.
	ReasonMaxWork Reason = "max_work"
	// ReasonNotFound: a placement may exist but the search did not find one.
	ReasonNotFound Reason = "not_found"
)

// Unassigned describes a stop the plan leaves out.
type Unassigned struct {
	// Stop indexes Problem.Stops.
	Stop   int
	Reason Reason
	// Detail explains the reason in English for logs and the UI.
	Detail string
	// Relaxation is the smallest single change that would let the stop in,
	// or "" when none was found.
	Relaxation string
	// Explanation is the same in structured form, for callers that word
	// it themselves (in another language, with names for ids); nil for
	// stops that were not explained.
	Explanation *Explanation
}

// Cost is the objective broken down into its terms. Total is the weighted
// sum that the search minimises; the other fields are raw measures.
type Cost struct {
	Total int64
	// Unscheduled counts unassigned stops per priority.
	Unscheduled [4]int
	// UnscheduledPinned counts unassigned pinned stops.
	UnscheduledPinned int
	// UrgentDelayDays sums, over scheduled urgent stops, the days between the
	// stop's first allowed day and its route's day.
	UrgentDelayDays int64
	// Travel is the total travel time.
	Travel int64
	// RoutesUsed counts routes with at least one visit; FixedCost sums their
	// Route.FixedCost.
	RoutesUsed int
	FixedCost  int64
	// FairnessSquares is Σ over trainers of (number of visits)².
	FairnessSquares int64
	// Moves counts stops whose trainer, day or start time differs from
	// Previous (including previously placed stops now unassigned).
	Moves int
	// ContinuityMisses and PreferredMisses count soft-preference misses.
	ContinuityMisses int
	PreferredMisses  int
	// OutsidePreferred counts served stops starting outside their
	// non-empty PreferredWindows.
	OutsidePreferred int
}

// Stats describes the search that produced a solution.
type Stats struct {
	// Iterations of the improvement search, summed over workers.
	Iterations int64
	Workers    int
	// InitialCost is the constructed solution's internal objective (equal
	// to its Cost.Total under ObjectiveWeighted).
	InitialCost int64
	// RoutesFirst reports whether the route-minimisation phase ran.
	RoutesFirst bool
	// Interrupted reports that ctx or the time limit stopped planning while
	// the problem was compiled or the first plan constructed, before every
	// stop had been tried: the solution is the partial plan built so far,
	// and the stops never tried are unassigned with ReasonNotFound (ReasonPin
	// when pinned) and a Detail saying that planning stopped.
	Interrupted bool
	// Stopped says what ended the search (of the best worker when several
	// ran); empty when there was nothing to search (no stops or no routes).
	Stopped StopReason
}

// StopReason says what ended a search.
type StopReason string

const (
	// StopTimeLimit: Options.TimeLimit was spent.
	StopTimeLimit StopReason = "time_limit"
	// StopIterations: the iteration budget (Options.MaxIterations or the
	// default budget) was spent.
	StopIterations StopReason = "iterations"
	// StopStall: the best solution had not improved for
	// Options.StallIterations iterations, so the search had converged.
	StopStall StopReason = "stall"
	// StopCancelled: the context was cancelled.
	StopCancelled StopReason = "cancelled"
)

// Solution is a plan: used routes with their schedules and the stops left
// out, each with a reason.
type Solution struct {
	Routes     []RoutePlan
	Unassigned []Unassigned
	Cost       Cost
	Stats      Stats
}

// ErrInvalidProblem is wrapped by every validation error Solve returns.
var ErrInvalidProblem = errors.New("invalid problem")

// PinError is returned by Solve together with a valid solution when some
// pinned stops could not be placed as pinned. Callers detect it with
// errors.As and still use the solution; the stops are in Solution.Unassigned
// with ReasonPin.
type PinError struct {
	// Stops lists the ids of the stops whose pins could not be honoured.
	Stops []string
}

// Error names the stops whose pins cannot be honoured.
func (e *PinError) Error() string {
	return "pins cannot be honoured for stops: " + strings.Join(e.Stops, ", ")
}
