package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

// Audit collections: the hot one the API lists, and the archive old
// entries move to.
const (
	auditCollection        = "audit"
	auditArchiveCollection = "audit_archive"
)

func (s *Store) audit() *mongo.Collection { return s.db.Collection(auditCollection) }

// AddAudit stores one audit entry, setting its ID (which orders entries by
// time) and, when zero, its time.
func (s *Store) AddAudit(ctx context.Context, e *models.AuditEntry) error {
	e.ID = newID()
	if e.At.IsZero() {
		e.At = s.timestamp()
	}
	e.At = e.At.UTC().Truncate(time.Millisecond)
	err := s.through(ctx, auditCollection, e.ID, func() (any, error) {
		_, err := s.audit().InsertOne(ctx, e)
		return e, err
	})
	if err != nil {
		return fmt.Errorf("add audit entry %s %s: %w", e.Action, e.EntityID, err)
	}
	return nil
}

// auditMirror keeps the hot audit entries in the read model, found by
// entity id and by actor too (the history of one thing, of one person).
func auditMirror() mirrorSpec {
	return mirrorSpec{
		collection: auditCollection,
		decode:     decodeAs[models.AuditEntry],
		indexes: map[string]func(any) (string, bool){
			"entity_id": func(d any) (string, bool) { return d.(*models.AuditEntry).EntityID, true },
			"actor":     func(d any) (string, bool) { return d.(*models.AuditEntry).ActorID, true },
		},
	}
}

// auditScan is auditQuery on the read model: the entity id's or the actor's
// index when f names one, the other conditions tested on each row.
func auditScan(f models.AuditFilter) mirrorScan[models.AuditEntry] {
	// The database compares times in milliseconds.
	f.Since = f.Since.Truncate(time.Millisecond)
	q := mirrorScan[models.AuditEntry]{keep: func(e *models.AuditEntry) bool { return auditMatches(f, e) }}
	switch {
	case f.EntityID != "":
		q.index, q.key = "entity_id", f.EntityID
	case f.ActorID != "":
		q.index, q.key = "actor", f.ActorID
	}
	return q
}

// auditMatches is auditQuery's condition on one entry.
func auditMatches(f models.AuditFilter, e *models.AuditEntry) bool {
	switch {
	case f.Entity != "" && e.Entity != f.Entity,
		f.EntityID != "" && e.EntityID != f.EntityID,
		f.ActorID != "" && e.ActorID != f.ActorID,
		!f.Since.IsZero() && e.At.Before(f.Since):
		return false
	}
	return true
}

// auditQuery turns a filter into a query.
func auditQuery(f models.AuditFilter) bson.D {
	q := bson.D{}
	if f.Entity != "" {
		q = append(q, bson.E{Key: "entity", Value: f.Entity})
	}
	if f.EntityID != "" {
		q = append(q, bson.E{Key: "entity_id", Value: f.EntityID})
	}
	if f.ActorID != "" {
		q = append(q, bson.E{Key: "actor_id", Value: f.ActorID})
	}
	if !f.Since.IsZero() {
		q = append(q, bson.E{Key: "at", Value: bson.D{{Key: "$gte", Value: f.Since.UTC()}}})
	}
	return q
}

