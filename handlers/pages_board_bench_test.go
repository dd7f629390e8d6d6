package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

// BenchmarkBoardPage renders the coordinator's board of a heavy week: 60
// trainers working Monday to Friday, 1,000 visits, 40 requests left out,
// a published version and a newer draft (so every visit is compared with
// its booking). It reports the server time per page (ns/op and the p95 of
// the runs) and the page's size.
func BenchmarkBoardPage(b *testing.B) {
	ctx := context.Background()
	st := store.New(storetest.Database(b), nil)
	plan, _ := seedHeavyWeek(b, st, false)
	draft := *plan
	draft.Routes = slices.Clone(plan.Routes)
	draft.Routes[0].Stops, draft.Routes[1].Stops = draft.Routes[1].Stops, draft.Routes[0].Stops
	draft.Status = ""
	if err := st.CreatePlan(ctx, &draft); err != nil {
		b.Fatal(err)
	}
	// Served as on the embedded database: from the read model, loaded at start.
	st = storetest.ReadModel(b, st)
	secret, h := benchServer(b, st, models.User{Email: "coord@bench.test", Name: "Координатор", Role: models.RoleCoordinator})
	measurePage(b, h, "/board/"+string(benchWeek), secret)
}

// BenchmarkTrainerWeekPage renders a trainer's week: a full published
// week (5 days of 4 or 5 visits, with travel and lunch from the route)
// within the board benchmark's 60-trainer, 1,000-visit published plan,
// every visit booked. It reports the server time per page (ns/op, CPU and
// the p95 of the runs) and the page's size.
func BenchmarkTrainerWeekPage(b *testing.B) {
	ctx := context.Background()
	st := store.New(storetest.Database(b), nil)
	plan, trainers := seedHeavyWeek(b, st, true)
	mine := 0
	for _, r := range plan.Routes {
		for _, stop := range r.Stops {
			v := models.Visit{ID: stop.RequestID, RequestID: stop.RequestID, ClinicID: stop.ClinicID, TrainerID: r.TrainerID,
				Week: benchWeek, Date: r.Date, Start: stop.Start, End: stop.End, Kind: stop.Kind, Topic: stop.Topic,
				Status: models.VisitScheduled, PlanVersion: plan.Version, UID: stop.RequestID + "@bench.test"}
			if err := st.CreateVisit(ctx, &v); err != nil {
				b.Fatal(err)
			}
			if r.TrainerID == trainers[0].ID {
				mine++
			}
		}
	}
	if mine < 20 {
		b.Fatalf("the trainer has %d visits, want a full week", mine)
	}
	st = storetest.ReadModel(b, st)
	secret, h := benchServer(b, st, models.User{Email: "trainer@bench.test", Name: trainers[0].Name, Role: models.RoleTrainer,
		TrainerID: trainers[0].ID})
	body := measurePage(b, h, "/week/"+string(benchWeek), secret)
	if got := bytes.Count(body, []byte(`<article`)); got < mine {
		b.Fatalf("the page shows %d visit cards, the trainer has %d visits", got, mine)
	}
	b.ReportMetric(float64(mine), "visits/page")
}

// benchWeek is the week the page benchmarks fill.
const benchWeek models.Date = "2030-01-07"

