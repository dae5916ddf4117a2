package store

import (
	"testing"
	"time"

	"lotse/hub/statistics"
)

// TestSpreadOverHours: busy and staffed time is split over the local
// hours it spans, also over the nights the clocks change.
func TestSpreadOverHours(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		loc      *time.Location
		from, to time.Time
		want     map[string]int64 // "day hour" → seconds
	}{
		{"inside an hour", berlin, time.Date(2026, 11, 3, 9, 10, 0, 0, berlin), time.Date(2026, 11, 3, 9, 40, 0, 0, berlin),
			map[string]int64{"2026-11-03 09": 1800}},
		{"over two hours", berlin, time.Date(2026, 11, 3, 9, 50, 0, 0, berlin), time.Date(2026, 11, 3, 11, 5, 30, 0, berlin),
			map[string]int64{"2026-11-03 09": 600, "2026-11-03 10": 3600, "2026-11-03 11": 330}},
		{"over midnight", berlin, time.Date(2026, 11, 3, 23, 30, 0, 0, berlin), time.Date(2026, 11, 4, 0, 15, 0, 0, berlin),
			map[string]int64{"2026-11-03 23": 1800, "2026-11-04 00": 900}},
		{"the night the clocks go back: 2 o'clock twice", berlin, time.Date(2026, 10, 25, 1, 30, 0, 0, berlin),
			time.Date(2026, 10, 25, 1, 30, 0, 0, berlin).Add(3 * time.Hour),
			map[string]int64{"2026-10-25 01": 1800, "2026-10-25 02": 7200, "2026-10-25 03": 1800}},
		{"the night the clocks go forward: no 2 o'clock", berlin, time.Date(2026, 3, 29, 1, 30, 0, 0, berlin),
			time.Date(2026, 3, 29, 1, 30, 0, 0, berlin).Add(time.Hour),
			map[string]int64{"2026-03-29 01": 1800, "2026-03-29 03": 1800}},
		{"a half-hour offset", kolkata, time.Date(2026, 11, 3, 9, 45, 0, 0, kolkata), time.Date(2026, 11, 3, 10, 15, 0, 0, kolkata),
			map[string]int64{"2026-11-03 09": 900, "2026-11-03 10": 900}},
		{"backwards: nothing", berlin, time.Date(2026, 11, 3, 10, 0, 0, 0, berlin), time.Date(2026, 11, 3, 9, 0, 0, 0, berlin),
			map[string]int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &statBatch{office: "o", loc: tc.loc}
			b.spread(tc.from, tc.to, "s", "c", func(c *statistics.Cell, s int64) { c.BusySeconds += s })
			got := map[string]int64{}
			for k, c := range b.cells {
				got[k.day+" "+twoDigits(k.hour)] += c.BusySeconds
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, w := range tc.want {
				if got[k] != w {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func twoDigits(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }
