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
	// Rev orders the changes of the hub's calls: a page keeps the
	// highest it has seen, so that an answer that arrives after a newer
	// stream message (an acknowledgement's answer after the end) cannot
	// bring an ended call back.
	Rev int64 `json:"rev"`
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
	// Rev is the last change the answer includes: a call a page holds
	// with a higher Rev is newer than the answer.
	Rev int64 `json:"rev"`
}

// Outcome is one way a visit can end, as the clerk picks it at finish.
type Outcome struct {
	ID    string            `json:"id"`
	Name  string            `json:"name"`
	Names map[string]string `json:"names,omitempty"`
}
