package instance_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/booking/demo"
	"lotse/hub/clocktest"
	"lotse/hub/instance"
	"lotse/hub/queue"
	"lotse/hub/server"
)

var demoHash = func() string {
	h, err := server.HashPassword("demo")
	if err != nil {
		panic(err)
	}
	return h
}()

// testHub is a real hub (real SQLite file, real HTTP) on the demo day of a
// fixed date, at 10:00 office time.
type testHub struct {
	*instance.Hub
	clock   *clocktest.Clock
	backend *demo.Backend
	dbPath  string
	device  *api.Client
	clerk   *api.Client
}

func startHub(t *testing.T, dbPath string, c *clocktest.Clock) *testHub {
	t.Helper()
	return startHubWith(t, dbPath, c, nil)
}

// startHubWith is startHub with options changed by edit.
func startHubWith(t *testing.T, dbPath string, c *clocktest.Clock, edit func(*instance.Options)) *testHub {
	t.Helper()
	if c == nil {
		loc, _ := time.LoadLocation("Europe/Berlin")
		c = clocktest.New(time.Date(2026, 3, 10, 10, 0, 0, 0, loc))
	}
	if dbPath == "" {
		dbPath = filepath.Join(t.TempDir(), "lotse.db")
	}
	b := demo.New(c.Now)
	o := instance.Options{
		Addr: "127.0.0.1:0", DBPath: dbPath, Offices: demo.Offices(), Backend: b, Demo: b,
		Clerks:  []server.Clerk{{User: "demo", PasswordHash: demoHash}},
		Devices: []server.Device{{Name: "kiosk", Token: "demo"}},
		Now:     c.Now, Elapsed: c.Elapsed, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), PingEvery: 200 * time.Millisecond,
		TickEvery: time.Hour, SyncEvery: time.Hour,
	}
	if edit != nil {
		edit(&o)
	}
	h, err := instance.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	th := &testHub{Hub: h, clock: c, backend: b, dbPath: dbPath,
		device: api.NewClient(h.URL, "demo"),
		clerk:  &api.Client{Base: h.URL, User: "demo", Password: "demo"}}
	t.Cleanup(h.Stop)
	return th
}

const mitte = "buergerbuero-mitte"

