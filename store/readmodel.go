package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	memdb "github.com/hashicorp/go-memdb"
	clone "github.com/huandu/go-clone"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/fieldvisit/fieldvisit/models"
)

// The read model is an in-process copy of the hot collections, so that
// lists and lookups cost what they return instead of a scan of the whole
// collection (the embedded server decodes every document of a collection
// for every query). It is sound only where this process is the database's
// one writer: the embedded server, whose data directory is locked by the
// process that started it. With MONGODB_URI several instances may write,
// MongoDB's indexes serve the queries, and the read model stays off.
//
// Each mirrored collection is a go-memdb table of rows: the document as the
// database holds it (bson.Raw) and its typed form, decoded from that, which
// filters and indexes look at. Readers get deep copies (go-clone) or fresh
// decodes, never the row's own values, so no caller can change the copy. Writes go through the database first; a table's lock orders a
// write with its put into the copy, so the copy sees writes in the order the
// database applied them. A write whose outcome is unknown (a timeout, a lost
// connection) reloads the document; if even that fails the table is marked
// stale and its reads go to the database until a later write reloads it.

// mirrorSpec describes one mirrored collection: how to decode a document and
// which secondary indexes its reads need.
type mirrorSpec struct {
	collection string
	// decode returns the typed form of a stored document (a pointer).
	decode func(raw bson.Raw) (any, error)
	// indexes are the secondary indexes by name: each gives the key a row
	// is found under (false leaves the row out of that index). Rows of one
	// key are iterated in _id order.
	indexes map[string]func(doc any) (string, bool)
}

// decodeAs is the decode of a mirrorSpec for documents of type T.
func decodeAs[T any](raw bson.Raw) (any, error) {
	v := new(T)
	if err := bson.Unmarshal(raw, v); err != nil {
		return nil, err
	}
	return v, nil
}

// mirrorSpecs lists the mirrored collections. A collection belongs here only
// when every write to it goes through Store.through or Store.throughAll.
func mirrorSpecs() []mirrorSpec {
	return []mirrorSpec{
		requestsMirror(),
		visitsMirror(),
		clinicsMirror(),
		trainersMirror(),
		usersMirror(),
		tokensMirror(),
		auditMirror(),
		outboxMirror(),
		changeRequestsMirror(),
		absencesMirror(),
		plansMirror(),
	}
}

// row is one document of a mirrored collection.
type row struct {
	ID  string
	Doc any      // the typed document: filters and indexes read it; never handed out
	Raw bson.Raw // the document as stored; every reader decodes its own copy
}

// mirrorTable is the state of one mirrored collection beside its memdb table.
type mirrorTable struct {
	spec mirrorSpec
	// mu orders each write to the collection with its put into the copy.
	mu sync.Mutex
	// stale is set when the copy may differ from the database: reads go to
	// the database until a reload succeeds.
	stale atomic.Bool
}

// readModel holds the mirrored collections of one database.
type readModel struct {
	db     *memdb.MemDB
	tables map[string]*mirrorTable
}

// idKey is the primary index's key of a row.
func idKey(r *row) (string, bool) { return r.ID, true }

// keyIndex is a go-memdb indexer over a string key of a row. Keys end with
// a zero byte so that one key is never a prefix of another.
type keyIndex struct{ key func(*row) (string, bool) }

// FromObject implements memdb.SingleIndexer.
func (k keyIndex) FromObject(obj any) (bool, []byte, error) {
	r, ok := obj.(*row)
	if !ok {
		return false, nil, fmt.Errorf("read model: indexing %T, not a row", obj)
	}
	v, ok := k.key(r)
	if !ok {
		return false, nil, nil
	}
	return true, []byte(v + "\x00"), nil
}

// FromArgs implements memdb.Indexer.
func (k keyIndex) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("read model: one key expected, got %d", len(args))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("read model: key %v is not a string", args[0])
	}
	return []byte(s + "\x00"), nil
}

// newReadModel makes the empty tables of specs.
func newReadModel(specs []mirrorSpec) (*readModel, error) {
	schema := &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{}}
	rm := &readModel{tables: map[string]*mirrorTable{}}
	for _, spec := range specs {
		ts := &memdb.TableSchema{Name: spec.collection, Indexes: map[string]*memdb.IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: keyIndex{key: idKey}},
		}}
		for name, key := range spec.indexes {
			ts.Indexes[name] = &memdb.IndexSchema{Name: name, AllowMissing: true,
				Indexer: keyIndex{key: func(r *row) (string, bool) { return key(r.Doc) }}}
		}
		schema.Tables[spec.collection] = ts
		rm.tables[spec.collection] = &mirrorTable{spec: spec}
	}
	db, err := memdb.NewMemDB(schema)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	rm.db = db
	return rm, nil
}

