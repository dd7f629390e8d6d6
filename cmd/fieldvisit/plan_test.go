package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
	"github.com/fieldvisit/fieldvisit/jobs"
)

// TestPlanCommand plans the demo's coming week from the command line, the
// way an operator would, and checks what it prints.
func TestPlanCommand(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		"FIELDVISIT_DATA_DIR":        dir,
		"MONGODB_URI":                "",
		"FIELDVISIT_PLAN_TIME_LIMIT": "1s",
	}
	if code, _, errOut := exec(t, env, "", "seed", "--demo"); code != exitOK {
		t.Fatalf("seed --demo: exit %d\n%s", code, errOut)
	}
	moscow := testkit.Moscow(t)
	week := string(jobs.WeekAfter(time.Now(), moscow))

	tests := []struct {
		name    string
		args    []string
		code    int
		out     []string
		errText string
		// lines, when set, must match the output: one route a line.
		lines *regexp.Regexp
	}{
		{name: "the coming week", args: []string{"plan"}, code: exitOK,
			out: []string{"Week of " + week + ": plan version 1 (draft)", "requests scheduled", "urgent",
				"Routes (times in Europe/Moscow):", "/api/v1/plans/" + week + "/1/publish"},
			lines: regexp.MustCompile(`(?m)^  \d{4}-\d\d-\d\d (Mon|Tue|Wed|Thu|Fri) .+ \d visit\(s\), out \d\d:\d\d-\d\d:\d\d, \d+ min travel: \d\d:\d\d `)},
		{name: "a named week makes the next version", args: []string{"plan", "--week", week}, code: exitOK,
			out: []string{"Week of " + week + ": plan version 2 (draft)"}},
		{name: "not a Monday", args: []string{"plan", "--week", "2026-12-08"}, code: exitUsage, errText: "not the date of a Monday"},
		{name: "not a date", args: []string{"plan", "--week", "soon"}, code: exitUsage, errText: "not the date of a Monday"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := exec(t, env, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			for _, s := range tt.out {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			if tt.lines != nil && !tt.lines.MatchString(out) {
				t.Errorf("output lists no route like %s:\n%s", tt.lines, out)
			}
			if !strings.Contains(errOut, tt.errText) {
				t.Errorf("stderr lacks %q:\n%s", tt.errText, errOut)
			}
		})
	}
}