// inWindow returns demo appointments of the office that are inside the
// check-in window now and have a birth date not shared with another.
func (h *testHub) inWindow(t *testing.T, office string) []booking.Appointment {
	t.Helper()
	now := h.clock.Now()
	list, err := h.backend.Appointments(context.Background(), office, now.Format(queue.DayFormat))
	if err != nil {
		t.Fatal(err)
	}
	births := map[string]int{}
	for _, a := range list {
		births[a.BirthDate]++
	}
	var out []booking.Appointment
	for _, a := range list {
		if !a.Cancelled && births[a.BirthDate] == 1 && !now.Before(a.Start.Add(-30*time.Minute)) && !now.After(a.Start.Add(15*time.Minute)) {
			out = append(out, a)
		}
	}
	if len(out) < 3 {
		t.Fatalf("demo day has only %d appointments in the window", len(out))
	}
	return out
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func code(err error) string { return api.ErrorCode(err) }

func TestCheckInFlows(t *testing.T) {
	h := startHub(t, "", nil)
	appts := h.inWindow(t, mitte)
	a, b := appts[0], appts[1]

	t1, err := h.device.CheckIn(ctx(t), mitte, api.CheckInRequest{Code: server.DemoPayload(a) + "\r\n"})
	if err != nil {
		t.Fatalf("check-in by code: %v", err)
	}
	if t1.Number == "" || t1.State != api.StateWaiting || t1.Appointment != a.ID || t1.Name != "" {
		t.Fatalf("ticket = %+v", t1)
	}
	again, err := h.device.CheckIn(ctx(t), mitte, api.CheckInRequest{Code: server.DemoPayload(a)})
	if err != nil || again.ID != t1.ID {
		t.Fatalf("repeated check-in = %+v, %v; want the same ticket", again, err)
	}
	t2, err := h.device.CheckIn(ctx(t), mitte, api.CheckInRequest{BirthDate: b.BirthDate})
	if err != nil || t2.Appointment != b.ID || t2.Number == t1.Number {
		t.Fatalf("check-in by birth date = %+v, %v", t2, err)
	}
	walk, err := h.device.WalkIn(ctx(t), mitte, api.WalkInRequest{Service: "meldebescheinigung"})
	if err != nil || walk.Number[0] != 'M' || walk.WaitMinutes == nil {
		t.Fatalf("walk-in = %+v, %v", walk, err)
	}

	tests := []struct {
		name   string
		office string
		req    api.CheckInRequest
		want   string
	}{
		{"garbled scan", mitte, api.CheckInRequest{Code: "%%garbage%%"}, api.CodeInvalid},
		{"wrong secret", mitte, api.CheckInRequest{Code: "LOTSE:" + a.ID + ":wrong"}, api.CodeNotFound},
		{"wrong office", "buergerbuero-nord", api.CheckInRequest{Code: server.DemoPayload(appts[2])}, api.CodeWrongOffice},
		{"impossible date", mitte, api.CheckInRequest{BirthDate: "1980-02-30"}, api.CodeInvalid},
		{"empty", mitte, api.CheckInRequest{}, api.CodeInvalid},
		{"desk check-in needs a clerk", mitte, api.CheckInRequest{Appointment: appts[2].ID}, api.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.device.CheckIn(ctx(t), tt.office, tt.req)
			if code(err) != tt.want {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
			var e *api.Error
			if tt.want == api.CodeWrongOffice && (!errors.As(err, &e) || e.Office == nil || e.Office.Name != "Bürgerbüro Mitte") {
				t.Fatalf("wrong office without the right office's name: %v", err)
			}
		})
	}

	// The information desk checks in a person without code or birth date.
	desk, err := h.clerk.CheckIn(ctx(t), mitte, api.CheckInRequest{Appointment: appts[2].ID})
	if err != nil || desk.Appointment != appts[2].ID {
		t.Fatalf("desk check-in = %+v, %v", desk, err)
	}

	// Too early: an appointment two hours ahead.
	list, _ := h.backend.Appointments(ctx(t), mitte, h.clock.Now().Format(queue.DayFormat))
	for _, x := range list {
		if x.Start.Sub(h.clock.Now()) > 2*time.Hour && !x.Cancelled {
			_, err := h.device.CheckIn(ctx(t), mitte, api.CheckInRequest{Code: server.DemoPayload(x)})
			var e *api.Error
			if !errors.As(err, &e) || e.Code != api.CodeTooEarly || e.ComeBackAt == nil || !e.ComeBackAt.Equal(x.Start.Add(-30*time.Minute)) {
				t.Fatalf("too early = %v", err)
			}
			break
		}
	}
}

func TestBirthDateGuessingIsRateLimited(t *testing.T) {
	h := startHub(t, "", nil)
	var err error
	for i := 1; i <= 10; i++ {
		_, err = h.device.CheckIn(ctx(t), mitte, api.CheckInRequest{BirthDate: "1901-01-0" + string(rune('0'+i%10))})
		if code(err) == api.CodeRateLimited {
			break
		}
	}
	var e *api.Error
	if !errors.As(err, &e) || e.Code != api.CodeRateLimited || e.RetryAfter <= 0 || e.Status != 429 {
		t.Fatalf("after many wrong birth dates: %v, want 429 rate_limited with retryAfter", err)
	}
}

func TestCounterActionsNeedAClerk(t *testing.T) {
	h := startHub(t, "", nil)
	if _, err := h.device.Act(ctx(t), mitte, "schalter-1", api.ActionNext, api.ActionRequest{}); code(err) != api.CodeUnauthorized {
		t.Fatalf("device calling next: %v, want unauthorized", err)
	}
	wrong := &api.Client{Base: h.URL, User: "demo", Password: "nope"}
	if _, err := wrong.Act(ctx(t), mitte, "schalter-1", api.ActionNext, api.ActionRequest{}); code(err) != api.CodeUnauthorized {
		t.Fatalf("wrong password: %v, want unauthorized", err)
	}
	if _, err := api.NewClient(h.URL, "wrong").Queue(ctx(t), mitte); code(err) != api.CodeUnauthorized {
		t.Fatalf("wrong token: %v, want unauthorized", err)
	}
}

func TestCallFlowOnTheStream(t *testing.T) {
	h := startHub(t, "", nil)
	appts := h.inWindow(t, mitte)
	s, err := h.device.Stream(ctx(t), mitte, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	first := next(t, s)
	if first.Snapshot == nil {
		t.Fatalf("first message is not a snapshot: %s", first.Raw)
	}
	seq := first.Snapshot.Seq

	tk, err := h.device.CheckIn(ctx(t), mitte, api.CheckInRequest{Code: server.DemoPayload(appts[0])})
	if err != nil {
		t.Fatal(err)
	}
	// Find the counter that serves the ticket's service.
	counter := ""
	for _, c := range demo.Offices()[0].Counters {
		if c.Serves(tk.Services[0].Service) {
			counter = c.ID
			break
		}
	}
	steps := []struct {
		action string
		req    api.ActionRequest
		event  string
		state  string
	}{
		{api.ActionNext, api.ActionRequest{RequestID: "r1"}, "called", api.StateCalled},
		{api.ActionRecall, api.ActionRequest{}, "recalled", api.StateCalled},
		{api.ActionStart, api.ActionRequest{}, "started", api.StateServing},
		{api.ActionPark, api.ActionRequest{}, "parked", api.StateParked},
		{api.ActionCall, api.ActionRequest{Ticket: tk.ID}, "called", api.StateCalled},
		{api.ActionNoShow, api.ActionRequest{}, "missed", api.StateMissed},
		{api.ActionCall, api.ActionRequest{Ticket: tk.ID}, "called", api.StateCalled},
		{api.ActionFinish, api.ActionRequest{}, "finished", api.StateDone},
	}
	want := []string{"checked_in"}
	for _, st := range steps {
		res, err := h.clerk.Act(ctx(t), mitte, counter, st.action, st.req)
		if err != nil {
			t.Fatalf("%s: %v", st.action, err)
		}
		if res.Ticket == nil || res.Ticket.ID != tk.ID || res.Ticket.State != st.state {
			t.Fatalf("%s: ticket = %+v, want %s", st.action, res.Ticket, st.state)
		}
		if st.action == api.ActionNext && res.Ticket.Name == "" {
			t.Fatalf("the serving clerk must see the name")
		}
		want = append(want, st.event)
	}
	// A double click: the same request id answers with the same ticket.
	if res, err := h.clerk.Act(ctx(t), mitte, counter, api.ActionNext, api.ActionRequest{RequestID: "r1"}); err != nil || res.Ticket == nil || res.Ticket.ID != tk.ID {
		t.Fatalf("repeated request id: %+v, %v", res, err)
	}
	staffing := 0
	for _, typ := range want {
		m := nextEvent(t, s)
		if m.Type == api.EventCounterStaffed && typ != m.Type {
			// The clerk's first action staffs the counter.
			staffing++
			seq = m.Seq
			m = nextEvent(t, s)
		}
		if m.Type != typ || m.Seq != seq+1 {
			t.Fatalf("event = %s seq %d, want %s seq %d", m.Type, m.Seq, typ, seq+1)
		}
		if m.Ticket != nil && m.Ticket.Name != "" {
			t.Fatalf("the stream must never carry names")
		}
		seq = m.Seq
	}

	// The same events over plain HTTP, for tools without WebSocket.
	listed, err := h.device.Events(ctx(t), mitte, first.Snapshot.Seq)
	if err != nil || len(listed) != len(want)+staffing || listed[len(listed)-1].Seq != seq || listed[0].Type != "checked_in" {
		t.Fatalf("events since %d: %d events, %v", first.Snapshot.Seq, len(listed), err)
	}

	// Resume: the events after a seq arrive without a snapshot.
	r, err := h.device.Stream(ctx(t), mitte, seq-2)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if m := nextEvent(t, r); m.Seq != seq-1 {
		t.Fatalf("resume: first event seq %d, want %d", m.Seq, seq-1)
	}
	// A since from the future (another hub's, or a reset database) gets a
	// fresh snapshot.
	f, err := h.device.Stream(ctx(t), mitte, seq+1000)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if m := next(t, f); m.Snapshot == nil || m.Snapshot.Seq != seq {
		t.Fatalf("since in the future: %s", m.Raw)
	}
}

func next(t *testing.T, s *api.Stream) api.Message {
	t.Helper()
	for {
		m, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		if m.Ping == nil {
			return m
		}
	}
}

func nextEvent(t *testing.T, s *api.Stream) *api.Event {
	t.Helper()
	m := next(t, s)
	if m.Event == nil {
		t.Fatalf("want an event, got %s", m.Raw)
	}
	return m.Event
}

func TestTwoCountersNeverCallTheSameTicket(t *testing.T) {
	h := startHub(t, "", nil)
	for i := 0; i < 20; i++ {
		if _, err := h.device.WalkIn(ctx(t), mitte, api.WalkInRequest{Service: "meldebescheinigung"}); err != nil {
			t.Fatal(err)
		}
	}
	var counters []string
	for _, c := range demo.Offices()[0].Counters {
		if c.Serves("meldebescheinigung") {
			counters = append(counters, c.ID)
		}
	}
	var mu sync.Mutex
	called := map[string]string{}
	var failures []error
	var wg sync.WaitGroup
	for _, c := range counters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				// The counter's last ticket was served: every next calls.
				res, err := h.clerk.Act(context.Background(), mitte, c, api.ActionNext, api.ActionRequest{Current: api.CurrentServed})
				if err != nil || res.Ticket == nil {
					mu.Lock()
					failures = append(failures, fmt.Errorf("next at %s: %+v, %w", c, res, err))
					mu.Unlock()
					continue
				}
				mu.Lock()
				if other, dup := called[res.Ticket.ID]; dup {
					t.Errorf("ticket %s called by %s and %s", res.Ticket.Number, other, c)
				}
				called[res.Ticket.ID] = c
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	// 20 tickets for 20 calls. A call that failed (a machine so busy that
	// the client gave up) proves nothing either way; the test is about
	// duplicates, and needs some calls to have happened.
	if len(failures) > 0 {
		t.Logf("%d calls failed: %v", len(failures), failures)
	}
	if len(called) == 0 {
		t.Fatalf("nobody was called: %v", failures)
	}
}

func TestRestartRestoresTheQueue(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "lotse.db")
	h := startHub(t, db, nil)
	var numbers []string
	for i := 0; i < 5; i++ {
		tk, err := h.device.WalkIn(ctx(t), mitte, api.WalkInRequest{Service: "anmeldung"})
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, tk.Number)
	}
	res, err := h.clerk.Act(ctx(t), mitte, "schalter-1", api.ActionNext, api.ActionRequest{})
	if err != nil {
		t.Fatal(err)
	}
	before, err := h.device.Queue(ctx(t), mitte)
	if err != nil {
		t.Fatal(err)
	}
	h.Stop()

	h2 := startHub(t, db, h.clock)
	after, err := h2.device.Queue(ctx(t), mitte)
	if err != nil {
		t.Fatal(err)
	}
	if after.Seq != before.Seq || len(after.Tickets) != len(before.Tickets) {
		t.Fatalf("after restart seq %d with %d tickets, want %d with %d", after.Seq, len(after.Tickets), before.Seq, len(before.Tickets))
	}
	if after.Counters[0].Ticket == nil || after.Counters[0].Ticket.ID != res.Ticket.ID {
		t.Fatalf("counter lost its called ticket: %+v", after.Counters[0])
	}
	if len(after.Calls) == 0 || after.Calls[0].Ticket != res.Ticket.ID {
		t.Fatalf("call history lost: %+v", after.Calls)
	}
	tk, err := h2.device.WalkIn(ctx(t), mitte, api.WalkInRequest{Service: "anmeldung"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range numbers {
		if n == tk.Number {
			t.Fatalf("ticket number %s reused after restart", n)
		}
	}
}

func TestNoShowsAreReportedToTheBackend(t *testing.T) {
	h := startHub(t, "", nil)
	// Nobody checks in; an hour later the appointments due by then are
	// no-shows. Tick runs through a counter action on the loop's tick, so
	// poke the clock and wait for the outbox.
	h.clock.Advance(time.Hour)
	h.Loops[mitte].TickNow()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range h.backend.Reports() {
			if r.Kind == queue.ReportNoShow && r.Office == mitte {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no no-show reached the booking backend")
}
