package instance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/booking"
	"lotse/hub/booking/demo"
	"lotse/hub/booking/zms"
	"lotse/hub/clocktest"
	"lotse/hub/instance"
	"lotse/hub/queue"
	"lotse/hub/server"
)

// zmsAPI is a fake zmsapi with one process of the day, recording the
// status calls the hub makes.
type zmsAPI struct {
	mu    sync.Mutex
	day   string
	start time.Time
	calls []string
}

func (z *zmsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if r.Header.Get("X-Authkey") != "ws-key" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/2/scope/141/process/"+z.day+"/":
		fmt.Fprintf(w, `{"meta":{"error":false},"data":[{"id":123456,"authKey":"abcd","status":"confirmed",
			"appointments":[{"date":%d,"slotCount":1,"availability":{"slotTimeInMinutes":12}}],
			"requests":[{"id":"120686","name":"Anmeldung einer Wohnung","source":"dldb"}],
			"clients":[{"familyName":"Max Mustermann"}],"scope":{"id":141},"queue":{"number":"123"}}]}`, z.start.Unix())
	case r.Method == http.MethodPost:
		var p struct {
			ID     int    `json:"id"`
			Status string `json:"status"`
		}
		b, _ := io.ReadAll(r.Body)
		if json.Unmarshal(b, &p) != nil || p.ID != 123456 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		z.calls = append(z.calls, r.URL.Path)
		fmt.Fprint(w, `{"meta":{"error":false},"data":{}}`)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (z *zmsAPI) got() []string {
	z.mu.Lock()
	defer z.mu.Unlock()
	return append([]string(nil), z.calls...)
}

// TestZMSOfficeChecksInWithTheChangeLink runs a ZMS office through the
// kiosk API: no birth-date check-in on offer, the change link of the ZMS
// confirmation mail checks in, and arrival and end of service go back to
// ZMS.
func TestZMSOfficeChecksInWithTheChangeLink(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	c := clocktest.New(time.Date(2026, 3, 10, 10, 0, 0, 0, loc))
	fake := &zmsAPI{day: "2026-03-10", start: time.Date(2026, 3, 10, 9, 54, 0, 0, loc)}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	office := demo.Offices()[0]
	office.Policy.BirthDateCheckIn = false // what config sets for type zms
	backend := &zms.Client{BaseURL: srv.URL + "/api/2", AuthKey: "ws-key", Scope: 141, Services: map[string]string{"120686": demo.Anmeldung}}
	h, err := instance.Start(context.Background(), instance.Options{
		Addr: "127.0.0.1:0", DBPath: filepath.Join(t.TempDir(), "lotse.db"), Offices: []queue.Office{office},
		Backend: booking.Mux{mitte: backend},
		Clerks:  []server.Clerk{{User: "demo", PasswordHash: demoHash}},
		Devices: []server.Device{{Name: "kiosk", Token: "demo"}},
		Now:     c.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), TickEvery: time.Hour, SyncEvery: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	device, clerk := api.NewClient(h.URL, "demo"), &api.Client{Base: h.URL, User: "demo", Password: "demo"}

	offices, err := device.Offices(ctx(t))
	if err != nil || len(offices) != 1 || offices[0].BirthDateCheckIn {
		t.Fatalf("offices = %+v, %v; want birthDateCheckIn false", offices, err)
	}
	const link = "https://service.berlin.de/terminvereinbarung/termin/manage/?process=123456&authKey=abcd"
	if _, err := device.CheckIn(ctx(t), mitte, api.CheckInRequest{Code: "https://service.berlin.de/terminvereinbarung/termin/manage/?process=123456&authKey=wrong"}); api.ErrorCode(err) != api.CodeNotFound {
		t.Fatalf("a change link with a wrong key: %v, want not found", err)
	}
	tk, err := device.CheckIn(ctx(t), mitte, api.CheckInRequest{Code: link + "\r\n"})
	if err != nil || tk.Appointment != "123456" || tk.Number[0] != 'A' {
		t.Fatalf("check-in with the ZMS change link = %+v, %v", tk, err)
	}
	res, err := clerk.Act(ctx(t), mitte, "schalter-1", api.ActionNext, api.ActionRequest{})
	if err != nil || res.Ticket == nil || res.Ticket.ID != tk.ID || res.Ticket.Name != "Max Mustermann" {
		t.Fatalf("next = %+v, %v", res.Ticket, err)
	}
	if _, err := clerk.Act(ctx(t), mitte, "schalter-1", api.ActionFinish, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "arrival and end of service at ZMS", func() bool { return len(fake.got()) == 2 })
	if got := fake.got(); got[0] != "/api/2/process/status/queued/" || got[1] != "/api/2/process/status/finished/" {
		t.Fatalf("ZMS calls = %v", got)
	}
}
