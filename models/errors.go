package models

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors returned by the store and mapped to HTTP statuses in exactly
// one place (handlers' error renderer).
var (
	// ErrNotFound means the document does not exist (or the caller may not know it does).
	ErrNotFound = errors.New("not found")
	// ErrConflict means a stale version, a duplicate unique key or an illegal state change.
	ErrConflict = errors.New("conflict")
	// ErrUnauthenticated means no valid credentials came with the request.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden means the caller's role does not allow the action.
	ErrForbidden = errors.New("forbidden")
)

// FieldError is one rejected input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every rejected field of one input; handlers answer it
// with 422 (or 400 for undecodable input).
type ValidationError struct {
	Fields []FieldError
}

// Error joins the field messages.
func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records a rejected field.
func (e *ValidationError) Add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns e as an error when it holds any field, else nil; it lets
// validators build errors unconditionally and return them once.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// ConflictError explains a conflict (which version was expected, which
// transition was refused) while still matching ErrConflict with errors.Is.
type ConflictError struct {
	Message string
}

// Error returns the message.
func (e *ConflictError) Error() string { return e.Message }

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }
