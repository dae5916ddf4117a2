package api

import "time"

// TypeEmergency is the stream message of an emergency call (Notruf). It
// carries no seq: it is no queue event, and the hub sends it only to the
// streams of clerks and supervisors, never to a device token's.
const TypeEmergency = "emergency"

// Emergency states.
const (
	EmergencyRaised       = "raised"
	EmergencyAcknowledged = "acknowledged"
	EmergencyEnded        = "ended"
)

// Emergency is a counter's emergency call, as the stream message
// {"type":"emergency",…} and the answers of …/emergency carry it.
type Emergency struct {
	Type        string         `json:"type"` // TypeEmergency
	Office      string         `json:"office"`
	Counter     string         `json:"counter"`
	CounterName string         `json:"counterName"`
	State       string         `json:"state"`
	RaisedBy    string         `json:"raisedBy"`
	RaisedAt    time.Time      `json:"raisedAt"`
	Acks        []EmergencyAck `json:"acks"`
	EndedBy     string         `json:"endedBy,omitempty"`
	EndedAt     *time.Time     `json:"endedAt,omitempty"`
}

// EmergencyAck is one acknowledgement: someone saw the alarm and comes.
type EmergencyAck struct {
	Account string    `json:"account"`
	Counter string    `json:"counter,omitempty"` // where they work; "" for a supervisor without one
	At      time.Time `json:"at"`
}

// Emergencies is GET …/emergencies: the office's active emergency calls,
// for a workplace that connects while one is on.
type Emergencies struct {
	Active []Emergency `json:"active"`
}

// Outcome is one way a visit can end, as the clerk picks it at finish.
type Outcome struct {
	ID    string            `json:"id"`
	Name  string            `json:"name"`
	Names map[string]string `json:"names,omitempty"`
}
