package statistics

import (
	"cmp"
	"hash/fnv"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"lotse/hub/queue"
)

// The demo's and the load test's history: cells for past days as an
// office of the design's kind would have counted them, so that the
// statistics page is never empty and a year can be measured. Seeded: the
// same office and days give the same cells.

// openHours are the office hours by weekday (Sunday first): long
// Tuesdays and Thursdays, short Wednesdays and Fridays, closed weekends.
var openHours = [7][2]int{{0, 0}, {8, 16}, {8, 18}, {8, 13}, {8, 18}, {8, 13}, {0, 0}}

// dayFactor is each weekday's demand: Monday is the peak.
var dayFactor = [7]float64{0, 1.3, 1.05, 0.9, 1.0, 0.85, 0}

// hourFactor is the demand by hour of day: a morning peak and a lunch dip.
func hourFactor(h int) float64 {
	switch {
	case h < 9:
		return 0.8
	case h < 11:
		return 1.35
	case h < 12:
		return 1.1
	case h < 14:
		return 0.6
	case h < 16:
		return 1.0
	}
	return 0.85
}

// HistoryOptions describe a generated history.
type HistoryOptions struct {
	From, To     string // the days, inclusive
	VisitsPerDay int    // the appointments and walk-ins of an average open day; 0: 25 per counter
	Seed         uint64
}

type histService struct {
	s        queue.Service
	weight   float64
	noShow   float64 // 10–26 %
	pace     float64 // measured against configured minutes
	counters []string
}

// History calls emit with the cells of every open day of the period,
// day by day; the cell is emit's to keep.
func History(o queue.Office, opt HistoryOptions, emit func(Cell) error) error {
	from, err := time.Parse(queue.DayFormat, opt.From)
	if err != nil {
		return err
	}
	to, err := time.Parse(queue.DayFormat, opt.To)
	if err != nil {
		return err
	}
	h := fnv.New64a()
	h.Write([]byte(o.ID))
	rng := rand.New(rand.NewPCG(opt.Seed, h.Sum64()))
	var svcs []histService
	for _, s := range o.Services {
		hs := histService{s: s, weight: 0.5 + rng.Float64(), pace: 0.8 + 0.5*rng.Float64()}
		for _, c := range o.Counters {
			if c.Serves(s.ID) {
				hs.counters = append(hs.counters, c.ID)
			}
		}
		if len(hs.counters) > 0 {
			svcs = append(svcs, hs)
		}
	}
	if len(svcs) == 0 {
		return nil
	}
	var total float64
	for i := range svcs {
		total += svcs[i].weight
		// Spread the no-show rates of 10–26 % over the services.
		svcs[i].noShow = 0.10
		if len(svcs) > 1 {
			svcs[i].noShow += 0.16 * float64(i) / float64(len(svcs)-1)
		}
	}
	perDay := opt.VisitsPerDay
	if perDay <= 0 {
		perDay = 25 * len(o.Counters)
	}
	var hoursPerWeek float64
	for wd, oh := range openHours {
		for hr := oh[0]; hr < oh[1]; hr++ {
			hoursPerWeek += dayFactor[wd] * hourFactor(hr)
		}
	}
	perUnit := float64(perDay) * 5 / hoursPerWeek // visits per unit of demand
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		wd := d.Weekday()
		oh := openHours[wd]
		day := d.Format(queue.DayFormat)
		for hr := oh[0]; hr < oh[1]; hr++ {
			load := dayFactor[wd] * hourFactor(hr)
			cells := map[[2]string]*Cell{}
			cell := func(service, counter string) *Cell {
				k := [2]string{service, counter}
				if cells[k] == nil {
					cells[k] = &Cell{Office: o.ID, Day: day, Hour: hr, Service: service, Counter: counter}
				}
				return cells[k]
			}
			busy := map[string]int64{}
			for _, s := range svcs {
				mean := perUnit * load * s.weight / total
				booked := poisson(rng, mean*0.8)
				c := cell(s.s.ID, "")
				c.Booked += booked
				cancelled := binomial(rng, booked, 0.06)
				c.Cancelled += cancelled
				// Early and late hours are missed more often.
				rate := s.noShow
				if hr < 9 || hr >= 16 {
					rate *= 1.2
				}
				noShows := binomial(rng, booked-cancelled, rate)
				c.NoShows += noShows
				c.CheckedIn += booked - cancelled - noShows
				walkIns := poisson(rng, mean*0.2)
				c.WalkIns += walkIns
				for v := range booked - cancelled - noShows + walkIns {
					appt := v < booked-cancelled-noShows
					counter := s.counters[rng.IntN(len(s.counters))]
					cc := cell(s.s.ID, counter)
					cc.Called++
					// Waits grow with the load: exponential around 4
					// minutes at an average hour.
					wait := time.Duration(rng.ExpFloat64() * 4 * load * float64(time.Minute))
					cc.WaitSeconds += int64(wait / time.Second)
					cc.WaitHistogram.Add(wait)
					if appt {
						cc.ApptCalled++
						if wait <= PunctualWithin {
							cc.Punctual++
						}
					}
					if rng.IntN(100) < 7 {
						cc.Recalls++
					}
					if rng.IntN(100) < 2 {
						cc.Missed++
						continue
					}
					mins := math.Max(1, s.s.Duration.Minutes()*s.pace*(0.6+0.8*rng.Float64()))
					svc := time.Duration(mins * float64(time.Minute))
					cc.Served++
					cc.ServiceSeconds += int64(svc / time.Second)
					cc.ServiceHistogram.Add(svc)
					busy[counter] += int64(svc/time.Second) + 60
				}
			}
			for _, c := range o.Counters {
				// A counter works the hour unless nobody came for it;
				// at lunch one in three is closed.
				if hr >= 12 && hr < 14 && rng.IntN(3) == 0 && busy[c.ID] == 0 {
					continue
				}
				staffed := max(int64(3600), busy[c.ID])
				cell("", c.ID).StaffedSeconds += staffed
				for k, cc := range cells {
					if k[1] == c.ID && cc.Served > 0 {
						cc.BusySeconds += cc.ServiceSeconds + 60*int64(cc.Served)
					}
				}
			}
			keys := slices.SortedFunc(maps.Keys(cells), func(a, b [2]string) int {
				return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
			})
			for _, k := range keys {
				if err := emit(*cells[k]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// poisson draws a count with the mean (Knuth's method for small means,
// the normal approximation for large).
func poisson(rng *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 30 {
		return max(0, int(math.Round(mean+math.Sqrt(mean)*rng.NormFloat64())))
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func binomial(rng *rand.Rand, n int, p float64) int {
	k := 0
	for range n {
		if rng.Float64() < p {
			k++
		}
	}
	return k
}

// DayBefore returns the day n days before day (YYYY-MM-DD).
func DayBefore(day string, n int) (string, error) {
	t, err := time.Parse(queue.DayFormat, day)
	if err != nil {
		return "", err
	}
	return t.AddDate(0, 0, -n).Format(queue.DayFormat), nil
}
