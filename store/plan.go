package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

const plansCollection = "plans"

// maxPlanNumberRaces bounds how often CreatePlan retries after losing the
// race for a version number; each loss means another run saved a plan of the
// same week at the same moment, so a handful is already implausible.
const maxPlanNumberRaces = 10

func (s *Store) plans() *mongo.Collection { return s.db.Collection(plansCollection) }

// planHead is the typed form of a plan in the read model: the fields its
// reads select and order by. Plans are large (every route of a week), so
// the rows keep only these, and a read decodes just the plans it returns.
type planHead struct {
	ID        string            `bson:"_id"`
	Week      models.Date       `bson:"week"`
	Version   int               `bson:"version"`
	Status    models.PlanStatus `bson:"status"`
	Rev       int64             `bson:"rev"`
	CreatedAt time.Time         `bson:"created_at"`
}

// plansMirror keeps the plans in the read model, found by week too.
func plansMirror() mirrorSpec {
	return mirrorSpec{
		collection: plansCollection,
		decode:     decodeAs[planHead],
		indexes: map[string]func(any) (string, bool){
			"week": func(d any) (string, bool) { return string(d.(*planHead).Week), true },
		},
	}
}

// weekPlans returns the rows of week's plans that keep accepts (nil: all),
// the newest version first.
func (s *Store) weekPlans(t *mirrorTable, week models.Date, keep func(*planHead) bool) ([]*row, error) {
	rows, err := mirrorScan[planHead]{index: "week", key: string(week), keep: keep}.rows(s, t)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(rows, func(a, b *row) int { return cmp.Compare(b.Doc.(*planHead).Version, a.Doc.(*planHead).Version) })
	return rows, nil
}

// decodePlan decodes the plan of r into a new value.
func decodePlan(r *row) (*models.Plan, error) {
	var p models.Plan
	if err := bson.Unmarshal(r.Raw, &p); err != nil {
		return nil, fmt.Errorf("read model: decode plan %s: %w", r.ID, err)
	}
	return &p, nil
}

// CreatePlan saves p as the next version of its week: it sets p.Version to
// one more than the week's latest, p.ID to models.PlanID, p.Rev to 1,
// p.CreatedAt, and p.Status to draft when empty. Two runs saving the same
// week at once both get a number: the _id is unique, so the loser of an
// insert retries with the next one.
func (s *Store) CreatePlan(ctx context.Context, p *models.Plan) error {
	if !p.Week.Valid() {
		return fmt.Errorf("create plan: week %q is not a date", p.Week)
	}
	if p.Status == "" {
		p.Status = models.PlanDraft
	}
	latest, err := s.LatestPlan(ctx, p.Week)
	next := 1
	switch {
	case err == nil:
		next = latest.Version + 1
	case !errors.Is(err, models.ErrNotFound):
		return fmt.Errorf("create plan for week %s: %w", p.Week, err)
	}
	for range maxPlanNumberRaces {
		p.Version, p.ID, p.Rev, p.CreatedAt = next, models.PlanID(p.Week, next), 1, s.timestamp()
		err := s.through(ctx, plansCollection, p.ID, func() (any, error) {
			_, err := s.plans().InsertOne(ctx, p)
			return p, err
		})
		if err == nil {
			return nil
		}
		if !isDuplicate(err) {
			return fmt.Errorf("create plan %s: %w", p.ID, err)
		}
		next++
	}
	return fmt.Errorf("create plan for week %s: %w", p.Week,
		&models.ConflictError{Message: fmt.Sprintf("lost the race for a version number %d times", maxPlanNumberRaces)})
}

// Plan returns version version of the plan of week.
func (s *Store) Plan(ctx context.Context, week models.Date, version int) (*models.Plan, error) {
	id := models.PlanID(week, version)
	p, err := loadByID[models.Plan](ctx, s, plansCollection, id)
	if err != nil {
		return nil, fmt.Errorf("load plan %s: %w", id, err)
	}
	return p, nil
}

