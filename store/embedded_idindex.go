package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses, registered as "sqlite"
)

// FerretDB 1.24's SQLite backend hands a filter of exactly {_id: <string>}
// to SQLite as `_ferretdb_sjson->'$._id' = ?`, but builds the unique _id
// index on `_ferretdb_sjson->"_id"`. SQLite matches an index by its
// expression, and these two differ in spelling, so every lookup, update and
// delete by _id scans the collection's table (about 20 ms at 10,000
// documents), even after the read model took the reads away. An index on
// the spelling the lookups use turns them into index searches.

// idIndexSuffix names the extra index of each table; FerretDB's own indexes
// are named "<table>_<index name>", and no index of ours is named this way.
const idIndexSuffix = "_fieldvisit_id_lookup"

// IndexIDLookups adds, to every collection of database that exists now, an
// index on the expression FerretDB's lookups by _id use, and returns how
// many it added. The index is derived data only (FerretDB's own unique index
// still enforces uniqueness, and a dropped collection takes it along);
// collections created later get theirs at the next call. It opens the
// database's SQLite file beside FerretDB, which SQLite allows (WAL mode,
// busy timeout).
func (e *Embedded) IndexIDLookups(ctx context.Context, database string) (int, error) {
	path := filepath.Join(e.dir, database+".sqlite")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, fmt.Errorf("index lookups by _id in %s: %w", path, err)
	}
	defer db.Close()
	tables, err := ferretTables(ctx, db)
	if err != nil {
		return 0, fmt.Errorf("index lookups by _id in %s: %w", path, err)
	}
	added := 0
	for _, table := range tables {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`,
			table+idIndexSuffix).Scan(&n); err != nil {
			return added, fmt.Errorf("index lookups by _id of %s: %w", table, err)
		}
		if n > 0 {
			continue
		}
		q := fmt.Sprintf(`CREATE INDEX %q ON %q (_ferretdb_sjson->'$._id')`, table+idIndexSuffix, table)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return added, fmt.Errorf("index lookups by _id of %s: %w", table, err)
		}
		added++
	}
	return added, nil
}

// ferretTables lists the tables of FerretDB's collections in a database
// file; a file without FerretDB's catalogue (no collection yet) has none.
func ferretTables(ctx context.Context, db *sql.DB) ([]string, error) {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_ferretdb_collections'`).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, rows.Err()
}
