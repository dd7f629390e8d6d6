// Command citybench measures the scheduler on synthetic weeks of a city
// like Moscow (package citygen) at several sizes: the time to the first
// feasible plan and to the final plan, the scheduled share per priority,
// travel hours, routes used, peak memory, and whether the independent
// checker accepts the plan.
//
// Usage:
//
//	go run ./cmd/citybench -sizes 100,500,1000,5000 -time 30s -seed 1
//
// Sizes are numbers of requests; trainers follow at 60 per 1,000 requests
// (-trainers) over 5 days. Travel times come from the built-in model (travel.DefaultModel)
// or, with -osrm, from an OSRM server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fieldvisit/fieldvisit/citygen"
	"github.com/fieldvisit/fieldvisit/scheduler"
	"github.com/fieldvisit/fieldvisit/scheduler/checker"
	"github.com/fieldvisit/fieldvisit/travel"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// result is one measured size.
type result struct {
	requests, trainers, routes, clinics int
	build                               time.Duration // generation and travel matrices
	first, final                        time.Duration // first progress report, whole solve
	firstCPU, finalCPU                  time.Duration // process CPU time at those moments
	firstPhase                          string
	perPriority                         [4][2]int // scheduled, total
	travelHours                         float64
	routesUsed                          int
	iterations                          int64
	stopped                             scheduler.StopReason
	heapPeak, totalPeak, vmHWM          uint64
	hwmReset                            bool
	checked                             error
	pinErr                              string
	reasons                             map[scheduler.Reason]int
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("citybench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("sizes", "100,500,1000,5000", "comma-separated numbers of requests")
	limit := fs.Duration("time", 30*time.Second, "time limit of each solve")
	seed := fs.Uint64("seed", 1, "seed of the generated weeks and of the search")
	workers := fs.Int("workers", 1, "parallel search workers")
	osrmURL := fs.String("osrm", "", "OSRM server base URL for travel times (default: the built-in model)")
	verbose := fs.Bool("progress", false, "print every progress report")
	perThousand := fs.Int("trainers", 60, "trainers per 1,000 requests")
	showLeftOut := fs.Int("unassigned", 0, "print the reason of up to this many stops left out per size")
	stall := fs.Int("stall", 0, "stop a solve after this many iterations without a better plan (0 = never, -1 = scheduler.DefaultStallIterations, as the service plans)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile (allocations of the whole run) to this file at the end")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "citybench: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "citybench: start CPU profile: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	var ns []int
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintf(stderr, "citybench: bad size %q\n", f)
			return 2
		}
		ns = append(ns, n)
	}
	var src travel.Source = travel.DefaultModel()
	if *osrmURL != "" {
		o, err := travel.NewOSRM(travel.OSRMConfig{BaseURL: *osrmURL})
		if err != nil {
			fmt.Fprintf(stderr, "citybench: %v\n", err)
			return 2
		}
		src = o
	}

	fmt.Fprintf(stdout, "citybench: %s/%s, %d CPUs, GOMAXPROCS %d, %s, time limit %v, workers %d, seed %d\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), *limit, *workers, *seed)
	var results []result
	failed := false
	for _, n := range ns {
		res, err := measure(ctx, n, max(3, (n**perThousand+999)/1000), *limit, *stall, *seed, *workers, src, *verbose, *showLeftOut, stdout)
		if err != nil {
			fmt.Fprintf(stderr, "citybench: %d requests: %v\n", n, err)
			return 1
		}
		printResult(stdout, res)
		results = append(results, res)
		failed = failed || res.checked != nil
		if ctx.Err() != nil {
			break
		}
	}
	printTable(stdout, results)
	if *memProfile != "" {
		if err := writeHeapProfile(*memProfile); err != nil {
			fmt.Fprintf(stderr, "citybench: %v\n", err)
			return 1
		}
	}
	if failed {
		return 1
	}
	return 0
}

