package board

import (
	"slices"
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

func withNotice(m api.Message, notice string) api.Message {
	m.Snapshot.Notice = notice
	return m
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

func TestBoardApply(t *testing.T) {
	older := api.Call{Ticket: "t1", Number: "A001", Counter: "c1", CounterName: "Schalter 1", At: t0}
	tests := []struct {
		name      string
		msgs      []api.Message
		outcomes  []Outcome
		seq       int64
		calls     []string
		announced []string
		notice    string
	}{
		{
			name:     "snapshot fills the board without announcing",
			msgs:     []api.Message{snapshot(7, older)},
			outcomes: []Outcome{Applied},
			seq:      7,
			calls:    []string{"A001@Schalter 1*"},
		},
		{
			name:      "call goes on top and is announced",
			msgs:      []api.Message{snapshot(7, older), event(8, api.EventCalled, "t2", "B002", "c2")},
			outcomes:  []Outcome{Applied, Applied},
			seq:       8,
			calls:     []string{"B002@Schalter 2*", "A001@Schalter 1*"},
			announced: []string{"B002@Schalter 2*"},
		},
		{
			name:      "a new call at the same counter ends the old one",
			msgs:      []api.Message{snapshot(7, older), event(8, api.EventCalled, "t2", "B002", "c1")},
			outcomes:  []Outcome{Applied, Applied},
			seq:       8,
			calls:     []string{"B002@Schalter 1*", "A001@Schalter 1"},
			announced: []string{"B002@Schalter 1*"},
		},
		{
			name:      "duplicate event is ignored",
			msgs:      []api.Message{snapshot(7, older), event(8, api.EventCalled, "t2", "B002", "c2"), event(8, api.EventCalled, "t2", "B002", "c2"), event(3, api.EventCalled, "t9", "X009", "c2")},
			outcomes:  []Outcome{Applied, Applied, Duplicate, Duplicate},
			seq:       8,
			calls:     []string{"B002@Schalter 2*", "A001@Schalter 1*"},
			announced: []string{"B002@Schalter 2*"},
		},
		{
			name:     "gap is reported and not applied",
			msgs:     []api.Message{snapshot(7, older), event(9, api.EventCalled, "t2", "B002", "c2")},
			outcomes: []Outcome{Applied, Gap},
			seq:      7,
			calls:    []string{"A001@Schalter 1*"},
		},
		{
			name:     "event before any snapshot is a gap",
			msgs:     []api.Message{event(1, api.EventCalled, "t2", "B002", "c2")},
			outcomes: []Outcome{Gap},
			seq:      0,
		},
		{
			name:      "recall moves the call on top again and is announced again",
			msgs:      []api.Message{snapshot(7, older), event(8, api.EventCalled, "t2", "B002", "c2"), event(9, api.EventRecalled, "t1", "A001", "c1")},
			outcomes:  []Outcome{Applied, Applied, Applied},
			seq:       9,
			calls:     []string{"A001@Schalter 1*(r)", "B002@Schalter 2*"},
			announced: []string{"B002@Schalter 2*", "A001@Schalter 1*(r)"},
		},
		{
			name:     "finished call stays as history, inactive",
			msgs:     []api.Message{snapshot(7, older), event(8, api.EventStarted, "t1", "A001", "c1"), event(9, api.EventFinished, "t1", "A001", "c1")},
			outcomes: []Outcome{Applied, Applied, Applied},
			seq:      9,
			calls:    []string{"A001@Schalter 1"},
		},
		{
			name:     "ping changes nothing but liveness",
			msgs:     []api.Message{snapshot(7, older), ping()},
			outcomes: []Outcome{Applied, Pinged},
			seq:      7,
			calls:    []string{"A001@Schalter 1*"},
		},
		{
			name:     "the snapshot's notice sets the ticker and an event keeps it",
			msgs:     []api.Message{withNotice(snapshot(7), "Heute bis 14 Uhr"), event(8, api.EventWalkedIn, "t2", "B002", "")},
			outcomes: []Outcome{Applied, Applied},
			seq:      8,
			notice:   "Heute bis 14 Uhr",
		},
		{
			name: "fresh snapshot after a gap announces the calls it missed",
			msgs: []api.Message{
				snapshot(7, older),
				snapshot(12, api.Call{Ticket: "t3", Number: "C003", Counter: "c2", CounterName: "Schalter 2", At: t0.Add(time.Minute)}, older),
			},
			outcomes:  []Outcome{Applied, Applied},
			seq:       12,
			calls:     []string{"C003@Schalter 2*", "A001@Schalter 1*"},
			announced: []string{"C003@Schalter 2*"},
		},
		{
			name:      "snapshot after a hub restart replaces everything, even with a lower seq",
			msgs:      []api.Message{snapshot(7, older), event(8, api.EventCalled, "t2", "B002", "c2"), snapshot(2)},
			outcomes:  []Outcome{Applied, Applied, Applied},
			seq:       2,
			announced: []string{"B002@Schalter 2*"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Board
			var announced []Call
			for i, m := range tt.msgs {
				out, calls := b.Apply(m, t0)
				if out != tt.outcomes[i] {
					t.Errorf("message %d: outcome %v, want %v", i, out, tt.outcomes[i])
				}
				announced = append(announced, calls...)
			}
			if b.Seq != tt.seq {
				t.Errorf("seq %d, want %d", b.Seq, tt.seq)
			}
			if got := numbers(&b); !slices.Equal(got, tt.calls) {
				t.Errorf("calls %q, want %q", got, tt.calls)
			}
			if got := numbers(&Board{Calls: announced}); !slices.Equal(got, tt.announced) {
				t.Errorf("announced %q, want %q", got, tt.announced)
			}
			if b.Notice != tt.notice {
				t.Errorf("notice %q, want %q", b.Notice, tt.notice)
			}
		})
	}
}

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
