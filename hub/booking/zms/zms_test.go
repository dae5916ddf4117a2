package zms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
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

// dayOf builds a zmsapi day answer of processes.
func dayOf(processes ...string) []byte {
	return []byte(`{"meta":{"error":false},"data":[` + strings.Join(processes, ",") + `]}`)
}

// proc is a confirmed process of scope 141 with the given id, start
// (Berlin wall clock on 2026-03-10 unless day says otherwise), lastChange
// and family name.
func proc(id int, start time.Time, lastChange int64, name string, requests string) string {
	b, _ := json.Marshal(name)
	return fmt.Sprintf(`{"id":%d,"authKey":"k%d","status":"confirmed","lastChange":%d,
		"appointments":[{"date":%d,"slotCount":1,"availability":{"slotTimeInMinutes":12}}],
		"requests":%s,"clients":[{"familyName":%s}],"queue":{"arrivalTime":0},"scope":{"id":141}}`,
		id, id, lastChange, start.Unix(), requests, b)
}

// TestDuplicateProcessesChosenDeterministically: a day list that holds a
// process more than once yields the entry dated on the requested day, else
// the newest, whatever the order of the answer (array or PHP object).
func TestDuplicateProcessesChosenDeterministically(t *testing.T) {
	req := `[{"id":"120335"}]`
	tests := []struct {
		name    string
		entries []string
		want    time.Time
	}{
		{"the one on the day beats a newer one on another day", []string{
			proc(1, at(9, 0), 100, "A", req),
			proc(1, at(9, 0).AddDate(0, 0, 1), 300, "B", req),
		}, at(9, 0)},
		{"of two on the day the last changed", []string{
			proc(1, at(9, 0), 100, "A", req),
			proc(1, at(11, 0), 200, "B", req),
			proc(1, at(8, 0).AddDate(0, 0, -1), 900, "C", req),
		}, at(11, 0)},
		{"none on the day: the newest", []string{
			proc(1, at(9, 0).AddDate(0, 0, 1), 100, "A", req),
			proc(1, at(9, 0).AddDate(0, 0, 2), 200, "B", req),
		}, at(9, 0).AddDate(0, 0, 2)},
		{"same change time: the later start", []string{
			proc(1, at(9, 0), 100, "A", req),
			proc(1, at(10, 0), 100, "B", req),
		}, at(10, 0)},
		{"identical but for the name: still one choice", []string{
			proc(1, at(9, 0), 100, "A", req),
			proc(1, at(9, 0), 100, "B", req),
		}, at(9, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var names []string
			// Every order of the entries, as an array and as an object.
			for _, perm := range permutations(tt.entries) {
				for _, asObject := range []bool{false, true} {
					f, c := newFake(t, "scope-141-2026-03-10.json")
					f.day = dayOf(perm...)
					if asObject {
						var fields []string
						for i, p := range perm {
							fields = append(fields, fmt.Sprintf(`"%d":%s`, i*2, p))
						}
						f.day = []byte(`{"meta":{"error":false},"data":{` + strings.Join(fields, ",") + `}}`)
					}
					list, err := c.Appointments(context.Background(), "mitte", "2026-03-10")
					if err != nil || len(list) != 1 {
						t.Fatalf("got %d appointments, %v; want one", len(list), err)
					}
					if !list[0].Start.Equal(tt.want) {
						t.Errorf("start = %v, want %v (order %d, object %v)", list[0].Start, tt.want, len(names), asObject)
					}
					names = append(names, list[0].Name)
				}
			}
			for _, n := range names {
				if n != names[0] {
					t.Fatalf("the choice depends on the order: %v", names)
				}
			}
		})
	}
}

func permutations(list []string) [][]string {
	if len(list) <= 1 {
		return [][]string{slices.Clone(list)}
	}
	var out [][]string
	for i := range list {
		rest := append(slices.Clone(list[:i]), list[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([]string{list[i]}, p...))
		}
	}
	return out
}

// TestTextAndServicesFromZMS: request ids pass the one sanitiser before
// they are mapped; a process without requests is kept and, with a "*"
// mapping, mapped to its target; without one, handed on without a
// service for the Syncer's fallback. (Names are cleaned by the Syncer,
// which counts the repair.)
func TestTextAndServicesFromZMS(t *testing.T) {
	f, c := newFake(t, "scope-141-2026-03-10.json")
	f.day = dayOf(
		proc(1, at(9, 0), 1, "Mu\u0308ller \u202eevil\u202c", `[{"id":"120335"}]`),
		proc(2, at(9, 12), 1, "Erika", `[]`),
		proc(3, at(9, 24), 1, "Otto", `[{"id":" 120686\u200b"}]`),
	)
	list, err := c.Appointments(context.Background(), "mitte", "2026-03-10")
	if err != nil || len(list) != 3 {
		t.Fatalf("got %d appointments, %v; want 3", len(list), err)
	}
	if len(list[1].Services) != 0 {
		t.Errorf("no requests, no catch-all: services = %v, want none (the Syncer's fallback)", list[1].Services)
	}
	if want := []queue.ServiceCount{{Service: "anmeldung", Count: 1}}; !slices.Equal(list[2].Services, want) {
		t.Errorf("request id with blanks and a zero-width space: services = %v, want %v", list[2].Services, want)
	}
	// A booking without a date is handed on for the Syncer's counted
	// refusal; a walk-in of ZMS's own queue is no booking.
	f.day = dayOf(`{"id":7,"status":"confirmed","appointments":[{"date":0}],"queue":{"withAppointment":1}}`,
		`{"id":8,"status":"queued","appointments":[{"date":0}],"queue":{"withAppointment":0}}`)
	list, err = c.Appointments(context.Background(), "mitte", "2026-03-10")
	if err != nil || len(list) != 1 || list[0].ID != "7" || !list[0].Start.IsZero() {
		t.Errorf("undated booking and walk-in = %+v, %v; want the booking alone, without a start", list, err)
	}
	f.day = dayOf(
		proc(1, at(9, 0), 1, "A", `[{"id":"120335"}]`),
		proc(2, at(9, 12), 1, "Erika", `[]`),
		proc(3, at(9, 24), 1, "Otto", `[{"id":"120686"}]`),
	)
	c.Services["*"] = "sonstiges"
	list, _ = c.Appointments(context.Background(), "mitte", "2026-03-10")
	if want := []queue.ServiceCount{{Service: "sonstiges", Count: 1}}; len(list) != 3 || !slices.Equal(list[1].Services, want) {
		t.Errorf("no requests with a catch-all: services = %v, want %v", list[1].Services, want)
	}
}