func measure(ctx context.Context, n, trainers int, limit time.Duration, stall int, seed uint64, workers int, src travel.Source, verbose bool, showLeftOut int, stdout io.Writer) (result, error) {
	runtime.GC()
	res := result{requests: n, reasons: map[scheduler.Reason]int{}}
	res.hwmReset = resetHWM()
	sampler := startSampler()

	t0 := time.Now()
	week := citygen.Generate(citygen.Config{Requests: n, Trainers: trainers, Seed: seed})
	p, err := week.Problem(ctx, src)
	if err != nil {
		sampler.stop()
		return res, err
	}
	res.build = time.Since(t0)
	res.trainers, res.routes, res.clinics = len(week.Trainers), len(p.Routes), len(week.Clinics)

	// The first report comes right after construction, the first feasible
	// plan; the process CPU time beside it shows how much of the wall time
	// the solver really had on a shared machine.
	var first, firstCPU time.Duration
	var firstPhase string
	cpu0 := processCPU()
	opt := scheduler.Options{
		Seed: int64(seed), TimeLimit: limit, Workers: workers, StallIterations: stall,
		Progress: func(pr scheduler.Progress) {
			if firstPhase == "" {
				first, firstCPU, firstPhase = pr.Elapsed, processCPU()-cpu0, pr.Phase
			}
			if verbose {
				fmt.Fprintf(stdout, "  %6.2fs worker %d %-9s iter %8d best %d\n", pr.Elapsed.Seconds(), pr.Worker, pr.Phase, pr.Iteration, pr.BestCost)
			}
		},
	}
	if stall < 0 {
		opt.StallIterations = scheduler.DefaultStallIterations(len(p.Stops))
	}
	t1 := time.Now()
	sol, err := scheduler.Solve(ctx, p, opt)
	res.final = time.Since(t1)
	res.finalCPU = processCPU() - cpu0
	if pe, ok := errors.AsType[*scheduler.PinError](err); ok {
		res.pinErr = fmt.Sprintf("%d pins not honoured", len(pe.Stops))
	} else if err != nil {
		sampler.stop()
		return res, fmt.Errorf("solve: %w", err)
	}
	res.first, res.firstCPU, res.firstPhase = first, firstCPU, firstPhase
	if firstPhase == "" {
		res.first, res.firstCPU, res.firstPhase = res.final, res.finalCPU, "none"
	}
	res.heapPeak, res.totalPeak = sampler.stop()
	res.vmHWM = readHWM()

	_, res.checked = checker.Check(p, sol)
	for _, st := range p.Stops {
		res.perPriority[st.Priority][1]++
	}
	for _, rp := range sol.Routes {
		for _, v := range rp.Visits {
			res.perPriority[p.Stops[v.Stop].Priority][0]++
		}
	}
	for i, u := range sol.Unassigned {
		res.reasons[u.Reason]++
		if i < showLeftOut {
			fmt.Fprintf(stdout, "  left out %s (%s): %s: %s; %s\n", p.Stops[u.Stop].ID, p.Stops[u.Stop].Priority, u.Reason, u.Detail, u.Relaxation)
		}
	}
	res.travelHours = float64(sol.Cost.Travel) / 3600
	res.routesUsed = sol.Cost.RoutesUsed
	res.iterations = sol.Stats.Iterations
	res.stopped = sol.Stats.Stopped
	return res, nil
}

