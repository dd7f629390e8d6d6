package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/fieldvisit/fieldvisit/models"
)

const leasesCollection = "leases"

func (s *Store) leases() *mongo.Collection { return s.db.Collection(leasesCollection) }

// leaseID is the _id of one attempt at claiming resource.
func leaseID(resource string, attempt int) string { return fmt.Sprintf("%s#%d", resource, attempt) }

// ClaimLease claims resource for holder until ttl from now. The claim is the
// insert of a document whose _id names the resource and the attempt
// ("plan:2026-12-07@…#1"): of several instances inserting the same _id only
// one succeeds, on MongoDB and on the embedded server alike, whereas a
// filter-guarded update is not atomic across connections on the latter. An
// expired claim is taken over by inserting the next attempt's _id; earlier
// attempts are never deleted or overwritten, so there is no moment in which
// the resource looks free to two claimers.
//
// It returns a models.ErrConflict when the latest attempt is still live
// (unexpired and not done), when it is done (the work has been completed and
// must not be repeated), or when another instance won the insert.
func (s *Store) ClaimLease(ctx context.Context, resource, holder string, ttl time.Duration) (*models.Lease, error) {
	if ttl <= 0 {
		return nil, fmt.Errorf("claim lease %s: ttl %s must be positive", resource, ttl)
	}
	now := s.timestamp()
	latest, err := s.latestLease(ctx, resource)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return nil, fmt.Errorf("claim lease %s: %w", resource, err)
	}
	attempt := 1
	if latest != nil {
		switch {
		case latest.Done:
			return nil, fmt.Errorf("claim lease %s: %w", resource,
				&models.ConflictError{Message: fmt.Sprintf("%s was completed by %s", resource, latest.Holder)})
		case latest.ExpiresAt.After(now):
			return nil, fmt.Errorf("claim lease %s: %w", resource,
				&models.ConflictError{Message: fmt.Sprintf("%s is held by %s until %s", resource, latest.Holder, latest.ExpiresAt.Format(time.RFC3339))})
		}
		attempt = latest.Attempt + 1
	}
	takeover := latest != nil && latest.ReleasedAt == nil
	l := &models.Lease{
		ID:        leaseID(resource, attempt),
		Resource:  resource,
		Attempt:   attempt,
		Holder:    holder,
		ExpiresAt: now.Add(ttl),
		CreatedAt: now,
	}
	if _, err := s.leases().InsertOne(ctx, l); err != nil {
		if isDuplicate(err) {
			err = &models.ConflictError{Message: fmt.Sprintf("%s attempt %d was claimed by another instance first", resource, attempt)}
		}
		return nil, fmt.Errorf("claim lease %s: %w", resource, err)
	}
	if takeover && s.onTakeover != nil {
		s.onTakeover(resource)
	}
	return l, nil
}

// latestLease returns the attempt with the highest number of resource.
func (s *Store) latestLease(ctx context.Context, resource string) (*models.Lease, error) {
	opts := options.FindOne().SetSort(bson.D{{Key: "attempt", Value: -1}})
	var l models.Lease
	if err := s.leases().FindOne(ctx, bson.D{{Key: "resource", Value: resource}}, opts).Decode(&l); err != nil {
		return nil, notFound(err)
	}
	return &l, nil
}

