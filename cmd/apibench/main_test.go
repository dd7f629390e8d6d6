package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestBenchToySize runs the whole benchmark at toy size so that it cannot
// rot: every endpoint must be measured and answer 2xx only (the lookups
// ask for seeded ids as roles allowed to read them).
func TestBenchToySize(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded database")
	}
	var out, progress bytes.Buffer
	o := options{Requests: 50, Visits: 100, Clinics: 5, Trainers: 3, Clients: []int{1}, Duration: 200 * time.Millisecond,
		DataDir: t.TempDir(), Seed: 1}
	if err := bench(context.Background(), o, &out, &progress); err != nil {
		t.Fatalf("bench: %v\n%s", err, progress.String())
	}
	rows := 0
	for _, line := range strings.Split(out.String(), "\n") {
		if !strings.HasPrefix(line, "| GET ") {
			continue
		}
		rows++
		cells := strings.Split(line, "|")
		// | endpoint | role | clients | n | p50 | p95 | p99 | not 2xx |
		if n := strings.TrimSpace(cells[4]); n == "0" {
			t.Errorf("no answer measured: %s", line)
		}
		if bad := strings.TrimSpace(cells[8]); bad != "–" {
			t.Errorf("answers other than 2xx: %s", line)
		}
	}
	if want := len(endpoints(&dataset{clinicIDs: []string{"x"}, trainerIDs: []string{"x"}})); rows != want {
		t.Errorf("%d rows, want one per endpoint (%d):\n%s", rows, want, out.String())
	}
	for _, want := range []string{"per-caller limits LIFTED", "50 requests, 100 visits, 5 clinics, 3 trainers"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-requests", "20", "-clients", "1, 3", "-duration", "2s"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if o.Requests != 20 || len(o.Clients) != 2 || o.Clients[1] != 3 || o.Duration != 2*time.Second || o.Visits != 20000 {
		t.Errorf("options = %+v", o)
	}
	for _, args := range [][]string{
		{"-clients", "ten"},
		{"-clients", "0"},
		{"-requests", "0"},
		{"-duration", "0s"},
		{"extra"},
		{"-no-such-flag"},
	} {
		var errs bytes.Buffer
		if code := run(context.Background(), args, &bytes.Buffer{}, &errs); code != exitUsage {
			t.Errorf("run %v = %d, want %d", args, code, exitUsage)
		}
	}
}
