package queue_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"lotse/hub/queue"
)

// bigDay returns n appointments spread evenly over 08:00–16:00, each with
// its own birth hash ("b<i>").
func bigDay(n int) []queue.Appointment {
	services := []string{"pass", "anm", "fz"}
	list := make([]queue.Appointment, n)
	for i := range list {
		a := appt(fmt.Sprintf("a%06d", i), "08:00", services[i%len(services)])
		a.Start = a.Start.Add(time.Duration(i) * 8 * time.Hour / time.Duration(n))
		a.BirthHash = fmt.Sprintf("b%d", i)
		list[i] = a
	}
	return list
}

// BenchmarkCheckInBirthDate: the lookup by birth date among the 50,000
// appointments of a big city's day (budget: 1 ms). Each iteration checks
// in another appointment at its start.
func BenchmarkCheckInBirthDate(b *testing.B) {
	list := bigDay(50000)
	q := queue.New(testOffice(), testDay)
	q.Sync(list)
	i := 0
	for b.Loop() {
		a := list[i%len(list)]
		if _, _, err := q.CheckInBirthDate(a.Start, a.BirthHash, ""); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkNext: "next" at a counter with 500 tickets waiting. One new
// walk-in per call keeps the line at 500; the queue is rebuilt every 500
// calls (untimed) so that the day's ended tickets stay at a realistic count.
func BenchmarkNext(b *testing.B) {
	services := []string{"pass", "anm", "fz"}
	var q *queue.Queue
	var now time.Time
	fill := func() {
		q = queue.New(testOffice(), testDay)
		now = clock("09:00")
		for i := range 500 {
			if _, _, err := q.WalkIn(now, services[i%3], false); err != nil {
				b.Fatal(err)
			}
		}
	}
	fill()
	i := 0
	for b.Loop() {
		if i++; i%500 == 0 {
			b.StopTimer()
			fill()
			b.StartTimer()
		}
		now = now.Add(time.Second)
		if _, _, err := q.WalkIn(now, "pass", false); err != nil {
			b.Fatal(err)
		}
		// The clerk calls the next without starting the current: it was
		// served (without the word, next stops with current_not_started).
		if _, _, err := q.Do(now, queue.Action{Counter: "c1", Kind: queue.ActNext, Current: queue.ReportServed}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSync50000Unchanged: the periodic re-sync of a big day in which
// nothing changed (budget for the whole re-sync: 100 ms, writing nothing).
func BenchmarkSync50000Unchanged(b *testing.B) {
	list := bigDay(50000)
	q := queue.New(testOffice(), testDay)
	q.Sync(list)
	// Equal lists, but never the one synced last: the comparison, not
	// Sync's shortcut for the very same list.
	lists := [][]queue.Appointment{slices.Clone(list), slices.Clone(list)}
	i := 0
	for b.Loop() {
		i++
		if changed := q.Sync(lists[i%2]); len(changed) != 0 {
			b.Fatalf("%d changed", len(changed))
		}
	}
}

// BenchmarkTick50000Quiet: the periodic Tick late in a big day when every
// past appointment is settled (checked in or already a no-show) and nothing
// is due. The office loop runs it every few seconds.
func BenchmarkTick50000Quiet(b *testing.B) {
	list := bigDay(50000)
	q := queue.New(testOffice(), testDay)
	q.Sync(list)
	now := clock("15:00")
	for i, a := range list {
		if a.Start.Add(15*time.Minute).Before(now) && i%10 != 0 {
			if _, _, err := q.CheckInCode(a.Start, a.ID, a.Secret); err != nil {
				b.Fatal(err)
			}
		}
	}
	q.Tick(now)
	for b.Loop() {
		if events := q.Tick(now); len(events) != 0 {
			b.Fatalf("%d events", len(events))
		}
	}
}

// BenchmarkEstimateFor: the wait told at a check-in, with 10,000 checked-in
// appointments waiting (the big day of make bench, halfway through its
// check-ins), for the one checked in last and for one in the middle.
func BenchmarkEstimateFor(b *testing.B) {
	list := bigDay(30000)
	q := queue.New(testOffice(), testDay)
	q.Sync(list)
	var now time.Time
	var ids []string
	for i := 0; i < 10000; i++ {
		now = list[i*3].Start // every third: one service
		tk, _, err := q.CheckInBirthDate(now, list[i*3].BirthHash, "")
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	for _, at := range []struct {
		name string
		id   string
	}{{"last", ids[len(ids)-1]}, {"middle", ids[len(ids)/2]}} {
		b.Run(at.name, func(b *testing.B) {
			for b.Loop() {
				if q.EstimateFor(now, at.id) <= 0 {
					b.Fatal("no wait")
				}
			}
		})
	}
}
