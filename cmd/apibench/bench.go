package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/config"
	"github.com/fieldvisit/fieldvisit/handlers"
	"github.com/fieldvisit/fieldvisit/store"
)

// options are the command's flags.
type options struct {
	Requests, Visits, Clinics, Trainers int
	Clients                             []int
	Duration                            time.Duration
	DataDir                             string
	Seed                                int64
	// Only, when set, keeps the endpoints whose name contains it.
	Only string
	// NoReadModel measures the service reading the database for every
	// request, as it does on MongoDB, instead of its read model.
	NoReadModel bool
	// CPUProfile, when set, is where a CPU profile of the measured calls goes.
	CPUProfile string
}

// disconnectTimeout bounds the goodbye to the embedded server.
const disconnectTimeout = 5 * time.Second

// bench starts the embedded database and the service on it, seeds the
// data, drives every endpoint at every client count and prints the table.
// Progress goes to progress, the results to out.
func bench(ctx context.Context, o options, out, progress io.Writer) error {
	dir := o.DataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "apibench-")
		if err != nil {
			return fmt.Errorf("make a temporary data directory: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	emb, err := store.StartEmbedded(ctx, dir)
	if err != nil {
		return fmt.Errorf("start the embedded database: %w", err)
	}
	defer emb.Close()
	client, err := store.Connect(ctx, emb.URI(), true)
	if err != nil {
		return err
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), disconnectTimeout)
		defer cancel()
		_ = client.Disconnect(dctx)
	}()
	st := store.New(client.Database("fieldvisit"), time.Now)
	if err := st.EnsureIndexes(ctx); err != nil {
		return fmt.Errorf("prepare the database: %w", err)
	}
	// As the service does on the embedded database.
	if _, err := emb.IndexIDLookups(ctx, "fieldvisit"); err != nil {
		return err
	}

	start := time.Now()
	fmt.Fprintf(progress, "seeding %d requests, %d visits, %d clinics, %d trainers in %s\n",
		o.Requests, o.Visits, o.Clinics, o.Trainers, dir)
	ds, err := seed(ctx, st, o, progress)
	if err != nil {
		return err
	}
	seeded := time.Since(start)
	fmt.Fprintf(progress, "seeded in %s\n", seeded.Round(time.Second))
	readModel := "off: every read queries the database"
	if !o.NoReadModel {
		// Loaded after seeding, as the service loads it when it starts.
		start = time.Now()
		if st, err = st.WithReadModel(ctx); err != nil {
			return err
		}
		readModel = fmt.Sprintf("on, loaded in %s", time.Since(start).Round(time.Millisecond))
		fmt.Fprintf(progress, "read model %s\n", readModel)
	}
	runtime.GC()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	readModel += fmt.Sprintf("; Go heap %d MiB before the calls (the whole process: embedded database, service, load generator)", mem.HeapAlloc>>20)

	// The per-caller limits are lifted in every cell: one account here
	// stands for many people, and even one client calling back to back
	// exceeds the default rate. The slots and queue wait that bound all
	// callers together stay as configured, so overload shows as 503.
	defaults := config.Default().Limits
	svc, err := startService(st, handlers.Limits{
		Slots: defaults.Slots, QueueWait: defaults.QueueWait, ReadTimeout: defaults.ReadTimeout,
	})
	if err != nil {
		return err
	}
	defer svc.close()

	eps := endpoints(ds)
	if o.Only != "" {
		eps = slices.DeleteFunc(eps, func(e endpoint) bool { return !strings.Contains(e.name, o.Only) })
	}
	fmt.Fprintf(out, "API reads: %d requests, %d visits, %d clinics, %d trainers on the embedded database (seeded in %s); read model %s\n",
		o.Requests, o.Visits, o.Clinics, o.Trainers, seeded.Round(time.Second), readModel)
	fmt.Fprintf(out, "GOMAXPROCS %d, %s/%s, %s per cell; per-caller limits LIFTED (default %d in flight, %d/s burst %d per caller would refuse these clients with 429), request slots %d and queue wait %s as configured (503 beyond); lists ask limit=50\n\n",
		runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, o.Duration,
		defaults.PerPrincipal, defaults.Rate, defaults.Burst, defaults.Slots, defaults.QueueWait)
	if o.CPUProfile != "" {
		stopProfile, err := startProfile(o.CPUProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	fmt.Fprintln(out, "| endpoint | role | clients | n | p50 ms | p95 ms | p99 ms | not 2xx |")
	fmt.Fprintln(out, "|---|---|---:|---:|---:|---:|---:|---|")
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 2))
	for _, e := range eps {
		for _, n := range o.Clients {
			if err := ctx.Err(); err != nil {
				return err
			}
			if waited, ok := settle(ctx, svc.url, ds.tokens.coordinator); !ok {
				fmt.Fprintf(progress, "the database was still busy %s after the last cell; measuring anyway\n", waited.Round(time.Second))
			}
			r := drive(ctx, svc.url, e, n, o.Duration, rng.Uint64())
			fmt.Fprintln(out, r.row(e, n))
		}
	}
	return nil
}

