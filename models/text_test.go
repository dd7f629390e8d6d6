package models

import (
	"errors"
	"strings"
	"testing"
)

func TestControlCharacter(t *testing.T) {
	for _, tc := range []struct {
		s         string
		multiline bool
		bad       bool
	}{
		{"plain text, кириллица", false, false},
		{"a\tb", false, true},
		{"a\nb", false, true},
		{"a\nb\tc\r\nd", true, false},
		{"a\rb", true, true},
		{"trailing\r", true, true},
		{"nul\x00", true, true},
		{"c1\u0085", true, true},
		{"del\x7f", true, true},
	} {
		if _, bad := ControlCharacter(tc.s, tc.multiline); bad != tc.bad {
			t.Errorf("ControlCharacter(%q, %v) = %v, want %v", tc.s, tc.multiline, bad, tc.bad)
		}
	}
}

// TestValidateRefusesControlCharacters: validation itself refuses them, so
// pages and the command line, which do not go through the JSON decoder,
// are covered too.
func TestValidateRefusesControlCharacters(t *testing.T) {
	r := &Request{ClinicID: strings.Repeat("a", 24), Kind: KindFollowUp, Topic: "Calls\x00", Skills: []string{},
		DurationMinutes: 60, EarliestDate: "2025-03-10", DueDate: "2025-03-21", Priority: PriorityNormal, Status: StatusNew,
		Comment: "line\nline"}
	var v *ValidationError
	if err := r.Validate(); !errors.As(err, &v) || len(v.Fields) != 1 || v.Fields[0].Field != "topic" {
		t.Fatalf("Validate = %v, want only the topic refused", err)
	}
	u := &User{Email: "a@example.org", Name: "A\x1b", Role: RoleCoordinator, Lang: "en"}
	if err := u.Validate(); !errors.As(err, &v) || v.Fields[0].Field != "name" {
		t.Fatalf("Validate = %v, want the name refused", err)
	}
}
