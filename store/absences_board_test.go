package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
)

func TestAbsencesBetween(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	for _, a := range []models.Absence{
		{TrainerID: "t1", From: "2026-12-01", To: "2026-12-07"}, // ends on the Monday
		{TrainerID: "t2", From: "2026-12-09", To: "2026-12-09"}, // inside
		{TrainerID: "t1", From: "2026-12-13", To: "2026-12-20"}, // starts on the Sunday
		{TrainerID: "t3", From: "2026-12-14", To: "2026-12-15"}, // the week after
		{TrainerID: "t3", From: "2026-11-20", To: "2026-12-06"}, // the week before
	} {
		if err := s.CreateAbsence(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.AbsencesBetween(ctx, "2026-12-07", "2026-12-13")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range list {
		got = append(got, string(a.From))
	}
	if want := []string{"2026-12-01", "2026-12-09", "2026-12-13"}; !slices.Equal(got, want) {
		t.Fatalf("absences of the week: %v, want %v", got, want)
	}
}
