package models

import (
	"strings"
	"unicode"
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

// ControlCharacter returns the first control character in s that a field
// may not hold, and whether there is one. A single-line field (a name, a
// topic) holds none; a multi-line one (a comment, notes) may break lines
// and indent: newline, tab, and a carriage return right before a newline,
// which is how HTML forms send line breaks.
func ControlCharacter(s string, multiline bool) (rune, bool) {
	for i, r := range s {
		if !unicode.IsControl(r) {
			continue
		}
		if multiline && (r == '\n' || r == '\t' || r == '\r' && strings.HasPrefix(s[i+1:], "\n")) {
			continue
		}
		return r, true
	}
	return 0, false
}

// validateText checks a one-line text field: required or not, at most max
// characters, and without control characters.
func validateText(v *ValidationError, field, s string, max int, required bool) {
	validateTextLines(v, field, s, max, required, false)
}

// validateTextLines is validateText for a field that may also hold several
// lines (multiline: line breaks and tabs are allowed).
func validateTextLines(v *ValidationError, field, s string, max int, required, multiline bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "is required")
	case TextLength(s) > max:
		v.Add(field, "must be at most %d characters, not %d", max, TextLength(s))
	}
	if r, bad := ControlCharacter(s, multiline); bad {
		if multiline {
			v.Add(field, "must not contain control characters other than line breaks and tabs (found %U)", r)
		} else {
			v.Add(field, "must be one line without control characters (found %U)", r)
		}
	}
}
