package store

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestStatusTokens: a ticket's status token is stored with it, leads back
// to it (also after a restart), stays out of the event log, and is gone
// from the files with the purge of its day.
func TestStatusTokens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lotse.db")
	open := func() *DB { return openAt(t, path) }
	db := open()
	at := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	tokens := map[string]string{"2026-03-10": "YesterdayTokenXXXXXXXX", "2026-03-11": "TodayToken-XXXXXXXXXXX"}
	var seq int64
	for _, day := range []string{"2026-03-10", "2026-03-11"} {
		seq++
		tk := queue.Ticket{ID: "o-" + day + "-0001", Office: "o", Day: day, N: 1, Number: "A001", State: queue.Waiting,
			Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Arrived: at, StatusToken: tokens[day]}
		called := tk
		called.State, called.Counter = queue.Called, "c1"
		if err := db.Commit(ctx, "o", Batch{Events: []queue.Event{
			{Seq: seq, Office: "o", Type: queue.WalkedIn, At: at, Ticket: &tk},
			{Seq: seq + 1, Office: "o", Type: queue.TicketCalled, At: at, Ticket: &called},
		}, Day: day, Seq: seq + 1, LastNumber: 1}); err != nil {
			t.Fatal(err)
		}
		seq++
	}
	for _, tc := range []struct {
		token, wantTicket string
	}{
		{tokens["2026-03-11"], "o-2026-03-11-0001"},
		{tokens["2026-03-10"], "o-2026-03-10-0001"},
		{"NoSuchTokenXXXXXXXXXXX", ""},
		{"", ""},
	} {
		ref, err := db.TicketByToken(ctx, tc.token)
		if tc.wantTicket == "" {
			if queue.ErrorCode(err) != queue.NotFound {
				t.Errorf("token %q: %v, want not found", tc.token, err)
			}
			continue
		}
		if err != nil || ref.Ticket != tc.wantTicket || ref.Office != "o" {
			t.Errorf("token %q: %+v, %v; want %s", tc.token, ref, err, tc.wantTicket)
		}
	}
	// The update of the call keeps the token, and a restart reads it.
	st, _, err := db.LoadState(ctx, "o")
	if err != nil || len(st.Tickets) != 1 || st.Tickets[0].StatusToken != tokens["2026-03-11"] {
		t.Fatalf("restored tickets %+v, %v: want today's with its token", st.Tickets, err)
	}
	events, err := db.EventsSince(ctx, "o", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Ticket != nil && e.Ticket.StatusToken != "" {
			t.Fatalf("event %d carries the token", e.Seq)
		}
	}
	if _, err := db.Purge(ctx, "o", "2026-03-11"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TicketByToken(ctx, tokens["2026-03-10"]); queue.ErrorCode(err) != queue.NotFound {
		t.Errorf("yesterday's token after the purge: %v, want not found", err)
	}
	db.Close()
	raw := rawFiles(t, path)
	if bytes.Contains(raw, []byte(tokens["2026-03-10"])) {
		t.Error("a purged token is still in the database files")
	}
	if !bytes.Contains(raw, []byte(tokens["2026-03-11"])) {
		t.Fatal("today's token is not in the files: the search cannot see anything")
	}

	// After a restart the tokens are found again; the purged one is not.
	db = open()
	defer db.Close()
	if ref, err := db.TicketByToken(ctx, tokens["2026-03-11"]); err != nil || ref.Day != "2026-03-11" {
		t.Fatalf("today's token after a restart: %+v, %v", ref, err)
	}
	if _, err := db.TicketByToken(ctx, tokens["2026-03-10"]); queue.ErrorCode(err) != queue.NotFound {
		t.Errorf("the purged token after a restart: %v, want not found", err)
	}
	// A carry over midnight moves the ticket, and its token, to the new day.
	if err := db.Commit(ctx, "o", Batch{Day: "2026-03-12", Seq: seq, LastNumber: 1, CarryFrom: "2026-03-11"}); err != nil {
		t.Fatal(err)
	}
	if ref, err := db.TicketByToken(ctx, tokens["2026-03-11"]); err != nil || ref.Day != "2026-03-12" {
		t.Fatalf("the carried ticket's token: %+v, %v; want day 2026-03-12", ref, err)
	}
}
