// Package reference is a reference server of the Lotse booking protocol:
// it serves the appointments of a JSON file, records the reports it
// receives (deduplicated by idempotency key) and can send the signed
// webhook when its file changes. Integrators of other booking systems test
// against it; the hub's own tests use it as the far end of the protocol.
//
// It keeps everything in memory and is not meant to book anything.
package reference

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"lotse/hub/booking"
	"lotse/hub/booking/rest"
	"lotse/hub/queue"
)

// File is the appointments file: the appointments per office id, in the
// protocol's wire format. An appointment belongs to the day its start
// names (the date in the offset it is written with).
type File struct {
	Offices map[string][]rest.Appointment `json:"offices"`
}

// Received is one report the server has accepted.
type Received struct {
	Office   string      `json:"office"`
	Key      string      `json:"key"`
	Report   rest.Report `json:"report"`
	Received time.Time   `json:"received"`
}

// Reports is what GET /reports answers.
type Reports struct {
	Reports []Received `json:"reports"`
	// Duplicates counts reports that arrived again under a key already
	// recorded: retries whose first answer got lost.
	Duplicates int `json:"duplicates"`
}

// Server serves the protocol. Create it with New.
type Server struct {
	token     string
	reportLog io.Writer
	now       func() time.Time
	log       *slog.Logger
	mux       *http.ServeMux

	mu         sync.Mutex
	file       File
	fileSum    [32]byte
	reports    []Received
	keys       map[string]bool
	duplicates int
}

// Options configure a Server.
type Options struct {
	// Token, when set, is required as "Authorization: Bearer <token>".
	Token string
	// ReportLog receives every accepted report as one JSON line; may be nil.
	ReportLog io.Writer
	Now       func() time.Time // default time.Now
	Log       *slog.Logger     // default slog.Default()
}

// New returns a server without appointments; Load or SetFile fill it.
func New(o Options) *Server {
	s := &Server{token: o.Token, reportLog: o.ReportLog, now: o.Now, log: o.Log, keys: map[string]bool{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	m := http.NewServeMux()
	m.HandleFunc("GET /offices/{office}/appointments", s.authorized(s.appointments))
	m.HandleFunc("POST /offices/{office}/reports", s.authorized(s.report))
	m.HandleFunc("GET /reports", s.authorized(s.listReports))
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux = m
	return s
}

// ServeHTTP serves the protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Load reads the appointments file and reports which offices changed.
func (s *Server) Load(path string) (changed []string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("reference: %s: %w", path, err)
	}
	return s.SetFile(f), nil
}

// SetFile replaces the appointments and reports which offices changed.
func (s *Server) SetFile(f File) (changed []string) {
	sum := func(v any) [32]byte {
		b, _ := json.Marshal(v)
		return sha256.Sum256(b)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	newSum := sum(f)
	if newSum == s.fileSum {
		return nil
	}
	seen := map[string]bool{}
	for id, list := range f.Offices {
		seen[id] = true
		if sum(list) != sum(s.file.Offices[id]) {
			changed = append(changed, id)
		}
	}
	for id := range s.file.Offices {
		if !seen[id] {
			changed = append(changed, id)
		}
	}
	sort.Strings(changed)
	s.file, s.fileSum = f, newSum
	return changed
}

// Reports returns the accepted reports in the order they arrived and the
// number of duplicates.
func (s *Server) Reports() Reports {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Reports{Reports: slices.Clone(s.reports), Duplicates: s.duplicates}
}

func (s *Server) authorized(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1 {
				writeError(w, http.StatusUnauthorized, "unauthorized", "missing or wrong bearer token")
				return
			}
		}
		h(w, r)
	}
}

func (s *Server) appointments(w http.ResponseWriter, r *http.Request) {
	office, day := r.PathValue("office"), r.URL.Query().Get("day")
	if _, err := time.Parse(queue.DayFormat, day); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", "day must be YYYY-MM-DD")
		return
	}
	s.mu.Lock()
	all, ok := s.file.Offices[office]
	list := []rest.Appointment{}
	for _, a := range all {
		if a.Start.Format(queue.DayFormat) == day {
			list = append(list, a)
		}
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "unknown office")
		return
	}
	body, err := json.Marshal(rest.Day{Office: office, Day: day, Appointments: &list})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "encoding failed")
		return
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(body, '\n'))
}

// kinds are the report kinds of the protocol.
var kinds = map[string]bool{"arrived": true, "called": true, "served": true, "noshow": true, "cancelled": true}

func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	office := r.PathValue("office")
	key := r.Header.Get(rest.IdempotencyHeader)
	if key == "" || len(key) > 200 {
		writeError(w, http.StatusBadRequest, "invalid", "Idempotency-Key header missing or too long")
		return
	}
	var rep rest.Report
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&rep); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", "malformed JSON")
		return
	}
	if !kinds[rep.Kind] || rep.Appointment == "" || rep.At.IsZero() {
		writeError(w, http.StatusUnprocessableEntity, "invalid", "kind, appointment and at are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list, ok := s.file.Offices[office]
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "unknown office")
		return
	}
	if !slices.ContainsFunc(list, func(a rest.Appointment) bool { return a.ID == rep.Appointment }) {
		writeError(w, http.StatusNotFound, "not_found", "unknown appointment")
		return
	}
	mapKey := office + "\x00" + key
	if s.keys[mapKey] {
		s.duplicates++
		writeJSON(w, http.StatusOK, rest.Ack{Status: rest.AckDuplicate})
		return
	}
	rec := Received{Office: office, Key: key, Report: rep, Received: s.now()}
	if s.reportLog != nil {
		line, _ := json.Marshal(rec)
		if _, err := s.reportLog.Write(append(line, '\n')); err != nil {
			// Not recorded durably: let the hub retry.
			s.log.Error("reference: writing the report log failed", "err", err)
			writeError(w, http.StatusInternalServerError, "internal", "report log not writable")
			return
		}
	}
	s.keys[mapKey] = true
	s.reports = append(s.reports, rec)
	writeJSON(w, http.StatusCreated, rest.Ack{Status: rest.AckRecorded})
}

func (s *Server) listReports(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Reports())
}

// Watch reloads path every interval while ctx lasts and calls changed with
// the offices whose appointments changed. A file that cannot be read or
// parsed is logged and the last good one kept.
func (s *Server) Watch(ctx context.Context, path string, every time.Duration, changed func(offices []string)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		offices, err := s.Load(path)
		if err != nil {
			s.log.Warn("reference: keeping the last good appointments file", "err", err)
			continue
		}
		if len(offices) > 0 && changed != nil {
			changed(offices)
		}
	}
}

// Notifier sends the signed webhook to a hub.
type Notifier struct {
	HubURL string // e.g. "http://hub:8080"
	Secret []byte
	HTTP   *http.Client     // default: 10 s timeout
	Now    func() time.Time // default time.Now
}

// Notify tells the hub that office's bookings changed.
func (n *Notifier) Notify(ctx context.Context, office string) error {
	body, err := json.Marshal(rest.Webhook{Office: office})
	if err != nil {
		return err
	}
	u := strings.TrimRight(n.HubURL, "/") + "/api/v1/webhooks/booking/" + office
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %s: %w", office, err)
	}
	now := time.Now
	if n.Now != nil {
		now = n.Now
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(booking.SignatureHeader, booking.SignWebhook(n.Secret, now(), body))
	hc := n.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", office, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("webhook %s: %w", office, &rest.StatusError{Code: resp.StatusCode})
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}
