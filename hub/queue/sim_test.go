// This file is longer than the others on purpose: it is one simulation
// (the office, the day's citizens and clerks, the driver and the checks
// over the whole day), whose parts share one state and read best together.

package queue_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"lotse/hub/queue"
)

// simOffice is a mid-sized Bürgerbüro: six services, ten counters whose
// service sets overlap, the special services at only a few counters. With
// the day below its clerks are busy most of the day but not overrun (with
// 15 % longer services the lines grow past two hours by the afternoon,
// which no ordering can fix).
func simOffice(lateAsWalkIn bool) queue.Office {
	o := queue.Office{
		ID:   "mitte",
		Name: "Bürgerbüro Mitte",
		Services: []queue.Service{
			{ID: "pass", Name: "Personalausweis, Reisepass", Prefix: "P", Duration: 6 * time.Minute},
			{ID: "anm", Name: "Anmeldung einer Wohnung", Prefix: "A", Duration: 8 * time.Minute},
			{ID: "fz", Name: "Führungszeugnis", Prefix: "F", Duration: 3 * time.Minute},
			{ID: "kfz", Name: "Kfz-Zulassung", Prefix: "K", Duration: 10 * time.Minute},
			{ID: "ausl", Name: "Aufenthaltstitel", Prefix: "T", Duration: 12 * time.Minute},
			{ID: "gew", Name: "Gewerbeanmeldung", Prefix: "G", Duration: 7 * time.Minute},
		},
		Counters: []queue.Counter{
			{ID: "c1", Name: "Schalter 1", Services: []string{"pass", "anm"}},
			{ID: "c2", Name: "Schalter 2", Services: []string{"pass", "anm"}},
			{ID: "c3", Name: "Schalter 3", Services: []string{"pass", "fz"}},
			{ID: "c4", Name: "Schalter 4", Services: []string{"anm", "fz"}},
			{ID: "c5", Name: "Schalter 5", Services: []string{"kfz", "gew"}},
			{ID: "c6", Name: "Schalter 6", Services: []string{"kfz", "ausl"}},
			{ID: "c7", Name: "Schalter 7", Services: []string{"ausl", "pass"}},
			{ID: "c8", Name: "Schalter 8", Services: []string{"gew", "fz", "anm"}},
			{ID: "c9", Name: "Schalter 9", Services: []string{"pass", "anm", "fz", "kfz", "ausl", "gew"}},
			{ID: "c10", Name: "Schalter 10", Services: []string{"pass", "anm", "fz"}},
		},
		Policy: queue.DefaultPolicy(),
	}
	o.Policy.LateAsWalkIn = lateAsWalkIn
	return o
}

// simServiceMix is how often each service is wanted (per mille).
var simServiceMix = []struct {
	service string
	weight  int
}{{"pass", 300}, {"anm", 300}, {"fz", 150}, {"kfz", 100}, {"ausl", 80}, {"gew", 70}}

func pickService(rng *rand.Rand) string {
	n := rng.IntN(1000)
	for _, s := range simServiceMix {
		if n < s.weight {
			return s.service
		}
		n -= s.weight
	}
	return "pass"
}

// citizen is one visitor of the simulated day.
type citizen struct {
	appointment *queue.Appointment // nil for a walk-in
	service     string
	priority    bool
	arrive      time.Time // next attempt at the kiosk; zero: does not come (again)
	byBirth     bool
	absent      bool // does not answer calls
	late        bool
	repeat      bool // scans a second time
	ticket      string
	cancelled   bool // the booking was withdrawn
	transferred bool
}

// clerk is one counter's clerk.
type clerk struct {
	id      string
	ticket  string
	serving bool
	until   time.Time // when the clerk acts next on the ticket
	parked  string    // a ticket this clerk parked and will call back
	parkEnd time.Time
	lunch   bool // this clerk pauses 12:00–12:45
}

// simDay is the state of one simulated day.
type simDay struct {
	t         *testing.T
	rng       *rand.Rand
	q         *queue.Queue
	office    queue.Office
	now       time.Time
	citizens  []*citizen
	clerks    []*clerk
	byTicket  map[string]*citizen
	open      map[string]bool // counter → open, as of the start of the step
	events    []queue.Event
	tooEarly  int
	tooLate   int
	notFound  int
	conflicts int
}

func (d *simDay) record(events []queue.Event) {
	d.t.Helper()
	for _, e := range events {
		if len(d.events) > 0 && e.Seq != d.events[len(d.events)-1].Seq+1 {
			d.t.Fatalf("%s: event %s seq %d after %d", d.now.Format("15:04:05"), e.Type, e.Seq, d.events[len(d.events)-1].Seq)
		}
		d.events = append(d.events, e)
	}
}

