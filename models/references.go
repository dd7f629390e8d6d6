package models

// References is what still points at a trainer or a clinic, a few documents
// of each kind, so that a refused delete can say what to change first.
type References struct {
	// Users are the accounts linked to it.
	Users Sample[User]
	// Clinics are the clinics that prefer the trainer (trainers only).
	Clinics Sample[Clinic]
	// Requests are the open requests pinned to the trainer, or the open
	// requests of the clinic; done and cancelled ones are history.
	Requests Sample[Request]
	// Visits are the scheduled visits, earliest first.
	Visits Sample[Visit]
}

// Sample is the first few documents of a kind and how many there are in
// all, so that a message can name some and count the rest.
type Sample[T any] struct {
	Items []T
	Total int64
}

// OpenStatuses are the statuses of requests still being worked on.
func OpenStatuses() []Status {
	var open []Status
	for _, s := range Statuses {
		if s.Open() {
			open = append(open, s)
		}
	}
	return open
}
