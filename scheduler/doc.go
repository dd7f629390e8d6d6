// Package scheduler is Fieldvisit's planning engine: a Problem (a week of
// trainer-days and visit requests) goes in, a Solution (routes with exact
// times, and the requests left out with reasons) comes out. It is pure Go
// with no I/O and no global state; the only clock it reads is Options.Now,
// to honour Options.TimeLimit.
//
// # Model
//
// A Route is one trainer-day: start and end locations, one or more shifts,
// an optional lunch Break, a load Capacity, a MaxWork bound on
// Return-Depart, skills, and a travel profile (an index into
// Problem.Matrices). A Stop is one request: a location, a service duration,
// allowed start Windows (absolute times, possibly several days), soft
// PreferredWindows, a load, required skills, a Priority, preferred and
// excluded trainers, an optional Pin, the Previous published placement and
// the clinic's visit History.
// Times are int64 in units the caller chooses (the service uses seconds
// since Monday 00:00 of the planning week). Hard constraints:
//
//   - a stop's service starts inside one of its windows and lies entirely
//     inside one shift of its route;
//   - the trainer leaves no earlier than the first shift starts and is back
//     no later than the last one ends; waiting is allowed anywhere;
//   - a used route with a Break takes it: Duration units starting inside its
//     window, between two visits (or before the first / after the last),
//     without serving or travelling meanwhile;
//   - load at most Capacity, Return-Depart at most MaxWork (0 = unlimited);
//   - the trainer has every required skill and is not Excluded;
//   - pins are honoured exactly (trainer, day, exact start) or the stop stays
//     unassigned and Solve returns a *PinError with the valid solution;
//   - every stop is served at most once.
//
// Stops of one clinic share a location, so one trip serves several of them
// with zero travel in between.
//
// # Objective
//
// Solve minimises Cost.Total = Σ of Weights times the terms described on
// Weights: unscheduled stops by priority, urgent delay in days, travel,
// used routes (and FixedCost), fairness as the sum of squared visit counts
// per trainer, moves against Previous (another trainer, day or start
// time), continuity and preferred-trainer misses, and starts outside the
// preferred windows (each flagged on its Visit). DefaultWeights orders them strongest first by orders of magnitude.
// ObjectiveRoutesFirst instead makes each used route outweigh all travel
// (the VRPTW literature's "vehicles, then distance").
//
// # Algorithm
//
// The instance is compiled once: for each stop the routes it may use
// (skills, exclusions, pins, load, shifts) with its allowed start times on
// that route (windows ∩ shift starts, stored once per distinct shift list
// and shared by the routes that have it: a 5,000-stop week has 2.5 million
// stop-route pairs) and the stop-route cost terms. The two terms that
// depend on the start time, a move and a start outside the preferred
// windows, are priced by giving a route up to three candidates with
// narrower windows: exactly the previous start (no move), only preferred
// starts, and any start (paying both), so the insertion test stays O(1).
// Each
// route keeps, per position, the earliest end of service and the latest
// start of service that still lets the rest of the route finish, in two
// variants (break already taken or not). Because waiting is allowed,
// arriving earlier never hurts, so inserting a stop anywhere is checked
// exactly in O(1) from its neighbours' values (forward time slack);
// MaxWork is checked by re-simulating only the candidate that would win.
//
// Construction keeps stops on their Previous trainer-day in previous order
// when still feasible, then inserts the rest by regret-2 insertion (greedy
// insertion above 500 stops). The improvement phase is an adaptive large
// neighbourhood search with simulated annealing: removals by SISR adjacent
// strings (Christiaens and Vanden Berghe), random, related (Shaw), worst
// and whole-route; repairs by greedy insertion with blinks in a random
// stop order (priority first) or by regret-2 insertion; operator weights
// adapt to their success. Under ObjectiveRoutesFirst a fleet-minimisation
// phase comes first: a route is closed, its stops wait in a pool, and
// ruin-and-recreate runs with SISR's absence counters until the pool
// empties (then the next route is closed) or the phase's share of the
// budget is spent. After every 2,000 iterations without closing a route,
// 1,000 distance-improving iterations run on the best plan found so far,
// with the fleet held at its size, so the plan handed to the improvement
// phase is not just the first one found at the minimal fleet. A removal that breaks a route (possible when travel
// times violate the triangle inequality) empties that route, so every
// intermediate solution stays feasible.
//
// A final pass inserts, in priority order and at the cheapest position,
// every unassigned stop that fits the best plan as it stands, repeating
// until nothing more fits: the repairs try only a sample of the unassigned
// stops when many are left out (an overloaded week), so the search alone
// could return a plan with room for a stop it never offered it.
//
// Compile and construction take seconds on large weeks, so they too watch
// the context and the time limit (every 16 stops). Stopped there, Solve
// returns the feasible partial plan built so far with Stats.Interrupted;
// the stops not yet tried (compile and construction take them pinned
// first, then by priority) are unassigned with ReasonNotFound.
//
// # Stopping
//
// The search ends at the first of: Options.TimeLimit, the iteration budget
// (Options.MaxIterations, or a default one when neither bound is set), a
// cancelled context, or, when Options.StallIterations is positive, that
// many iterations without a new best solution. Stats.Stopped records
// which (StopTimeLimit, StopIterations, StopCancelled, StopStall). A
// planning service wants the stall rule: a small week converges in a
// fraction of a second but would otherwise run out its whole time limit,
// keeping a coordinator waiting; DefaultStallIterations(stops) =
// max(20,000, 200 × stops) is the value the planning package uses, large
// enough that on the measured weeks the plan is as good as after the full
// limit (on a 1,000-request week the search still improves after 30 s, so
// the limit ends it). Benchmarks against the literature leave it at 0.
//
// Determinism: with Workers=1 and a MaxIterations budget (TimeLimit 0) the
// result depends only on the problem and Seed, also when StallIterations
// ends the search first. With a TimeLimit the
// annealing schedule follows the clock, so results vary with machine load.
// Workers>1 runs independent searches with seeds Seed, Seed+1, ... in
// parallel and keeps the best (ties to the lowest seed), which is again
// deterministic under an iteration budget.
//
// The package checker verifies any Solution against its Problem
// independently of this code; Solve's results always pass it.
//
// # Adding a constraint
//
//  1. Add the field to Problem's types (problem.go) and validate it in
//     Validate.
//  2. If it only restricts which routes a stop may use, filter candidates in
//     compile (instance.go); nothing else changes.
//  3. If it is a property of a route's timeline, extend routeState.init
//     (the forward and backward passes), canInsert (the O(1) test) and
//     plan (the reported schedule) in route.go; if no O(1) test exists,
//     check it like MaxWork, by re-simulating the winning candidate
//     (worker.maxWorkOK).
//  4. Teach the explanation probe (explain.go: stopView and feasible, and
//     the relaxations when the constraint can be relaxed) the same rule, or
//     it will call a stop left out because of the new constraint
//     ReasonNotFound, or suggest relaxations that do not let it in. The
//     probe checks feasibility with its own code, on purpose, so it does
//     not pick up the change from route.go.
//  5. Check it in the checker package, and add a case to the random
//     problem generator (gen_test.go) so the property and fuzz tests
//     exercise it.
package scheduler
