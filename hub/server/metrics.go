package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"lotse/hub/api"
	"lotse/hub/store"
	"lotse/internal/version"
)

// metrics counts what /metrics exposes in the Prometheus text format. A
// handful of counters do not justify a client library.
type metrics struct {
	mu       sync.Mutex
	counters map[string]float64 // "name{labels}" → value
	gauges   map[string]float64
}

func newMetrics() *metrics {
	return &metrics{counters: map[string]float64{}, gauges: map[string]float64{}}
}

func label(name string, kv ...string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", kv[i], kv[i+1])
	}
	b.WriteByte('}')
	return b.String()
}

func (m *metrics) add(key string, v float64) {
	m.mu.Lock()
	m.counters[key] += v
	m.mu.Unlock()
}

func (m *metrics) set(key string, v float64) {
	m.mu.Lock()
	m.gauges[key] = v
	m.mu.Unlock()
}

func (m *metrics) request(pattern string, status int, d time.Duration) {
	if pattern == "" {
		pattern = "unmatched"
	}
	m.add(label("lotse_http_requests_total", "route", pattern, "status", fmt.Sprint(status)), 1)
	m.add(label("lotse_http_request_seconds_sum", "route", pattern), d.Seconds())
}

func (m *metrics) event(office, typ string) {
	m.add(label("lotse_events_total", "office", office, "type", typ), 1)
}

func (m *metrics) checkIn(office, result string) {
	m.add(label("lotse_checkins_total", "office", office, "result", result), 1)
}

func (m *metrics) streamClients(office string, n int) {
	m.set(label("lotse_stream_clients", "office", office), float64(n))
}

func (m *metrics) streamDropped(office string) {
	m.add(label("lotse_stream_dropped_total", "office", office), 1)
}

