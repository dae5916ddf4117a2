package main

import (
	"testing"
	"time"

	"lotse/display/board"
	"lotse/hub/api"
	"lotse/hub/clocktest"
)

// nopSink is a board that takes every message.
type nopSink struct{ connected int }

func (*nopSink) Apply(api.Message) board.Outcome { return board.Applied }
func (*nopSink) Seq() int64                      { return 0 }
func (s *nopSink) Connected()                    { s.connected++ }

// TestStreamWatch: the display reports its stream connected while
// messages (pings included) come, and lost once the board would warn.
func TestStreamWatch(t *testing.T) {
	clock := clocktest.New(time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC))
	sink := &nopSink{}
	w := &streamWatch{Sink: sink, now: clock.Now}
	steps := []struct {
		name    string
		advance time.Duration
		do      func()
		want    api.Link
	}{
		{"before the first connection", 0, nil, api.LinkDisconnected},
		{"connected", time.Second, w.Connected, api.LinkConnected},
		{"quiet but within a ping", board.StaleAfter, nil, api.LinkConnected},
		{"quiet too long", time.Nanosecond, nil, api.LinkDisconnected},
		{"a ping", time.Minute, func() { w.Apply(api.Message{Ping: &api.Ping{}}) }, api.LinkConnected},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		if s.do != nil {
			s.do()
		}
		st := w.status()
		if st.Stream != s.want || st.Kind != api.DeviceDisplay || st.Printer != api.PrinterNone || st.Scanner != api.LinkNone {
			t.Errorf("%s: %+v, want stream %q", s.name, st, s.want)
		}
	}
	if sink.connected != 1 {
		t.Errorf("the board heard of %d connections, want 1", sink.connected)
	}
}