// LatestPlan returns the plan of week with the highest version, whatever its
// status; models.ErrNotFound when the week has none.
func (s *Store) LatestPlan(ctx context.Context, week models.Date) (*models.Plan, error) {
	p, err := s.newestPlan(ctx, week, "")
	if err != nil {
		return nil, fmt.Errorf("load latest plan of week %s: %w", week, err)
	}
	return p, nil
}

// PublishedPlan returns the published plan of week; models.ErrNotFound when
// none is published.
func (s *Store) PublishedPlan(ctx context.Context, week models.Date) (*models.Plan, error) {
	p, err := s.newestPlan(ctx, week, models.PlanPublished)
	if err != nil {
		return nil, fmt.Errorf("load published plan of week %s: %w", week, err)
	}
	return p, nil
}

// newestPlan returns the plan of week with the highest version among those
// with status (any status when empty); models.ErrNotFound when none is.
func (s *Store) newestPlan(ctx context.Context, week models.Date, status models.PlanStatus) (*models.Plan, error) {
	if t := s.mirrored(plansCollection); t != nil {
		rows, err := s.weekPlans(t, week, func(p *planHead) bool { return status == "" || p.Status == status })
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			return nil, models.ErrNotFound
		}
		return decodePlan(rows[0])
	}
	filter := bson.D{{Key: "week", Value: week}}
	if status != "" {
		filter = append(filter, bson.E{Key: "status", Value: status})
	}
	opts := options.FindOne().SetSort(bson.D{{Key: "version", Value: -1}})
	var p models.Plan
	if err := s.plans().FindOne(ctx, filter, opts).Decode(&p); err != nil {
		return nil, notFound(err)
	}
	return &p, nil
}

