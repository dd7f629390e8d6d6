package store

import (
	"context"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/fieldvisit/fieldvisit/models"
)

// The embedded server hands a filter to SQLite only when it is exactly
// {_id: <string>}; any other filter, such as a version guard {_id, version},
// makes it decode every document of the collection in Go (~30 µs each), so
// a guarded write at 10,000 documents takes a third of a second. While a
// write holds its table's lock and the copy agrees with the database, the
// copy holds exactly what the database would test the guard against, and
// nothing else can write the collection meanwhile (this process is its one
// writer, and all its writes take the same lock). So the guard is decided
// on the copy and the database gets {_id} alone; a guard the copy refuses
// is not sent at all, and is explained from the copy, as the database path
// explains it from the database. ({_id} is still a scan in SQLite, of the
// stored JSON rather than decoded documents, about five times cheaper:
// FerretDB's pushdown names the _id as '$._id', which its _id index, made
// on "_id", does not serve.)

// guard is a write's view of its document in the read model, handed to the
// write by Store.throughGuarded while the table's lock is held and the copy
// is not stale. It expires when the write returns. A nil or expired guard
// decides nothing: the write sends its whole filter to the database, as
// without the read model.
type guard struct {
	s  *Store
	t  *mirrorTable // nil once the write has returned
	id string
}

// current returns the guarded document's row as the database holds it (nil
// when it has none), and whether the guard can tell at all.
func (g *guard) current() (r *row, known bool) {
	if g == nil || g.t == nil {
		return nil, false
	}
	obj, err := g.s.rm.db.Txn(false).First(g.t.spec.collection, "id", g.id)
	if err != nil {
		return nil, false
	}
	if obj == nil {
		return nil, true
	}
	return obj.(*row), true
}

// narrow decides filter, the condition of a write to the guarded document,
// on the copy. When the copy satisfies it the write sends send, which is
// {_id} alone; when the copy does not, refused is set and nothing must be
// sent (the database would match nothing). A filter about another document,
// with an operator the evaluator does not know, or without a guard, is sent
// whole.
func (g *guard) narrow(filter bson.D) (send bson.D, refused bool) {
	r, known := g.current()
	if !known {
		return filter, false
	}
	b, err := bson.Marshal(filter)
	if err != nil {
		return filter, false
	}
	raw := bson.Raw(b)
	if id, ok := raw.Lookup("_id").StringValueOK(); !ok || id != g.id {
		return filter, false
	}
	if r == nil {
		return nil, true
	}
	match, known := matchFilter(raw, r.Raw)
	switch {
	case !known:
		return filter, false
	case !match:
		return nil, true
	}
	return bson.D{{Key: "_id", Value: g.id}}, false
}

// version is the stored version of the guarded document, as whyMissed reads
// it from the database: models.ErrNotFound when there is no document, 0 when
// it has no version. known is false without a guard.
func (g *guard) version() (v int64, known bool, err error) {
	r, known := g.current()
	switch {
	case !known:
		return 0, false, nil
	case r == nil:
		return 0, true, models.ErrNotFound
	}
	v, _ = r.Raw.Lookup("version").AsInt64OK()
	return v, true, nil
}

// matchFilter reports whether doc satisfies filter, for the filters the
// guarded writes use: top-level fields compared for equality, or with $eq,
// $ne and $in, against strings, booleans and integers. known is false for
// anything else (a dotted path, a top-level operator, an array or a double
// in the document, another operator or type of value), and the caller then
// leaves the decision to the database.
func matchFilter(filter, doc bson.Raw) (match, known bool) {
	elems, err := filter.Elements()
	if err != nil {
		return false, false
	}
	match = true
	for _, e := range elems {
		key := e.Key()
		if key == "" || strings.HasPrefix(key, "$") || strings.Contains(key, ".") {
			return false, false
		}
		field, ferr := doc.LookupErr(key)
		m, ok := matchCondition(field, ferr == nil, e.Value())
		if !ok {
			return false, false
		}
		match = match && m
	}
	return match, true
}

// matchCondition decides one field's condition: a value (equality) or a
// document of operators.
func matchCondition(field bson.RawValue, present bool, cond bson.RawValue) (match, known bool) {
	ops, isDoc := cond.DocumentOK()
	if !isDoc {
		return equalValue(field, present, cond)
	}
	elems, err := ops.Elements()
	if err != nil || len(elems) == 0 {
		return false, false
	}
	match = true
	for _, op := range elems {
		var m, ok bool
		switch op.Key() {
		case "$eq":
			m, ok = equalValue(field, present, op.Value())
		case "$ne":
			m, ok = equalValue(field, present, op.Value())
			m = !m
		case "$in":
			m, ok = inValues(field, present, op.Value())
		default: // another operator, or a document to compare whole
			return false, false
		}
		if !ok {
			return false, false
		}
		match = match && m
	}
	return match, true
}

// inValues decides {$in: values}.
func inValues(field bson.RawValue, present bool, values bson.RawValue) (match, known bool) {
	list, ok := values.ArrayOK()
	if !ok {
		return false, false
	}
	vs, err := list.Values()
	if err != nil {
		return false, false
	}
	for _, v := range vs {
		m, ok := equalValue(field, present, v)
		if !ok {
			return false, false
		}
		if m {
			return true, true
		}
	}
	return false, true
}

// equalValue decides whether a document's field equals value as the
// database compares them: numbers by value whatever their integer type,
// values of different kinds never equal, a missing field equal to no value.
func equalValue(field bson.RawValue, present bool, value bson.RawValue) (match, known bool) {
	vk, ok := kindOf(value)
	if !ok || vk == kindNull {
		return false, false // null also matches a missing field; leave it to the database
	}
	if !present {
		return false, true
	}
	fk, ok := kindOf(field)
	if !ok {
		return false, false // an array may contain value; other kinds are not needed
	}
	if fk != vk {
		return false, true
	}
	switch fk {
	case kindString:
		return field.StringValue() == value.StringValue(), true
	case kindBool:
		return field.Boolean() == value.Boolean(), true
	case kindInt:
		f, _ := field.AsInt64OK()
		v, _ := value.AsInt64OK()
		return f == v, true
	}
	return false, true // both null
}

// valueKind is the class of a BSON value for equality: values of different
// classes are never equal.
type valueKind int

const (
	kindString valueKind = iota
	kindBool
	kindInt
	kindNull
)

// kindOf classifies v; ok is false for the types the evaluator leaves to
// the database (doubles, arrays, documents, times, ids and the rest).
func kindOf(v bson.RawValue) (k valueKind, ok bool) {
	switch v.Type {
	case bson.TypeString:
		return kindString, true
	case bson.TypeBoolean:
		return kindBool, true
	case bson.TypeInt32, bson.TypeInt64:
		return kindInt, true
	case bson.TypeNull:
		return kindNull, true
	}
	return 0, false
}

// whyMissed explains why g refused a version-guarded write: the document is
// gone (models.ErrNotFound) or its version has moved on (a
// models.ConflictError naming both versions), read from the copy, which is
// what the database holds. Without a guard it reads the database
// (whyMissedInDatabase).
func whyMissed(ctx context.Context, g *guard, coll *mongo.Collection, id string, expected int64) error {
	current, known, err := g.version()
	if !known {
		return whyMissedInDatabase(ctx, coll, id, expected)
	}
	if err != nil {
		return err
	}
	return staleVersion(expected, current)
}