// TestSimulatedDay runs an office day with a fake clock and checks the
// queue's promises throughout and at the end.
func TestSimulatedDay(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 42, 2026} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			runSimulatedDay(t, seed)
		})
	}
}

func runSimulatedDay(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	office := simOffice(seed%2 == 1)
	d := &simDay{t: t, rng: rng, office: office, q: queue.New(office, testDay), byTicket: map[string]*citizen{}, open: map[string]bool{}}
	for _, c := range office.Counters {
		d.clerks = append(d.clerks, &clerk{id: c.ID, lunch: c.ID == "c2"})
	}

	// 400 appointments 08:00–16:00 on a 5-minute grid, a tenth for two persons.
	var list []queue.Appointment
	for i := range 400 {
		a := queue.Appointment{
			ID:        fmt.Sprintf("t%03d", i),
			Office:    "mitte",
			Start:     clock("08:00").Add(time.Duration(rng.IntN(96)) * 5 * time.Minute),
			Duration:  10 * time.Minute,
			Services:  []queue.ServiceCount{{Service: pickService(rng), Count: 1}},
			Secret:    fmt.Sprintf("s%x", rng.Uint64()),
			BirthHash: fmt.Sprintf("b%03d", i),
			Name:      fmt.Sprintf("Person %d", i),
		}
		if rng.IntN(10) == 0 {
			a.Services[0].Count = 2
		}
		if i%40 == 1 { // a few people hold two appointments of the day
			a.BirthHash = list[i-1].BirthHash
		}
		list = append(list, a)
		c := &citizen{appointment: &list[len(list)-1], service: a.Services[0].Service, byBirth: rng.IntN(2) == 0}
		switch r := rng.IntN(100); {
		case r < 10: // no-show
		case r < 25: // late, some too late
			c.late = true
			c.arrive = a.Start.Add(time.Duration(1+rng.IntN(30)) * time.Minute)
		case r < 35: // early, some too early
			c.arrive = a.Start.Add(-time.Duration(20+rng.IntN(30)) * time.Minute)
		default:
			c.arrive = a.Start.Add(-time.Duration(rng.IntN(20)) * time.Minute)
		}
		c.absent = rng.IntN(40) == 0
		c.repeat = rng.IntN(20) == 0
		d.citizens = append(d.citizens, c)
	}
	for i := range d.citizens { // list was reallocated while growing
		d.citizens[i].appointment = &list[i]
	}
	d.q.Sync(list)

	// 150 walk-ins 08:00–15:30, one in twenty with priority.
	for range 150 {
		d.citizens = append(d.citizens, &citizen{
			service:  pickService(rng),
			priority: rng.IntN(20) == 0,
			arrive:   clock("08:00").Add(time.Duration(rng.IntN(450*60)) * time.Second),
			absent:   rng.IntN(40) == 0,
		})
	}

	// Eight bookings are withdrawn at 10:00; half of those people come anyway.
	withdrawn := map[string]bool{}
	for len(withdrawn) < 8 {
		i := rng.IntN(400)
		if a := list[i]; a.Start.After(clock("10:45")) {
			withdrawn[a.ID] = true
			d.citizens[i].cancelled = true
			if len(withdrawn)%2 == 0 {
				d.citizens[i].arrive = time.Time{}
			}
		}
	}

	for d.now = clock("07:30"); d.now.Before(clock("19:00")); d.now = d.now.Add(30 * time.Second) {
		if d.now.Equal(clock("10:00")) {
			var keep []queue.Appointment
			for _, a := range list {
				if !withdrawn[a.ID] {
					keep = append(keep, a)
				}
			}
			if changed := d.q.Sync(keep); len(changed) != len(withdrawn) {
				t.Fatalf("sync at 10:00 changed %d, want %d", len(changed), len(withdrawn))
			}
		}
		d.arrivals()
		d.record(d.q.Tick(d.now))
		for _, cs := range d.q.Counters() {
			d.open[cs.ID] = cs.Open
		}
		for _, i := range rng.Perm(len(d.clerks)) {
			d.act(d.clerks[i])
		}
		checkHolding(t, d.q)
		for _, c := range d.clerks {
			if got := holding(d.q, c.id); got != c.ticket {
				t.Fatalf("%s: counter %s holds %q, its clerk thinks %q", d.now.Format("15:04:05"), c.id, got, c.ticket)
			}
		}
	}
	if waiting := d.q.Tickets(func(tk *queue.Ticket) bool { return !tk.State.Final() }); len(waiting) != 0 {
		t.Errorf("at 19:00 %d tickets are still open, e.g. %s %s", len(waiting), waiting[0].Number, waiting[0].State)
	}
	d.record(d.q.CloseDay(d.now, "2026-03-11"))
	d.verify(list, withdrawn)
}

// arrivals lets everyone whose time has come try the kiosk.
func (d *simDay) arrivals() {
	t := d.t
	for _, c := range d.citizens {
		if c.arrive.IsZero() || c.arrive.After(d.now) {
			continue
		}
		c.arrive = time.Time{}
		if c.appointment == nil {
			tk, events, err := d.q.WalkIn(d.now, c.service, c.priority)
			if err != nil {
				t.Fatalf("%s: walk-in %s: %v", d.now.Format("15:04"), c.service, err)
			}
			d.record(events)
			c.ticket = tk.ID
			d.byTicket[tk.ID] = c
			continue
		}
		a := c.appointment
		var tk queue.Ticket
		var events []queue.Event
		var err error
		if c.byBirth {
			tk, events, err = d.q.CheckInBirthDate(d.now, a.BirthHash, "")
			if queue.ErrorCode(err) == queue.Conflict {
				d.conflicts++
				d.record(events)
				tk, events, err = d.q.CheckInBirthDate(d.now, a.BirthHash, a.ID)
			}
		} else {
			tk, events, err = d.q.CheckInCode(d.now, a.ID, a.Secret)
		}
		d.record(events)
		switch queue.ErrorCode(err) {
		case "":
			if tk.Appointment != a.ID {
				// A person with two appointments whose other one is
				// checked in already gets that ticket back.
				if other, ok := d.q.Appointment(tk.Appointment); !ok || other.BirthHash != a.BirthHash || !c.byBirth {
					t.Fatalf("%s: check-in of %s returned the ticket of %s", d.now.Format("15:04"), a.ID, tk.Appointment)
				}
				tk, events, err = d.q.CheckInBirthDate(d.now, a.BirthHash, a.ID)
				if err != nil {
					d.record(events)
					d.tooLate++
					continue
				}
				d.record(events)
			}
			if c.ticket != "" && c.ticket != tk.ID {
				t.Fatalf("%s: second check-in of %s drew %s, first %s", d.now.Format("15:04"), a.ID, tk.ID, c.ticket)
			}
			if c.ticket != "" && len(events) != 0 {
				t.Fatalf("%s: repeated check-in of %s emitted %v", d.now.Format("15:04"), a.ID, eventTypes(events))
			}
			c.ticket = tk.ID
			d.byTicket[tk.ID] = c
			if c.repeat {
				c.repeat = false
				c.arrive = d.now.Add(2 * time.Minute)
			}
		case queue.TooEarly:
			d.tooEarly++
			c.arrive = err.(*queue.Error).ComeBackAt.Add(time.Duration(d.rng.IntN(300)) * time.Second)
		case queue.TooLate:
			d.tooLate++
		case queue.NotFound:
			if !c.cancelled {
				t.Fatalf("%s: check-in of %s: %v", d.now.Format("15:04"), a.ID, err)
			}
			d.notFound++
		default:
			t.Fatalf("%s: check-in of %s: %v", d.now.Format("15:04"), a.ID, err)
		}
	}
}

// do applies a clerk's action and fails the test on an unexpected error.
func (d *simDay) do(a queue.Action, allowed ...queue.Code) (queue.Ticket, error) {
	d.t.Helper()
	tk, events, err := d.q.Do(d.now, a)
	d.record(events)
	if err != nil && !slices.Contains(allowed, queue.ErrorCode(err)) {
		d.t.Fatalf("%s: %s at %s: %v", d.now.Format("15:04:05"), a.Kind, a.Counter, err)
	}
	return tk, err
}

// serviceTime is how long the citizen takes at the counter: the service's
// typical time per person, give or take half.
func (d *simDay) serviceTime(c *citizen) time.Duration {
	s, _ := d.office.Service(c.service)
	persons := 1
	if c.appointment != nil && !c.transferred {
		persons = c.appointment.Persons()
	}
	return time.Duration(float64(s.Duration) * float64(persons) * (0.5 + d.rng.Float64()))
}

