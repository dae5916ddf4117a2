package api

// The citizen's phone follows a ticket at its status link (issue 14):
// GET /t/{token} is the page, GET /t/{token}/status the JSON below,
// GET /t/{token}/events the same JSON as server-sent "status" events, and
// POST /t/{token}/withdraw gives the ticket up. The token is the only
// key: 128 random bits, valid on the ticket's day. The status carries
// numbers only, never a name, a birth date or an appointment.

// The states a phone shows. They follow the ticket's states (see Ticket),
// with a withdrawn ticket (cancelled from the phone, at the desk or at the
// end of the day) as StatusWithdrawn, and two for a token that no longer
// leads to a ticket.
const (
	StatusWaiting   = "waiting"
	StatusCalled    = "called"
	StatusServing   = "serving"
	StatusDone      = "done"
	StatusParked    = "parked"
	StatusMissed    = "missed"
	StatusWithdrawn = "withdrawn"
	// StatusExpired: the ticket belongs to a day that is over (410).
	StatusExpired = "expired"
	// StatusUnknown: no ticket has this token, or its day was purged
	// (404). The two are one answer, so tokens cannot be probed.
	StatusUnknown = "unknown"
)

// NextWithin is how many people may still be ahead when the phone says
// "you are next": issue 14 asks for it when two remain.
const NextWithin = 2

// NextWait is the longest estimated wait at which the phone says "you are
// next": an appointment hours ahead, or a line no counter serves, has few
// ahead but is not next.
const NextWait = 10 // minutes

// TicketStatus is what a phone shows of its ticket.
type TicketStatus struct {
	State    string   `json:"state"`
	Number   string   `json:"number,omitempty"`   // "A042", as the board shows it
	Services []string `json:"services,omitempty"` // names in the requested language
	// Ahead is how many are called before this ticket at the counters of
	// its service, while it waits; 0 otherwise.
	Ahead int `json:"ahead"`
	// WaitMinutes is the estimated wait in whole minutes, rounded up,
	// while it waits; nil when no open counter serves the service.
	WaitMinutes *int `json:"waitMinutes"`
	// Next is true while it waits with at most NextWithin ahead and an
	// estimated wait of at most NextWait minutes.
	Next bool `json:"next"`
	// Counter and CounterName say where to go once called ("schalter-5",
	// "Schalter 5"); empty otherwise.
	Counter     string `json:"counter,omitempty"`
	CounterName string `json:"counterName,omitempty"`
	// Recalls counts the calls after the first: the page shows "called
	// again".
	Recalls    int    `json:"recalls"`
	Office     string `json:"office,omitempty"`
	OfficeName string `json:"officeName,omitempty"`
	// CanWithdraw is true while the ticket can still be given up.
	CanWithdraw bool `json:"canWithdraw"`
	// Appointment: the ticket is for a booked appointment, which giving
	// it up cancels (the page says so); false for a walk-in.
	Appointment bool `json:"appointment"`
	// Seq is the office's event seq this status was read at; the events
	// stream sends it as the SSE id, so a phone that wakes resumes with
	// Last-Event-ID and only gets a newer status.
	Seq int64 `json:"seq"`
}
