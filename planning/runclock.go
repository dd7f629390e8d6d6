package planning

import (
	"fmt"
	"strings"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// The phases after a search are priced per stop of the problem on top of a
// floor, and kept out of the search's time limit so that a run ends
// within Config.TimeLimit as a whole: explaining the left-out stops, then
// decoding and saving the plan. See BENCHMARKS.md, "Planning runs within
// their time limit", for the measurements behind the figures.
const (
	reserveFloor   = 250 * time.Millisecond
	explainPerStop = 100 * time.Microsecond
	// finishPerStop covers decoding and saving (1.6 s for 5,000 stops on
	// a busy machine) and the search overrunning its limit a little.
	finishPerStop = 500 * time.Microsecond
	// minSearch is the least time limit of a round: not 0, which would
	// mean no time bound at all.
	minSearch = time.Millisecond
	// searchFloor is the share of the run's limit that a search gets
	// even when loading and building took the rest (a busy database):
	// the run then overruns by it rather than plan nothing.
	searchFloor = 4
)

// runClock times the phases of one planning run against its time limit.
type runClock struct {
	now      func() time.Time
	limit    time.Duration
	started  time.Time
	deadline time.Time // zero without a time limit
	last     time.Time // the end of the previous phase
	phases   []models.PlanPhase
}

// newRunClock starts the clock of a run with time limit limit (0: none).
func newRunClock(now func() time.Time, limit time.Duration) *runClock {
	t := now()
	c := &runClock{now: now, limit: limit, started: t, last: t}
	if limit > 0 {
		c.deadline = t.Add(limit)
	}
	return c
}

// mark ends the phase that began at the previous mark.
func (c *runClock) mark(name string) {
	t := c.now()
	c.phases = append(c.phases, models.PlanPhase{Name: name, Took: t.Sub(c.last)})
	c.last = t
}

// solveBudget returns the time limit of the next solve round on a problem
// of stops stops, what remains of the run, and the deadline of the round's
// explanations: the remaining time less the reserves for explaining,
// decoding and saving, divided by share (2 when another round may follow,
// so that it too gets time; 1 otherwise), but at least a quarter of the
// run's limit. Without a time limit all are 0.
func (c *runClock) solveBudget(stops, share int) (limit, left time.Duration, explainBy time.Time) {
	if c.deadline.IsZero() {
		return 0, 0, time.Time{}
	}
	t := c.now()
	left = c.deadline.Sub(t)
	explain := reserveFloor + time.Duration(stops)*explainPerStop
	finish := reserveFloor + time.Duration(stops)*finishPerStop
	// On a limit too short for the reserves, the search keeps half of it.
	if half := c.limit / 2; explain+finish > half {
		explain, finish = half/3, half-half/3
	}
	limit = max(minSearch, c.limit/searchFloor, (left-explain-finish)/time.Duration(max(1, share)))
	explainBy = t.Add(limit + explain)
	if last := c.deadline.Add(-finish); explainBy.After(last) {
		explainBy = last
	}
	return limit, left, explainBy
}

// solved records round's search (given limit, with left remaining) and
// its explanations, which took explain of it.
func (c *runClock) solved(round int, limit, left, explain time.Duration) {
	t := c.now()
	all := t.Sub(c.last)
	c.phases = append(c.phases,
		models.PlanPhase{Name: "solve", Round: round, Took: all - explain, Limit: limit, Left: left},
		models.PlanPhase{Name: "explain", Round: round, Took: explain})
	c.last = t
}

// solving is the time spent in solve rounds, explanations included.
func (c *runClock) solving() time.Duration {
	var d time.Duration
	for _, ph := range c.phases {
		if ph.Name == "solve" || ph.Name == "explain" {
			d += ph.Took
		}
	}
	return d
}

// summary words the phases for the log, e.g. "load 120ms, build 310ms,
// solve#1 14.8s of 14.9s, explain#1 410ms, decode 90ms, save 700ms".
func (c *runClock) summary() string {
	parts := make([]string, 0, len(c.phases))
	for _, ph := range c.phases {
		name := ph.Name
		if ph.Round > 0 {
			name = fmt.Sprintf("%s#%d", ph.Name, ph.Round)
		}
		s := fmt.Sprintf("%s %s", name, ph.Took.Round(time.Millisecond))
		if ph.Limit > 0 {
			s += fmt.Sprintf(" of %s", ph.Limit.Round(time.Millisecond))
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
