package publish

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/fieldvisit/fieldvisit/models"
)

// A request closed as done while its visit was still scheduled (the
// status route, or an older version of the service) is history: a later
// plan without it neither cancels the visit nor mails anyone about it.
func TestPublishLeavesDoneRequestsAlone(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	v1 := w.draft(t, w.route(w.a, 0, w.stop(w.r1, 0, 10, 0), w.stop(w.r2, 0, 11, 30)))
	w.publish(t, v1)
	r1, err := w.st.Request(ctx, w.r1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.SetRequestStatus(ctx, r1.ID, r1.Version, models.StatusDone); err != nil {
		t.Fatal(err)
	}
	before := w.outbox(t)
	v2 := w.draft(t, w.route(w.a, 0, w.stop(w.r2, 0, 11, 30)))
	preview, err := w.pub.Preview(ctx, week, v2, 0)
	if err != nil {
		t.Fatal(err)
	}
	res := w.publish(t, v2)
	if res.Cancelled+res.Moved+res.Created+res.Enqueued != 0 || len(preview.Dropped)+len(preview.Mails) != 0 {
		t.Errorf("a plan without the done request: publication %+v, preview %+v", res, preview)
	}
	if got := newKeys(before, w.outbox(t)); len(got) != 0 {
		t.Errorf("mails about a done request: %q", got)
	}
	if v := w.visit(t, w.r1); v.Status != models.VisitScheduled || v.PlanVersion != v1 {
		t.Errorf("the visit of the done request was rewritten: %+v", v)
	}
}

// The preview is what publishing does: visits, counts and mail keys.
func TestPreviewIsPublication(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	v1 := w.draft(t, w.route(w.a, 0, w.stop(w.r1, 0, 10, 0), w.stop(w.r2, 0, 11, 30)), w.route(w.b, 1, w.stop(w.r3, 1, 9, 0)))
	w.publish(t, v1)
	// r1 five minutes later, r2 to B, r3 dropped.
	v2 := w.draft(t, w.route(w.a, 0, w.stop(w.r1, 0, 10, 5)), w.route(w.b, 1, w.stop(w.r2, 1, 14, 0)))
	before := w.outbox(t)
	cs, err := w.pub.Preview(ctx, week, v2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := w.pub.Preview(ctx, week, v2, 0); err != nil || len(again.Mails) != len(cs.Mails) {
		t.Fatalf("a second preview differs (%v): the first wrote something", err)
	}
	if got := newKeys(before, w.outbox(t)); len(got) != 0 {
		t.Fatalf("the preview enqueued %q", got)
	}
	ids := func(cs []VisitChange) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.RequestID)
		}
		slices.Sort(out)
		return out
	}
	if got := ids(cs.Moved); !slices.Equal(got, sorted(w.r1.ID, w.r2.ID)) {
		t.Errorf("moved %q; a five-minute shift is a move", got)
	}
	if got := ids(cs.Dropped); !slices.Equal(got, []string{w.r3.ID}) || cs.Dropped[0].Reason == "" {
		t.Errorf("dropped %+v", cs.Dropped)
	}
	for _, m := range cs.Moved {
		if m.From == nil || m.To == nil || m.From.Start.Equal(m.To.Start) && m.From.TrainerID == m.To.TrainerID {
			t.Errorf("move of %s from %+v to %+v", m.RequestID, m.From, m.To)
		}
	}
	if cs.KPIs.Changes != 3 {
		t.Errorf("kpi changes %d, want 3", cs.KPIs.Changes)
	}
	res := w.publish(t, v2)
	if res.Moved != len(cs.Moved) || res.Cancelled != len(cs.Dropped) || res.Created != len(cs.Added) || res.Unchanged != cs.Unchanged {
		t.Errorf("publication %+v, preview %+v", res, cs)
	}
	if got, want := newKeys(before, w.outbox(t)), mailKeysOf(cs.Mails); !slices.Equal(got, want) {
		t.Errorf("enqueued %q, previewed %q", got, want)
	}

	// Version 1 is superseded now: publishing it is refused, and so is
	// previewing its publication.
	if _, err := w.pub.Preview(ctx, week, v1, 0); !errors.Is(err, models.ErrConflict) {
		t.Errorf("preview of a superseded version: %v, want a conflict", err)
	}

	// Against version 1 as if it were booked: the same changes.
	against, err := w.pub.Preview(ctx, week, v2, v1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(against.Moved), ids(cs.Moved)) || !slices.Equal(ids(against.Dropped), ids(cs.Dropped)) || against.Against != v1 {
		t.Errorf("against version 1: %+v", against)
	}
}

func mailKeysOf(ms []PlannedMail) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Key)
	}
	slices.Sort(out)
	return out
}
