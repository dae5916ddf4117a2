// Package api holds the JSON wire types of the hub's HTTP API and stream, and
// the Go client that the kiosk, the display, the tests and the benchmarks
// use. It imports nothing of the hub, so the apps never depend on hub
// internals.
package api

import "time"

// Error codes of the API. They mirror the hub's domain codes.
const (
	CodeNotFound     = "not_found"
	CodeConflict     = "conflict"
	CodeInvalid      = "invalid"
	CodeUnauthorized = "unauthorized"
	CodeTooEarly     = "too_early"
	CodeTooLate      = "too_late"
	CodeWrongOffice  = "wrong_office"
	CodeRateLimited  = "rate_limited"
	CodeUnavailable  = "unavailable"
	CodeInternal     = "internal"
	// CodeCurrentNotStarted: next or call while the counter's ticket was
	// called but never started; repeat with ActionRequest.Current.
	CodeCurrentNotStarted = "current_not_started"
	// CodeBadRequest: a request the API cannot read, e.g. a statistics
	// period that is not one (400).
	CodeBadRequest = "bad_request"
	// CodeAlreadyServed: a check-in for an appointment whose ticket was
	// served today (409). The kiosk says so instead of issuing a number
	// that will never be called.
	CodeAlreadyServed = "already_served"
	// CodeSeeDesk: a check-in for an appointment whose ticket was missed,
	// in an office that sends such people to the information desk
	// instead of putting them back in the queue (409).
	CodeSeeDesk = "see_desk"
	// CodeWalkInsFull (409): no more walk-in tickets for the service
	// today — the counters' time before closing is spoken for, the daily
	// quota is drawn, or the office has closed. The kiosk points to the
	// office's bookingUrl; freed capacity opens walk-ins again.
	CodeWalkInsFull = "walkins_full"
	// CodeNoPrinter: the office has no desk printer (409); the desk page
	// prints from the browser instead.
	CodeNoPrinter = "no_printer"
)

// Error codes of access control.
const (
	CodeForbidden        = "forbidden"          // 403: the caller's role or counters do not allow it
	CodeCounterInUse     = "counter_in_use"     // 409: another session works at the counter; log in with takeOver
	CodeSessionTakenOver = "session_taken_over" // 401: another login took over the session's counter
	CodeSessionEnded     = "session_ended"      // 401: the password changed or the account was removed
)

// ErrorBody is the body of every error answer: {"error":{...}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong, with what a client needs to help the
// citizen on.
type ErrorDetail struct {
	Code       string     `json:"code"`
	Message    string     `json:"message"`
	ComeBackAt *time.Time `json:"comeBackAt,omitempty"` // too_early
	Office     *OfficeRef `json:"office,omitempty"`     // wrong_office: where to go
	Choices    []Choice   `json:"choices,omitempty"`    // conflict: pick one
	RetryAfter int        `json:"retryAfter,omitempty"` // rate_limited: seconds
}

// OfficeRef names an office.
type OfficeRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Timezone is the office's IANA time zone: boards show its time,
	// not the time zone of the machine they run on.
	Timezone string `json:"timezone,omitempty"`
}

// Choice is one of several appointments matching a birth date. It carries no
// name.
type Choice struct {
	Appointment string         `json:"appointment"`
	Start       time.Time      `json:"start"`
	Services    []ServiceCount `json:"services"`
}

// Office is an office with its services and counters.
type Office struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Timezone string    `json:"timezone"`
	Services []Service `json:"services"`
	Counters []Counter `json:"counters"`
	// WalkIns is true when the kiosk offers tickets without appointment.
	WalkIns bool `json:"walkIns"`
	// BirthDateCheckIn is false where the booking backend has no birth
	// dates (e.g. ZMS): the kiosk then offers QR codes only.
	BirthDateCheckIn bool `json:"birthDateCheckIn"`
	// Outcomes are what a clerk picks at finish.
	Outcomes []Outcome `json:"outcomes,omitempty"`
	// BookingURL is the office's online booking, where the kiosk sends
	// people when walk-ins are full; empty: none configured.
	BookingURL string `json:"bookingUrl,omitempty"`
	// PriorityLevels are the reasons for priority the desk chooses from.
	PriorityLevels []PriorityLevel `json:"priorityLevels,omitempty"`
}

