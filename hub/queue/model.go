// Package queue holds Lotse's domain: offices, services, counters,
// appointments, tickets, events and the queue policy.
//
// It is pure Go: no I/O, no goroutines, no clock of its own. Every command
// takes the current time from the caller, so a simulated day runs in
// milliseconds and every rule is testable with exact times.
package queue

import (
	"fmt"
	"strings"
	"time"
)

// DayFormat is how a calendar day is written in keys and the API.
const DayFormat = "2006-01-02"

// Service is a concern a citizen comes for ("Anliegen").
type Service struct {
	ID       string
	Name     string
	Prefix   string        // ticket prefix letter, e.g. "A"
	Duration time.Duration // typical time at the counter for one person
	// Names are the name in further languages, by language code ("en",
	// "tr", …), for the kiosk; Name is the German one.
	Names map[string]string
	// WalkInQuota caps the walk-in tickets of the service per day; 0: no
	// quota, only the capacity before closing limits them.
	WalkInQuota int
}

// PriorityLevel is a reason the desk gives a ticket priority
// ("Behinderung", "Schwangerschaft", "dringend"). All levels rank alike:
// the level tells the clerk why, it does not order priority tickets.
type PriorityLevel struct {
	ID   string
	Name string // German, what the desk and the workplace show
}

// Counter is a clerk's workplace ("Schalter", "Platz").
type Counter struct {
	ID       string
	Name     string   // what the board shows, e.g. "Schalter 5"
	Services []string // the services served here
}

// Serves reports whether the counter serves the service.
func (c Counter) Serves(service string) bool {
	for _, s := range c.Services {
		if s == service {
			return true
		}
	}
	return false
}

// Policy is an office's set of queue rules. DefaultPolicy gives the values
// the README states (its "Queue policy defaults"); every one can be changed
// per office.
type Policy struct {
	CheckInBefore time.Duration // check-in opens this long before the start
	CheckInAfter  time.Duration // and closes this long after it
	DueAhead      time.Duration // an appointment counts as due this long before its start
	MaxRecalls    int           // recalls before a called ticket is missed
	NoShowGrace   time.Duration // not checked in by start+grace: no-show
	WalkIns       bool          // walk-in tickets are offered
	LateAsWalkIn  bool          // a too-late check-in becomes a walk-in instead of an error
	// MaxWalkInWait stops a steady stream of appointments from starving
	// walk-ins: a walk-in waiting this long ranks with the due appointments.
	MaxWalkInWait time.Duration
	// BirthDateCheckIn is false where the booking backend has no birth dates.
	BirthDateCheckIn bool
	// MissedToDesk sends a person whose ticket was missed and who checks
	// in again to the information desk (SeeDesk). False: the ticket goes
	// back into the line, as ZMS and NovoSGA do.
	MissedToDesk bool
	// PriorityRun and PriorityYieldAfter keep priority tickets from
	// starving everyone else: after PriorityRun priority calls in a row at
	// a counter, it calls the next normal ticket instead if that one has
	// waited PriorityYieldAfter or longer. PriorityRun 0 turns this off.
	PriorityRun        int
	PriorityYieldAfter time.Duration
	// Closing is the office's closing time as hours and minutes since
	// local midnight. From then on no walk-in ticket is issued, and before
	// it one is issued only while the staffed counters can still serve it
	// by then. Zero: no closing time, walk-ins are not limited by capacity.
	Closing time.Duration
	// ExpectedNoShow is the share of booked persons assumed to stay away
	// until the day has measured its own rate; the capacity estimate
	// weighs the appointments still to come with it.
	ExpectedNoShow float64
}

// DefaultPolicy returns the defaults the README states.
func DefaultPolicy() Policy {
	return Policy{
		CheckInBefore:    30 * time.Minute,
		CheckInAfter:     15 * time.Minute,
		DueAhead:         2 * time.Minute,
		MaxRecalls:       2,
		NoShowGrace:      15 * time.Minute,
		WalkIns:          true,
		MaxWalkInWait:    45 * time.Minute,
		BirthDateCheckIn: true,
		// Once a normal ticket has waited 20 minutes, a counter
		// calls at most two priority tickets before it.
		PriorityRun:        2,
		PriorityYieldAfter: 20 * time.Minute,
		ExpectedNoShow:     0.1,
	}
}

// Office is a location with its services, counters and policy.
type Office struct {
	ID       string
	Name     string
	Services []Service
	Counters []Counter
	Policy   Policy
	Location *time.Location // the office's time zone; nil means UTC

	// PriorityLevels are the reasons for priority the desk may choose
	// from; none: priority without a stated reason.
	PriorityLevels []PriorityLevel
	// BookingURL is where citizens book an appointment online; the kiosk
	// points there when walk-ins are full. Empty: none given.
	BookingURL string
	// Outcomes are what a clerk may pick as a visit's end at finish;
	// DefaultOutcomes where the office configures none.
	Outcomes []Outcome
}

