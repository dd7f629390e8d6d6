package demo_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // zones load on machines without zoneinfo, as in the binary

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/demo"
	"github.com/fieldvisit/fieldvisit/internal/testkit"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// city is what a seed left in the database, read back through the driver.
type city struct {
	trainers []models.Trainer
	clinics  []models.Clinic
	requests []models.Request
	users    []models.User
}

func readAll[T any](t *testing.T, db *mongo.Database, coll string) []T {
	t.Helper()
	ctx := context.Background()
	cur, err := db.Collection(coll).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatalf("read %s: %v", coll, err)
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		t.Fatalf("decode %s: %v", coll, err)
	}
	return out
}

// seed loads the demo into a fresh database and reads everything back.
func seed(t *testing.T, now time.Time, loc *time.Location) (demo.Accounts, city) {
	t.Helper()
	ctx := context.Background()
	db := storetest.Database(t)
	st := store.New(db, func() time.Time { return now })
	if err := st.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	accs, err := demo.Seed(ctx, st, now, loc, []byte("not-a-real-hash"))
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return accs, city{
		trainers: readAll[models.Trainer](t, db, "trainers"),
		clinics:  readAll[models.Clinic](t, db, "clinics"),
		requests: readAll[models.Request](t, db, "requests"),
		users:    readAll[models.User](t, db, "users"),
	}
}

func TestSeedBuildsAValidCity(t *testing.T) {
	loc := testkit.Moscow(t)
	for _, now := range []time.Time{
		time.Date(2025, 3, 3, 9, 0, 0, 0, loc),     // a Monday morning
		time.Date(2025, 12, 27, 23, 30, 0, 0, loc), // a Saturday night before the new year
	} {
		t.Run(now.Format("2006-01-02_Mon"), func(t *testing.T) {
			accs, c := seed(t, now, loc)
			checkCity(t, now, loc, accs, c)
		})
	}
}

