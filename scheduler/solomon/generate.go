package solomon

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
)

// GenerateConfig describes a generated instance in the style of a Solomon
// or Gehring–Homberger family.
type GenerateConfig struct {
	// Family is "r1", "c1", "rc1" (short horizons, small capacity) or "r2",
	// "c2", "rc2" (long horizons, large capacity), case-insensitive.
	Family string
	// Customers is the number of customers (100 for Solomon's size, 200 to
	// 1,000 for Gehring–Homberger's).
	Customers int
	// Seed makes the instance reproducible.
	Seed uint64
	// Name is written on the first line; empty means the
	// Gehring–Homberger style name, e.g. "R1_10_1" for 1,000 customers and
	// seed 1.
	Name string
}

// familyShape holds the parameters of a family, on Solomon's 100 × 100
// grid: the horizon as a multiple of the grid side, the vehicle capacity,
// the service time and the range of window half-widths as fractions of the
// horizon.
type familyShape struct {
	horizon          float64
	capacity         int64
	service          int64
	halfMin, halfMax float64
	clustered        float64 // share of customers in clusters
}

// shapeOf returns the parameters of family fam; ok is false for an
// unknown family.
func shapeOf(fam string) (sh familyShape, ok bool) {
	// Solomon: R1 horizon 230, C1 1236, RC1 240; R2 1000, C2 3390, RC2 960.
	switch fam {
	case "r1":
		return familyShape{horizon: 2.3, capacity: 200, service: 10, halfMin: 0.02, halfMax: 0.15, clustered: 0}, true
	case "c1":
		return familyShape{horizon: 12.36, capacity: 200, service: 90, halfMin: 0.02, halfMax: 0.08, clustered: 1}, true
	case "rc1":
		return familyShape{horizon: 2.4, capacity: 200, service: 10, halfMin: 0.02, halfMax: 0.15, clustered: 0.5}, true
	case "r2":
		return familyShape{horizon: 10, capacity: 1000, service: 10, halfMin: 0.05, halfMax: 0.3, clustered: 0}, true
	case "c2":
		return familyShape{horizon: 33.9, capacity: 700, service: 90, halfMin: 0.02, halfMax: 0.1, clustered: 1}, true
	case "rc2":
		return familyShape{horizon: 9.6, capacity: 1000, service: 10, halfMin: 0.05, halfMax: 0.3, clustered: 0.5}, true
	}
	return familyShape{}, false
}

// Families lists the families Generate knows.
func Families() []string { return []string{"r1", "c1", "rc1", "r2", "c2", "rc2"} }

// Generate builds a random instance in the style of cfg.Family: the depot
// in the middle of a square grid whose side grows with the number of
// customers (100 for 100, about 500 for 1,000, as in Gehring–Homberger),
// customers uniform (R), in clusters (C) or half and half (RC), and a
// horizon and windows scaled with the grid. As in the originals, a quarter
// of the instances' customers (chosen by Seed: 100, 75, 50 or 25 % with
// windows) have tight windows and the rest span the horizon. Every customer
// can be served alone by one vehicle, so a plan always exists with enough
// vehicles; the fleet is a quarter of the customers, as in both
// benchmarks. The result is deterministic for a given config.
func Generate(cfg GenerateConfig) (*Instance, error) {
	fam := strings.ToLower(cfg.Family)
	sh, ok := shapeOf(fam)
	if !ok {
		return nil, fmt.Errorf("generate: unknown family %q (want one of %s)", cfg.Family, strings.Join(Families(), ", "))
	}
	n := cfg.Customers
	if n < 1 {
		return nil, fmt.Errorf("generate: %d customers", n)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(n)<<8|uint64(len(fam))))
	side := math.Round(100 * math.Pow(float64(n)/100, 0.7))
	// Small grids still leave room to reach the farthest corner and back.
	horizon := max(int64(math.Round(sh.horizon*side)), int64(math.Ceil(1.5*side))+sh.service+10)
	depot := Customer{ID: 0, X: math.Round(side / 2), Y: math.Round(side / 2), Due: horizon}
	name := cfg.Name
	if name == "" {
		name = fmt.Sprintf("%s_%d_%d", strings.ToUpper(fam), max(1, n/100), cfg.Seed)
	}
	inst := &Instance{Name: name, Vehicles: max(1, (n+3)/4), Capacity: sh.capacity, Nodes: []Customer{depot}}
	withWindows := []float64{1, 0.75, 0.5, 0.25}[cfg.Seed%4]
	nClusters := max(1, n/10)
	type point struct{ x, y float64 }
	centres := make([]point, nClusters)
	for i := range centres {
		centres[i] = point{side * (0.1 + 0.8*rng.Float64()), side * (0.1 + 0.8*rng.Float64())}
	}
	clamp := func(v float64) float64 { return math.Round(min(side, max(0, v))) }
	for i := 1; i <= n; i++ {
		var x, y float64
		if rng.Float64() < sh.clustered {
			c := centres[rng.IntN(nClusters)]
			x, y = clamp(c.x+rng.NormFloat64()*side/60), clamp(c.y+rng.NormFloat64()*side/60)
		} else {
			x, y = clamp(rng.Float64()*side), clamp(rng.Float64()*side)
		}
		d := math.Hypot(x-depot.X, y-depot.Y)
		// Served alone: arrive at d at the earliest, leave in time to be
		// back by the horizon.
		earliest := int64(math.Ceil(d))
		latest := int64(math.Floor(float64(horizon-sh.service) - d))
		c := Customer{ID: i, X: x, Y: y, Service: sh.service, Ready: 0, Due: latest}
		if fam[0] == 'c' {
			c.Demand = int64(10 * (1 + rng.IntN(4)))
		} else {
			c.Demand = int64(1 + rng.IntN(40))
		}
		if rng.Float64() < withWindows {
			centre := earliest + rng.Int64N(latest-earliest+1)
			half := int64(math.Round(float64(horizon) * (sh.halfMin + (sh.halfMax-sh.halfMin)*rng.Float64())))
			c.Ready, c.Due = max(0, centre-half), min(latest, centre+half)
		}
		inst.Nodes = append(inst.Nodes, c)
	}
	return inst, nil
}

// Encode writes the instance in the standard Solomon text format, which
// Parse reads back.
func (in *Instance) Encode(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s\n\nVEHICLE\nNUMBER     CAPACITY\n%5d %12d\n\nCUSTOMER\n", in.Name, in.Vehicles, in.Capacity)
	fmt.Fprintf(bw, "CUST NO.   XCOORD.   YCOORD.    DEMAND   READY TIME   DUE DATE   SERVICE TIME\n\n")
	for _, c := range in.Nodes {
		fmt.Fprintf(bw, "%5d %10s %10s %10d %10d %10d %10d\n", c.ID, coord(c.X), coord(c.Y), c.Demand, c.Ready, c.Due, c.Service)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write instance %s: %w", in.Name, err)
	}
	return nil
}

// coord prints an integer coordinate without a fraction, as the originals
// do, and any other exactly.
func coord(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%g", v)
}