// Plans lists the versions of week, newest first, as summaries: routes and
// unassigned requests are left out (load one version with Plan for them).
func (s *Store) Plans(ctx context.Context, week models.Date) ([]models.Plan, error) {
	var (
		list []models.Plan
		err  error
	)
	if t := s.mirrored(plansCollection); t != nil {
		list, err = s.mirrorPlanSummaries(t, week)
	} else {
		opts := options.Find().
			SetSort(bson.D{{Key: "version", Value: -1}}).
			SetProjection(bson.D{{Key: "routes", Value: 0}, {Key: "unassigned", Value: 0}})
		list, err = findAll[models.Plan](ctx, s.plans(), bson.D{{Key: "week", Value: week}}, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("list plans of week %s: %w", week, err)
	}
	return list, nil
}

// mirrorPlanSummaries is Plans on the read model: each plan is decoded
// from its stored form without the routes and the unassigned requests, as
// the database's projection leaves them out.
func (s *Store) mirrorPlanSummaries(t *mirrorTable, week models.Date) ([]models.Plan, error) {
	rows, err := s.weekPlans(t, week, nil)
	if err != nil {
		return nil, err
	}
	list := make([]models.Plan, len(rows))
	for i, r := range rows {
		summary, err := withoutFields(r.Raw, "routes", "unassigned")
		if err == nil {
			err = bson.Unmarshal(summary, &list[i])
		}
		if err != nil {
			return nil, fmt.Errorf("read model: decode plan %s: %w", r.ID, err)
		}
	}
	return list, nil
}

// withoutFields returns a copy of the document doc without the top-level
// fields names.
func withoutFields(doc bson.Raw, names ...string) (bson.Raw, error) {
	elems, err := doc.Elements()
	if err != nil {
		return nil, err
	}
	out := make(bson.D, 0, len(elems))
	for _, e := range elems {
		if !slices.Contains(names, e.Key()) {
			out = append(out, bson.E{Key: e.Key(), Value: e.Value()})
		}
	}
	return bson.Marshal(out)
}

// SetPlanStatus moves plan id to status to, provided its Rev is still rev,
// and returns the plan as stored afterwards. at, when given, becomes the
// publish stamp. Which moves are allowed is the publisher's business; the
// store only makes sure two of them never overwrite each other.
func (s *Store) SetPlanStatus(ctx context.Context, id string, rev int64, to models.PlanStatus, at *time.Time) (*models.Plan, error) {
	set := bson.D{{Key: "status", Value: to}, {Key: "rev", Value: rev + 1}}
	if at != nil {
		set = append(set, bson.E{Key: "published_at", Value: at.UTC().Truncate(time.Millisecond)})
	}
	filter := bson.D{{Key: "_id", Value: id}, {Key: "rev", Value: rev}}
	p, err := s.updatePlan(ctx, id, rev, filter, set)
	if err != nil {
		return nil, fmt.Errorf("set status of plan %s to %s: %w", id, to, err)
	}
	return p, nil
}

// MarkPlanEdited marks plan id, provided its Rev is still rev, as edited
// into a newer version, and returns it as stored afterwards. Of two edits
// of the same version only the first gets past this; the other gets a
// models.ErrConflict.
func (s *Store) MarkPlanEdited(ctx context.Context, id string, rev int64) (*models.Plan, error) {
	filter := bson.D{{Key: "_id", Value: id}, {Key: "rev", Value: rev}, {Key: "edited", Value: bson.D{{Key: "$ne", Value: true}}}}
	set := bson.D{{Key: "edited", Value: true}, {Key: "rev", Value: rev + 1}}
	p, err := s.updatePlan(ctx, id, rev, filter, set)
	if err != nil {
		return nil, fmt.Errorf("mark plan %s edited: %w", id, err)
	}
	return p, nil
}

// UnmarkPlanEdited undoes MarkPlanEdited after the edit could not be saved,
// so that the version can be edited again.
func (s *Store) UnmarkPlanEdited(ctx context.Context, id string, rev int64) error {
	filter := bson.D{{Key: "_id", Value: id}, {Key: "rev", Value: rev}}
	set := bson.D{{Key: "edited", Value: false}, {Key: "rev", Value: rev + 1}}
	if _, err := s.updatePlan(ctx, id, rev, filter, set); err != nil {
		return fmt.Errorf("unmark plan %s edited: %w", id, err)
	}
	return nil
}

// updatePlan applies set to plan id where filter (which holds the guard on
// rev) matches, and returns the plan as stored afterwards.
func (s *Store) updatePlan(ctx context.Context, id string, rev int64, filter, set bson.D) (*models.Plan, error) {
	var p models.Plan
	err := s.throughGuarded(ctx, plansCollection, id, func(g *guard) (any, error) {
		send, refused := g.narrow(filter)
		if refused {
			return nil, s.whyPlanMissed(ctx, id, rev)
		}
		matched, err := findOneAndUpdate(ctx, s.plans(), send, bson.D{{Key: "$set", Value: set}}, &p)
		if err == nil && !matched {
			err = s.whyPlanMissed(ctx, id, rev)
		}
		return &p, err
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// whyPlanMissed explains a Rev-guarded write that matched nothing.
func (s *Store) whyPlanMissed(ctx context.Context, id string, rev int64) error {
	var current planHead
	if t := s.mirrored(plansCollection); t != nil {
		// Called within the write, while the copy still agrees with the
		// database: plans are written by this process alone.
		obj, err := s.rm.db.Txn(false).First(plansCollection, "id", id)
		if err != nil {
			return fmt.Errorf("read model: %w", err)
		}
		if obj == nil {
			return models.ErrNotFound
		}
		current = *obj.(*row).Doc.(*planHead)
	} else {
		opts := options.FindOne().SetProjection(bson.D{{Key: "rev", Value: 1}, {Key: "status", Value: 1}})
		if err := s.plans().FindOne(ctx, bson.D{{Key: "_id", Value: id}}, opts).Decode(&current); err != nil {
			return notFound(err)
		}
	}
	return &models.ConflictError{Message: fmt.Sprintf("plan %s revision %d is stale; current is %d (%s)", id, rev, current.Rev, current.Status)}
}

const plansArchiveCollection = "plans_archive"

// archivePlanBatch bounds the plans one ArchivePlans call moves, so that a
// first run over a long history does not hold the embedded server's single
// connection for long; the next call moves the next batch.
const archivePlanBatch = 100

// ArchivePlans moves every plan created before before that is neither
// published nor the latest version of its week from plans into
// plans_archive, at most archivePlanBatch of them, and returns how many
// moved. The nightly run saves a whole plan each night, and every read of a
// week's plans (the latest, the published one, the list) scans the whole
// collection on the embedded server, so superseded versions and drafts
// nobody published must not pile up there. Each week keeps its published
// plan, and its latest version, from which CreatePlan numbers the next one:
// a version number is never given twice, which publication relies on.
// Plans are copied, then deleted in one go: a crash in between leaves a copy
// in both, which the next call finds archived and deletes.
func (s *Store) ArchivePlans(ctx context.Context, before time.Time) (int, error) {
	all, err := s.planHeads(ctx)
	if err != nil {
		return 0, fmt.Errorf("archive old plans: list: %w", err)
	}
	latest := map[models.Date]int{}
	for _, p := range all {
		latest[p.Week] = max(latest[p.Week], p.Version)
	}
	archive := s.db.Collection(plansArchiveCollection)
	ids := bson.A{}
	for _, p := range all {
		if len(ids) == archivePlanBatch {
			break
		}
		if p.Status == models.PlanPublished || p.Version == latest[p.Week] || !p.CreatedAt.Before(before) {
			continue
		}
		doc, err := s.storedPlan(ctx, p.ID)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("archive old plans: load %s: %w", p.ID, err)
		}
		// Replaced rather than inserted, so the copy left by an earlier call
		// that stopped half-way is brought up to date.
		upsert := options.Replace().SetUpsert(true)
		if _, err := archive.ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.ID}}, doc, upsert); err != nil {
			return 0, fmt.Errorf("archive old plans: copy %s: %w", p.ID, err)
		}
		ids = append(ids, p.ID)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	// A plan published since the list was read stays. One delete for the
	// batch; the read model reloads after it.
	var deleted int64
	err = s.throughAll(ctx, plansCollection, func() error {
		res, err := s.plans().DeleteMany(ctx, bson.D{
			{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
			{Key: "status", Value: bson.D{{Key: "$ne", Value: models.PlanPublished}}},
		})
		if err == nil {
			deleted = res.DeletedCount
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("archive old plans: delete %d archived copies: %w", len(ids), err)
	}
	return int(deleted), nil
}

// planHeads returns the heads of every plan, in _id order.
func (s *Store) planHeads(ctx context.Context) ([]planHead, error) {
	if t := s.mirrored(plansCollection); t != nil {
		rows, err := mirrorScan[planHead]{}.rows(s, t)
		if err != nil {
			return nil, err
		}
		heads := make([]planHead, len(rows))
		for i, r := range rows {
			heads[i] = *r.Doc.(*planHead)
		}
		return heads, nil
	}
	opts := options.Find().SetProjection(bson.D{
		{Key: "week", Value: 1}, {Key: "version", Value: 1}, {Key: "status", Value: 1}, {Key: "created_at", Value: 1},
	})
	return findAll[planHead](ctx, s.plans(), bson.D{}, opts)
}

// storedPlan returns plan id as stored; models.ErrNotFound when there is
// none.
func (s *Store) storedPlan(ctx context.Context, id string) (bson.Raw, error) {
	if t := s.mirrored(plansCollection); t != nil {
		obj, err := s.rm.db.Txn(false).First(plansCollection, "id", id)
		if err != nil {
			return nil, fmt.Errorf("read model: %w", err)
		}
		if obj == nil {
			return nil, models.ErrNotFound
		}
		return obj.(*row).Raw, nil
	}
	// Loaded by _id alone, which the embedded server filters in SQLite,
	// several times cheaper than the filters it evaluates in Go.
	doc, err := s.plans().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if err != nil {
		return nil, notFound(err)
	}
	return doc, nil
}
