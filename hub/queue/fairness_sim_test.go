package queue_test

// Simulated days for the two promises about who is served when: fair
// priority (the alternation keeps normal tickets from starving) and
// walk-ins admitted by capacity (every issued walk-in is served before
// closing, and none is refused while a counter for it stands idle).
// Each day is seeded, so every run gives the same figures.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"lotse/hub/queue"
)

// lobby drives one simulated day: clerks call, serve and finish; visitors
// check in or draw walk-ins. Every clerk looks at the counter every step.
type lobby struct {
	t       *testing.T
	rng     *rand.Rand
	q       *queue.Queue
	now     time.Time
	clerks  []*deskClerk
	speed   float64 // the day's service times against the typical ones
	lunch   string  // this counter pauses 12:00–12:30
	ended   map[string]time.Time
	called  map[string]time.Time
	refusal []refusal
}

// deskClerk is one counter's clerk in the lobby.
type deskClerk struct {
	id        string
	ticket    string
	until     time.Time
	idleSince time.Time // zero while holding a ticket or paused
}

// refusal is one walk-in the queue turned away, with the longest time a
// counter for its service had stood idle at that moment.
type refusal struct {
	at      time.Time
	service string
	idle    time.Duration
}

func newLobby(t *testing.T, o queue.Office, seed uint64) *lobby {
	l := &lobby{t: t, rng: rand.New(rand.NewPCG(seed, 0xfa1e)), q: queue.New(o, testDay), speed: 1,
		ended: map[string]time.Time{}, called: map[string]time.Time{}}
	for _, c := range o.Counters {
		l.clerks = append(l.clerks, &deskClerk{id: c.ID})
	}
	return l
}

func (l *lobby) do(a queue.Action) (queue.Ticket, error) {
	l.t.Helper()
	tk, _, err := l.q.Do(l.now, a)
	if err != nil && queue.ErrorCode(err) != queue.NotFound {
		l.t.Fatalf("%s: %s at %s: %v", l.now.Format("15:04"), a.Kind, a.Counter, err)
	}
	return tk, err
}

// lunchStart and lunchEnd bound the lunch break of the lobby's lunch counter.
var lunchStart, lunchEnd = clock("12:00"), clock("12:30")

// step lets every clerk act once, in a random order.
func (l *lobby) step() {
	l.q.Tick(l.now)
	for _, i := range l.rng.Perm(len(l.clerks)) {
		k := l.clerks[i]
		atLunch := k.id == l.lunch && !l.now.Before(lunchStart) && l.now.Before(lunchEnd)
		if k.id == l.lunch {
			switch {
			case l.now.Equal(lunchStart):
				l.do(queue.Action{Counter: k.id, Kind: queue.ActPause})
			case l.now.Equal(lunchEnd):
				l.do(queue.Action{Counter: k.id, Kind: queue.ActOpen})
			}
		}
		if k.ticket != "" && !l.now.Before(k.until) {
			l.do(queue.Action{Counter: k.id, Kind: queue.ActFinish})
			l.ended[k.ticket] = l.now
			k.ticket = ""
		}
		if k.ticket != "" {
			continue
		}
		if atLunch {
			k.idleSince = time.Time{}
			continue
		}
		tk, err := l.do(queue.Action{Counter: k.id, Kind: queue.ActNext})
		if err != nil {
			if k.idleSince.IsZero() {
				k.idleSince = l.now
			}
			continue
		}
		l.do(queue.Action{Counter: k.id, Kind: queue.ActStart})
		l.called[tk.ID] = l.now
		s, _ := l.q.Office().Service(tk.Service())
		d := float64(s.Duration) * float64(tk.Persons()) * l.speed * (0.5 + l.rng.Float64())
		k.ticket, k.until, k.idleSince = tk.ID, l.now.Add(time.Duration(d)), time.Time{}
	}
}

