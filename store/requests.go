package store

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/fieldvisit/fieldvisit/models"
)

func (s *Store) requests() *mongo.Collection { return s.db.Collection(requestsCollection) }

// CreateRequest stores a new support request, setting its ID, Version (1)
// and time stamps. The status is the caller's (normally models.StatusNew).
func (s *Store) CreateRequest(ctx context.Context, r *models.Request) error {
	now := s.timestamp()
	r.ID, r.Version, r.CreatedAt, r.UpdatedAt = newID(), 1, now, now
	err := s.through(ctx, requestsCollection, r.ID, func() (any, error) {
		_, err := s.requests().InsertOne(ctx, r)
		return r, err
	})
	if err != nil {
		return fmt.Errorf("create request: %w", err)
	}
	return nil
}

// requestsMirror keeps the requests in the read model, found by clinic too.
func requestsMirror() mirrorSpec {
	return mirrorSpec{
		collection: requestsCollection,
		decode:     decodeAs[models.Request],
		indexes: map[string]func(any) (string, bool){
			"clinic": func(d any) (string, bool) { return d.(*models.Request).ClinicID, true },
		},
	}
}

// Request returns the support request with the given id.
func (s *Store) Request(ctx context.Context, id string) (*models.Request, error) {
	r, err := loadByID[models.Request](ctx, s, requestsCollection, id)
	if err != nil {
		return nil, fmt.Errorf("load request %s: %w", id, err)
	}
	return r, nil
}

// requestQuery turns a filter into a query. Dates are "YYYY-MM-DD" strings,
// whose byte order is their calendar order, so range comparisons on them are
// correct on every server.
func requestQuery(f models.RequestFilter) bson.D {
	q := bson.D{}
	if len(f.Statuses) > 0 {
		q = append(q, bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: f.Statuses}}})
	}
	if f.ClinicID != "" {
		q = append(q, bson.E{Key: "clinic_id", Value: f.ClinicID})
	}
	if f.Priority != "" {
		q = append(q, bson.E{Key: "priority", Value: f.Priority})
	}
	if f.IDs != nil {
		// Under $and, so that a page's own condition on _id (pageOptions)
		// does not make a second _id key in the same document.
		q = append(q, bson.E{Key: "$and", Value: bson.A{bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: f.IDs}}}}}})
	}
	if f.Kind != "" {
		q = append(q, bson.E{Key: "kind", Value: f.Kind})
	}
	// [earliest, due] meets [From, To] when earliest <= To and due >= From.
	if f.To != "" {
		q = append(q, bson.E{Key: "earliest_date", Value: bson.D{{Key: "$lte", Value: f.To}}})
	}
	if f.From != "" {
		q = append(q, bson.E{Key: "due_date", Value: bson.D{{Key: "$gte", Value: f.From}}})
	}
	return q
}

// requestScan is requestQuery on the read model: the clinic's index when f
// names a clinic, the other conditions tested on each row.
func requestScan(f models.RequestFilter) mirrorScan[models.Request] {
	var ids map[string]bool
	if f.IDs != nil {
		ids = make(map[string]bool, len(f.IDs))
		for _, id := range f.IDs {
			ids[id] = true
		}
	}
	q := mirrorScan[models.Request]{keep: func(r *models.Request) bool {
		return requestMatches(f, r) && (ids == nil || ids[r.ID])
	}}
	if f.ClinicID != "" {
		q.index, q.key = "clinic", f.ClinicID
	}
	return q
}

// requestMatches is requestQuery's condition on one request, but for f.IDs,
// which requestScan looks up in a set.
func requestMatches(f models.RequestFilter, r *models.Request) bool {
	switch {
	case len(f.Statuses) > 0 && !slices.Contains(f.Statuses, r.Status),
		f.ClinicID != "" && r.ClinicID != f.ClinicID,
		f.Priority != "" && r.Priority != f.Priority,
		f.Kind != "" && r.Kind != f.Kind,
		f.To != "" && r.EarliestDate > f.To,
		f.From != "" && r.DueDate < f.From:
		return false
	}
	return true
}

