package statistics

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"lotse/hub/queue"
)

func TestSuggestedSlot(t *testing.T) {
	tests := []struct{ mean, want float64 }{
		{0, 0}, {4.5, 5}, {6, 7}, {9, 10}, {0.5, 1},
	}
	for _, tt := range tests {
		if got := SuggestedSlot(tt.mean); got != tt.want {
			t.Errorf("SuggestedSlot(%v) = %v, want %v", tt.mean, got, tt.want)
		}
	}
}

// cellsOfDays books perHour appointments in each of hours on days
// consecutive days from Monday 2026-11-02, with noShows of them staying
// away, and finished visits of serviceMinutes each.
func cellsOfDays(service string, days int, hours []int, perHour, noShows int, serviceMinutes float64) []Cell {
	var cells []Cell
	for d := range days {
		day := fmt.Sprintf("2026-11-%02d", 2+d)
		for _, h := range hours {
			served := perHour - noShows
			visits := Cell{Day: day, Hour: h, Service: service, Counter: "1", Served: served, ServiceSeconds: int64(float64(served) * serviceMinutes * 60)}
			visits.ServiceHistogram[int(serviceMinutes)] = uint32(served)
			cells = append(cells, Cell{Day: day, Hour: h, Service: service, Booked: perHour, NoShows: noShows, CheckedIn: served}, visits)
		}
	}
	return cells
}

func TestAdvise(t *testing.T) {
	services := []ServiceInfo{{ID: "pass", Name: "Reisepass", ConfiguredMinutes: 10}, {ID: "ab", Name: "Abmeldung", ConfiguredMinutes: 5}, {ID: "none", Name: "Ohne Daten"}}
	var cells []Cell
	cells = append(cells, cellsOfDays("pass", 5, []int{8, 9}, 6, 1, 8)...)
	cells = append(cells, cellsOfDays("ab", 1, []int{8}, 6, 1, 4)...) // 6 appointments: too few
	a := Advise(cells, services, AdviceOptions{})
	if len(a.Services) != 2 {
		t.Fatalf("advice for %d services, want 2 (a service without cells is left out): %+v", len(a.Services), a.Services)
	}
	pass, ab := a.Services[0], a.Services[1]
	if !pass.Enough || pass.Appointments != 60 || math.Abs(pass.NoShowRate-1.0/6) > 1e-9 {
		t.Fatalf("pass: %+v", pass)
	}
	if len(pass.ByWeekdayHour) != 10 || pass.ByWeekdayHour[0].Weekday != 1 || pass.ByWeekdayHour[0].Hour != 8 || pass.ByWeekdayHour[0].BookedPerDay != 6 {
		t.Fatalf("pass by weekday and hour: %+v", pass.ByWeekdayHour)
	}
	if pass.OverbookingPercent <= 0 || pass.IdleMinutesSavedPerDay <= 0 {
		t.Errorf("a sixth of no-shows and service times below the slot, yet no overbooking: %+v", pass)
	}
	if pass.WaitP90Minutes > DefaultWaitTarget.Minutes() {
		t.Errorf("the advice lets nine in ten wait up to %.1f min, the target is %v", pass.WaitP90Minutes, DefaultWaitTarget)
	}
	if pass.MeasuredServiceMinutes != 8 || pass.SuggestedSlotMinutes != 9 {
		t.Errorf("service minutes %.2f, slot %.0f; want 8 and 9", pass.MeasuredServiceMinutes, pass.SuggestedSlotMinutes)
	}
	if ab.Enough || ab.OverbookingPercent != 0 || ab.ByWeekdayHour != nil || ab.NoShowRate == 0 {
		t.Errorf("a service with 6 appointments gets advice: %+v", ab)
	}
	if again := Advise(cells, services, AdviceOptions{}); fmt.Sprint(again) != fmt.Sprint(a) {
		t.Errorf("the same cells give different advice:\n%+v\n%+v", a, again)
	}
}

// An hour seen on one day only leans on the service's overall rate: one
// day's chance of 5 no-shows out of 5 must not set the hour's rate.
func TestAdviseShrinksRareHours(t *testing.T) {
	cells := cellsOfDays("pass", 10, []int{8}, 10, 1, 8) // 10 of 100 stay away
	cells = append(cells, Cell{Day: "2026-11-02", Hour: 15, Service: "pass", Booked: 5, NoShows: 5})
	a := Advise(cells, []ServiceInfo{{ID: "pass", ConfiguredMinutes: 10}}, AdviceOptions{})
	for _, h := range a.Services[0].ByWeekdayHour {
		// (5 + 20 × 15/105) / (5 + 20) ≈ 0.31, not 1.
		if h.Hour == 15 && h.NoShowRate > 0.35 {
			t.Fatalf("a single day of 5 of 5 no-shows sets the hour's rate to %.2f", h.NoShowRate)
		}
	}
}

