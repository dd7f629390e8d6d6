package scheduler

import "fmt"

// Validate reports the first structural problem of p (bad indices, broken
// windows, duplicate ids, unknown pinned trainers, ...) as an error wrapping
// ErrInvalidProblem, or nil. Solve calls it first; the service may call it
// earlier to reject input.
func (p *Problem) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidProblem, fmt.Sprintf(format, args...))
	}
	if p.DayLength < 0 {
		return bad("negative day length %d", p.DayLength)
	}
	for i, m := range p.Matrices {
		if m.Size < 0 || len(m.Time) != m.Size*m.Size {
			return bad("matrix %d: size %d needs %d times, has %d", i, m.Size, m.Size*m.Size, len(m.Time))
		}
		for j, t := range m.Time {
			if t < 0 {
				return bad("matrix %d: negative travel time %d from %d to %d", i, t, j/m.Size, j%m.Size)
			}
		}
	}
	if len(p.Matrices) == 0 && (len(p.Routes) > 0 || len(p.Stops) > 0) {
		return bad("no travel matrix")
	}
	minSize := -1
	for _, m := range p.Matrices {
		if minSize < 0 || m.Size < minSize {
			minSize = m.Size
		}
	}
	vehicles := map[string]bool{}
	routeIDs := map[string]bool{}
	for i := range p.Routes {
		r := &p.Routes[i]
		name := fmt.Sprintf("route %d (%q)", i, r.ID)
		if routeIDs[r.ID] {
			return bad("%s: duplicate route id", name)
		}
		routeIDs[r.ID] = true
		vehicles[r.Vehicle] = true
		if r.Vehicle == "" {
			return bad("%s: empty vehicle (trainer) id", name)
		}
		if r.Profile < 0 || r.Profile >= len(p.Matrices) {
			return bad("%s: profile %d out of range [0,%d)", name, r.Profile, len(p.Matrices))
		}
		size := p.Matrices[r.Profile].Size
		if r.StartLoc < 0 || r.StartLoc >= size || r.EndLoc < 0 || r.EndLoc >= size {
			return bad("%s: start %d or end %d location out of range [0,%d)", name, r.StartLoc, r.EndLoc, size)
		}
		if len(r.Shifts) == 0 {
			return bad("%s: no shift", name)
		}
		for j, s := range r.Shifts {
			if s.End < s.Start {
				return bad("%s: shift %d ends (%d) before it starts (%d)", name, j, s.End, s.Start)
			}
			if j > 0 && s.Start <= r.Shifts[j-1].End {
				return bad("%s: shifts must be sorted and disjoint (shift %d)", name, j)
			}
		}
		if r.Break != nil {
			if r.Break.Window.End < r.Break.Window.Start {
				return bad("%s: break window ends before it starts", name)
			}
			if r.Break.Duration < 0 {
				return bad("%s: negative break duration", name)
			}
		}
		if r.Capacity < 0 || r.MaxWork < 0 || r.FixedCost < 0 {
			return bad("%s: negative capacity, max work or fixed cost", name)
		}
	}
	stopIDs := map[string]bool{}
	for i := range p.Stops {
		s := &p.Stops[i]
		name := fmt.Sprintf("stop %d (%q)", i, s.ID)
		if stopIDs[s.ID] {
			return bad("%s: duplicate stop id", name)
		}
		stopIDs[s.ID] = true
		if s.Loc < 0 || s.Loc >= minSize {
			return bad("%s: location %d out of range [0,%d)", name, s.Loc, minSize)
		}
		if s.Service < 0 || s.Load < 0 {
			return bad("%s: negative service or load", name)
		}
		if len(s.Windows) == 0 {
			return bad("%s: no time window", name)
		}
		for j, w := range s.Windows {
			if w.End < w.Start {
				return bad("%s: window %d ends (%d) before it starts (%d)", name, j, w.End, w.Start)
			}
		}
		if s.Priority < PriorityUrgent || s.Priority > PriorityLow {
			return bad("%s: unknown priority %d", name, int(s.Priority))
		}
		if s.Pin != nil {
			if s.Pin.Vehicle != "" && !vehicles[s.Pin.Vehicle] {
				return bad("%s: pinned to unknown trainer %q", name, s.Pin.Vehicle)
			}
		}
	}
	w := p.Weights
	for _, v := range []int64{w.Scheduled[0], w.Scheduled[1], w.Scheduled[2], w.Scheduled[3],
		w.UrgentDelay, w.Travel, w.RouteUsed, w.Fairness, w.Move, w.Continuity, w.Preferred} {
		if v < 0 {
			return bad("negative weight %d", v)
		}
	}
	return nil
}