// act is one look of a clerk at their counter.
func (d *simDay) act(k *clerk) {
	open := d.open[k.id]
	if k.lunch && open && !d.now.Before(clock("12:00")) && d.now.Before(clock("12:45")) {
		d.do(queue.Action{Counter: k.id, Kind: queue.ActPause})
		open = false
	}
	if k.lunch && !open && !d.now.Before(clock("12:45")) {
		d.do(queue.Action{Counter: k.id, Kind: queue.ActOpen})
		open = true
	}

	if k.ticket == "" {
		if k.parked != "" && !d.now.Before(k.parkEnd) {
			if !open {
				return
			}
			tk, _ := d.do(queue.Action{Counter: k.id, Kind: queue.ActCall, Ticket: k.parked})
			k.parked = ""
			d.called(k, tk)
			return
		}
		if !open {
			return
		}
		tk, err := d.do(queue.Action{Counter: k.id, Kind: queue.ActNext, RequestID: fmt.Sprintf("%s-%d", k.id, d.q.Seq())}, queue.NotFound)
		if err == nil {
			d.called(k, tk)
		}
		return
	}
	if d.now.Before(k.until) {
		return
	}
	c := d.byTicket[k.ticket]
	if !k.serving {
		if c.absent {
			tk, _ := d.do(queue.Action{Counter: k.id, Kind: queue.ActRecall})
			if tk.State == queue.Missed {
				k.ticket = ""
			}
			k.until = d.now.Add(time.Minute)
			return
		}
		d.do(queue.Action{Counter: k.id, Kind: queue.ActStart})
		k.serving = true
		k.until = d.now.Add(d.serviceTime(c))
		return
	}
	switch r := d.rng.IntN(100); {
	case r < 2 && k.parked == "": // the citizen has to fetch a document
		d.do(queue.Action{Counter: k.id, Kind: queue.ActPark})
		k.parked, k.parkEnd = k.ticket, d.now.Add(10*time.Minute)
		k.ticket, k.serving = "", false
	case r < 4 && !c.transferred: // also needs another service
		var to string
		for to == "" || to == c.service {
			to = pickService(d.rng)
		}
		d.do(queue.Action{Counter: k.id, Kind: queue.ActTransfer, Service: to})
		c.service, c.transferred = to, true
		k.ticket, k.serving = "", false
	case r < 50:
		d.do(queue.Action{Counter: k.id, Kind: queue.ActFinish})
		k.ticket, k.serving = "", false
	default: // "next" finishes and calls in one go
		k.ticket, k.serving = "", false
		tk, err := d.do(queue.Action{Counter: k.id, Kind: queue.ActNext}, queue.NotFound, queue.Conflict)
		if err == nil {
			d.called(k, tk)
		}
	}
}

func (d *simDay) called(k *clerk, tk queue.Ticket) {
	if tk.State != queue.Called || tk.Counter != k.id {
		d.t.Fatalf("%s: %s called %s, which is %s at %q", d.now.Format("15:04:05"), k.id, tk.Number, tk.State, tk.Counter)
	}
	k.ticket, k.serving, k.until = tk.ID, false, d.now.Add(time.Minute)
}