// TestAdviceOnSimulatedDays shows the advice on simulated days: a
// service booked at 6 appointments an hour for 8 hours, with no-show
// rates from none to a quarter, service times as measured. The advice
// must fill more of the no-shows the more there are, save counter time,
// and keep nine in ten waits within the target; a service whose visits
// take longer than its slot gets no overbooking. Run it with -v to see
// the table that docs/statistics.md quotes.
func TestAdviceOnSimulatedDays(t *testing.T) {
	hours := []int{8, 9, 10, 11, 12, 13, 14, 15}
	tests := []struct {
		name           string
		noShows        int // of 6 each hour, over 20 days
		serviceMinutes float64
		wantOverbook   bool
	}{
		{"no no-shows", 0, 8, false},
		{"one in twelve", -1, 8, true}, // -1: one no-show in every other hour
		{"one in six", 1, 8, true},
		{"one in four", -2, 8, true}, // -2: 1 and 2 in turn
		{"one in six, visits longer than the slot", 1, 12, false},
	}
	var table strings.Builder
	fmt.Fprintf(&table, "| case | no-show rate | overbooking | counter minutes saved per day | 90 %% of waits within (min), today → advised |\n|---|---|---|---|---|\n")
	last := -1.0
	for _, tt := range tests {
		var cells []Cell
		for d := range 20 {
			for i, h := range hours {
				n := tt.noShows
				switch n {
				case -1:
					n = (d + i) % 2
				case -2:
					n = 1 + (d+i)%2
				}
				cells = append(cells, cellsOfDays("s", 1, []int{h}, 6, n, tt.serviceMinutes)...)
				cells[len(cells)-1].Day = fmt.Sprintf("2026-%02d-%02d", 9+d/28, 1+d%28)
				cells[len(cells)-2].Day = cells[len(cells)-1].Day
			}
		}
		a := Advise(cells, []ServiceInfo{{ID: "s", ConfiguredMinutes: 10}}, AdviceOptions{})
		s := a.Services[0]
		fmt.Fprintf(&table, "| %s | %.0f %% | %+.0f %% | %.0f | %.1f → %.1f |\n", tt.name, 100*s.NoShowRate, s.OverbookingPercent,
			s.IdleMinutesSavedPerDay, s.WaitP90TodayMinutes, s.WaitP90Minutes)
		if got := s.OverbookingPercent > 0; got != tt.wantOverbook {
			t.Errorf("%s: overbooking %.1f %%, want some: %v", tt.name, s.OverbookingPercent, tt.wantOverbook)
		}
		if s.OverbookingPercent > 0 {
			if s.IdleMinutesSavedPerDay <= 0 {
				t.Errorf("%s: overbooking by %.0f %% saves no counter time", tt.name, s.OverbookingPercent)
			}
			if s.WaitP90Minutes > DefaultWaitTarget.Minutes() {
				t.Errorf("%s: nine in ten wait up to %.1f min, the target is %v", tt.name, s.WaitP90Minutes, DefaultWaitTarget)
			}
		}
		if tt.serviceMinutes <= 10 {
			if s.OverbookingPercent < last {
				t.Errorf("%s: more no-shows, less overbooking (%.1f %% after %.1f %%)", tt.name, s.OverbookingPercent, last)
			}
			last = s.OverbookingPercent
		}
	}
	t.Log("\n" + table.String())
}

// TestLabelsInTheLanguage: the rows' labels follow Meta.Lang; the keys do
// not change.
func TestLabelsInTheLanguage(t *testing.T) {
	meta := Meta{Office: "o", Services: []queue.Service{{ID: "pass", Name: "Reisepass", Names: map[string]string{"en": "Passport"}}}}
	tests := []struct {
		by     By
		key    string
		de, en string
	}{
		{ByDay, "2026-11-02", "Mo 02.11.", "Mon 2 Nov"},
		{ByWeek, "2026-W45", "KW 45/2026", "Week 45/2026"},
		{ByMonth, "2026-11", "November 2026", "November 2026"},
		{ByWeekday, "3", "Mittwoch", "Wednesday"},
		{ByHour, "08", "08–09 Uhr", "08:00–09:00"},
		{ByService, "pass", "Reisepass", "Passport"},
		{ByService, "", "ohne Anliegen", "no service"},
	}
	for _, tt := range tests {
		for _, lang := range []string{"de", "en"} {
			m := meta
			m.Lang = lang
			got := NewBuilder(m, "2026-11-01", "2026-11-30", tt.by).label(tt.key)
			want := tt.de
			if lang == "en" {
				want = tt.en
			}
			if got != want {
				t.Errorf("%s %q in %s: %q, want %q", tt.by, tt.key, lang, got, want)
			}
		}
	}
}
