package statistics

import (
	"math"
	"slices"
	"sort"
	"time"
)

// AdviceOptions are the targets the advice keeps to.
type AdviceOptions struct {
	// WaitTarget is the longest wait, at the 90th percentile, that the
	// overbooking may cause on the simulated days; 0 means
	// DefaultWaitTarget.
	WaitTarget time.Duration
	// MinAppointments is the least number of booked appointments of a
	// service in the period before it gets advice; 0 means
	// DefaultMinAppointments.
	MinAppointments int
	// Prior is the weight, in appointments, of a service's overall
	// no-show rate in the rate of each weekday and hour (empirical Bayes
	// shrinkage: an hour seen on few days leans on the service's rate).
	// 0 means DefaultPrior.
	Prior float64
	// Days is how many days each candidate is simulated; 0 means
	// DefaultSimulatedDays.
	Days int
}

// Defaults of the advice (docs/statistics.md explains them).
const (
	// DefaultWaitTarget: nine in ten people wait at most a quarter of an
	// hour after their appointment's start.
	DefaultWaitTarget = 15 * time.Minute
	// DefaultMinAppointments: below this the measured no-show rate is
	// too uncertain to book against.
	DefaultMinAppointments = 50
	// DefaultPrior: an hour's own rate outweighs the service's once it
	// has more than 20 appointments.
	DefaultPrior = 20
	// DefaultSimulatedDays: enough days that the 90th percentile of the
	// waits moves by well under a minute from one seed to the next.
	DefaultSimulatedDays = 100
	// targetUtilisation: the suggested slot leaves a tenth of the
	// counter's time for the spread of service times; a queue whose
	// counters are planned at 100 % grows without bound (Kingman).
	targetUtilisation = 0.9
)

// overbookingLevels are the shares of the expected no-shows that the
// advice tries to fill with extra appointments, from none to all.
var overbookingLevels = []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}

// ServiceInfo is what the office's configuration says of a service.
type ServiceInfo struct {
	ID                string
	Name              string
	ConfiguredMinutes float64 // the slot the booking system books today
}

// Advice is the advice for the booking side of one office.
type Advice struct {
	Services []ServiceAdvice
}

// ServiceAdvice is the advice for one service. Rates are 0–1, minutes
// are minutes, percentages are percent of the booked appointments.
type ServiceAdvice struct {
	Service string
	Name    string
	// Enough is false when the period holds fewer appointments than
	// AdviceOptions.MinAppointments, or the service has no configured
	// slot; the overbooking figures are then zero.
	Enough       bool
	Appointments int     // appointments that fell due in the period: checked in or no-show
	NoShowRate   float64 // no-shows / Appointments
	// OverbookingPercent is how many appointments more than today the
	// booking system could give, in percent of today's.
	OverbookingPercent float64
	// IdleMinutesSavedPerDay is the counter time per opening day that
	// would be served instead of waiting for no-shows, on the simulated
	// days.
	IdleMinutesSavedPerDay float64
	// WaitP90Minutes is the 90th percentile of the waits on the
	// simulated days with the advised overbooking (at most the target);
	// WaitP90TodayMinutes the same as booked today.
	WaitP90Minutes         float64
	WaitP90TodayMinutes    float64
	MeasuredServiceMinutes float64 // mean of finished visits
	ConfiguredMinutes      float64
	SuggestedSlotMinutes   float64 // 0 without finished visits
	ByWeekdayHour          []HourAdvice
}

// HourAdvice is the advice for one hour of one weekday, for a service.
type HourAdvice struct {
	Weekday int // ISO: 1 Monday … 7 Sunday
	Hour    int
	// BookedPerDay is the mean of appointments booked in this hour on
	// the days of this weekday in the period.
	BookedPerDay       float64
	NoShowRate         float64
	Overbook           int // appointments to add to the hour
	OverbookingPercent float64
}

