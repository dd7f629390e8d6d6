package store_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

func TestTrainerLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock := newStore(t)

	tr := newTrainer("Anna", "anna@example.org", "conflict", "micro")
	if err := s.CreateTrainer(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if !models.ValidID(tr.ID) || tr.Version != 1 || !tr.CreatedAt.Equal(clock.Now()) || !tr.UpdatedAt.Equal(clock.Now()) {
		t.Fatalf("create set id %q, version %d, stamps %v/%v", tr.ID, tr.Version, tr.CreatedAt, tr.UpdatedAt)
	}
	got, err := s.Trainer(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, tr) {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, tr)
	}

	clock.Advance(time.Hour)
	edit := *got
	edit.Name = "Anna K."
	edit.Phone = "" // omitempty: the replacement must drop it, not keep the old one
	edit.CreatedAt = time.Time{}
	if err := s.UpdateTrainer(ctx, &edit); err != nil {
		t.Fatal(err)
	}
	if edit.Version != 2 || !edit.UpdatedAt.Equal(clock.Now()) || !edit.CreatedAt.Equal(tr.CreatedAt) {
		t.Errorf("update left version %d, updated %v, created %v", edit.Version, edit.UpdatedAt, edit.CreatedAt)
	}
	got, err = s.Trainer(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, &edit) {
		t.Errorf("after update read\n%+v\nwant\n%+v", got, &edit)
	}

	// A trainer edits hours only; dropping the overrides and lunch removes them.
	a := models.Availability{Weekly: models.Week{Fri: []models.Window{window("09:00", "12:00")}}}
	upd, err := s.UpdateAvailability(ctx, tr.ID, 2, a)
	if err != nil {
		t.Fatal(err)
	}
	if upd.Version != 3 || !reflect.DeepEqual(upd.Availability, a) || upd.Name != "Anna K." {
		t.Errorf("availability update returned version %d, availability %+v, name %q", upd.Version, upd.Availability, upd.Name)
	}
	got, err = s.Trainer(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, upd) {
		t.Errorf("after availability update read\n%+v\nwant\n%+v", got, upd)
	}

	if err := s.DeleteTrainer(ctx, tr.ID, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Trainer(ctx, tr.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("read after delete: got %v, want ErrNotFound", err)
	}
}

// TestVersionGuards runs every version-guarded write of every collection
// against a stale version and a missing document.
func TestVersionGuards(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)

	tr := newTrainer("Boris", "boris@example.org")
	if err := s.CreateTrainer(ctx, tr); err != nil {
		t.Fatal(err)
	}
	c := newClinic("Polyclinic 1", "Central")
	if err := s.CreateClinic(ctx, c); err != nil {
		t.Fatal(err)
	}
	r := newRequest(c.ID, models.KindFollowUp, models.PriorityNormal, "2025-03-03", "2025-03-14")
	if err := s.CreateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	// Move each to version 2 so that version 1 is stale.
	trEdit, cEdit, rEdit := *tr, *c, *r
	for _, err := range []error{s.UpdateTrainer(ctx, &trEdit), s.UpdateClinic(ctx, &cEdit), s.UpdateRequest(ctx, &rEdit)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	missing := "0123456789abcdef01234567"

	tests := []struct {
		name string
		op   func(id string, version int64) error
		id   string
	}{
		{"UpdateTrainer", func(id string, v int64) error { x := *tr; x.ID, x.Version = id, v; return s.UpdateTrainer(ctx, &x) }, tr.ID},
		{"UpdateAvailability", func(id string, v int64) error {
			_, err := s.UpdateAvailability(ctx, id, v, tr.Availability)
			return err
		}, tr.ID},
		{"DeleteTrainer", func(id string, v int64) error { return s.DeleteTrainer(ctx, id, v) }, tr.ID},
		{"UpdateClinic", func(id string, v int64) error { x := *c; x.ID, x.Version = id, v; return s.UpdateClinic(ctx, &x) }, c.ID},
		{"DeleteClinic", func(id string, v int64) error { return s.DeleteClinic(ctx, id, v) }, c.ID},
		{"UpdateRequest", func(id string, v int64) error { x := *r; x.ID, x.Version = id, v; return s.UpdateRequest(ctx, &x) }, r.ID},
		{"SetRequestStatus", func(id string, v int64) error {
			_, err := s.SetRequestStatus(ctx, id, v, models.StatusPlanned)
			return err
		}, r.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.op(tt.id, 1)
			var ce *models.ConflictError
			if !errors.Is(err, models.ErrConflict) || !errors.As(err, &ce) {
				t.Fatalf("stale version: got %v, want a ConflictError", err)
			}
			if want := "version 1 is stale; current is 2"; ce.Message != want {
				t.Errorf("stale version message %q, want %q", ce.Message, want)
			}
			if err := tt.op(missing, 1); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("missing document: got %v, want ErrNotFound", err)
			}
		})
	}
	// Nothing above may have changed anything.
	if got, err := s.Trainer(ctx, tr.ID); err != nil || got.Version != 2 {
		t.Errorf("trainer after refused writes: %+v, %v", got, err)
	}
	if got, err := s.Clinic(ctx, c.ID); err != nil || got.Version != 2 {
		t.Errorf("clinic after refused writes: %+v, %v", got, err)
	}
	if got, err := s.Request(ctx, r.ID); err != nil || got.Version != 2 || got.Status != models.StatusNew {
		t.Errorf("request after refused writes: %+v, %v", got, err)
	}
}