// WithReadModel returns a Store like s that keeps the hot collections in
// memory and answers reads from there, loaded now from the database. Only
// the process that alone writes to the database may use it: the one that
// started the embedded server. Every Store derived from the result shares
// the copy.
func (s *Store) WithReadModel(ctx context.Context) (*Store, error) {
	rm, err := newReadModel(mirrorSpecs())
	if err != nil {
		return nil, err
	}
	c := *s
	c.rm = rm
	for _, t := range rm.tables {
		t.mu.Lock()
		err := c.reload(ctx, t)
		t.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// mirrored returns the table of collection when reads may use it: the read
// model is on, the collection is mirrored and its copy is not stale.
func (s *Store) mirrored(collection string) *mirrorTable {
	if s.rm == nil {
		return nil
	}
	t := s.rm.tables[collection]
	if t == nil || t.stale.Load() {
		return nil
	}
	return t
}

// reload replaces the copy of t's collection with what the database holds.
// The caller holds t.mu.
func (s *Store) reload(ctx context.Context, t *mirrorTable) error {
	cur, err := s.db.Collection(t.spec.collection).Find(ctx, bson.D{})
	if err != nil {
		t.stale.Store(true)
		return fmt.Errorf("load %s into the read model: %w", t.spec.collection, err)
	}
	defer cur.Close(ctx)
	var rows []*row
	for cur.Next(ctx) {
		r, err := newRow(t.spec, append(bson.Raw(nil), cur.Current...))
		if err != nil {
			t.stale.Store(true)
			return fmt.Errorf("load %s into the read model: %w", t.spec.collection, err)
		}
		rows = append(rows, r)
	}
	if err := cur.Err(); err != nil {
		t.stale.Store(true)
		return fmt.Errorf("load %s into the read model: %w", t.spec.collection, err)
	}
	txn := s.rm.db.Txn(true)
	defer txn.Abort()
	if _, err := txn.DeleteAll(t.spec.collection, "id"); err != nil {
		t.stale.Store(true)
		return fmt.Errorf("load %s into the read model: %w", t.spec.collection, err)
	}
	for _, r := range rows {
		if err := txn.Insert(t.spec.collection, r); err != nil {
			t.stale.Store(true)
			return fmt.Errorf("load %s into the read model: %w", t.spec.collection, err)
		}
	}
	txn.Commit()
	t.stale.Store(false)
	return nil
}

// newRow makes the row of a stored document.
func newRow(spec mirrorSpec, raw bson.Raw) (*row, error) {
	id, ok := raw.Lookup("_id").StringValueOK()
	if !ok {
		return nil, fmt.Errorf("a document of %s has no string _id", spec.collection)
	}
	doc, err := spec.decode(raw)
	if err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", spec.collection, id, err)
	}
	return &row{ID: id, Doc: doc, Raw: raw}, nil
}

// removed is what a write returns to Store.through when it deleted the document.
type removed struct{}

// through runs write, one write to the document id of collection, and brings
// the read model up to date with its outcome. write returns the document as
// it now is in the database (a value bson can marshal), removed{} when it
// deleted it, or nil when only the database knows (the document is read
// back). After any failure the document is read back too: a timeout may or
// may not have been applied, and a conflict (which the one writer's copy
// should never cause) is the cheapest moment to heal a copy that fell
// behind. Without the read model write just runs.
func (s *Store) through(ctx context.Context, collection, id string, write func() (any, error)) error {
	return s.throughGuarded(ctx, collection, id, func(*guard) (any, error) { return write() })
}

// throughGuarded is through for a write guarded by a condition on the
// document (its version, its status): write gets a guard that decides the
// condition on the copy (guard.narrow), so that the database is sent
// {_id} alone, the one filter the embedded server does not evaluate by
// decoding every document. The guard is nil without the read model or while
// the copy is stale, and expires when write returns.
func (s *Store) throughGuarded(ctx context.Context, collection, id string, write func(g *guard) (any, error)) error {
	t := s.writable(collection)
	if t == nil {
		_, err := write(nil)
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var g *guard
	if !t.stale.Load() {
		// Stale is only ever set under t.mu: the copy stays as it is now
		// until write returns.
		g = &guard{s: s, t: t, id: id}
	}
	doc, err := write(g)
	if g != nil {
		g.t = nil
	}
	switch {
	case err != nil || doc == nil:
		if rerr := s.refresh(ctx, t, id); rerr != nil && err == nil {
			return rerr
		}
		return err
	}
	if _, gone := doc.(removed); gone {
		s.mirrorDelete(t, id)
	} else if perr := s.mirrorPut(t, doc); perr != nil {
		// The database has the write; only the copy could not take it.
		if rerr := s.refresh(ctx, t, id); rerr != nil {
			return rerr
		}
	}
	s.retryStale(ctx, t)
	return nil
}

// throughAll runs write, a write to any number of documents of collection
// (a housekeeping sweep), and then reloads the collection's copy whatever the
// outcome. Without the read model write just runs.
func (s *Store) throughAll(ctx context.Context, collection string, write func() error) error {
	t := s.writable(collection)
	if t == nil {
		return write()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	err := write()
	rctx, cancel := detached(ctx)
	defer cancel()
	rerr := s.reload(rctx, t)
	if err != nil {
		return err
	}
	return rerr
}

// writable returns the table a write to collection must keep up to date, or
// nil when collection is not mirrored. Unlike mirrored it returns stale
// tables too: a write is the moment to try reloading them.
func (s *Store) writable(collection string) *mirrorTable {
	if s.rm == nil {
		return nil
	}
	return s.rm.tables[collection]
}

// retryStale reloads a stale table after a write that went well, since the
// database answers again. The caller holds t.mu.
func (s *Store) retryStale(ctx context.Context, t *mirrorTable) {
	if t.stale.Load() {
		rctx, cancel := detached(ctx)
		defer cancel()
		_ = s.reload(rctx, t) // still stale on failure; reads keep going to the database
	}
}

// refreshTimeout bounds the read-back after a write whose outcome is unknown.
const refreshTimeout = 5 * time.Second

// detached is a context for bringing the copy up to date after a write: the
// caller's may already be cancelled (that may be why the write failed), and
// the copy must follow the database anyway.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
}

// refresh reads the document id back from the database into the copy (or
// drops it from the copy when the database has none). When even that fails,
// the table is marked stale. The caller holds t.mu.
func (s *Store) refresh(ctx context.Context, t *mirrorTable, id string) error {
	rctx, cancel := detached(ctx)
	defer cancel()
	raw, err := s.db.Collection(t.spec.collection).FindOne(rctx, bson.D{{Key: "_id", Value: id}}).Raw()
	switch {
	case err == nil:
		r, err := newRow(t.spec, append(bson.Raw(nil), raw...))
		if err == nil {
			err = s.insertRow(t, r)
		}
		if err != nil {
			t.stale.Store(true)
			return fmt.Errorf("read model: %w", err)
		}
		return nil
	case errors.Is(notFound(err), models.ErrNotFound):
		s.mirrorDelete(t, id)
		return nil
	default:
		t.stale.Store(true)
		return fmt.Errorf("read back %s %s: %w", t.spec.collection, id, err)
	}
}

// mirrorPut stores doc, as just written to the database, in the copy. It is
// marshalled and decoded as the database would hand it back (UTC times in
// milliseconds, nil slices as null), so a read from the copy equals a read
// from the database.
func (s *Store) mirrorPut(t *mirrorTable, doc any) error {
	raw, err := bson.Marshal(doc)
	if err != nil {
		return fmt.Errorf("read model: encode %s: %w", t.spec.collection, err)
	}
	r, err := newRow(t.spec, raw)
	if err != nil {
		return err
	}
	return s.insertRow(t, r)
}

// insertRow inserts or replaces r in t's table.
func (s *Store) insertRow(t *mirrorTable, r *row) error {
	txn := s.rm.db.Txn(true)
	defer txn.Abort()
	if err := txn.Insert(t.spec.collection, r); err != nil {
		return fmt.Errorf("read model: insert into %s: %w", t.spec.collection, err)
	}
	txn.Commit()
	return nil
}

// mirrorDelete drops the document id from the copy.
func (s *Store) mirrorDelete(t *mirrorTable, id string) {
	txn := s.rm.db.Txn(true)
	defer txn.Abort()
	// A missing row is not an error: the copy then already agrees.
	if err := txn.Delete(t.spec.collection, &row{ID: id}); err == nil {
		txn.Commit()
	}
}

// loadByID loads the document id of collection into a new T: from the read
// model when it serves the collection, from the database otherwise.
func loadByID[T any](ctx context.Context, s *Store, collection, id string) (*T, error) {
	if t := s.mirrored(collection); t != nil {
		return mirrorGet[T](s, t, id)
	}
	return findByID[T](ctx, s.db.Collection(collection), id)
}

// mirrorGet returns the document id of t decoded into a new T, or
// models.ErrNotFound.
func mirrorGet[T any](s *Store, t *mirrorTable, id string) (*T, error) {
	obj, err := s.rm.db.Txn(false).First(t.spec.collection, "id", id)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	if obj == nil {
		return nil, models.ErrNotFound
	}
	v := new(T)
	if err := copyOut(obj.(*row), v); err != nil {
		return nil, fmt.Errorf("read model: decode %s %s: %w", t.spec.collection, id, err)
	}
	return v, nil
}

// copyOut fills out with a copy of r's document that shares no memory with
// the read model. When the row's typed form is a T it is deep-copied, which
// costs a quarter of decoding the stored document again; rows whose typed
// form is only a part (a plan's header) are decoded.
func copyOut[T any](r *row, out *T) error {
	if doc, ok := r.Doc.(*T); ok {
		*out = *clone.Clone(doc).(*T)
		return nil
	}
	return bson.Unmarshal(r.Raw, out)
}

// mirrorScan is one read of a mirrored table: the rows of one index key (or
// of the whole table, in _id order, when index is ""), those with _id
// greater than after, that keep accepts (nil accepts all), at most limit
// (0: no limit).
type mirrorScan[T any] struct {
	index, key string
	after      string
	keep       func(*T) bool
	limit      int
}

// rows returns the typed documents the scan selects, shared with the copy:
// callers only look at them (to filter, count or sort) and decode what
// they hand out with mirrorDecode.
func (q mirrorScan[T]) rows(s *Store, t *mirrorTable) ([]*row, error) {
	txn := s.rm.db.Txn(false)
	var (
		it  memdb.ResultIterator
		err error
	)
	if q.index != "" {
		it, err = txn.Get(t.spec.collection, q.index, q.key)
	} else {
		it, err = txn.LowerBound(t.spec.collection, "id", q.after)
	}
	if err != nil {
		return nil, fmt.Errorf("read model: scan %s: %w", t.spec.collection, err)
	}
	var out []*row
	for obj := it.Next(); obj != nil; obj = it.Next() {
		r := obj.(*row)
		if q.after != "" && r.ID <= q.after {
			continue
		}
		if q.keep != nil && !q.keep(r.Doc.(*T)) {
			continue
		}
		out = append(out, r)
		if q.limit > 0 && len(out) == q.limit {
			break
		}
	}
	return out, nil
}

// list decodes the rows the scan selects into new values; the result is
// never nil.
func (q mirrorScan[T]) list(s *Store, t *mirrorTable) ([]T, error) {
	rows, err := q.rows(s, t)
	if err != nil {
		return nil, err
	}
	return mirrorDecode[T](t, rows)
}

// count counts the rows the scan selects without decoding them.
func (q mirrorScan[T]) count(s *Store, t *mirrorTable) (int64, error) {
	rows, err := q.rows(s, t)
	return int64(len(rows)), err
}

// mirrorDecode decodes rows into new values; the result is never nil.
func mirrorDecode[T any](t *mirrorTable, rows []*row) ([]T, error) {
	out := make([]T, len(rows))
	for i, r := range rows {
		if err := copyOut(r, &out[i]); err != nil {
			return nil, fmt.Errorf("read model: decode %s %s: %w", t.spec.collection, r.ID, err)
		}
	}
	return out, nil
}

// pageLimit is the number of documents a page asks for, within the bounds
// every list keeps.
func pageLimit(p models.Page) int {
	switch {
	case p.Limit <= 0:
		return models.DefaultPageSize
	case p.Limit > models.MaxPageSize:
		return models.MaxPageSize
	}
	return p.Limit
}

// Reset drops the whole database and makes its indexes again; the read
// model, if any, is emptied with it, so that nothing dropped is still read.
func (s *Store) Reset(ctx context.Context) error {
	if err := s.db.Drop(ctx); err != nil {
		return fmt.Errorf("drop database %s: %w", s.db.Name(), err)
	}
	if s.rm != nil {
		for _, t := range s.rm.tables {
			t.mu.Lock()
			err := s.reload(ctx, t)
			t.mu.Unlock()
			if err != nil {
				return err
			}
		}
	}
	return s.EnsureIndexes(ctx)
}
