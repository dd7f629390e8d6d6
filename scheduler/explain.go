package scheduler

import "context"

// explainUnassigned fills Reason, Detail and Relaxation of sol.Unassigned.
// This placeholder marks pinned stops with ReasonPin and every other stop
// with ReasonCapacity; the real checks replace it.
func explainUnassigned(ctx context.Context, p *Problem, sol *Solution) {
	_ = ctx
	for i := range sol.Unassigned {
		u := &sol.Unassigned[i]
		if p.Stops[u.Stop].Pin != nil {
			u.Reason = ReasonPin
			continue
		}
		u.Reason = ReasonCapacity
	}
}
