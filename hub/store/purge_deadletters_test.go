package store

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestPurgeClearsTheAnswersOfPastDaysDeadLetters (issue 11.7): the
// backend's answer kept with a dead letter is free text that may name the
// person; it lives only as long as the day's personal data. The report
// itself stays, so that a clerk can still retry it.
func TestPurgeClearsTheAnswersOfPastDaysDeadLetters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lotse.db")
	db := mustOpen(t, path, WithEnv(func(string) string { return "" }))
	defer db.Close()
	t0 := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	days := []struct {
		day, appt, answer string
	}{
		{"2026-03-10", "a1", "HTTP 422: Termin von Purgatorius Gestrig ist unbekannt"},
		{"2026-03-11", "a2", "HTTP 422: Termin von Heute Wohl ist unbekannt"},
	}
	for i, d := range days {
		seq := int64(i + 1)
		at := t0.AddDate(0, 0, i)
		tk := queue.Ticket{ID: d.appt, Office: "o", Day: d.day, N: i + 1, Number: "A001", State: queue.Waiting,
			Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Appointment: d.appt, Arrived: at}
		appt := queue.Appointment{ID: d.appt, Office: "o", Start: at, Services: tk.Services, Name: "Person " + d.appt, BirthHash: "h"}
		if err := db.Commit(ctx, "o", Batch{Day: d.day, Seq: seq, LastNumber: i + 1, Appointments: []queue.Appointment{appt},
			Events: []queue.Event{{Seq: seq, Office: "o", Type: queue.CheckedIn, At: at, Ticket: &tk, Appointment: d.appt, Report: queue.ReportArrived}}}); err != nil {
			t.Fatal(err)
		}
	}
	reports, err := db.PendingReports(ctx, "o", 10)
	if err != nil || len(reports) != 2 {
		t.Fatalf("reports = %+v, %v", reports, err)
	}
	for i, r := range reports {
		if err := db.DeadLetter(ctx, r, days[i].answer, t0.AddDate(0, 0, 1)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Purge(ctx, "o", "2026-03-11"); err != nil {
		t.Fatal(err)
	}
	dead, err := db.DeadLetters(ctx, "o", 10)
	if err != nil || len(dead) != 2 {
		t.Fatalf("dead letters after the purge = %+v, %v; want both kept", dead, err)
	}
	answers := map[string]string{}
	for _, d := range dead {
		answers[d.Report.Appointment] = d.Answer
	}
	if answers["a1"] != "" {
		t.Fatalf("a past day's dead letter kept the backend's answer %q", answers["a1"])
	}
	if answers["a2"] != days[1].answer {
		t.Fatalf("today's dead letter lost its answer: %q", answers["a2"])
	}
	if bytes.Contains(rawFiles(t, path), []byte("Purgatorius")) {
		t.Fatal("the past day's answer is still readable in the database files")
	}
	if n, err := db.RetryDeadLetters(ctx, "o"); err != nil || n != 2 {
		t.Fatalf("retry = %d, %v; want both reports back in the outbox", n, err)
	}
}
