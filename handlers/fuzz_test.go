package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// decodeRequestBody is the create path of a request body without the
// store: strict decoding, defaults, validation.
func decodeRequestBody(body []byte, today models.Date) (*models.Request, error) {
	var p RequestParams
	if err := decodeBytes(body, &p); err != nil {
		return nil, err
	}
	r := &models.Request{Status: models.StatusNew}
	p.apply(r, today)
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// inputError reports whether err is one of the two answers bad input may
// get: unreadable (400) or invalid (422).
func inputError(err error) bool {
	var bad *badRequestError
	var invalid *models.ValidationError
	return errors.As(err, &bad) || errors.As(err, &invalid)
}

func FuzzDecodeRequest(f *testing.F) {
	for _, seed := range []string{
		`{"clinic_id":"0123456789abcdef01234567","kind":"micro_training","topic":"Calls","participants":4}`,
		`{"clinic_id":"0123456789abcdef01234567","kind":"onsite_support","topic":"Queue","skills":["a","b"],"duration_minutes":60,` +
			`"preferred_windows":{"mon":[{"start":"09:00","end":"12:00"}]},"earliest_date":"2025-03-10","due_date":"2025-03-21","priority":"urgent",` +
			`"pin":{"trainer_id":"0123456789abcdef01234568","date":"2025-03-11","start":"10:30"}}`,
		`{"clinic_id":"0123456789abcdef01234567","kind":"follow_up","topic":"x","earliest_date":"2025-02-30"}`,
		`{"kind":"difficult_case","topic":"x","due_date":"2025-01-01","earliest_date":"2025-02-01"}`,
		`{"preferred_windows":{"tue":[{"start":"24:00","end":"09:00"},{"start":"08:00","end":"10:00"}]}}`,
		`{"duration_minutes":1e400}`,
		`{"pin":{"start":"99:99"}}`,
		`{"topic":"\u0000","skills":[""]}`,
		`{"a":1}`, `[]`, `null`, `{} {}`, `{"kind":`,
		`{"clinic_id":"0123456789abcdef01234567","kind":"follow_up","topic":"x","topic":"y"}`,
		`{"clinic_id":"0123456789abcdef01234567","kind":"follow_up","Topic":"x"}`,
		`{"clinic_id":"0123456789abcdef01234567","kind":"follow_up","topic":"x","PIN":{"trainer_id":"0123456789abcdef01234568"}}`,
		`{"clinic_id":"0123456789abcdef01234567","kind":"follow_up","topic":"x","pin":{"date":"2025-03-11","date":"2025-03-12"}}`,
		`{"clinic_id":"0123456789abcdef01234567","kind":"follow_up","topic":"x","preferred_windows":{"mon":[{"start":"09:00","end":"12:00","End":"13:00"}]}}`,
	} {
		f.Add([]byte(seed))
	}
	const today = models.Date("2025-03-05")
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeRequestBody(body, today)
		if err != nil {
			if !inputError(err) {
				t.Fatalf("unexpected kind of error %T: %v", err, err)
			}
			return
		}
		if dup, cased := suspectKeys(body); dup != "" || cased != "" {
			t.Fatalf("accepted a body with key %q twice or key %q not in lower case", dup, cased)
		}
		if r.Status != models.StatusNew || r.DurationMinutes < 15 || r.DueDate < r.EarliestDate || r.Skills == nil {
			t.Fatalf("accepted an invalid request: %+v", r)
		}
		// A valid request written back as params decodes to the same request.
		p := RequestParams{ClinicID: r.ClinicID, Kind: r.Kind, Topic: r.Topic, Skills: r.Skills, DurationMinutes: &r.DurationMinutes,
			PreferredWindows: r.PreferredWindows, EarliestDate: r.EarliestDate, DueDate: r.DueDate, Priority: r.Priority,
			Participants: r.Participants, Comment: r.Comment, Pin: r.Pin}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := decodeRequestBody(again, today)
		if err != nil {
			t.Fatalf("re-encoded valid request refused: %v\n%s", err, again)
		}
		a, _ := json.Marshal(r)
		b, _ := json.Marshal(r2)
		if !bytes.Equal(a, b) {
			t.Fatalf("round trip changed the request:\n%s\n%s", a, b)
		}
	})
}

