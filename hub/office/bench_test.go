package office_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lotse/hub/clocktest"
	"lotse/hub/store"
)

// BenchmarkWalkIns64: walk-ins from 64 concurrent callers through the office
// loop and its group commit into a real database, as from 64 kiosks.
func BenchmarkWalkIns64(b *testing.B) {
	db, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	c := clocktest.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	l, stop := start(b, db, c, nil)
	defer stop()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	work := make(chan struct{}, b.N)
	for range b.N {
		work <- struct{}{}
	}
	close(work)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				if _, err := walkIn(ctx, l); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
