package scheduler

import "fmt"

// Validate reports the first structural problem of p (bad indices, broken
// windows, duplicate ids, unknown pinned trainers, ...) as an error wrapping
// ErrInvalidProblem, or nil. Solve calls it first; the service may call it
// earlier to reject input.
func (p *Problem) Validate() error {
	if p.DayLength < 0 {
		return invalid("negative day length %d", p.DayLength)
	}
	if err := p.validateMatrices(); err != nil {
		return err
	}
	vehicles := map[string]bool{}
	routeIDs := map[string]bool{}
	for i := range p.Routes {
		r := &p.Routes[i]
		name := fmt.Sprintf("route %d (%q)", i, r.ID)
		if routeIDs[r.ID] {
			return invalid("%s: duplicate route id", name)
		}
		routeIDs[r.ID] = true
		vehicles[r.Vehicle] = true
		if err := p.validateRoute(name, r); err != nil {
			return err
		}
	}
	minSize := -1
	for _, m := range p.Matrices {
		if minSize < 0 || m.Size < minSize {
			minSize = m.Size
		}
	}
	stopIDs := map[string]bool{}
	for i := range p.Stops {
		s := &p.Stops[i]
		name := fmt.Sprintf("stop %d (%q)", i, s.ID)
		if stopIDs[s.ID] {
			return invalid("%s: duplicate stop id", name)
		}
		stopIDs[s.ID] = true
		if err := validateStop(name, s, minSize, vehicles); err != nil {
			return err
		}
	}
	w := p.Weights
	for _, v := range []int64{w.Scheduled[0], w.Scheduled[1], w.Scheduled[2], w.Scheduled[3],
		w.UrgentDelay, w.Travel, w.RouteUsed, w.Fairness, w.Move, w.Continuity, w.Preferred, w.OutsidePreferred} {
		if v < 0 {
			return invalid("negative weight %d", v)
		}
	}
	return nil
}

// invalid returns an error wrapping ErrInvalidProblem.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidProblem, fmt.Sprintf(format, args...))
}

// validateMatrices checks that every matrix is square with non-negative
// times, and that there is one when there is anything to plan.
func (p *Problem) validateMatrices() error {
	for i, m := range p.Matrices {
		if m.Size < 0 || len(m.Time) != m.Size*m.Size {
			return invalid("matrix %d: size %d needs %d times, has %d", i, m.Size, m.Size*m.Size, len(m.Time))
		}
		for j, t := range m.Time {
			if t < 0 {
				return invalid("matrix %d: negative travel time %d from %d to %d", i, t, j/m.Size, j%m.Size)
			}
		}
	}
	if len(p.Matrices) == 0 && (len(p.Routes) > 0 || len(p.Stops) > 0) {
		return invalid("no travel matrix")
	}
	return nil
}

// validateRoute checks route r (called name in errors) on its own.
func (p *Problem) validateRoute(name string, r *Route) error {
	if r.Vehicle == "" {
		return invalid("%s: empty vehicle (trainer) id", name)
	}
	if r.Profile < 0 || r.Profile >= len(p.Matrices) {
		return invalid("%s: profile %d out of range [0,%d)", name, r.Profile, len(p.Matrices))
	}
	size := p.Matrices[r.Profile].Size
	if r.StartLoc < 0 || r.StartLoc >= size || r.EndLoc < 0 || r.EndLoc >= size {
		return invalid("%s: start %d or end %d location out of range [0,%d)", name, r.StartLoc, r.EndLoc, size)
	}
	if len(r.Shifts) == 0 {
		return invalid("%s: no shift", name)
	}
	for j, s := range r.Shifts {
		if s.End < s.Start {
			return invalid("%s: shift %d ends (%d) before it starts (%d)", name, j, s.End, s.Start)
		}
		if j > 0 && s.Start <= r.Shifts[j-1].End {
			return invalid("%s: shifts must be sorted and disjoint (shift %d)", name, j)
		}
	}
	if r.Break != nil {
		if r.Break.Window.End < r.Break.Window.Start {
			return invalid("%s: break window ends before it starts", name)
		}
		if r.Break.Duration < 0 {
			return invalid("%s: negative break duration", name)
		}
	}
	if r.Capacity < 0 || r.MaxWork < 0 || r.FixedCost < 0 {
		return invalid("%s: negative capacity, max work or fixed cost", name)
	}
	return nil
}

// validateStop checks stop s (called name in errors): its location must
// exist in every matrix (minSize is the smallest) and a pinned trainer
// among vehicles.
func validateStop(name string, s *Stop, minSize int, vehicles map[string]bool) error {
	if s.Loc < 0 || s.Loc >= minSize {
		return invalid("%s: location %d out of range [0,%d)", name, s.Loc, minSize)
	}
	if s.Service < 0 || s.Load < 0 {
		return invalid("%s: negative service or load", name)
	}
	if len(s.Windows) == 0 {
		return invalid("%s: no time window", name)
	}
	for j, w := range s.Windows {
		if w.End < w.Start {
			return invalid("%s: window %d ends (%d) before it starts (%d)", name, j, w.End, w.Start)
		}
	}
	for j, w := range s.PreferredWindows {
		if w.End < w.Start {
			return invalid("%s: preferred window %d ends (%d) before it starts (%d)", name, j, w.End, w.Start)
		}
	}
	if s.Priority < PriorityUrgent || s.Priority > PriorityLow {
		return invalid("%s: unknown priority %d", name, int(s.Priority))
	}
	if s.Pin != nil && s.Pin.Vehicle != "" && !vehicles[s.Pin.Vehicle] {
		return invalid("%s: pinned to unknown trainer %q", name, s.Pin.Vehicle)
	}
	return nil
}
