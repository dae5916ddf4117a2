package statistics

import (
	"testing"
	"time"

	"lotse/hub/queue"
)

func historyOffice() queue.Office {
	return queue.Office{ID: "h",
		Services: []queue.Service{{ID: "a", Duration: 15 * time.Minute}, {ID: "b", Duration: 5 * time.Minute},
			{ID: "c", Duration: 20 * time.Minute}, {ID: "none", Duration: 5 * time.Minute}},
		Counters: []queue.Counter{{ID: "1", Services: []string{"a", "b"}}, {ID: "2", Services: []string{"b", "c"}}, {ID: "3", Services: []string{"a", "c"}}}}
}

// TestHistoryIsRealistic: the generated history has the shape the page
// must show: closed weekends, a Monday peak, a lunch dip, no-show rates of
// 10–26 % by service, utilisation below one, and the same cells for the
// same seed.
func TestHistoryIsRealistic(t *testing.T) {
	o := historyOffice()
	gen := func(seed uint64) []Cell {
		var out []Cell
		if err := History(o, HistoryOptions{From: "2026-01-05", To: "2026-06-28", VisitsPerDay: 300, Seed: seed}, func(c Cell) error {
			out = append(out, c)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	cells := gen(1)
	meta := Meta{Office: "h", Services: o.Services, Counters: o.Counters}
	report := func(by By) Report {
		b := NewBuilder(meta, "2026-01-05", "2026-06-28", by)
		for i := range cells {
			b.Add(&cells[i])
		}
		return b.Report()
	}
	wd := report(ByWeekday).Rows
	for _, i := range []int{5, 6} {
		if wd[i].Booked != 0 || wd[i].WalkIns != 0 {
			t.Errorf("%s has visits: %+v", wd[i].Label, wd[i])
		}
	}
	for _, i := range []int{1, 2, 3, 4} {
		if wd[0].Booked <= wd[i].Booked {
			t.Errorf("Monday (%d booked) is no peak over %s (%d)", wd[0].Booked, wd[i].Label, wd[i].Booked)
		}
	}
	hours := map[string]Row{}
	for _, r := range report(ByHour).Rows {
		hours[r.Key] = r
	}
	if hours["12"].Booked >= hours["10"].Booked*3/4 {
		t.Errorf("no lunch dip: 12–13 %d, 10–11 %d", hours["12"].Booked, hours["10"].Booked)
	}
	for _, r := range report(ByService).Rows {
		if r.Key == "" {
			continue // the counters' staffed time
		}
		if r.Key == "none" {
			if r.Booked != 0 {
				t.Errorf("a service no counter serves has bookings")
			}
			continue
		}
		if r.NoShowRate < 0.08 || r.NoShowRate > 0.3 {
			t.Errorf("service %s: no-show rate %.3f", r.Key, r.NoShowRate)
		}
	}
	tot := report(ByDay).Totals
	if tot.Utilisation <= 0.3 || tot.Utilisation > 1 || tot.Punctuality <= 0.3 || tot.Punctuality >= 1 || tot.WaitMedianMinutes <= 0 {
		t.Errorf("totals %+v", tot)
	}
	perDay := float64(tot.CheckedIn+tot.WalkIns+tot.NoShows+tot.Cancelled) / float64(25*5)
	if perDay < 250 || perDay > 350 {
		t.Errorf("%.0f visits a day, want about 300", perDay)
	}
	again := gen(1)
	if len(again) != len(cells) {
		t.Fatalf("seeded history differs: %d and %d cells", len(again), len(cells))
	}
	for i := range cells {
		if cells[i] != again[i] {
			t.Fatalf("seeded history differs at %d", i)
		}
	}
}
