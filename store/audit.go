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
	if _, err := s.audit().InsertOne(ctx, e); err != nil {
		return fmt.Errorf("add audit entry %s %s: %w", e.Action, e.EntityID, err)
	}
	return nil
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
	filter, opts := pageOptions(auditQuery(f), p)
	list, err := findAll[models.AuditEntry](ctx, s.audit(), filter, opts)
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
	moved, err := s.archiveAudit(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before.UTC()}}}}, auditArchiveBatch)
	if err != nil || moved == auditArchiveBatch {
		return moved, err
	}
	n, err := s.audit().CountDocuments(ctx, bson.D{})
	if err != nil {
		return moved, fmt.Errorf("archive audit entries: count: %w", err)
	}
	if excess := int(n) - keep; excess > 0 {
		more, err := s.archiveAudit(ctx, bson.D{}, min(excess, auditArchiveBatch-moved))
		return moved + more, err
	}
	return moved, nil
}

// archiveAudit copies the oldest limit entries matching filter into the
// archive, then deletes them from the hot collection. A crash in between
// leaves a copy in both, which the next call finds already archived
// (duplicate _id) and deletes.
func (s *Store) archiveAudit(ctx context.Context, filter bson.D, limit int) (int, error) {
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit))
	list, err := findAll[bson.Raw](ctx, s.audit(), filter, opts)
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
	res, err := s.audit().DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return 0, fmt.Errorf("archive audit entries: delete %d archived: %w", len(ids), err)
	}
	return int(res.DeletedCount), nil
}

// CountAudit counts the hot audit entries.
func (s *Store) CountAudit(ctx context.Context) (int64, error) {
	n, err := s.audit().CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("count audit entries: %w", err)
	}
	return n, nil
}