// validatingZMS is a fake zmsapi that validates status calls as zmsapi
// does: the process must name its scope and carry an arrival time.
type validatingZMS struct {
	fakeZMS
	processes map[string]string // GET /process/{id}/ answers
}

func (v *validatingZMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		if p, ok := v.processes[r.URL.Path]; ok {
			_, _ = w.Write([]byte(`{"meta":{"error":false},"data":` + p + `}`))
			return
		}
		v.fakeZMS.ServeHTTP(w, r)
		return
	}
	var body map[string]any
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	scope, _ := body["scope"].(map[string]any)
	q, _ := body["queue"].(map[string]any)
	if scope == nil || scope["id"] != float64(141) || q == nil || q["arrivalTime"] == nil || q["arrivalTime"].(float64) <= 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"meta":{"error":true,"message":"process invalid","exception":"BO\\Zmsentities\\Exception\\SchemaValidation"}}`))
		return
	}
	v.mu.Lock()
	v.posts = append(v.posts, post{path: r.URL.Path, body: body})
	v.mu.Unlock()
	_, _ = w.Write([]byte(`{"meta":{"error":false},"data":{}}`))
}

// TestReportsPassZMSValidation: every status call carries scope.id and
// the current arrival time, also for a process fetched before the person
// arrived and for processes whose scope lacks its id.
func TestReportsPassZMSValidation(t *testing.T) {
	day, err := os.ReadFile("testdata/scope-141-2026-03-10.json")
	if err != nil {
		t.Fatal(err)
	}
	v := &validatingZMS{fakeZMS: fakeZMS{day: day}, processes: map[string]string{
		"/api/2/process/333333/": `{"id":333333,"authKey":"n0sc","status":"confirmed","scope":null}`,
		"/api/2/process/444444/": `{"id":444444,"authKey":"emty","status":"confirmed","scope":{"shortName":"Zentrale"},"queue":{"arrivalTime":"0"}}`,
	}}
	srv := httptest.NewServer(v)
	defer srv.Close()
	c := &Client{BaseURL: srv.URL + "/api/2/", AuthKey: authKey, Scope: 141, Timeout: 5 * time.Second,
		Services: map[string]string{"120335": "abmeldung", "120686": "anmeldung"}}
	ctx := context.Background()
	if _, err := c.Appointments(ctx, "mitte", "2026-03-10"); err != nil {
		t.Fatal(err)
	}
	arrived := at(8, 52)
	tests := []struct {
		name string
		r    booking.Report
		want time.Time // the arrival time sent
	}{
		{"arrival", booking.Report{ID: 1, Appointment: "123456", Kind: queue.ReportArrived, At: arrived, Arrived: arrived}, arrived},
		{"served, process fetched before the arrival", booking.Report{ID: 2, Appointment: "123456", Kind: queue.ReportServed, At: at(9, 20), Arrived: arrived}, arrived},
		{"served, arrival unknown, process has its own", booking.Report{ID: 3, Appointment: "234567", Kind: queue.ReportServed, At: at(9, 40)}, time.Unix(1773129300, 0)},
		{"served, arrival unknown anywhere", booking.Report{ID: 4, Appointment: "123456", Kind: queue.ReportServed, At: at(9, 20)}, at(9, 20)},
		{"scope null", booking.Report{ID: 5, Appointment: "333333", Kind: queue.ReportArrived, At: arrived, Arrived: arrived}, arrived},
		{"scope without id, arrival a string", booking.Report{ID: 6, Appointment: "444444", Kind: queue.ReportServed, At: at(9, 30), Arrived: arrived}, arrived},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.r.Office = "mitte"
			if err := c.Report(ctx, tt.r); err != nil {
				t.Fatalf("report refused: %v", err)
			}
			v.mu.Lock()
			last := v.posts[len(v.posts)-1]
			v.mu.Unlock()
			if got := last.body["queue"].(map[string]any)["arrivalTime"]; got != float64(tt.want.Unix()) {
				t.Errorf("arrivalTime = %v, want %d", got, tt.want.Unix())
			}
		})
	}

	// A refusal keeps zmsapi's answer for the dead letters.
	v.processes["/api/2/process/555555/"] = `{"id":555555,"authKey":"x","status":"confirmed","scope":{"id":999}}`
	err = c.Report(ctx, booking.Report{ID: 7, Office: "mitte", Appointment: "555555", Kind: queue.ReportArrived, At: arrived})
	if !errors.Is(err, booking.ErrPermanent) || !strings.Contains(err.Error(), "SchemaValidation: process invalid") {
		t.Errorf("err = %v, want a permanent refusal with zmsapi's message", err)
	}
}