// Service returns the service with the id.
func (o *Office) Service(id string) (Service, bool) {
	for _, s := range o.Services {
		if s.ID == id {
			return s, true
		}
	}
	return Service{}, false
}

// PriorityLevel returns the priority level with the id.
func (o *Office) PriorityLevel(id string) (PriorityLevel, bool) {
	for _, l := range o.PriorityLevels {
		if l.ID == id {
			return l, true
		}
	}
	return PriorityLevel{}, false
}

// Counter returns the counter with the id.
func (o *Office) Counter(id string) (Counter, bool) {
	for _, c := range o.Counters {
		if c.ID == id {
			return c, true
		}
	}
	return Counter{}, false
}

// Day returns the office-local calendar day of t.
func (o *Office) Day(t time.Time) string {
	return t.In(o.location()).Format(DayFormat)
}

// location is the office's time zone, UTC if none is set.
func (o *Office) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

// Validate checks what the queue relies on: unique ids, known services, a
// prefix per service.
func (o *Office) Validate() error {
	if o.ID == "" {
		return Errorf(Invalid, "office without id")
	}
	seen := map[string]bool{}
	for _, s := range o.Services {
		if s.ID == "" || seen["s:"+s.ID] {
			return Errorf(Invalid, "office %s: empty or duplicate service id %q", o.ID, s.ID)
		}
		if s.Prefix == "" {
			return Errorf(Invalid, "office %s: service %s has no ticket prefix", o.ID, s.ID)
		}
		for lang, name := range s.Names {
			if !validLanguage(lang) || strings.TrimSpace(name) == "" {
				return Errorf(Invalid, "office %s: service %s: name %q in language %q: want a language code (en, tr, …) and a name", o.ID, s.ID, name, lang)
			}
		}
		seen["s:"+s.ID] = true
	}
	for _, l := range o.PriorityLevels {
		if l.ID == "" || strings.TrimSpace(l.Name) == "" || seen["p:"+l.ID] {
			return Errorf(Invalid, "office %s: priority level %q: want a unique id and a name", o.ID, l.ID)
		}
		seen["p:"+l.ID] = true
	}
	if p := o.Policy; p.Closing < 0 || p.Closing >= 24*time.Hour || p.ExpectedNoShow < 0 || p.ExpectedNoShow >= 1 || p.PriorityRun < 0 {
		return Errorf(Invalid, "office %s: closing %v, expected no-show %v, priority run %d: want a time of day, a share below 1 and a run of 0 or more",
			o.ID, p.Closing, p.ExpectedNoShow, p.PriorityRun)
	}
	for _, c := range o.Counters {
		if c.ID == "" || seen["c:"+c.ID] {
			return Errorf(Invalid, "office %s: empty or duplicate counter id %q", o.ID, c.ID)
		}
		seen["c:"+c.ID] = true
		for _, s := range c.Services {
			if !seen["s:"+s] {
				return Errorf(Invalid, "office %s: counter %s serves unknown service %q", o.ID, c.ID, s)
			}
		}
	}
	return o.validateOutcomes() // outcome.go
}

