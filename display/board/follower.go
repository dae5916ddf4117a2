package board

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"lotse/hub/api"
)

// Sink takes the stream's messages in order. Board (through Screen) is
// the sink of the display.
type Sink interface {
	// Apply applies one message and says what it did; Seq is where the
	// sink stands afterwards, so the follower resumes from there.
	Apply(m api.Message) Outcome
	Seq() int64
	// Connected says that a connection is open: proof of life before the
	// first message, which after a resume without missed events is the
	// next ping, seconds later.
	Connected()
}

// Follower keeps a sink current with an office's stream: it connects,
// resumes with since after a disconnect, resubscribes for a fresh snapshot
// after a gap, and retries with backoff while the hub is away.
type Follower struct {
	Client *api.Client
	// Office is the office to follow; empty means the first office the hub
	// lists, looked up on each connect until it is known.
	Office string
	Sink   Sink
	Log    *slog.Logger

	// MinBackoff and MaxBackoff bound the wait between attempts; zero
	// means the stream clients' policy (api.ReconnectMin and
	// api.ReconnectMax). Tests shorten them.
	MinBackoff, MaxBackoff time.Duration
	// ReadTimeout closes a connection that stays silent this long (default
	// 10 s; the hub sends an event or a ping at least every 5 s).
	ReadTimeout time.Duration
}

// errGap ends a connection whose events skipped a seq; errDayTurned one
// whose office turned the day. Both are followed by a fresh snapshot.
var (
	errGap       = errors.New("gap in the event sequence")
	errDayTurned = errors.New("the day turned")
)

// Run follows the stream until ctx ends.
func (f *Follower) Run(ctx context.Context) {
	log := f.logger()
	backoff := api.Backoff{Min: f.MinBackoff, Max: f.MaxBackoff}
	fresh := false // the next connection must start with a snapshot
	down := false  // logged that the hub is unreachable
	for ctx.Err() == nil {
		since := f.Sink.Seq()
		if fresh {
			since = 0
		}
		received, err := f.follow(ctx, since)
		fresh = errors.Is(err, errGap) || errors.Is(err, errDayTurned)
		if ctx.Err() != nil {
			return
		}
		if received {
			backoff.Reset()
			down = false
		}
		switch {
		case fresh:
			log.Info("resubscribing for a fresh snapshot", "office", f.Office, "reason", err)
			continue
		case !down:
			log.Warn("stream lost; reconnecting", "office", f.Office, "err", err)
			down = true
		}
		t := time.NewTimer(backoff.Next())
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// follow runs one connection. received says whether any message came.
func (f *Follower) follow(ctx context.Context, since int64) (received bool, err error) {
	if f.Office == "" {
		offices, err := f.Client.Offices(ctx)
		if err != nil {
			return false, fmt.Errorf("list offices: %w", err)
		}
		if len(offices) == 0 {
			return false, errors.New("the hub lists no office")
		}
		f.Office = offices[0].ID
	}
	s, err := f.Client.Stream(ctx, f.Office, since)
	if err != nil {
		return false, err
	}
	f.logger().Info("stream connected", "office", f.Office, "since", since)
	f.Sink.Connected()
	s.ReadTimeout = f.ReadTimeout
	if s.ReadTimeout <= 0 {
		s.ReadTimeout = 10 * time.Second
	}
	// Closing the connection is the only way to interrupt a blocked read.
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	defer s.Close()
	for {
		m, err := s.Next()
		if err != nil {
			return received, err
		}
		received = true
		switch f.Sink.Apply(m) {
		case Gap:
			return received, errGap
		case DayTurned:
			return received, errDayTurned
		}
	}
}

func (f *Follower) logger() *slog.Logger {
	if f.Log != nil {
		return f.Log
	}
	return slog.Default()
}
