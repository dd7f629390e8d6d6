// Command vrpbench measures the scheduler on Solomon VRPTW instances: it
// solves every *.txt in a folder, checks each plan with the independent
// checker and with an exact float64 recomputation, and prints vehicles,
// distance and the gap to the best-known solutions per instance and family.
// With -generate it instead writes generated instances in the style of the
// Solomon and Gehring–Homberger families (R1/C1/RC1, R2/C2/RC2, any number
// of customers) for measuring on instances the engine was not tuned on.
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldvisit/fieldvisit/scheduler"
	"github.com/fieldvisit/fieldvisit/scheduler/checker"
	"github.com/fieldvisit/fieldvisit/scheduler/solomon"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

type known struct {
	vehicles int
	distance float64
}

type result struct {
	iters    int64
	name     string
	vehicles int
	distance float64
	seconds  float64
	bks      known
	hasBKS   bool
}

// options are the command line's flags.
type options struct {
	dir, objective, csvPath, routesDir, only string
	limit                                    time.Duration
	workers, iters                           int
	seed                                     int64
	scale                                    float64
	// generate, families and customers are for -generate.
	generate, families, customers string
}

// parseFlags reads the command line; flag has reported an error to stderr.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("vrpbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.dir, "dir", "../shared/bench/solomon", "folder of Solomon-format *.txt instances (with optional bks.csv, bks_distance.csv)")
	fs.DurationVar(&o.limit, "time", 5*time.Second, "time limit per instance")
	fs.StringVar(&o.objective, "objective", "hierarchical", "distance | hierarchical (vehicles, then distance)")
	fs.StringVar(&o.csvPath, "csv", "", "write instance,vehicles,distance,seconds to this file")
	fs.StringVar(&o.routesDir, "routes", "", "write one file of routes per instance to this folder")
	fs.IntVar(&o.workers, "workers", 1, "parallel search workers")
	fs.Int64Var(&o.seed, "seed", 1, "random seed")
	fs.StringVar(&o.only, "only", "", "comma-separated instance names to run (default all)")
	fs.Float64Var(&o.scale, "scale", 100000, "integer scale of distances")
	fs.IntVar(&o.iters, "iters", 0, "iteration budget per instance (0 = until -time); with -time 0 the run is reproducible")
	fs.StringVar(&o.generate, "generate", "", "instead of solving, write generated Solomon-format instances to this folder (see -families, -customers, -seed)")
	fs.StringVar(&o.families, "families", strings.Join(solomon.Families(), ","), "with -generate: comma-separated families (r1, c1, rc1, r2, c2, rc2)")
	fs.StringVar(&o.customers, "customers", "200,1000", "with -generate: comma-separated numbers of customers")
	return o, fs.Parse(args)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return 2
	}
	if o.generate != "" {
		if err := writeGenerated(o.generate, o.families, o.customers, uint64(o.seed)); err != nil {
			fmt.Fprintf(stderr, "vrpbench: %v\n", err)
			return 1
		}
		return 0
	}
	if o.objective != "distance" && o.objective != "hierarchical" {
		fmt.Fprintf(stderr, "vrpbench: -objective must be distance or hierarchical\n")
		return 2
	}
	files, bks, err := o.inputs()
	if err != nil {
		fmt.Fprintf(stderr, "vrpbench: %v\n", err)
		return 1
	}
	if o.routesDir != "" {
		if err := os.MkdirAll(o.routesDir, 0o755); err != nil {
			fmt.Fprintf(stderr, "vrpbench: %v\n", err)
			return 1
		}
	}
	results, failed := o.solveAll(ctx, files, bks, stdout, stderr)
	summarise(stdout, results)
	if o.csvPath != "" {
		if err := writeCSV(o.csvPath, results); err != nil {
			fmt.Fprintf(stderr, "vrpbench: %v\n", err)
			return 1
		}
	}
	if failed {
		return 1
	}
	return 0
}

