package testkit

import (
	"testing"
	"time"
)

// Moscow returns the Europe/Moscow zone, the one the demo and most tests
// run in (UTC+3 all year, so a wrong offset shows as a three-hour shift).
// It fails t if the system's zone database lacks it.
func Moscow(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatalf("testkit: load Europe/Moscow: %v", err)
	}
	return loc
}
