// Package statistics holds the office manager's figures: the anonymous
// cells the hub keeps of every visit, the reports grouped from them, and
// the advice for the booking side. A cell is counts, sums and histograms
// only, never a ticket, a name or an appointment id, so it may outlive
// the daily purge.
package statistics

// HistogramBuckets is the number of whole-minute buckets of a waiting or
// service time histogram: minutes 0 … 119, and the last bucket for 120
// minutes and more.
const HistogramBuckets = 121

// Histogram counts durations by whole minutes; index i holds the
// durations of at least i and less than i+1 minutes, the last index every
// duration of 120 minutes or more.
type Histogram [HistogramBuckets]uint32

// Cell is what an office recorded in one hour of one day for one service
// at one counter. Hour is the hour of the office's local time (0–23) of
// the event that counted: for booked, cancelled and no-shows the
// appointment's start, for a check-in or walk-in the arrival, for a call
// the call, for a finished visit its end. Counter is "" for figures that
// belong to no counter (booked, check-ins, walk-ins, no-shows,
// cancellations). Durations are whole seconds.
type Cell struct {
	Office  string
	Day     string // YYYY-MM-DD in the office's zone
	Hour    int
	Service string
	Counter string

	Booked     int // appointments of the day's import for this start hour
	CheckedIn  int // appointments checked in
	NoShows    int // appointments reported as no-show
	Cancelled  int // appointments cancelled (by the backend, or by the office at the end of the day)
	Withdrawn  int // tickets given up on the day by their holders (the phone's "Ich komme nicht mehr")
	WalkIns    int // walk-in tickets drawn
	Called     int // first calls
	Recalls    int // calls after the first of the same ticket
	Served     int // visits finished
	Missed     int // tickets missed after their calls
	Punctual   int // appointments first called within 5 minutes of their start
	ApptCalled int // appointments first called (the base of Punctual)

	WaitSeconds    int64 // sum of waits, first call minus the later of arrival and start
	ServiceSeconds int64 // sum of service times, end minus the start (or call)
	BusySeconds    int64 // counter time spent serving
	StaffedSeconds int64 // counter time with somebody logged in

	WaitHistogram    Histogram
	ServiceHistogram Histogram
}
