package planning

import (
	"testing"
	"time"
)

// TestSolveBudget: a round's search gets what remains less reserves that
// grow with the problem, halved when another round may follow; the
// explanations end before the reserve for decoding and saving; a limit too
// short for the reserves still leaves the search half of it, and a run
// whose loading took the whole limit still searches a quarter of it (a
// busy database should not make an empty plan); and no limit gives none.
func TestSolveBudget(t *testing.T) {
	at := time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	c := newRunClock(now, 30*time.Second)
	at = at.Add(2 * time.Second) // loading and building
	for _, tc := range []struct {
		stops, share int
		limit        time.Duration
	}{
		{100, 1, 28*time.Second - 2*reserveFloor - 100*(explainPerStop+finishPerStop)},
		{5000, 1, 28*time.Second - 2*reserveFloor - 5000*(explainPerStop+finishPerStop)},
		{5000, 2, (28*time.Second - 2*reserveFloor - 5000*(explainPerStop+finishPerStop)) / 2},
	} {
		limit, left, explainBy := c.solveBudget(tc.stops, tc.share)
		finish := reserveFloor + time.Duration(tc.stops)*finishPerStop
		if limit != tc.limit || left != 28*time.Second || explainBy.After(c.deadline.Add(-finish)) || !explainBy.After(at.Add(limit)) {
			t.Errorf("%d stops, share %d: limit %s, left %s, explain by %s; want limit %s, explanations before %s",
				tc.stops, tc.share, limit, left, explainBy.Sub(at), tc.limit, c.deadline.Add(-finish).Sub(at))
		}
	}

	short := newRunClock(now, 100*time.Millisecond)
	if limit, _, _ := short.solveBudget(5000, 1); limit != 50*time.Millisecond {
		t.Errorf("100ms run of 5000 stops: search limit %s, want 50ms", limit)
	}
	at = at.Add(time.Second) // past its deadline
	if limit, _, explainBy := short.solveBudget(5000, 1); limit != 25*time.Millisecond || explainBy.After(short.deadline) {
		t.Errorf("past the deadline: search limit %s, explain by %s; want a quarter of the limit, explanations by the deadline", limit, explainBy)
	}
	if limit, left, explainBy := newRunClock(now, 0).solveBudget(5000, 1); limit != 0 || left != 0 || !explainBy.IsZero() {
		t.Errorf("no limit: %s, %s, %s; want none", limit, left, explainBy)
	}
}
