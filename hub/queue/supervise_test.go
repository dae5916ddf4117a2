package queue_test

import (
	"slices"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestUnserved: the manager's "stranded" alert lists exactly the waiting
// tickets no serving counter would call the ordinary way, whatever made
// their counters stop: a pause or nobody present.
//
//	c1: pass, anm    c2: anm, fz    c3: fz
func TestUnserved(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fixture)
		want  []string
	}{
		{"every counter open and present", nil, nil},
		{"one of two fz counters paused", func(f *fixture) { f.must("c3", queue.ActPause) }, nil},
		{"both fz counters paused", func(f *fixture) {
			f.must("c2", queue.ActPause)
			f.must("c3", queue.ActPause)
		}, []string{"f"}},
		{"only c1 has a clerk", func(f *fixture) {
			f.q.TrackPresence()
			f.q.Staff("s1", "c1", clock("18:00"))
		}, []string{"f"}},
		{"nobody present", func(f *fixture) { f.q.TrackPresence() }, []string{"p", "a", "f"}},
		{"c3 present and open", func(f *fixture) {
			f.q.TrackPresence()
			f.q.Staff("s3", "c3", clock("18:00"))
		}, []string{"p", "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			for _, w := range [][2]string{{"p", "pass"}, {"a", "anm"}, {"f", "fz"}} {
				f.walkIn(w[0], w[1])
			}
			if tt.setup != nil {
				tt.setup(f)
			}
			var got []string
			for _, tk := range f.q.Unserved() {
				got = append(got, f.labels[tk.ID])
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("unserved %v, want %v", got, tt.want)
			}
			for _, c := range []string{"c1", "c2", "c3"} {
				cs := f.q.Counters()[slices.IndexFunc(f.q.Counters(), func(s queue.CounterState) bool { return s.ID == c })]
				if got, want := f.q.Serving(c), cs.Open && f.q.Staffed(c); got != want {
					t.Errorf("Serving(%s) = %v, want open and staffed (%v)", c, got, want)
				}
			}
		})
	}
}

// TestWaitingSince: a wait begins at arrival, for an appointment not
// before its start, and again at a transfer.
func TestWaitingSince(t *testing.T) {
	at := func(hhmm string) time.Time { return clock(hhmm) }
	tests := []struct {
		name string
		t    queue.Ticket
		want time.Time
	}{
		{"walk-in", queue.Ticket{Arrived: at("09:00")}, at("09:00")},
		{"appointment, early", queue.Ticket{Arrived: at("09:00"), AppointmentStart: at("09:20")}, at("09:20")},
		{"appointment, late", queue.Ticket{Arrived: at("09:30"), AppointmentStart: at("09:20")}, at("09:30")},
		{"transferred", queue.Ticket{Arrived: at("09:00"), AppointmentStart: at("09:20"), Transferred: at("09:45")}, at("09:45")},
	}
	for _, tt := range tests {
		if got := tt.t.WaitingSince(); !got.Equal(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
