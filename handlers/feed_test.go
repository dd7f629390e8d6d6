package handlers

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/fieldvisit/fieldvisit/models"
)

// TestTrainerFeedDescribesVisitsLikeTheMails: the feed's events carry the
// request's comment and the UID stored on the visit, as the mails do, and
// a visit whose clinic was deleted stays in the feed.
func TestTrainerFeedDescribesVisitsLikeTheMails(t *testing.T) {
	e := newEnv(t, withPlanning(t))
	ctx := context.Background()
	r := e.requestA
	r.Comment = "ring the bell twice"
	if err := e.st.UpdateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 3, 11, 9, 0, 0, 0, time.UTC)
	for _, v := range []*models.Visit{
		{ID: r.ID, RequestID: r.ID, ClinicID: e.clinicA.ID, UID: "legacy-uid@elsewhere"},
		{ID: "0123456789abcdef01234567", RequestID: "0123456789abcdef01234567", ClinicID: "0123456789abcdef0123dead"},
	} {
		v.TrainerID, v.Week, v.Date, v.Start, v.End = e.trainerB.ID, "2025-03-10", "2025-03-11", start, start.Add(time.Hour)
		v.Kind, v.Topic, v.Status = models.KindOnsiteSupport, "desk", models.VisitScheduled
		if err := e.st.CreateVisit(ctx, v); err != nil {
			t.Fatal(err)
		}
		start = start.Add(2 * time.Hour)
	}

	res := e.do(req{as: anonymous, method: http.MethodGet, path: "/feeds/" + e.feedSecret() + ".ics"}).want(t, http.StatusOK)
	cal, err := ical.NewDecoder(bytes.NewReader(res.body)).Decode()
	if err != nil {
		t.Fatalf("feed does not parse: %v\n%s", err, res.body)
	}
	events := cal.Events()
	if len(events) != 2 {
		t.Fatalf("%d events, want 2:\n%s", len(events), res.body)
	}
	withComment, orphan := events[0], events[1]
	if uid := withComment.Props.Get(ical.PropUID).Value; uid != "legacy-uid@elsewhere" {
		t.Errorf("UID %q, want the one stored on the visit", uid)
	}
	if desc, _ := withComment.Props.Text(ical.PropDescription); !strings.Contains(desc, "ring the bell twice") {
		t.Errorf("description lacks the request's comment: %q", desc)
	}
	if uid := orphan.Props.Get(ical.PropUID).Value; uid != models.VisitUID("0123456789abcdef01234567") {
		t.Errorf("UID of a visit stored without one %q", uid)
	}
}
