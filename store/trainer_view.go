package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/fieldvisit/fieldvisit/models"
)

// TrainerRequestIDs lists, sorted, the ids of the requests a trainer's work
// touches: those of the trainer's visits and of the stops offered to the
// trainer in the newest plan of each of weeks. A trainer may read these
// requests and no others. On the read model neither the visits nor the
// plans are copied out: the ids are read from the visits' typed rows and
// from the plans' stored documents, since every request of a trainer's
// list or lookup asks this.
func (s *Store) TrainerRequestIDs(ctx context.Context, trainerID string, weeks []models.Date) ([]string, error) {
	ids := map[string]bool{}
	if err := s.visitRequestIDs(ctx, trainerID, ids); err != nil {
		return nil, fmt.Errorf("list the visits of trainer %s: %w", trainerID, err)
	}
	for _, week := range weeks {
		if err := s.offeredRequestIDs(ctx, week, trainerID, ids); err != nil {
			return nil, fmt.Errorf("load the plan of week %s: %w", week, err)
		}
	}
	// Never nil: a nil list would filter nothing.
	return append([]string{}, slices.Sorted(maps.Keys(ids))...), nil
}

// visitRequestIDs adds the request ids of the trainer's visits to ids.
func (s *Store) visitRequestIDs(ctx context.Context, trainerID string, ids map[string]bool) error {
	if t := s.mirrored(visitsCollection); t != nil {
		rows, err := mirrorScan[models.Visit]{index: "trainer", key: trainerID}.rows(s, t)
		for _, r := range rows {
			ids[r.Doc.(*models.Visit).RequestID] = true
		}
		return err
	}
	visits, err := s.findVisits(ctx, models.VisitFilter{TrainerID: trainerID})
	for _, v := range visits {
		ids[v.RequestID] = true
	}
	return err
}

// offeredRequestIDs adds to ids the requests of the stops offered to the
// trainer in the newest plan of week, if the week has a plan.
func (s *Store) offeredRequestIDs(ctx context.Context, week models.Date, trainerID string, ids map[string]bool) error {
	if t := s.mirrored(plansCollection); t != nil {
		rows, err := s.weekPlans(t, week, nil)
		if err != nil || len(rows) == 0 {
			return err
		}
		return stopsOf(rows[0].Raw, trainerID, ids)
	}
	p, err := s.LatestPlan(ctx, week)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, r := range p.Routes {
		if r.TrainerID == trainerID {
			for _, st := range r.Stops {
				ids[st.RequestID] = true
			}
		}
	}
	return nil
}

// stopsOf adds to ids the request of every stop on the trainer's routes of
// a stored plan, reading only those fields of the document.
func stopsOf(plan bson.Raw, trainerID string, ids map[string]bool) error {
	routes, ok := plan.Lookup("routes").ArrayOK()
	if !ok {
		return nil // a plan without routes offers nothing
	}
	values, err := routes.Values()
	if err != nil {
		return fmt.Errorf("read the routes of a plan: %w", err)
	}
	for _, v := range values {
		route, ok := v.DocumentOK()
		if !ok {
			continue
		}
		if id, ok := route.Lookup("trainer_id").StringValueOK(); !ok || id != trainerID {
			continue
		}
		stops, ok := route.Lookup("stops").ArrayOK()
		if !ok {
			continue
		}
		list, err := stops.Values()
		if err != nil {
			return fmt.Errorf("read the stops of a plan: %w", err)
		}
		for _, st := range list {
			if doc, ok := st.DocumentOK(); ok {
				if id, ok := doc.Lookup("request_id").StringValueOK(); ok {
					ids[id] = true
				}
			}
		}
	}
	return nil
}