// PriorityLevel is a reason for priority ("Schwangerschaft").
type PriorityLevel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Service is a concern citizens come for.
type Service struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Prefix  string `json:"prefix"`
	Minutes int    `json:"minutes"`
	// Names are the name in further languages by language code ("en",
	// "tr", …), where the office configured them; Name is German.
	Names map[string]string `json:"names,omitempty"`
}

// LocalName is the service's name in language lang, or the German name
// where the office gave none in lang.
func (s Service) LocalName(lang string) string {
	if n := s.Names[lang]; n != "" {
		return n
	}
	return s.Name
}

// Counter is a clerk's workplace.
type Counter struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Services []string `json:"services"`
}

// ServiceCount is a service and the number of persons who need it.
type ServiceCount struct {
	Service string `json:"service"`
	Name    string `json:"name,omitempty"`
	Count   int    `json:"count"`
}

// Ticket states.
const (
	StateWaiting   = "waiting"
	StateCalled    = "called"
	StateServing   = "serving"
	StateDone      = "done"
	StateParked    = "parked"
	StateMissed    = "missed"
	StateCancelled = "cancelled"
)

// Ticket is a place in the queue. Public answers and the stream never carry
// a name; Name is filled only for the clerk who serves the person. Its
// times are in whole milliseconds.
type Ticket struct {
	ID               string         `json:"id"`
	Number           string         `json:"number"`
	State            string         `json:"state"`
	Services         []ServiceCount `json:"services"`
	Persons          int            `json:"persons"`
	Counter          string         `json:"counter,omitempty"`
	CounterName      string         `json:"counterName,omitempty"`
	TargetCounter    string         `json:"targetCounter,omitempty"`
	Appointment      string         `json:"appointment,omitempty"`
	AppointmentStart *time.Time     `json:"appointmentStart,omitempty"`
	Priority         bool           `json:"priority,omitempty"`
	PriorityLevel    string         `json:"priorityLevel,omitempty"` // one of the office's priorityLevels
	Arrived          time.Time      `json:"arrived"`
	Called           *time.Time     `json:"called,omitempty"`
	Started          *time.Time     `json:"started,omitempty"`
	Ended            *time.Time     `json:"ended,omitempty"`
	Recalls          int            `json:"recalls,omitempty"`
	// WaitMinutes is the estimated wait, for a waiting ticket.
	WaitMinutes *int   `json:"waitMinutes,omitempty"`
	Name        string `json:"name,omitempty"`
	// Note tells the clerk why a ticket comes to this counter although it
	// was meant for another: target_closed (its counter is paused or
	// gone), no_open_counter (no open counter serves its service),
	// counter_gone (its counter was removed while it was there).
	Note string `json:"note,omitempty"`
	// Handover is the note the last clerk gave with a transfer; only in
	// the answers to the clerk the ticket is at.
	Handover string `json:"handover,omitempty"`
	// StatusURL is the citizen's own page to follow the ticket on a phone
	// (…/t/{token}); only in the answer to whoever drew the ticket.
	StatusURL string `json:"statusUrl,omitempty"`
}

// CheckInRequest checks in by scanned code or by birth date.
type CheckInRequest struct {
	Code        string `json:"code,omitempty"`
	BirthDate   string `json:"birthDate,omitempty"` // YYYY-MM-DD
	Appointment string `json:"appointment,omitempty"`
	// Confirm, with Appointment, is the information desk checking in
	// what a kiosk refuses, after staff confirmed it: too early, too
	// late, after a no-show, a missed or given-up ticket (back into the
	// line). Desk, supervisor and admin accounts only (403 otherwise).
	Confirm bool `json:"confirm,omitempty"`
}

