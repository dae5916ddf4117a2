package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"lotse/hub/api"
	"lotse/hub/devicehealth"
	"lotse/hub/queue"
	"lotse/internal/version"
)

// Device health (issue 13.3): kiosks and displays report their state every
// few seconds; supervisors read it, /metrics exports it.

// maxStatusBody bounds a device's status report: the report is a handful
// of short fields, and anything larger is a broken or hostile device.
const maxStatusBody = 4 << 10

// codeTooLarge answers a body over its endpoint's limit (413).
const codeTooLarge queue.Code = api.CodeTooLarge

// maxVersion bounds a reported version, which ends up in metric labels.
const maxVersion = 64

// Devices returns the registry of the devices' reports, for the
// supervision page.
func (s *Server) Devices() *devicehealth.Devices { return s.devices }

func (s *Server) deviceRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /api/v1/devices/status", s.reportStatus)
	m.HandleFunc("GET /api/v1/offices/{office}/devices", s.withOffice(clerksOnly, s.officeDevices))
}

// reportStatus keeps a device's status report. Only device tokens report;
// the office is the token's, or the one the report names when the token
// is for every office.
func (s *Server) reportStatus(w http.ResponseWriter, r *http.Request) {
	p, err := s.identify(r, "")
	if err == nil && !p.isDevice() {
		err = queue.Errorf(codeForbidden, "only kiosks and displays report their status")
	}
	if err == nil && !sameOrigin(r, p) {
		err = queue.Errorf(codeUnauthorized, "cross-site request")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if wait, ok := takeAll(slot{s.limits.statusDevice, p.key}); !ok {
		s.writeError(w, r, rateLimitError{queue.Errorf(codeRateLimited, "too many status reports from this device; please wait"), wait})
		return
	}
	st, err := decodeStatus(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rep, err := s.checkStatus(p, st)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.devices.Record(rep)
	w.WriteHeader(http.StatusNoContent)
}

// decodeStatus reads a report strictly: one JSON object of known fields
// and types within maxStatusBody, nothing after it.
func decodeStatus(w http.ResponseWriter, r *http.Request) (api.DeviceStatus, error) {
	var st api.DeviceStatus
	if r.ContentLength > maxStatusBody {
		return st, queue.Errorf(codeTooLarge, "the status report is larger than %d bytes", maxStatusBody)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxStatusBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(&st)
	if err == nil {
		if _, err = dec.Token(); errors.Is(err, io.EOF) {
			err = nil
		} else if err == nil {
			err = errors.New("data after the JSON object")
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return st, queue.Errorf(codeTooLarge, "the status report is larger than %d bytes", maxStatusBody)
	case errors.Is(err, io.EOF):
		return st, queue.Errorf(queue.Invalid, "the status report is empty")
	case err != nil:
		return st, &queue.Error{Code: queue.Invalid, Message: "the status report is not valid: " + plainJSONError(err), Err: err}
	}
	return st, nil
}

// checkStatus validates a decoded report and resolves its office and kind.
func (s *Server) checkStatus(p principal, st api.DeviceStatus) (devicehealth.Report, error) {
	rep := devicehealth.Report{Device: p.device, Office: p.deviceOffice, Kind: st.Kind, Status: st}
	switch {
	case st.Office != "" && p.deviceOffice != "" && st.Office != p.deviceOffice:
		return rep, queue.Errorf(codeForbidden, "the device %s belongs to office %s, not %s", p.device, p.deviceOffice, st.Office)
	case p.deviceOffice == "" && st.Office == "":
		return rep, queue.Errorf(queue.Invalid, "the token is for every office: the report must name its office")
	case p.deviceOffice == "":
		rep.Office = st.Office
	}
	if _, ok := s.offices[rep.Office]; !ok {
		return rep, queue.Errorf(queue.NotFound, "unknown office %q", rep.Office)
	}
	// A device reports as what its token is: a display's token sits in a
	// TV's URL, and whoever read it must not raise a kiosk's alerts.
	rep.Kind = api.DeviceKiosk
	if p.deviceRole == RoleDisplay {
		rep.Kind = api.DeviceDisplay
	}
	switch {
	case st.Kind != "" && st.Kind != api.DeviceKiosk && st.Kind != api.DeviceDisplay:
		return rep, queue.Errorf(queue.Invalid, "unknown kind %q (want kiosk or display)", st.Kind)
	case st.Kind != "" && st.Kind != rep.Kind:
		return rep, queue.Errorf(codeForbidden, "the token of %s is a %s's, not a %s's", p.device, rep.Kind, st.Kind)
	case rep.Kind == api.DeviceDisplay && (st.Printer != "" && st.Printer != api.PrinterNone || st.Scanner == api.LinkConnected):
		return rep, queue.Errorf(queue.Invalid, "a display has no printer and no scanner to report")
	case rep.Kind == api.DeviceDisplay:
		// "scanner": false from a display means it has none; no alert.
		rep.Status.Printer, rep.Status.Scanner = api.PrinterNone, api.LinkNone
	}
	if !st.LastScan.IsZero() && st.LastScan.After(s.now().Add(maxClockAhead)) {
		return rep, queue.Errorf(queue.Invalid, "lastScan lies in the future")
	}
	if st.Version == "" || len(st.Version) > maxVersion || strings.ContainsFunc(st.Version, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		return rep, queue.Errorf(queue.Invalid, "the version must be 1 to %d printable ASCII characters", maxVersion)
	}
	if st.UptimeSeconds < 0 {
		return rep, queue.Errorf(queue.Invalid, "uptimeSeconds must not be negative")
	}
	if st.Printer != "" && !slices.Contains(api.PrinterStates, st.Printer) {
		return rep, queue.Errorf(queue.Invalid, "unknown printer state %q (want ok, paper_low, paper_out, offline or none)", st.Printer)
	}
	return rep, nil
}

// officeDevices lists the office's devices for supervisors: what a kiosk
// reports is none of a counter clerk's business.
func (s *Server) officeDevices(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	if !p.hasRole(RoleSupervisor, RoleAdmin) {
		s.writeError(w, r, queue.Errorf(codeForbidden, "the account %s has no supervisor role", p.clerk))
		return
	}
	writeJSON(w, http.StatusOK, s.devices.List(o.office.ID))
}

// deviceMetrics writes the devices' block of /metrics. It is written from
// the registry on every scrape, not kept in the metrics maps, so that a
// device's old version or state does not linger as a second series.
func (s *Server) deviceMetrics(w io.Writer) {
	devices := s.devices.List("")
	now := s.now()
	family := func(name, typ, help string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	labels := func(h api.DeviceHealth, kv ...string) string {
		return promLabels(append([]string{"device", h.Device, "office", h.Office, "kind", h.Kind}, kv...)...)
	}
	family("lotse_build_info", "gauge", "The hub's build (always 1).")
	fmt.Fprintf(w, "lotse_build_info%s 1\n", promLabels("version", version.String()))
	if len(devices) == 0 {
		return
	}
	family("lotse_device_up", "gauge", "1 while a kiosk or display reports, 0 once silent for 2 minutes.")
	for _, h := range devices {
		up := 1
		if h.Silent {
			up = 0
		}
		fmt.Fprintf(w, "lotse_device_up%s %d\n", labels(h), up)
	}
	family("lotse_device_last_report_seconds", "gauge", "Seconds since the device's last status report.")
	for _, h := range devices {
		fmt.Fprintf(w, "lotse_device_last_report_seconds%s %g\n", labels(h), now.Sub(h.ReportedAt).Seconds())
	}
	family("lotse_device_printer_state", "gauge", "The device's printer state: 1 for the state it is in, 0 for the others.")
	for _, h := range devices {
		for _, state := range api.PrinterStates {
			v := 0
			if h.Printer == state {
				v = 1
			}
			fmt.Fprintf(w, "lotse_device_printer_state%s %d\n", labels(h, "state", state), v)
		}
	}
	family("lotse_device_info", "gauge", "The version a device reports (always 1).")
	for _, h := range devices {
		fmt.Fprintf(w, "lotse_device_info%s 1\n", labels(h, "version", h.Version))
	}
}

// promLabels writes {k="v",…} with the escaping of the Prometheus text
// format (backslash, quote, newline), which Go's %q does not match for
// other control or non-ASCII characters.
func promLabels(kv ...string) string {
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(kv[i])
		b.WriteString(`="`)
		b.WriteString(esc.Replace(kv[i+1]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// maxClockAhead is how far a device's clock may run ahead of the hub's
// before its last scan counts as made up: a PC without time sync drifts
// by minutes, not days.
const maxClockAhead = 24 * time.Hour

// plainJSONError says what is wrong with a report in the API's words,
// without Go's type names: a field of the wrong type, a time that is not
// RFC 3339, an unknown field, broken JSON.
func plainJSONError(err error) string {
	var typ *json.UnmarshalTypeError
	var syn *json.SyntaxError
	var tp *time.ParseError
	switch {
	case errors.As(err, &typ):
		return fmt.Sprintf("%s must be %s", typ.Field, jsonKind(typ.Type.Kind()))
	case errors.As(err, &tp):
		return "a time must be RFC 3339, e.g. 2026-11-30T09:15:00+01:00"
	case errors.As(err, &syn):
		return fmt.Sprintf("not JSON (at byte %d)", syn.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	}
	return "of another type"
}
