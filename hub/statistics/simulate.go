package statistics

import (
	"math"
	"math/rand/v2"
	"slices"
)

// simHour is one opening hour of a service on one weekday, as measured.
type simHour struct {
	hour   int
	perDay float64 // appointments booked in this hour, mean per day
	booked int     // perDay rounded: the slots of the hour
	noShow float64 // the chance that a booked person stays away
}

// extra is how many appointments the hour gets on top of its slots at an
// overbooking level: that share of its expected no-shows, rounded.
func (h simHour) extra(level float64) int {
	if h.noShow >= 1 {
		return 0
	}
	return int(math.Round(level * float64(h.booked) * h.noShow / (1 - h.noShow)))
}

// simDay is a service's day as the simulation plays it: its hours, the
// slot length in minutes that spaces the appointments, and the measured
// service times.
type simDay struct {
	hours []simHour
	slot  float64
	times Histogram
}

// simResult is what the simulated days showed.
type simResult struct {
	idlePerDay float64 // counter minutes in opening hours with nobody to serve
	waitP90    float64 // minutes from the appointment to the call
}

// run plays days of the service with the overbooking level. The counters
// are as many as the busiest hour's slots need; each booked person comes
// at the appointment, unless they stay away, and is served first come,
// first served by the counter free first, for a service time drawn from
// the measured histogram. The extra appointments share the hour's first
// appointment times, as a booking system double-books them. The seed
// makes every run of the same inputs give the same figures.
func (d simDay) run(level float64, days int, seed uint64) simResult {
	if len(d.hours) == 0 {
		return simResult{}
	}
	r := rand.New(rand.NewPCG(seed, 0x10753))
	var cum [HistogramBuckets]float64
	var total float64
	for i, n := range d.times {
		total += float64(n)
		cum[i] = total
	}
	draw := func() float64 {
		if total == 0 {
			return d.slot
		}
		u := r.Float64() * total
		i, _ := slices.BinarySearch(cum[:], u)
		return float64(min(i, HistogramBuckets-1)) + r.Float64()
	}
	most := 0
	for _, h := range d.hours {
		most = max(most, h.booked)
	}
	counters := max(1, int(math.Ceil(float64(most)*d.slot/60-1e-9)))
	open := float64(d.hours[0].hour) * 60
	close := float64(d.hours[len(d.hours)-1].hour+1) * 60
	var waits, arrivals []float64
	var idle float64
	free := make([]float64, counters)
	for range days {
		for i := range free {
			free[i] = open
		}
		var busy float64
		for _, h := range d.hours {
			start := float64(h.hour) * 60
			arrivals = arrivals[:0]
			for i := range h.booked + h.extra(level) {
				if r.Float64() >= h.noShow {
					arrivals = append(arrivals, start+float64(i%max(1, h.booked))*60/float64(max(1, h.booked)))
				}
			}
			slices.Sort(arrivals)
			for _, at := range arrivals {
				c := 0
				for j := range free {
					if free[j] < free[c] {
						c = j
					}
				}
				begin := math.Max(at, free[c])
				waits = append(waits, begin-at)
				end := begin + draw()
				busy += math.Max(0, math.Min(end, close)-math.Min(begin, close))
				free[c] = end
			}
		}
		idle += float64(counters)*(close-open) - busy
	}
	slices.Sort(waits)
	res := simResult{idlePerDay: idle / float64(days)}
	if len(waits) > 0 {
		res.waitP90 = waits[min(len(waits)-1, int(0.9*float64(len(waits))))]
	}
	return res
}
