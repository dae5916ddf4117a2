package statistics

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"lotse/hub/queue"
)

// By is how a report groups its rows.
type By string

// The groupings of a report.
const (
	ByDay     By = "day"
	ByWeek    By = "week"
	ByMonth   By = "month"
	ByWeekday By = "weekday"
	ByHour    By = "hour"
	ByService By = "service"
	ByCounter By = "counter"
)

// Bys are the groupings in the order the page offers them.
var Bys = []By{ByDay, ByWeek, ByMonth, ByWeekday, ByHour, ByService, ByCounter}

// ParseBy reads a grouping; "" is by day.
func ParseBy(s string) (By, error) {
	if s == "" {
		return ByDay, nil
	}
	if slices.Contains(Bys, By(s)) {
		return By(s), nil
	}
	return "", fmt.Errorf("unknown grouping %q: want one of day, week, month, weekday, hour, service, counter", s)
}

// MaxDays is the longest period a report covers: a year and a bit, so
// that a year is compared with the same weeks of the year before.
const MaxDays = 400

// Period checks a report's period: both days valid, from not after to,
// at most MaxDays days. It returns the number of days.
func Period(from, to string) (int, error) {
	f, err := time.Parse(queue.DayFormat, from)
	if err != nil {
		return 0, fmt.Errorf("from %q is not a day (YYYY-MM-DD)", from)
	}
	t, err := time.Parse(queue.DayFormat, to)
	if err != nil {
		return 0, fmt.Errorf("to %q is not a day (YYYY-MM-DD)", to)
	}
	if f.After(t) {
		return 0, fmt.Errorf("from %s is after to %s", from, to)
	}
	days := int(t.Sub(f)/(24*time.Hour)) + 1
	if days > MaxDays {
		return 0, fmt.Errorf("the period of %d days is longer than %d days", days, MaxDays)
	}
	return days, nil
}

// Row is one line of a report: the figures of one group (docs/statistics.md
// defines each).
type Row struct {
	Key        string  `json:"key"`
	Label      string  `json:"label"`
	Booked     int     `json:"booked"`
	CheckedIn  int     `json:"checkedIn"`
	NoShows    int     `json:"noShows"`
	NoShowRate float64 `json:"noShowRate"`
	Cancelled  int     `json:"cancelled"`
	Withdrawn  int     `json:"withdrawn"`
	// FreedMinutes is the counter time the withdrawn tickets would have
	// taken: each at its service's configured minutes.
	FreedMinutes             float64 `json:"freedMinutes"`
	WalkIns                  int     `json:"walkIns"`
	Served                   int     `json:"served"`
	Missed                   int     `json:"missed"`
	Recalls                  int     `json:"recalls"`
	WaitMedianMinutes        float64 `json:"waitMedianMinutes"`
	WaitP90Minutes           float64 `json:"waitP90Minutes"`
	ServiceMeanMinutes       float64 `json:"serviceMeanMinutes"`
	ServiceConfiguredMinutes float64 `json:"serviceConfiguredMinutes"`
	Punctuality              float64 `json:"punctuality"`
	Utilisation              float64 `json:"utilisation"`
}

// Bin is one bar of the waiting-time distribution: waits of at least
// FromMinutes and less than ToMinutes (nil: no upper bound).
type Bin struct {
	FromMinutes int  `json:"fromMinutes"`
	ToMinutes   *int `json:"toMinutes"`
	Count       int  `json:"count"`
}

// Report is the statistics of an office for a period, grouped.
type Report struct {
	Office        string `json:"office"`
	From          string `json:"from"`
	To            string `json:"to"`
	By            By     `json:"by"`
	Totals        Row    `json:"totals"`
	Rows          []Row  `json:"rows"`
	WaitHistogram []Bin  `json:"waitHistogram"`
	// Outcomes are the visits' outcomes per service (outcome.go); set
	// where the store keeps them.
	Outcomes *Outcomes `json:"outcomes,omitempty"`
}

// Meta is what a report needs of the office's configuration: names for
// the labels and the configured service times.
type Meta struct {
	Office   string
	Services []queue.Service
	Counters []queue.Counter
	// Lang is the language of the rows' labels: "en", or German for
	// anything else. The keys stay the same in every language.
	Lang string
}

// MetaOf takes the report's Meta from an office.
func MetaOf(o queue.Office) Meta {
	return Meta{Office: o.ID, Services: o.Services, Counters: o.Counters}
}

// group is the sum of the cells of one row, with the visits served per
// service for the configured minutes of rows that mix services.
type group struct {
	c         Cell
	served    map[string]int
	withdrawn map[string]int
}

// Builder sums cells into the rows of one report. Cells are added one by
// one, so that a year of them is never held at once.
type Builder struct {
	meta     Meta
	from, to string
	by       By
	groups   map[string]*group
	total    group
}

// NewBuilder starts a report. The period must have passed Period.
func NewBuilder(meta Meta, from, to string, by By) *Builder {
	return &Builder{meta: meta, from: from, to: to, by: by, groups: map[string]*group{}}
}

