package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

// outcome is one read's result as the agreement test compares it: the value
// and the error's text (both paths wrap alike).
type outcome struct {
	Value any
	Err   string
}

func outcomeOf(v any, err error) outcome {
	if err != nil {
		return outcome{Err: err.Error()}
	}
	// What a pointer points at, so that a difference prints readably.
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
		v = rv.Elem().Interface()
	}
	return outcome{Value: v}
}

// allPages walks a paged list with its cursor at page size limit (0: the
// default) and returns every page, the last (empty or short) one included.
func allPages[T any](list func(models.Page) ([]T, error), id func(*T) string, limit int) outcome {
	var pages [][]T
	p := models.Page{Limit: limit}
	for range 100 {
		page, err := list(p)
		if err != nil {
			return outcomeOf(pages, err)
		}
		pages = append(pages, page)
		if len(page) == 0 || (limit > 0 && len(page) < limit) {
			break
		}
		p.After = id(&page[len(page)-1])
	}
	return outcome{Value: pages}
}

// peopleKeys are the ids and other keys the agreement test reads by: those
// it made, and some that name nothing.
type peopleKeys struct {
	clinics, trainers, users, hashes, emails, districts, skills []string
	tokenIDs                                                    [][2]string // user, public id
}

// readPeople reads everything the converted methods answer for keys.
func readPeople(ctx context.Context, s *store.Store, k peopleKeys) map[string]outcome {
	out := map[string]outcome{}
	clinicID := func(c *models.Clinic) string { return c.ID }
	trainerID := func(t *models.Trainer) string { return t.ID }
	userID := func(u *models.User) string { return u.ID }
	for _, limit := range []int{0, 1, 2} {
		for _, d := range k.districts {
			out[fmt.Sprintf("Clinics(%q,%d)", d, limit)] = allPages(func(p models.Page) ([]models.Clinic, error) {
				return s.Clinics(ctx, models.ClinicFilter{District: d}, p)
			}, clinicID, limit)
		}
		for _, sk := range k.skills {
			out[fmt.Sprintf("Trainers(%q,%d)", sk, limit)] = allPages(func(p models.Page) ([]models.Trainer, error) {
				return s.Trainers(ctx, models.TrainerFilter{Skill: sk}, p)
			}, trainerID, limit)
		}
		out[fmt.Sprintf("Users(%d)", limit)] = allPages(func(p models.Page) ([]models.User, error) {
			return s.Users(ctx, p)
		}, userID, limit)
	}
	out["AllClinics"] = outcomeOf(s.AllClinics(ctx))
	out["AllTrainers"] = outcomeOf(s.AllTrainers(ctx))
	out["CountUsers"] = outcomeOf(s.CountUsers(ctx))
	for _, id := range k.clinics {
		out["Clinic "+id] = outcomeOf(s.Clinic(ctx, id))
		for _, limit := range []int{1, 2, 10} {
			out[fmt.Sprintf("ClinicReferences %s %d", id, limit)] = outcomeOf(s.ClinicReferences(ctx, id, limit))
		}
	}
	for _, id := range k.trainers {
		out["Trainer "+id] = outcomeOf(s.Trainer(ctx, id))
		for _, limit := range []int{1, 2, 10} {
			out[fmt.Sprintf("TrainerReferences %s %d", id, limit)] = outcomeOf(s.TrainerReferences(ctx, id, limit))
		}
	}
	for _, id := range k.users {
		out["User "+id] = outcomeOf(s.User(ctx, id))
		out["Tokens "+id] = outcomeOf(s.Tokens(ctx, id))
	}
	for _, e := range k.emails {
		out["UserByEmail "+e] = outcomeOf(s.UserByEmail(ctx, e))
	}
	for _, h := range k.hashes {
		out["Token "+h] = outcomeOf(s.Token(ctx, h))
	}
	for _, ut := range k.tokenIDs {
		out["TokenByID "+ut[0]+" "+ut[1]] = outcomeOf(s.TokenByID(ctx, ut[0], ut[1]))
	}
	return out
}

