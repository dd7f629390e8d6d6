package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

const outboxCollection = "outbox"

func (s *Store) outbox() *mongo.Collection { return s.db.Collection(outboxCollection) }

// EnqueueMail stores m as a pending e-mail, due at once unless
// m.NextAttemptAt says later. m.ID is the idempotency key of the change the
// mail reports: when a message with that _id exists, the change was enqueued
// before, and EnqueueMail returns created false and no error.
func (s *Store) EnqueueMail(ctx context.Context, m *models.OutboxMessage) (created bool, err error) {
	if m.ID == "" {
		return false, fmt.Errorf("enqueue mail: the message has no idempotency key")
	}
	now := s.timestamp()
	m.Status, m.Attempts, m.Version, m.CreatedAt = models.OutboxPending, 0, 1, now
	m.LastError, m.Mailbox, m.SentAt = "", false, nil
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = now
	}
	m.NextAttemptAt = m.NextAttemptAt.UTC().Truncate(time.Millisecond)
	err = s.through(ctx, outboxCollection, m.ID, func() (any, error) {
		_, err := s.outbox().InsertOne(ctx, m)
		return m, err
	})
	if err != nil {
		if isDuplicate(err) {
			return false, nil
		}
		return false, fmt.Errorf("enqueue mail %s: %w", m.ID, err)
	}
	return true, nil
}

// outboxRow is the typed form of an outbox document in the read model:
// the message and the mark ArchiveSentMessages leaves on slim records.
type outboxRow struct {
	models.OutboxMessage `bson:",inline"`
	Archived             bool `bson:"archived,omitempty"`
}

// outboxMirror keeps the outbox in the read model, found by status too:
// the dispatcher asks for the pending messages on every pass.
func outboxMirror() mirrorSpec {
	return mirrorSpec{
		collection: outboxCollection,
		decode:     decodeAs[outboxRow],
		indexes: map[string]func(any) (string, bool){
			"status": func(d any) (string, bool) { return string(d.(*outboxRow).Status), true },
		},
	}
}

// OutboxMessage returns the outbox message with the given id.
func (s *Store) OutboxMessage(ctx context.Context, id string) (*models.OutboxMessage, error) {
	m, err := loadByID[models.OutboxMessage](ctx, s, outboxCollection, id)
	if err != nil {
		return nil, fmt.Errorf("load outbox message %s: %w", id, err)
	}
	return m, nil
}