// RenewLease extends l to ttl from now. It refuses with models.ErrConflict a
// lease that has already expired by the store's clock (another instance may
// be taking it over at this very moment) and one that has been taken over or
// released. Holders renew well before expiry (a third of the TTL is usual),
// so a renewal never lands after a takeover has begun.
func (s *Store) RenewLease(ctx context.Context, l *models.Lease, ttl time.Duration) error {
	now := s.timestamp()
	if !l.ExpiresAt.After(now) {
		return fmt.Errorf("renew lease %s: %w", l.ID,
			&models.ConflictError{Message: fmt.Sprintf("lease expired at %s", l.ExpiresAt.Format(time.RFC3339))})
	}
	expires := now.Add(ttl)
	filter := bson.D{{Key: "_id", Value: l.ID}, {Key: "holder", Value: l.Holder}, {Key: "done", Value: false}}
	res, err := s.leases().UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "expires_at", Value: expires}}}})
	if err != nil {
		return fmt.Errorf("renew lease %s: %w", l.ID, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("renew lease %s: %w", l.ID, &models.ConflictError{Message: "lease is no longer held"})
	}
	// The update succeeded, but a successor may exist already (this holder
	// was paused past expiry and came back): it wins, and this holder must
	// stop.
	if err := s.leases().FindOne(ctx, bson.D{{Key: "_id", Value: leaseID(l.Resource, l.Attempt+1)}}).Err(); err == nil {
		return fmt.Errorf("renew lease %s: %w", l.ID, &models.ConflictError{Message: "lease was taken over by another instance"})
	} else if !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("renew lease %s: check for a takeover: %w", l.ID, err)
	}
	l.ExpiresAt = expires
	return nil
}

// ReleaseLease gives l up. With done the resource's work is complete and no
// one may claim it again; without, the lease expires now, so the next claim
// takes it over at once (by inserting the next attempt, as always).
func (s *Store) ReleaseLease(ctx context.Context, l *models.Lease, done bool) error {
	now := s.timestamp()
	set := bson.D{{Key: "expires_at", Value: now}, {Key: "released_at", Value: now}}
	if done {
		set = append(set, bson.E{Key: "done", Value: true})
	}
	filter := bson.D{{Key: "_id", Value: l.ID}, {Key: "holder", Value: l.Holder}}
	res, err := s.leases().UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", l.ID, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("release lease %s: %w", l.ID, models.ErrNotFound)
	}
	l.ExpiresAt, l.Done, l.ReleasedAt = now, done, &now
	return nil
}

// ExpireLiveLeases ends every live lease (unexpired and not done) now and
// returns how many it ended. Only a process that knows itself the only
// user of the database may call it, before it claims anything: with the
// embedded server, the process holding the data directory's lock. Every
// live lease then belongs to an earlier process that died (kill -9, power
// loss) without releasing it, and ending it lets the next claim take over
// at once instead of after the lease's time: a publication interrupted by
// a crash is completed by the first attempt after the restart.
func (s *Store) ExpireLiveLeases(ctx context.Context) (int64, error) {
	now := s.timestamp()
	filter := bson.D{{Key: "done", Value: false}, {Key: "expires_at", Value: bson.D{{Key: "$gt", Value: now}}}}
	res, err := s.leases().UpdateMany(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "expires_at", Value: now}}}})
	if err != nil {
		return 0, fmt.Errorf("expire the leases left by an earlier process: %w", err)
	}
	return res.ModifiedCount, nil
}

// PruneLeases deletes every lease that expired before before and returns how
// many went. Deleting the latest attempt makes its resource claimable from
// attempt 1 again, so before must lie far enough back (a day) that no claimer
// still acts on what it read then, and it suits resources that are not
// worked on again after that long: past cron ticks, outbox messages (whose
// dispatcher re-reads the message's status after claiming).
func (s *Store) PruneLeases(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.leases().DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: before}}}})
	if err != nil {
		return 0, fmt.Errorf("prune leases expired before %s: %w", before.Format(time.RFC3339), err)
	}
	return res.DeletedCount, nil
}

// Leases returns every attempt at claiming resource, oldest first; tests and
// operators use it to see who held what.
func (s *Store) Leases(ctx context.Context, resource string) ([]models.Lease, error) {
	opts := options.Find().SetSort(bson.D{{Key: "attempt", Value: 1}})
	list, err := findAll[models.Lease](ctx, s.leases(), bson.D{{Key: "resource", Value: resource}}, opts)
	if err != nil {
		return nil, fmt.Errorf("list leases of %s: %w", resource, err)
	}
	return list, nil
}
