package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

func TestClinicLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock := newStore(t)

	c := newClinic("Polyclinic 12", "Central")
	c.PreferredTrainers = []string{"0123456789abcdef01234567"}
	c.Notes = "entrance from the yard"
	if err := s.CreateClinic(ctx, c); err != nil {
		t.Fatal(err)
	}
	if !models.ValidID(c.ID) || c.Version != 1 {
		t.Fatalf("create set id %q, version %d", c.ID, c.Version)
	}
	got, err := s.Clinic(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, c)
	}

	clock.Advance(time.Minute)
	edit := *got
	edit.Notes = ""
	edit.PreferredTrainers = nil
	edit.Hours.Sat = []models.Window{window("09:00", "14:00")}
	if err := s.UpdateClinic(ctx, &edit); err != nil {
		t.Fatal(err)
	}
	if edit.Version != 2 || !edit.UpdatedAt.Equal(clock.Now()) || !edit.CreatedAt.Equal(c.CreatedAt) {
		t.Errorf("update left version %d, updated %v, created %v", edit.Version, edit.UpdatedAt, edit.CreatedAt)
	}
	got, err = s.Clinic(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, &edit) {
		t.Errorf("after update read\n%+v\nwant\n%+v", got, &edit)
	}

	if err := s.DeleteClinic(ctx, c.ID, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Clinic(ctx, c.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("read after delete: got %v, want ErrNotFound", err)
	}
	if err := s.DeleteClinic(ctx, c.ID, 2); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("second delete: got %v, want ErrNotFound", err)
	}
}

func TestClinicsByDistrict(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)

	byDistrict := map[string][]string{}
	for _, d := range []string{"North", "South", "North", "", "North"} {
		c := newClinic("Clinic", d)
		if err := s.CreateClinic(ctx, c); err != nil {
			t.Fatal(err)
		}
		byDistrict[d] = append(byDistrict[d], c.ID)
	}
	tests := []struct {
		district string
		page     models.Page
		want     []string
	}{
		{"North", models.Page{Limit: 10}, byDistrict["North"]},
		{"North", models.Page{After: byDistrict["North"][0], Limit: 1}, byDistrict["North"][1:2]},
		{"South", models.Page{}, byDistrict["South"]},
		{"West", models.Page{}, nil},
	}
	for _, tt := range tests {
		got, err := s.Clinics(ctx, models.ClinicFilter{District: tt.district}, tt.page)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		if !reflect.DeepEqual(ids, tt.want) {
			t.Errorf("district %q, page %+v: got %v, want %v", tt.district, tt.page, ids, tt.want)
		}
	}
}