// walkIn draws a walk-in; a refusal is recorded with the idle time of the
// service's counters.
func (l *lobby) walkIn(service string, priority bool) (queue.Ticket, bool) {
	tk, _, err := l.q.WalkIn(l.now, service, priority)
	if queue.ErrorCode(err) == queue.WalkInsFull {
		r := refusal{at: l.now, service: service}
		for _, k := range l.clerks {
			c, _ := l.q.Office().Counter(k.id)
			if c.Serves(service) && !k.idleSince.IsZero() {
				r.idle = max(r.idle, l.now.Sub(k.idleSince))
			}
		}
		l.refusal = append(l.refusal, r)
		return queue.Ticket{}, false
	}
	if err != nil {
		l.t.Fatalf("%s: walk-in %s: %v", l.now.Format("15:04"), service, err)
	}
	return tk, true
}

// visitor is someone who comes to the lobby at a time.
type visitor struct {
	at          time.Time
	service     string
	priority    bool
	appointment string // empty: walk-in
}

// play runs the day from 08:00 in 30-second steps until everyone is served
// (at most until 20:00) and returns the tickets issued to the visitors.
func (l *lobby) play(visitors []visitor) map[*visitor]queue.Ticket {
	slices.SortStableFunc(visitors, func(a, b visitor) int { return a.at.Compare(b.at) })
	issued := map[*visitor]queue.Ticket{}
	next := 0
	start, last, closed := clock("08:00"), clock("20:00"), clock("16:00")
	for l.now = start; l.now.Before(last); l.now = l.now.Add(30 * time.Second) {
		for ; next < len(visitors) && !visitors[next].at.After(l.now); next++ {
			v := &visitors[next]
			if v.appointment != "" {
				tk, _, err := l.q.CheckInCode(l.now, v.appointment, "secret-"+v.appointment)
				if err != nil {
					l.t.Fatalf("%s: check-in %s: %v", l.now.Format("15:04"), v.appointment, err)
				}
				issued[v] = tk
				continue
			}
			if tk, ok := l.walkIn(v.service, v.priority); ok {
				issued[v] = tk
			}
		}
		l.step()
		if next == len(visitors) && l.now.After(closed) && len(l.q.Tickets(func(t *queue.Ticket) bool { return !t.State.Final() })) == 0 {
			break
		}
	}
	return issued
}

// waitFigures are mean and p90 of waits in minutes.
type waitFigures struct {
	n          int
	mean, p90  float64
	worst      float64
	overAnHour int
}

func figures(waits []time.Duration) waitFigures {
	if len(waits) == 0 {
		return waitFigures{}
	}
	slices.Sort(waits)
	var sum time.Duration
	w := waitFigures{n: len(waits)}
	for _, d := range waits {
		sum += d
		if d > time.Hour {
			w.overAnHour++
		}
	}
	w.mean = (sum / time.Duration(len(waits))).Minutes()
	w.p90 = waits[len(waits)*9/10].Minutes()
	w.worst = waits[len(waits)-1].Minutes()
	return w
}

func (w waitFigures) String() string {
	return fmt.Sprintf("n=%5d  mean %5.1f min  p90 %5.1f min  max %5.1f min", w.n, w.mean, w.p90, w.worst)
}

// fairnessOffice: two counters for one service at the edge of their
// capacity, where a third of the visitors come with priority — the case in
// which priority first, without alternation, starves the others.
func fairnessOffice(run int) queue.Office {
	o := queue.Office{
		ID: "mitte", Name: "Bürgerbüro Mitte",
		Services: []queue.Service{{ID: "pass", Name: "Personalausweis", Prefix: "P", Duration: 6 * time.Minute}},
		Counters: []queue.Counter{{ID: "c1", Name: "Schalter 1", Services: []string{"pass"}}, {ID: "c2", Name: "Schalter 2", Services: []string{"pass"}}},
		Policy:   queue.DefaultPolicy(),
	}
	o.Policy.PriorityRun = run
	return o
}

