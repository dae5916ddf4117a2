package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/queue"
	"lotse/hub/store"
)

// TestBookedCountsEachAppointmentOnce: bookings count when first
// imported; a re-sync counts nothing, a moved start moves the count to
// its hour, a cancellation counts where the booking is, and a booking
// back from cancellation takes its cancellation back.
func TestBookedCountsEachAppointmentOnce(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	loc, _ := time.LoadLocation("Europe/Berlin")
	store.SetZone("bk", loc)
	at := func(h, m int) time.Time { return time.Date(2026, 11, 30, h, m, 0, 0, loc) }
	appt := func(id string, start time.Time, svc string, cancelled bool) queue.Appointment {
		return queue.Appointment{ID: id, Office: "bk", Start: start, Duration: 10 * time.Minute, Cancelled: cancelled,
			Services: []queue.ServiceCount{{Service: svc, Count: 1}}, Secret: "s" + id}
	}
	type count struct{ booked, cancelled int }
	steps := []struct {
		name  string
		appts []queue.Appointment
		want  map[string]count // "hour service"
	}{
		{"the import", []queue.Appointment{appt("a", at(8, 0), "x", false), appt("b", at(8, 30), "y", false), appt("c", at(9, 0), "x", true)},
			map[string]count{"08 x": {1, 0}, "08 y": {1, 0}, "09 x": {1, 1}}},
		{"a re-sync writes them again", []queue.Appointment{appt("a", at(8, 0), "x", false), appt("b", at(8, 30), "y", false)},
			map[string]count{"08 x": {1, 0}, "08 y": {1, 0}, "09 x": {1, 1}}},
		{"a start moved to another hour", []queue.Appointment{appt("a", at(10, 15), "x", false)},
			map[string]count{"08 x": {0, 0}, "08 y": {1, 0}, "09 x": {1, 1}, "10 x": {1, 0}}},
		{"a service changed", []queue.Appointment{appt("b", at(8, 30), "x", false)},
			map[string]count{"08 x": {1, 0}, "08 y": {0, 0}, "09 x": {1, 1}, "10 x": {1, 0}}},
		{"cancelled by the backend", []queue.Appointment{appt("b", at(8, 30), "x", true)},
			map[string]count{"08 x": {1, 1}, "09 x": {1, 1}, "10 x": {1, 0}}},
		{"back from cancellation", []queue.Appointment{appt("c", at(9, 0), "x", false)},
			map[string]count{"08 x": {1, 1}, "09 x": {1, 0}, "10 x": {1, 0}}},
		{"moved twice in one batch (two syncs committed together)", []queue.Appointment{appt("a", at(11, 0), "x", false), appt("a", at(12, 0), "x", false)},
			map[string]count{"08 x": {1, 1}, "09 x": {1, 0}, "12 x": {1, 0}}},
		{"ids of any bytes", oddIDs(func(id string) queue.Appointment { return appt(id, at(13, 0), "x", false) }),
			map[string]count{"08 x": {1, 1}, "09 x": {1, 0}, "12 x": {1, 0}, "13 x": {6, 0}}},
		{"found again by their bytes", oddIDs(func(id string) queue.Appointment { return appt(id, at(14, 0), "x", false) }),
			map[string]count{"08 x": {1, 1}, "09 x": {1, 0}, "12 x": {1, 0}, "14 x": {6, 0}}},
		{"more than one query's bookings", many(store.BookedChunk+1, func(id string) queue.Appointment { return appt(id, at(15, 0), "y", false) }),
			map[string]count{"08 x": {1, 1}, "09 x": {1, 0}, "12 x": {1, 0}, "14 x": {6, 0}, "15 y": {store.BookedChunk + 1, 0}}},
		{"moved, one of them again in the next query's part", append(many(store.BookedChunk+1, func(id string) queue.Appointment { return appt(id, at(16, 0), "y", false) }),
			appt("big-0", at(17, 0), "y", true)),
			map[string]count{"08 x": {1, 1}, "09 x": {1, 0}, "12 x": {1, 0}, "14 x": {6, 0}, "16 y": {store.BookedChunk, 0}, "17 y": {1, 1}}},
	}
	for i, st := range steps {
		if err := db.Commit(ctx, "bk", store.Batch{Appointments: st.appts, Day: "2026-11-30", Seq: int64(i)}); err != nil {
			t.Fatal(err)
		}
		cells, err := db.StatCells(ctx, "bk", "2026-11-30", "2026-11-30")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]count{}
		for _, c := range cells {
			if c.Booked != 0 || c.Cancelled != 0 {
				got[fmtKey(c.Hour, c.Service)] = count{c.Booked, c.Cancelled}
			}
		}
		for k, w := range st.want {
			if w == (count{}) {
				delete(st.want, k)
			}
		}
		if len(got) != len(st.want) {
			t.Fatalf("%s: cells %v, want %v", st.name, got, st.want)
		}
		for k, w := range st.want {
			if got[k] != w {
				t.Fatalf("%s: cells %v, want %v", st.name, got, st.want)
			}
		}
	}
}

// oddIDs makes a booking of each id that must be compared byte by byte:
// a quote, NUL (and the same id cut at it), bytes that are no UTF-8, a
// letter beyond ASCII.
func oddIDs(appt func(id string) queue.Appointment) []queue.Appointment {
	var list []queue.Appointment
	for _, id := range []string{`q"1`, "nul", "nul\x00end", "\xff\xfe", "\xffa", "grüß"} {
		list = append(list, appt(id))
	}
	return list
}

// many makes n bookings with the ids big-0, big-1, …
func many(n int, appt func(id string) queue.Appointment) []queue.Appointment {
	list := make([]queue.Appointment, n)
	for i := range list {
		list[i] = appt(fmt.Sprintf("big-%d", i))
	}
	return list
}

func fmtKey(hour int, service string) string {
	return string(rune('0'+hour/10)) + string(rune('0'+hour%10)) + " " + service
}
