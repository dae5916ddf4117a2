package rest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"lotse/hub/booking"
	"lotse/hub/booking/faulty"
	"lotse/hub/booking/reference"
	"lotse/hub/booking/rest"
	"lotse/hub/queue"
)

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

const day = "2026-03-10"

func sampleFile() reference.File {
	at := func(h, m int) time.Time { return time.Date(2026, 3, 10, h, m, 0, 0, berlin) }
	return reference.File{Offices: map[string][]rest.Appointment{
		"mitte": {
			{ID: "A-1", Start: at(9, 0), Minutes: 15, Services: []rest.Service{{ID: "120686", Count: 2}}, Secret: "s1", BirthDate: "1980-01-02", Name: "Erika Mustermann"},
			{ID: "A-2", Start: at(9, 15), Services: []rest.Service{{ID: "fz"}}, Secret: "s2", Cancelled: true},
			{ID: "A-3", Start: at(9, 30).AddDate(0, 0, 1), Services: []rest.Service{{ID: "fz"}}, Secret: "s3"},
		},
	}}
}

// statusRecorder counts the statuses the inner handler answered with.
type statusRecorder struct {
	next http.Handler
	mu   sync.Mutex
	seen map[int]int
}

func (s *statusRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw := &codeWriter{ResponseWriter: w, code: 200}
	s.next.ServeHTTP(rw, r)
	s.mu.Lock()
	if s.seen == nil {
		s.seen = map[int]int{}
	}
	s.seen[rw.code]++
	s.mu.Unlock()
}

func (s *statusRecorder) count(code int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[code]
}

type codeWriter struct {
	http.ResponseWriter
	code int
}

func (w *codeWriter) WriteHeader(c int) { w.code = c; w.ResponseWriter.WriteHeader(c) }

type rig struct {
	ref    *reference.Server
	fault  *faulty.Handler
	status *statusRecorder
	client *rest.Client
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ref := reference.New(reference.Options{Token: "tok"})
	ref.SetFile(sampleFile())
	st := &statusRecorder{next: ref}
	f := &faulty.Handler{Next: st, Delay: 50 * time.Millisecond}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return &rig{ref: ref, fault: f, status: st, client: &rest.Client{
		BaseURL: srv.URL + "/", Token: "tok", Timeout: 2 * time.Second,
		Services: map[string]string{"120686": "anmeldung", "fz": "fuehrungszeugnis"},
	}}
}

func TestAppointmentsAndETag(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	list, err := r.client.Appointments(ctx, "mitte", day)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("got %d appointments, want the 2 of the day: %+v", len(list), list)
	}
	a := list[0]
	if a.ID != "A-1" || a.Duration != 15*time.Minute || a.Secret != "s1" || a.BirthDate != "1980-01-02" || a.Name != "Erika Mustermann" ||
		len(a.Services) != 1 || a.Services[0] != (queue.ServiceCount{Service: "anmeldung", Count: 2}) || !a.Start.Equal(time.Date(2026, 3, 10, 9, 0, 0, 0, berlin)) {
		t.Errorf("first = %+v", a)
	}
	if !list[1].Cancelled || list[1].Services[0].Service != "fuehrungszeugnis" {
		t.Errorf("second = %+v", list[1])
	}

	// Unchanged: 304, and the cached list again.
	list[0].Name = "changed by the caller"
	again, err := r.client.Appointments(ctx, "mitte", day)
	if err != nil || len(again) != 2 || again[0].Name != "Erika Mustermann" {
		t.Fatalf("re-fetch = %+v, %v", again, err)
	}
	if r.status.count(http.StatusNotModified) != 1 {
		t.Errorf("the re-fetch was not answered with 304")
	}
	// Changed: a fresh 200.
	f := sampleFile()
	f.Offices["mitte"][0].Name = "Max Mustermann"
	r.ref.SetFile(f)
	changed, err := r.client.Appointments(ctx, "mitte", day)
	if err != nil || changed[0].Name != "Max Mustermann" {
		t.Fatalf("after a change = %+v, %v", changed, err)
	}

	if _, err := (&rest.Client{BaseURL: r.client.BaseURL, Token: "wrong"}).Appointments(ctx, "mitte", day); err == nil {
		t.Error("a wrong token got appointments")
	}
	if _, err := r.client.Appointments(ctx, "nowhere", day); err == nil {
		t.Error("an unknown office got appointments")
	}
}

// TestFaultsAreErrorsNeverEmptyDays runs every way a backend fails: each
// must be an error, so that the Syncer keeps the hub's copy of the day.
func TestFaultsAreErrorsNeverEmptyDays(t *testing.T) {
	r := newRig(t)
	r.client.Timeout = 300 * time.Millisecond
	tests := []struct {
		name string
		mode faulty.Mode
	}{
		{"unavailable", faulty.Unavailable},
		{"server error", faulty.ServerError},
		{"hangs", faulty.Hang},
		{"truncated JSON", faulty.Malformed},
		{"null list", faulty.NullList},
		{"HTML page with 200", faulty.HTMLPage},
		{"connection reset", faulty.Reset},
		{"answer lost", faulty.LoseAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.fault.Set(tt.mode)
			list, err := r.client.Appointments(context.Background(), "mitte", "2026-03-11")
			if err == nil || list != nil {
				t.Fatalf("got %d appointments and err %v; want an error and no list", len(list), err)
			}
		})
	}
	r.fault.Set(faulty.Slow)
	if list, err := r.client.Appointments(context.Background(), "mitte", day); err != nil || len(list) != 2 {
		t.Fatalf("slow but within the timeout: %d, %v", len(list), err)
	}
}

