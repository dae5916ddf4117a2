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

// BenchmarkCommitCheckIns commits batches of check-ins as the office
// loop does under load, with the statistics kept and switched off: what
// keeping them costs a commit, without the noise of HTTP.
func BenchmarkCommitCheckIns(b *testing.B) {
	for _, batch := range []int{1, 16} {
		for _, keep := range []bool{true, false} {
			b.Run(fmt.Sprintf("batch=%d/statistics=%v", batch, keep), func(b *testing.B) {
				ctx := context.Background()
				db, err := store.Open(ctx, filepath.Join(b.TempDir(), "b.db"))
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				store.KeepStatistics(keep)
				defer store.KeepStatistics(true)
				day := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
				services := []string{"a", "b", "c", "d", "e", "f"}
				seq := int64(0)
				b.ResetTimer()
				for i := range b.N {
					var events []queue.Event
					for k := range batch {
						seq++
						n := i*batch + k + 1
						t := &queue.Ticket{ID: queue.TicketID("o", "2026-11-30", n), Office: "o", Day: "2026-11-30", N: n,
							Number: fmt.Sprintf("A%03d", n%1000), State: queue.Waiting, Appointment: fmt.Sprintf("T%d", n),
							Services: []queue.ServiceCount{{Service: services[n%len(services)], Count: 1}},
							Arrived:  day.Add(time.Duration(n) * time.Second), AppointmentStart: day}
						events = append(events, queue.Event{Seq: seq, Office: "o", Type: queue.CheckedIn, At: t.Arrived, Ticket: t,
							Appointment: t.Appointment, Report: queue.ReportArrived})
					}
					if err := db.Commit(ctx, "o", store.Batch{Events: events, Day: "2026-11-30", Seq: seq, LastNumber: i * batch}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
