package instance_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/queue"

	"github.com/gorilla/websocket"
)

// TestLogoutFreesTicketsTransferredToTheCounter: a clerk who logs out
// pauses the counter, so a ticket transferred to it is called at the other
// counters of its service, with a note, instead of waiting for nobody.
func TestLogoutFreesTicketsTransferredToTheCounter(t *testing.T) {
	h := startHub(t, "", nil)
	c := ctx(t)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	send := func(method, path, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, h.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := send(http.MethodPost, "/api/v1/session", `{"user":"demo","password":"demo","office":"`+mitte+`","counter":"schalter-6"}`); r.StatusCode != 200 {
		t.Fatalf("login: %d", r.StatusCode)
	}
	tk, err := h.device.WalkIn(c, mitte, api.WalkInRequest{Service: "kfz-ummeldung"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.clerk.Act(c, mitte, "schalter-7", api.ActionNext, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.clerk.Act(c, mitte, "schalter-7", api.ActionTransfer, api.ActionRequest{Counter: "schalter-6"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.clerk.Act(c, mitte, "schalter-7", api.ActionNext, api.ActionRequest{}); code(err) != api.CodeNotFound {
		t.Fatalf("next at schalter-7 while schalter-6 is open: %v", err)
	}
	if r := send(http.MethodDelete, "/api/v1/session?pause=1", ""); r.StatusCode != 204 {
		t.Fatalf("logout: %d", r.StatusCode)
	}
	res, err := h.clerk.Act(c, mitte, "schalter-7", api.ActionNext, api.ActionRequest{})
	if err != nil || res.Ticket == nil || res.Ticket.ID != tk.ID || res.Ticket.Note != "target_closed" {
		t.Fatalf("next at schalter-7 after the logout at schalter-6: %+v, %v", res.Ticket, err)
	}
}

// browserOf is a clerk's browser at the hub: one cookie jar, so a login
// replaces its earlier session like a real browser's.
type browserOf struct {
	t      *testing.T
	client *http.Client
	ws     *websocket.Conn // the workplace's stream, once opened
}

func newBrowser(t *testing.T) *browserOf {
	jar, _ := cookiejar.New(nil)
	return &browserOf{t: t, client: &http.Client{Jar: jar}}
}

func (b *browserOf) send(h *testHub, method, path, body string, want int) {
	b.t.Helper()
	req, _ := http.NewRequest(method, h.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		b.t.Fatalf("%s %s: %d, want %d", method, path, resp.StatusCode, want)
	}
}

// workplace opens the stream the counter workplace keeps open while its
// page is, with the browser's session cookie; closing it is closing the
// browser.
func (b *browserOf) workplace(h *testHub) *websocket.Conn {
	b.t.Helper()
	u, _ := url.Parse(h.URL)
	hdr := http.Header{}
	for _, c := range b.client.Jar.Cookies(u) {
		hdr.Add("Cookie", c.Name+"="+c.Value)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(h.URL, "http")+"/api/v1/offices/"+mitte+"/stream", hdr)
	if err != nil {
		b.t.Fatal(err)
	}
	var snap map[string]any
	if err := ws.ReadJSON(&snap); err != nil { // the snapshot: the stream is live
		b.t.Fatal(err)
	}
	return ws
}

// closed waits until the hub has noticed that ws is gone: it writes a
// close frame and reads until the hub answers or drops the connection.
func closed(ws *websocket.Conn) {
	ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, ""))
	for {
		if _, _, err := ws.NextReader(); err != nil {
			break
		}
	}
	ws.Close()
}

// waitStreams waits until the hub counts n stream clients at mitte: the
// handlers of closed streams have then run to their end.
func (h *testHub) waitStreams(t *testing.T, n int) {
	t.Helper()
	want := fmt.Sprintf("lotse_stream_clients{office=%q} %d\n", mitte, n)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		resp, err := http.Get(h.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub never counted %d stream clients", n)
		}
	}
}

func (b *browserOf) login(h *testHub, counter string) {
	b.t.Helper()
	b.send(h, http.MethodPost, "/api/v1/session", `{"user":"demo","password":"demo","office":"`+mitte+`","counter":"`+counter+`"}`, 200)
}

// TestUnstaffedCounterHoldsNoTickets (10.6): a counter without a clerk
// present counts as closed: a ticket transferred to it is offered to the
// other counters of its service, with the note. Present means a live
// session at the counter, or an action there without a session (HTTP
// Basic) in the last few minutes; logout with or without pause, a login
// of the browser at another counter, the session's expiry and a restart
// end it.
func TestUnstaffedCounterHoldsNoTickets(t *testing.T) {
	tests := []struct {
		name string
		// before runs before the transfer to schalter-6, after after it;
		// after may restart the hub and returns the hub to go on with.
		before  func(h *testHub, b *browserOf)
		after   func(t *testing.T, h *testHub, b *browserOf) *testHub
		offered bool // schalter-7's next takes the transferred ticket
	}{
		{"nobody ever logged in", nil, nil, true},
		{"a live session", func(h *testHub, b *browserOf) { b.login(h, "schalter-6") }, nil, false},
		{"a session nine hours on", func(h *testHub, b *browserOf) { b.login(h, "schalter-6") },
			func(t *testing.T, h *testHub, b *browserOf) *testHub {
				h.clock.Advance(9 * time.Hour)
				return h
			}, false},
		{"logout without pause", func(h *testHub, b *browserOf) { b.login(h, "schalter-6") },
			func(t *testing.T, h *testHub, b *browserOf) *testHub {
				b.send(h, http.MethodDelete, "/api/v1/session", "", 204)
				return h
			}, true},
		{"logout with pause", func(h *testHub, b *browserOf) { b.login(h, "schalter-6") },
			func(t *testing.T, h *testHub, b *browserOf) *testHub {
				b.send(h, http.MethodDelete, "/api/v1/session?pause=1", "", 204)
				return h
			}, true},
		{"the browser logs in at another counter", func(h *testHub, b *browserOf) { b.login(h, "schalter-6") },
			func(t *testing.T, h *testHub, b *browserOf) *testHub {
				b.login(h, "schalter-5")
				return h
			}, true},
		{"the session expired", func(h *testHub, b *browserOf) { b.login(h, "schalter-6") },
			func(t *testing.T, h *testHub, b *browserOf) *testHub {
				h.clock.Advance(10*time.Hour + time.Minute)
				return h
			}, true},
		{"a restart with the session live", func(h *testHub, b *browserOf) { b.login(h, "schalter-6") },
			func(t *testing.T, h *testHub, b *browserOf) *testHub {
				h.Stop()
				h = startHub(t, h.dbPath, h.clock)
				b.send(h, http.MethodGet, "/api/v1/session", "", 200) // the workplace's page asks again
				return h
			}, false},
		{"the browser closed", func(h *testHub, b *browserOf) {
			b.login(h, "schalter-6")
			b.ws = b.workplace(h)
		}, func(t *testing.T, h *testHub, b *browserOf) *testHub {
			closed(b.ws)
			h.waitStreams(t, 0)
			h.clock.Advance(3 * time.Minute)
			return h
		}, true},
		{"the page reloaded", func(h *testHub, b *browserOf) {
			b.login(h, "schalter-6")
			b.ws = b.workplace(h)
		}, func(t *testing.T, h *testHub, b *browserOf) *testHub {
			closed(b.ws)
			h.waitStreams(t, 0)
			h.clock.Advance(10 * time.Second)
			b.ws = b.workplace(h)
			h.clock.Advance(time.Hour)
			return h
		}, false},
		{"an action by HTTP Basic", func(h *testHub, b *browserOf) { basicOpen(t, h) }, nil, false},
		{"an action by HTTP Basic, minutes ago", func(h *testHub, b *browserOf) { basicOpen(t, h) },
			func(t *testing.T, h *testHub, b *browserOf) *testHub {
				h.clock.Advance(queue.ActedStaffing)
				return h
			}, true},
		{"an action by HTTP Basic, then a restart", func(h *testHub, b *browserOf) { basicOpen(t, h) },
			func(t *testing.T, h *testHub, b *browserOf) *testHub {
				h.Stop()
				return startHub(t, h.dbPath, h.clock)
			}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := startHub(t, "", nil)
			c := ctx(t)
			b := newBrowser(t)
			tk, err := h.device.WalkIn(c, mitte, api.WalkInRequest{Service: "kfz-ummeldung"})
			if err != nil {
				t.Fatal(err)
			}
			if tc.before != nil {
				tc.before(h, b)
			}
			if _, err := h.clerk.Act(c, mitte, "schalter-7", api.ActionNext, api.ActionRequest{}); err != nil {
				t.Fatal(err)
			}
			if _, err := h.clerk.Act(c, mitte, "schalter-7", api.ActionTransfer, api.ActionRequest{Counter: "schalter-6"}); err != nil {
				t.Fatal(err)
			}
			if tc.after != nil {
				h = tc.after(t, h, b)
			}
			h.tickOffice(t, mitte)
			res, err := h.clerk.Act(c, mitte, "schalter-7", api.ActionNext, api.ActionRequest{})
			if tc.offered {
				if err != nil || res.Ticket == nil || res.Ticket.ID != tk.ID || res.Ticket.Note != "target_closed" {
					t.Fatalf("next at schalter-7: %+v, %v; want %s with the note target_closed", res.Ticket, err, tk.Number)
				}
			} else if code(err) != api.CodeNotFound {
				t.Fatalf("next at schalter-7 while a clerk is at schalter-6: %+v, %v", res.Ticket, err)
			}
		})
	}
}

// basicOpen acts at schalter-6 by HTTP Basic, as a script would.
func basicOpen(t *testing.T, h *testHub) {
	t.Helper()
	if _, err := h.clerk.Act(ctx(t), mitte, "schalter-6", api.ActionOpen, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
}

// TestBasicNextAtAnUnstaffedCounter: a script's "next" by HTTP Basic at a
// counter nobody is logged in at still calls the ticket transferred there.
func TestBasicNextAtAnUnstaffedCounter(t *testing.T) {
	h := startHub(t, "", nil)
	c := ctx(t)
	tk, err := h.device.WalkIn(c, mitte, api.WalkInRequest{Service: "kfz-ummeldung"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.clerk.Act(c, mitte, "schalter-7", api.ActionNext, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.clerk.Act(c, mitte, "schalter-7", api.ActionTransfer, api.ActionRequest{Counter: "schalter-6"}); err != nil {
		t.Fatal(err)
	}
	res, err := h.clerk.Act(c, mitte, "schalter-6", api.ActionNext, api.ActionRequest{})
	if err != nil || res.Ticket == nil || res.Ticket.ID != tk.ID || res.Ticket.Note != "" {
		t.Fatalf("next by HTTP Basic at schalter-6: %+v, %v", res.Ticket, err)
	}
}
