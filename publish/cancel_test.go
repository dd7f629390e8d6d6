package publish

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
)

// TestCancelVisitTellsAtOnce: a clinic cancels a request whose visit is
// published; the clinic's contacts and the trainer get a CANCEL at once,
// under the keys a publication would use, so the next publication of the
// week finds them queued and sends nothing more.
func TestCancelVisitTellsAtOnce(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	routes := []models.PlanRoute{w.route(w.a, 0, w.stop(w.r1, 0, 10, 0), w.stop(w.r2, 0, 11, 30)), w.route(w.b, 1, w.stop(w.r3, 1, 9, 0))}
	w.publish(t, w.draft(t, routes...))
	before := w.outbox(t)

	req, err := w.st.Request(ctx, w.r1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.SetRequestStatus(ctx, req.ID, req.Version, models.StatusCancelled); err != nil {
		t.Fatal(err)
	}
	cancelled, err := w.pub.CancelVisit(ctx, w.r1.ID)
	if err != nil || !cancelled {
		t.Fatalf("CancelVisit = %v, %v; want a cancelled visit", cancelled, err)
	}
	want := sorted(clinicKey(w.r1.ID, 1, "head1@clinic.example"), clinicKey(w.r1.ID, 1, "desk1@clinic.example"), trainerKey(w.r1.ID, 1, w.a.ID))
	after := w.outbox(t)
	if got := newKeys(before, after); !slices.Equal(got, want) {
		t.Fatalf("mails:\n got %q\nwant %q", got, want)
	}
	for _, k := range want {
		m := after[k]
		ics := string(m.Mail.Attachments[len(m.Mail.Attachments)-1].Data)
		if !containsAll(ics, "METHOD:CANCEL", "SEQUENCE:1", "UID:"+models.VisitUID(w.r1.ID)) {
			t.Errorf("%s carries no CANCEL of sequence 1 for the visit:\n%s", k, ics)
		}
	}
	if v := w.visit(t, w.r1); v.Status != models.VisitCancelled || v.Sequence != 1 {
		t.Errorf("visit is %s at sequence %d, want cancelled at 1", v.Status, v.Sequence)
	}

	// Again: nothing left to cancel, nothing sent.
	if again, err := w.pub.CancelVisit(ctx, w.r1.ID); err != nil || again {
		t.Errorf("second CancelVisit = %v, %v; want nothing to do", again, err)
	}
	// The next publication (its draft still names r1) adds no mail.
	w.publish(t, w.draft(t, routes...))
	if got := newKeys(after, w.outbox(t)); len(got) != 0 {
		t.Errorf("the next publication sent %q again", got)
	}
	// A request without a visit has nothing to cancel.
	if none, err := w.pub.CancelVisit(ctx, "ffffffffffffffffffffffff"); err != nil || none {
		t.Errorf("CancelVisit of an unbooked request = %v, %v", none, err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
