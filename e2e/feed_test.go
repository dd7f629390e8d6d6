package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/fieldvisit/fieldvisit/handlers"
	"github.com/fieldvisit/fieldvisit/models"
)

// checkFeed serves the API, asks for trainer's feed URL as a coordinator
// and reads the feed without logging in: it must list exactly the
// trainer's scheduled visits, at their times, with their UIDs and
// sequences.
func (s *service) checkFeed(t *testing.T, trainerID string) {
	t.Helper()
	ctx := context.Background()
	api, err := handlers.New(handlers.Config{Store: s.st, Location: s.loc, Feeds: s.Composer, Publisher: s.Publisher})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(api.Handler())
	defer hs.Close()

	coordinator := &models.User{Email: "coordinator@fieldvisit.test", Name: "Coordinator", Role: models.RoleCoordinator, Lang: "ru"}
	if err := s.st.CreateUser(ctx, coordinator); err != nil {
		t.Fatal(err)
	}
	secret, hash := handlers.NewToken()
	if err := s.st.CreateToken(ctx, &models.Token{Hash: hash, UserID: coordinator.ID, Kind: models.TokenAPI,
		ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	get := func(path, token string) (int, []byte) {
		req, err := http.NewRequest(http.MethodGet, hs.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, body
	}

	code, body := get("/api/v1/trainers/"+trainerID+"/feed-token", secret)
	var tok handlers.FeedToken
	if code != http.StatusOK || json.Unmarshal(body, &tok) != nil {
		t.Fatalf("feed token: %d %s", code, body)
	}
	u, err := url.Parse(tok.URL)
	if err != nil {
		t.Fatal(err)
	}
	code, body = get(u.Path, "")
	if code != http.StatusOK {
		t.Fatalf("feed: %d %s", code, body)
	}
	cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, body)
	}
	if m := cal.Props.Get(ical.PropMethod); m == nil || m.Value != "PUBLISH" {
		t.Errorf("feed METHOD %v, want PUBLISH", m)
	}
	var got []event
	for _, ac := range []attachedCalendar{{mimeMethod: "PUBLISH", cal: cal}} {
		got = append(got, calendarEvents(t, ac)...)
	}
	visits, err := s.st.Visits(ctx, models.VisitFilter{TrainerID: trainerID, Statuses: []models.VisitStatus{models.VisitScheduled}})
	if err != nil {
		t.Fatal(err)
	}
	var want []event
	for _, v := range visits {
		want = append(want, event{method: "PUBLISH", uid: v.UID, sequence: v.Sequence, status: "CONFIRMED",
			start: v.Start.UTC().Format("2006-01-02T15:04:05Z")})
	}
	byUID := func(a, b event) int {
		if a.uid < b.uid {
			return -1
		}
		if a.uid > b.uid {
			return 1
		}
		return 0
	}
	slices.SortFunc(got, byUID)
	slices.SortFunc(want, byUID)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("feed of trainer %s:\n got %+v\nwant %+v", trainerID, got, want)
	}
}
