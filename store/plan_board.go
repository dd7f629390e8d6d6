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
