// Command fieldvisit is the Fieldvisit service and its administration tool:
// "serve" runs the web service and its jobs, "plan" plans one week, "seed"
// loads demo data, "user add" creates accounts, "version" tells what was
// built.
//
// main only wires: run parses the subcommand, builds every component with
// its constructor and tears them down in reverse order, and tests call run
// directly with their own arguments, environment and output.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	// The zone database inside the binary: FIELDVISIT_TZ must load on
	// machines and containers without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/fieldvisit/fieldvisit/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // the command line or the configuration is wrong
)

const usage = `Fieldvisit plans trainers' visits to clinics.

Usage:
  fieldvisit serve [--demo-if-empty] [settings]
      run the web service and its scheduled jobs (nightly planning, e-mail, reminders);
      --demo-if-empty loads the demo city into a database without users and plans its coming week
  fieldvisit plan [--week YYYY-MM-DD] [settings]
      plan a week now (default: the coming one) as a new draft version and print a summary
  fieldvisit seed --demo [--reset] [settings]
      load the demo city; refuses a database that holds data unless --reset drops it first
  fieldvisit user add --email E --name N --role coordinator|trainer|clinic
                      [--trainer-id ID | --clinic-id ID] [--password P] [--lang ru|en] [settings]
      create an account; the password comes from --password, $FIELDVISIT_PASSWORD
      or the first line of standard input when it is not a terminal
  fieldvisit version
      print the build's version
  fieldvisit help [config]
      print this help, or the settings as a Markdown table

Every setting is an environment variable and a flag that overrides it
(see "fieldvisit help config" or "fieldvisit serve -h").
`

// run executes one subcommand and returns the process exit code. It never
// exits itself, so tests run it like the binary.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, getenv, stdout, stderr)
	case "plan":
		return planWeek(ctx, rest, getenv, stdout, stderr)
	case "seed":
		return seed(ctx, rest, getenv, stdout, stderr)
	case "user":
		if len(rest) == 0 || rest[0] != "add" {
			fmt.Fprintln(stderr, `fieldvisit user: the only subcommand is "add"`)
			fmt.Fprint(stderr, usage)
			return exitUsage
		}
		return userAdd(ctx, rest[1:], getenv, stdin, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, version())
		return exitOK
	case "help", "-h", "--help", "-help":
		if len(rest) > 0 && rest[0] == "config" {
			fmt.Fprint(stdout, config.Markdown())
			return exitOK
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "fieldvisit: unknown command %q\n\n", cmd)
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
}

// version describes the build from what the Go toolchain recorded in it.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "fieldvisit (unknown build)"
	}
	v := "fieldvisit " + info.Main.Version
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += " (" + rev + modified + ")"
	}
	return v + " " + info.GoVersion
}
