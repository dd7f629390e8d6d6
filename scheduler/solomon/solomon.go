// Package solomon reads Solomon VRPTW instances (the standard text format of
// the benchmark), models them as scheduler problems and verifies plans
// against the raw data in exact float64 arithmetic.
package solomon

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/fieldvisit/fieldvisit/scheduler"
)

// Customer is one row of a Solomon instance; row 0 is the depot.
type Customer struct {
	ID                  int
	X, Y                float64
	Demand              int64
	Ready, Due, Service int64
}

// Instance is a parsed Solomon VRPTW instance.
type Instance struct {
	Name     string
	Vehicles int
	Capacity int64
	// Nodes are the rows in file order; node 0 is the depot.
	Nodes []Customer
}

// Parse reads the standard Solomon text format: a name line, a
// VEHICLE section with "NUMBER CAPACITY" and a CUSTOMER table of seven
// numbers per row.
func Parse(r io.Reader) (*Instance, error) {
	sc := bufio.NewScanner(r)
	inst := &Instance{}
	section := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		upper := strings.ToUpper(line)
		switch {
		case inst.Name == "":
			inst.Name = line
			continue
		case strings.HasPrefix(upper, "VEHICLE"):
			section = "vehicle"
			continue
		case strings.HasPrefix(upper, "CUSTOMER"):
			section = "customer"
			continue
		case strings.HasPrefix(upper, "NUMBER") || strings.HasPrefix(upper, "CUST"):
			continue
		}
		f := strings.Fields(line)
		nums := make([]float64, len(f))
		for i, s := range f {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("parse %q: %w", line, err)
			}
			nums[i] = v
		}
		switch section {
		case "vehicle":
			if len(nums) != 2 {
				return nil, fmt.Errorf("vehicle line %q: want 2 numbers", line)
			}
			inst.Vehicles, inst.Capacity = int(nums[0]), int64(nums[1])
		case "customer":
			if len(nums) != 7 {
				return nil, fmt.Errorf("customer line %q: want 7 numbers", line)
			}
			inst.Nodes = append(inst.Nodes, Customer{
				ID: int(nums[0]), X: nums[1], Y: nums[2], Demand: int64(nums[3]),
				Ready: int64(nums[4]), Due: int64(nums[5]), Service: int64(nums[6]),
			})
		default:
			return nil, fmt.Errorf("unexpected line %q", line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read instance: %w", err)
	}
	if inst.Vehicles <= 0 || len(inst.Nodes) < 2 {
		return nil, fmt.Errorf("instance %q: missing vehicle or customer data", inst.Name)
	}
	return inst, nil
}

// Dist is the unrounded Euclidean distance between nodes a and b.
func (in *Instance) Dist(a, b int) float64 {
	return math.Hypot(in.Nodes[a].X-in.Nodes[b].X, in.Nodes[a].Y-in.Nodes[b].Y)
}

// Problem models the instance for the scheduler: one route per vehicle
// with the depot window as its shift, Euclidean distance as travel time
// scaled by scale and rounded up, so that a plan feasible in integers is
// feasible in exact arithmetic too.
func (in *Instance) Problem(scale float64) *scheduler.Problem {
	n := len(in.Nodes)
	mat := scheduler.Matrix{Size: n, Time: make([]int64, n*n)}
	for a := range n {
		for b := range n {
			if a != b {
				mat.Time[a*n+b] = int64(math.Ceil(in.Dist(a, b)*scale - 1e-9))
			}
		}
	}
	sc := int64(scale)
	depot := in.Nodes[0]
	p := &scheduler.Problem{Matrices: []scheduler.Matrix{mat}}
	p.Weights = scheduler.Weights{Scheduled: [4]int64{1e15, 1e15, 1e15, 1e15}, Travel: 1}
	for v := range in.Vehicles {
		p.Routes = append(p.Routes, scheduler.Route{
			ID: fmt.Sprintf("v%d", v+1), Vehicle: fmt.Sprintf("v%d", v+1),
			Shifts:   []scheduler.Window{{Start: depot.Ready * sc, End: depot.Due * sc}},
			Capacity: in.Capacity,
		})
	}
	for i := 1; i < n; i++ {
		c := in.Nodes[i]
		p.Stops = append(p.Stops, scheduler.Stop{
			ID: strconv.Itoa(c.ID), Loc: i, Service: c.Service * sc,
			Windows: []scheduler.Window{{Start: c.Ready * sc, End: c.Due * sc}},
			Load:    c.Demand, Priority: scheduler.PriorityNormal,
		})
	}
	return p
}

// Verify recomputes every route in float64 from the raw data, checking
// windows, the depot due time and capacity, and returns the total distance.
func (in *Instance) Verify(routes [][]int) (float64, error) {
	seen := make([]bool, len(in.Nodes))
	var total float64
	depot := in.Nodes[0]
	const eps = 1e-9
	for ri, r := range routes {
		t := float64(depot.Ready)
		prev := 0
		var load int64
		for _, node := range r {
			if node <= 0 || node >= len(in.Nodes) || seen[node] {
				return 0, fmt.Errorf("route %d: customer index %d invalid or repeated", ri+1, node)
			}
			seen[node] = true
			c := in.Nodes[node]
			d := in.Dist(prev, node)
			total += d
			t = math.Max(t+d, float64(c.Ready))
			if t > float64(c.Due)+eps {
				return 0, fmt.Errorf("route %d: customer %d starts at %.4f after due %d", ri+1, c.ID, t, c.Due)
			}
			t += float64(c.Service)
			load += c.Demand
			prev = node
		}
		d := in.Dist(prev, 0)
		total += d
		if t+d > float64(depot.Due)+eps {
			return 0, fmt.Errorf("route %d: back at the depot at %.4f after %d", ri+1, t+d, depot.Due)
		}
		if load > in.Capacity {
			return 0, fmt.Errorf("route %d: load %d over capacity %d", ri+1, load, in.Capacity)
		}
	}
	for i := 1; i < len(in.Nodes); i++ {
		if !seen[i] {
			return 0, fmt.Errorf("customer %d not served", in.Nodes[i].ID)
		}
	}
	if len(routes) > in.Vehicles {
		return 0, fmt.Errorf("%d routes, fleet is %d", len(routes), in.Vehicles)
	}
	return total, nil
}