// OutboxMessages returns one page of the messages with the given status (all
// when empty), ordered by id.
func (s *Store) OutboxMessages(ctx context.Context, status models.OutboxStatus, p models.Page) ([]models.OutboxMessage, error) {
	var (
		list []models.OutboxMessage
		err  error
	)
	if t := s.mirrored(outboxCollection); t != nil {
		q := mirrorScan[outboxRow]{after: p.After, limit: pageLimit(p)}
		if status != "" {
			q.index, q.key = "status", string(status)
		}
		list, err = outboxList(s, t, q)
	} else {
		filter := bson.D{}
		if status != "" {
			filter = append(filter, bson.E{Key: "status", Value: status})
		}
		filter, opts := pageOptions(filter, p)
		list, err = findAll[models.OutboxMessage](ctx, s.outbox(), filter, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("list %s outbox messages: %w", status, err)
	}
	return list, nil
}

// DueMessages returns at most limit pending messages whose next attempt is
// due at now, the longest waiting first. The dispatcher claims each before
// sending it; the list itself promises nothing about who sends what.
func (s *Store) DueMessages(ctx context.Context, now time.Time, limit int) ([]models.OutboxMessage, error) {
	if t := s.mirrored(outboxCollection); t != nil {
		list, err := mirrorDue(s, t, now, limit)
		if err != nil {
			return nil, fmt.Errorf("list due outbox messages: %w", err)
		}
		return list, nil
	}
	filter := bson.D{
		{Key: "status", Value: models.OutboxPending},
		{Key: "next_attempt_at", Value: bson.D{{Key: "$lte", Value: now}}},
	}
	opts := options.Find().SetSort(bson.D{{Key: "next_attempt_at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit))
	list, err := findAll[models.OutboxMessage](ctx, s.outbox(), filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list due outbox messages: %w", err)
	}
	return list, nil
}

// outboxList decodes the messages q selects.
func outboxList(s *Store, t *mirrorTable, q mirrorScan[outboxRow]) ([]models.OutboxMessage, error) {
	rows, err := q.rows(s, t)
	if err != nil {
		return nil, err
	}
	return mirrorDecode[models.OutboxMessage](t, rows)
}

// mirrorDue is DueMessages on the read model: the pending messages due at
// now (the database compares times in milliseconds), ordered by next
// attempt then id, at most limit (the database's SetLimit: 0 or less is
// no limit).
func mirrorDue(s *Store, t *mirrorTable, now time.Time, limit int) ([]models.OutboxMessage, error) {
	now = now.Truncate(time.Millisecond)
	rows, err := mirrorScan[outboxRow]{index: "status", key: string(models.OutboxPending), keep: func(m *outboxRow) bool {
		return !m.NextAttemptAt.After(now)
	}}.rows(s, t)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(rows, func(a, b *row) int {
		return a.Doc.(*outboxRow).NextAttemptAt.Compare(b.Doc.(*outboxRow).NextAttemptAt)
	})
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
	}
	return mirrorDecode[models.OutboxMessage](t, rows)
}

// MarkMessageSent records that m went out (to the development mailbox when
// mailbox is true), provided it is still at m.Version; m is updated to match.
func (s *Store) MarkMessageSent(ctx context.Context, m *models.OutboxMessage, mailbox bool) error {
	at := s.timestamp()
	set := bson.D{
		{Key: "status", Value: models.OutboxSent},
		{Key: "attempts", Value: m.Attempts + 1},
		{Key: "sent_at", Value: at},
		{Key: "mailbox", Value: mailbox},
		{Key: "version", Value: m.Version + 1},
	}
	if err := s.updateMessage(ctx, m, set); err != nil {
		return fmt.Errorf("mark outbox message %s sent: %w", m.ID, err)
	}
	return nil
}

// RescheduleMessage records a failed attempt at sending m, whose next
// attempt is due at retryAt, provided m is still at m.Version.
func (s *Store) RescheduleMessage(ctx context.Context, m *models.OutboxMessage, sendErr string, retryAt time.Time) error {
	set := bson.D{
		{Key: "attempts", Value: m.Attempts + 1},
		{Key: "last_error", Value: sendErr},
		{Key: "next_attempt_at", Value: retryAt.UTC().Truncate(time.Millisecond)},
		{Key: "version", Value: m.Version + 1},
	}
	if err := s.updateMessage(ctx, m, set); err != nil {
		return fmt.Errorf("reschedule outbox message %s: %w", m.ID, err)
	}
	return nil
}

// FailMessage records the last failed attempt at sending m: it is given up,
// with sendErr, until a coordinator retries it (RetryMessage).
func (s *Store) FailMessage(ctx context.Context, m *models.OutboxMessage, sendErr string) error {
	set := bson.D{
		{Key: "status", Value: models.OutboxFailed},
		{Key: "attempts", Value: m.Attempts + 1},
		{Key: "last_error", Value: sendErr},
		{Key: "version", Value: m.Version + 1},
	}
	if err := s.updateMessage(ctx, m, set); err != nil {
		return fmt.Errorf("mark outbox message %s failed: %w", m.ID, err)
	}
	return nil
}

// RetryMessage makes the failed message id pending again, due now, with its
// attempts counted from zero; the last error stays until it is sent. A
// message that is not failed is a models.ErrConflict.
func (s *Store) RetryMessage(ctx context.Context, id string) error {
	m, err := s.OutboxMessage(ctx, id)
	if err != nil {
		return fmt.Errorf("retry outbox message %s: %w", id, err)
	}
	if m.Status != models.OutboxFailed {
		return fmt.Errorf("retry outbox message %s: %w", id,
			&models.ConflictError{Message: fmt.Sprintf("only a failed message can be retried; this one is %s", m.Status)})
	}
	set := bson.D{
		{Key: "status", Value: models.OutboxPending},
		{Key: "attempts", Value: 0},
		{Key: "next_attempt_at", Value: s.timestamp()},
		{Key: "version", Value: m.Version + 1},
	}
	if err := s.updateMessage(ctx, m, set); err != nil {
		return fmt.Errorf("retry outbox message %s: %w", id, err)
	}
	return nil
}

// updateMessage applies set to m if it is still at m.Version, and copies the
// stored result back into m.
func (s *Store) updateMessage(ctx context.Context, m *models.OutboxMessage, set bson.D) error {
	// Decoded as bson.Raw, so that the read model gets the whole stored
	// document (a slim record's mark too), and then into m.
	var after bson.Raw
	err := s.throughGuarded(ctx, outboxCollection, m.ID, func(g *guard) (any, error) {
		filter, refused := g.narrow(versioned(m.ID, m.Version))
		if refused {
			return nil, whyMissed(ctx, g, s.outbox(), m.ID, m.Version)
		}
		matched, err := findOneAndUpdate(ctx, s.outbox(), filter, bson.D{{Key: "$set", Value: set}}, &after)
		if err == nil && !matched {
			err = whyMissedInDatabase(ctx, s.outbox(), m.ID, m.Version)
		}
		return after, err
	})
	if err != nil {
		return err
	}
	var next models.OutboxMessage
	if err := bson.Unmarshal(after, &next); err != nil {
		return fmt.Errorf("decode the updated message: %w", err)
	}
	*m = next
	return nil
}

const outboxArchiveCollection = "outbox_archive"

// archivedField marks a sent message in the outbox whose whole copy is in
// the archive and whose bodies and attachments have been dropped.
const archivedField = "archived"

// archiveBatch bounds the messages one ArchiveSentMessages call copies, so a
// first run over a large outbox does not hold the single embedded
// connection for long; the next call copies the next batch.
const archiveBatch = 500

// ArchiveSentMessages keeps the outbox small without losing its
// idempotency keys. Messages sent before slimBefore are copied whole into
// the outbox_archive collection, at most archiveBatch of them, and lose
// their bodies and attachments in the outbox, where a slim record (status,
// recipients, subject, stamps) stays: its _id keeps EnqueueMail from queueing
// the same change again (a re-run of a publication or of the reminders).
// Slim records sent before dropBefore, which must lie beyond any such
// re-run (a month does), are deleted. It returns how many messages it
// slimmed plus how many it deleted.
//
// The outbox is read on every dispatcher pass and written, guarded by a
// version, for every attempt; the embedded server evaluates such filters by
// decoding every document of the collection, at a cost that grows with the
// documents' size, so sent mail must not keep its bodies there. A crash
// between copying and slimming leaves a copy in both, which the next call
// finds already archived and slims.
func (s *Store) ArchiveSentMessages(ctx context.Context, slimBefore, dropBefore time.Time) (int, error) {
	list, err := s.sentToArchive(ctx, slimBefore)
	if err != nil {
		return 0, fmt.Errorf("archive sent mail: list: %w", err)
	}
	archive := s.db.Collection(outboxArchiveCollection)
	ids := make(bson.A, 0, len(list))
	for _, doc := range list {
		id := doc.Lookup("_id")
		if _, err := archive.InsertOne(ctx, doc); err != nil && !isDuplicate(err) {
			return 0, fmt.Errorf("archive sent mail: copy %s: %w", id, err)
		}
		ids = append(ids, id)
	}
	done := 0
	// Both sweeps under one throughAll: the read model reloads once.
	err = s.throughAll(ctx, outboxCollection, func() error {
		var err error
		done, err = s.slimAndDropSent(ctx, ids, dropBefore)
		return err
	})
	return done, err
}

// sentToArchive returns the stored form of at most archiveBatch messages
// sent before slimBefore and not archived yet, the earliest sent first.
func (s *Store) sentToArchive(ctx context.Context, slimBefore time.Time) ([]bson.Raw, error) {
	if t := s.mirrored(outboxCollection); t != nil {
		// The database compares times in milliseconds.
		cut := slimBefore.Truncate(time.Millisecond)
		rows, err := mirrorScan[outboxRow]{index: "status", key: string(models.OutboxSent), keep: func(m *outboxRow) bool {
			return m.SentAt != nil && m.SentAt.Before(cut) && !m.Archived
		}}.rows(s, t)
		if err != nil {
			return nil, err
		}
		slices.SortStableFunc(rows, func(a, b *row) int {
			return a.Doc.(*outboxRow).SentAt.Compare(*b.Doc.(*outboxRow).SentAt)
		})
		list := make([]bson.Raw, 0, min(len(rows), archiveBatch))
		for _, r := range rows[:min(len(rows), archiveBatch)] {
			list = append(list, r.Raw)
		}
		return list, nil
	}
	filter := bson.D{
		{Key: "status", Value: models.OutboxSent},
		{Key: "sent_at", Value: bson.D{{Key: "$lt", Value: slimBefore}}},
		{Key: archivedField, Value: bson.D{{Key: "$ne", Value: true}}},
	}
	opts := options.Find().SetSort(bson.D{{Key: "sent_at", Value: 1}}).SetLimit(archiveBatch)
	return findAll[bson.Raw](ctx, s.outbox(), filter, opts)
}

// slimAndDropSent slims the archived messages ids in the outbox and deletes
// the slim records sent before dropBefore; it returns how many it slimmed
// plus how many it deleted.
func (s *Store) slimAndDropSent(ctx context.Context, ids bson.A, dropBefore time.Time) (int, error) {
	done := 0
	if len(ids) > 0 {
		// One update for the batch: on the embedded server a filter on
		// more than the _id decodes the whole outbox, once per write.
		res, err := s.outbox().UpdateMany(ctx,
			bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "status", Value: models.OutboxSent}},
			bson.D{
				{Key: "$set", Value: bson.D{{Key: "mail.text", Value: ""}, {Key: "mail.html", Value: ""}, {Key: archivedField, Value: true}}},
				{Key: "$unset", Value: bson.D{{Key: "mail.attachments", Value: ""}}},
			})
		if err != nil {
			return 0, fmt.Errorf("archive sent mail: slim %d archived messages: %w", len(ids), err)
		}
		done += int(res.ModifiedCount)
	}
	res, err := s.outbox().DeleteMany(ctx, bson.D{
		{Key: "status", Value: models.OutboxSent},
		{Key: archivedField, Value: true},
		{Key: "sent_at", Value: bson.D{{Key: "$lt", Value: dropBefore}}},
	})
	if err != nil {
		return done, fmt.Errorf("archive sent mail: delete records sent before %s: %w", dropBefore.Format(time.RFC3339), err)
	}
	return done + int(res.DeletedCount), nil
}

// CountOutbox counts the outbox's messages by status, for metrics. One
// aggregation, so one pass over the (small, hot) collection.
func (s *Store) CountOutbox(ctx context.Context) (map[models.OutboxStatus]int64, error) {
	if t := s.mirrored(outboxCollection); t != nil {
		rows, err := mirrorScan[outboxRow]{}.rows(s, t)
		if err != nil {
			return nil, fmt.Errorf("count outbox messages: %w", err)
		}
		counts := map[models.OutboxStatus]int64{}
		for _, r := range rows {
			counts[r.Doc.(*outboxRow).Status]++
		}
		return counts, nil
	}
	pipeline := mongo.Pipeline{{{Key: "$group", Value: bson.D{
		{Key: "_id", Value: "$status"},
		{Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}},
	}}}}
	cur, err := s.outbox().Aggregate(ctx, pipeline)
	if err != nil {
		return nil, fmt.Errorf("count outbox messages: %w", err)
	}
	var rows []struct {
		Status models.OutboxStatus `bson:"_id"`
		N      int64               `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, fmt.Errorf("count outbox messages: %w", err)
	}
	counts := map[models.OutboxStatus]int64{}
	for _, r := range rows {
		counts[r.Status] = r.N
	}
	return counts, nil
}