// Requests returns one page of the requests matching f, ordered by id.
func (s *Store) Requests(ctx context.Context, f models.RequestFilter, p models.Page) ([]models.Request, error) {
	var (
		list []models.Request
		err  error
	)
	if t := s.mirrored(requestsCollection); t != nil {
		q := requestScan(f)
		q.after, q.limit = p.After, pageLimit(p)
		list, err = q.list(s, t)
	} else {
		filter, opts := pageOptions(requestQuery(f), p)
		list, err = findAll[models.Request](ctx, s.requests(), filter, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	return list, nil
}

// CountRequests counts the requests matching f.
func (s *Store) CountRequests(ctx context.Context, f models.RequestFilter) (int64, error) {
	var (
		n   int64
		err error
	)
	if t := s.mirrored(requestsCollection); t != nil {
		n, err = requestScan(f).count(s, t)
	} else {
		n, err = s.requests().CountDocuments(ctx, requestQuery(f))
	}
	if err != nil {
		return 0, fmt.Errorf("count requests: %w", err)
	}
	return n, nil
}

// UpdateRequest replaces the request r.ID with r, provided the stored version
// is still r.Version; on success r carries the new version and stamp. The
// creation stamp is kept from the stored document, and so is the status when
// r's status is not a legal move from it (status changes otherwise go
// through SetRequestStatus).
func (s *Store) UpdateRequest(ctx context.Context, r *models.Request) error {
	current, err := s.Request(ctx, r.ID)
	if err != nil {
		return fmt.Errorf("update request %s: %w", r.ID, err)
	}
	if current.Version != r.Version {
		return fmt.Errorf("update request %s: %w", r.ID, staleVersion(r.Version, current.Version))
	}
	if r.Status != current.Status && !models.CanTransition(current.Status, r.Status) {
		return fmt.Errorf("update request %s: %w", r.ID, models.StatusChangeError(current.Status, r.Status))
	}
	next := *r
	next.Version, next.CreatedAt, next.UpdatedAt = r.Version+1, current.CreatedAt, s.timestamp()
	err = s.throughGuarded(ctx, requestsCollection, r.ID, func(g *guard) (any, error) {
		return &next, replaceVersioned(ctx, g, s.requests(), r.ID, r.Version, &next, "the request conflicts with another one")
	})
	if err != nil {
		return fmt.Errorf("update request %s: %w", r.ID, err)
	}
	*r = next
	return nil
}

// SetRequestStatus moves request id, still at version, to status to and
// returns it. An illegal move is refused with models.StatusChangeError. The
// check is part of the update's filter (the status must be one that may move
// to to), so it holds against the document as it is at the moment of the
// write, not as it was read.
func (s *Store) SetRequestStatus(ctx context.Context, id string, version int64, to models.Status) (*models.Request, error) {
	from := []models.Status{}
	for _, st := range models.Statuses {
		if models.CanTransition(st, to) {
			from = append(from, st)
		}
	}
	filter := append(versioned(id, version), bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: from}}})
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "status", Value: to},
		{Key: "version", Value: version + 1},
		{Key: "updated_at", Value: s.timestamp()},
	}}}
	var r models.Request
	err := s.throughGuarded(ctx, requestsCollection, id, func(g *guard) (any, error) {
		send, refused := g.narrow(filter)
		if refused {
			return nil, s.whyStatusRefused(ctx, id, version, to)
		}
		matched, err := findOneAndUpdate(ctx, s.requests(), send, update, &r)
		if err == nil && !matched {
			err = s.whyStatusRefused(ctx, id, version, to)
		}
		return &r, err
	})
	if err != nil {
		return nil, fmt.Errorf("set status of request %s to %s: %w", id, to, err)
	}
	return &r, nil
}

// whyStatusRefused explains a status change that matched nothing: the
// request is gone, its version moved on, or the move is illegal from the
// status it has.
func (s *Store) whyStatusRefused(ctx context.Context, id string, version int64, to models.Status) error {
	current, err := s.Request(ctx, id)
	if err != nil {
		return err
	}
	if current.Version != version {
		return staleVersion(version, current.Version)
	}
	return models.StatusChangeError(current.Status, to)
}
