package statistics

import (
	"slices"
	"strings"
	"testing"
	"time"

	"lotse/hub/queue"
)

func hist(minutes ...int) Histogram {
	var h Histogram
	for _, m := range minutes {
		h.Add(time.Duration(m)*time.Minute + 30*time.Second)
	}
	return h
}

func TestQuantile(t *testing.T) {
	for _, tc := range []struct {
		name    string
		h       Histogram
		q, want float64
	}{
		{"empty", Histogram{}, 0.5, 0},
		{"one", hist(7), 0.5, 7.5},
		{"median of three", hist(1, 2, 3), 0.5, 2.5},
		{"median of four is the second", hist(1, 2, 3, 4), 0.5, 2.5},
		{"p90 of ten", hist(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), 0.9, 8.5},
		{"p90 of eleven takes the tenth", hist(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0.9, 9.5},
		{"two in a bucket split it", hist(4, 4), 0.5, 4.25},
		{"two in a bucket, the second", hist(4, 4), 1, 4.75},
		{"over two hours in the last bucket", hist(300), 0.5, 120.5},
		{"negative waits count as zero", func() Histogram { var h Histogram; h.Add(-time.Minute); return h }(), 0.5, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.Quantile(tc.q); got != tc.want {
				t.Fatalf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
}

func TestHistogramEncoding(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    Histogram
	}{
		{"empty", Histogram{}},
		{"some", hist(0, 0, 3, 119, 500)},
		{"large counts", func() Histogram { var h Histogram; h[5] = 1 << 31; h[120] = 300; return h }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := tc.h.MarshalBinary()
			var got Histogram
			if err := got.UnmarshalBinary(b); err != nil || got != tc.h {
				t.Fatalf("round trip = %v, %v", got, err)
			}
			// Appended encodings add up: the store appends updates.
			var twice Histogram
			if err := twice.UnmarshalBinary(append(b, b...)); err != nil {
				t.Fatal(err)
			}
			want := tc.h
			want.Merge(&tc.h)
			if twice != want {
				t.Fatalf("appended = %v, want %v", twice, want)
			}
		})
	}
	for _, bad := range [][]byte{{121, 1}, {5}, {0x80}} {
		var h Histogram
		if err := h.UnmarshalBinary(bad); err == nil {
			t.Errorf("UnmarshalBinary(%v) took it", bad)
		}
	}
}

func TestPeriod(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		days     int
		err      string
	}{
		{"2026-11-01", "2026-11-30", 30, ""},
		{"2026-11-03", "2026-11-03", 1, ""},
		{"2025-10-27", "2026-11-30", 400, ""},
		{"2025-10-26", "2026-11-30", 0, "longer than 400"},
		{"2026-11-30", "2026-11-01", 0, "after"},
		{"2026-11-31", "2026-12-01", 0, "not a day"},
		{"2026-11-01", "morgen", 0, "not a day"},
	} {
		days, err := Period(tc.from, tc.to)
		if days != tc.days || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("Period(%s, %s) = %d, %v; want %d, %q", tc.from, tc.to, days, err, tc.days, tc.err)
		}
	}
	for _, s := range []string{"", "day", "week", "month", "weekday", "hour", "service", "counter"} {
		if _, err := ParseBy(s); err != nil {
			t.Errorf("ParseBy(%q): %v", s, err)
		}
	}
	if _, err := ParseBy("year"); err == nil {
		t.Error("ParseBy(year) took it")
	}
}

func reportMeta() Meta {
	return Meta{Office: "o",
		Services: []queue.Service{{ID: "a", Name: "Anmeldung", Duration: 10 * time.Minute}, {ID: "p", Name: "Pass", Duration: 20 * time.Minute}},
		Counters: []queue.Counter{{ID: "c1", Name: "Schalter 1"}, {ID: "c2", Name: "Schalter 2"}}}
}

// reportCells: Monday 2026-11-02 and Tuesday 2026-11-03, two services,
// two counters.
func reportCells() []Cell {
	return []Cell{
		{Day: "2026-11-02", Hour: 8, Service: "a", Booked: 10, CheckedIn: 7, NoShows: 2, Cancelled: 1, WalkIns: 3},
		{Day: "2026-11-02", Hour: 8, Service: "a", Counter: "c1", Called: 9, Served: 8, ServiceSeconds: 8 * 600, Punctual: 5, ApptCalled: 6,
			Recalls: 2, Missed: 1, BusySeconds: 1800, WaitHistogram: hist(1, 2, 3, 4, 5, 6, 7, 8, 20)},
		{Day: "2026-11-02", Hour: 8, Counter: "c1", StaffedSeconds: 3600},
		{Day: "2026-11-03", Hour: 14, Service: "p", Booked: 4, CheckedIn: 4, Withdrawn: 1},
		{Day: "2026-11-03", Hour: 14, Service: "a", Withdrawn: 2},
		{Day: "2026-11-03", Hour: 14, Service: "p", Counter: "c2", Called: 4, Served: 2, ServiceSeconds: 2 * 1500, Punctual: 4, ApptCalled: 4,
			BusySeconds: 3000, WaitHistogram: hist(0, 0, 0, 50)},
		{Day: "2026-11-03", Hour: 14, Counter: "c2", StaffedSeconds: 3600},
		{Day: "2026-12-24", Hour: 9, Service: "a", Booked: 99}, // outside the period
	}
}

