// Package planning turns the service's world (trainers, clinics, open
// requests and the published visits of a week, as stored) into a planning
// problem for the engine in package scheduler, and the engine's solution
// back into a stored plan version.
//
// Time in the problem is whole seconds since the week's Monday 00:00 in the
// service's time zone. Every wall-clock time (a clinic's 09:00, a trainer's
// 18:00) is turned into an instant with models.Date.At before it is counted,
// so in a week with a clock change 09:00 still means 09:00 local; decoding
// adds the seconds back to the same origin, which gives the same instants.
//
// Planner runs the whole thing for one week against a store: load, Build,
// scheduler.Solve, Decode, save as a new draft version.
package planning
