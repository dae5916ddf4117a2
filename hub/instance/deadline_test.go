package instance

import (
	"errors"
	"net"
	"testing"
	"time"
)

// deadlineConn records the deadlines set on it.
type deadlineConn struct {
	net.Conn
	calls []string
	fail  bool
}

func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	c.calls = append(c.calls, "write "+t.Format(time.TimeOnly))
	if c.fail {
		return errors.New("closed")
	}
	return nil
}

func (c *deadlineConn) SetDeadline(t time.Time) error {
	c.calls = append(c.calls, "both "+t.Format(time.TimeOnly))
	return nil
}

type oneConnListener struct {
	net.Listener
	c net.Conn
}

func (l oneConnListener) Accept() (net.Conn, error) { return l.c, nil }

func TestSteadyDeadlinesPassOnlyChanges(t *testing.T) {
	t1 := time.Date(2026, 12, 2, 10, 0, 4, 0, time.UTC)
	t2 := t1.Add(2 * time.Second)
	type step struct {
		both bool // SetDeadline instead of SetWriteDeadline
		at   time.Time
		fail bool // the socket refuses it
	}
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{"a new connection has no deadline", []step{{at: time.Time{}}}, nil},
		{"the same deadline again is set once", []step{{at: t1}, {at: t1}, {at: t1}}, []string{"write 10:00:04"}},
		{"a renewed deadline is set", []step{{at: t1}, {at: t1}, {at: t2}, {at: t2}}, []string{"write 10:00:04", "write 10:00:06"}},
		{"clearing it is set", []step{{at: t1}, {at: time.Time{}}, {at: time.Time{}}}, []string{"write 10:00:04", "write 00:00:00"}},
		{"after both were cleared the old one is set again", []step{{at: t1}, {both: true, at: time.Time{}}, {at: t1}},
			[]string{"write 10:00:04", "both 00:00:00", "write 10:00:04"}},
		{"after a failed call it is tried again", []step{{at: t1, fail: true}, {at: t1}}, []string{"write 10:00:04", "write 10:00:04"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := &deadlineConn{}
			c, err := steadyDeadlines(oneConnListener{c: inner}).Accept()
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.steps {
				inner.fail = s.fail
				if s.both {
					err = c.SetDeadline(s.at)
				} else {
					err = c.SetWriteDeadline(s.at)
				}
				if (err != nil) != s.fail {
					t.Fatalf("setting %v: error %v, want failure %v", s.at, err, s.fail)
				}
			}
			if len(inner.calls) != len(tt.want) {
				t.Fatalf("the socket got %q, want %q", inner.calls, tt.want)
			}
			for i := range tt.want {
				if inner.calls[i] != tt.want[i] {
					t.Fatalf("the socket got %q, want %q", inner.calls, tt.want)
				}
			}
		})
	}
}
