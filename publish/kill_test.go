package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
	"github.com/fieldvisit/fieldvisit/templates"
)

// childSpec is the environment variable that makes TestPublishKilledChild
// run: "<database>|<week>|<version>|<kill after this many writes>|<now>".
const childSpec = "FIELDVISIT_TEST_PUBLISH_CHILD"

// writeCounter counts a publication's writes and, when kill is reached,
// kills its own process with SIGKILL right after the write: a crash at an
// exact point, with no deferred function or lease release running.
type writeCounter struct {
	Store
	n, kill int
}

func (w *writeCounter) wrote(err error) error {
	w.n++
	if w.n == w.kill {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
	return err
}

func (w *writeCounter) CreateVisit(ctx context.Context, v *models.Visit) error {
	return w.wrote(w.Store.CreateVisit(ctx, v))
}

func (w *writeCounter) UpdateVisit(ctx context.Context, v *models.Visit) error {
	return w.wrote(w.Store.UpdateVisit(ctx, v))
}

func (w *writeCounter) SetRequestStatus(ctx context.Context, id string, version int64, to models.Status) (*models.Request, error) {
	r, err := w.Store.SetRequestStatus(ctx, id, version, to)
	return r, w.wrote(err)
}

func (w *writeCounter) EnqueueMail(ctx context.Context, m *models.OutboxMessage) (bool, error) {
	created, err := w.Store.EnqueueMail(ctx, m)
	return created, w.wrote(err)
}

func (w *writeCounter) SetPlanStatus(ctx context.Context, id string, rev int64, to models.PlanStatus, at *time.Time) (*models.Plan, error) {
	p, err := w.Store.SetPlanStatus(ctx, id, rev, to, at)
	return p, w.wrote(err)
}

// TestPublishKilledChild is the process TestPublishAfterKill kills: it
// publishes a plan in the parent's database and SIGKILLs itself after a
// given number of writes. It does nothing in a normal test run.
func TestPublishKilledChild(t *testing.T) {
	spec := os.Getenv(childSpec)
	if spec == "" {
		t.Skip("runs only as the child process of TestPublishAfterKill")
	}
	parts := strings.Split(spec, "|")
	version, err1 := strconv.Atoi(parts[2])
	kill, err2 := strconv.Atoi(parts[3])
	now, err3 := time.Parse(time.RFC3339, parts[4])
	if err := errors.Join(err1, err2, err3); err != nil || len(parts) != 5 {
		t.Fatalf("bad %s %q: %v", childSpec, spec, err)
	}
	ctx := context.Background()
	client, err := store.Connect(ctx, os.Getenv("MONGODB_URI"), true)
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(client.Database(parts[0]), func() time.Time { return now })
	pub := newTestPublisher(t, &writeCounter{Store: st, kill: kill}, testkit.NewClock(now).Now)
	pub.cfg.Holder = fmt.Sprintf("child-%d", os.Getpid())
	if _, err := pub.Publish(ctx, models.Date(parts[1]), version); err != nil {
		t.Fatal(err)
	}
}

// newTestPublisher is a publisher in Moscow on st, reading the time from now.
func newTestPublisher(t *testing.T, st Store, now func() time.Time) *Publisher {
	t.Helper()
	loc := testkit.Moscow(t)
	comp, err := notify.NewComposer(templates.Mail, loc, notify.ComposerConfig{BaseURL: "https://fv.example", ReplyTo: "coord@fv.example"})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := New(Config{Store: st, Composer: comp, Location: loc, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// killRoutes is the plan every world of the test publishes: a second
// version over a first that is published already, so the publication
// creates, moves and cancels visits, mails clinics and trainers, and
// retires the first plan.
func killRoutes(w *world) (first, second []models.PlanRoute) {
	first = []models.PlanRoute{w.route(w.a, 0, w.stop(w.r1, 0, 10, 0), w.stop(w.r2, 0, 11, 30))}
	second = []models.PlanRoute{
		w.route(w.a, 0, w.stop(w.r1, 0, 15, 0)),
		w.route(w.b, 1, w.stop(w.r3, 1, 9, 0), w.stop(w.r2, 1, 11, 0)),
	}
	return first, second
}

// endState is what a publication leaves, with ids replaced by the
// fixtures' names so that two worlds compare.
func endState(t *testing.T, w *world, versions ...int) string {
	t.Helper()
	ctx := context.Background()
	names := strings.NewReplacer(w.r1.ID, "r1", w.r2.ID, "r2", w.r3.ID, "r3", w.a.ID, "A", w.b.ID, "B", w.c1.ID, "C1", w.c2.ID, "C2")
	var lines []string
	for name, r := range map[string]models.Request{"r1": w.r1, "r2": w.r2, "r3": w.r3} {
		v := w.visit(t, r)
		lines = append(lines, fmt.Sprintf("visit %s: trainer %s at %s, %s, sequence %d; request %s",
			name, names.Replace(v.TrainerID), v.Start.UTC().Format(time.RFC3339), v.Status, v.Sequence, w.status(t, r)))
	}
	for _, version := range versions {
		p, err := w.st.Plan(ctx, week, version)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, fmt.Sprintf("plan %d: %s", version, p.Status))
	}
	msgs, err := w.st.OutboxMessages(ctx, "", models.Page{Limit: models.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		lines = append(lines, fmt.Sprintf("mail %s to %v: %s", names.Replace(m.ID), m.Mail.To, m.Mail.Subject))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// TestPublishAfterKill kills a publishing process (SIGKILL, in a child
// process) after each of several of its writes, then "restarts": with the
// embedded database the new process ends the dead one's leases at start
// and publishes at once; on a shared MongoDB the dead holder's short lease
// lapses by itself within a minute. Either way the publication then
// succeeds at the first attempt and the end state equals that of an
// uninterrupted publication: the same visits, statuses and mails, each
// mail once.
func TestPublishAfterKill(t *testing.T) {
	if os.Getenv(childSpec) != "" {
		t.Skip("this is the child process")
	}
	if DefaultLeaseTTL > time.Minute {
		t.Errorf("DefaultLeaseTTL %s: a dead publisher would block its week for more than a minute", DefaultLeaseTTL)
	}
	ctx := context.Background()

	// The uninterrupted publication, counting its writes.
	ref := newWorld(t)
	first, second := killRoutes(ref)
	ref.publish(t, ref.draft(t, first...))
	refVersion := ref.draft(t, second...)
	counter := &writeCounter{Store: ref.st}
	refNow := time.Date(2026, 12, 3, 10, 0, 0, 0, ref.loc)
	if _, err := newTestPublisher(t, counter, testkit.NewClock(refNow).Now).Publish(ctx, week, refVersion); err != nil {
		t.Fatal(err)
	}
	want := endState(t, ref, 1, refVersion)
	writes := counter.n
	if writes < 6 {
		t.Fatalf("the publication made only %d writes", writes)
	}

	for _, kill := range []int{1, writes / 3, 2 * writes / 3, writes - 1} {
		for _, shared := range []bool{false, true} {
			t.Run(fmt.Sprintf("killed after write %d of %d, shared=%v", kill, writes, shared), func(t *testing.T) {
				w := newWorld(t)
				first, second := killRoutes(w)
				w.publish(t, w.draft(t, first...))
				version := w.draft(t, second...)
				spec := strings.Join([]string{w.st.DatabaseName(), string(week), strconv.Itoa(version), strconv.Itoa(kill),
					refNow.Format(time.RFC3339)}, "|")
				cmd := exec.Command(os.Args[0], "-test.run=^TestPublishKilledChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), childSpec+"="+spec, "MONGODB_URI="+storetest.URI(t))
				out, err := cmd.CombinedOutput()
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
					t.Fatalf("the child was not killed: %v\n%s", err, out)
				}
				// What the child wrote is in the database, not in this
				// process's read model: take a fresh one, as a restarted
				// process does (on a shared MongoDB every instance reads
				// the database, which the fresh copy equals).
				w.st = storetest.ReadModel(t, w.st)
				w.pub = newTestPublisher(t, w.st, testkit.NewClock(refNow).Now)

				// The dead publisher's lease blocks the week while its
				// plan is a draft (once published, a publication only
				// retires the previous plan, without a lease)...
				p, err := w.st.Plan(ctx, week, version)
				if err != nil {
					t.Fatal(err)
				}
				if p.Status == models.PlanDraft {
					if _, err := w.pub.Publish(ctx, week, version); !errors.Is(err, models.ErrConflict) {
						t.Fatalf("publish right after the kill: %v, want the dead holder's lease in the way", err)
					}
				}
				pub := w.pub
				if shared {
					// ...until it lapses, within a minute, with no one renewing it.
					later := refNow.Add(DefaultLeaseTTL + time.Second)
					pub = newTestPublisher(t, w.st.WithClock(func() time.Time { return later }), testkit.NewClock(later).Now)
				} else {
					// ...until the restarted process ends it at start.
					if n, err := w.st.ExpireLiveLeases(ctx); err != nil || n != 1 {
						t.Fatalf("ExpireLiveLeases = %d, %v; want the dead publisher's lease", n, err)
					}
				}
				if _, err := pub.Publish(ctx, week, version); err != nil {
					t.Fatalf("publish after the restart: %v", err)
				}
				if got := endState(t, w, 1, version); got != want {
					t.Errorf("end state after a kill after write %d:\n%s\nwant (uninterrupted):\n%s", kill, got, want)
				}
			})
		}
	}
}

// slowStore makes the first visit write of a publication take a while.
type slowStore struct {
	Store
	pause   time.Duration
	started chan struct{}
	once    bool
}

func (s *slowStore) CreateVisit(ctx context.Context, v *models.Visit) error {
	if !s.once {
		s.once = true
		close(s.started)
		time.Sleep(s.pause)
	}
	return s.Store.CreateVisit(ctx, v)
}

// TestPublishRenewsItsLease: a publication that runs longer than its
// short lease keeps renewing it, so a second publisher cannot take the
// week over from a live one; afterwards the week is free again.
func TestPublishRenewsItsLease(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	first, _ := killRoutes(w)
	version := w.draft(t, first...)
	st := w.st.WithClock(time.Now) // leases expire in real time
	slow := &slowStore{Store: st, pause: 1500 * time.Millisecond, started: make(chan struct{})}
	pub := newTestPublisher(t, slow, testkit.NewClock(time.Now()).Now)
	pub.cfg.LeaseTTL = 300 * time.Millisecond
	done := make(chan error, 1)
	go func() {
		_, err := pub.Publish(ctx, week, version)
		done <- err
	}()
	<-slow.started
	time.Sleep(900 * time.Millisecond) // three times the lease's time
	if _, err := st.ClaimLease(ctx, "publish:"+string(week), "intruder", time.Minute); !errors.Is(err, models.ErrConflict) {
		t.Errorf("a live publication's lease was taken over after three of its TTLs: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the slow publication: %v", err)
	}
	l, err := st.ClaimLease(ctx, "publish:"+string(week), "next", time.Minute)
	if err != nil {
		t.Fatalf("claim after the publication: %v", err)
	}
	if leases, err := st.Leases(ctx, "publish:"+string(week)); err != nil || len(leases) != l.Attempt {
		t.Errorf("leases %v, %v", leases, err)
	}
}
