// Command apibench measures the API's reads at a year's data on the
// embedded database (issue 10, point 1): it starts the real service
// in-process on a fresh embedded database, seeds requests, visits, clinics,
// trainers and the lists around them through the store, and then drives
// every list and lookup over loopback HTTP with API tokens, each as the
// role that uses it, at several numbers of concurrent clients. It prints
// p50/p95/p99 per endpoint and client count and the answers that were not
// 2xx by status. It is a measurement, not a test: it never fails on time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run parses args, runs the benchmark and prints its table to stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if err := bench(ctx, o, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "apibench: %v\n", err)
		return exitError
	}
	return exitOK
}

// parseFlags reads the options; problems are printed to stderr.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	o := options{}
	fs := flag.NewFlagSet("apibench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.Requests, "requests", 10000, "requests to seed")
	fs.IntVar(&o.Visits, "visits", 20000, "visits to seed")
	fs.IntVar(&o.Clinics, "clinics", 200, "clinics to seed")
	fs.IntVar(&o.Trainers, "trainers", 60, "trainers to seed")
	clients := fs.String("clients", "1,10,50", "comma-separated numbers of concurrent clients")
	fs.DurationVar(&o.Duration, "duration", 5*time.Second, "how long each endpoint is driven at each client count")
	fs.StringVar(&o.DataDir, "data-dir", "", "data directory of the embedded database (default: a fresh temporary one, removed at the end)")
	fs.Int64Var(&o.Seed, "seed", 1, "random seed of the data and of the ids looked up")
	fs.StringVar(&o.Only, "only", "", "run only the endpoints whose name contains this text")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the measured calls (not the seeding) to this file")
	fs.BoolVar(&o.NoReadModel, "no-read-model", false, "read the database for every request (as on MongoDB) instead of the read model")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	fail := func(format string, a ...any) (options, error) {
		err := fmt.Errorf(format, a...)
		fmt.Fprintf(stderr, "apibench: %v\n", err)
		return o, err
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q", fs.Arg(0))
	}
	for _, s := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 1000 {
			return fail("-clients: %q is not a number between 1 and 1000", s)
		}
		o.Clients = append(o.Clients, n)
	}
	switch {
	case o.Requests < 1 || o.Requests > 1_000_000:
		return fail("-requests must be between 1 and 1000000")
	case o.Visits < 0 || o.Visits > 2_000_000:
		return fail("-visits must be between 0 and 2000000")
	case o.Clinics < 1 || o.Clinics > 100_000:
		return fail("-clinics must be between 1 and 100000")
	case o.Trainers < 1 || o.Trainers > 100_000:
		return fail("-trainers must be between 1 and 100000")
	case o.Duration <= 0:
		return fail("-duration must be positive")
	}
	return o, nil
}