// TestReadModelPeopleAgrees: after every write made through a store with
// the read model, whether it went through or was refused (stale version,
// duplicate, not found), each read of clinics, trainers, accounts, tokens
// and references answers from memory exactly what a store without the read
// model answers from the same database.
func TestReadModelPeopleAgrees(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newClock()
	db := storetest.Database(t)
	plain := storetest.Plain(t, db, clock.Now)

	// A trainer stored before e-mails were lower-cased, there before the
	// read model loads.
	legacy := newTrainer("Legacy", "")
	legacy.ID, legacy.Email, legacy.Version = "0000000000000000000000ff", "Old.Timer@Example.org", 1
	legacy.Skills = []string{"conflict", "phone"}
	if _, err := db.Collection("trainers").InsertOne(ctx, legacy); err != nil {
		t.Fatal(err)
	}
	m := storetest.ReadModel(t, storetest.Plain(t, db, clock.Now))

	const absent = "ffffffffffffffffffffffff"
	k := peopleKeys{
		clinics:   []string{absent, ""},
		trainers:  []string{legacy.ID, absent, ""},
		users:     []string{absent, ""},
		hashes:    []string{"no-such-hash", ""},
		emails:    []string{"nobody@example.org"},
		districts: []string{"", "North", "South", "Nowhere"},
		skills:    []string{"", "conflict", "phone", "none"},
	}
	step := 0
	check := func(what string) {
		t.Helper()
		step++
		want, got := readPeople(ctx, plain, k), readPeople(ctx, m, k)
		keys := make([]string, 0, len(want))
		for key := range want {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for _, key := range keys {
			if !reflect.DeepEqual(got[key], want[key]) {
				t.Errorf("step %d (%s), %s:\nread model %+v\ndatabase   %+v", step, what, key, got[key], want[key])
			}
		}
	}
	mustDo := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	refused := func(err error, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Fatalf("got %v, want %v", err, want)
		}
	}
	check("legacy trainer only")

	// Trainers: new ones, and e-mails taken in any case refused.
	anna, boris := newTrainer("Anna", " Anna@Example.org ", "conflict"), newTrainer("Boris", "boris@example.org", "phone", "conflict")
	mustDo(m.CreateTrainer(ctx, anna))
	mustDo(m.CreateTrainer(ctx, boris))
	k.trainers = append(k.trainers, anna.ID, boris.ID)
	for _, s := range []*store.Store{m, plain} {
		refused(s.CreateTrainer(ctx, newTrainer("Anna 2", "ANNA@example.org")), models.ErrConflict)
		refused(s.CreateTrainer(ctx, newTrainer("Old 2", "old.timer@EXAMPLE.org")), models.ErrConflict)
	}
	check("trainers")

	// Clinics, some preferring trainers.
	north1, north2, south, bare := newClinic("N1", "North"), newClinic("N2", "North"), newClinic("S", "South"), newClinic("Bare", "")
	north1.PreferredTrainers = []string{anna.ID, boris.ID}
	south.PreferredTrainers = []string{anna.ID}
	for _, c := range []*models.Clinic{north1, north2, south, bare} {
		mustDo(m.CreateClinic(ctx, c))
		k.clinics = append(k.clinics, c.ID)
	}
	check("clinics")

	// Accounts, a duplicate e-mail refused.
	coord := &models.User{Email: "Coord@Example.org", Name: "C", Role: models.RoleCoordinator, Lang: "ru"}
	annaUser := &models.User{Email: "anna@example.org", Name: "Anna", Role: models.RoleTrainer, TrainerID: anna.ID, Lang: "ru"}
	mustDo(m.CreateUser(ctx, coord))
	mustDo(m.CreateUser(ctx, annaUser))
	for i := range 3 {
		u := &models.User{Email: fmt.Sprintf("north%d@example.org", i), Name: "North", Role: models.RoleClinic, ClinicID: north1.ID, Lang: "en"}
		mustDo(m.CreateUser(ctx, u))
		k.users = append(k.users, u.ID)
	}
	refused(m.CreateUser(ctx, &models.User{Email: "COORD@example.org", Name: "C2", Role: models.RoleCoordinator, Lang: "ru"}), models.ErrConflict)
	k.users = append(k.users, coord.ID, annaUser.ID)
	k.emails = append(k.emails, "coord@example.org", " COORD@example.ORG", "anna@example.org", "north1@example.org")
	check("accounts")

	// Tokens whose public ids sort against their hashes, a feed token of no
	// user, one expiring soon; a duplicate hash refused.
	token := func(hash, id, user string, ttl time.Duration) {
		t.Helper()
		mustDo(m.CreateToken(ctx, &models.Token{Hash: hash, ID: id, UserID: user, Kind: models.TokenAPI, Name: "n", ExpiresAt: clock.Now().Add(ttl)}))
		k.hashes = append(k.hashes, hash)
		k.tokenIDs = append(k.tokenIDs, [2]string{user, id}, [2]string{coord.ID, id})
	}
	token("h1", "t3", coord.ID, time.Hour)
	token("h2", "t1", coord.ID, 24*time.Hour)
	token("h3", "t2", coord.ID, 2*time.Hour)
	token("h4", "t4", annaUser.ID, time.Hour)
	token("h5", "t5", "", 24*time.Hour)
	refused(m.CreateToken(ctx, &models.Token{Hash: "h1", UserID: annaUser.ID, ExpiresAt: clock.Now().Add(time.Hour)}), models.ErrConflict)
	k.tokenIDs = append(k.tokenIDs, [2]string{coord.ID, "t9"})
	check("tokens")

	// Requests and visits the references find.
	request := func(clinicID string, pin *models.Pin, status models.Status) {
		t.Helper()
		r := newRequest(clinicID, models.KindOnsiteSupport, models.PriorityNormal, "2025-03-10", "2025-03-21")
		r.Pin = pin
		mustDo(m.CreateRequest(ctx, r))
		if status != models.StatusNew {
			_, err := m.SetRequestStatus(ctx, r.ID, r.Version, status)
			mustDo(err)
		}
	}
	for _, st := range []models.Status{models.StatusNew, models.StatusCancelled, models.StatusNew, models.StatusNew} {
		request(north1.ID, &models.Pin{TrainerID: anna.ID}, st)
		request(south.ID, nil, st)
	}
	request(north2.ID, &models.Pin{TrainerID: boris.ID}, models.StatusNew)
	request(north2.ID, &models.Pin{Date: "2025-03-12"}, models.StatusNew) // pinned to no trainer
	week := models.Date("2025-03-10")
	visit := func(id, trainerID, clinicID string, day, minute int, status models.VisitStatus) {
		t.Helper()
		start := week.AddDays(day).At(models.TimeOfDay(minute), time.UTC)
		mustDo(m.CreateVisit(ctx, &models.Visit{ID: id, RequestID: id, TrainerID: trainerID, ClinicID: clinicID, Week: week,
			Date: week.AddDays(day), Start: start, End: start.Add(time.Hour), Status: status, UID: id + "@test"}))
	}
	// _id order is not start order, and two start together.
	visit("v1", anna.ID, north1.ID, 3, 600, models.VisitScheduled)
	visit("v2", anna.ID, south.ID, 1, 600, models.VisitScheduled)
	visit("v3", anna.ID, north1.ID, 1, 600, models.VisitScheduled)
	visit("v4", anna.ID, north1.ID, 0, 600, models.VisitCancelled)
	visit("v5", boris.ID, north1.ID, 0, 540, models.VisitScheduled)
	check("requests and visits")

	// Updates: a stale version and a taken e-mail refused, then done.
	stale := *north1
	stale.Version = 7
	refused(m.UpdateClinic(ctx, &stale), models.ErrConflict)
	north1.District, north1.PreferredTrainers = "South", []string{boris.ID}
	mustDo(m.UpdateClinic(ctx, north1))
	refused(m.UpdateClinic(ctx, &models.Clinic{ID: absent, Version: 1, Name: "x"}), models.ErrNotFound)
	check("clinic updated")

	taken := *anna
	taken.Email = "BORIS@example.org"
	refused(m.UpdateTrainer(ctx, &taken), models.ErrConflict)
	self := *legacy
	self.Email, self.Skills = "old.timer@EXAMPLE.org", []string{"phone"}
	mustDo(m.UpdateTrainer(ctx, &self))
	staleTrainer := *anna
	staleTrainer.Version = 9
	refused(m.UpdateTrainer(ctx, &staleTrainer), models.ErrConflict)
	_, err := m.UpdateAvailability(ctx, anna.ID, 9, models.Availability{})
	refused(err, models.ErrConflict)
	_, err = m.UpdateAvailability(ctx, absent, 1, models.Availability{})
	refused(err, models.ErrNotFound)
	_, err = m.UpdateAvailability(ctx, anna.ID, anna.Version, models.Availability{Weekly: models.Week{Tue: []models.Window{window("08:00", "12:00")}}})
	mustDo(err)
	check("trainers updated")

	staleUser := *coord
	staleUser.Version = 5
	refused(m.UpdateUser(ctx, &staleUser), models.ErrConflict)
	dup := *annaUser
	dup.Email = "north0@example.org"
	refused(m.UpdateUser(ctx, &dup), models.ErrConflict)
	coord.Email, coord.Disabled = "Boss@Example.org", true
	mustDo(m.UpdateUser(ctx, coord))
	k.emails = append(k.emails, "boss@example.org")
	check("accounts updated")

	// Deletes: stale and missing refused, then done.
	refused(m.DeleteClinic(ctx, bare.ID, 3), models.ErrConflict)
	mustDo(m.DeleteClinic(ctx, bare.ID, bare.Version))
	refused(m.DeleteClinic(ctx, bare.ID, bare.Version), models.ErrNotFound)
	refused(m.DeleteTrainer(ctx, boris.ID, 4), models.ErrConflict)
	mustDo(m.DeleteTrainer(ctx, boris.ID, boris.Version))
	refused(m.DeleteTrainer(ctx, boris.ID, boris.Version), models.ErrNotFound)
	check("clinic and trainer deleted")

	mustDo(m.DeleteToken(ctx, "h2"))
	refused(m.DeleteToken(ctx, "h2"), models.ErrNotFound)
	refused(m.DeleteTokenByID(ctx, annaUser.ID, "t3"), models.ErrNotFound) // another user's
	refused(m.DeleteTokenByID(ctx, coord.ID, "t9"), models.ErrNotFound)
	mustDo(m.DeleteTokenByID(ctx, annaUser.ID, "t4"))
	check("tokens deleted")

	// Time passes: h1 expires, then the sweep removes it.
	clock.Advance(90 * time.Minute)
	check("a token expired")
	n, err := m.DeleteExpiredTokens(ctx)
	if err != nil || n != 1 {
		t.Fatalf("expired tokens swept: %d, %v; want 1", n, err)
	}
	if got, _ := m.Tokens(ctx, coord.ID); !slices.EqualFunc(got, []models.Token{{ID: "t2"}}, func(a, b models.Token) bool { return a.ID == b.ID }) {
		t.Errorf("coordinator's tokens after the sweep: %+v, want t2 only", got)
	}
	check("expired tokens swept")
}
