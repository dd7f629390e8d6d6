// Package storetest gives tests a real, empty MongoDB database: one embedded
// FerretDB server per test binary, shared by all tests of the binary, or the
// server named by MONGODB_URI when it is set.
//
// Packages that use it call Main from their TestMain:
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
//
// and take a fresh database in each test with Database(t), or a store on one,
// its indexes made, with Store(t, now).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/fieldvisit/fieldvisit/store"
)

// server is the one server a test binary shares. It is package-level state
// on purpose, and only here: starting FerretDB and opening a client costs
// far more than a test, the tests of a package run in one process, and a test
// cannot pass values to its siblings, so a lazily started value guarded by a
// sync.Once is the only way to share it. Main stops it when the tests end.
var server struct {
	mainRunning atomic.Bool
	once        sync.Once
	embedded    *store.Embedded // nil when MONGODB_URI is used
	dir         string          // the embedded server's temporary data directory
	uri         string
	client      *mongo.Client
	err         error
}

// Main runs the tests and then stops the shared server and deletes its data.
// Call it from TestMain; it returns the tests' exit code, which TestMain may
// return or ignore (the testing package exits with it either way).
func Main(m *testing.M) int {
	server.mainRunning.Store(true)
	code := m.Run()
	server.mainRunning.Store(false)
	stop()
	return code
}

// stop disconnects the shared client and stops the embedded server, if they
// were started.
func stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if server.client != nil {
		_ = server.client.Disconnect(ctx)
	}
	if server.embedded != nil {
		server.embedded.Close()
	}
	if server.dir != "" {
		_ = os.RemoveAll(server.dir)
	}
}

// start opens the shared server and client on first use.
func start() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	uri := os.Getenv("MONGODB_URI")
	embedded := uri == ""
	if embedded {
		dir, err := os.MkdirTemp("", "fieldvisit-storetest-")
		if err != nil {
			server.err = fmt.Errorf("storetest: create data directory: %w", err)
			return
		}
		server.dir = dir
		e, err := store.StartEmbedded(ctx, dir)
		if err != nil {
			server.err = fmt.Errorf("storetest: %w", err)
			return
		}
		server.embedded = e
		uri = e.URI()
	}
	server.uri = uri
	client, err := store.Connect(ctx, uri, embedded)
	if err != nil {
		server.err = fmt.Errorf("storetest: %w", err)
		return
	}
	server.client = client
}

// URI returns the shared server's address, starting it if needed; tests use
// it to open clients of their own.
func URI(t testing.TB) string {
	t.Helper()
	shared(t)
	return server.uri
}

// Embedded reports whether the tests run against the embedded server rather
// than MONGODB_URI.
func Embedded(t testing.TB) bool {
	t.Helper()
	shared(t)
	return server.embedded != nil
}

// shared starts the shared server once and fails t when it is not available.
func shared(t testing.TB) {
	t.Helper()
	if !server.mainRunning.Load() {
		t.Fatal("storetest: call storetest.Main(m) from the package's TestMain so the shared server is stopped after the tests")
	}
	server.once.Do(start)
	if server.err != nil {
		t.Fatal(server.err)
	}
}

// Database returns a new, uniquely named database on the shared server (its
// client uses one connection on the embedded server, as production does). It
// is dropped when the test ends. Safe for parallel tests.
func Database(t testing.TB) *mongo.Database {
	t.Helper()
	shared(t)
	db := server.client.Database(databaseName(t.Name()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := db.Drop(ctx); err != nil {
			t.Errorf("storetest: drop database %s: %v", db.Name(), err)
		}
	})
	return db
}

// Store returns a store on a fresh database (see Database) with its indexes
// made, reading the time from now (time.Now when nil). On the embedded
// server it keeps the read model, as the service does there; with
// MONGODB_URI it reads the database.
func Store(t testing.TB, now func() time.Time) *store.Store {
	t.Helper()
	s := indexed(t, Database(t), now)
	if server.embedded == nil {
		return s
	}
	return ReadModel(t, s)
}

// ReadModel returns s with its read model loaded from the database, as the
// service does at start on the embedded server.
func ReadModel(t testing.TB, s *store.Store) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := s.WithReadModel(ctx)
	if err != nil {
		t.Fatalf("storetest: load the read model: %v", err)
	}
	return m
}

// Plain returns a store on db with its indexes made and no read model: it
// reads the database, as the service does on MongoDB.
func Plain(t testing.TB, db *mongo.Database, now func() time.Time) *store.Store {
	t.Helper()
	return indexed(t, db, now)
}

// indexed returns a store on db with its indexes made.
func indexed(t testing.TB, db *mongo.Database, now func() time.Time) *store.Store {
	t.Helper()
	s := store.New(db, now)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatalf("storetest: make indexes: %v", err)
	}
	// As the service does on the embedded server.
	if server.embedded != nil {
		if _, err := server.embedded.IndexIDLookups(ctx, db.Name()); err != nil {
			t.Fatalf("storetest: index lookups by _id: %v", err)
		}
	}
	return s
}

// Instances returns n stores (n >= 1) on one fresh database, each through a
// client of its own, as n instances of the service would have them; the
// first has made the indexes. The extra clients are disconnected when the
// test ends.
func Instances(t testing.TB, n int, now func() time.Time) []*store.Store {
	t.Helper()
	db := Database(t)
	stores := []*store.Store{indexed(t, db, now)}
	for range n - 1 {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		client, err := store.Connect(ctx, server.uri, server.embedded != nil)
		cancel()
		if err != nil {
			t.Fatalf("storetest: open another client: %v", err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := client.Disconnect(ctx); err != nil {
				t.Errorf("storetest: disconnect: %v", err)
			}
		})
		stores = append(stores, store.New(client.Database(db.Name()), now))
	}
	return stores
}

// databaseName makes a name from the test's name (readable when a test
// leaves something behind) and a random suffix (unique across tests and
// binaries sharing a MONGODB_URI). It keeps to letters, digits and
// underscores and to 63 bytes, which every server accepts.
func databaseName(testName string) string {
	var b strings.Builder
	b.WriteString("t_")
	for _, r := range testName {
		if b.Len() >= 40 {
			break
		}
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	suffix := make([]byte, 8)
	_, _ = rand.Read(suffix) // crypto/rand.Read never fails
	b.WriteByte('_')
	b.WriteString(hex.EncodeToString(suffix))
	return b.String()
}
