package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"-sizes", "30,60", "-time", "200ms", "-seed", "3", "-unassigned", "2"}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errs.String(), out.String())
	}
	for _, want := range []string{
		"30 requests, 3 trainers",
		"60 requests, 4 trainers",
		"checker: plan valid",
		"| 30 | 3 (",
		"| 60 | 4 (",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-sizes", "ten"},
		{"-sizes", "0"},
		{"-osrm", "not a url"},
		{"-no-such-flag"},
	} {
		var out, errs bytes.Buffer
		if code := run(context.Background(), args, &out, &errs); code != 2 {
			t.Errorf("run %v = %d, want 2", args, code)
		}
	}
}
