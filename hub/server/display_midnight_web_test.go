package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"lotse/hub/api"
)

// streamScript is what a scripted stream sends on one connection; drop
// closes the connection afterwards, otherwise it pings until the page
// leaves.
type streamScript struct {
	send []any
	drop bool
}

// scriptedStream serves an office's stream from scripts, one per
// connection, and everything else (the page, its texts and sounds) from a
// real hub behind it: the day turn a screen sees, without waiting for one.
type scriptedStream struct {
	hub http.Handler
	// push sends a message on the open connection whose script keeps it
	// open, when the test says so.
	push    chan any
	mu      sync.Mutex
	scripts []streamScript
	sinces  []string
}

func (s *scriptedStream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/stream") {
		s.hub.ServeHTTP(w, r)
		return
	}
	conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	s.mu.Lock()
	s.sinces = append(s.sinces, r.URL.Query().Get("since"))
	sc := streamScript{}
	if len(s.scripts) > 0 {
		sc, s.scripts = s.scripts[0], s.scripts[1:]
	}
	s.mu.Unlock()
	for _, m := range sc.send {
		if err := conn.WriteJSON(m); err != nil {
			return
		}
	}
	if sc.drop {
		return
	}
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-gone:
			return
		case m := <-s.push:
			if conn.WriteJSON(m) != nil {
				return
			}
		case <-tick.C:
			if conn.WriteJSON(api.Ping{Type: api.TypePing}) != nil {
				return
			}
		}
	}
}

func (s *scriptedStream) connections() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sinces...)
}

// TestWebDisplayAfterMidnight runs a web board that has followed the
// office since yesterday through the day turn, and one opened today, in
// headless Chromium: both must show the same board, and the old one must
// announce nothing the new one would not.
func TestWebDisplayAfterMidnight(t *testing.T) {
	h := newTestHub(t)
	b := newBrowser(t)
	hubURL, err := url.Parse(h.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(hubURL)

	const yesterday, today = "2026-03-02", "2026-03-03"
	t0 := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	call := func(ticket, number, counter string, at time.Time) api.Call {
		return api.Call{Ticket: ticket, Number: number, Counter: counter, CounterName: "Schalter " + counter[1:], At: at}
	}
	snap := func(day string, seq int64, waiting int, calls ...api.Call) api.Snapshot {
		s := api.Snapshot{Type: api.TypeSnapshot, Seq: seq, Day: day,
			Office:   api.OfficeRef{ID: "mitte", Name: "Bürgerbüro Mitte", Timezone: "Europe/Berlin"},
			Counters: []api.CounterState{{ID: "c1", Name: "Schalter 1", Open: true}, {ID: "c2", Name: "Schalter 2", Open: true}},
			Waiting:  []api.ServiceWait{{Service: "anm", Name: "Anmeldung", Waiting: waiting, WaitMinutes: 5 * waiting}},
			Calls:    calls}
		for _, c := range calls {
			for i := range s.Counters {
				if s.Counters[i].ID == c.Counter && s.Counters[i].Ticket == nil {
					s.Counters[i].Ticket = &api.Ticket{ID: c.Ticket, Number: c.Number, State: api.StateCalled}
				}
			}
		}
		return s
	}
	ev := func(typ string, seq int64, ticket, number, counter, state string) api.Event {
		// Yesterday's evening: today's calls come after every event here.
		e := api.Event{Type: typ, Seq: seq, At: t0.Add(time.Duration(seq)*time.Minute - 12*time.Hour)}
		if ticket != "" {
			e.Ticket = &api.Ticket{ID: ticket, Number: number, State: state, Counter: counter, CounterName: "Schalter " + counter[1:]}
		}
		return e
	}
	b007 := call("y7", "B007", "c1", t0.Add(-10*time.Hour))
	a001, a002 := call("t1", "A001", "c1", t0.Add(time.Minute)), call("t2", "A002", "c2", t0.Add(2*time.Minute))

	tests := []struct {
		name         string
		old, fresh   []streamScript
		seq          int
		oldAnnounced []string
	}{
		{
			name: "day_turned on an open stream",
			old: []streamScript{
				{send: []any{snap(yesterday, 5, 4, b007), ev(api.EventCalled, 6, "y8", "B008", "c2", api.StateCalled),
					ev(api.EventFinished, 7, "y7", "B007", "c1", api.StateDone), ev(api.EventDayTurned, 8, "", "", "", "")}},
				{send: []any{snap(today, 8, 2), ev(api.EventCalled, 9, "t1", "A001", "c1", api.StateCalled)}},
			},
			fresh:        []streamScript{{send: []any{snap(today, 8, 2), ev(api.EventCalled, 9, "t1", "A001", "c1", api.StateCalled)}}},
			seq:          9,
			oldAnnounced: []string{"B008 Schalter 2"},
		},
		{
			name: "reconnect after midnight gets a new day's snapshot",
			old: []streamScript{
				{send: []any{snap(yesterday, 5, 4, b007), ev(api.EventCalled, 6, "y8", "B008", "c2", api.StateCalled)}, drop: true},
				{send: []any{snap(today, 12, 3, a002, a001)}},
			},
			fresh:        []streamScript{{send: []any{snap(today, 12, 3, a002, a001)}}},
			seq:          12,
			oldAnnounced: []string{"B008 Schalter 2"},
		},
	}
	// shown is what the board shows, without the blink's timing.
	const shown = `(() => {
		const calls = document.getElementById("calls").cloneNode(true);
		calls.querySelectorAll("[style]").forEach((e) => e.removeAttribute("style"));
		calls.querySelectorAll(".blink").forEach((e) => e.classList.remove("blink"));
		return [calls.innerHTML, document.getElementById("services").innerHTML, document.getElementById("office").textContent,
			String(document.getElementById("ticker").hidden), document.getElementById("notice").textContent].join("\n");
	})()`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open := func(scripts []streamScript) (*tab, *scriptedStream) {
				stream := &scriptedStream{hub: proxy, scripts: scripts}
				srv := httptest.NewServer(stream)
				t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
				tb := b.newTab(t, srv.URL)
				tb.do(chromedp.Navigate(srv.URL + "/display?office=mitte&token=demo&layout=list&sound=0"))
				tb.waitFor("the board at its seq", fmt.Sprintf(
					`lotseDisplay.board.seq === %d && lotseDisplay.stats.connections.length === %d && document.body.classList.contains("connected")`,
					tt.seq, len(scripts)))
				return tb, stream
			}
			old, oldStream := open(tt.old)
			fresh, _ := open(tt.fresh)
			var got, want string
			old.eval(shown, &got)
			fresh.eval(shown, &want)
			if got != want {
				t.Errorf("the board open since yesterday shows\n%s\na board opened today shows\n%s", got, want)
			}
			var gotAnn, freshAnn []string
			old.eval(`lotseDisplay.announced`, &gotAnn)
			fresh.eval(`lotseDisplay.announced`, &freshAnn)
			if wantAnn := append(append([]string(nil), tt.oldAnnounced...), freshAnn...); fmt.Sprint(gotAnn) != fmt.Sprint(wantAnn) {
				t.Errorf("announced %q, want %q", gotAnn, wantAnn)
			}
			if sinces := oldStream.connections(); !tt.old[0].drop && sinces[1] != "" {
				t.Errorf("connections with since %q: after day_turned the board must ask for a snapshot", sinces)
			}
		})
	}
}
