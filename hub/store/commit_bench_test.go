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

// BenchmarkCommitWalkIns measures the group commit of an office loop's
// batch of walk-ins: one transaction and one fsync per batch, so the cost
// per ticket falls with the batch.
func BenchmarkCommitWalkIns(b *testing.B) {
	for _, n := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("batch%d", n), func(b *testing.B) {
			ctx := context.Background()
			db, err := store.Open(ctx, filepath.Join(b.TempDir(), "b.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			o := queue.Office{ID: "o", Name: "O", Policy: queue.DefaultPolicy(), Location: time.UTC,
				Services: []queue.Service{{ID: "s", Name: "S", Prefix: "A", Duration: 5 * time.Minute}},
				Counters: []queue.Counter{{ID: "c1", Name: "C", Services: []string{"s"}}}}
			now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
			q := queue.New(o, o.Day(now))
			events := make([]queue.Event, 0, n)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				events = events[:0]
				for range n {
					_, ev, err := q.WalkIn(now, "s", false)
					if err != nil {
						b.Fatal(err)
					}
					events = append(events, ev...)
				}
				if err := db.Commit(ctx, "o", store.Batch{Events: events, Day: q.Day(), Seq: q.Seq(), LastNumber: q.LastNumber()}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/ticket")
		})
	}
}