// Add counts a cell. Cells outside the period are ignored.
func (b *Builder) Add(c *Cell) {
	if c.Day < b.from || c.Day > b.to {
		return
	}
	k := b.key(c)
	g := b.groups[k]
	if g == nil {
		g = &group{}
		b.groups[k] = g
	}
	g.add(c)
	b.total.add(c)
}

func (g *group) add(c *Cell) {
	g.c.Add(c)
	if c.Served != 0 {
		if g.served == nil {
			g.served = map[string]int{}
		}
		g.served[c.Service] += c.Served
	}
	if c.Withdrawn != 0 {
		if g.withdrawn == nil {
			g.withdrawn = map[string]int{}
		}
		g.withdrawn[c.Service] += c.Withdrawn
	}
}

// Add adds o's counts, sums and histograms to c; the keys stay c's.
func (c *Cell) Add(o *Cell) {
	c.Booked += o.Booked
	c.CheckedIn += o.CheckedIn
	c.NoShows += o.NoShows
	c.Cancelled += o.Cancelled
	c.Withdrawn += o.Withdrawn
	c.WalkIns += o.WalkIns
	c.Called += o.Called
	c.Recalls += o.Recalls
	c.Served += o.Served
	c.Missed += o.Missed
	c.Punctual += o.Punctual
	c.ApptCalled += o.ApptCalled
	c.WaitSeconds += o.WaitSeconds
	c.ServiceSeconds += o.ServiceSeconds
	c.BusySeconds += o.BusySeconds
	c.StaffedSeconds += o.StaffedSeconds
	c.WaitHistogram.Merge(&o.WaitHistogram)
	c.ServiceHistogram.Merge(&o.ServiceHistogram)
}

func (b *Builder) key(c *Cell) string {
	switch b.by {
	case ByWeek:
		return weekKey(c.Day)
	case ByMonth:
		return c.Day[:min(7, len(c.Day))]
	case ByWeekday:
		return weekdayKey(c.Day)
	case ByHour:
		return fmt.Sprintf("%02d", c.Hour)
	case ByService:
		return c.Service
	case ByCounter:
		return c.Counter
	}
	return c.Day
}

func parseDay(day string) (time.Time, bool) {
	t, err := time.Parse(queue.DayFormat, day)
	return t, err == nil
}

