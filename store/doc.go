// Package store persists Fieldvisit's documents in MongoDB through the
// official driver, and can start the embedded FerretDB server the service
// uses when no MongoDB is configured.
//
// The code keeps to what MongoDB and the embedded server both do right (see
// DESIGN.md): no transactions, single-document atomic updates guarded by a
// version field, uniqueness through unique indexes, and driver errors
// translated here into models.ErrNotFound and models.ErrConflict so that no
// caller needs the driver.
//
// On the embedded server, where this process is the only writer, a Store
// from WithReadModel answers reads from an in-memory copy of the hot
// collections kept up to date by every write (readmodel.go); every read
// keeps its database query for MongoDB, where the copy is off.
package store