var help = map[string]string{
	"lotse_http_requests_total":         "counter HTTP requests by route and status.",
	"lotse_http_request_seconds_sum":    "counter Total seconds spent serving requests by route.",
	"lotse_events_total":                "counter Queue events by office and type.",
	"lotse_checkins_total":              "counter Check-in attempts by office and result.",
	"lotse_stream_clients":              "gauge Connected stream clients by office.",
	"lotse_stream_dropped_total":        "counter Stream clients dropped for being too slow.",
	"lotse_waiting":                     "gauge Tickets waiting by office and service.",
	"lotse_outbox_depth":                "gauge Reports not yet delivered to the booking backend.",
	"lotse_last_sync_timestamp_seconds": "gauge Unix time of the last successful sync with the booking backend.",
	"lotse_event_seq":                   "gauge Last event seq by office.",
	"lotse_database_writable":           "gauge 1 while the database takes writes, 0 when not (see /healthz).",
	"lotse_clock_synchronized":          "gauge 1 while the system clock is synchronised, 0 when not; absent when unknown.",
	"lotse_emergencies_total":           "counter Emergency calls raised at counters by office.",
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	for _, id := range s.order {
		o := s.offices[id]
		for _, wt := range o.loop.Waiting() {
			s.metrics.set(label("lotse_waiting", "office", id, "service", wt.Service), float64(wt.Waiting))
		}
		s.metrics.set(label("lotse_event_seq", "office", id), float64(o.loop.Seq()))
		if s.health != nil {
			h := s.health.OfficeHealth(id)
			s.metrics.set(label("lotse_outbox_depth", "office", id), float64(h.OutboxDepth))
			if !h.LastSync.IsZero() {
				s.metrics.set(label("lotse_last_sync_timestamp_seconds", "office", id), float64(h.LastSync.Unix()))
			}
			s.bookingMetrics(id, h)
		}
	}
	writable := 1.0
	if s.databaseProblem(r.Context()) != nil {
		writable = 0
	}
	s.metrics.set("lotse_database_writable{}", writable)
	if c, ok := s.health.(ClockHealth); ok {
		switch c.ClockSync(r.Context()) {
		case api.ClockSynchronized:
			s.metrics.set("lotse_clock_synchronized{}", 1)
		case api.ClockUnsynchronized:
			s.metrics.set("lotse_clock_synchronized{}", 0)
		}
	}
	s.metrics.mu.Lock()
	lines := map[string][]string{}
	for k, v := range s.metrics.counters {
		name := k[:strings.IndexByte(k, '{')]
		lines[name] = append(lines[name], fmt.Sprintf("%s %g", k, v))
	}
	for k, v := range s.metrics.gauges {
		name := k[:strings.IndexByte(k, '{')]
		lines[name] = append(lines[name], fmt.Sprintf("%s %g", k, v))
	}
	s.metrics.mu.Unlock()
	names := make([]string, 0, len(lines))
	for n := range lines {
		names = append(names, n)
	}
	sort.Strings(names)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	for _, n := range names {
		if h, ok := help[n]; ok {
			typ, text, _ := strings.Cut(h, " ")
			fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", n, text, n, typ)
		}
		sort.Strings(lines[n])
		for _, l := range lines[n] {
			fmt.Fprintln(w, l)
		}
	}
	s.deviceMetrics(w)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	h := api.Health{Status: "ok", Time: s.now(), Version: version.String()}
	if c, ok := s.health.(ClockHealth); ok {
		h.Clock = c.ClockSync(r.Context())
		if h.Clock == api.ClockUnsynchronized {
			h.Status = "degraded"
			h.Warnings = append(h.Warnings, api.Problem{Code: api.AlertClock, Message: clockWarning})
		}
	}
	for _, id := range s.order {
		oh := api.OfficeHealth{ID: id}
		if s.health != nil {
			h := s.health.OfficeHealth(id)
			oh.LastSync, oh.SyncError, oh.OutboxDepth, oh.Warning = timePtr(h.LastSync), h.SyncError, h.OutboxDepth, h.Warning
			oh.WarningCode, oh.WarningSince = h.WarningCode, timePtr(h.Since)
			s.bookingHealth(&oh, h)
		}
		oh.Seq = s.offices[id].loop.Seq()
		if oh.Warning != "" {
			h.Status = "degraded"
		}
		h.Offices = append(h.Offices, oh)
	}
	// Degraded still answers 200: the hub serves check-ins and calls from
	// its copy of the day while the backend is down. A database that takes
	// no writes is failing: no check-in or call can be kept.
	status := http.StatusOK
	if p := s.databaseProblem(r.Context()); p != nil {
		h.Status, h.Problems = "failing", append(h.Problems, *p)
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, h)
}

// ClockHealth is implemented by a Health that can tell whether the
// system clock is synchronised: api.ClockSynchronized,
// api.ClockUnsynchronized or api.ClockUnknown.
type ClockHealth interface {
	ClockSync(ctx context.Context) string
}

// clockWarning is /healthz's English text for an unsynchronised clock.
const clockWarning = "the system clock is not synchronised (NTP): check-in windows, no-shows and the day turn depend on it"

// DatabaseHealth is implemented by a Health that can tell whether the
// database takes writes.
type DatabaseHealth interface {
	DatabaseHealth(ctx context.Context) error
}

// databaseProblem asks the Health, or else the store itself, whether the
// database takes writes.
func (s *Server) databaseProblem(ctx context.Context) *api.Problem {
	var err error
	if dh, ok := s.health.(DatabaseHealth); ok {
		err = dh.DatabaseHealth(ctx)
	} else if s.db != nil {
		err = s.db.WriteCheck(ctx)
	}
	if err == nil {
		return nil
	}
	p := &api.Problem{Code: store.ProblemFailing, Message: "the database takes no writes: " + err.Error()}
	var we *store.WriteError
	if errors.As(err, &we) {
		p.Code = we.Code
	}
	s.log.Error("database takes no writes", "code", p.Code, "err", err)
	return p
}