func checkCity(t *testing.T, now time.Time, loc *time.Location, accs demo.Accounts, c city) {
	t.Helper()
	if got := len(c.clinics); got < 40 {
		t.Errorf("%d clinics, want at least 40", got)
	}
	if got := len(c.trainers); got != 8 {
		t.Errorf("%d trainers, want 8", got)
	}
	if got := len(c.requests); got < 60 {
		t.Errorf("%d requests, want at least 60", got)
	}
	if !reflect.DeepEqual(accs, demo.Logins()) {
		t.Errorf("Seed returned accounts %v, Logins says %v", accs, demo.Logins())
	}
	if len(c.users) != len(accs) {
		t.Errorf("%d users stored, %d accounts returned", len(c.users), len(accs))
	}

	trainers := map[string]models.Trainer{}
	skills := map[string]bool{}
	modes := map[models.TravelMode]bool{}
	for _, tr := range c.trainers {
		if err := tr.Validate(); err != nil {
			t.Errorf("trainer %s: %v", tr.Name, err)
		}
		checkInMoscow(t, "trainer "+tr.Name, tr.StartPlace)
		trainers[tr.ID] = tr
		for _, s := range tr.Skills {
			skills[s] = true
		}
		modes[tr.TravelMode] = true
	}
	if len(modes) != len(models.TravelModes) {
		t.Errorf("travel modes used: %v, want all of %v", modes, models.TravelModes)
	}
	overrides := 0
	for _, tr := range c.trainers {
		overrides += len(tr.Overrides)
	}
	if overrides == 0 {
		t.Error("no trainer has a date override")
	}

	clinics := map[string]models.Clinic{}
	districts := map[string]bool{}
	saturdays := 0
	for _, cl := range c.clinics {
		if err := cl.Validate(); err != nil {
			t.Errorf("clinic %s: %v", cl.Name, err)
		}
		checkInMoscow(t, "clinic "+cl.Name, cl.Place)
		if _, dup := clinics[cl.Name]; dup {
			t.Errorf("clinic name %s used twice", cl.Name)
		}
		clinics[cl.ID] = cl
		districts[cl.District] = true
		if len(cl.Hours.Sat) > 0 {
			saturdays++
		}
		for _, id := range cl.PreferredTrainers {
			if _, ok := trainers[id]; !ok {
				t.Errorf("clinic %s prefers unknown trainer %s", cl.Name, id)
			}
		}
	}
	if len(districts) < 25 {
		t.Errorf("clinics in %d districts, want them spread over at least 25", len(districts))
	}
	if saturdays == 0 || saturdays == len(c.clinics) {
		t.Errorf("%d of %d clinics open on Saturdays, want some", saturdays, len(c.clinics))
	}

	today := models.DateOf(now, loc)
	last := today.AddDays(13)
	kinds, prios := map[models.Kind]int{}, map[models.Priority]int{}
	pins, unservable := 0, 0
	for _, r := range c.requests {
		if err := r.Validate(); err != nil {
			t.Errorf("request %q: %v", r.Topic, err)
		}
		if _, ok := clinics[r.ClinicID]; !ok {
			t.Errorf("request %q names unknown clinic %s", r.Topic, r.ClinicID)
		}
		if !r.Status.Open() {
			t.Errorf("request %q is %s, want open", r.Topic, r.Status)
		}
		if r.EarliestDate < today || r.DueDate > last {
			t.Errorf("request %q runs %s..%s, outside the fortnight %s..%s", r.Topic, r.EarliestDate, r.DueDate, today, last)
		}
		if wd := r.EarliestDate.Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Errorf("request %q starts on a %s", r.Topic, wd)
		}
		if r.CreatedBy == "" {
			t.Errorf("request %q has no author", r.Topic)
		}
		if slices.ContainsFunc(r.Skills, func(s string) bool { return !skills[s] }) {
			unservable++
		}
		kinds[r.Kind]++
		prios[r.Priority]++
		if p := r.Pin; p != nil {
			pins++
			tr, ok := trainers[p.TrainerID]
			if !ok {
				t.Errorf("request %q pinned to unknown trainer %s", r.Topic, p.TrainerID)
				continue
			}
			for _, s := range r.Skills {
				if !slices.Contains(tr.Skills, s) {
					t.Errorf("request %q pinned to %s, who lacks skill %s", r.Topic, tr.Name, s)
				}
			}
			if p.Date != "" && len(tr.Availability.Windows(p.Date)) == 0 {
				t.Errorf("request %q pinned to %s on %s, a day off", r.Topic, tr.Name, p.Date)
			}
		}
	}
	if len(kinds) != len(models.Kinds) || len(prios) != len(models.Priorities) {
		t.Errorf("kinds %v, priorities %v: want every kind and priority", kinds, prios)
	}
	if pins < 2 {
		t.Errorf("%d pinned requests, want at least 2", pins)
	}
	if unservable != 1 {
		t.Errorf("%d requests need skills no trainer has, want exactly the one demo case", unservable)
	}

	roles := map[models.Role]int{}
	for _, u := range c.users {
		if err := u.Validate(); err != nil {
			t.Errorf("user %s: %v", u.Email, err)
		}
		roles[u.Role]++
		if _, ok := trainers[u.TrainerID]; u.Role == models.RoleTrainer && !ok {
			t.Errorf("trainer account %s links to unknown trainer %s", u.Email, u.TrainerID)
		}
		if _, ok := clinics[u.ClinicID]; u.Role == models.RoleClinic && !ok {
			t.Errorf("clinic account %s links to unknown clinic %s", u.Email, u.ClinicID)
		}
		if string(u.PasswordHash) != "not-a-real-hash" {
			t.Errorf("user %s has hash %q, want the one passed to Seed", u.Email, u.PasswordHash)
		}
	}
	if roles[models.RoleCoordinator] < 1 || roles[models.RoleTrainer] != 8 || roles[models.RoleClinic] < 1 {
		t.Errorf("accounts by role %v: want coordinators, one per trainer, and clinics", roles)
	}
}

func checkInMoscow(t *testing.T, what string, p models.Place) {
	t.Helper()
	if p.Lat < 55.55 || p.Lat > 55.92 || p.Lon < 37.35 || p.Lon > 37.85 {
		t.Errorf("%s at %.4f,%.4f (%s) lies outside Moscow", what, p.Lat, p.Lon, p.Address)
	}
}