// AuditEntries returns one page of the hot audit entries matching f, oldest
// first (ordered by id, which grows with time).
func (s *Store) AuditEntries(ctx context.Context, f models.AuditFilter, p models.Page) ([]models.AuditEntry, error) {
	var (
		list []models.AuditEntry
		err  error
	)
	if t := s.mirrored(auditCollection); t != nil {
		q := auditScan(f)
		q.after, q.limit = p.After, pageLimit(p)
		list, err = q.list(s, t)
	} else {
		filter, opts := pageOptions(auditQuery(f), p)
		list, err = findAll[models.AuditEntry](ctx, s.audit(), filter, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	return list, nil
}

// ArchivedAuditEntries returns one page of the archived audit entries
// matching f, oldest first. The archive grows without bound, so on the
// embedded server this reads it all: it is for the rare look far back.
func (s *Store) ArchivedAuditEntries(ctx context.Context, f models.AuditFilter, p models.Page) ([]models.AuditEntry, error) {
	filter, opts := pageOptions(auditQuery(f), p)
	list, err := findAll[models.AuditEntry](ctx, s.db.Collection(auditArchiveCollection), filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list archived audit entries: %w", err)
	}
	return list, nil
}

// auditArchiveBatch bounds the entries one ArchiveAudit call moves, so a
// first run over a large collection does not hold the single embedded
// connection for long; the next call moves the next batch.
const auditArchiveBatch = 1000

// ArchiveAudit moves audit entries from the hot collection to
// audit_archive: those made before before, and then the oldest beyond the
// newest keep, at most auditArchiveBatch per call. It returns how many it
// moved; the caller calls again while that is a full batch. Every query on
// the embedded server decodes the whole collection, so the one the API
// lists must stay small whatever the pace of changes: the age keeps it to
// recent history, the count bounds a busy month.
func (s *Store) ArchiveAudit(ctx context.Context, before time.Time, keep int) (int, error) {
	// The database compares times in milliseconds.
	cut := before.UTC().Truncate(time.Millisecond)
	moved, err := s.archiveAudit(ctx, &cut, auditArchiveBatch)
	if err != nil || moved == auditArchiveBatch {
		return moved, err
	}
	n, err := s.CountAudit(ctx)
	if err != nil {
		return moved, fmt.Errorf("archive audit entries: %w", err)
	}
	if excess := int(n) - keep; excess > 0 {
		more, err := s.archiveAudit(ctx, nil, min(excess, auditArchiveBatch-moved))
		return moved + more, err
	}
	return moved, nil
}

// archiveAudit copies the oldest limit entries made before before (all
// when it is nil) into the archive, then deletes them from the hot
// collection. A crash in between leaves a copy in both, which the next call
// finds already archived (duplicate _id) and deletes.
func (s *Store) archiveAudit(ctx context.Context, before *time.Time, limit int) (int, error) {
	list, err := s.oldestAudit(ctx, before, limit)
	if err != nil {
		return 0, fmt.Errorf("archive audit entries: list: %w", err)
	}
	if len(list) == 0 {
		return 0, nil
	}
	archive := s.db.Collection(auditArchiveCollection)
	ids := make(bson.A, 0, len(list))
	for _, doc := range list {
		id := doc.Lookup("_id")
		if _, err := archive.InsertOne(ctx, doc); err != nil && !isDuplicate(err) {
			return 0, fmt.Errorf("archive audit entries: copy %s: %w", id, err)
		}
		ids = append(ids, id)
	}
	// One delete for the batch (each write with a filter decodes the whole
	// collection on the embedded server); the read model reloads after it.
	var deleted int64
	err = s.throughAll(ctx, auditCollection, func() error {
		res, err := s.audit().DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
		if err == nil {
			deleted = res.DeletedCount
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("archive audit entries: delete %d archived: %w", len(ids), err)
	}
	return int(deleted), nil
}

// oldestAudit returns the stored form of the oldest limit hot entries made
// before before (all when it is nil), in _id order.
func (s *Store) oldestAudit(ctx context.Context, before *time.Time, limit int) ([]bson.Raw, error) {
	if t := s.mirrored(auditCollection); t != nil {
		rows, err := mirrorScan[models.AuditEntry]{limit: limit, keep: func(e *models.AuditEntry) bool {
			return before == nil || e.At.Before(*before)
		}}.rows(s, t)
		if err != nil {
			return nil, err
		}
		list := make([]bson.Raw, len(rows))
		for i, r := range rows {
			list[i] = r.Raw
		}
		return list, nil
	}
	filter := bson.D{}
	if before != nil {
		filter = bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: *before}}}}
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit))
	return findAll[bson.Raw](ctx, s.audit(), filter, opts)
}

// CountAudit counts the hot audit entries.
func (s *Store) CountAudit(ctx context.Context) (int64, error) {
	var (
		n   int64
		err error
	)
	if t := s.mirrored(auditCollection); t != nil {
		n, err = mirrorScan[models.AuditEntry]{}.count(s, t)
	} else {
		n, err = s.audit().CountDocuments(ctx, bson.D{})
	}
	if err != nil {
		return 0, fmt.Errorf("count audit entries: %w", err)
	}
	return n, nil
}
