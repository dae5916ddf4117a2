package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"lotse/hub/api"
	"lotse/hub/devicehealth"
)

// deviceHub is an access hub with the accounts and devices of the device
// health tests: a supervisor, an admin and a counter clerk of office
// Mitte, a kiosk and a display of Mitte, and a kiosk token for every
// office.
func deviceHub(t *testing.T, limits Limits) *accessHub {
	clerks := []Clerk{
		{User: "chef", PasswordHash: accessHash(), Roles: []string{RoleSupervisor}, Offices: []string{accessMitte}},
		{User: "admin", PasswordHash: accessHash(), Roles: []string{RoleAdmin}},
		{User: "clerk1", PasswordHash: accessHash(), Roles: []string{RoleClerk, RoleDesk}, Offices: []string{accessMitte}},
	}
	devices := []Device{
		{Name: "eingang", Token: "k-mitte", Office: accessMitte, Role: RoleKiosk},
		{Name: "wartezone", Token: "tv-mitte", Office: accessMitte, Role: RoleDisplay},
		{Name: "mobil", Token: "k-all", Role: RoleKiosk},
	}
	return newAccessHub(t, clerks, devices, limits)
}

// raw sends a body as it is, for bodies json.Marshal would refuse to write.
func (h *accessHub) raw(method, path string, as who, body string) answer {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, h.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if as != nil {
		as(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	a := answer{Status: resp.StatusCode, Header: resp.Header}
	a.Body, _ = io.ReadAll(resp.Body)
	var eb api.ErrorBody
	if resp.StatusCode >= 400 && json.Unmarshal(a.Body, &eb) == nil {
		a.Error = eb.Error
	}
	return a
}

const statusPath = "/api/v1/devices/status"

// TestDeviceStatusReport covers POST /api/v1/devices/status: the two
// spellings devices were given, the strict body, who may report and for
// which office.
func TestDeviceStatusReport(t *testing.T) {
	h := deviceHub(t, NoLimits())
	contract := `{"version":"1.4.2","uptimeSeconds":3600,"kind":"kiosk","printer":"paper_out","scanner":true,"lastScan":"2026-03-18T09:58:00+01:00","stream":true}`
	design := `{"version":"dev","uptimeSeconds":5,"printer":"ok","scanner":"disconnected","lastScan":"","stream":"connected"}`
	tests := []struct {
		name string
		as   who
		body string
		want int
		code string
	}{
		{"kiosk, booleans", bearer("k-mitte"), contract, 204, ""},
		{"kiosk, words and an empty last scan", bearer("k-mitte"), design, 204, ""},
		{"display without printer and scanner", bearer("tv-mitte"), `{"version":"dev","uptimeSeconds":1,"kind":"display","printer":"none","scanner":false,"lastScan":null,"stream":false}`, 204, ""},
		{"its own office named", bearer("k-mitte"), `{"version":"1","uptimeSeconds":1,"office":"` + accessMitte + `"}`, 204, ""},
		{"token of every office names one", bearer("k-all"), `{"version":"1","uptimeSeconds":1,"office":"` + accessNord + `","printer":"paper_low"}`, 204, ""},
		{"trailing whitespace", bearer("k-mitte"), design + "\n\n", 204, ""},

		{"unknown field", bearer("k-mitte"), `{"version":"1","uptimeSeconds":1,"temperature":40}`, 422, api.CodeInvalid},
		{"uptime as a string", bearer("k-mitte"), `{"version":"1","uptimeSeconds":"1"}`, 422, api.CodeInvalid},
		{"fractional uptime", bearer("k-mitte"), `{"version":"1","uptimeSeconds":1.5}`, 422, api.CodeInvalid},
		{"negative uptime", bearer("k-mitte"), `{"version":"1","uptimeSeconds":-1}`, 422, api.CodeInvalid},
		{"scanner as a number", bearer("k-mitte"), `{"version":"1","uptimeSeconds":1,"scanner":1}`, 422, api.CodeInvalid},
		{"unknown stream word", bearer("k-mitte"), `{"version":"1","uptimeSeconds":1,"stream":"maybe"}`, 422, api.CodeInvalid},
		{"unknown printer state", bearer("k-mitte"), `{"version":"1","uptimeSeconds":1,"printer":"on_fire"}`, 422, api.CodeInvalid},
		{"unknown kind", bearer("k-mitte"), `{"version":"1","uptimeSeconds":1,"kind":"toaster"}`, 422, api.CodeInvalid},
		{"last scan not a time", bearer("k-mitte"), `{"version":"1","uptimeSeconds":1,"lastScan":"gestern"}`, 422, api.CodeInvalid},
		{"no version", bearer("k-mitte"), `{"uptimeSeconds":1}`, 422, api.CodeInvalid},
		{"version with a line break", bearer("k-mitte"), `{"version":"1\n2","uptimeSeconds":1}`, 422, api.CodeInvalid},
		{"version too long", bearer("k-mitte"), `{"version":"` + strings.Repeat("1", 65) + `","uptimeSeconds":1}`, 422, api.CodeInvalid},
		{"two objects", bearer("k-mitte"), design + design, 422, api.CodeInvalid},
		{"not JSON", bearer("k-mitte"), `version=1`, 422, api.CodeInvalid},
		{"empty", bearer("k-mitte"), ``, 422, api.CodeInvalid},
		{"array", bearer("k-mitte"), `[]`, 422, api.CodeInvalid},
		{"over 4 KiB", bearer("k-mitte"), `{"version":"1","uptimeSeconds":1,"printer":"` + strings.Repeat(" ", 4<<10) + `"}`, 413, api.CodeTooLarge},
		{"over 4 KiB of whitespace after the object", bearer("k-mitte"), design + strings.Repeat(" ", 4<<10), 413, api.CodeTooLarge},

		{"no credentials", nil, design, 401, api.CodeUnauthorized},
		{"unknown token", bearer("nope"), design, 401, api.CodeUnauthorized},
		{"a clerk", basic("admin", "demo"), design, 403, api.CodeForbidden},
		{"device names another office", bearer("k-mitte"), `{"version":"1","uptimeSeconds":1,"office":"` + accessNord + `"}`, 403, api.CodeForbidden},
		{"token of every office names none", bearer("k-all"), design, 422, api.CodeInvalid},
		{"token of every office names an unknown one", bearer("k-all"), `{"version":"1","uptimeSeconds":1,"office":"atlantis"}`, 404, api.CodeNotFound},
	}
	for _, tt := range tests {
		a := h.raw("POST", statusPath, tt.as, tt.body)
		if a.Status != tt.want || a.Error.Code != tt.code {
			t.Errorf("%s: %d %q %s, want %d %q", tt.name, a.Status, a.Error.Code, a.Body, tt.want, tt.code)
		}
	}
	t.Run("token in the URL", func(t *testing.T) {
		if a := h.raw("POST", statusPath+"?token=k-mitte", nil, design); a.Status != 401 {
			t.Errorf("?token= on a write: %d %s, want 401", a.Status, a.Body)
		}
	})
}

// TestDeviceList covers what the hub keeps of a report and who may read
// it: the office's supervisor and an admin, not a counter clerk, not a
// device.
func TestDeviceList(t *testing.T) {
	h := deviceHub(t, Limits{})
	at := h.Clock.Now()
	if a := h.raw("POST", statusPath, bearer("k-mitte"), `{"version":"1.4.2","uptimeSeconds":3600,"kind":"kiosk","printer":"paper_out","scanner":true,"lastScan":"2026-03-18T09:58:00+01:00","stream":true}`); a.Status != 204 {
		t.Fatalf("report: %d %s", a.Status, a.Body)
	}
	h.Clock.Advance(3 * time.Second)
	if a := h.raw("POST", statusPath, bearer("tv-mitte"), `{"version":"1.4.2","uptimeSeconds":10,"stream":false}`); a.Status != 204 {
		t.Fatalf("report: %d %s", a.Status, a.Body)
	}
	if a := h.raw("POST", statusPath, bearer("k-all"), `{"version":"1.4.2","uptimeSeconds":10,"office":"`+accessNord+`"}`); a.Status != 204 {
		t.Fatalf("report: %d %s", a.Status, a.Body)
	}
	scan := time.Date(2026, 3, 18, 9, 58, 0, 0, mustBerlin())
	want := []api.DeviceHealth{
		{Device: "wartezone", Office: accessMitte, Kind: api.DeviceDisplay, Version: "1.4.2", UptimeSeconds: 10,
			Printer: api.PrinterNone, Scanner: api.LinkNone, Stream: api.LinkDisconnected, ReportedAt: at.Add(3 * time.Second)},
		{Device: "eingang", Office: accessMitte, Kind: api.DeviceKiosk, Version: "1.4.2", UptimeSeconds: 3600,
			Printer: api.PrinterPaperOut, Scanner: api.LinkConnected, LastScan: api.OptionalTime{Time: scan}, Stream: api.LinkConnected, ReportedAt: at},
	}
	path := "/api/v1/offices/" + accessMitte + "/devices"
	for _, user := range []string{"chef", "admin"} {
		a := h.do("GET", path, basic(user, "demo"), nil)
		if a.Status != 200 {
			t.Fatalf("%s reads the devices: %d %s", user, a.Status, a.Body)
		}
		var got []api.DeviceHealth
		dec := json.NewDecoder(bytes.NewReader(a.Body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("decode %s: %v", a.Body, err)
		}
		for i := range got {
			if got[i].ReportedAt.Equal(want[i].ReportedAt) && got[i].LastScan.Equal(want[i].LastScan.Time) {
				got[i].ReportedAt, got[i].LastScan = want[i].ReportedAt, want[i].LastScan // same instant, zone of the wire
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s reads\n got %+v\nwant %+v", user, got, want)
		}
	}
	tests := []struct {
		name string
		as   who
		path string
		want int
	}{
		{"counter clerk", basic("clerk1", "demo"), path, 403},
		{"supervisor of another office", basic("chef", "demo"), "/api/v1/offices/" + accessNord + "/devices", 403},
		{"kiosk", bearer("k-mitte"), path, 401},
		{"display", bearer("tv-mitte"), path, 401},
		{"nobody", nil, path, 401},
	}
	for _, tt := range tests {
		if a := h.do("GET", tt.path, tt.as, nil); a.Status != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, a.Status, a.Body, tt.want)
		}
	}

	// The Go API of the supervision page: paper out now, silence after
	// two minutes by the hub's clock.
	alerts := h.Server.Devices().Alerts(accessMitte, h.Clock.Now())
	if len(alerts) != 1 || alerts[0].Kind != devicehealth.AlertPaperOut || alerts[0].Device != "eingang" || !alerts[0].Since.Equal(at) || alerts[0].Text != "Kiosk eingang: Papier leer" {
		t.Errorf("alerts: %+v, want the kiosk's paper out", alerts)
	}
	h.Clock.Advance(devicehealth.SilentAfter)
	alerts = h.Server.Devices().Alerts(accessMitte, h.Clock.Now())
	if len(alerts) != 2 || alerts[0].Kind != devicehealth.AlertSilent || alerts[1].Kind != devicehealth.AlertSilent {
		t.Errorf("alerts after two minutes: %+v, want both devices silent", alerts)
	}
}

// TestDeviceStatusLimit: a device that floods the endpoint is told to
// wait, and gets its budget back as the hub's clock moves on.
func TestDeviceStatusLimit(t *testing.T) {
	h := deviceHub(t, Limits{})
	body := `{"version":"1","uptimeSeconds":1}`
	burst := DefaultLimits().StatusPerDevice.Burst
	for i := range burst {
		if a := h.raw("POST", statusPath, bearer("k-mitte"), body); a.Status != 204 {
			t.Fatalf("report %d: %d %s", i+1, a.Status, a.Body)
		}
	}
	wantLimited(t, h.raw("POST", statusPath, bearer("k-mitte"), body), "a flooding kiosk")
	if a := h.raw("POST", statusPath, bearer("tv-mitte"), body); a.Status != 204 {
		t.Errorf("another device: %d %s, want 204", a.Status, a.Body)
	}
	h.Clock.Advance(DefaultLimits().StatusPerDevice.Every)
	if a := h.raw("POST", statusPath, bearer("k-mitte"), body); a.Status != 204 {
		t.Errorf("after waiting: %d %s, want 204", a.Status, a.Body)
	}
}

// TestDeviceMetrics checks the devices' lines of /metrics: up, age of the
// last report, the printer state as one series per state, the version;
// a device's new version replaces its old series.
func TestDeviceMetrics(t *testing.T) {
	h := deviceHub(t, NoLimits())
	post := func(token, body string) {
		t.Helper()
		if a := h.raw("POST", statusPath, bearer(token), body); a.Status != 204 {
			t.Fatalf("report: %d %s", a.Status, a.Body)
		}
	}
	metrics := func() string {
		t.Helper()
		a := h.do("GET", "/metrics", nil, nil)
		if a.Status != 200 {
			t.Fatalf("metrics: %d", a.Status)
		}
		return string(a.Body)
	}
	post("k-mitte", `{"version":"1.4.1","uptimeSeconds":1,"printer":"ok"}`)
	post("k-mitte", `{"version":"1.4.2","uptimeSeconds":6,"printer":"paper_out"}`)
	h.Clock.Advance(90 * time.Second)
	post("tv-mitte", `{"version":"1.4.2","uptimeSeconds":6}`)
	kiosk := `device="eingang",office="` + accessMitte + `",kind="kiosk"`
	tv := `device="wartezone",office="` + accessMitte + `",kind="display"`
	m := metrics()
	for _, line := range []string{
		"# TYPE lotse_device_up gauge",
		"lotse_device_up{" + kiosk + "} 1",
		"lotse_device_up{" + tv + "} 1",
		"lotse_device_last_report_seconds{" + kiosk + "} 90",
		"lotse_device_last_report_seconds{" + tv + "} 0",
		"lotse_device_printer_state{" + kiosk + `,state="paper_out"} 1`,
		"lotse_device_printer_state{" + kiosk + `,state="ok"} 0`,
		"lotse_device_printer_state{" + tv + `,state="none"} 1`,
		"lotse_device_info{" + kiosk + `,version="1.4.2"} 1`,
		"lotse_build_info{version=",
	} {
		if !strings.Contains(m, line+"\n") && !strings.Contains(m, line) {
			t.Errorf("metrics lack %q", line)
		}
	}
	if strings.Contains(m, `version="1.4.1"`) {
		t.Error("the kiosk's old version is still exported")
	}
	h.Clock.Advance(30 * time.Second)
	if m := metrics(); !strings.Contains(m, "lotse_device_up{"+kiosk+"} 0\n") || !strings.Contains(m, "lotse_device_up{"+tv+"} 1\n") {
		t.Errorf("after two minutes the kiosk is not down and the display up:\n%s", m)
	}
}

// TestPromLabels checks the escaping of label values.
func TestPromLabels(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `{v="plain"}`},
		{`a"b\c`, `{v="a\"b\\c"}`},
		{"line\nbreak", `{v="line\nbreak"}`},
		{"Bürgerbüro", `{v="Bürgerbüro"}`},
	}
	for _, tt := range tests {
		if got := promLabels("v", tt.in); got != tt.want {
			t.Errorf("promLabels(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestDeviceStatusFromTheClient: what the apps send through the Go client
// (the kiosk with a token of every office, the display with its own) is
// what the strict endpoint takes.
func TestDeviceStatusFromTheClient(t *testing.T) {
	h := deviceHub(t, Limits{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	scan := h.Clock.Now().Add(-time.Minute)
	kiosk := api.DeviceStatus{Version: "v0.0.0-20261130170000-0123456789ab+dirty", UptimeSeconds: 5, Kind: api.DeviceKiosk,
		Office: accessNord, Printer: api.PrinterPaperOut, Scanner: api.LinkDisconnected, LastScan: api.OptionalTime{Time: scan}, Stream: api.LinkNone}
	if err := api.NewClient(h.URL, "k-all").ReportStatus(ctx, kiosk); err != nil {
		t.Fatalf("kiosk: %v", err)
	}
	display := api.DeviceStatus{Version: "dev", UptimeSeconds: 5, Kind: api.DeviceDisplay, Office: accessMitte,
		Printer: api.PrinterNone, Scanner: api.LinkNone, Stream: api.LinkConnected}
	if err := api.NewClient(h.URL, "tv-mitte").ReportStatus(ctx, display); err != nil {
		t.Fatalf("display: %v", err)
	}
	got, err := (&api.Client{Base: h.URL, User: "admin", Password: "demo"}).Devices(ctx, accessNord)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Device != "mobil" || got[0].Printer != api.PrinterPaperOut || got[0].Scanner != api.LinkDisconnected ||
		!got[0].LastScan.Equal(scan) || got[0].Version != kiosk.Version {
		t.Errorf("office Nord: %+v, want the kiosk's report", got)
	}
	alerts := h.Server.Devices().Alerts(accessNord, h.Clock.Now())
	if len(alerts) != 2 || alerts[0].Kind != devicehealth.AlertPaperOut || alerts[1].Kind != devicehealth.AlertScannerLost {
		t.Errorf("alerts %+v, want paper out and scanner lost", alerts)
	}
}

// TestDeviceReportsAsItsToken: a display's token (it sits in a TV's URL)
// cannot report as a kiosk or report a printer or scanner, and a report
// the hub refuses says why in the API's words, without Go's type names.
func TestDeviceReportsAsItsToken(t *testing.T) {
	h := deviceHub(t, NoLimits())
	tests := []struct {
		name, token, body string
		want              int
		message           string
	}{
		{"display claims to be a kiosk", "tv-mitte", `{"version":"1","uptimeSeconds":1,"kind":"kiosk","printer":"paper_out"}`, 403, "display"},
		{"display reports a printer", "tv-mitte", `{"version":"1","uptimeSeconds":1,"kind":"display","printer":"offline"}`, 422, "no printer"},
		{"display reports a scanner", "tv-mitte", `{"version":"1","uptimeSeconds":1,"scanner":"connected"}`, 422, "no printer and no scanner"},
		{"uptime not whole", "tv-mitte", `{"version":"1","uptimeSeconds":1.5}`, 422, "uptimeSeconds must be a whole number"},
		{"a time in words", "tv-mitte", `{"version":"1","uptimeSeconds":1,"lastScan":"yesterday"}`, 422, "RFC 3339"},
		{"a scan from the future", "tv-mitte", `{"version":"1","uptimeSeconds":1,"lastScan":"2099-01-01T00:00:00Z"}`, 422, "future"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := h.raw("POST", statusPath, bearer(tt.token), tt.body)
			if a.Status != tt.want || !strings.Contains(a.Error.Message, tt.message) {
				t.Fatalf("%d %s, want %d with %q", a.Status, a.Body, tt.want, tt.message)
			}
			if strings.Contains(a.Error.Message, "Go struct") || strings.Contains(a.Error.Message, "2006-01-02") {
				t.Fatalf("Go's words in the answer: %s", a.Error.Message)
			}
		})
	}
	for _, al := range h.Server.Devices().Alerts(accessMitte, h.Clock.Now()) {
		t.Errorf("alert raised by refused reports: %+v", al)
	}
}

// TestConfiguredKioskNeverReported: a configured kiosk that has not
// reported since the hub started is missed like one that fell silent (the
// reports live in memory; a kiosk that died with the hub would otherwise
// stay invisible). A display is not expected: a web board reports nothing.
func TestConfiguredKioskNeverReported(t *testing.T) {
	h := deviceHub(t, NoLimits())
	if got := h.Server.Devices().Alerts(accessMitte, h.Clock.Now()); len(got) != 0 {
		t.Fatalf("alerts right after the start: %+v", got)
	}
	h.Clock.Advance(devicehealth.SilentAfter + time.Second)
	var silent []string
	for _, al := range h.Server.Devices().Alerts(accessMitte, h.Clock.Now()) {
		if al.Kind == devicehealth.AlertSilent {
			silent = append(silent, al.Device)
		}
	}
	if len(silent) != 1 || silent[0] != "eingang" {
		t.Fatalf("silent after 2 minutes without a report: %v, want the kiosk eingang", silent)
	}
	if a := h.raw("POST", statusPath, bearer("k-mitte"), `{"version":"1","uptimeSeconds":1}`); a.Status != 204 {
		t.Fatalf("report: %d %s", a.Status, a.Body)
	}
	if got := h.Server.Devices().Alerts(accessMitte, h.Clock.Now()); len(got) != 0 {
		t.Fatalf("alerts after the kiosk reported: %+v", got)
	}
}
