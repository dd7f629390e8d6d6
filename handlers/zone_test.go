package handlers

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// TestInServiceZone: every time reachable in an answer (fields, pointers,
// slices, maps, interfaces, embedded structs) is shown in the service's
// zone, the zero time stays zero, and the caller's value is not changed.
func TestInServiceZone(t *testing.T) {
	type inner struct {
		At  *time.Time           `json:"at"`
		Any any                  `json:"any"`
		ByK map[string]time.Time `json:"by_k"`
	}
	type doc struct {
		models.Availability
		When   time.Time `json:"when"`
		Zero   time.Time `json:"zero"`
		Inner  []inner   `json:"inner"`
		hidden time.Time
	}
	utc := time.Date(2026, 12, 7, 6, 30, 0, 0, time.UTC)
	at := utc.Add(time.Hour)
	in := &doc{When: utc, Inner: []inner{{At: &at, Any: utc, ByK: map[string]time.Time{"k": utc}}}, hidden: utc}
	loc := time.FixedZone("MSK", 3*3600)

	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Set(locationKey, loc)
	writeJSON(c, http.StatusOK, in)
	c.Writer.WriteHeaderNow()
	body := w.Body.String()
	for _, want := range []string{
		`"when":"2026-12-07T09:30:00+03:00"`, `"zero":"0001-01-01T00:00:00Z"`, `"at":"2026-12-07T10:30:00+03:00"`,
		`"any":"2026-12-07T09:30:00+03:00"`, `"by_k":{"k":"2026-12-07T09:30:00+03:00"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("answer lacks %s:\n%s", want, body)
		}
	}
	if in.When.Location() != time.UTC || in.Inner[0].At.Location() != time.UTC || in.Inner[0].ByK["k"].Location() != time.UTC ||
		in.Inner[0].Any.(time.Time).Location() != time.UTC {
		t.Errorf("the caller's value was changed: %+v", in)
	}
	var back doc
	if err := json.Unmarshal(w.Body.Bytes(), &back); err != nil || !back.When.Equal(utc) || !back.Inner[0].At.Equal(at) {
		t.Errorf("the instants changed: %+v, %v", back, err)
	}
}

// TestAPITimesCarryTheZone: a real answer shows its times with the
// service's offset (Europe/Moscow by default, +03:00).
func TestAPITimesCarryTheZone(t *testing.T) {
	e := newEnv(t)
	res := e.do(req{as: coord, method: http.MethodGet, path: "/api/v1/trainers/" + e.trainerA.ID}).want(t, http.StatusOK)
	var raw map[string]any
	if err := json.Unmarshal(res.body, &raw); err != nil {
		t.Fatal(err)
	}
	want := e.trainerA.CreatedAt.In(time.FixedZone("", 3*3600)).Format(time.RFC3339Nano)
	if raw["created_at"] != want || !strings.HasSuffix(want, "+03:00") {
		t.Errorf("created_at %v, want %s", raw["created_at"], want)
	}
}
