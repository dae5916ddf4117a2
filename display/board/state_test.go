package board

import (
	"testing"
	"time"

	"lotse/hub/api"
)

var t0 = time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)

func snapshot(seq int64, calls ...api.Call) api.Message {
	s := &api.Snapshot{
		Type:   api.TypeSnapshot,
		Seq:    seq,
		Office: api.OfficeRef{ID: "mitte", Name: "Bürgerbüro Mitte"},
		Counters: []api.CounterState{
			{ID: "c1", Name: "Schalter 1", Open: true},
			{ID: "c2", Name: "Schalter 2", Open: true},
		},
		Waiting: []api.ServiceWait{{Service: "anm", Name: "Anmeldung", Waiting: 3, WaitMinutes: 12}},
		Calls:   calls,
	}
	for _, c := range calls {
		for i := range s.Counters {
			if s.Counters[i].ID == c.Counter && s.Counters[i].Ticket == nil {
				s.Counters[i].Ticket = &api.Ticket{ID: c.Ticket, Number: c.Number, State: api.StateCalled}
			}
		}
	}
	return api.Message{Snapshot: s}
}

func event(seq int64, typ, ticket, number, counter string) api.Message {
	e := &api.Event{Type: typ, Seq: seq, At: t0.Add(time.Duration(seq) * time.Second)}
	if ticket != "" {
		state := map[string]string{api.EventCalled: api.StateCalled, api.EventRecalled: api.StateCalled, api.EventStarted: api.StateServing,
			api.EventFinished: api.StateDone, api.EventMissed: api.StateMissed}[typ]
		e.Ticket = &api.Ticket{ID: ticket, Number: number, State: state, Counter: counter}
	}
	return api.Message{Event: e}
}

func ping() api.Message { return api.Message{Ping: &api.Ping{Type: api.TypePing}} }

// numbers lists the board's calls as "number@counter", with "*" for active.
func numbers(b *Board) []string {
	var out []string
	for _, c := range b.Calls {
		s := c.Number + "@" + c.CounterName
		if c.Active {
			s += "*"
		}
		if c.Recall {
			s += "(r)"
		}
		out = append(out, s)
	}
	return out
}

// The reduction of the stream (snapshots, events, duplicates, gaps, the
// day turn) is tested by the shared board cases (cases_test.go), which the
// web board plays too.

func TestBoardHistoryIsBounded(t *testing.T) {
	b := Board{History: 3}
	b.Apply(snapshot(1), t0)
	for i := int64(2); i < 10; i++ {
		b.Apply(event(i, api.EventCalled, "t"+string(rune('a'+i)), "A00"+string(rune('0'+i)), "c1"), t0)
	}
	if len(b.Calls) != 3 || b.Calls[0].Number != "A009" {
		t.Fatalf("calls %q", numbers(&b))
	}
}

func TestBoardStale(t *testing.T) {
	tests := []struct {
		name string
		last time.Duration // since t0; -1: no message yet
		now  time.Duration
		want bool
	}{
		{"just started", -1, time.Second, false},
		{"never connected", -1, StaleAfter + time.Second, true},
		{"fresh ping", 10 * time.Second, 12 * time.Second, false},
		{"pings stopped", 10 * time.Second, 10*time.Second + StaleAfter + time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Board
			if tt.last >= 0 {
				b.Apply(ping(), t0.Add(tt.last))
			}
			if got := b.Stale(t0.Add(tt.now), t0); got != tt.want {
				t.Fatalf("stale %v, want %v", got, tt.want)
			}
		})
	}
}

// An office whose day has no event yet sends a snapshot at seq 0; the
// first event after it is no gap, and the board counts as connected.
func TestSnapshotAtSeqZero(t *testing.T) {
	var b Board
	now := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	if out, _ := b.Apply(api.Message{Snapshot: &api.Snapshot{Type: api.TypeSnapshot, Seq: 0, Office: api.OfficeRef{ID: "o", Name: "O"}}}, now); out != Applied || !b.Ready {
		t.Fatalf("snapshot at seq 0: %v, ready %v", out, b.Ready)
	}
	if out, _ := b.Apply(api.Message{Ping: &api.Ping{Type: api.TypePing, Seq: 0}}, now); out != Pinged {
		t.Fatalf("ping at seq 0: %v", out)
	}
	ev := &api.Event{Type: api.EventWalkedIn, Seq: 1, At: now, Ticket: &api.Ticket{ID: "t", Number: "A001", State: api.StateWaiting}}
	if out, _ := b.Apply(api.Message{Event: ev}, now); out != Applied || b.Seq != 1 {
		t.Fatalf("first event after a seq-0 snapshot: %v at seq %d", out, b.Seq)
	}
}

// TestEventsWithoutWaitingLinesKeepThem: the hub sends the waiting lines
// with the last event of a batch only (docs/api.md, Stream); the events
// before it carry none and must not empty the board's lines.
func TestEventsWithoutWaitingLinesKeepThem(t *testing.T) {
	tests := []struct {
		name    string
		waiting []api.ServiceWait // the event's lines; nil: none
		want    int               // waiting for "anm" afterwards
	}{
		{"an event without lines keeps them", nil, 3},
		{"an event with lines replaces them", []api.ServiceWait{{Service: "anm", Name: "Anmeldung", Waiting: 5, WaitMinutes: 20}}, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b Board
			b.Apply(snapshot(1), t0)
			m := event(2, api.EventAppointmentNoShow, "", "", "")
			m.Event.Waiting = tc.waiting
			if out, _ := b.Apply(m, t0); out != Applied {
				t.Fatalf("event: %v", out)
			}
			if len(b.Waiting) != 1 || b.Waiting[0].Waiting != tc.want {
				t.Fatalf("waiting lines after the event: %+v, want anm %d", b.Waiting, tc.want)
			}
		})
	}
}
