package queue_test

import (
	"testing"

	"lotse/hub/queue"
)

// TestNextReportsWhatTheClerkSays: "next" and "call" after a call that was
// never started tell the booking backend what the clerk says, and nothing
// without the clerk's word.
func TestNextReportsWhatTheClerkSays(t *testing.T) {
	tests := []struct {
		kind    queue.ActionKind
		current queue.Report
		code    queue.Code
		report  queue.Report // of the appointment's ticket
	}{
		{queue.ActNext, "", queue.CurrentNotStarted, ""},
		{queue.ActNext, queue.ReportServed, "", queue.ReportServed},
		{queue.ActNext, queue.ReportNoShow, "", queue.ReportNoShow},
		{queue.ActCall, "", queue.CurrentNotStarted, ""},
		{queue.ActCall, queue.ReportServed, "", queue.ReportServed},
		{queue.ActCall, queue.ReportNoShow, "", queue.ReportNoShow},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind)+" "+string(tc.current), func(t *testing.T) {
			f := newFixture(t, nil, appt("ap", "09:00", "pass"))
			f.at("08:50").checkIn("ap", "ap")
			f.walkIn("w", "pass")
			f.at("09:00").must("c1", queue.ActNext)
			_, events, err := f.do(queue.Action{Counter: "c1", Kind: tc.kind, Ticket: "w", Current: tc.current})
			wantCode(t, "action", err, tc.code)
			var got queue.Report
			for _, e := range events {
				if e.Appointment == "ap" {
					got = e.Report
				}
			}
			if got != tc.report {
				t.Fatalf("reported %q, want %q", got, tc.report)
			}
		})
	}
}
