package queue

import "time"

// EventType names a state change.
type EventType string

// The event types. Every change of a ticket, a counter or an appointment's
// local status is one event.
const (
	CheckedIn         EventType = "checked_in"  // a ticket for an appointment
	WalkedIn          EventType = "walked_in"   // a walk-in ticket
	TicketCalled      EventType = "called"      // a counter called the ticket
	TicketRecalled    EventType = "recalled"    // called again, same counter
	TicketStarted     EventType = "started"     // the person arrived at the counter
	TicketFinished    EventType = "finished"    // service done
	TicketMissed      EventType = "missed"      // no-show after the last recall
	TicketParked      EventType = "parked"      // set aside, can be called later
	TicketTransferred EventType = "transferred" // back to the queue for another service or counter
	TicketCancelled   EventType = "cancelled"   // ended by the office (end of day)
	// TicketReturned: the holder of a missed ticket checked in again,
	// and it is back in the line (Policy.MissedToDesk off).
	TicketReturned EventType = "returned"
	// TicketWithdrawn: the holder gave the ticket up ("Ich komme nicht
	// mehr" on the phone). The ticket is cancelled; the event type
	// tells the statistics it was the holder's choice, on the day.
	TicketWithdrawn   EventType = "withdrawn"
	CounterOpened     EventType = "counter_opened"
	CounterPaused     EventType = "counter_paused"
	AppointmentNoShow EventType = "appointment_noshow" // not checked in by start + grace
	// DayTurned is the last event of every day turn. It carries no ticket
	// and belongs to the new day: a screen that receives it drops what it
	// shows and takes a fresh snapshot.
	DayTurned EventType = "day_turned"
)

// Report is what the booking backend is told about an appointment.
type Report string

// The reports to the booking backend.
const (
	ReportArrived   Report = "arrived"
	ReportCalled    Report = "called"
	ReportServed    Report = "served"
	ReportNoShow    Report = "noshow"
	ReportCancelled Report = "cancelled"
)

// Event is one state change. Seq increases by one per office and event; the
// store writes the event and the rows it changes in one transaction.
type Event struct {
	Seq         int64
	Office      string
	Type        EventType
	At          time.Time
	Ticket      *Ticket       `json:",omitzero"` // the ticket after the change, if one changed
	Counter     *CounterState `json:",omitzero"` // the counter after the change, if one changed
	Appointment string        `json:",omitzero"` // the appointment concerned, if any
	Report      Report        `json:",omitzero"` // what to tell the booking backend, if anything
}
