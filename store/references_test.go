package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// idsOf lists the ids of a sample, in its order.
func idsOf[T any](s models.Sample[T], id func(*T) string) []string {
	out := []string{}
	for i := range s.Items {
		out = append(out, id(&s.Items[i]))
	}
	return out
}

// TestReferences: the reference queries find exactly what names the trainer
// or clinic (accounts, preferring clinics, open pinned or own requests,
// scheduled visits), leave out history and other documents, and sample at
// most limit of each kind while counting them all.
func TestReferences(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)
	mustDo := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	trainer, other := newTrainer("Anna", "anna@example.org"), newTrainer("Boris", "boris@example.org")
	mustDo(s.CreateTrainer(ctx, trainer))
	mustDo(s.CreateTrainer(ctx, other))
	clinic, otherClinic := newClinic("North", "N"), newClinic("South", "S")
	clinic.PreferredTrainers = []string{other.ID, trainer.ID}
	otherClinic.PreferredTrainers = []string{other.ID}
	mustDo(s.CreateClinic(ctx, clinic))
	mustDo(s.CreateClinic(ctx, otherClinic))

	account := &models.User{Email: "anna@example.org", Name: "Anna", Role: models.RoleTrainer, TrainerID: trainer.ID, Lang: "ru"}
	mustDo(s.CreateUser(ctx, account))
	var clinicAccounts []string
	for i := range 3 {
		u := &models.User{Email: fmt.Sprintf("north%d@example.org", i), Name: "North", Role: models.RoleClinic, ClinicID: clinic.ID, Lang: "ru"}
		mustDo(s.CreateUser(ctx, u))
		clinicAccounts = append(clinicAccounts, u.ID)
	}

	request := func(clinicID, pinTo string, status models.Status) *models.Request {
		t.Helper()
		r := newRequest(clinicID, models.KindOnsiteSupport, models.PriorityNormal, "2025-03-10", "2025-03-21")
		if pinTo != "" {
			r.Pin = &models.Pin{TrainerID: pinTo}
		}
		mustDo(s.CreateRequest(ctx, r))
		if status != models.StatusNew {
			_, err := s.SetRequestStatus(ctx, r.ID, r.Version, status)
			mustDo(err)
		}
		return r
	}
	pinnedOpen := request(otherClinic.ID, trainer.ID, models.StatusNew)
	request(otherClinic.ID, trainer.ID, models.StatusCancelled) // history
	request(otherClinic.ID, other.ID, models.StatusNew)         // another trainer
	clinicOpen := request(clinic.ID, "", models.StatusNew)
	request(clinic.ID, "", models.StatusCancelled) // history

	week := models.Date("2025-03-10")
	visit := func(id, trainerID, clinicID string, day int, status models.VisitStatus) {
		t.Helper()
		start := week.AddDays(day).At(10*60, time.UTC)
		mustDo(s.CreateVisit(ctx, &models.Visit{ID: id, RequestID: id, TrainerID: trainerID, ClinicID: clinicID, Week: week,
			Date: week.AddDays(day), Start: start, End: start.Add(time.Hour), Status: status, UID: id + "@test"}))
	}
	visit("v-late", trainer.ID, otherClinic.ID, 3, models.VisitScheduled)
	visit("v-early", trainer.ID, otherClinic.ID, 1, models.VisitScheduled)
	visit("v-cancelled", trainer.ID, clinic.ID, 0, models.VisitCancelled)
	visit("v-other", other.ID, otherClinic.ID, 0, models.VisitScheduled)

	userID := func(u *models.User) string { return u.ID }
	clinicID := func(c *models.Clinic) string { return c.ID }
	requestID := func(r *models.Request) string { return r.ID }
	visitID := func(v *models.Visit) string { return v.ID }
	check := func(name string, got, want []string, total, wantTotal int64) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) || total != wantTotal {
			t.Errorf("%s: %v of %d, want %v of %d", name, got, total, want, wantTotal)
		}
	}

	refs, err := s.TrainerReferences(ctx, trainer.ID, 5)
	mustDo(err)
	check("trainer accounts", idsOf(refs.Users, userID), []string{account.ID}, refs.Users.Total, 1)
	check("preferring clinics", idsOf(refs.Clinics, clinicID), []string{clinic.ID}, refs.Clinics.Total, 1)
	check("pinned open requests", idsOf(refs.Requests, requestID), []string{pinnedOpen.ID}, refs.Requests.Total, 1)
	check("trainer visits", idsOf(refs.Visits, visitID), []string{"v-early", "v-late"}, refs.Visits.Total, 2)

	refs, err = s.ClinicReferences(ctx, clinic.ID, 2)
	mustDo(err)
	check("clinic accounts (limited)", idsOf(refs.Users, userID), clinicAccounts[:2], refs.Users.Total, 3)
	check("clinic open requests", idsOf(refs.Requests, requestID), []string{clinicOpen.ID}, refs.Requests.Total, 1)
	check("clinic visits", idsOf(refs.Visits, visitID), []string{}, refs.Visits.Total, 0)
	if len(refs.Clinics.Items) != 0 {
		t.Errorf("a clinic's references list clinics: %v", refs.Clinics.Items)
	}

	// Nothing names a fresh trainer.
	fresh := newTrainer("Vera", "vera@example.org")
	mustDo(s.CreateTrainer(ctx, fresh))
	refs, err = s.TrainerReferences(ctx, fresh.ID, 5)
	mustDo(err)
	if n := refs.Users.Total + refs.Clinics.Total + refs.Requests.Total + refs.Visits.Total; n != 0 {
		t.Errorf("a fresh trainer is referred to %d times: %+v", n, refs)
	}
}
