package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
)

func TestRequestLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)

	start := models.TimeOfDay(10 * 60)
	r := newRequest("0123456789abcdef01234567", models.KindMicroTraining, models.PriorityUrgent, "2025-03-03", "2025-03-07")
	r.PreferredWindows = models.Week{Tue: []models.Window{window("13:00", "15:00")}}
	r.Pin = &models.Pin{TrainerID: "0123456789abcdef01234568", Date: "2025-03-04", Start: &start}
	r.Comment = "after the morning rush"
	if err := s.CreateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.Request(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, r)
	}

	edit := *got
	edit.Pin = nil
	edit.Topic = "queue management"
	if err := s.UpdateRequest(ctx, &edit); err != nil {
		t.Fatal(err)
	}
	got, err = s.Request(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, &edit) || got.Version != 2 {
		t.Errorf("after update read\n%+v\nwant\n%+v", got, &edit)
	}

	// A full update may carry a legal status move but not an illegal one.
	illegal := *got
	illegal.Status = models.StatusDone
	if err := s.UpdateRequest(ctx, &illegal); !errors.Is(err, models.ErrConflict) {
		t.Errorf("update new → done: got %v, want a conflict", err)
	}
	legal := *got
	legal.Status = models.StatusCancelled
	if err := s.UpdateRequest(ctx, &legal); err != nil {
		t.Errorf("update new → cancelled: %v", err)
	}
}

func TestSetRequestStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)

	tests := []struct {
		path []models.Status // moves before the last, all legal
		to   models.Status
		ok   bool
	}{
		{nil, models.StatusPlanned, true},
		{nil, models.StatusCancelled, true},
		{nil, models.StatusConfirmed, false},
		{nil, models.StatusDone, false},
		{nil, models.StatusNew, false},
		{[]models.Status{models.StatusPlanned}, models.StatusConfirmed, true},
		{[]models.Status{models.StatusPlanned}, models.StatusNew, true},
		{[]models.Status{models.StatusPlanned}, models.StatusDone, false},
		{[]models.Status{models.StatusPlanned, models.StatusConfirmed}, models.StatusDone, true},
		{[]models.Status{models.StatusPlanned, models.StatusConfirmed}, models.StatusPlanned, true},
		{[]models.Status{models.StatusPlanned, models.StatusConfirmed, models.StatusDone}, models.StatusCancelled, false},
		{[]models.Status{models.StatusCancelled}, models.StatusNew, false},
		{nil, models.Status("archived"), false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.path, "→", tt.to), func(t *testing.T) {
			r := newRequest("0123456789abcdef01234567", models.KindOnsiteSupport, models.PriorityHigh, "2025-03-03", "2025-03-07")
			if err := s.CreateRequest(ctx, r); err != nil {
				t.Fatal(err)
			}
			current := r
			for _, st := range tt.path {
				next, err := s.SetRequestStatus(ctx, current.ID, current.Version, st)
				if err != nil {
					t.Fatalf("move to %s: %v", st, err)
				}
				current = next
			}
			from := current.Status
			got, err := s.SetRequestStatus(ctx, current.ID, current.Version, tt.to)
			if tt.ok {
				if err != nil {
					t.Fatalf("%s → %s refused: %v", from, tt.to, err)
				}
				if got.Status != tt.to || got.Version != current.Version+1 {
					t.Errorf("%s → %s returned status %s, version %d", from, tt.to, got.Status, got.Version)
				}
				return
			}
			var ce *models.ConflictError
			if !errors.As(err, &ce) || ce.Message != models.StatusChangeError(from, tt.to).Error() {
				t.Fatalf("%s → %s: got %v, want %v", from, tt.to, err, models.StatusChangeError(from, tt.to))
			}
			stored, err := s.Request(ctx, r.ID)
			if err != nil || stored.Status != from || stored.Version != current.Version {
				t.Errorf("after a refused move: %+v, %v", stored, err)
			}
		})
	}
}

func TestRequestFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)

	const clinicA, clinicB = "aaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb"
	// name → request; the names make the expectations readable.
	seed := []struct {
		name     string
		clinic   string
		kind     models.Kind
		prio     models.Priority
		earliest models.Date
		due      models.Date
		status   models.Status
	}{
		{"a-early", clinicA, models.KindOnsiteSupport, models.PriorityUrgent, "2025-02-24", "2025-02-28", models.StatusNew},
		{"a-week", clinicA, models.KindMicroTraining, models.PriorityNormal, "2025-03-03", "2025-03-09", models.StatusPlanned},
		{"a-span", clinicA, models.KindFollowUp, models.PriorityLow, "2025-02-20", "2025-03-20", models.StatusNew},
		{"b-late", clinicB, models.KindOnsiteSupport, models.PriorityNormal, "2025-03-10", "2025-03-14", models.StatusNew},
		{"b-edge", clinicB, models.KindDifficultCase, models.PriorityUrgent, "2025-03-09", "2025-03-09", models.StatusCancelled},
	}
	ids := map[string]string{}
	for _, x := range seed {
		r := newRequest(x.clinic, x.kind, x.prio, x.earliest, x.due)
		if err := s.CreateRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
		if x.status != models.StatusNew {
			st := models.StatusPlanned
			if x.status == models.StatusCancelled {
				st = models.StatusCancelled
			}
			if _, err := s.SetRequestStatus(ctx, r.ID, 1, st); err != nil {
				t.Fatal(err)
			}
		}
		ids[r.ID] = x.name
	}
	week := models.RequestFilter{From: "2025-03-03", To: "2025-03-09"}

	tests := []struct {
		name   string
		filter models.RequestFilter
		want   []string
	}{
		{"everything", models.RequestFilter{}, []string{"a-early", "a-week", "a-span", "b-late", "b-edge"}},
		{"open statuses", models.RequestFilter{Statuses: []models.Status{models.StatusNew, models.StatusPlanned}}, []string{"a-early", "a-week", "a-span", "b-late"}},
		{"cancelled", models.RequestFilter{Statuses: []models.Status{models.StatusCancelled}}, []string{"b-edge"}},
		{"clinic B", models.RequestFilter{ClinicID: clinicB}, []string{"b-late", "b-edge"}},
		{"urgent", models.RequestFilter{Priority: models.PriorityUrgent}, []string{"a-early", "b-edge"}},
		{"micro-trainings", models.RequestFilter{Kind: models.KindMicroTraining}, []string{"a-week"}},
		{"week overlap, edges included", week, []string{"a-week", "a-span", "b-edge"}},
		{"from only", models.RequestFilter{From: "2025-03-10"}, []string{"a-span", "b-late"}},
		{"to only", models.RequestFilter{To: "2025-02-24"}, []string{"a-early", "a-span"}},
		{"week and clinic A and new", models.RequestFilter{From: week.From, To: week.To, ClinicID: clinicA, Statuses: []models.Status{models.StatusNew}}, []string{"a-span"}},
		{"nothing", models.RequestFilter{ClinicID: clinicB, Kind: models.KindFollowUp}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := s.Requests(ctx, tt.filter, models.Page{Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for len(list) > 0 {
				for _, r := range list {
					got = append(got, ids[r.ID])
				}
				list, err = s.Requests(ctx, tt.filter, models.Page{After: list[len(list)-1].ID, Limit: 2})
				if err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			n, err := s.CountRequests(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(tt.want)) {
				t.Errorf("count %d, want %d", n, len(tt.want))
			}
		})
	}
}

// TestConcurrentRequestUpdates has 20 goroutines race to update the same
// request from the same version, round after round. On the embedded server
// the store's client has one connection, as in production; that is what
// makes the version guard hold there.
func TestConcurrentRequestUpdates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)
	const workers, rounds = 20, 5

	r := newRequest("0123456789abcdef01234567", models.KindOnsiteSupport, models.PriorityNormal, "2025-03-03", "2025-03-07")
	if err := s.CreateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	for round := range rounds {
		base, err := s.Request(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if base.Version != int64(round+1) {
			t.Fatalf("round %d starts at version %d", round, base.Version)
		}
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []string
			others  []error
		)
		begin := make(chan struct{})
		for w := range workers {
			wg.Go(func() {
				edit := *base
				edit.Comment = fmt.Sprintf("round %d by worker %d", round, w)
				<-begin
				err := s.UpdateRequest(ctx, &edit)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					winners = append(winners, edit.Comment)
				} else if !errors.Is(err, models.ErrConflict) {
					others = append(others, err)
				}
			})
		}
		close(begin)
		wg.Wait()
		if len(others) > 0 {
			t.Fatalf("round %d: errors other than conflicts: %v", round, others)
		}
		if len(winners) != 1 {
			t.Fatalf("round %d: %d winners %v, want exactly 1 (the other %d must conflict)", round, len(winners), winners, workers-1)
		}
		after, err := s.Request(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.Comment != winners[0] || after.Version != base.Version+1 {
			t.Fatalf("round %d: stored comment %q at version %d, want the winner's %q at %d", round, after.Comment, after.Version, winners[0], base.Version+1)
		}
	}
	final, err := s.Request(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if final.Version != rounds+1 {
		t.Errorf("final version %d, want %d", final.Version, rounds+1)
	}
}
