package handlers

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
)

// TestConcurrentUpdates races 20 clients updating the same request with
// the same If-Match, round after round: each round exactly one wins, the
// rest get 409, and the winner's change is what is stored.
func TestConcurrentUpdates(t *testing.T) {
	e := newEnv(t)
	const (
		clients = 20
		rounds  = 5
	)
	path := "/api/v1/requests/" + e.requestA.ID
	for round := range rounds {
		version := int64(round + 1)
		statuses := make([]int, clients)
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				body := requestBody(e.clinicA.ID)
				body["topic"] = fmt.Sprintf("round %d client %d", round, c)
				statuses[c] = e.do(req{as: coord, method: http.MethodPut, path: path, body: body, header: ifMatch(version)}).status
			})
		}
		wg.Wait()
		winner, conflicts := -1, 0
		for c, s := range statuses {
			switch s {
			case http.StatusOK:
				if winner >= 0 {
					t.Fatalf("round %d: clients %d and %d both won", round, winner, c)
				}
				winner = c
			case http.StatusConflict:
				conflicts++
			default:
				t.Fatalf("round %d: client %d got %d", round, c, s)
			}
		}
		if winner < 0 || conflicts != clients-1 {
			t.Fatalf("round %d: winner %d, %d conflicts", round, winner, conflicts)
		}
		var got models.Request
		e.do(req{as: coord, method: http.MethodGet, path: path}).want(t, http.StatusOK).decode(t, &got)
		if want := fmt.Sprintf("round %d client %d", round, winner); got.Topic != want || got.Version != version+1 {
			t.Fatalf("round %d: stored topic %q version %d, want %q version %d", round, got.Topic, got.Version, want, version+1)
		}
	}
	var final models.Request
	e.do(req{as: coord, method: http.MethodGet, path: path}).want(t, http.StatusOK).decode(t, &final)
	if final.Version != rounds+1 {
		t.Errorf("final version %d, want %d", final.Version, rounds+1)
	}
}
