package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// CodeTooLarge answers a body over its endpoint's limit (413).
const CodeTooLarge = "too_large"

// Kinds of devices that report their health.
const (
	DeviceKiosk   = "kiosk"
	DeviceDisplay = "display"
)

// Printer states a device reports. PrinterNone: the device has no printer.
const (
	PrinterOK       = "ok"
	PrinterPaperLow = "paper_low"
	PrinterPaperOut = "paper_out"
	PrinterOffline  = "offline"
	PrinterNone     = "none"
)

// PrinterStates are every printer state, in the order of their severity.
var PrinterStates = []string{PrinterOK, PrinterPaperLow, PrinterPaperOut, PrinterOffline, PrinterNone}

// Link is the state of a device's scanner or stream connection.
type Link string

// The states of a Link. LinkNone: the device has no such connection (a
// kiosk with only a keyboard-wedge scanner cannot tell whether one is
// plugged in).
const (
	LinkConnected    Link = "connected"
	LinkDisconnected Link = "disconnected"
	LinkNone         Link = "none"
)

// UnmarshalJSON takes the states as words and also as a bool (true:
// connected), the two spellings devices were told to send; anything else
// is an error.
func (l *Link) UnmarshalJSON(data []byte) error {
	switch string(bytes.TrimSpace(data)) {
	case "true":
		*l = LinkConnected
		return nil
	case "false":
		*l = LinkDisconnected
		return nil
	case "null":
		*l = LinkNone
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("want true, false, \"connected\", \"disconnected\" or \"none\": %w", err)
	}
	switch Link(s) {
	case LinkConnected, LinkDisconnected, LinkNone:
		*l = Link(s)
		return nil
	}
	return fmt.Errorf("unknown connection state %q (want connected, disconnected or none)", s)
}

// OptionalTime is an RFC 3339 time that may be absent: null and "" read
// as the zero time, which is written as null.
type OptionalTime struct{ time.Time }

// UnmarshalJSON reads null, "" or an RFC 3339 time.
func (t *OptionalTime) UnmarshalJSON(data []byte) error {
	switch string(bytes.TrimSpace(data)) {
	case "null", `""`:
		t.Time = time.Time{}
		return nil
	}
	return t.Time.UnmarshalJSON(data)
}

// MarshalJSON writes null for the zero time.
func (t OptionalTime) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return t.Time.MarshalJSON()
}

// DeviceStatus is what a kiosk or display reports to
// POST /api/v1/devices/status every few seconds.
type DeviceStatus struct {
	Version       string `json:"version"`
	UptimeSeconds int64  `json:"uptimeSeconds"`
	// Kind is DeviceKiosk or DeviceDisplay; empty: the token's role.
	Kind string `json:"kind,omitempty"`
	// Office is needed only with a token for every office.
	Office   string       `json:"office,omitempty"`
	Printer  string       `json:"printer,omitempty"` // a Printer… state; empty: none
	Scanner  Link         `json:"scanner,omitempty"` // empty: none
	LastScan OptionalTime `json:"lastScan"`
	Stream   Link         `json:"stream,omitempty"` // empty: none
}

// DeviceHealth is the hub's view of one device: its latest report, when
// the hub received it by its own clock, and whether it has gone silent.
type DeviceHealth struct {
	Device        string       `json:"device"`
	Office        string       `json:"office"`
	Kind          string       `json:"kind"`
	Version       string       `json:"version"`
	UptimeSeconds int64        `json:"uptimeSeconds"`
	Printer       string       `json:"printer"`
	Scanner       Link         `json:"scanner"`
	LastScan      OptionalTime `json:"lastScan"`
	Stream        Link         `json:"stream"`
	ReportedAt    time.Time    `json:"reportedAt"`
	// Silent: no report for longer than the hub waits (2 minutes).
	Silent bool `json:"silent"`
}

// ReportStatus sends the device's status; the hub answers 204.
func (c *Client) ReportStatus(ctx context.Context, st DeviceStatus) error {
	return c.do(ctx, http.MethodPost, "/api/v1/devices/status", st, nil)
}

// Devices lists the health of an office's devices (supervisor, admin).
func (c *Client) Devices(ctx context.Context, office string) ([]DeviceHealth, error) {
	var out []DeviceHealth
	return out, c.do(ctx, http.MethodGet, officePath(office)+"/devices", nil, &out)
}