// TestSimulatedPriorityFairness plays the same 40 seeded days with and
// without the alternation and prints mean and p90 of the waits of priority
// and normal tickets. The rule trades a few minutes of the priority
// tickets' wait for a shorter tail of the normal ones; in a rush of
// priority tickets, which alone would keep both counters busy, the normal
// tickets no longer wait the whole rush out. Priority tickets still wait
// less than the others.
func TestSimulatedPriorityFairness(t *testing.T) {
	const days = 40
	tests := []struct {
		name       string
		visitors   int // 08:00–14:00
		prioPerTen int // of them with priority, per ten
		rush       int // priority tickets 10:00–11:00 on top
	}{
		{name: "steady day, half with priority", visitors: 110, prioPerTen: 5},
		{name: "rush of priority tickets", visitors: 80, prioPerTen: 1, rush: 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			type result struct{ prio, normal waitFigures }
			play := func(run int) result {
				var prio, normal []time.Duration
				for seed := range uint64(days) {
					l := newLobby(t, fairnessOffice(run), seed)
					var vs []visitor
					for range tt.visitors {
						vs = append(vs, visitor{at: clock("08:00").Add(time.Duration(l.rng.IntN(6*3600)) * time.Second), service: "pass", priority: l.rng.IntN(10) < tt.prioPerTen})
					}
					for range tt.rush {
						vs = append(vs, visitor{at: clock("10:00").Add(time.Duration(l.rng.IntN(3600)) * time.Second), service: "pass", priority: true})
					}
					for v, tk := range l.play(vs) {
						w := l.called[tk.ID].Sub(v.at)
						if v.priority {
							prio = append(prio, w)
						} else {
							normal = append(normal, w)
						}
					}
				}
				return result{figures(prio), figures(normal)}
			}
			without, with := play(0), play(queue.DefaultPolicy().PriorityRun)
			t.Logf("%s: %d simulated days, 2 counters of 6 minutes; at most %d priority calls in a row once a normal ticket waited %v",
				tt.name, days, queue.DefaultPolicy().PriorityRun, queue.DefaultPolicy().PriorityYieldAfter)
			t.Logf("  without alternation  priority: %s", without.prio)
			t.Logf("  without alternation  normal:   %s", without.normal)
			t.Logf("  with alternation     priority: %s", with.prio)
			t.Logf("  with alternation     normal:   %s", with.normal)
			if with.normal.p90 >= without.normal.p90 {
				t.Errorf("the alternation did not shorten the normal tickets' p90: %.1f → %.1f min", without.normal.p90, with.normal.p90)
			}
			if with.prio.mean >= with.normal.mean {
				t.Errorf("with alternation priority tickets wait %.1f min on average, normal ones %.1f: priority no longer counts", with.prio.mean, with.normal.mean)
			}
		})
	}
}

// capacityOffice closes at 16:00: four counters with overlapping
// services, one of them at lunch 12:00–12:30.
func capacitySimOffice() queue.Office {
	o := queue.Office{
		ID: "mitte", Name: "Bürgerbüro Mitte",
		Services: []queue.Service{
			{ID: "pass", Name: "Personalausweis", Prefix: "P", Duration: 6 * time.Minute},
			{ID: "anm", Name: "Anmeldung einer Wohnung", Prefix: "A", Duration: 8 * time.Minute},
			{ID: "fz", Name: "Führungszeugnis", Prefix: "F", Duration: 3 * time.Minute},
		},
		Counters: []queue.Counter{
			{ID: "c1", Name: "Schalter 1", Services: []string{"pass", "anm"}},
			{ID: "c2", Name: "Schalter 2", Services: []string{"pass", "anm"}},
			{ID: "c3", Name: "Schalter 3", Services: []string{"anm", "fz"}},
			{ID: "c4", Name: "Schalter 4", Services: []string{"pass", "fz"}},
		},
		Policy: queue.DefaultPolicy(),
	}
	o.Policy.Closing = 16 * time.Hour
	return o
}

// capacityDay is what one simulated day showed.
type capacityDay struct {
	issued, refused int
	lastEnd         time.Time     // when the last walk-in was served
	idleRefusal     time.Duration // the longest idle time of a counter for the service at a refusal
}

