package heartbeat

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"lotse/hub/api"
)

// fakeHub answers the office list and records status reports; hang makes
// the status endpoint wait until its request ends.
type fakeHub struct {
	reports chan api.DeviceStatus
	mu      sync.Mutex
	answer  int  // status of the next reports; 0: 204
	hang    bool // wait for the client to give up
}

func (f *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/v1/offices":
		json.NewEncoder(w).Encode([]api.Office{{ID: "buergerbuero-mitte"}, {ID: "buergerbuero-nord"}})
	case "/api/v1/devices/status":
		if r.Header.Get("Authorization") != "Bearer k1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		f.mu.Lock()
		answer, hang := f.answer, f.hang
		f.mu.Unlock()
		if hang {
			// The server notices a client that gave up only once the body
			// is read.
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		}
		var st api.DeviceStatus
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&st); err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			return
		}
		if answer != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(answer)
			json.NewEncoder(w).Encode(api.ErrorBody{Error: api.ErrorDetail{Code: api.CodeForbidden, Message: "no"}})
			return
		}
		f.reports <- st
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeHub) set(answer int, hang bool) {
	f.mu.Lock()
	f.answer, f.hang = answer, hang
	f.mu.Unlock()
}

// logRecorder keeps the messages logged.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.msgs = append(l.msgs, r.Level.String()+" "+r.Message)
	l.mu.Unlock()
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }
func (l *logRecorder) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.msgs
	l.msgs = nil
	return out
}

// harness runs a reporter against a fake hub; ticks drives it, outcomes
// tells each report's end.
type harness struct {
	hub      *fakeHub
	rep      *Reporter
	ticks    chan time.Time
	outcomes chan error
	log      *logRecorder
}

func newHarness(t *testing.T, office string, status func() api.DeviceStatus, configure ...func(*Reporter)) *harness {
	t.Helper()
	h := &harness{hub: &fakeHub{reports: make(chan api.DeviceStatus, 16)}, ticks: make(chan time.Time), outcomes: make(chan error, 16), log: &logRecorder{}}
	srv := httptest.NewServer(h.hub)
	t.Cleanup(srv.Close)
	h.rep = New(api.NewClient(srv.URL, "k1"), office, status, slog.New(h.log))
	h.rep.Ticks = h.ticks
	h.rep.afterReport = func(err error) { h.outcomes <- err }
	for _, c := range configure {
		c(h.rep)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.rep.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not end with its context")
		}
	})
	return h
}

func (h *harness) report(t *testing.T) api.DeviceStatus {
	t.Helper()
	select {
	case st := <-h.reports():
		if err := h.outcome(t); err != nil {
			t.Fatalf("report failed: %v", err)
		}
		return st
	case <-time.After(10 * time.Second):
		t.Fatal("no report")
	}
	return api.DeviceStatus{}
}

func (h *harness) reports() chan api.DeviceStatus { return h.hub.reports }

func (h *harness) outcome(t *testing.T) error {
	t.Helper()
	select {
	case err := <-h.outcomes:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("no report ended")
	}
	return nil
}

// TestReporter: a report at start, one per tick, one at once when asked,
// with the office the hub lists first, the version and the uptime.
func TestReporter(t *testing.T) {
	var mu sync.Mutex
	printer := api.PrinterOK
	h := newHarness(t, "", func() api.DeviceStatus {
		mu.Lock()
		defer mu.Unlock()
		return api.DeviceStatus{Kind: api.DeviceKiosk, Printer: printer, Scanner: api.LinkConnected, Stream: api.LinkNone}
	})
	st := h.report(t)
	if st.Office != "buergerbuero-mitte" || st.Version == "" || st.Printer != api.PrinterOK || st.Kind != api.DeviceKiosk {
		t.Errorf("first report %+v: want the first office, a version, the printer ok", st)
	}
	h.ticks <- time.Now()
	h.report(t)
	mu.Lock()
	printer = api.PrinterPaperOut
	mu.Unlock()
	h.rep.Now() // no tick: the report must come anyway
	if st := h.report(t); st.Printer != api.PrinterPaperOut {
		t.Errorf("report asked for at once: printer %q, want paper_out", st.Printer)
	}
	select {
	case st := <-h.reports():
		t.Errorf("a report without tick or nudge: %+v", st)
	default:
	}
}

// TestReporterLostHub: a hub that hangs or refuses costs each report its
// timeout at most, Now never blocks, and the log says each change once.
func TestReporterLostHub(t *testing.T) {
	h := newHarness(t, "buergerbuero-nord", func() api.DeviceStatus { return api.DeviceStatus{Kind: api.DeviceDisplay} },
		func(r *Reporter) { r.Timeout = time.Second })
	if st := h.report(t); st.Office != "buergerbuero-nord" {
		t.Errorf("office %q, want the configured one", st.Office)
	}
	h.hub.set(0, true)
	h.ticks <- time.Now() // Run took it: a report hangs now
	for range 10 {
		h.rep.Now() // never blocks; the first waits for the report to end
	}
	for range 2 { // the hanging report, then the one asked for
		if err := h.outcome(t); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("report to a hanging hub: %v, want the deadline", err)
		}
	}
	h.ticks <- time.Now()
	if err := h.outcome(t); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("report to a hanging hub: %v, want the deadline", err)
	}
	h.hub.set(http.StatusForbidden, false)
	h.ticks <- time.Now()
	if err := h.outcome(t); api.ErrorCode(err) != api.CodeForbidden {
		t.Fatalf("refused report: %v", err)
	}
	h.hub.set(0, false)
	h.ticks <- time.Now()
	h.report(t)
	h.ticks <- time.Now()
	h.report(t)
	want := []string{
		"WARN status report not delivered; the device works on and keeps trying",
		"ERROR the hub refuses the status report",
		"INFO status reports reach the hub again",
	}
	got := h.log.take()
	if len(got) != len(want) {
		t.Fatalf("log %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("log line %d: %q, want %q", i, got[i], want[i])
		}
	}
}