// WalkInRequest draws a walk-in ticket.
type WalkInRequest struct {
	Service  string `json:"service"`
	Priority bool   `json:"priority,omitempty"`
	// PriorityLevel gives priority for one of the office's priority
	// levels (clerks only, as Priority).
	PriorityLevel string `json:"priorityLevel,omitempty"`
}

// Counter actions.
const (
	ActionNext     = "next"
	ActionRecall   = "recall"
	ActionNoShow   = "noshow"
	ActionStart    = "start"
	ActionFinish   = "finish"
	ActionPark     = "park"
	ActionTransfer = "transfer"
	ActionCall     = "call"
	ActionPause    = "pause"
	ActionOpen     = "open"
)

// ActionRequest is the optional body of a counter action.
type ActionRequest struct {
	Ticket    string `json:"ticket,omitempty"`    // call
	Service   string `json:"service,omitempty"`   // transfer to a service
	Counter   string `json:"counter,omitempty"`   // transfer to a counter
	RequestID string `json:"requestId,omitempty"` // a repeated id answers with the first answer
	// Current says, for next and call, how the counter's ticket ended when
	// it was called but never started: CurrentServed or CurrentNoShow.
	// Without it such a ticket gets CodeCurrentNotStarted (409).
	Current string `json:"current,omitempty"`
	// Outcome is how the visit ended (finish, and next or call that
	// finish the counter's ticket): an id of the office's outcomes.
	Outcome string `json:"outcome,omitempty"`
	// Handover is a short note for the next clerk (transfer).
	Handover string `json:"handover,omitempty"`
}

// The clerk's word on a called ticket that was never started.
const (
	CurrentServed = "served"
	CurrentNoShow = "noshow"
)

// ActionResult answers a counter action: the ticket it concerned (absent for
// pause and open) and the counter afterwards.
type ActionResult struct {
	Ticket  *Ticket      `json:"ticket,omitempty"`
	Counter CounterState `json:"counter"`
}

// CounterState is a counter's state on the board.
type CounterState struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Open bool   `json:"open"`
	// Staffed: a clerk is logged in (or acted there lately).
	Staffed bool `json:"staffed"`
	// Closed: the counter calls nobody, paused or with nobody at it.
	// Boards show it closed; the waiting estimates leave it out.
	Closed bool    `json:"closed,omitempty"`
	Ticket *Ticket `json:"ticket,omitempty"`
}

// ServiceWait is the waiting line of one service.
type ServiceWait struct {
	Service string `json:"service"`
	Name    string `json:"name"`
	Waiting int    `json:"waiting"`
	// WaitMinutes is the estimated wait for a newcomer; -1 when no open
	// counter serves the service.
	WaitMinutes int `json:"waitMinutes"`
	// Hidden: the line is not shown (the line of bookings without a known
	// service while nobody waits in it). Only an event's lines hold hidden
	// ones, so that a board showing the line drops it; see Event.Waiting.
	Hidden bool `json:"hidden,omitempty"`
}

// Call is an entry of the board's call history. At is in whole
// milliseconds.
type Call struct {
	Ticket      string    `json:"ticket"`
	Number      string    `json:"number"`
	Counter     string    `json:"counter"`
	CounterName string    `json:"counterName"`
	At          time.Time `json:"at"`
	Recall      bool      `json:"recall,omitempty"`
}

// Message types on the stream.
const (
	TypeSnapshot = "snapshot"
	TypePing     = "ping"
)