// TestSimulatedWalkInCapacity plays 200 seeded days of an office that
// closes at 16:00: appointments on half its capacity with a no-show rate
// of 5–25 %, service times 15 % faster or slower than typical, and more
// walk-ins than fit. The promises: in at least 95 % of the days every
// issued walk-in is served before closing + 15 min, and in no day is a
// walk-in refused while a counter for its service stands idle > 10 min.
func TestSimulatedWalkInCapacity(t *testing.T) {
	const days = 200
	var served, idleDays int
	var issued, refused int
	var lates []time.Duration
	// The days run in parallel: each has its own queue and generator.
	results := make([]capacityDay, days)
	t.Run("days", func(t *testing.T) {
		for seed := range uint64(days) {
			t.Run(fmt.Sprint(seed), func(t *testing.T) {
				t.Parallel()
				results[seed] = playCapacityDay(t, seed)
			})
		}
	})
	for seed, d := range results {
		issued += d.issued
		refused += d.refused
		if late := d.lastEnd.Sub(clock("16:15")); late <= 0 {
			served++
		} else {
			lates = append(lates, late)
		}
		if d.idleRefusal > 10*time.Minute {
			idleDays++
			t.Logf("day %d: a walk-in was refused while a counter for it stood idle %v", seed, d.idleRefusal)
		}
	}
	slices.Sort(lates)
	t.Logf("%d simulated days: %d walk-ins issued, %d refused", days, issued, refused)
	t.Logf("every issued walk-in served by closing + 15 min: %d of %d days (%.1f %%); the other days' last walk-in ended up to %v later",
		served, days, 100*float64(served)/days, lastOr(lates))
	t.Logf("days with a walk-in refused while a counter for it stood idle > 10 min: %d", idleDays)
	if served*100 < 95*days {
		t.Errorf("every walk-in served by closing + 15 min on only %d of %d days", served, days)
	}
	if idleDays != 0 {
		t.Errorf("%d days refused a walk-in while a counter for it stood idle > 10 min", idleDays)
	}
	if refused == 0 {
		t.Error("no walk-in was ever refused: the simulated days do not test the limit")
	}
}

func lastOr(list []time.Duration) time.Duration {
	if len(list) == 0 {
		return 0
	}
	return list[len(list)-1]
}

func playCapacityDay(t *testing.T, seed uint64) capacityDay {
	o := capacitySimOffice()
	l := newLobby(t, o, seed)
	l.lunch = "c4"
	l.speed = 0.85 + 0.3*l.rng.Float64()
	noShow := 0.05 + 0.2*l.rng.Float64()
	services := []string{"pass", "pass", "anm", "anm", "fz"}
	var list []queue.Appointment
	var vs []visitor
	// Four counters for eight hours are 1,920 counter minutes; the
	// appointments book about half of them.
	for i := range 150 {
		a := appt(fmt.Sprintf("a%03d", i), "08:00", services[l.rng.IntN(len(services))])
		a.Start = clock("08:00").Add(time.Duration(l.rng.IntN(93)) * 5 * time.Minute)
		list = append(list, a)
		if l.rng.Float64() >= noShow {
			vs = append(vs, visitor{at: a.Start.Add(-time.Duration(l.rng.IntN(15*60)) * time.Second), appointment: a.ID})
		}
	}
	l.q.Sync(list)
	// 250 walk-ins 07:55–16:05, more in the morning: more than fit.
	for range 250 {
		at := clock("07:55").Add(time.Duration(l.rng.IntN(490*60)) * time.Second)
		if l.rng.IntN(3) == 0 {
			at = clock("08:00").Add(time.Duration(l.rng.IntN(120*60)) * time.Second)
		}
		vs = append(vs, visitor{at: at, service: services[l.rng.IntN(len(services))]})
	}
	issued := l.play(vs)
	var d capacityDay
	for v, tk := range issued {
		if v.appointment != "" {
			continue
		}
		d.issued++
		end, ok := l.ended[tk.ID]
		if !ok {
			t.Fatalf("day %d: walk-in %s never served", seed, tk.Number)
		}
		if end.After(d.lastEnd) {
			d.lastEnd = end
		}
	}
	for _, r := range l.refusal {
		d.refused++
		d.idleRefusal = max(d.idleRefusal, r.idle)
	}
	return d
}
