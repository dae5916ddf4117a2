package store_test

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"lotse/hub/queue"
	"lotse/hub/store"
)

func open(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func TestCommitAndLoadRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "l.db")
	db := open(t, path)
	tk := queue.Ticket{ID: "o-1", Office: "o", Day: "2026-03-10", N: 1, Number: "A001", State: queue.Called,
		Services: []queue.ServiceCount{{Service: "s", Count: 2}}, Appointment: "a1", AppointmentStart: t0.Add(5 * time.Minute),
		Arrived: t0, Counter: "c1", Called: t0.Add(time.Minute), Recalls: 1, NoShowReported: true, Priority: true, PriorityLevel: "schwangerschaft"}
	appt := queue.Appointment{ID: "a1", Office: "o", Start: t0.Add(5 * time.Minute), Duration: 15 * time.Minute,
		Services: []queue.ServiceCount{{Service: "s", Count: 2}}, Secret: "x", BirthHash: "h", Name: "Jürgen Müller"}
	events := []queue.Event{
		{Seq: 1, Office: "o", Type: queue.CheckedIn, At: t0, Ticket: &tk, Appointment: "a1", Report: queue.ReportArrived},
		{Seq: 2, Office: "o", Type: queue.TicketCalled, At: t0.Add(time.Minute), Ticket: &tk, Counter: &queue.CounterState{ID: "c1", Open: true, Ticket: "o-1"}, Appointment: "a1", Report: queue.ReportCalled},
	}
	if err := db.Commit(ctx, "o", store.Batch{Events: events, Appointments: []queue.Appointment{appt}, Day: "2026-03-10", Seq: 2, LastNumber: 1}); err != nil {
		t.Fatal(err)
	}
	key, err := db.Secret(ctx, "birth_key")
	if err != nil || len(key) != 32 {
		t.Fatalf("key = %x, %v", key, err)
	}
	db.Close()

	db = open(t, path) // migrations run again: nothing to do
	defer db.Close()
	again, _ := db.Secret(ctx, "birth_key")
	if !bytes.Equal(key, again) {
		t.Fatal("the installation key changed on restart")
	}
	st, found, err := db.LoadState(ctx, "o")
	if err != nil || !found {
		t.Fatalf("load: %v %v", found, err)
	}
	if st.Seq != 2 || st.LastNumber != 1 || st.Day != "2026-03-10" {
		t.Fatalf("cursor = %d %d %s", st.Seq, st.LastNumber, st.Day)
	}
	if len(st.Tickets) != 1 || !reflect.DeepEqual(st.Tickets[0], tk) {
		t.Fatalf("ticket = %+v\nwant      %+v", st.Tickets, tk)
	}
	if len(st.Appointments) != 1 || !st.Appointments[0].SameBooking(appt) {
		t.Fatalf("appointment = %+v", st.Appointments)
	}
	if len(st.Counters) != 1 || st.Counters[0].Ticket != "o-1" {
		t.Fatalf("counters = %+v", st.Counters)
	}
	if len(st.Calls) != 1 || st.Calls[0].Number != "A001" || st.Calls[0].Counter != "c1" {
		t.Fatalf("calls = %+v", st.Calls)
	}
	reports, err := db.PendingReports(ctx, "o", 10)
	if err != nil || len(reports) != 2 || reports[0].Kind != queue.ReportArrived || reports[1].Kind != queue.ReportCalled || reports[1].Counter != "c1" ||
		!reports[1].Arrived.Equal(t0) {
		t.Fatalf("reports = %+v, %v", reports, err)
	}
	if err := db.DeleteReports(ctx, []int64{reports[0].ID}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.CountReports(ctx); err != nil || n != 1 {
		t.Fatalf("count = %d, %v", n, err)
	}
	got, err := db.EventsSince(ctx, "o", 1, 10)
	if err != nil || len(got) != 1 || got[0].Seq != 2 || got[0].Ticket.Number != "A001" {
		t.Fatalf("events since 1 = %+v, %v", got, err)
	}
}

func TestPurgeKeepsStatisticsAndReports(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "l.db"))
	defer db.Close()
	tk := queue.Ticket{ID: "o-1", Office: "o", Day: "2026-03-10", N: 1, Number: "A001", State: queue.Waiting,
		Services: []queue.ServiceCount{{Service: "s", Count: 1}}, Appointment: "a1", Arrived: t0}
	appt := queue.Appointment{ID: "a1", Office: "o", Start: t0, Services: tk.Services, Name: "Ayşe Yılmaz", BirthHash: "h"}
	if err := db.Commit(ctx, "o", store.Batch{
		Events:       []queue.Event{{Seq: 1, Office: "o", Type: queue.CheckedIn, At: t0, Ticket: &tk, Appointment: "a1", Report: queue.ReportArrived}},
		Appointments: []queue.Appointment{appt}, Day: "2026-03-10", Seq: 1, LastNumber: 1,
	}); err != nil {
		t.Fatal(err)
	}
	n, err := db.Purge(ctx, "o", "2026-03-11")
	if err != nil || n != 3 {
		t.Fatalf("purged %d rows, %v; want appointment, ticket and event", n, err)
	}
	v, _ := db.View(ctx, "o")
	if len(v.Tickets) != 0 {
		t.Fatal("tickets of a past day survived")
	}
	cells, err := db.StatCells(ctx, "o", "2026-03-10", "2026-03-10")
	checkedIn := 0
	for _, c := range cells {
		checkedIn += c.CheckedIn
	}
	if err != nil || checkedIn != 1 {
		t.Fatalf("statistics after the purge = %+v, %v", cells, err)
	}
	if n, _ := db.CountReports(ctx); n != 1 {
		t.Fatal("an undelivered report was purged")
	}
}
