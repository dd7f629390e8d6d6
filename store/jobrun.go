package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

const jobRunsCollection = "jobruns"

// JobRunRunning is the outcome of a run that has started and not finished
// (or whose instance died before it could say).
const JobRunRunning = "running"

func (s *Store) jobRuns() *mongo.Collection { return s.db.Collection(jobRunsCollection) }

// StartJobRun records that r has started: it sets r.ID (when empty),
// r.StartedAt and r.Outcome "running".
func (s *Store) StartJobRun(ctx context.Context, r *models.JobRun) error {
	if r.ID == "" {
		r.ID = newID()
	}
	r.StartedAt, r.Outcome = s.timestamp(), JobRunRunning
	if _, err := s.jobRuns().InsertOne(ctx, r); err != nil {
		return fmt.Errorf("record start of %s run %s: %w", r.Job, r.ID, err)
	}
	return nil
}

// FinishJobRun records how r ended: it stamps r.FinishedAt and r.Millis and
// stores r.Outcome, r.Error and r.Figures as the caller set them.
func (s *Store) FinishJobRun(ctx context.Context, r *models.JobRun) error {
	at := s.timestamp()
	r.FinishedAt, r.Millis = &at, at.Sub(r.StartedAt).Milliseconds()
	set := bson.D{
		{Key: "finished_at", Value: at},
		{Key: "millis", Value: r.Millis},
		{Key: "outcome", Value: r.Outcome},
		{Key: "error", Value: r.Error},
		{Key: "figures", Value: r.Figures},
	}
	res, err := s.jobRuns().UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, bson.D{{Key: "$set", Value: set}})
	if err == nil && res.MatchedCount == 0 {
		err = models.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("record end of %s run %s: %w", r.Job, r.ID, err)
	}
	return nil
}

// JobRuns returns the latest runs of job (all jobs when empty), newest
// first, at most limit (1..MaxPageSize; anything else means the default).
func (s *Store) JobRuns(ctx context.Context, job string, limit int) ([]models.JobRun, error) {
	if limit <= 0 || limit > models.MaxPageSize {
		limit = models.DefaultPageSize
	}
	filter := bson.D{}
	if job != "" {
		filter = append(filter, bson.E{Key: "job", Value: job})
	}
	opts := options.Find().SetSort(bson.D{{Key: "started_at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit))
	list, err := findAll[models.JobRun](ctx, s.jobRuns(), filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list runs of job %q: %w", job, err)
	}
	return list, nil
}
