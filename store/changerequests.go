package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/fieldvisit/fieldvisit/models"
)

const changeRequestsCollection = "change_requests"

func (s *Store) changeRequests() *mongo.Collection { return s.db.Collection(changeRequestsCollection) }

// CreateChangeRequest stores a new change request, setting its ID, Version
// (1) and creation stamp.
func (s *Store) CreateChangeRequest(ctx context.Context, cr *models.ChangeRequest) error {
	cr.ID, cr.Version, cr.CreatedAt = newID(), 1, s.timestamp()
	err := s.through(ctx, changeRequestsCollection, cr.ID, func() (any, error) {
		_, err := s.changeRequests().InsertOne(ctx, cr)
		return cr, err
	})
	if err != nil {
		return fmt.Errorf("create change request of request %s: %w", cr.RequestID, err)
	}
	return nil
}

// changeRequestsMirror keeps the change requests in the read model, found
// by request and by clinic too.
func changeRequestsMirror() mirrorSpec {
	return mirrorSpec{
		collection: changeRequestsCollection,
		decode:     decodeAs[models.ChangeRequest],
		indexes: map[string]func(any) (string, bool){
			"request": func(d any) (string, bool) { return d.(*models.ChangeRequest).RequestID, true },
			"clinic":  func(d any) (string, bool) { return d.(*models.ChangeRequest).ClinicID, true },
		},
	}
}

// ChangeRequest returns the change request with the given id.
func (s *Store) ChangeRequest(ctx context.Context, id string) (*models.ChangeRequest, error) {
	cr, err := loadByID[models.ChangeRequest](ctx, s, changeRequestsCollection, id)
	if err != nil {
		return nil, fmt.Errorf("load change request %s: %w", id, err)
	}
	return cr, nil
}

// changeRequestMatches is the condition of ChangeRequests' query on one
// change request.
func changeRequestMatches(f models.ChangeRequestFilter, cr *models.ChangeRequest) bool {
	switch {
	case f.RequestID != "" && cr.RequestID != f.RequestID,
		f.ClinicID != "" && cr.ClinicID != f.ClinicID,
		f.Status != "" && cr.Status != f.Status:
		return false
	}
	return true
}

// ChangeRequests returns one page of the change requests matching f,
// oldest first.
func (s *Store) ChangeRequests(ctx context.Context, f models.ChangeRequestFilter, p models.Page) ([]models.ChangeRequest, error) {
	var (
		list []models.ChangeRequest
		err  error
	)
	if t := s.mirrored(changeRequestsCollection); t != nil {
		q := mirrorScan[models.ChangeRequest]{after: p.After, limit: pageLimit(p),
			keep: func(cr *models.ChangeRequest) bool { return changeRequestMatches(f, cr) }}
		switch {
		case f.RequestID != "":
			q.index, q.key = "request", f.RequestID
		case f.ClinicID != "":
			q.index, q.key = "clinic", f.ClinicID
		}
		list, err = q.list(s, t)
	} else {
		q := bson.D{}
		if f.RequestID != "" {
			q = append(q, bson.E{Key: "request_id", Value: f.RequestID})
		}
		if f.ClinicID != "" {
			q = append(q, bson.E{Key: "clinic_id", Value: f.ClinicID})
		}
		if f.Status != "" {
			q = append(q, bson.E{Key: "status", Value: f.Status})
		}
		filter, opts := pageOptions(q, p)
		list, err = findAll[models.ChangeRequest](ctx, s.changeRequests(), filter, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("list change requests: %w", err)
	}
	return list, nil
}

// DecideChangeRequest records a coordinator's decision on cr, provided it
// is still pending at cr.Version; on success cr carries the new version.
// A decided one is a models.ConflictError.
func (s *Store) DecideChangeRequest(ctx context.Context, cr *models.ChangeRequest) error {
	current, err := s.ChangeRequest(ctx, cr.ID)
	if err != nil {
		return fmt.Errorf("decide change request %s: %w", cr.ID, err)
	}
	if current.Status != models.ChangePending {
		return fmt.Errorf("decide change request %s: %w", cr.ID,
			&models.ConflictError{Message: fmt.Sprintf("the change request is %s already", current.Status)})
	}
	next := *cr
	next.Version = cr.Version + 1
	err = s.throughGuarded(ctx, changeRequestsCollection, cr.ID, func(g *guard) (any, error) {
		return &next, replaceVersioned(ctx, g, s.changeRequests(), cr.ID, cr.Version, &next, "change request id taken")
	})
	if err != nil {
		return fmt.Errorf("decide change request %s: %w", cr.ID, err)
	}
	*cr = next
	return nil
}

// SetChangeRequestDraft records the repair draft made for an accepted
// change request.
func (s *Store) SetChangeRequestDraft(ctx context.Context, id string, draft models.PlanRef) error {
	err := s.through(ctx, changeRequestsCollection, id, func() (any, error) {
		var after models.ChangeRequest
		matched, err := findOneAndUpdate(ctx, s.changeRequests(), bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "draft", Value: draft}}}}, &after)
		if err == nil && !matched {
			err = models.ErrNotFound
		}
		return &after, err
	})
	if err != nil {
		return fmt.Errorf("record the draft of change request %s: %w", id, err)
	}
	return nil
}
