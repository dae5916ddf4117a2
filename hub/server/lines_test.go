package server

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lotse/hub/api"
)

// TestStreamEventsCarryWhatChanged: a screen keeps a snapshot's waiting
// lines and puts each event's lines in their place (api.Event.Waiting).
// Over a real stream, a walk-in's and a call's events carry only the line
// of their service, a ticket event no counter state, and what a screen
// makes of them is what a new snapshot shows.
func TestStreamEventsCarryWhatChanged(t *testing.T) {
	h := newTestHub(t)
	o := h.Offices[0]
	const service = "meldebescheinigung"
	counter := ""
	for _, c := range o.Counters {
		if c.Serves(service) {
			counter = c.ID
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, snap := watchStream(t, h, o.ID)
	if len(snap.Waiting) < 2 {
		t.Fatalf("the demo office shows %d waiting lines; the test needs several", len(snap.Waiting))
	}
	board := snap.Waiting

	// until reads the stream up to an event of type until and puts each
	// event's lines on board; strict: a walk-in or a call must carry
	// only the line of its service.
	until := func(until string, strict bool) {
		t.Helper()
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			var e struct {
				api.Event
				Counter json.RawMessage `json:"counter"`
			}
			if err := json.Unmarshal(data, &e); err != nil {
				t.Fatal(err)
			}
			if e.Type == api.TypePing {
				continue
			}
			if e.Ticket != nil && e.Counter != nil {
				t.Errorf("%s event carries the counter's state: %s", e.Type, data)
			}
			if strict && (e.Type == api.EventWalkedIn || e.Type == api.EventCalled) {
				var got []string
				for _, w := range e.Waiting {
					got = append(got, w.Service)
				}
				if !slices.Equal(got, []string{service}) {
					t.Errorf("%s event carries the lines of %v, want only %s's: %s", e.Type, got, service, data)
				}
				t.Logf("%s event: %d bytes", e.Type, len(data))
			}
			board = api.MergeLines(board, e.Waiting)
			if e.Type == until {
				return
			}
		}
	}
	// The clerk's first action staffs the counter, which changes the
	// estimates of every service it serves.
	h.WalkIn(t, o.ID, service)
	h.act(t, o.ID, counter, api.ActionNext)
	h.act(t, o.ID, counter, api.ActionFinish)
	until(api.EventFinished, false)
	h.WalkIn(t, o.ID, service)
	h.act(t, o.ID, counter, api.ActionNext)
	until(api.EventCalled, true)
	now, err := h.Device().Queue(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(board, now.Waiting) {
		t.Errorf("a screen shows the lines\n%+v\na new snapshot shows\n%+v", board, now.Waiting)
	}
}

// TestEventsAreLean: a ticket's times are whole milliseconds wherever the
// API sends them, and an event's ticket names no services, while the
// answer to whoever drew it does (the kiosk prints them); see
// api.Event.Ticket.
func TestEventsAreLean(t *testing.T) {
	h := newTestHub(t)
	o := h.Offices[0]
	const service = "meldebescheinigung"
	conn, _ := watchStream(t, h, o.ID)
	h.Clock.Advance(1234567 * time.Nanosecond) // a time with digits below the millisecond
	drawn := h.WalkIn(t, o.ID, service)
	if len(drawn.Services) != 1 || drawn.Services[0].Name == "" {
		t.Errorf("the walk-in's answer names its services %+v, want the service's name", drawn.Services)
	}
	want := h.Clock.Now().Truncate(time.Millisecond)
	if !drawn.Arrived.Equal(want) {
		t.Errorf("the walk-in's answer says arrived %s, want %s", drawn.Arrived.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
	for {
		var e api.Event
		if err := conn.ReadJSON(&e); err != nil {
			t.Fatal(err)
		}
		if e.Type != api.EventWalkedIn {
			continue
		}
		if e.Ticket == nil || e.Ticket.ID != drawn.ID {
			t.Fatalf("walked_in event carries ticket %+v, want %s", e.Ticket, drawn.ID)
		}
		if !e.At.Equal(want) || !e.Ticket.Arrived.Equal(want) {
			t.Errorf("walked_in event at %s, ticket arrived %s, want both %s",
				e.At.Format(time.RFC3339Nano), e.Ticket.Arrived.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
		}
		for _, s := range e.Ticket.Services {
			if s.Name != "" {
				t.Errorf("walked_in event names the ticket's service %s %q, want its id only", s.Service, s.Name)
			}
		}
		return
	}
}

// watchStream opens office's stream as a screen does, with the demo
// device token, and reads its snapshot. The connection closes with the
// test; reads give up after 30 s.
func watchStream(t *testing.T, h *testHub, office string) (*websocket.Conn, api.Snapshot) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, h.Device().StreamURL(office, 0), http.Header{"Authorization": {"Bearer demo"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	var snap api.Snapshot
	if err := conn.ReadJSON(&snap); err != nil {
		t.Fatal(err)
	}
	return conn, snap
}