// Snapshot is the whole public state of an office's queue: the answer of GET
// .../queue and the first message on the stream.
type Snapshot struct {
	Type     string         `json:"type"` // "snapshot"
	Seq      int64          `json:"seq"`
	Office   OfficeRef      `json:"office"`
	Day      string         `json:"day"`
	Time     time.Time      `json:"time"`
	Tickets  []Ticket       `json:"tickets"` // every ticket not yet final, and missed ones
	Counters []CounterState `json:"counters"`
	Calls    []Call         `json:"calls"` // newest first
	Waiting  []ServiceWait  `json:"waiting"`
	Notice   string         `json:"notice,omitempty"`
}

// Event types on the stream: the values of Event.Type. They are the hub's
// queue event types (hub/queue); clients compare with these constants, so
// that a misspelt type is a compile error and not a silently ignored event.
const (
	EventCheckedIn         = "checked_in"  // a ticket for an appointment
	EventWalkedIn          = "walked_in"   // a walk-in ticket
	EventCalled            = "called"      // a counter called the ticket
	EventRecalled          = "recalled"    // called again, same counter
	EventStarted           = "started"     // the person arrived at the counter
	EventFinished          = "finished"    // service done
	EventMissed            = "missed"      // no-show after the last recall
	EventParked            = "parked"      // set aside, can be called later
	EventTransferred       = "transferred" // back to the queue for another service or counter
	EventCancelled         = "cancelled"   // ended by the office at the end of the day
	EventWithdrawn         = "withdrawn"   // given up by its holder (the phone's "Ich komme nicht mehr")
	EventCounterOpened     = "counter_opened"
	EventCounterPaused     = "counter_paused"
	EventCounterStaffed    = "counter_staffed"    // a clerk came or left; the counter says which
	EventAppointmentNoShow = "appointment_noshow" // not checked in by start + grace
	// EventDayTurned is the type of the last event of every day turn. It
	// carries no ticket. A stream client that receives it drops everything
	// it shows and takes a fresh snapshot (resubscribe without since, or
	// GET .../queue), so that it shows what a freshly started client shows.
	EventDayTurned = "day_turned"
)

// Event is one state change on the stream. Type is one of the Event*
// constants.
type Event struct {
	Type string `json:"type"`
	Seq  int64  `json:"seq"`
	// At is when it happened, in whole milliseconds, as every time of
	// a ticket, a call or an event on the wire.
	At time.Time `json:"at"`
	// Ticket is the ticket after a ticket event. Its services carry ids
	// only, no names: the office names them (Office.Services), and the
	// stream's readers show a ticket's number and counter.
	Ticket *Ticket `json:"ticket,omitempty"`
	// Counter is the counter after a counter event (counter_opened,
	// counter_paused, counter_staffed). Ticket events carry none: they
	// leave the counter's flags as they were.
	Counter *CounterState `json:"counter,omitempty"`
	// Waiting holds the waiting lines that the change changed, so boards
	// need no extra request: each replaces the board's line of the same
	// service, a line of a service the board has none of is added at the
	// end, a Hidden one removes it, and the board's other lines stay. An
	// event may carry unchanged lines too (after a hub restart, all of
	// them); none: no line changed. A snapshot's lines are all of them.
	Waiting []ServiceWait `json:"waiting,omitempty"`
}

// Ping keeps the stream alive; boards show a connection warning when pings
// stop arriving.
type Ping struct {
	Type string    `json:"type"` // "ping"
	Time time.Time `json:"time"`
	Seq  int64     `json:"seq"`
}

// Appointment is a day's appointment as the information desk sees it (clerk
// auth only).
type Appointment struct {
	ID       string         `json:"id"`
	Start    time.Time      `json:"start"`
	Minutes  int            `json:"minutes"`
	Services []ServiceCount `json:"services"`
	Persons  int            `json:"persons"`
	Name     string         `json:"name,omitempty"`
	Status   string         `json:"status"` // booked, arrived, cancelled, noshow
	Ticket   *Ticket        `json:"ticket,omitempty"`
}

