package office_test

import (
	"context"
	"testing"
	"time"

	"lotse/hub/clocktest"
	"lotse/hub/office"
	"lotse/hub/queue"
)

// TestNoteSurvivesARestart: the note on a stranded ticket that was called
// is stored with it, so the clerk still sees it after a restart.
func TestNoteSurvivesARestart(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, "")
	c := clocktest.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	l, stop := start(t, db, c, nil)
	if _, err := walkIn(ctx, l); err != nil {
		t.Fatal(err)
	}
	for _, a := range []queue.Action{
		{Counter: "c1", Kind: queue.ActNext},
		{Counter: "c1", Kind: queue.ActTransfer, ToCounter: "c2"},
		{Counter: "c2", Kind: queue.ActPause},
		{Counter: "c1", Kind: queue.ActNext},
	} {
		if _, err := office.Do(ctx, l, func(q *queue.Queue, now time.Time) (queue.Ticket, []queue.Event, error) { return q.Do(now, a) }); err != nil {
			t.Fatalf("%s at %s: %v", a.Kind, a.Counter, err)
		}
	}
	stop()
	st, _, err := db.LoadState(ctx, "o")
	if err != nil || len(st.Tickets) != 1 || st.Tickets[0].Note != queue.NoteTargetClosed || st.Tickets[0].Counter != "c1" {
		t.Fatalf("stored tickets %+v, %v", st.Tickets, err)
	}
}