// Advise derives the advice from the cells of a period. services names
// the office's services with their configured slots; a service without
// cells is left out. For each service and weekday it simulates the day
// as booked today and with more appointments in each hour, a share of
// the hour's expected no-shows, and keeps the largest share whose waits
// stay within the target (docs/statistics.md).
func Advise(cells []Cell, services []ServiceInfo, o AdviceOptions) Advice {
	if o.WaitTarget <= 0 {
		o.WaitTarget = DefaultWaitTarget
	}
	if o.MinAppointments <= 0 {
		o.MinAppointments = DefaultMinAppointments
	}
	if o.Prior <= 0 {
		o.Prior = DefaultPrior
	}
	if o.Days <= 0 {
		o.Days = DefaultSimulatedDays
	}
	type slotKey struct{ weekday, hour int }
	type tally struct{ booked, noShows int }
	type serviceTally struct {
		booked, noShows, served int
		serviceSeconds          int64
		serviceHist             Histogram
		hours                   map[slotKey]*tally
		days                    map[int]map[string]bool // weekday → days seen
	}
	by := map[string]*serviceTally{}
	for _, c := range cells {
		wd, ok := isoWeekday(c.Day)
		if !ok {
			continue
		}
		s := by[c.Service]
		if s == nil {
			s = &serviceTally{hours: map[slotKey]*tally{}, days: map[int]map[string]bool{}}
			by[c.Service] = s
		}
		s.served += c.Served
		s.serviceSeconds += c.ServiceSeconds
		for i, n := range c.ServiceHistogram {
			s.serviceHist[i] += n
		}
		// The appointments that fell due: the people who came and those
		// who did not. Cancelled ones free their slot, and today's later
		// ones have not had their chance yet; the statistics' no-show
		// rate has the same base, so the page shows one rate.
		due := c.CheckedIn + c.NoShows
		if due == 0 {
			continue
		}
		s.booked += due
		s.noShows += c.NoShows
		k := slotKey{wd, c.Hour}
		t := s.hours[k]
		if t == nil {
			t = &tally{}
			s.hours[k] = t
		}
		t.booked += due
		t.noShows += c.NoShows
		if s.days[wd] == nil {
			s.days[wd] = map[string]bool{}
		}
		s.days[wd][c.Day] = true
	}
	var a Advice
	for _, info := range services {
		s := by[info.ID]
		if s == nil {
			continue
		}
		sa := ServiceAdvice{Service: info.ID, Name: info.Name, Appointments: s.booked, ConfiguredMinutes: info.ConfiguredMinutes}
		if s.served > 0 {
			sa.MeasuredServiceMinutes = float64(s.serviceSeconds) / 60 / float64(s.served)
			sa.SuggestedSlotMinutes = SuggestedSlot(sa.MeasuredServiceMinutes)
		}
		if s.booked > 0 {
			sa.NoShowRate = float64(s.noShows) / float64(s.booked)
		}
		sa.Enough = s.booked >= o.MinAppointments && info.ConfiguredMinutes > 0
		if !sa.Enough {
			a.Services = append(a.Services, sa)
			continue
		}
		// The service times of the simulation: the measured ones, or the
		// configured slot where nothing was measured yet.
		times := s.serviceHist
		if s.served == 0 {
			times = Histogram{}
			times[min(int(info.ConfiguredMinutes), HistogramBuckets-1)] = 1
		}
		var bookedAll, addedAll, savedAll float64
		var p90s, p90Todays []float64
		for wd, days := range s.days {
			var profile []simHour
			for k, t := range s.hours {
				if k.weekday != wd {
					continue
				}
				perDay := float64(t.booked) / float64(len(days))
				rate := (float64(t.noShows) + o.Prior*sa.NoShowRate) / (float64(t.booked) + o.Prior)
				profile = append(profile, simHour{hour: k.hour, perDay: perDay, booked: int(math.Round(perDay)), noShow: rate})
			}
			sort.Slice(profile, func(i, j int) bool { return profile[i].hour < profile[j].hour })
			day := simDay{hours: profile, slot: info.ConfiguredMinutes, times: times}
			today := day.run(0, o.Days, uint64(wd))
			best, bestLevel := today, 0.0
			for _, level := range overbookingLevels[1:] {
				r := day.run(level, o.Days, uint64(wd))
				if r.waitP90 > o.WaitTarget.Minutes() {
					break
				}
				best, bestLevel = r, level
			}
			for _, h := range profile {
				add := h.extra(bestLevel)
				ha := HourAdvice{Weekday: wd, Hour: h.hour, BookedPerDay: h.perDay, NoShowRate: h.noShow, Overbook: add}
				if h.booked > 0 {
					ha.OverbookingPercent = 100 * float64(add) / float64(h.booked)
				}
				sa.ByWeekdayHour = append(sa.ByWeekdayHour, ha)
				bookedAll += float64(h.booked)
				addedAll += float64(add)
			}
			savedAll += today.idlePerDay - best.idlePerDay
			p90s = append(p90s, best.waitP90)
			p90Todays = append(p90Todays, today.waitP90)
		}
		if bookedAll > 0 {
			sa.OverbookingPercent = 100 * addedAll / bookedAll
		}
		sa.IdleMinutesSavedPerDay = savedAll / float64(len(s.days))
		sa.WaitP90Minutes = slices.Max(p90s)
		sa.WaitP90TodayMinutes = slices.Max(p90Todays)
		sort.Slice(sa.ByWeekdayHour, func(i, j int) bool {
			x, y := sa.ByWeekdayHour[i], sa.ByWeekdayHour[j]
			if x.Weekday != y.Weekday {
				return x.Weekday < y.Weekday
			}
			return x.Hour < y.Hour
		})
		a.Services = append(a.Services, sa)
	}
	return a
}

// SuggestedSlot is the slot length, in whole minutes, that plans the
// counters at targetUtilisation of the measured mean service time.
func SuggestedSlot(meanMinutes float64) float64 {
	if meanMinutes <= 0 {
		return 0
	}
	return math.Ceil(meanMinutes/targetUtilisation - 1e-9)
}

// isoWeekday returns the ISO weekday (1 Monday … 7 Sunday) of a
// YYYY-MM-DD day.
func isoWeekday(day string) (int, bool) {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return 0, false
	}
	wd := int(t.Weekday())
	if wd == 0 {
		wd = 7
	}
	return wd, true
}
