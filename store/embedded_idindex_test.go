package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/store"
)

// TestIndexIDLookups: after IndexIDLookups every collection's table has an
// index that SQLite uses for the statement FerretDB 1.24 runs for a filter
// of {_id} (internal/backends/sqlite: `SELECT _ferretdb_sjson FROM t WHERE
// _ferretdb_sjson->'$._id' = ?`), where before it scanned the table; a
// second call adds nothing. (How much it saves is in BENCHMARKS.md, "Guarded
// writes at a year's data".)
func TestIndexIDLookups(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, err := store.StartEmbedded(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	client, err := store.Connect(ctx, e.URI(), true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	if err := store.New(client.Database("fv"), nil).EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	sqlite, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "fv.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer sqlite.Close()
	tables := map[string]string{}
	rows, err := sqlite.QueryContext(ctx, `SELECT name, table_name FROM _ferretdb_collections`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			t.Fatal(err)
		}
		tables[name] = table
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"requests", "visits", "plans", "outbox", "users"} {
		if tables[name] == "" {
			t.Fatalf("no table for %s among %v", name, tables)
		}
	}
	plan := func(sqlite *sql.DB, table string) string {
		t.Helper()
		q := fmt.Sprintf(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM %q WHERE _ferretdb_sjson->'$._id' = ?`, table)
		rows, err := sqlite.QueryContext(ctx, q, `"r1"`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var steps []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			steps = append(steps, detail)
		}
		return strings.Join(steps, "; ")
	}
	if p := plan(sqlite, tables["requests"]); !strings.HasPrefix(p, "SCAN") {
		t.Fatalf("before: a lookup by _id is %q, want a scan (else this test proves nothing)", p)
	}
	n, err := e.IndexIDLookups(ctx, "fv")
	if err != nil || n != len(tables) {
		t.Fatalf("IndexIDLookups = %d, %v; want one index per collection (%d)", n, err, len(tables))
	}
	// EXPLAIN on a fresh connection: the one above keeps the schema it read.
	// (FerretDB's own connections took the index up at once when measured.)
	after, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "fv.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer after.Close()
	for name, table := range tables {
		if p := plan(after, table); !strings.Contains(p, "USING INDEX "+table+"_fieldvisit_id_lookup") {
			t.Errorf("%s: a lookup by _id is %q, want a search of the new index", name, p)
		}
	}
	if n, err := e.IndexIDLookups(ctx, "fv"); err != nil || n != 0 {
		t.Errorf("a second call added %d, %v", n, err)
	}
	if n, err := e.IndexIDLookups(ctx, "nothing_here"); err != nil || n != 0 {
		t.Errorf("a database without collections: %d, %v", n, err)
	}
}