func TestTrainerEmailUnique(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)

	a := newTrainer("Anna", "anna@example.org")
	b := newTrainer("Boris", "boris@example.org")
	for _, tr := range []*models.Trainer{a, b} {
		if err := s.CreateTrainer(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	dup := newTrainer("Anna 2", "anna@example.org")
	err := s.CreateTrainer(ctx, dup)
	var ce *models.ConflictError
	if !errors.As(err, &ce) || !strings.Contains(ce.Message, "anna@example.org") {
		t.Errorf("create with a taken e-mail: got %v, want a ConflictError naming it", err)
	}

	// On update the embedded server reports the violation as an InternalError,
	// MongoDB as E11000: both must come out as a conflict.
	edit := *b
	edit.Email = a.Email
	err = s.UpdateTrainer(ctx, &edit)
	if !errors.As(err, &ce) || !strings.Contains(ce.Message, "anna@example.org") {
		t.Errorf("update to a taken e-mail: got %v, want a ConflictError naming it", err)
	}
	if edit.Version != b.Version {
		t.Errorf("refused update changed the caller's version to %d", edit.Version)
	}
	got, err := s.Trainer(ctx, b.ID)
	if err != nil || got.Email != b.Email || got.Version != 1 {
		t.Errorf("trainer after refused update: %+v, %v", got, err)
	}
}

func TestTrainersFilterAndPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)

	var all, micro []string
	for i, skills := range [][]string{{"micro"}, {"conflict"}, {"micro", "conflict"}, nil, {"micro"}} {
		tr := newTrainer("T", "t"+string(rune('a'+i))+"@example.org", skills...)
		if err := s.CreateTrainer(ctx, tr); err != nil {
			t.Fatal(err)
		}
		all = append(all, tr.ID)
		if slices.Contains(skills, "micro") {
			micro = append(micro, tr.ID)
		}
	}

	tests := []struct {
		name   string
		filter models.TrainerFilter
		limit  int
		want   []string
	}{
		{"all in pages of 2", models.TrainerFilter{}, 2, all},
		{"all in one page", models.TrainerFilter{}, 0, all},
		{"skill in pages of 1", models.TrainerFilter{Skill: "micro"}, 1, micro},
		{"unknown skill", models.TrainerFilter{Skill: "juggling"}, 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			after := ""
			for range 10 {
				page, err := s.Trainers(ctx, tt.filter, models.Page{After: after, Limit: tt.limit})
				if err != nil {
					t.Fatal(err)
				}
				if page == nil {
					t.Fatal("a page is nil; want an empty slice")
				}
				if len(page) == 0 {
					break
				}
				if tt.limit > 0 && len(page) > tt.limit {
					t.Fatalf("page of %d for limit %d", len(page), tt.limit)
				}
				for _, tr := range page {
					got = append(got, tr.ID)
				}
				after = page[len(page)-1].ID
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got ids %v, want %v", got, tt.want)
			}
		})
	}
}

// TestTrainerEmailCaseBlind: e-mails are stored in lower case and compared
// without case, also against a trainer stored with capitals before e-mails
// were normalised.
func TestTrainerEmailCaseBlind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// The raw database too, to store a trainer as older versions did.
	db := storetest.Database(t)
	s := storetest.Plain(t, db, newClock().Now)
	if storetest.Embedded(t) {
		s = storetest.ReadModel(t, s)
	}

	a := newTrainer("Anna", " Anna.K@Example.ORG ")
	if err := s.CreateTrainer(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Trainer(ctx, a.ID); err != nil || got.Email != "anna.k@example.org" || a.Email != got.Email {
		t.Fatalf("stored e-mail %q (%v), caller sees %q, want both lower case", got.Email, err, a.Email)
	}
	var ce *models.ConflictError
	if err := s.CreateTrainer(ctx, newTrainer("Anna 2", "ANNA.K@example.org")); !errors.As(err, &ce) {
		t.Errorf("same e-mail in capitals: %v, want a conflict", err)
	}

	legacy := newTrainer("Legacy", "")
	legacy.ID, legacy.Email, legacy.Version = "0123456789abcdef01234567", "Old.Timer@Example.org", 1
	if _, err := db.Collection("trainers").InsertOne(ctx, legacy); err != nil {
		t.Fatal(err)
	}
	// The raw insert went past the store: a store with the read model (on
	// the embedded server) must load it afresh to see the legacy trainer.
	if storetest.Embedded(t) {
		s = storetest.ReadModel(t, storetest.Plain(t, db, newClock().Now))
	}
	if err := s.CreateTrainer(ctx, newTrainer("New", "old.timer@example.org")); !errors.As(err, &ce) {
		t.Errorf("an e-mail stored with capitals before normalising: %v, want a conflict", err)
	}
	edit := *a
	edit.Email = "OLD.TIMER@example.org"
	if err := s.UpdateTrainer(ctx, &edit); !errors.As(err, &ce) {
		t.Errorf("update to the legacy e-mail: %v, want a conflict", err)
	}
	// Its own e-mail, in other capitals, is not a conflict with itself.
	self := *legacy
	self.Email = "old.timer@EXAMPLE.org"
	if err := s.UpdateTrainer(ctx, &self); err != nil || self.Email != "old.timer@example.org" {
		t.Errorf("legacy trainer updating its own e-mail: %v, e-mail %q", err, self.Email)
	}
	// Characters that mean something in a pattern are matched literally.
	if err := s.CreateTrainer(ctx, newTrainer("Boris", "borisxb@example.org")); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTrainer(ctx, newTrainer("Boris B.", "boris.b@example.org")); err != nil {
		t.Errorf("an e-mail that only matches another as a pattern: %v", err)
	}
}
