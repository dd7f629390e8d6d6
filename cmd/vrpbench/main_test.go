package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const tiny = `TINY1

VEHICLE
NUMBER     CAPACITY
  3         20

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0       1000          0
    1      3          4         10          0        100         10
    2      6          8         10          0        100         10
    3      0         10          5        200        300         10
`

func TestRunWritesCheckedResults(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tiny1.txt"), []byte(tiny), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bks.csv"), []byte("instance,vehicles,distance\ntiny1,2,36.3246\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(dir, "out.csv")
	routes := filepath.Join(dir, "routes")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-dir", dir, "-time", "0", "-iters", "200", "-csv", csvPath, "-routes", routes}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	// Capacity 20 forces two routes; the shortest pair is 0→1→0 (10) and
	// 0→2→3→0 (10 + √40 + 10), 36.32 in all.
	got, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if want := "instance,vehicles,distance,seconds\ntiny1,2,36.32,"; !strings.HasPrefix(string(got), want) {
		t.Fatalf("csv:\n%s\nwant prefix\n%s", got, want)
	}
	r, err := os.ReadFile(filepath.Join(routes, "tiny1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(r); !strings.Contains(s, "Route 1:") || !strings.Contains(s, "Route 2:") || strings.Contains(s, "Route 3:") {
		t.Fatalf("routes file:\n%s", s)
	}
	for _, want := range []string{
		"| tiny1 | 2 | 36.32 | 2 / 36.32 | -0.00 | ",
		"| TINY1 | 1 | 2 | 2 | 1/1 | -0.00 | -0.00 | ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunRejectsUnknownObjective(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"-objective", "speed"}, &out, &errOut); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
}

// TestGenerateThenSolve writes generated instances and solves them: every
// plan must pass the checker and the exact recomputation (run fails
// otherwise), and the family table names the generated families.
func TestGenerateThenSolve(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"-generate", dir, "-families", "r1,c2", "-customers", "40", "-seed", "3"}, &out, &errOut); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, errOut.String())
	}
	for _, name := range []string{"R1_1_3.txt", "C2_1_3.txt"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("generated instance missing: %v", err)
		}
	}
	out.Reset()
	if code := run(context.Background(), []string{"-dir", dir, "-time", "0", "-iters", "100"}, &out, &errOut); code != 0 {
		t.Fatalf("solve: exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"| R1_1_3 | ", "| C2_1_3 | ", "| R1_1 | 1 | ", "| C2_1 | 1 | "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}