// validLanguage reports whether lang looks like a language code: two or
// three lowercase letters, as the translation files are named.
func validLanguage(lang string) bool {
	if len(lang) < 2 || len(lang) > 3 {
		return false
	}
	for _, r := range lang {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// ServiceCount is a service and how many persons need it ("2 × Anmeldung").
type ServiceCount struct {
	Service string
	Count   int
}

// Appointment is a booking from the booking backend. Birth dates arrive here
// only as a keyed hash.
type Appointment struct {
	ID        string
	Office    string
	Start     time.Time
	Duration  time.Duration
	Services  []ServiceCount
	Secret    string // what the QR code of the confirmation carries
	BirthHash string // HMAC of the holder's birth date; empty if unknown
	Name      string // never shown in public
	Cancelled bool   // cancelled in the booking backend
	NoShow    bool   // not checked in by start + grace
}

// SameBooking reports whether a and b carry the same booking data, so that
// an unchanged re-sync writes nothing. Local state (NoShow) is not compared.
func (a Appointment) SameBooking(b Appointment) bool {
	if a.ID != b.ID || a.Office != b.Office || !a.Start.Equal(b.Start) || a.Duration != b.Duration ||
		a.Secret != b.Secret || a.BirthHash != b.BirthHash || a.Name != b.Name || a.Cancelled != b.Cancelled ||
		len(a.Services) != len(b.Services) {
		return false
	}
	for i := range a.Services {
		if a.Services[i] != b.Services[i] {
			return false
		}
	}
	return true
}

// Persons is the number of persons the appointment is for.
func (a Appointment) Persons() int { return persons(a.Services) }

func persons(services []ServiceCount) int {
	n := 1
	for _, s := range services {
		if s.Count > n {
			n = s.Count
		}
	}
	return n
}

// TicketState is where a ticket is in its life.
type TicketState string

// The ticket states: waiting → called → serving → done, plus parked, missed
// (no-show after the last recall) and cancelled.
const (
	Waiting   TicketState = "waiting"
	Called    TicketState = "called"
	Serving   TicketState = "serving"
	Done      TicketState = "done"
	Parked    TicketState = "parked"
	Missed    TicketState = "missed"
	Cancelled TicketState = "cancelled"
)

// Final reports whether nothing more happens to the ticket on its own.
// A missed ticket can still be called again by a clerk.
func (s TicketState) Final() bool { return s == Done || s == Missed || s == Cancelled }

// Ticket is what the queue holds: one visit, by appointment or walk-in.
// The JSON form (the event log's payload) leaves zero fields out: most of
// a ticket's times are still unset, and every event is written to disk.
type Ticket struct {
	ID               string      `json:",omitzero"`
	Office           string      `json:",omitzero"`
	Day              string      `json:",omitzero"`
	N                int         `json:",omitzero"` // the office's daily counter
	Number           string      `json:",omitzero"` // what the board shows, e.g. "A042"
	State            TicketState `json:",omitzero"`
	Services         []ServiceCount
	Appointment      string    `json:",omitzero"` // empty for walk-ins
	AppointmentStart time.Time `json:",omitzero"` // zero for walk-ins
	Priority         bool      `json:",omitzero"`
	PriorityLevel    string    `json:",omitzero"` // why, one of the office's PriorityLevels; may be empty
	Arrived          time.Time `json:",omitzero"`
	Transferred      time.Time `json:",omitzero"` // last transfer; ranks the ticket with due appointments
	Counter          string    `json:",omitzero"` // where it is called or served
	TargetCounter    string    `json:",omitzero"` // only this counter may call it (transfer to a counter)
	Called           time.Time `json:",omitzero"`
	Started          time.Time `json:",omitzero"`
	Ended            time.Time `json:",omitzero"`
	Recalls          int       `json:",omitzero"`
	// Note tells the clerk why a stranded ticket comes to this counter
	// (NoteTargetClosed, NoteNoOpenCounter, NoteCounterGone); set when it
	// is called, and on the copies Candidates returns.
	Note string `json:",omitzero"`
	// NoShowReported: the booking backend has been told the appointment
	// was a no-show. A ticket missed again after being called back is not
	// reported a second time.
	NoShowReported bool `json:",omitzero"`
	// StatusToken is the key of the ticket's status page on the holder's
	// phone (see SetTokenSource). It is stored with the ticket and purged
	// with it, but never written into the event log, which every screen
	// can resume from.
	StatusToken string `json:"-"`
	// Outcome is how the visit ended, an id of the office's Outcomes
	// the clerk picked at finish; empty when none was picked.
	Outcome string `json:",omitzero"`
	// Handover is the short note a clerk gives the next one with a
	// transfer. Free text may name the person: it stays in the ticket
	// row (purged with the day), never in the event log that screens
	// resume from.
	Handover string `json:"-"`
}

// Service returns the ticket's main service: the one that decides where it
// can be called.
func (t *Ticket) Service() string {
	if len(t.Services) == 0 {
		return ""
	}
	return t.Services[0].Service
}

// Persons is the number of persons on the ticket.
func (t *Ticket) Persons() int { return persons(t.Services) }

// TicketID is the stable id of the n-th ticket of an office's day.
func TicketID(office, day string, n int) string {
	return fmt.Sprintf("%s-%s-%04d", office, day, n)
}

// idDay returns the date in a ticket id made by TicketID, or "".
func idDay(office, id string) string {
	rest, ok := strings.CutPrefix(id, office+"-")
	if !ok || len(rest) < len(DayFormat) {
		return ""
	}
	return rest[:len(DayFormat)]
}

// CounterState is a counter's open/paused state and its current ticket.
type CounterState struct {
	ID     string
	Open   bool
	Ticket string // the ticket called or served here, if any
	// Staffed: a clerk is present (see TrackPresence). It is not stored:
	// after a restart nobody is present until the clerks come back.
	Staffed bool `json:",omitzero"`
}
