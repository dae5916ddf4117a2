package store

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestServicesJSONIsJSONMarshal: the services column reads back with
// encoding/json, so the fast path must write what json.Marshal writes.
func TestServicesJSONIsJSONMarshal(t *testing.T) {
	tests := []struct {
		name string
		in   []queue.ServiceCount
	}{
		{"nil", nil},
		{"empty", []queue.ServiceCount{}},
		{"one", []queue.ServiceCount{{Service: "anmeldung", Count: 1}}},
		{"several", []queue.ServiceCount{{Service: "pass", Count: 2}, {Service: "fallback", Count: 20}}},
		{"negative count", []queue.ServiceCount{{Service: "x", Count: -3}}},
		{"quote and backslash", []queue.ServiceCount{{Service: `a"b\c`, Count: 1}}},
		{"HTML", []queue.ServiceCount{{Service: "<b>", Count: 1}}},
		{"ampersand", []queue.ServiceCount{{Service: "a&b", Count: 1}}},
		{"control", []queue.ServiceCount{{Service: "a\nb\x7f", Count: 1}}},
		{"non-ASCII", []queue.ServiceCount{{Service: "Führerschein\u2028", Count: 1}}},
		{"invalid UTF-8", []queue.ServiceCount{{Service: "a\xffb", Count: 1}}},
		{"plain then escaped", []queue.ServiceCount{{Service: "ok", Count: 1}, {Service: "n\"o", Count: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := servicesJSON(tt.in); got != string(want) {
				t.Errorf("servicesJSON = %s, want %s", got, want)
			}
		})
	}
}

// TestWriteAppointmentsInChunks: an import writes many rows per
// statement; every count around the chunk size reads back complete and
// exact, and an id twice in one list ends as its last version, as row by
// row.
func TestWriteAppointmentsInChunks(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	for _, n := range []int{1, apptRows - 1, apptRows, apptRows + 1, 3*apptRows + 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			db := mustOpen(t, filepath.Join(t.TempDir(), "a.db"))
			defer db.Close()
			list := make([]queue.Appointment, n)
			for i := range list {
				list[i] = queue.Appointment{ID: fmt.Sprintf("a%04d", i), Office: "o", Start: start.Add(time.Duration(i) * time.Minute),
					Duration: time.Duration(i) * time.Second, Services: []queue.ServiceCount{{Service: "s", Count: 1 + i%3}},
					Secret: fmt.Sprint("x", i), BirthHash: fmt.Sprint("h", i), Name: fmt.Sprint("Name ", i), Cancelled: i%5 == 0, NoShow: i%7 == 0}
			}
			// The first appointment again at the end, changed: the later
			// row wins, within a chunk or across chunks.
			last := list[0]
			last.Name, last.Services = "Jürgen Müller", []queue.ServiceCount{{Service: `q"t`, Count: 2}}
			all := append(list[:n:n], last)
			if err := db.Commit(ctx, "o", Batch{Appointments: all, Day: "2026-03-10", Seq: 0}); err != nil {
				t.Fatal(err)
			}
			st, found, err := db.LoadState(ctx, "o")
			if err != nil || !found {
				t.Fatalf("load: %v %v", found, err)
			}
			list[0] = last
			if len(st.Appointments) != n {
				t.Fatalf("read %d appointments, want %d", len(st.Appointments), n)
			}
			byID := map[string]queue.Appointment{}
			for _, a := range st.Appointments {
				byID[a.ID] = a
			}
			for _, want := range list {
				got, ok := byID[want.ID]
				if !ok || !got.SameBooking(want) || got.NoShow != want.NoShow {
					t.Errorf("appointment %s = %+v, want %+v", want.ID, got, want)
				}
			}
		})
	}
}

// BenchmarkCommit50000Appointments is the store's part of the morning
// import: one commit of a big day's appointments.
func BenchmarkCommit50000Appointments(b *testing.B) {
	ctx := context.Background()
	start := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	list := make([]queue.Appointment, 50000)
	for i := range list {
		list[i] = queue.Appointment{ID: fmt.Sprintf("B-%06d", i), Office: "o", Start: start.Add(time.Duration(i%600) * time.Minute),
			Duration: 15 * time.Minute, Services: []queue.ServiceCount{{Service: "anmeldung", Count: 1}},
			Secret: fmt.Sprintf("s%015x", i*7919), BirthHash: fmt.Sprintf("%064x", i), Name: fmt.Sprintf("Person %d", i)}
	}
	for b.Loop() {
		b.StopTimer()
		db, err := Open(ctx, filepath.Join(b.TempDir(), "a.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := db.Commit(ctx, "o", Batch{Appointments: list, Day: "2026-03-10"}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}