// inputs lists the instances to solve, sorted and filtered by -only, and
// reads the best-known solutions of the objective, if the folder has them.
func (o options) inputs() ([]string, map[string]known, error) {
	files, err := filepath.Glob(filepath.Join(o.dir, "*.txt"))
	if err != nil || len(files) == 0 {
		return nil, nil, fmt.Errorf("no *.txt instances in %s", o.dir)
	}
	slices.Sort(files)
	if o.only != "" {
		filter := map[string]bool{}
		for _, s := range strings.Split(o.only, ",") {
			filter[strings.ToLower(strings.TrimSpace(s))] = true
		}
		files = slices.DeleteFunc(files, func(f string) bool { return !filter[strings.ToLower(instanceName(f))] })
	}
	bksFile := "bks.csv"
	if o.objective == "distance" {
		bksFile = "bks_distance.csv"
	}
	bks, err := readBKS(filepath.Join(o.dir, bksFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	return files, bks, nil
}

// instanceName is an instance's name: its file name without ".txt".
func instanceName(path string) string { return strings.TrimSuffix(filepath.Base(path), ".txt") }

// solveAll solves each file in turn, printing a table row per instance as
// it goes; failed reports whether any instance could not be solved.
func (o options) solveAll(ctx context.Context, files []string, bks map[string]known, stdout, stderr io.Writer) (results []result, failed bool) {
	fmt.Fprintf(stdout, "vrpbench: objective=%s time=%s iters=%d workers=%d seed=%d GOMAXPROCS=%d\n",
		o.objective, o.limit, o.iters, o.workers, o.seed, runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "\n| instance | vehicles | distance | best known (veh / dist) | gap %% | seconds | iterations |\n")
	fmt.Fprintf(stdout, "|---|---:|---:|---|---:|---:|---:|\n")
	for _, f := range files {
		name := instanceName(f)
		res, err := solveOne(ctx, f, name, o.limit, o.iters, o.objective == "hierarchical", o.workers, o.seed, o.scale, o.routesDir)
		if err != nil {
			fmt.Fprintf(stderr, "vrpbench: %s: %v\n", name, err)
			failed = true
			continue
		}
		res.bks, res.hasBKS = bks[strings.ToLower(name)]
		results = append(results, res)
		printInstance(stdout, res)
	}
	return results, failed
}

func solveOne(ctx context.Context, path, name string, limit time.Duration, iters int, hierarchical bool, workers int, seed int64, scale float64, routesDir string) (result, error) {
	f, err := os.Open(path)
	if err != nil {
		return result{}, fmt.Errorf("open instance: %w", err)
	}
	inst, err := solomon.Parse(f)
	f.Close()
	if err != nil {
		return result{}, err
	}
	p := inst.Problem(scale)
	opt := scheduler.Options{Seed: seed, TimeLimit: limit, MaxIterations: iters, Workers: workers}
	if hierarchical {
		opt.Objective = scheduler.ObjectiveRoutesFirst
	}
	start := time.Now()
	sol, err := scheduler.Solve(ctx, p, opt)
	secs := time.Since(start).Seconds()
	if err != nil {
		return result{}, fmt.Errorf("solve: %w", err)
	}
	if _, err := checker.Check(p, sol); err != nil {
		return result{}, fmt.Errorf("checker rejected the plan: %w", err)
	}
	if len(sol.Unassigned) > 0 {
		return result{}, fmt.Errorf("%d customers unassigned", len(sol.Unassigned))
	}
	var routes [][]int
	for _, rp := range sol.Routes {
		var r []int
		for _, v := range rp.Visits {
			r = append(r, p.Stops[v.Stop].Loc)
		}
		routes = append(routes, r)
	}
	dist, err := inst.Verify(routes)
	if err != nil {
		return result{}, fmt.Errorf("exact recomputation: %w", err)
	}
	if routesDir != "" {
		var b strings.Builder
		for i, r := range routes {
			fmt.Fprintf(&b, "Route %d:", i+1)
			for _, node := range r {
				fmt.Fprintf(&b, " %d", inst.Nodes[node].ID)
			}
			b.WriteString("\n")
		}
		if err := os.WriteFile(filepath.Join(routesDir, name+".txt"), []byte(b.String()), 0o644); err != nil {
			return result{}, fmt.Errorf("write routes: %w", err)
		}
	}
	return result{name: name, vehicles: len(routes), distance: dist, seconds: secs, iters: sol.Stats.Iterations}, nil
}

func readBKS(path string) (map[string]known, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	out := map[string]known{}
	for i, row := range rows {
		if len(row) < 3 {
			continue
		}
		v, err1 := strconv.Atoi(strings.TrimSpace(row[1]))
		d, err2 := strconv.ParseFloat(strings.TrimSpace(row[2]), 64)
		if err1 != nil || err2 != nil {
			if i == 0 {
				continue // header
			}
			return nil, fmt.Errorf("%s line %d: bad row %v", path, i+1, row)
		}
		out[strings.ToLower(strings.TrimSpace(row[0]))] = known{v, d}
	}
	return out, nil
}

// family is the instance name without its number: c1, r1, rc1, r2, ...;
// for Gehring–Homberger names (R1_2_1) it keeps the size: r1_2.
func family(name string) string {
	name = strings.ToLower(name)
	if parts := strings.Split(name, "_"); len(parts) >= 3 {
		return parts[0] + "_" + parts[1]
	}
	i := strings.IndexFunc(name, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 || i+1 > len(name) {
		return name
	}
	return name[:i+1]
}

// printInstance writes one row of the per-instance table. A plan with more
// vehicles than the best known is marked, since its distance gap compares
// unlike plans (and is often negative).
func printInstance(w io.Writer, r result) {
	veh, known, gap := strconv.Itoa(r.vehicles), "–", "–"
	if r.hasBKS {
		known = fmt.Sprintf("%d / %.2f", r.bks.vehicles, r.bks.distance)
		gap = fmt.Sprintf("%+.2f", 100*(r.distance/r.bks.distance-1))
		if d := r.vehicles - r.bks.vehicles; d != 0 {
			veh += fmt.Sprintf(" (%+d veh)", d)
		}
	}
	fmt.Fprintf(w, "| %s | %s | %.2f | %s | %s | %.2f | %d |\n", r.name, veh, r.distance, known, gap, r.seconds, r.iters)
}

// summarise writes the per-family table: vehicles summed over the family
// against the best-known sum, how many instances reach the best-known
// vehicle count (or go below it), the mean distance gap over all instances
// and over those, and the mean solve time.
func summarise(w io.Writer, results []result) {
	type agg struct {
		n, withBKS, vehMatch int
		gap, gapMatched      float64
		secs, maxSecs        float64
		veh, bksVeh          int
	}
	fams := map[string]*agg{}
	var order []string
	for _, r := range results {
		f := family(r.name)
		a := fams[f]
		if a == nil {
			a = &agg{}
			fams[f] = a
			order = append(order, f)
		}
		a.n++
		a.secs += r.seconds
		a.maxSecs = max(a.maxSecs, r.seconds)
		a.veh += r.vehicles
		if r.hasBKS {
			a.withBKS++
			a.bksVeh += r.bks.vehicles
			g := 100 * (r.distance/r.bks.distance - 1)
			a.gap += g
			if r.vehicles <= r.bks.vehicles {
				a.vehMatch++
				a.gapMatched += g
			}
		}
	}
	fmt.Fprintf(w, "\n| family | instances | vehicles (sum) | best-known vehicles (sum) | instances with best-known vehicles or fewer | avg distance gap %% | avg distance gap %% on those instances | avg seconds | max seconds |\n")
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, f := range order {
		a := fams[f]
		bksVeh, hit, gap, gm := "–", "–", "–", "–"
		if a.withBKS > 0 {
			bksVeh = strconv.Itoa(a.bksVeh)
			hit = fmt.Sprintf("%d/%d", a.vehMatch, a.withBKS)
			gap = fmt.Sprintf("%+.2f", a.gap/float64(a.withBKS))
		}
		if a.vehMatch > 0 {
			gm = fmt.Sprintf("%+.2f", a.gapMatched/float64(a.vehMatch))
		}
		fmt.Fprintf(w, "| %s | %d | %d | %s | %s | %s | %s | %.2f | %.2f |\n", strings.ToUpper(f), a.n, a.veh, bksVeh, hit, gap, gm, a.secs/float64(a.n), a.maxSecs)
	}
}

func writeCSV(path string, results []result) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create csv: %w", err)
	}
	cw := csv.NewWriter(f)
	_ = cw.Write([]string{"instance", "vehicles", "distance", "seconds"})
	for _, r := range results {
		_ = cw.Write([]string{r.name, strconv.Itoa(r.vehicles), strconv.FormatFloat(r.distance, 'f', 2, 64), strconv.FormatFloat(r.seconds, 'f', 2, 64)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Close()
		return fmt.Errorf("write csv: %w", err)
	}
	return f.Close()
}

// writeGenerated writes one generated instance per family and number of
// customers into dir, named in the Gehring–Homberger style (R1_10_1.txt:
// family R1, 1,000 customers, seed 1).
func writeGenerated(dir, families, customers string, seed uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	for _, c := range strings.Split(customers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n <= 0 {
			return fmt.Errorf("bad -customers value %q", c)
		}
		for _, fam := range strings.Split(families, ",") {
			inst, err := solomon.Generate(solomon.GenerateConfig{Family: strings.TrimSpace(fam), Customers: n, Seed: seed})
			if err != nil {
				return err
			}
			var b strings.Builder
			if err := inst.Encode(&b); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, inst.Name+".txt"), []byte(b.String()), 0o644); err != nil {
				return fmt.Errorf("write instance: %w", err)
			}
		}
	}
	return nil
}
