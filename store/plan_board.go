package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

// LatestAndPublishedPlan returns, with one query, the newest plan of week
// and its published plan (the same document when the newest is the
// published one); either is nil when the week has none. The coordinator's
// board needs both, and on the embedded database every query reads every
// plan, so one query instead of two halves the board's cost.
func (s *Store) LatestAndPublishedPlan(ctx context.Context, week models.Date) (latest, published *models.Plan, err error) {
	if t := s.mirrored(plansCollection); t != nil {
		latest, published, err = s.mirrorLatestAndPublished(t, week)
		if err != nil {
			return nil, nil, fmt.Errorf("load the plans of week %s: %w", week, err)
		}
		return latest, published, nil
	}
	cur, err := s.plans().Find(ctx, bson.D{{Key: "week", Value: week}}, options.Find().SetSort(bson.D{{Key: "version", Value: -1}}))
	if err != nil {
		return nil, nil, fmt.Errorf("load the plans of week %s: %w", week, err)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
	for published == nil && cur.Next(ctx) {
		status, _ := cur.Current.Lookup("status").StringValueOK()
		if latest != nil && status != string(models.PlanPublished) {
			continue
		}
		var p models.Plan
		if err := cur.Decode(&p); err != nil {
			return nil, nil, fmt.Errorf("decode a plan of week %s: %w", week, err)
		}
		if latest == nil {
			latest = &p
		}
		if p.Status == models.PlanPublished {
			published = &p
		}
	}
	if err := cur.Err(); err != nil {
		return nil, nil, fmt.Errorf("load the plans of week %s: %w", week, err)
	}
	return latest, published, nil
}

// mirrorLatestAndPublished is LatestAndPublishedPlan on the read model: it
// picks the two plans by their heads and decodes only those (one when the
// newest is the published one).
func (s *Store) mirrorLatestAndPublished(t *mirrorTable, week models.Date) (latest, published *models.Plan, err error) {
	rows, err := s.weekPlans(t, week, nil)
	if err != nil || len(rows) == 0 {
		return nil, nil, err
	}
	if latest, err = decodePlan(rows[0]); err != nil {
		return nil, nil, err
	}
	for _, r := range rows {
		if r.Doc.(*planHead).Status != models.PlanPublished {
			continue
		}
		if r == rows[0] {
			return latest, latest, nil
		}
		if published, err = decodePlan(r); err != nil {
			return nil, nil, err
		}
		break
	}
	return latest, published, nil
}
