// Package demo loads a realistic demo city into an empty database: Moscow
// polyclinics spread over the districts, eight trainers with different
// skills and working hours, a fortnight of open support requests and a login
// for every role, so a newcomer can try the service minutes after cloning it.
//
// The data is deterministic for a given "now" (the random choices come from
// a fixed seed); dates are relative to now so the demo is always current.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// Password is the password of every demo account.
const Password = "demo"

// Domain is the e-mail domain of every demo address; .local never routes.
const Domain = "demo.fieldvisit.local"

// CoordinatorEmail is the main demo coordinator's login; its presence tells
// that the database holds the demo data.
const CoordinatorEmail = "coordinator@" + Domain

// Store is what Seed writes to; *store.Store implements it. Each Create sets
// the document's ID, version and time stamps.
type Store interface {
	CreateTrainer(ctx context.Context, t *models.Trainer) error
	CreateClinic(ctx context.Context, c *models.Clinic) error
	CreateUser(ctx context.Context, u *models.User) error
	CreateRequest(ctx context.Context, r *models.Request) error
}

// Account is one demo login.
type Account struct {
	Email    string
	Password string
	Role     models.Role
	// Name is the person, or the clinic for a clinic account.
	Name string
}

// Accounts lists demo logins, coordinators first, then trainers, then clinics.
type Accounts []Account

// Size of the demo city.
const (
	// ClinicAccounts is how many clinics get a login (the first ones).
	ClinicAccounts = 5
	// randomRequests is how many requests are drawn at random; two pinned
	// ones and one that no trainer can serve come on top.
	randomRequests = 62
	// horizonDays is how far ahead requests fall: the next two weeks.
	horizonDays = 14
)

// Logins returns the demo accounts without touching a database; they are
// the same for every seed, so a restarted service can print them again.
func Logins() Accounts {
	accs := Accounts{
		{Email: CoordinatorEmail, Password: Password, Role: models.RoleCoordinator, Name: "Координатор Демо"},
		{Email: "coordinator.en@" + Domain, Password: Password, Role: models.RoleCoordinator, Name: "Demo Coordinator (English)"},
	}
	for _, t := range trainerRows {
		accs = append(accs, Account{Email: t.email, Password: Password, Role: models.RoleTrainer, Name: t.name})
	}
	for _, c := range clinicRows[:ClinicAccounts] {
		accs = append(accs, Account{Email: clinicEmail(c), Password: Password, Role: models.RoleClinic, Name: c.name})
	}
	return accs
}

func clinicEmail(c clinicRow) string { return c.code + "@" + Domain }

// Seed creates the demo city in st: trainers, clinics, accounts and open
// requests over the two weeks from now (dates in loc). passwordHash is the
// hash of Password that every demo account gets; the caller hashes it once
// with the same function logins verify against. Seed does not check that
// the store is empty; the caller decides that.
func Seed(ctx context.Context, st Store, now time.Time, loc *time.Location, passwordHash []byte) (Accounts, error) {
	today := models.DateOf(now, loc)
	rng := newRand()

	trainers := make([]*models.Trainer, 0, len(trainerRows))
	for _, row := range trainerRows {
		t := row.trainer(today)
		if err := st.CreateTrainer(ctx, t); err != nil {
			return nil, fmt.Errorf("seed trainer %s: %w", row.name, err)
		}
		trainers = append(trainers, t)
	}

	clinics := make([]*models.Clinic, 0, len(clinicRows))
	for i, row := range clinicRows {
		c := row.clinic(i, trainers)
		if err := st.CreateClinic(ctx, c); err != nil {
			return nil, fmt.Errorf("seed clinic %s: %w", row.name, err)
		}
		clinics = append(clinics, c)
	}

	accounts := Logins()
	var coordinatorID string
	clinicUser := map[string]string{} // clinic id -> the user id that files its requests
	for _, acc := range accounts {
		u := &models.User{Email: acc.Email, Name: acc.Name, PasswordHash: passwordHash, Role: acc.Role, Lang: "ru"}
		if acc.Email == "coordinator.en@"+Domain {
			u.Lang = "en"
		}
		switch acc.Role {
		case models.RoleTrainer:
			i := slices.IndexFunc(trainers, func(t *models.Trainer) bool { return t.Email == acc.Email })
			u.TrainerID = trainers[i].ID
		case models.RoleClinic:
			i := slices.IndexFunc(clinicRows, func(c clinicRow) bool { return clinicEmail(c) == acc.Email })
			u.ClinicID = clinics[i].ID
			u.Name = "Старший администратор, " + acc.Name
		}
		if err := st.CreateUser(ctx, u); err != nil {
			return nil, fmt.Errorf("seed account %s: %w", acc.Email, err)
		}
		if acc.Email == CoordinatorEmail {
			coordinatorID = u.ID
		}
		if u.ClinicID != "" {
			clinicUser[u.ClinicID] = u.ID
		}
	}

	for _, r := range requests(rng, today, trainers, clinics) {
		r.CreatedBy = coordinatorID
		if id, ok := clinicUser[r.ClinicID]; ok {
			r.CreatedBy = id
		}
		if err := st.CreateRequest(ctx, r); err != nil {
			return nil, fmt.Errorf("seed request %q: %w", r.Topic, err)
		}
	}
	return accounts, nil
}

// newRand returns the demo's random source. Its seed is fixed: the same now
// gives the same city.
func newRand() *rand.Rand { return rand.New(rand.NewPCG(20240901, 42)) }

// clinic builds the i-th demo clinic; some prefer a trainer.
func (row clinicRow) clinic(i int, trainers []*models.Trainer) *models.Clinic {
	weekday := []models.Window{{Start: 8 * 60, End: 20 * 60}}
	hours := models.Week{Mon: weekday, Tue: weekday, Wed: weekday, Thu: weekday, Fri: weekday}
	if row.saturday {
		hours.Sat = []models.Window{{Start: 9 * 60, End: 15 * 60}}
	}
	c := &models.Clinic{
		Name:          row.name,
		Place:         models.Place{Address: row.address, Lat: row.lat, Lon: row.lon},
		District:      row.district,
		ContactEmails: []string{clinicEmail(row)},
		// A made-up Moscow number per clinic, for the trainers' call links.
		Phone: fmt.Sprintf("+7 495 %03d-%02d-%02d", 200+i*7%700, 10+i*13%90, 10+i*29%90),
		Hours: hours,
		Lang:  "ru",
	}
	if i%3 == 0 {
		c.ContactEmails = append(c.ContactEmails, "registratura."+row.code+"@"+Domain)
	}
	if i%7 == 2 {
		c.PreferredTrainers = []string{trainers[i%len(trainers)].ID}
	}
	if i%4 == 1 {
		c.Notes = clinicNotes[i/4%len(clinicNotes)]
	}
	return c
}
