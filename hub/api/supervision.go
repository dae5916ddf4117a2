package api

import (
	"encoding/json"
	"time"
)

// The manager's live view: GET /api/v1/offices/{office}/supervision and
// the city overview GET /api/v1/supervision (supervisors and admins).

// Counter states on the supervision page.
const (
	CounterServing = "serving" // a ticket is called or served here
	CounterIdle    = "idle"    // a clerk is present, the counter open, nobody called
	CounterPaused  = "paused"  // the clerk paused the counter
	CounterClosed  = "closed"  // nobody is logged in at the counter
)

// Alert kinds on the supervision page; the device kinds come from the
// devices' reports (device_silent, paper_out, paper_low, printer_offline,
// scanner_lost).
const (
	AlertWait        = "wait_over_threshold" // someone waits longer than the office's threshold
	AlertStranded    = "stranded"            // waiting tickets no serving counter takes
	AlertBookingDown = "booking_down"        // the booking backend has not answered for too long
	AlertDeadLetters = "dead_letters"        // reports the backend refused for good
)

// Supervision is the live state of one office for its manager.
type Supervision struct {
	Office   string               `json:"office"`
	Name     string               `json:"name"`
	Timezone string               `json:"timezone"`
	Now      time.Time            `json:"now"`
	Counters []SupervisedCounter  `json:"counters"`
	Services []SupervisedService  `json:"services"`
	Alerts   []SupervisionAlert   `json:"alerts"`
	Devices  json.RawMessage      `json:"devices"` // the devices' health reports, as the hub keeps them
	Settings SupervisionThreshold `json:"settings"`
}

// SupervisedCounter is one counter: its state, the ticket it calls or
// serves, since when, and the clerk logged in there.
type SupervisedCounter struct {
	ID     string     `json:"id"`
	Name   string     `json:"name"`
	State  string     `json:"state"`            // CounterServing, CounterIdle, CounterPaused, CounterClosed
	Ticket *string    `json:"ticket"`           // the number, e.g. "A042"
	Called bool       `json:"called,omitempty"` // called, the person not yet arrived at the counter
	Since  *time.Time `json:"since"`            // since when in this state; null when unknown
	Clerk  *string    `json:"clerk"`            // the account logged in at the counter
}

// SupervisedService is one service's waiting line.
type SupervisedService struct {
	ID                 string  `json:"id"`
	Name               string  `json:"name"`
	Waiting            int     `json:"waiting"`
	LongestWaitMinutes float64 `json:"longestWaitMinutes"`
	// EstimatedWaitMinutes is the queue's estimate for a newcomer; -1
	// when no open counter serves the service.
	EstimatedWaitMinutes float64 `json:"estimatedWaitMinutes"`
}

// SupervisionAlert is one problem of the office. Text is German; the page
// translates it by Kind with Count and Minutes.
type SupervisionAlert struct {
	Kind    string     `json:"kind"`
	Text    string     `json:"text"`
	Since   *time.Time `json:"since"`
	Device  string     `json:"device,omitempty"`
	Counter string     `json:"counter,omitempty"`
	Service string     `json:"service,omitempty"`
	Count   int        `json:"count,omitempty"`
	Minutes float64    `json:"minutes,omitempty"`
}

// SupervisionThreshold are the office's alert settings the page names.
type SupervisionThreshold struct {
	WaitAlertMinutes float64 `json:"waitAlertMinutes"`
}

// CityOverview is GET /api/v1/supervision: every office the account may
// supervise, in short.
type CityOverview struct {
	Now     time.Time       `json:"now"`
	Offices []OfficeSummary `json:"offices"`
}

// OfficeSummary is one office on the city overview.
type OfficeSummary struct {
	Office             string             `json:"office"`
	Name               string             `json:"name"`
	Waiting            int                `json:"waiting"`
	LongestWaitMinutes float64            `json:"longestWaitMinutes"`
	Counters           map[string]int     `json:"counters"` // by state
	Alerts             []SupervisionAlert `json:"alerts"`
}

// AlertClock is the alert of a hub whose system clock is not
// synchronised: check-in windows and no-shows depend on it.
const AlertClock = "clock_unsynchronized"