// Health is the answer of GET /healthz.
type Health struct {
	Status  string         `json:"status"` // "ok", "degraded" or "failing" (answered with 503)
	Time    time.Time      `json:"time"`
	Offices []OfficeHealth `json:"offices"`
	// Problems name what makes the hub fail, e.g. a database that takes
	// no writes.
	Problems []Problem `json:"problems,omitempty"`
	// Version is the hub's build.
	Version string `json:"version,omitempty"`
	// Clock says whether the system clock is synchronised:
	// "synchronized", "unsynchronized" (the hub is degraded: check-in
	// windows and no-shows depend on it) or "unknown" (nobody could tell;
	// no warning).
	Clock string `json:"clock,omitempty"` // ClockSynchronized, ClockUnsynchronized, ClockUnknown
	// Warnings name what degrades the hub without stopping it, e.g.
	// clock_unsynchronized.
	Warnings []Problem `json:"warnings,omitempty"`
}

// The states of Health.Clock.
const (
	ClockSynchronized   = "synchronized"
	ClockUnsynchronized = "unsynchronized"
	ClockUnknown        = "unknown"
)

// Problem is one cause of a failing hub: a code (database_read_only,
// disk_full, database_busy, database_failing, database_gone) and
// English text.
type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// OfficeHealth is the sync and outbox state of one office.
type OfficeHealth struct {
	ID          string     `json:"id"`
	Seq         int64      `json:"seq"`
	LastSync    *time.Time `json:"lastSync,omitempty"`
	SyncError   string     `json:"syncError,omitempty"`
	OutboxDepth int        `json:"outboxDepth"`
	Warning     string     `json:"warning,omitempty"` // English, for logs and people reading JSON
	// WarningCode says the same for pages to translate: reports_failing
	// (the backend has not accepted reports since WarningSince),
	// sync_stale (no successful sync since WarningSince) or never_synced.
	WarningCode  string     `json:"warningCode,omitempty"`
	WarningSince *time.Time `json:"warningSince,omitempty"`
	// The office's outbox: when its oldest waiting report happened and
	// how old that is; reports the backend refused for good (dead
	// letters: GET …/outbox lists them with the backend's answers for
	// clerks, POST …/outbox/retry sends them again).
	OutboxOldest     *time.Time `json:"outboxOldest,omitempty"`
	OutboxAgeSeconds int64      `json:"outboxAgeSeconds"`
	DeadLetters      int        `json:"deadLetters"`
	// Bookings of the last sync kept only after a repair, the repairs by
	// kind (name_shortened, service_fallback, …) and the bookings refused
	// by reason (id, start, duplicate, service).
	Repaired int            `json:"repaired"`
	Repairs  map[string]int `json:"repairs,omitempty"`
	Refused  map[string]int `json:"refused,omitempty"`
}

// Outbox answers GET /api/v1/offices/{office}/outbox (clerks).
type Outbox struct {
	DeadLetters []DeadLetter `json:"deadLetters"` // newest first, at most 50
}

// DeadLetter is a report the booking backend refused for good.
type DeadLetter struct {
	Appointment string    `json:"appointment"`
	Kind        string    `json:"kind"` // arrived, called, served, noshow, cancelled
	At          time.Time `json:"at"`
	Ticket      string    `json:"ticket,omitempty"`
	Answer      string    `json:"answer"` // the backend's: status and message
	Failed      time.Time `json:"failed"`
}

// OutboxRetry answers POST /api/v1/offices/{office}/outbox/retry.
type OutboxRetry struct {
	Retried int `json:"retried"` // dead letters put back into the outbox
}

// Session answers a clerk login.
type Session struct {
	User    string `json:"user"`
	Office  string `json:"office"`
	Counter string `json:"counter,omitempty"`
	CSRF    string `json:"csrf"`
}

// LoginRequest logs a clerk in at a counter.
type LoginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
	Office   string `json:"office"`
	Counter  string `json:"counter,omitempty"`
	// TakeOver ends another live session at the counter instead of
	// being refused.
	TakeOver bool `json:"takeOver,omitempty"`
}