func printResult(w io.Writer, r result) {
	fmt.Fprintf(w, "\n%d requests, %d trainers (%d trainer-days), %d clinics; built in %.2fs\n", r.requests, r.trainers, r.routes, r.clinics, r.build.Seconds())
	fmt.Fprintf(w, "  first plan (first progress report, phase %q) %.2fs wall, %.2fs CPU; final plan %.2fs wall, %.2fs CPU; %d iterations, stopped by %s\n",
		r.firstPhase, r.first.Seconds(), r.firstCPU.Seconds(), r.final.Seconds(), r.finalCPU.Seconds(), r.iterations, r.stopped)
	var sched, total int
	for i, c := range r.perPriority {
		sched += c[0]
		total += c[1]
		fmt.Fprintf(w, "  %-7s %5d of %5d scheduled (%s)\n", scheduler.Priority(i), c[0], c[1], pct(c[0], c[1]))
	}
	fmt.Fprintf(w, "  all     %5d of %5d scheduled (%s); travel %.1f h; routes used %d\n", sched, total, pct(sched, total), r.travelHours, r.routesUsed)
	if len(r.reasons) > 0 {
		var parts []string
		for _, reason := range []scheduler.Reason{scheduler.ReasonNoSkill, scheduler.ReasonExcluded, scheduler.ReasonLoad,
			scheduler.ReasonNoWindowOverlap, scheduler.ReasonUnreachable, scheduler.ReasonMaxWork,
			scheduler.ReasonCapacity, scheduler.ReasonPin, scheduler.ReasonNotFound} {
			if c := r.reasons[reason]; c > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", reason, c))
			}
		}
		fmt.Fprintf(w, "  left out: %s\n", strings.Join(parts, ", "))
	}
	if r.pinErr != "" {
		fmt.Fprintf(w, "  %s\n", r.pinErr)
	}
	hwm := "VmHWM (process peak so far)"
	if r.hwmReset {
		hwm = "VmHWM (reset before this size)"
	}
	fmt.Fprintf(w, "  memory: heap peak %s (sampled every 10 ms), Go runtime total peak %s, %s %s\n", mib(r.heapPeak), mib(r.totalPeak), hwm, mib(r.vmHWM))
	if r.checked != nil {
		fmt.Fprintf(w, "  CHECKER REJECTS THE PLAN: %v\n", r.checked)
	} else {
		fmt.Fprintf(w, "  checker: plan valid\n")
	}
}

func printTable(w io.Writer, rs []result) {
	fmt.Fprintf(w, "\n| requests | trainers (routes) | first plan: wall (CPU) | final plan: wall (CPU) | scheduled urgent / high / normal / low / all | travel h | routes used | heap peak | VmHWM | checker |\n")
	fmt.Fprintf(w, "|---:|---:|---:|---:|---|---:|---:|---:|---:|---|\n")
	for _, r := range rs {
		var shares []string
		var s, t int
		for _, c := range r.perPriority {
			shares = append(shares, pct(c[0], c[1]))
			s += c[0]
			t += c[1]
		}
		shares = append(shares, pct(s, t))
		ok := "valid"
		if r.checked != nil {
			ok = "INVALID"
		}
		fmt.Fprintf(w, "| %d | %d (%d) | %.2f s (%.2f s) | %.2f s (%.2f s) | %s | %.1f | %d | %s | %s | %s |\n",
			r.requests, r.trainers, r.routes, r.first.Seconds(), r.firstCPU.Seconds(), r.final.Seconds(), r.finalCPU.Seconds(), strings.Join(shares, " / "),
			r.travelHours, r.routesUsed, mib(r.heapPeak), mib(r.vmHWM), ok)
	}
}

// writeHeapProfile writes the heap profile; its alloc_space view shows what
// allocated most over the whole run, the peak's likely owners.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create heap profile: %w", err)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("write heap profile: %w", err)
	}
	return f.Close()
}

func pct(a, b int) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(a)/float64(b))
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// sampler records the peak of the live heap and of all memory the Go
// runtime holds, read through runtime/metrics (no stop-the-world).
type sampler struct {
	done     chan struct{}
	wg       sync.WaitGroup
	heap     uint64
	total    uint64
	stopOnce sync.Once
}

func startSampler() *sampler {
	s := &sampler{done: make(chan struct{})}
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/total:bytes"},
	}
	read := func() {
		metrics.Read(samples)
		s.heap = max(s.heap, samples[0].Value.Uint64())
		s.total = max(s.total, samples[1].Value.Uint64())
	}
	read()
	s.wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-s.done:
				read()
				return
			case <-tick.C:
				read()
			}
		}
	})
	return s
}

// stop ends sampling and returns the heap and runtime-total peaks.
func (s *sampler) stop() (heap, total uint64) {
	s.stopOnce.Do(func() { close(s.done) })
	s.wg.Wait()
	return s.heap, s.total
}

// resetHWM asks Linux to reset the process's peak resident size (VmHWM),
// so each size reports its own peak; it reports whether that worked.
func resetHWM() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// readHWM returns VmHWM from /proc/self/status in bytes, or 0 off Linux.
func readHWM() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, err := strconv.ParseUint(f[0], 10, 64)
				if err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}
