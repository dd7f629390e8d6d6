package store

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/fieldvisit/fieldvisit/models"
)

// TestMatchFilter: the evaluator decides the guards the writes use as the
// database does, and leaves to the database what it does not know.
func TestMatchFilter(t *testing.T) {
	doc, err := bson.Marshal(bson.D{
		{Key: "_id", Value: "r1"}, {Key: "version", Value: int64(3)}, {Key: "rev", Value: int32(2)},
		{Key: "status", Value: models.StatusPlanned}, {Key: "edited", Value: true}, {Key: "none", Value: nil},
		{Key: "skills", Value: bson.A{"a", "b"}}, {Key: "score", Value: 1.5}, {Key: "sub", Value: bson.D{{Key: "x", Value: 1}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	const (
		yes = iota
		no
		unknown
	)
	cases := []struct {
		name   string
		filter bson.D
		want   int
	}{
		{"id and version", bson.D{{Key: "_id", Value: "r1"}, {Key: "version", Value: int64(3)}}, yes},
		{"stale version", bson.D{{Key: "_id", Value: "r1"}, {Key: "version", Value: int64(2)}}, no},
		{"int32 against int64", bson.D{{Key: "version", Value: int32(3)}}, yes},
		{"int64 against int32", bson.D{{Key: "rev", Value: int64(2)}}, yes},
		{"string against number", bson.D{{Key: "version", Value: "3"}}, no},
		{"missing field", bson.D{{Key: "nope", Value: int64(3)}}, no},
		{"null field against a value", bson.D{{Key: "none", Value: "x"}}, no},
		{"$in holds", bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: []models.Status{models.StatusNew, models.StatusPlanned}}}}}, yes},
		{"$in fails", bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: []models.Status{models.StatusNew}}}}}, no},
		{"empty $in", bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: []models.Status{}}}}}, no},
		{"$ne fails", bson.D{{Key: "edited", Value: bson.D{{Key: "$ne", Value: true}}}}, no},
		{"$ne holds on a missing field", bson.D{{Key: "nope", Value: bson.D{{Key: "$ne", Value: true}}}}, yes},
		{"$eq", bson.D{{Key: "edited", Value: bson.D{{Key: "$eq", Value: true}}}}, yes},
		{"one condition fails", bson.D{{Key: "_id", Value: "r1"}, {Key: "version", Value: int64(3)}, {Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{"done"}}}}}, no},
		{"an unknown one after a failing one", bson.D{{Key: "version", Value: int64(1)}, {Key: "score", Value: 1.5}}, unknown},
		{"array field", bson.D{{Key: "skills", Value: "a"}}, unknown},
		{"double field", bson.D{{Key: "score", Value: int64(1)}}, unknown},
		{"double value", bson.D{{Key: "version", Value: 3.0}}, unknown},
		{"null value", bson.D{{Key: "nope", Value: nil}}, unknown},
		{"document value", bson.D{{Key: "sub", Value: bson.D{{Key: "x", Value: 1}}}}, unknown},
		{"other operator", bson.D{{Key: "version", Value: bson.D{{Key: "$gt", Value: 1}}}}, unknown},
		{"dotted path", bson.D{{Key: "sub.x", Value: 1}}, unknown},
		{"top-level operator", bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "version", Value: 3}}}}}, unknown},
		{"$in with a double", bson.D{{Key: "version", Value: bson.D{{Key: "$in", Value: bson.A{1.0}}}}}, unknown},
	}
	for _, c := range cases {
		f, err := bson.Marshal(c.filter)
		if err != nil {
			t.Fatal(err)
		}
		match, known := matchFilter(f, doc)
		got := unknown
		if known {
			got = no
			if match {
				got = yes
			}
		}
		if got != c.want {
			t.Errorf("%s: got %d, want %d (0 yes, 1 no, 2 unknown)", c.name, got, c.want)
		}
	}
}

// TestGuardNarrows: a guard sends {_id} alone for a filter the copy
// satisfies, refuses one it does not (a missing document included), and
// leaves whole a filter about another document, one it cannot decide, and
// every filter once expired or when nil.
func TestGuardNarrows(t *testing.T) {
	rm, err := newReadModel(mirrorSpecs())
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{rm: rm}
	tbl := rm.tables[requestsCollection]
	raw, err := bson.Marshal(models.Request{ID: "r1", Version: 4, Status: models.StatusNew})
	if err != nil {
		t.Fatal(err)
	}
	r, err := newRow(tbl.spec, raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.insertRow(tbl, r); err != nil {
		t.Fatal(err)
	}
	idOnly := bson.D{{Key: "_id", Value: "r1"}}
	g := &guard{s: s, t: tbl, id: "r1"}
	check := func(name string, g *guard, filter, wantSend bson.D, wantRefused bool) {
		t.Helper()
		send, refused := g.narrow(filter)
		if refused != wantRefused || !equalD(send, wantSend) {
			t.Errorf("%s: sends %v refused %v; want %v, %v", name, send, refused, wantSend, wantRefused)
		}
	}
	check("current version", g, versioned("r1", 4), idOnly, false)
	check("stale version", g, versioned("r1", 3), nil, true)
	gone := &guard{s: s, t: tbl, id: "r2"}
	check("missing document", gone, versioned("r2", 1), nil, true)
	check("another document", g, versioned("r2", 4), versioned("r2", 4), false)
	undecided := bson.D{{Key: "_id", Value: "r1"}, {Key: "version", Value: bson.D{{Key: "$gte", Value: 4}}}}
	check("an operator it does not know", g, undecided, undecided, false)
	check("nil guard", nil, versioned("r1", 3), versioned("r1", 3), false)
	if v, known, err := g.version(); v != 4 || !known || err != nil {
		t.Errorf("version: %d, %v, %v; want 4 from the copy", v, known, err)
	}
	if _, _, err := gone.version(); err != models.ErrNotFound {
		t.Errorf("version of a missing document: %v, want not found", err)
	}
	g.t = nil // as throughGuarded leaves it when the write returns
	check("expired guard", g, versioned("r1", 3), versioned("r1", 3), false)
}

// equalD compares two filters by their encoding.
func equalD(a, b bson.D) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	x, err1 := bson.Marshal(a)
	y, err2 := bson.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