func TestReports(t *testing.T) {
	r := newRig(t)
	r.client.Timeout = 300 * time.Millisecond
	ctx := context.Background()
	rep := booking.Report{ID: 7, Office: "mitte", Appointment: "A-1", Kind: queue.ReportArrived,
		At: time.Date(2026, 3, 10, 8, 50, 0, 0, berlin), Ticket: "A042"}
	if err := r.client.Report(ctx, rep); err != nil {
		t.Fatal(err)
	}
	if err := r.client.Report(ctx, rep); err != nil {
		t.Fatalf("a repeated report must be accepted: %v", err)
	}
	got := r.ref.Reports()
	if len(got.Reports) != 1 || got.Duplicates != 1 {
		t.Fatalf("reference has %d reports, %d duplicates; want 1 and 1", len(got.Reports), got.Duplicates)
	}
	if rr := got.Reports[0].Report; rr.Kind != "arrived" || rr.Ticket != "A042" || rr.Appointment != "A-1" || rr.ID != rest.IdempotencyKey(rep) {
		t.Errorf("recorded %+v", rr)
	}

	tests := []struct {
		name      string
		mode      faulty.Mode
		report    booking.Report
		permanent bool
	}{
		{"unknown appointment is 404", faulty.Pass, booking.Report{ID: 8, Office: "mitte", Appointment: "nope", Kind: queue.ReportServed, At: rep.At}, true},
		{"unknown office is 404", faulty.Pass, booking.Report{ID: 9, Office: "sued", Appointment: "A-1", Kind: queue.ReportServed, At: rep.At}, true},
		{"unknown kind is 422", faulty.Pass, booking.Report{ID: 10, Office: "mitte", Appointment: "A-1", Kind: "teleported", At: rep.At}, true},
		{"503 is retried", faulty.Unavailable, rep, false},
		{"500 is retried", faulty.ServerError, rep, false},
		{"a hang times out and is retried", faulty.Hang, rep, false},
		{"a reset is retried", faulty.Reset, rep, false},
		{"a proxy page with 200 is no receipt", faulty.HTMLPage, rep, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.fault.Set(tt.mode)
			err := r.client.Report(ctx, tt.report)
			if err == nil || errors.Is(err, booking.ErrPermanent) != tt.permanent {
				t.Fatalf("err = %v, want permanent=%v", err, tt.permanent)
			}
		})
	}
}

func TestPermanentStatuses(t *testing.T) {
	tests := []struct {
		status int
		want   bool
	}{{400, true}, {401, false}, {403, true}, {404, true}, {409, true}, {422, true}, {408, false}, {429, false}, {500, false}, {502, false}, {503, false}, {302, false}}
	for _, tt := range tests {
		if got := rest.Permanent(tt.status); got != tt.want {
			t.Errorf("Permanent(%d) = %v, want %v", tt.status, got, tt.want)
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	a := booking.Report{ID: 1, Office: "mitte", Appointment: "A-1", Kind: queue.ReportArrived, At: at}
	b := a
	b.Appointment = "A-2" // a new database reusing id 1
	if again := a; rest.IdempotencyKey(a) != rest.IdempotencyKey(again) {
		t.Error("the key of one report changes")
	}
	if rest.IdempotencyKey(a) == rest.IdempotencyKey(b) {
		t.Error("two different reports with the same outbox id share a key")
	}
}

func TestWebhookSignature(t *testing.T) {
	secret := []byte("geheim")
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	body := []byte(`{"office":"mitte"}`)
	good := booking.SignWebhook(secret, now, body)
	tests := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		at     time.Time
		want   error
	}{
		{"valid", secret, good, body, now.Add(time.Minute), nil},
		{"wrong secret", []byte("other"), good, body, now, booking.ErrBadSignature},
		{"no secret configured", nil, good, body, now, booking.ErrBadSignature},
		{"tampered body", secret, good, []byte(`{"office":"nord"}`), now, booking.ErrBadSignature},
		{"replayed later", secret, good, body, now.Add(booking.MaxWebhookAge + time.Second), booking.ErrStale},
		{"from the future", secret, good, body, now.Add(-booking.MaxWebhookAge - time.Second), booking.ErrStale},
		{"missing", secret, "", body, now, booking.ErrNoSignature},
		{"garbage", secret, "t=abc,v1=zz", body, now, booking.ErrNoSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := booking.VerifyWebhook(tt.secret, tt.header, tt.body, tt.at); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestServiceCount: an omitted count is one person by the protocol; a
// count the backend sent stays, 0 included, for the sync to repair and
// count.
func TestServiceCount(t *testing.T) {
	tests := []struct {
		json string
		want rest.Service
	}{
		{`{"id":"AN-01"}`, rest.Service{ID: "AN-01", Count: 1}},
		{`{"id":"AN-01","count":2}`, rest.Service{ID: "AN-01", Count: 2}},
		{`{"id":"AN-01","count":0}`, rest.Service{ID: "AN-01", Count: 0}},
		{`{"id":"AN-01","count":null}`, rest.Service{ID: "AN-01", Count: 1}},
		{`{"id":"AN-01","count":-3}`, rest.Service{ID: "AN-01", Count: -3}},
	}
	for _, tt := range tests {
		var got rest.Service
		if err := json.Unmarshal([]byte(tt.json), &got); err != nil || got != tt.want {
			t.Errorf("Unmarshal(%s) = %+v, %v; want %+v", tt.json, got, err, tt.want)
		}
	}
	if err := json.Unmarshal([]byte(`{"id":"AN-01","count":"zwei"}`), new(rest.Service)); err == nil {
		t.Error("a count that is no number is accepted")
	}
}