// service is the real API served on a loopback port.
type service struct {
	url string
	srv *http.Server
}

// startService serves the handlers on st with limits on 127.0.0.1.
func startService(st *store.Store, limits handlers.Limits) (*service, error) {
	gin.SetMode(gin.ReleaseMode)
	api, err := handlers.New(handlers.Config{
		Store:  st,
		Logger: slog.New(slog.DiscardHandler),
		Now:    time.Now,
		Ready:  st.Ping,
		Limits: limits,
	})
	if err != nil {
		return nil, fmt.Errorf("build the API: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &service{url: "http://" + ln.Addr().String(), srv: srv}, nil
}

func (s *service) close() { _ = s.srv.Close() }

// endpoint is one read of the API as one role: path picks the URL path of
// the next call.
type endpoint struct {
	name  string
	role  string
	token string
	path  func(r *rand.Rand) string
}

// endpoints lists every list and lookup the API offers, each as the role
// that uses it.
func endpoints(d *dataset) []endpoint {
	fixed := func(p string) func(*rand.Rand) string { return func(*rand.Rand) string { return p } }
	pick := func(prefix string, ids []string) func(*rand.Rand) string {
		return func(r *rand.Rand) string { return prefix + ids[r.IntN(len(ids))] }
	}
	const api = "/api/v1"
	co, cl, tr := d.tokens.coordinator, d.tokens.clinic, d.tokens.trainer
	return []endpoint{
		{"GET /requests?limit=50", "coordinator", co, fixed(api + "/requests?limit=50")},
		{"GET /requests?limit=50", "clinic", cl, fixed(api + "/requests?limit=50")},
		{"GET /requests?limit=50", "trainer", tr, fixed(api + "/requests?limit=50")},
		{"GET /visits?limit=50", "coordinator", co, fixed(api + "/visits?limit=50")},
		{"GET /visits?week&limit=50", "coordinator", co, fixed(api + "/visits?week=" + string(d.week) + "&limit=50")},
		{"GET /visits?limit=50", "trainer", tr, fixed(api + "/visits?limit=50")},
		{"GET /clinics?limit=50", "coordinator", co, fixed(api + "/clinics?limit=50")},
		{"GET /trainers?limit=50", "coordinator", co, fixed(api + "/trainers?limit=50")},
		{"GET /users?limit=50", "coordinator", co, fixed(api + "/users?limit=50")},
		{"GET /outbox?limit=50", "coordinator", co, fixed(api + "/outbox?limit=50")},
		{"GET /audit?limit=50", "coordinator", co, fixed(api + "/audit?limit=50")},
		{"GET /change-requests?limit=50", "coordinator", co, fixed(api + "/change-requests?limit=50")},
		{"GET /plans/{week}", "coordinator", co, fixed(api + "/plans/" + string(d.week))},
		{"GET /requests/{id}", "coordinator", co, pick(api+"/requests/", d.requestIDs)},
		{"GET /requests/{id}", "clinic", cl, pick(api+"/requests/", d.clinicRequestIDs)},
		{"GET /visits/{id}", "coordinator", co, pick(api+"/visits/", d.visitIDs)},
		{"GET /visits/{id}", "trainer", tr, pick(api+"/visits/", d.trainerVisitIDs)},
		{"GET /clinics/{id}", "coordinator", co, pick(api+"/clinics/", d.clinicIDs)},
		{"GET /clinics/{id}", "clinic", cl, fixed(api + "/clinics/" + d.clinicIDs[0])},
		{"GET /trainers/{id}", "coordinator", co, pick(api+"/trainers/", d.trainerIDs)},
		{"GET /trainers/{id}", "trainer", tr, fixed(api + "/trainers/" + d.trainerIDs[0])},
	}
}

// Before each cell the database must have caught up with the last one,
// whose timed-out reads the embedded server may still be working on:
// settle waits until settleQuick calls of /api/v1/me in a row (a token
// lookup) answer within settleLatency, at most settleMax.
const (
	settleQuick   = 2
	settleLatency = 250 * time.Millisecond
	settleMax     = time.Minute
)

// settle waits for a quiet database as above; it reports how long it
// waited and whether the database became quiet.
func settle(ctx context.Context, base, token string) (time.Duration, bool) {
	hc := &http.Client{Timeout: settleMax}
	defer hc.CloseIdleConnections()
	start := time.Now()
	quick := 0
	for time.Since(start) < settleMax && ctx.Err() == nil {
		status, took, err := call(ctx, hc, base+"/api/v1/me", token)
		if err == nil && status == http.StatusOK && took < settleLatency {
			quick++
			if quick == settleQuick {
				return time.Since(start), true
			}
			continue
		}
		quick = 0
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(start), false
}

// result is what one cell measured.
type result struct {
	latencies []time.Duration // of the 2xx answers
	statuses  map[int]int     // answers that were not 2xx
	failed    int             // calls without an answer
}

// drive has clients goroutines call e back to back for d and collects
// the latencies of the 2xx answers and the count of every other status.
// A call under way at the end of d is finished and counted, so a cell of
// slow calls still measures at least one per client.
func drive(ctx context.Context, base string, e endpoint, clients int, d time.Duration, seed uint64) result {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	end := time.Now().Add(d)
	var (
		mu  sync.Mutex
		all = result{statuses: map[int]int{}}
		wg  sync.WaitGroup
	)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			var mine result
			mine.statuses = map[int]int{}
			for ctx.Err() == nil && time.Now().Before(end) {
				status, took, err := call(ctx, hc, base+e.path(rng), e.token)
				switch {
				case err != nil && ctx.Err() != nil:
					// Interrupted: not a measurement.
				case err != nil:
					mine.failed++
				case status >= 200 && status < 300:
					mine.latencies = append(mine.latencies, took)
				default:
					mine.statuses[status]++
				}
			}
			mu.Lock()
			defer mu.Unlock()
			all.latencies = append(all.latencies, mine.latencies...)
			for s, n := range mine.statuses {
				all.statuses[s] += n
			}
			all.failed += mine.failed
		}()
	}
	wg.Wait()
	return all
}

// call makes one GET with the token and reads the whole answer.
func call(ctx context.Context, hc *http.Client, url, token string) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("read answer: %w", err)
	}
	return resp.StatusCode, took, nil
}

// row formats r as a line of the Markdown table.
func (r result) row(e endpoint, clients int) string {
	slices.Sort(r.latencies)
	q := func(p float64) string {
		if len(r.latencies) == 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f", ms(percentile(r.latencies, p)))
	}
	var bad []string
	codes := make([]int, 0, len(r.statuses))
	for s := range r.statuses {
		codes = append(codes, s)
	}
	sort.Ints(codes)
	for _, s := range codes {
		bad = append(bad, fmt.Sprintf("%d×%d", s, r.statuses[s]))
	}
	if r.failed > 0 {
		bad = append(bad, fmt.Sprintf("no answer×%d", r.failed))
	}
	if len(bad) == 0 {
		bad = []string{"–"}
	}
	return fmt.Sprintf("| %s | %s | %d | %d | %s | %s | %s | %s |",
		e.name, e.role, clients, len(r.latencies), q(50), q(95), q(99), strings.Join(bad, " "))
}

// percentile is the nearest-rank p-th percentile of sorted, which is not
// empty.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// startProfile starts a CPU profile into path and returns what stops it.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create the CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start the CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