// seedHeavyWeek stores 60 trainers working Monday to Friday, 100 clinics,
// 40 requests left out and a published plan of 1,000 visits for
// benchWeek; with fullFirst the first trainer has a full week (4 or 5
// visits every day). It answers the plan and the trainers.
func seedHeavyWeek(b *testing.B, st *store.Store, fullFirst bool) (*models.Plan, []models.Trainer) {
	b.Helper()
	ctx := context.Background()
	if err := st.EnsureIndexes(ctx); err != nil {
		b.Fatal(err)
	}
	week := benchWeek
	day := models.Week{Mon: []models.Window{{Start: 9 * 60, End: 18 * 60}}}
	day.Tue, day.Wed, day.Thu, day.Fri = day.Mon, day.Mon, day.Mon, day.Mon
	var trainers []models.Trainer
	for i := range 60 {
		t := models.Trainer{Name: fmt.Sprintf("Тренер %02d", i), Email: fmt.Sprintf("t%d@bench.test", i), Skills: []string{"support"},
			StartPlace: models.Place{Address: "Тверская 1", Lat: 55.75, Lon: 37.61}, EndPlace: models.Place{Address: "Тверская 1", Lat: 55.75, Lon: 37.61},
			MaxVisitsDay: 5, MaxWorkMinutes: 480, TravelMode: models.TravelTransit, Lang: "ru",
			Availability: models.Availability{Weekly: day, Lunch: &models.Lunch{Earliest: 12 * 60, Latest: 14 * 60, Minutes: 30}}}
		if err := st.CreateTrainer(ctx, &t); err != nil {
			b.Fatal(err)
		}
		trainers = append(trainers, t)
	}
	var clinics []models.Clinic
	for i := range 100 {
		c := models.Clinic{Name: fmt.Sprintf("Городская поликлиника № %d", i+1), Place: models.Place{Address: "Мира 5", Lat: 55.78, Lon: 37.63},
			ContactEmails: []string{fmt.Sprintf("c%d@bench.test", i)}, Lang: "ru", Hours: day}
		if err := st.CreateClinic(ctx, &c); err != nil {
			b.Fatal(err)
		}
		clinics = append(clinics, c)
	}
	kinds := []models.Kind{models.KindOnsiteSupport, models.KindMicroTraining, models.KindDifficultCase, models.KindFollowUp}
	prios := []models.Priority{models.PriorityUrgent, models.PriorityHigh, models.PriorityNormal, models.PriorityLow}
	plan := models.Plan{Week: week, Trigger: "cron", KPIs: models.PlanKPIs{ByPriority: map[models.Priority]models.PriorityKPI{}}}
	loc := time.UTC
	n := 0
	for _, t := range trainers {
		for d := range 5 {
			date := week.AddDays(d)
			r := models.PlanRoute{TrainerID: t.ID, TrainerName: t.Name, Date: date}
			stops := 3
			if (d+len(plan.Routes))%3 == 0 {
				stops = 4
			}
			if fullFirst && t.ID == trainers[0].ID {
				stops = 4 + d%2 // a full week: 4 or 5 visits a day
			}
			for s := 0; s < stops && n < 1000; s++ {
				c := clinics[n%len(clinics)]
				start := date.At(models.TimeOfDay(9*60+30+s*110), loc)
				r.Stops = append(r.Stops, models.PlanStop{RequestID: fmt.Sprintf("req%04d", n), ClinicID: c.ID, ClinicName: c.Name,
					Address: c.Place.Address, Kind: kinds[n%4], Topic: "Очередь в регистратуре", Priority: prios[n%4],
					Arrive: start.Add(-10 * time.Minute), Start: start, End: start.Add(90 * time.Minute), TravelMinutes: 20, Pinned: n%17 == 0})
				r.WorkMinutes += 110
				r.TravelMinutes += 20
				n++
			}
			plan.Routes = append(plan.Routes, r)
		}
	}
	for i := range 40 {
		c := clinics[i%len(clinics)]
		req := models.Request{ClinicID: c.ID, Kind: models.KindOnsiteSupport, Topic: "Сложный случай", Skills: []string{},
			DurationMinutes: 120, EarliestDate: week, DueDate: week.AddDays(4), Priority: prios[i%4], Status: models.StatusNew}
		if err := st.CreateRequest(ctx, &req); err != nil {
			b.Fatal(err)
		}
		plan.Unassigned = append(plan.Unassigned, models.Unassigned{RequestID: req.ID, ClinicID: c.ID, Priority: req.Priority,
			Reason: "no_trainer_time", Detail: "Ни у одного тренера с нужными навыками нет свободных 2 ч в часы работы клиники.",
			Relaxation: "Поместится, если срок сдвинуть на понедельник 14.01.2030."})
	}
	plan.KPIs.Requests, plan.KPIs.Scheduled = n+40, n
	if err := st.CreatePlan(ctx, &plan); err != nil {
		b.Fatal(err)
	}
	at := time.Now()
	if _, err := st.SetPlanStatus(ctx, plan.ID, plan.Rev, models.PlanPublished, &at); err != nil {
		b.Fatal(err)
	}
	return &plan, trainers
}

// benchServer is the service on st with user (stored here, Russian) and
// an API token of theirs, on a clock before benchWeek.
func benchServer(b *testing.B, st *store.Store, u models.User) (string, http.Handler) {
	b.Helper()
	ctx := context.Background()
	hash, _ := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	u.Lang, u.PasswordHash = "ru", hash
	if err := st.CreateUser(ctx, &u); err != nil {
		b.Fatal(err)
	}
	clock := func() time.Time { return time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC) }
	srv, err := New(Config{Store: st, Now: clock, Location: time.UTC, PasswordCost: bcrypt.MinCost})
	if err != nil {
		b.Fatal(err)
	}
	secret, hashed := NewToken()
	if err := st.CreateToken(ctx, &models.Token{Hash: hashed, ID: NewID(), UserID: u.ID, Kind: models.TokenAPI, Name: "bench",
		ExpiresAt: clock().Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	return secret, srv.Handler()
}

// measurePage GETs path as the token's holder b.N times and reports the
// server time per page (ns/op, CPU and the p95 of the runs) and the
// page's size, plain and gzipped; it answers the page.
func measurePage(b *testing.B, h http.Handler, path, secret string) []byte {
	b.Helper()
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String()[:min(rec.Body.Len(), 2000)])
		}
		return rec
	}
	body := get().Body.Bytes()
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	if _, err := zw.Write(body); err != nil || zw.Close() != nil {
		b.Fatal("gzip the page")
	}
	var times []time.Duration
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		get()
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	// CPU time of the whole process (the handler and the embedded
	// database) per page: on a shared machine a steadier figure than the
	// wall clock.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(len(times)), "cpu-ms/op")
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(len(body)), "bytes/page")
	b.ReportMetric(float64(zipped.Len()), "gzip-bytes/page")
	return body
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
