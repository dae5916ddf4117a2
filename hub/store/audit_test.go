package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lotse/hub/queue"
	"lotse/hub/store"
)

// TestAuditTrail: entries are found by ticket (as the board writes it or
// as someone types it), account, counter, action and period, newest
// first; a purge takes the old ones of every office.
func TestAuditTrail(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "a.db"))
	defer db.Close()
	e := func(min int, account, counter, action, ticket string) store.AuditEntry {
		return store.AuditEntry{Office: "o", At: t0.Add(time.Duration(min) * time.Minute), Account: account, Counter: counter, Action: action, Ticket: ticket}
	}
	old := store.AuditEntry{Office: "p", At: t0.AddDate(0, 0, -100), Account: "x", Counter: "c9", Action: "next", Ticket: "B001"}
	// The purge goes office by office along the trail's key: old lines
	// of offices before and after the others must go too.
	oldFirst, oldLast := old, old
	oldFirst.Office, oldLast.Office = "a", "z"
	if err := db.AddAudit(ctx, old, oldFirst, e(0, "anna", "c1", "next", "A042"), e(1, "anna", "c1", "recall", "A042"),
		e(2, "anna", "c1", "park", "A042"), e(5, "ben", "c2", "call", "A042"), e(6, "ben", "c2", "finish", "A042"),
		e(7, "ben", "c2", "emergency", ""), oldLast); err != nil {
		t.Fatal(err)
	}
	// Lines of the same instant (a batch's, or a fake clock's) are all
	// kept, the later one first.
	if err := db.AddAudit(ctx, e(9, "cem", "c3", "next", "A050")); err != nil {
		t.Fatal(err)
	}
	if err := db.AddAudit(ctx, e(9, "cem", "c3", "recall", "A050")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    store.AuditFilter
		want string
	}{
		{"by ticket", store.AuditFilter{Ticket: "A042"}, "ben finish A042, ben call A042, anna park A042, anna recall A042, anna next A042"},
		{"ticket as typed", store.AuditFilter{Ticket: " a 042 "}, "ben finish A042, ben call A042, anna park A042, anna recall A042, anna next A042"},
		{"who called it", store.AuditFilter{Ticket: "A042", Action: "call"}, "ben call A042"},
		{"by account", store.AuditFilter{Account: "anna", Limit: 2}, "anna park A042, anna recall A042"},
		{"by counter", store.AuditFilter{Counter: "c2"}, "ben emergency , ben finish A042, ben call A042"},
		{"by period", store.AuditFilter{From: t0.Add(2 * time.Minute), To: t0.Add(6 * time.Minute)}, "ben call A042, anna park A042"},
		{"other office", store.AuditFilter{Office: "p"}, "x next B001"},
		{"same instant", store.AuditFilter{Counter: "c3"}, "cem recall A050, cem next A050"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.f.Office == "" {
				tt.f.Office = "o"
			}
			got, err := db.Audit(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, x := range got {
				s = append(s, x.Account+" "+x.Action+" "+x.Ticket)
			}
			if strings.Join(s, ", ") != tt.want {
				t.Fatalf("got %q, want %q", strings.Join(s, ", "), tt.want)
			}
		})
	}
	n, err := db.PurgeAudit(ctx, t0.AddDate(0, 0, -90))
	if err != nil || n != 3 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	for _, office := range []string{"a", "p", "z"} {
		if got, _ := db.Audit(ctx, store.AuditFilter{Office: office}); len(got) != 0 {
			t.Fatalf("after the purge, office %s: %+v", office, got)
		}
	}
	if got, _ := db.Audit(ctx, store.AuditFilter{Office: "o"}); len(got) != 8 {
		t.Fatalf("the purge took recent lines: %d left of 8", len(got))
	}
}

// TestOutcomesAndHandoverStored: a finished ticket's outcome is counted
// per day and service, its row keeps outcome and handover note, the
// event log (which screens resume from) never holds the note, and the
// day's purge takes the note while the counts stay.
func TestOutcomesAndHandoverStored(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "o.db"))
	defer db.Close()
	const note = "Frau M. bringt den Mietvertrag nach"
	tk := queue.Ticket{ID: "o-1", Office: "o", Day: "2026-03-10", N: 1, Number: "A001", State: queue.Waiting,
		Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Arrived: t0, Handover: note}
	done := tk
	done.State, done.Counter, done.Called, done.Started, done.Ended = queue.Done, "c1", t0.Add(time.Minute), t0.Add(2*time.Minute), t0.Add(9*time.Minute)
	done.Outcome = "documents_missing"
	events := []queue.Event{
		{Seq: 1, Office: "o", Type: queue.TicketTransferred, At: t0, Ticket: &tk},
		{Seq: 2, Office: "o", Type: queue.TicketFinished, At: done.Ended, Ticket: &done, Counter: &queue.CounterState{ID: "c1", Open: true}},
	}
	if err := db.Commit(ctx, "o", store.Batch{Events: events, Day: "2026-03-10", Seq: 2, LastNumber: 1}); err != nil {
		t.Fatal(err)
	}
	st, _, err := db.LoadState(ctx, "o")
	if err != nil || len(st.Tickets) != 1 || st.Tickets[0].Outcome != "documents_missing" || st.Tickets[0].Handover != note {
		t.Fatalf("loaded %+v, %v", st.Tickets, err)
	}
	logged, err := db.EventsSince(ctx, "o", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range logged {
		if e.Ticket != nil && e.Ticket.Handover != "" {
			t.Fatalf("the event log holds the note: %+v", e.Ticket)
		}
	}
	counts, err := db.OutcomeCounts(ctx, "o", "2026-03-10", "2026-03-10")
	if err != nil || len(counts) != 1 || counts[0].Service != "s" || counts[0].Outcome != "documents_missing" || counts[0].N != 1 {
		t.Fatalf("counts %+v, %v", counts, err)
	}
	if _, err := db.Purge(ctx, "o", "2026-03-11"); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := db.LoadState(ctx, "o"); len(st.Tickets) != 0 {
		t.Fatalf("purged, the ticket stays: %+v", st.Tickets)
	}
	if counts, _ := db.OutcomeCounts(ctx, "o", "2026-03-10", "2026-03-10"); len(counts) != 1 {
		t.Fatalf("the purge took the counts: %+v", counts)
	}
}
