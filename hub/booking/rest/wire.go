// Package rest is the adapter for the Lotse booking protocol: a small JSON
// API over HTTP that any booking system can offer (docs/booking.md,
// docs/booking-openapi.yaml). The hub pulls one office's day, cheaply
// re-fetchable with ETag and If-None-Match, reports status changes with an
// idempotency key, and accepts a signed webhook that asks it to pull at
// once. The wire types and the webhook signature live here so that the
// reference server and the hub speak exactly the same protocol.
package rest

import (
	"encoding/json"
	"time"
)

// Day is the answer to GET /offices/{office}/appointments?day=YYYY-MM-DD.
// Appointments is required: a missing or null list is a broken answer,
// never an empty day.
type Day struct {
	Office       string         `json:"office"`
	Day          string         `json:"day"`
	Appointments *[]Appointment `json:"appointments"`
}

// Appointment is one booking on the wire.
type Appointment struct {
	ID        string    `json:"id"`
	Start     time.Time `json:"start"`             // RFC 3339 with offset
	Minutes   int       `json:"minutes,omitempty"` // 0: from the services
	Services  []Service `json:"services"`
	Secret    string    `json:"secret,omitempty"`    // what the QR code carries
	BirthDate string    `json:"birthDate,omitempty"` // YYYY-MM-DD
	Name      string    `json:"name,omitempty"`
	Cancelled bool      `json:"cancelled,omitempty"`
}

// Service is a booked service with the number of persons.
type Service struct {
	ID    string `json:"id"`
	Count int    `json:"count,omitempty"` // omitted means 1
}

// UnmarshalJSON reads an omitted count as 1, as the protocol says, and
// keeps a count the backend sent, 0 included: a booking of nobody is the
// backend's fault, which the sync repairs and counts.
func (s *Service) UnmarshalJSON(b []byte) error {
	var w struct {
		ID    string `json:"id"`
		Count *int   `json:"count"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	s.ID, s.Count = w.ID, 1
	if w.Count != nil {
		s.Count = *w.Count
	}
	return nil
}

// Report is the body of POST /offices/{office}/reports. ID repeats the
// Idempotency-Key header.
type Report struct {
	ID          string    `json:"id"`
	Appointment string    `json:"appointment"`
	Kind        string    `json:"kind"` // arrived, called, served, noshow, cancelled
	At          time.Time `json:"at"`
	Ticket      string    `json:"ticket,omitempty"`
	Counter     string    `json:"counter,omitempty"`
}

// Ack is the backend's receipt for a report, with status 201 (recorded)
// or 200 (a duplicate of a report it already has).
type Ack struct {
	Status string `json:"status"`
}

// Receipt statuses.
const (
	AckRecorded  = "recorded"
	AckDuplicate = "duplicate"
)

// Webhook is the body the booking system may send to
// POST /api/v1/webhooks/booking/{office} when bookings change. The hub
// only needs to know that something changed: it pulls the day at once.
type Webhook struct {
	Office       string   `json:"office"`
	Day          string   `json:"day,omitempty"`
	Appointments []string `json:"appointments,omitempty"` // ids that changed, informative
}

// IdempotencyHeader names the header that makes a report's delivery
// idempotent.
const IdempotencyHeader = "Idempotency-Key"
