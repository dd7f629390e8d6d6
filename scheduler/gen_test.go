package scheduler

import (
	"fmt"
	"math/rand/v2"
)

// randomProblem builds a random week-like problem with n stops and m
// trainers over up to three days, exercising every feature of the model
// (preferred windows and previous placements included).
func randomProblem(seed uint64, n, m int) *Problem {
	rng := rand.New(rand.NewPCG(seed, seed*31+7))
	const day = 1000
	locs := n/2 + 3
	xs, ys := make([]int64, locs), make([]int64, locs)
	for i := range locs {
		xs[i], ys[i] = rng.Int64N(100), rng.Int64N(100)
	}
	mat := Matrix{Size: locs, Time: make([]int64, locs*locs)}
	for a := range locs {
		for b := range locs {
			dx, dy := xs[a]-xs[b], ys[a]-ys[b]
			mat.Time[a*locs+b] = abs(dx) + abs(dy)
		}
	}
	skills := []string{"a", "b", "c"}
	p := &Problem{DayLength: day, Matrices: []Matrix{mat}, Weights: DefaultWeights()}
	days := 1 + rng.IntN(3)
	for t := range m {
		var sk []string
		for _, s := range skills {
			if rng.IntN(2) == 0 {
				sk = append(sk, s)
			}
		}
		for d := range days {
			base := int64(d) * day
			r := Route{
				ID: fmt.Sprintf("t%d-d%d", t, d), Vehicle: fmt.Sprintf("t%d", t), Day: d,
				StartLoc: rng.IntN(locs), EndLoc: rng.IntN(locs), Skills: sk,
			}
			switch rng.IntN(3) {
			case 0:
				r.Shifts = []Window{{base + 100, base + 700}}
			case 1:
				r.Shifts = []Window{{base + 100, base + 380}, {base + 450, base + 800}}
			default:
				r.Shifts = []Window{{base + 200 + rng.Int64N(100), base + 600 + rng.Int64N(200)}}
			}
			if rng.IntN(2) == 0 {
				r.Break = &Break{Window: Window{base + 350, base + 450}, Duration: 30 + rng.Int64N(30)}
			}
			if rng.IntN(2) == 0 {
				r.Capacity = 3 + rng.Int64N(5)
			}
			if rng.IntN(3) == 0 {
				r.MaxWork = 250 + rng.Int64N(300)
			}
			p.Routes = append(p.Routes, r)
		}
	}
	for s := range n {
		st := Stop{
			ID: fmt.Sprintf("s%d", s), Loc: rng.IntN(locs), Service: 10 + rng.Int64N(50),
			Load: 1 + rng.Int64N(2), Priority: Priority(rng.IntN(4)),
		}
		st.Group = fmt.Sprintf("g%d", st.Loc)
		for range 1 + rng.IntN(3) {
			d := int64(rng.IntN(days))
			a := d*day + 100 + rng.Int64N(600)
			st.Windows = append(st.Windows, Window{a, a + rng.Int64N(300)})
		}
		if rng.IntN(4) == 0 {
			st.Skills = []string{skills[rng.IntN(3)]}
		}
		if rng.IntN(6) == 0 {
			st.Excluded = []string{fmt.Sprintf("t%d", rng.IntN(m))}
		}
		if rng.IntN(6) == 0 {
			st.Preferred = []string{fmt.Sprintf("t%d", rng.IntN(m))}
		}
		if rng.IntN(5) == 0 {
			st.History = map[string]int{fmt.Sprintf("t%d", rng.IntN(m)): 1 + rng.IntN(3)}
		}
		if rng.IntN(3) == 0 {
			d := int64(rng.IntN(days))
			a := d*day + 100 + rng.Int64N(600)
			st.PreferredWindows = []Window{{a, a + rng.Int64N(200)}}
		}
		if rng.IntN(5) == 0 {
			st.Previous = &Assignment{Vehicle: fmt.Sprintf("t%d", rng.IntN(m)), Day: rng.IntN(days), Start: st.Windows[0].Start + rng.Int64N(50)}
		}
		p.Stops = append(p.Stops, st)
	}
	return p
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