func build(by By) Report {
	b := NewBuilder(reportMeta(), "2026-11-01", "2026-11-08", by)
	for _, c := range reportCells() {
		b.Add(&c)
	}
	return b.Report()
}

func TestReportGroupsAndFigures(t *testing.T) {
	for _, tc := range []struct {
		by     By
		keys   []string
		labels []string
	}{
		{ByDay, []string{"2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06", "2026-11-07", "2026-11-08"},
			[]string{"So 01.11.", "Mo 02.11.", "Di 03.11.", "Mi 04.11.", "Do 05.11.", "Fr 06.11.", "Sa 07.11.", "So 08.11."}},
		{ByWeek, []string{"2026-W44", "2026-W45"}, []string{"KW 44/2026", "KW 45/2026"}},
		{ByMonth, []string{"2026-11"}, []string{"November 2026"}},
		{ByWeekday, []string{"1", "2", "3", "4", "5", "6", "7"}, []string{"Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"}},
		{ByHour, []string{"08", "14"}, []string{"08–09 Uhr", "14–15 Uhr"}},
		{ByService, []string{"a", "p", ""}, []string{"Anmeldung", "Pass", "ohne Anliegen"}},
		{ByCounter, []string{"c1", "c2", ""}, []string{"Schalter 1", "Schalter 2", "ohne Schalter"}},
	} {
		t.Run(string(tc.by), func(t *testing.T) {
			r := build(tc.by)
			var keys, labels []string
			for _, row := range r.Rows {
				keys, labels = append(keys, row.Key), append(labels, row.Label)
			}
			if strings.Join(keys, ",") != strings.Join(tc.keys, ",") || strings.Join(labels, ",") != strings.Join(tc.labels, ",") {
				t.Fatalf("rows %q %q, want %q %q", keys, labels, tc.keys, tc.labels)
			}
			// Every grouping sums up to the same totals.
			tot := r.Totals
			if tot.Booked != 14 || tot.CheckedIn != 11 || tot.NoShows != 2 || tot.Cancelled != 1 || tot.WalkIns != 3 || tot.Withdrawn != 3 || tot.FreedMinutes != 40 ||
				tot.Served != 10 || tot.Missed != 1 || tot.Recalls != 2 {
				t.Fatalf("totals %+v", tot)
			}
		})
	}
	r := build(ByService)
	a, p, tot := r.Rows[0], r.Rows[1], r.Totals
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"no-show rate: no-shows of the appointments due", a.NoShowRate, 2.0 / 9},
		{"no-show rate without no-shows", p.NoShowRate, 0},
		{"wait median", a.WaitMedianMinutes, 5.5},
		{"wait p90: the ninth of nine", a.WaitP90Minutes, 20.5},
		{"service mean", a.ServiceMeanMinutes, 10},
		{"configured of a service", a.ServiceConfiguredMinutes, 10},
		{"configured of the totals weighted by visits", tot.ServiceConfiguredMinutes, (8*10 + 2*20) / 10.0},
		{"service mean of the totals", tot.ServiceMeanMinutes, (8*600 + 2*1500) / 10.0 / 60},
		{"punctuality", a.Punctuality, 5.0 / 6},
		{"punctuality of the totals", tot.Punctuality, 9.0 / 10},
		{"utilisation of the totals", tot.Utilisation, 4800.0 / 7200},
		{"utilisation needs staffed time", a.Utilisation, 0},
		{"wait p90 of the totals", tot.WaitP90Minutes, 20.5},
	} {
		if tc.got < tc.want-1e-9 || tc.got > tc.want+1e-9 {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	c := build(ByCounter)
	if u := c.Rows[0].Utilisation; u != 0.5 {
		t.Errorf("utilisation of counter 1 = %v, want 0.5", u)
	}
	bins := build(ByDay).WaitHistogram
	counts := []int{}
	for _, b := range bins {
		counts = append(counts, b.Count)
	}
	// 0,0,0,1,2,3,4 → 0–5 (7); 5,6,7,8 → 5–10 (4); 20 → 20–30; 50 → 45–60.
	want := []int{7, 4, 0, 0, 1, 0, 1, 0, 0, 0}
	if !slices.Equal(counts, want) {
		t.Errorf("wait bins %v, want %v", counts, want)
	}
	if bins[len(bins)-1].ToMinutes != nil || *bins[0].ToMinutes != 5 {
		t.Errorf("bin bounds %+v", bins)
	}
}

func TestNeutralise(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+1", "'+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\rcmd"},
		{"Schalter 1", "Schalter 1"},
		{"", ""},
		{"a=b", "a=b"},
	} {
		if got := Neutralise(tc.in); got != tc.want {
			t.Errorf("Neutralise(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