func FuzzDecodeAvailability(f *testing.F) {
	for _, seed := range []string{
		`{"weekly":{"mon":[{"start":"09:00","end":"13:00"},{"start":"14:00","end":"18:00"}]},"lunch":{"earliest":"12:00","latest":"14:00","minutes":30}}`,
		`{"weekly":{},"overrides":[{"date":"2025-03-11","off":true},{"date":"2025-03-12","windows":[{"start":"10:00","end":"24:00"}]}],"version":3}`,
		`{"weekly":{"fri":[{"start":"12:00","end":"09:00"}]}}`,
		`{"weekly":{"sat":[{"start":"09:00","end":"12:00"},{"start":"11:00","end":"13:00"}]}}`,
		`{"overrides":[{"date":"2025-03-11","off":true,"windows":[{"start":"09:00","end":"10:00"}]}]}`,
		`{"overrides":[{"date":"tomorrow"}]}`,
		`{"lunch":{"earliest":"13:00","latest":"12:00","minutes":0}}`,
		`{"weekly":{"mon":[{"start":9,"end":"10:00"}]}}`,
		`{"weekly":{"mon":[{"start":"09:00","end":"10:00"}]},"extra":true}`,
		`{}`, `null`, `"x"`, `{"weekly":`,
		`{"weekly":{"mon":[{"start":"09:00","end":"13:00"}],"mon":[]}}`,
		`{"Weekly":{"mon":[{"start":"09:00","end":"13:00"}]}}`,
		`{"overrides":[{"date":"2025-03-11","Off":true}]}`,
		`{"lunch":{"earliest":"12:00","latest":"14:00","minutes":30,"minutes":0}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, _, err := decodeAvailability(body)
		if err != nil {
			if !inputError(err) {
				t.Fatalf("unexpected kind of error %T: %v", err, err)
			}
			return
		}
		if dup, cased := suspectKeys(body); dup != "" || cased != "" {
			t.Fatalf("accepted a body with key %q twice or key %q not in lower case", dup, cased)
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("accepted invalid availability: %v", err)
		}
		again, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		a2, _, err := decodeAvailability(again)
		if err != nil {
			t.Fatalf("re-encoded valid availability refused: %v\n%s", err, again)
		}
		b, _ := json.Marshal(a2)
		if !bytes.Equal(again, b) {
			t.Fatalf("round trip changed the availability:\n%s\n%s", again, b)
		}
		// Every window of a valid availability runs forwards.
		for d := range 7 {
			for _, w := range a.Weekly.Day(time.Weekday(d)) {
				if w.End <= w.Start {
					t.Fatalf("accepted backwards window %v", w)
				}
			}
		}
	})
}

// suspectKeys is the fuzz targets' own account of the keys in body, written
// independently of checkKeys: a key given twice in one object, and a key
// with an upper-case letter (every field of the request and availability
// bodies is lower case, and neither holds a map). Both must be refused.
func suspectKeys(body []byte) (dup, cased string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var objects []map[string]bool // the keys seen in each open object
	expectKey := func() bool { return len(objects) > 0 && objects[len(objects)-1] != nil }
	var inKey []bool // per open container: is the next string a key?
	for {
		tok, err := dec.Token()
		if err != nil {
			return dup, cased
		}
		switch tok {
		case json.Delim('{'):
			objects = append(objects, map[string]bool{})
			inKey = append(inKey, true)
			continue
		case json.Delim('['):
			objects = append(objects, nil)
			inKey = append(inKey, false)
			continue
		case json.Delim('}'), json.Delim(']'):
			objects, inKey = objects[:len(objects)-1], inKey[:len(inKey)-1]
		default:
			if k, ok := tok.(string); ok && expectKey() && inKey[len(inKey)-1] {
				seen := objects[len(objects)-1]
				if seen[k] && dup == "" {
					dup = k
				}
				if strings.ToLower(k) != k && cased == "" {
					cased = k
				}
				seen[k] = true
				inKey[len(inKey)-1] = false
				continue
			}
		}
		// A value ended: in an object, a key comes next.
		if len(inKey) > 0 && objects[len(objects)-1] != nil {
			inKey[len(inKey)-1] = true
		}
	}
}