// verify checks the day's events against the promises of the queue.
func (d *simDay) verify(list []queue.Appointment, withdrawn map[string]bool) {
	t := d.t
	type life struct {
		ticket    *queue.Ticket // last snapshot
		firstCall time.Time
		start     time.Time // appointment start, if queued by it
		arrived   time.Time
		walkIn    bool
	}
	lives := map[string]*life{}
	numbers := map[string]bool{}
	ticketsOf := map[string]int{}
	noShows := map[string]int{}
	lastReport := map[string]queue.Report{}
	kinds := map[queue.EventType]int{}
	for _, e := range d.events {
		kinds[e.Type]++
		if e.Report != "" {
			if e.Report == queue.ReportNoShow && lastReport[e.Appointment] == queue.ReportNoShow {
				t.Errorf("appointment %s reported as no-show twice in a row (seq %d)", e.Appointment, e.Seq)
			}
			lastReport[e.Appointment] = e.Report
		}
		switch e.Type {
		case queue.AppointmentNoShow:
			noShows[e.Appointment]++
			continue
		case queue.CounterOpened, queue.CounterPaused, queue.DayTurned:
			continue
		case queue.CheckedIn, queue.WalkedIn:
			if numbers[e.Ticket.Number] {
				t.Errorf("number %s drawn twice", e.Ticket.Number)
			}
			numbers[e.Ticket.Number] = true
			if e.Appointment != "" {
				ticketsOf[e.Appointment]++
			}
			lives[e.Ticket.ID] = &life{start: e.Ticket.AppointmentStart, arrived: e.Ticket.Arrived, walkIn: e.Ticket.Appointment == ""}
		case queue.TicketCalled:
			if l := lives[e.Ticket.ID]; l.firstCall.IsZero() {
				l.firstCall = e.At
			}
		}
		lives[e.Ticket.ID].ticket = e.Ticket
	}

	// Every visitor with a ticket has exactly one, and every ticket ended.
	walkIns := 0
	for _, c := range d.citizens {
		if c.appointment == nil {
			walkIns++
			continue
		}
		want := 0
		if c.ticket != "" {
			want = 1
		}
		if got := ticketsOf[c.appointment.ID]; got != want {
			t.Errorf("appointment %s: %d tickets, want %d", c.appointment.ID, got, want)
		}
	}
	drawnWalkIns := 0
	for id, l := range lives {
		if l.walkIn {
			drawnWalkIns++
		}
		if !l.ticket.State.Final() {
			t.Errorf("ticket %s ends the day %s", id, l.ticket.State)
		}
		if l.firstCall.IsZero() {
			t.Errorf("ticket %s (%s) was never called", l.ticket.Number, l.ticket.Service())
		}
	}
	if drawnWalkIns < walkIns {
		t.Errorf("%d walk-in tickets for %d walk-ins", drawnWalkIns, walkIns)
	}

	// Every booking that nobody checked in for is a no-show, reported once;
	// one checked in on time never is.
	for i, a := range list {
		c := d.citizens[i]
		switch {
		case withdrawn[a.ID]:
			if noShows[a.ID] != 0 {
				t.Errorf("withdrawn %s reported as no-show", a.ID)
			}
		case c.ticket == "":
			if noShows[a.ID] != 1 {
				t.Errorf("absent %s reported as no-show %d times", a.ID, noShows[a.ID])
			}
		case !lives[c.ticket].start.IsZero():
			if noShows[a.ID] != 0 {
				t.Errorf("%s checked in in time, reported as no-show %d times", a.ID, noShows[a.ID])
			}
		default: // too late, turned into a walk-in: may have been reported before
			if noShows[a.ID] > 1 {
				t.Errorf("late %s reported as no-show %d times", a.ID, noShows[a.ID])
			}
		}
	}

	// Nobody starves; appointments are served close to their slot.
	var walkInWaits, apptWaits, lateness []time.Duration
	for _, l := range lives {
		if l.firstCall.IsZero() {
			continue
		}
		if l.start.IsZero() {
			walkInWaits = append(walkInWaits, l.firstCall.Sub(l.arrived))
			continue
		}
		due := l.start
		if l.arrived.After(due) {
			due = l.arrived
		}
		apptWaits = append(apptWaits, l.firstCall.Sub(due))
		if !l.arrived.After(l.start) {
			lateness = append(lateness, l.firstCall.Sub(l.start))
		}
	}
	walkIn, appointment, late := stats(walkInWaits), stats(apptWaits), stats(lateness)
	t.Logf("%d appointments, %d walk-ins; %d too early, %d too late, %d withdrawn, %d birth-date choices; %d events",
		len(list), walkIns, d.tooEarly, d.tooLate, d.notFound, d.conflicts, len(d.events))
	t.Logf("events: %v", kinds)
	for _, k := range []queue.EventType{queue.TicketRecalled, queue.TicketMissed, queue.TicketParked, queue.TicketTransferred, queue.CounterPaused, queue.AppointmentNoShow} {
		if kinds[k] == 0 {
			t.Errorf("the day had no %s event; the simulation no longer covers it", k)
		}
	}
	t.Logf("walk-in wait:             %s", walkIn)
	t.Logf("appointment wait (due):   %s", appointment)
	t.Logf("lateness of on-time ones: %s", late)
	if walkIn.max >= 90*time.Minute {
		t.Errorf("a walk-in waited %v", walkIn.max)
	}
	if appointment.max >= 45*time.Minute {
		t.Errorf("an appointment waited %v after it was due", appointment.max)
	}
	if late.median > 3*time.Minute {
		t.Errorf("median lateness of on-time appointments %v", late.median)
	}
}

type waitStats struct{ n, median, p95, max time.Duration }

func (s waitStats) String() string {
	return fmt.Sprintf("n=%d median %v p95 %v max %v", s.n, s.median.Round(time.Second), s.p95.Round(time.Second), s.max.Round(time.Second))
}

func stats(list []time.Duration) waitStats {
	if len(list) == 0 {
		return waitStats{}
	}
	slices.Sort(list)
	return waitStats{
		n:      time.Duration(len(list)),
		median: list[len(list)/2],
		p95:    list[len(list)*95/100],
		max:    list[len(list)-1],
	}
}
