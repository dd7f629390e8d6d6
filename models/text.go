package models

import (
	"strings"
	"unicode/utf8"
)

// Length limits of the text people enter, in characters (Unicode code
// points, what the OpenAPI maxLength counts), never bytes: a Cyrillic topic
// may use all of its 200 characters although each takes two bytes.
const (
	MaxNameLength    = 200
	MaxTopicLength   = 200
	MaxSkillLength   = 64
	MaxTextLength    = 4000
	MaxAddressLength = 500
	MaxShortLength   = 100 // phone, district, token names, an override's note
	MaxEmailLength   = 254 // RFC 5321: a path of 256 octets with its brackets
	MaxLocalLength   = 64  // RFC 5321: the part before the @
)

// TextLength is the length of s as the limits above count it.
func TextLength(s string) int { return utf8.RuneCountInString(s) }

// validateText checks a text field: required or not, and at most max
// characters.
func validateText(v *ValidationError, field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "is required")
	case TextLength(s) > max:
		v.Add(field, "must be at most %d characters, not %d", max, TextLength(s))
	}
}
