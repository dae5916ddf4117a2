package main

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"lotse/display/board"
	"lotse/hub/api"
	"lotse/internal/heartbeat"
)

// streamWatch passes the stream's messages to the board and notes when
// the stream last showed life, for the display's health report. The hub
// sends an event or a ping at least every 5 s, so a connection that has
// said nothing for board.StaleAfter is gone, as the board's own warning
// judges it.
type streamWatch struct {
	board.Sink
	now  func() time.Time
	last atomic.Int64 // Unix nanoseconds of the last message or connect; 0: never
}

// Apply notes the message and hands it on.
func (s *streamWatch) Apply(m api.Message) board.Outcome {
	s.touch()
	return s.Sink.Apply(m)
}

// Connected notes the connection and hands it on.
func (s *streamWatch) Connected() {
	s.touch()
	s.Sink.Connected()
}

func (s *streamWatch) touch() { s.last.Store(s.now().UnixNano()) }

// status is the display's health: no printer, no scanner, the stream.
func (s *streamWatch) status() api.DeviceStatus {
	st := api.DeviceStatus{Kind: api.DeviceDisplay, Printer: api.PrinterNone, Scanner: api.LinkNone, Stream: api.LinkDisconnected}
	if last := s.last.Load(); last != 0 && s.now().Sub(time.Unix(0, last)) <= board.StaleAfter {
		st.Stream = api.LinkConnected
	}
	return st
}

// reportHealth reports the display's health to the hub every 5 s until
// ctx ends; a hub that cannot be reached costs the board nothing.
func reportHealth(ctx context.Context, cfg board.Config, watch *streamWatch, log *slog.Logger) {
	heartbeat.New(api.NewClient(cfg.Hub, cfg.Token), cfg.Office, watch.status, log).Run(ctx)
}
