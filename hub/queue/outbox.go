package queue

// The records of the outbox: the reports the office owes its booking
// backend. They are the domain's, not the backend's, so that the store,
// which keeps them, depends on the domain only; package booking names them
// under its own words (booking.Report and so on are aliases).

import "time"

// OutboxReport is one status report to the booking backend. ID is the
// outbox row id and serves as the idempotency key: a report delivered
// twice has one effect.
type OutboxReport struct {
	ID          int64
	Office      string
	Appointment string
	Kind        Report
	At          time.Time
	// Arrived is when the person checked in, for every report after the
	// arrival (ZMS wants it with each status change); zero when unknown.
	Arrived time.Time
	Ticket  string // the ticket number, for backends that show it
	Counter string // where the person was called, if anywhere
}

// DeadLetter is a report the backend refused for good, with its answer.
type DeadLetter struct {
	Report OutboxReport
	Answer string    // the backend's answer: status and message
	Failed time.Time // when it was refused
}

// OutboxStats is what the store knows about one office's outbox.
type OutboxStats struct {
	Depth       int
	Oldest      time.Time // when the oldest pending report happened; zero when none
	DeadLetters int
	LastAnswer  string // the backend's answer to the newest dead letter
}
