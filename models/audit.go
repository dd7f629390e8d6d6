package models

import "time"

// AuditEntry records one change made through the API: who (ActorID), when
// (At), what (Action, e.g. "request.update"), to which document (Entity,
// EntityID) and a short "before → after" Summary. Entries are written once
// and never changed; old ones move to an archive collection.
type AuditEntry struct {
	ID        string    `bson:"_id" json:"id"`
	At        time.Time `bson:"at" json:"at"`
	ActorID   string    `bson:"actor_id,omitempty" json:"actor_id,omitempty"`
	ActorRole Role      `bson:"actor_role,omitempty" json:"actor_role,omitempty"`
	Action    string    `bson:"action" json:"action"`
	Entity    string    `bson:"entity" json:"entity"`
	EntityID  string    `bson:"entity_id,omitempty" json:"entity_id,omitempty"`
	Summary   string    `bson:"summary,omitempty" json:"summary,omitempty"`
	// Method, Route and Status are the HTTP call that made the change, so
	// an entry can always be traced to its request (RequestID) in the logs.
	Method    string `bson:"method" json:"method"`
	Route     string `bson:"route" json:"route"`
	Status    int    `bson:"status" json:"status"`
	RequestID string `bson:"request_id,omitempty" json:"request_id,omitempty"`
}

// AuditFilter narrows a list of audit entries; zero fields do not filter.
type AuditFilter struct {
	Entity   string
	EntityID string
	ActorID  string
	// Since keeps the entries made at or after it.
	Since time.Time
}
