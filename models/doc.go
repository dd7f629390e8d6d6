// Package models holds Fieldvisit's domain types (trainers, clinics, support
// requests, users and tokens), their validation rules and the sentinel errors
// shared by storage and handlers.
//
// Models know nothing of MongoDB or HTTP: identifiers are strings (the hex form
// of an ObjectID), wall-clock times are minutes since local midnight, and
// calendar dates are civil dates in the service's time zone, so that
// "09:00 on Mondays" still means 09:00 local in a week with a clock change.
package models
