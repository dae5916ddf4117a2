package instance_test

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"lotse/hardware/printer"
	"lotse/hardware/qr"
	"lotse/hub/api"
	"lotse/hub/booking/demo"
	"lotse/hub/instance"
	"lotse/hub/queue"
	"lotse/hub/server"
)

// startPhoneHub starts a demo hub with a public listener.
func startPhoneHub(t *testing.T) *testHub {
	t.Helper()
	return startHubWith(t, "", nil, func(o *instance.Options) { o.PublicAddr = "127.0.0.1:0" })
}

// onPublic returns the status link's path on the hub's public listener.
func (h *testHub) onPublic(t *testing.T, statusURL string) string {
	t.Helper()
	u, err := url.Parse(statusURL)
	if err != nil || !regexp.MustCompile(`^/t/[A-Za-z0-9_-]{22}$`).MatchString(u.Path) {
		t.Fatalf("status link %q: want …/t/ and 22 characters of base64url (%v)", statusURL, err)
	}
	return h.PublicURL + u.Path
}

// phoneStream follows a status link's events as a phone's EventSource does.
type phoneStream struct {
	resp *http.Response
	c    chan api.TicketStatus
	ids  chan string
}

func followPhone(t *testing.T, link, lastEventID string) *phoneStream {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodGet, link+"/events?lang=en", nil)
	if err != nil {
		t.Fatal(err)
	}
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	p := &phoneStream{resp: resp, c: make(chan api.TicketStatus, 64), ids: make(chan string, 64)}
	t.Cleanup(func() { resp.Body.Close() })
	go func() {
		defer close(p.c)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			if id, ok := strings.CutPrefix(line, "id: "); ok {
				p.ids <- id
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var st api.TicketStatus
				if json.Unmarshal([]byte(data), &st) != nil {
					return
				}
				p.c <- st
			}
		}
	}()
	return p
}

// until waits for a status that ok accepts; the deadline only bounds a
// failing test, the wait itself ends with the event.
func (p *phoneStream) until(t *testing.T, what string, ok func(api.TicketStatus) bool) api.TicketStatus {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case st, open := <-p.c:
			if !open {
				t.Fatalf("%s: the stream ended", what)
			}
			if ok(st) {
				return st
			}
		case <-deadline:
			t.Fatalf("%s: no such status within 10 s", what)
		}
	}
}

func getStatus(t *testing.T, link string) (int, api.TicketStatus, http.Header) {
	t.Helper()
	resp, err := http.Get(link + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st api.TicketStatus
	if resp.StatusCode < 300 || resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, st, resp.Header
}

func withdraw(t *testing.T, link string) (int, api.TicketStatus) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx(t), http.MethodPost, link+"/withdraw", nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st api.TicketStatus
	json.NewDecoder(resp.Body).Decode(&st)
	return resp.StatusCode, st
}

// counterFor returns a counter of the demo office that serves service.
func counterFor(t *testing.T, service string) string {
	for _, c := range demo.Offices()[0].Counters {
		if c.Serves(service) {
			return c.ID
		}
	}
	t.Fatalf("no counter serves %s", service)
	return ""
}

