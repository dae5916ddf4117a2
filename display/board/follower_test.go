package board

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lotse/hub/api"
)

// fakeHub speaks the stream protocol: each WebSocket connection plays the
// next script (messages to send, then drop or stay open with pings).
type fakeHub struct {
	t       *testing.T
	mu      sync.Mutex
	scripts []script
	sinces  []string // the since of each connection, "" when absent
	auth    []string // the Authorization header of each connection
	down    chan struct{}
}

// restart drops every open connection, as a hub that stops does.
func (h *fakeHub) restart() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down != nil {
		close(h.down)
	}
	h.down = make(chan struct{})
}

type script struct {
	send []any
	drop bool // close after sending; otherwise ping until the client leaves
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/v1/offices":
		json.NewEncoder(w).Encode([]api.Office{{ID: "mitte", Name: "Bürgerbüro Mitte"}, {ID: "nord"}})
		return
	case "/api/v1/offices/mitte/stream":
	default:
		http.NotFound(w, r)
		return
	}
	conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	h.mu.Lock()
	h.sinces = append(h.sinces, r.URL.Query().Get("since"))
	h.auth = append(h.auth, r.Header.Get("Authorization"))
	if h.down == nil {
		h.down = make(chan struct{})
	}
	down := h.down
	sc := script{}
	if len(h.scripts) > 0 {
		sc, h.scripts = h.scripts[0], h.scripts[1:]
	}
	h.mu.Unlock()
	for _, m := range sc.send {
		if err := conn.WriteJSON(m); err != nil {
			return
		}
	}
	if sc.drop {
		return
	}
	// Read in the background to notice the client closing.
	gone := make(chan struct{})
	go func() {
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				close(gone)
				return
			}
		}
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-gone:
			return
		case <-down:
			return
		case <-tick.C:
			if conn.WriteJSON(api.Ping{Type: api.TypePing}) != nil {
				return
			}
		}
	}
}

func (h *fakeHub) connections() ([]string, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.sinces), slices.Clone(h.auth)
}

// boardSink is a Sink over a Board, guarded for the test's reads.
type boardSink struct {
	mu        sync.Mutex
	b         Board
	announced []string
}

func (s *boardSink) Apply(m api.Message) Outcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, calls := s.b.Apply(m, time.Now())
	for _, c := range calls {
		s.announced = append(s.announced, c.Number)
	}
	return out
}

func (s *boardSink) Connected() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Touch(time.Now())
}

func (s *boardSink) Seq() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Seq
}

func (s *boardSink) calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return numbers(&s.b)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func snap(seq int64, calls ...api.Call) api.Snapshot {
	return *snapshot(seq, calls...).Snapshot
}

func called(seq int64, ticket, number, counter string) api.Event {
	return *event(seq, api.EventCalled, ticket, number, counter).Event
}

func TestFollower(t *testing.T) {
	tests := []struct {
		name    string
		office  string
		scripts []script
		seq     int64
		sinces  []string
		calls   []string
	}{
		{
			name:   "resumes with since after a disconnect",
			office: "mitte",
			scripts: []script{
				{send: []any{snap(5), called(6, "t1", "A001", "c1"), called(7, "t2", "A002", "c2")}, drop: true},
				{send: []any{called(8, "t3", "A003", "c1")}},
			},
			seq:    8,
			sinces: []string{"", "7"},
			calls:  []string{"A003@Schalter 1*", "A002@Schalter 2*", "A001@Schalter 1"},
		},
		{
			name:   "gap leads to a fresh snapshot",
			office: "mitte",
			scripts: []script{
				{send: []any{snap(5), called(7, "t2", "A002", "c2")}},
				{send: []any{snap(10, api.Call{Ticket: "t2", Number: "A002", Counter: "c2", CounterName: "Schalter 2", At: t0})}},
			},
			seq:    10,
			sinces: []string{"", ""},
			calls:  []string{"A002@Schalter 2*"},
		},
		{
			name:   "duplicates after resuming are ignored",
			office: "mitte",
			scripts: []script{
				{send: []any{snap(5), called(6, "t1", "A001", "c1")}, drop: true},
				{send: []any{called(6, "t1", "A001", "c1"), called(7, "t2", "A002", "c2")}},
			},
			seq:    7,
			sinces: []string{"", "6"},
			calls:  []string{"A002@Schalter 2*", "A001@Schalter 1*"},
		},
		{
			name:    "without an office it follows the first the hub lists",
			scripts: []script{{send: []any{snap(3)}}},
			seq:     3,
			sinces:  []string{""},
		},
		{
			name:   "retries while the hub refuses, then connects",
			office: "mitte",
			scripts: []script{
				{drop: true}, {drop: true},
				{send: []any{snap(4)}},
			},
			seq:    4,
			sinces: []string{"", "", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hub := &fakeHub{t: t, scripts: tt.scripts}
			srv := httptest.NewServer(hub)
			defer srv.Close()
			sink := &boardSink{}
			f := &Follower{
				Client: api.NewClient(srv.URL, "demo"), Office: tt.office, Sink: sink,
				MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, Log: quiet,
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { f.Run(ctx); close(done) }()
			waitFor(t, "the board to reach its seq", func() bool {
				sinces, _ := hub.connections()
				return sink.Seq() == tt.seq && len(sinces) >= len(tt.sinces)
			})
			cancel()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("Run did not return after cancel")
			}
			sinces, auth := hub.connections()
			if !slices.Equal(sinces[:len(tt.sinces)], tt.sinces) {
				t.Errorf("since per connection %q, want %q", sinces, tt.sinces)
			}
			if auth[0] != "Bearer demo" {
				t.Errorf("authorization %q", auth[0])
			}
			if got := sink.calls(); !slices.Equal(got, tt.calls) {
				t.Errorf("calls %q, want %q", got, tt.calls)
			}
		})
	}
}

// TestFollowerSurvivesHubRestart drops every connection of a hub that is
// then replaced by a new one at the same address, the way a restarted hub
// comes back: the board must show the new state soon after.
func TestFollowerSurvivesHubRestart(t *testing.T) {
	hub := &fakeHub{t: t, scripts: []script{
		{send: []any{snap(5)}},
		{send: []any{snap(9, api.Call{Ticket: "t9", Number: "B009", Counter: "c1", CounterName: "Schalter 1", At: t0})}},
	}}
	srv := httptest.NewServer(hub)
	defer srv.Close()
	sink := &boardSink{}
	f := &Follower{Client: api.NewClient(srv.URL, "demo"), Office: "mitte", Sink: sink, MinBackoff: 10 * time.Millisecond, Log: quiet}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.Run(ctx)
	waitFor(t, "the first snapshot", func() bool { return sink.Seq() == 5 })
	hub.restart()
	waitFor(t, "the state after the restart", func() bool { return sink.Seq() == 9 })
	if got := sink.calls(); !slices.Equal(got, []string{"B009@Schalter 1*"}) {
		t.Fatalf("calls %q", got)
	}
	// The board had state before, so the call it missed is announced.
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if !slices.Equal(sink.announced, []string{"B009"}) {
		t.Fatalf("announced %q", sink.announced)
	}
}