func weekKey(day string) string {
	t, ok := parseDay(day)
	if !ok {
		return day
	}
	y, w := t.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// weekdayKey is ISO's day of the week: 1 Monday … 7 Sunday.
func weekdayKey(day string) string {
	t, ok := parseDay(day)
	if !ok {
		return day
	}
	wd := int(t.Weekday())
	if wd == 0 {
		wd = 7
	}
	return strconv.Itoa(wd)
}

// labelWords are the words and layouts of the rows' labels in one
// language.
type labelWords struct {
	weekdayShort, weekdayLong [7]string
	months                    [12]string
	day                       func(weekday string, d, m int, month string) string
	week, hour                string // formats: week and year; hour and the next
	noService, noCounter      string
}

var labelsDE = labelWords{
	weekdayShort: [...]string{"So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"},
	weekdayLong:  [...]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
	months:       [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
	day:          func(wd string, d, m int, _ string) string { return fmt.Sprintf("%s %02d.%02d.", wd, d, m) },
	week:         "KW %d/%d", hour: "%02d–%02d Uhr", noService: "ohne Anliegen", noCounter: "ohne Schalter",
}

var labelsEN = labelWords{
	weekdayShort: [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
	weekdayLong:  [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	months:       [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	day:          func(wd string, d, _ int, month string) string { return fmt.Sprintf("%s %d %s", wd, d, month[:3]) },
	week:         "Week %d/%d", hour: "%02d:00–%02d:00", noService: "no service", noCounter: "no counter",
}

func (b *Builder) words() labelWords {
	if b.meta.Lang == "en" {
		return labelsEN
	}
	return labelsDE
}

// keys lists the rows of the report in order: every day, week or month
// of the period and every weekday (so that a chart shows the empty ones
// too), the configured services and counters, then whatever else the
// cells hold.
func (b *Builder) keys() []string {
	var out []string
	seen := map[string]bool{}
	push := func(k string) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	switch b.by {
	case ByDay, ByWeek, ByMonth:
		f, ok1 := parseDay(b.from)
		t, ok2 := parseDay(b.to)
		if ok1 && ok2 {
			for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
				push(b.key(&Cell{Day: d.Format(queue.DayFormat)}))
			}
		}
	case ByWeekday:
		for i := 1; i <= 7; i++ {
			push(strconv.Itoa(i))
		}
	case ByService:
		for _, s := range b.meta.Services {
			push(s.ID)
		}
	case ByCounter:
		for _, c := range b.meta.Counters {
			push(c.ID)
		}
	}
	var rest []string
	for k := range b.groups {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		push(k)
	}
	return out
}

func (b *Builder) label(key string) string {
	w := b.words()
	switch b.by {
	case ByDay:
		if t, ok := parseDay(key); ok {
			return w.day(w.weekdayShort[t.Weekday()], t.Day(), int(t.Month()), w.months[t.Month()-1])
		}
	case ByWeek:
		var y, wk int
		if _, err := fmt.Sscanf(key, "%04d-W%02d", &y, &wk); err == nil {
			return fmt.Sprintf(w.week, wk, y)
		}
	case ByMonth:
		if t, err := time.Parse("2006-01", key); err == nil {
			return fmt.Sprintf("%s %d", w.months[t.Month()-1], t.Year())
		}
	case ByWeekday:
		if n, err := strconv.Atoi(key); err == nil && n >= 1 && n <= 7 {
			return w.weekdayLong[n%7]
		}
	case ByHour:
		if h, err := strconv.Atoi(key); err == nil {
			return fmt.Sprintf(w.hour, h, h+1)
		}
	case ByService:
		for _, s := range b.meta.Services {
			if s.ID == key {
				if n := s.Names[b.meta.Lang]; n != "" {
					return n
				}
				return s.Name
			}
		}
		if key == "" {
			return w.noService
		}
	case ByCounter:
		for _, c := range b.meta.Counters {
			if c.ID == key {
				return c.Name
			}
		}
		if key == "" {
			return w.noCounter
		}
	}
	return key
}

// Report returns the rows, the totals and the waiting-time distribution.
// Groups with nothing counted are left out, except those keys lists
// for every period.
func (b *Builder) Report() Report {
	r := Report{Office: b.meta.Office, From: b.from, To: b.to, By: b.by, Rows: []Row{}}
	for _, k := range b.keys() {
		g := b.groups[k]
		if g == nil {
			if b.by == ByService || b.by == ByCounter {
				continue
			}
			g = &group{}
		}
		r.Rows = append(r.Rows, b.row(k, b.label(k), g))
	}
	r.Totals = b.row("", "Gesamt", &b.total)
	r.WaitHistogram = Bins(&b.total.c.WaitHistogram)
	return r
}

// binEdges are the bars of the waiting-time distribution, in minutes.
var binEdges = []int{0, 5, 10, 15, 20, 30, 45, 60, 90, 120}

// Bins groups a whole-minute histogram into the distribution's bars.
func Bins(h *Histogram) []Bin {
	out := make([]Bin, len(binEdges))
	for i, from := range binEdges {
		out[i].FromMinutes = from
		if i+1 < len(binEdges) {
			to := binEdges[i+1]
			out[i].ToMinutes = &to
		}
	}
	for m, n := range h {
		i := len(binEdges) - 1
		for i > 0 && m < binEdges[i] {
			i--
		}
		out[i].Count += int(n)
	}
	return out
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// row computes the figures of a group (docs/statistics.md).
func (b *Builder) row(key, label string, g *group) Row {
	c := &g.c
	r := Row{
		Key: key, Label: label,
		Booked: c.Booked, CheckedIn: c.CheckedIn, NoShows: c.NoShows, Cancelled: c.Cancelled, Withdrawn: c.Withdrawn,
		WalkIns: c.WalkIns, Served: c.Served, Missed: c.Missed, Recalls: c.Recalls,
		NoShowRate:         ratio(float64(c.NoShows), float64(c.CheckedIn+c.NoShows)),
		WaitMedianMinutes:  c.WaitHistogram.Quantile(0.5),
		WaitP90Minutes:     c.WaitHistogram.Quantile(0.9),
		ServiceMeanMinutes: ratio(float64(c.ServiceSeconds), 60*float64(c.Served)),
		Punctuality:        ratio(float64(c.Punctual), float64(c.ApptCalled)),
		Utilisation:        ratio(float64(c.BusySeconds), float64(c.StaffedSeconds)),
	}
	// The configured minutes of a row that mixes services are weighted
	// by the visits served of each, so that they compare with the mean.
	for _, s := range b.meta.Services {
		r.FreedMinutes += float64(g.withdrawn[s.ID]) * s.Duration.Minutes()
	}
	var sum float64
	var n int
	for _, s := range b.meta.Services {
		if k := g.served[s.ID]; k > 0 {
			sum += float64(k) * s.Duration.Minutes()
			n += k
		}
	}
	if n > 0 {
		r.ServiceConfiguredMinutes = sum / float64(n)
	} else if b.by == ByService {
		for _, s := range b.meta.Services {
			if s.ID == key {
				r.ServiceConfiguredMinutes = s.Duration.Minutes()
			}
		}
	}
	return r
}

// Rollup is the sum of cells a report reads: over the counters (day,
// hour and service kept) or over the hours (day, service and counter
// kept). The store keeps both.
type Rollup string

// The rollups of the store.
const (
	RollupHours    Rollup = "hours"
	RollupCounters Rollup = "counters"
)

// Rollup returns the rollup the grouping is built from.
func (b By) Rollup() Rollup {
	if b == ByCounter {
		return RollupCounters
	}
	return RollupHours
}

// RollupOf returns the rollup cell c counts in: c with the key the
// rollup sums over zeroed.
func RollupOf(r Rollup, c Cell) Cell {
	if r == RollupCounters {
		c.Hour = 0
	} else {
		c.Counter = ""
	}
	return c
}

// Rollups are every rollup the store keeps.
var Rollups = []Rollup{RollupHours, RollupCounters}
