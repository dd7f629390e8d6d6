package models

// Page asks for one page of a list ordered by id (ids grow with creation
// time, so the order is stable and new documents land at the end).
type Page struct {
	// After is the last id of the previous page; empty for the first page.
	After string
	// Limit is the page size, 1..MaxPageSize.
	Limit int
}

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// RequestFilter narrows a list of requests; zero fields do not filter.
type RequestFilter struct {
	Statuses []Status
	ClinicID string
	// From and To bound the requests whose [earliest, due] range meets
	// [From, To]; a week filter sets them to its Monday and Sunday.
	From, To Date
	Priority Priority
	Kind     Kind
	// IDs, when not nil, keeps only these requests (none when empty): what
	// a trainer may see.
	IDs []string
}

// TrainerFilter narrows a list of trainers.
type TrainerFilter struct {
	Skill string
}

// ClinicFilter narrows a list of clinics.
type ClinicFilter struct {
	District string
}
