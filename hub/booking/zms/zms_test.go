package zms

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"lotse/hub/booking"
	"lotse/hub/queue"
)

const authKey = "workstation-key"

// fakeZMS serves a day from testdata and records the status calls.
type fakeZMS struct {
	mu     sync.Mutex
	day    []byte
	status int // answer of the status calls; 0: 200
	posts  []post
	gets   []string
}

type post struct {
	path string
	body map[string]any
}

func (f *fakeZMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("X-Authkey") != authKey {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/2/scope/141/process/2026-03-10/":
		_, _ = w.Write(f.day)
	case r.Method == http.MethodGet && r.URL.Path == "/api/2/process/111111/":
		f.gets = append(f.gets, r.URL.Path)
		_, _ = w.Write([]byte(`{"meta":{"error":false},"data":{"id":111111,"authKey":"late","status":"confirmed","scope":{"id":141}}}`))
	case r.Method == http.MethodGet && r.URL.Path == "/api/2/process/222222/":
		w.WriteHeader(http.StatusNotFound)
	case r.Method == http.MethodPost:
		var body map[string]any
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		f.posts = append(f.posts, post{path: r.URL.Path, body: body})
		if f.status != 0 {
			w.WriteHeader(f.status)
			return
		}
		_, _ = w.Write([]byte(`{"meta":{"error":false},"data":{}}`))
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func newFake(t *testing.T, file string) (*fakeZMS, *Client) {
	t.Helper()
	day, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeZMS{day: day}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, &Client{BaseURL: srv.URL + "/api/2/", AuthKey: authKey, Scope: 141, Timeout: 5 * time.Second,
		Services: map[string]string{"120335": "abmeldung", "120686": "anmeldung"}}
}

var berlin, _ = time.LoadLocation("Europe/Berlin")

func at(h, m int) time.Time { return time.Date(2026, 3, 10, h, m, 0, 0, berlin) }

func TestMapping(t *testing.T) {
	for _, file := range []string{"scope-141-2026-03-10.json", "scope-141-object-data.json"} {
		t.Run(file, func(t *testing.T) {
			_, c := newFake(t, file)
			list, err := c.Appointments(context.Background(), "mitte", "2026-03-10")
			if err != nil {
				t.Fatal(err)
			}
			byID := map[string]booking.Appointment{}
			for _, a := range list {
				byID[a.ID] = a
			}
			tests := []struct {
				id   string
				want booking.Appointment
			}{
				{"123456", booking.Appointment{ID: "123456", Start: at(9, 0), Duration: 24 * time.Minute, Secret: "abcd", Name: "Max Mustermann",
					Services: []queue.ServiceCount{{Service: "abmeldung", Count: 1}}}},
				{"234567", booking.Appointment{ID: "234567", Start: at(9, 12), Duration: 12 * time.Minute, Secret: "ef12", Name: "Erika Mustermann",
					Services: []queue.ServiceCount{{Service: "anmeldung", Count: 2}}}},
				{"345678", booking.Appointment{ID: "345678", Start: at(10, 0), Duration: 12 * time.Minute, Secret: "9z9z", Cancelled: true,
					Services: []queue.ServiceCount{{Service: "abmeldung", Count: 1}}}},
				{"678901", booking.Appointment{ID: "678901", Start: at(10, 24), Duration: 12 * time.Minute, Secret: "h0st",
					Name: "=cmd|' /C calc'!A0 <script>alert(1)</script>", Services: []queue.ServiceCount{{Service: "abmeldung", Count: 1}}}},
				{"789012", booking.Appointment{ID: "789012", Start: at(10, 36), Duration: 12 * time.Minute, Secret: "un11", Name: "Otto Normal",
					Services: []queue.ServiceCount{{Service: "999999", Count: 1}}}},
			}
			if file == "scope-141-object-data.json" {
				tests = tests[:2]
			}
			if len(list) != len(tests) {
				t.Errorf("got %d appointments, want %d (reserved slots and walk-ins left out)", len(list), len(tests))
			}
			for _, tt := range tests {
				got, ok := byID[tt.id]
				if !ok {
					t.Errorf("%s missing", tt.id)
					continue
				}
				if !got.Start.Equal(tt.want.Start) {
					t.Errorf("%s start = %v, want %v", tt.id, got.Start, tt.want.Start)
				}
				got.Start = tt.want.Start
				if got.ID != tt.want.ID || got.Duration != tt.want.Duration || got.Secret != tt.want.Secret || got.Name != tt.want.Name ||
					got.Cancelled != tt.want.Cancelled || got.BirthDate != "" || !slices.Equal(got.Services, tt.want.Services) {
					t.Errorf("%s = %+v\nwant %+v", tt.id, got, tt.want)
				}
			}
		})
	}
}

// TestChangeLinkIsACheckInCode checks that the change link of a ZMS
// confirmation mail yields the id and secret the adapter maps.
func TestChangeLinkIsACheckInCode(t *testing.T) {
	id, secret, err := queue.ParseCode("https://service.berlin.de/terminvereinbarung/termin/manage/?process=123456&authKey=abcd\r\n", queue.DefaultCodeFormats())
	if err != nil || id != "123456" || secret != "abcd" {
		t.Fatalf("ParseCode = %q, %q, %v", id, secret, err)
	}
}

func TestBrokenAnswersAreErrors(t *testing.T) {
	tests := []struct{ name, body string }{
		{"meta error", `{"meta":{"error":true,"message":"Scope not found"},"data":[]}`},
		{"no data", `{"meta":{"error":false}}`},
		{"null data", `{"meta":{"error":false},"data":null}`},
		{"data a string", `{"meta":{"error":false},"data":"oops"}`},
		{"truncated", `{"meta":{"error":false},"data":[{"id":1234,"appointments":[{"date":`},
		{"html", `<html><body>Wartung</body></html>`},
		{"bad date", `{"meta":{"error":false},"data":[{"id":1234,"status":"confirmed","appointments":[{"date":"tomorrow"}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, "scope-141-2026-03-10.json")
			f.day = []byte(tt.body)
			if list, err := c.Appointments(context.Background(), "mitte", "2026-03-10"); err == nil || list != nil {
				t.Fatalf("got %d appointments, err %v; want an error", len(list), err)
			}
		})
	}
	_, c := newFake(t, "scope-141-2026-03-10.json")
	c.AuthKey = "expired"
	if _, err := c.Appointments(context.Background(), "mitte", "2026-03-10"); err == nil {
		t.Fatal("an expired auth key fetched a day")
	}
}

func TestReports(t *testing.T) {
	f, c := newFake(t, "scope-141-2026-03-10.json")
	ctx := context.Background()
	if _, err := c.Appointments(ctx, "mitte", "2026-03-10"); err != nil {
		t.Fatal(err)
	}
	arrival := at(8, 52)
	for _, r := range []booking.Report{
		{ID: 1, Office: "mitte", Appointment: "123456", Kind: queue.ReportArrived, At: arrival},
		{ID: 2, Office: "mitte", Appointment: "123456", Kind: queue.ReportCalled, At: at(9, 1)},
		{ID: 3, Office: "mitte", Appointment: "123456", Kind: queue.ReportServed, At: at(9, 20)},
		{ID: 4, Office: "mitte", Appointment: "345678", Kind: queue.ReportNoShow, At: at(10, 15)},
		{ID: 5, Office: "mitte", Appointment: "234567", Kind: queue.ReportCancelled, At: at(9, 30)},
		{ID: 6, Office: "mitte", Appointment: "111111", Kind: queue.ReportArrived, At: arrival}, // not in the day's list
	} {
		if err := c.Report(ctx, r); err != nil {
			t.Fatalf("report %d: %v", r.ID, err)
		}
	}
	if len(f.posts) != 3 {
		t.Fatalf("posts = %+v, want queued, finished, queued", f.posts)
	}
	q, fin, late := f.posts[0], f.posts[1], f.posts[2]
	if q.path != "/api/2/process/status/queued/" || q.body["authKey"] != "abcd" || q.body["id"] != float64(123456) ||
		q.body["queue"].(map[string]any)["arrivalTime"] != float64(arrival.Unix()) || q.body["queue"].(map[string]any)["number"] != "123" {
		t.Errorf("arrival = %+v", q)
	}
	if fin.path != "/api/2/process/status/finished/" || fin.body["status"] != "finished" || fin.body["authKey"] != "abcd" {
		t.Errorf("finished = %+v", fin)
	}
	if late.body["authKey"] != "late" || len(f.gets) != 1 {
		t.Errorf("a process outside the day's list: %+v after %v", late, f.gets)
	}

	tests := []struct {
		name      string
		status    int
		report    booking.Report
		permanent bool
	}{
		{"process gone", 0, booking.Report{ID: 7, Office: "mitte", Appointment: "222222", Kind: queue.ReportServed}, true},
		{"no ZMS id", 0, booking.Report{ID: 8, Office: "mitte", Appointment: "LOTSE-1", Kind: queue.ReportServed}, true},
		{"auth key of the process does not match", http.StatusForbidden, booking.Report{ID: 9, Office: "mitte", Appointment: "123456", Kind: queue.ReportServed}, true},
		{"workstation logged out", http.StatusUnauthorized, booking.Report{ID: 10, Office: "mitte", Appointment: "123456", Kind: queue.ReportServed}, false},
		{"ZMS down", http.StatusInternalServerError, booking.Report{ID: 11, Office: "mitte", Appointment: "123456", Kind: queue.ReportArrived}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.mu.Lock()
			f.status = tt.status
			f.mu.Unlock()
			err := c.Report(ctx, tt.report)
			if err == nil || errors.Is(err, booking.ErrPermanent) != tt.permanent {
				t.Fatalf("err = %v, want permanent=%v", err, tt.permanent)
			}
		})
	}
}

func TestFlexibleNumbers(t *testing.T) {
	tests := []struct {
		in   string
		want flexInt
		err  bool
	}{{`1447869171`, 1447869171, false}, {`"1447869171"`, 1447869171, false}, {`""`, 0, false}, {`null`, 0, false}, {`"soon"`, 0, true}, {`{}`, 0, true}}
	for _, tt := range tests {
		var n flexInt
		err := json.Unmarshal([]byte(tt.in), &n)
		if (err != nil) != tt.err || n != tt.want {
			t.Errorf("%s → %d, %v", tt.in, n, err)
		}
	}
}