// TestPhoneFollowsItsTicket: the status link of a checked-in ticket, on
// the public listener, shows the place in the line, follows the call
// live, and gives the ticket up: the board drops it and the booking
// backend learns the appointment was cancelled, not missed.
func TestPhoneFollowsItsTicket(t *testing.T) {
	h := startPhoneHub(t)
	appts := h.inWindow(t, mitte)
	board, err := h.device.Stream(ctx(t), mitte, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer board.Close()
	next(t, board) // the snapshot

	first, err := h.device.CheckIn(ctx(t), mitte, api.CheckInRequest{Code: server.DemoPayload(appts[0])})
	if err != nil {
		t.Fatal(err)
	}
	second, err := h.device.CheckIn(ctx(t), mitte, api.CheckInRequest{Code: server.DemoPayload(appts[1])})
	if err != nil {
		t.Fatal(err)
	}
	if first.StatusURL == "" || second.StatusURL == "" || first.StatusURL == second.StatusURL {
		t.Fatalf("status links %q and %q: want one per ticket", first.StatusURL, second.StatusURL)
	}
	again, err := h.device.CheckIn(ctx(t), mitte, api.CheckInRequest{Code: server.DemoPayload(appts[0])})
	if err != nil || again.StatusURL != first.StatusURL {
		t.Fatalf("a second scan gives link %q (%v), want the first's", again.StatusURL, err)
	}
	link := h.onPublic(t, first.StatusURL)
	code, st, hdr := getStatus(t, link)
	if code != http.StatusOK || st.State != api.StatusWaiting || st.Number != first.Number || !st.CanWithdraw {
		t.Fatalf("status: %d %+v", code, st)
	}
	if hdr.Get("Cache-Control") != "no-store" || hdr.Get("Set-Cookie") != "" {
		t.Errorf("status headers: Cache-Control %q, Set-Cookie %q", hdr.Get("Cache-Control"), hdr.Get("Set-Cookie"))
	}
	phone := followPhone(t, link, "")
	phone.until(t, "the first status", func(s api.TicketStatus) bool { return s.State == api.StatusWaiting })

	counter := counterFor(t, first.Services[0].Service)
	called, err := h.clerk.Act(ctx(t), mitte, counter, api.ActionNext, api.ActionRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if called.Ticket.ID == first.ID {
		got := phone.until(t, "the call", func(s api.TicketStatus) bool { return s.State == api.StatusCalled })
		if got.Counter != counter || got.CounterName == "" {
			t.Fatalf("called status %+v: want counter %s with its name", got, counter)
		}
		if _, err := h.clerk.Act(ctx(t), mitte, counter, api.ActionRecall, api.ActionRequest{}); err != nil {
			t.Fatal(err)
		}
		phone.until(t, "the recall", func(s api.TicketStatus) bool { return s.State == api.StatusCalled && s.Recalls == 1 })
	} else {
		// The other ticket was due first: this one moved up.
		phone.until(t, "moving up", func(s api.TicketStatus) bool { return s.Ahead < st.Ahead })
	}

	// A phone that slept resumes with the id it last saw: no repeat,
	// though the office's seq moved on meanwhile.
	code, now, _ := getStatus(t, link)
	if code != http.StatusOK {
		t.Fatal(code)
	}
	lastID := ""
	for len(phone.ids) > 0 {
		lastID = <-phone.ids
	}
	if _, err := h.device.WalkIn(ctx(t), mitte, api.WalkInRequest{Service: "meldebescheinigung"}); err != nil {
		t.Fatal(err) // an event that changes nothing of this ticket
	}
	resumed := followPhone(t, link, lastID)
	// Give up the second ticket: the first's phone sees nothing of it
	// but may move up; the resumed phone must not repeat its status.
	link2 := h.onPublic(t, second.StatusURL)
	if code, st := withdraw(t, link2); code != http.StatusOK || st.State != api.StatusWithdrawn || st.CanWithdraw {
		t.Fatalf("withdraw: %d %+v", code, st)
	}
	if code, st := withdraw(t, link2); code != http.StatusOK || st.State != api.StatusWithdrawn {
		t.Fatalf("withdraw twice: %d %+v", code, st)
	}
	// Then its status changes: a priority ticket drawn at the desk goes
	// ahead of a waiting one; a called one is called again. The first
	// status the resumed phone gets must be that change, not a repeat.
	if now.State == api.StatusWaiting {
		if _, err := h.clerk.WalkIn(ctx(t), mitte, api.WalkInRequest{Service: first.Services[0].Service, Priority: true}); err != nil {
			t.Fatal(err)
		}
	} else if _, err := h.clerk.Act(ctx(t), mitte, counter, api.ActionRecall, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	got := resumed.until(t, "the resumed phone's first status", func(api.TicketStatus) bool { return true })
	if got.Ahead == now.Ahead && got.Recalls == now.Recalls && got.State == now.State {
		t.Fatalf("a resumed phone got the status it had again: %+v", got)
	}
	for {
		e := nextEvent(t, board)
		if e.Type == api.EventWithdrawn && e.Ticket != nil && e.Ticket.ID == second.ID {
			break
		}
	}
	snap, err := h.device.Queue(ctx(t), mitte)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range snap.Tickets {
		if tk.ID == second.ID && tk.State != api.StateCancelled {
			t.Fatalf("the board still shows the withdrawn ticket as %s", tk.State)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for !reported(h, second.Appointment, queue.ReportCancelled) {
		if time.Now().After(deadline) {
			t.Fatal("the cancellation never reached the booking backend")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if reported(h, second.Appointment, queue.ReportNoShow) {
		t.Fatal("a withdrawn appointment was reported as a no-show")
	}
	// The statistics count it as given up, with the time it freed.
	day := h.clock.Now().Format(queue.DayFormat)
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/api/v1/offices/"+mitte+"/statistics?from="+day+"&to="+day+"&by=day", nil)
	req.SetBasicAuth("demo", "demo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep struct {
		Totals struct {
			Withdrawn    int     `json:"withdrawn"`
			FreedMinutes float64 `json:"freedMinutes"`
		} `json:"totals"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("statistics: %s, %v", resp.Status, err)
	}
	if rep.Totals.Withdrawn != 1 || rep.Totals.FreedMinutes <= 0 {
		t.Fatalf("statistics of the day: %+v, want one ticket given up and its minutes freed", rep.Totals)
	}
}

func reported(h *testHub, appointment string, kind queue.Report) bool {
	for _, r := range h.backend.Reports() {
		if r.Appointment == appointment && r.Kind == kind {
			return true
		}
	}
	return false
}

// TestStatusTokenStaysPrivate: the token reaches only whoever drew the
// ticket. No stream, snapshot, clerk view or event log holds it, and a
// cross-site form cannot give a ticket up.
func TestStatusTokenStaysPrivate(t *testing.T) {
	h := startPhoneHub(t)
	board, err := h.device.Stream(ctx(t), mitte, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer board.Close()
	next(t, board)
	tk, err := h.device.WalkIn(ctx(t), mitte, api.WalkInRequest{Service: "meldebescheinigung"})
	if err != nil {
		t.Fatal(err)
	}
	token := tk.StatusURL[strings.LastIndex(tk.StatusURL, "/")+1:]
	if m := next(t, board); strings.Contains(string(m.Raw), token) {
		t.Fatal("the stream carries the token")
	}
	for _, path := range []string{"/api/v1/offices/" + mitte + "/queue", "/api/v1/offices/" + mitte + "/events?since=0",
		"/api/v1/offices/" + mitte + "/tickets/" + tk.ID, "/api/v1/offices/" + mitte + "/supervision"} {
		req, _ := http.NewRequest(http.MethodGet, h.URL+path, nil)
		req.SetBasicAuth("demo", "demo")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s", path, resp.Status)
		}
		if strings.Contains(string(body), token) {
			t.Errorf("%s carries the token", path)
		}
	}
	db, err := sql.Open("sqlite3", "file:"+h.dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM events WHERE payload LIKE ?", "%"+token+"%").Scan(&n); err != nil || n != 0 {
		t.Errorf("%d events in the log carry the token (%v)", n, err)
	}
	link := h.onPublic(t, tk.StatusURL)
	for _, hdr := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}} {
		req, _ := http.NewRequest(http.MethodPost, link+"/withdraw", nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("withdraw with %v: %s, want 403", hdr, resp.Status)
		}
	}
	if _, st, _ := getStatus(t, link); st.State != api.StatusWaiting {
		t.Fatalf("after cross-site tries the ticket is %s", st.State)
	}
}

// TestUnknownStatusLinks: a link of no ticket, of a purged day, or of no
// shape gets the friendly "unknown" answer, never an error page or a 500;
// and whoever walks through tokens runs dry, while a real link still works.
func TestUnknownStatusLinks(t *testing.T) {
	h := startPhoneHub(t)
	tk, err := h.device.WalkIn(ctx(t), mitte, api.WalkInRequest{Service: "meldebescheinigung"})
	if err != nil {
		t.Fatal(err)
	}
	real := h.onPublic(t, tk.StatusURL)
	for _, token := range []string{"AAAAAAAAAAAAAAAAAAAAAA", "short", "%2e%2e", "AAAAAAAAAAAAAAAAAAAAA%20", strings.Repeat("A", 300)} {
		code, st, _ := getStatus(t, h.PublicURL+"/t/"+token)
		if code != http.StatusNotFound || st.State != api.StatusUnknown {
			t.Errorf("token %q: %d %+v, want 404 unknown", token, code, st)
		}
	}
	limited := false
	for range 40 {
		code, _, hdr := getStatus(t, h.PublicURL+"/t/BBBBBBBBBBBBBBBBBBBBBB")
		if code == http.StatusTooManyRequests {
			limited = hdr.Get("Retry-After") != ""
			break
		}
	}
	if !limited {
		t.Fatal("40 unknown tokens from one address were never limited (with Retry-After)")
	}
	if code, st, _ := getStatus(t, real); code != http.StatusOK || st.State != api.StatusWaiting {
		t.Fatalf("the real link after the guessing: %d %+v", code, st)
	}
	// The day turns: the link of yesterday's ticket is purged with it.
	h.clock.Advance(24 * time.Hour)
	h.Loops[mitte].TickNow()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, st, _ := getStatus(t, real)
		if code == http.StatusNotFound && st.State == api.StatusUnknown || code == http.StatusGone && st.State == api.StatusExpired {
			break
		}
		if code >= 500 || time.Now().After(deadline) {
			t.Fatalf("yesterday's link: %d %+v, want 404 unknown or 410 expired", code, st)
		}
		h.clock.Advance(10 * time.Minute) // the day turn waits for the new date to hold
		h.Loops[mitte].TickNow()
		time.Sleep(10 * time.Millisecond)
	}
}

// handlerPattern finds the routes the server registers.
var handlerPattern = regexp.MustCompile(`HandleFunc\("(?:(GET|POST|PUT|DELETE|OPTIONS|HEAD|PATCH) )?(/[^"]*)"`)

// TestPublicListenerServesOnlyPhonesAndWaitingTimes: on the public
// listener every route of the server but the status pages and the public
// waiting times answers 404, read from the server's own route
// registrations, so a route added later is covered too.
func TestPublicListenerServesOnlyPhonesAndWaitingTimes(t *testing.T) {
	h := startPhoneHub(t)
	files, err := filepath.Glob("../server/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("the server's sources: %v", err)
	}
	type route struct{ method, path string }
	var routes []route
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range handlerPattern.FindAllStringSubmatch(string(src), -1) {
			method := m[1]
			if method == "" {
				method = http.MethodGet
			}
			path := regexp.MustCompile(`\{[^}]*\}`).ReplaceAllStringFunc(m[2], func(p string) string {
				if p == "{office}" {
					return mitte
				}
				if p == "{$}" {
					return ""
				}
				return "x"
			})
			routes = append(routes, route{method, path})
		}
	}
	for _, extra := range []string{"/api/v1/offices/" + mitte + "/stream", "/counter/", "/display/", "/manage/", "/metrics", "/healthz", "/demo"} {
		routes = append(routes, route{http.MethodGet, extra})
	}
	if len(routes) < 30 {
		t.Fatalf("found only %d routes in the server's sources", len(routes))
	}
	public := 0
	for _, r := range routes {
		req, _ := http.NewRequest(r.method, h.PublicURL+r.path, nil)
		req.SetBasicAuth("demo", "demo")
		req.Header.Set("Authorization", "Bearer demo")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		isPublic := strings.HasPrefix(r.path, "/t/") || strings.HasPrefix(r.path, "/public/")
		if isPublic {
			public++
			continue
		}
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s on the public listener: %s, want 404", r.method, r.path, resp.Status)
		}
	}
	if public == 0 {
		t.Fatal("no /t/ or /public/ route found: the search reads the wrong files")
	}
	for _, path := range []string{"/public/", "/public/waiting.json", "/public/offices/" + mitte} {
		resp, err := http.Get(h.PublicURL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s on the public listener: %s, want 200", path, resp.Status)
		}
	}
	// The inside listener serves the phones too: the link on a ticket
	// printed without a public URL leads there.
	tk, err := h.device.WalkIn(ctx(t), mitte, api.WalkInRequest{Service: "meldebescheinigung"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tk.StatusURL, h.URL+"/t/") {
		t.Fatalf("status link %q: want it under the address the kiosk used, %s", tk.StatusURL, h.URL)
	}
	if code, _, _ := getStatus(t, tk.StatusURL); code != http.StatusOK {
		t.Fatalf("status on the inside listener: %d", code)
	}
}

// TestPrintedTicketOpensItsPage: the QR code of a ticket printed with
// the link the hub gave, read back from the printer's preview, opens the
// ticket's page on the real hub, with its number.
func TestPrintedTicketOpensItsPage(t *testing.T) {
	h := startPhoneHub(t)
	tk, err := h.device.WalkIn(ctx(t), mitte, api.WalkInRequest{Service: "meldebescheinigung"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := printer.EncodeTicket(printer.Ticket{Office: "Bürgerbüro Mitte", Number: tk.Number, QR: tk.StatusURL,
		QRCaption: tk.StatusURL, Printed: h.clock.Now()}, printer.Layout{})
	if err != nil {
		t.Fatal(err)
	}
	for _, paper := range []int{printer.Paper80mm, printer.Paper58mm} {
		img, err := printer.Render(data, paper)
		if err != nil {
			t.Fatal(err)
		}
		link, err := qr.Decode(img)
		if err != nil || link != tk.StatusURL {
			t.Fatalf("paper %d: QR code %q (%v), want %q", paper, link, err, tk.StatusURL)
		}
		resp, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), tk.Number) {
			t.Fatalf("GET %s: %s, page without %s", link, resp.Status, tk.Number)
		}
	}
}

// TestDeskPrintsOnTheReceiptPrinter: the desk's "Ticket drucken" comes out
// of the office's receipt printer, with the QR code of the status page.
func TestDeskPrintsOnTheReceiptPrinter(t *testing.T) {
	paper := filepath.Join(t.TempDir(), "desk.escpos")
	h := startHubWith(t, "", nil, func(o *instance.Options) { o.DeskPrinters = map[string]string{mitte: "file:" + paper} })
	tk, err := h.clerk.WalkIn(ctx(t), mitte, api.WalkInRequest{Service: "meldebescheinigung"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx(t), http.MethodPost, h.URL+"/api/v1/offices/"+mitte+"/tickets/"+tk.ID+"/print", nil)
	req.SetBasicAuth("demo", "demo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("print: %s", resp.Status)
	}
	data, err := os.ReadFile(paper)
	if err != nil {
		t.Fatal(err)
	}
	img, err := printer.Render(data, printer.Paper80mm)
	if err != nil {
		t.Fatal(err)
	}
	if link, err := qr.Decode(img); err != nil || link != tk.StatusURL {
		t.Fatalf("the desk's paper: QR %q (%v), want %q", link, err, tk.StatusURL)
	}
	if !strings.Contains(string(data), tk.Number) || !strings.Contains(string(data), printer.ShortLink(tk.StatusURL)) {
		t.Fatal("the desk's paper lacks the number or the short link")
	}
}
