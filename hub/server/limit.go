package server

import (
	"sync"
	"time"
)

// Rate is the shape of a token bucket: Burst tries at once, then one more
// every Every. A bucket refills steadily instead of locking a caller out
// for a long time, so one confused citizen at a kiosk costs the next
// person at most one Every of waiting.
type Rate struct {
	Burst int
	Every time.Duration
}

// PerHour is the most tries the bucket allows in one hour from full: what
// an attacker gets at most, and what docs/security.md states.
func (r Rate) PerHour() int {
	if r.Every <= 0 {
		return r.Burst
	}
	return r.Burst + int(time.Hour/r.Every)
}

// Limits are the hub's rate limits. The zero value of a field takes the
// default of DefaultLimits.
type Limits struct {
	// CodePerDevice bounds wrong QR codes per kiosk (or desk account).
	CodePerDevice Rate
	// CodePerOffice bounds wrong QR codes of all kiosks of an office
	// together; it is wider than one device's, so one kiosk alone cannot
	// use it up.
	CodePerOffice Rate
	// CodePerAppointment locks an appointment's code after a few wrong
	// secrets for its id; the desk can still check the person in.
	CodePerAppointment Rate
	// BirthPerDevice bounds birth-date tries that do not end in a ticket.
	BirthPerDevice Rate
	// WalkInPerDevice bounds walk-in tickets a kiosk draws.
	WalkInPerDevice Rate
	// LoginPerAccount and LoginPerSource bound wrong passwords (login form
	// and HTTP Basic alike) per account name and per client address.
	LoginPerAccount Rate
	LoginPerSource  Rate
	// StatusPerDevice bounds a device's status reports (every 5 s, and at
	// once when its printer runs out of paper).
	StatusPerDevice Rate
	// StreamsPerCaller bounds the open streams of one device token or
	// clerk account; default 8 (a display needs one, a workplace a few).
	StreamsPerCaller int
	// UnknownTicketPerSource bounds the status links of no ticket that
	// one client address may ask for: whoever walks through tokens runs
	// dry at once, a phone with its one real link never does.
	UnknownTicketPerSource Rate
	// TicketRequests bounds the requests of one ticket's status link
	// (page, status, withdraw and stream openings together). A phone
	// polls every 15 s at most; the bound stops one link from being
	// used to load the hub.
	TicketRequests Rate
	// StreamsPerTicket bounds the open event streams of one ticket's
	// link; default 8: a family may follow one ticket on a few phones,
	// and a phone that changed networks may leave a stream half-open
	// until its next write fails.
	StreamsPerTicket int
}

// DefaultLimits are the limits docs/security.md states.
func DefaultLimits() Limits {
	return Limits{
		CodePerDevice:      Rate{Burst: 10, Every: 10 * time.Second},
		CodePerOffice:      Rate{Burst: 30, Every: 4 * time.Second},
		CodePerAppointment: Rate{Burst: 5, Every: 5 * time.Minute},
		BirthPerDevice:     Rate{Burst: 5, Every: time.Minute},
		WalkInPerDevice:    Rate{Burst: 20, Every: 6 * time.Second},
		LoginPerAccount:    Rate{Burst: 10, Every: 3 * time.Minute},
		LoginPerSource:     Rate{Burst: 20, Every: time.Minute},
		StatusPerDevice:    Rate{Burst: 20, Every: time.Second},
		StreamsPerCaller:   8,
		// 20 at once, then one every 10 s: 380 guesses an hour among
		// 2^128 tokens.
		UnknownTicketPerSource: Rate{Burst: 20, Every: 10 * time.Second},
		TicketRequests:         Rate{Burst: 30, Every: 2 * time.Second},
		StreamsPerTicket:       8,
	}
}

// NoLimits lifts every limit, for measurements only: a load tool draws
// thousands of tickets and opens hundreds of streams with one token on
// purpose, and the limiters take a token before each attempt, so they
// would measure the limits instead of the hub. The hub's -lift-limits
// flag uses it and refuses any but a loopback address.
func NoLimits() Limits {
	open := Rate{Burst: 1 << 30, Every: time.Nanosecond}
	return Limits{
		CodePerDevice: open, CodePerOffice: open, CodePerAppointment: open, BirthPerDevice: open,
		WalkInPerDevice: open, LoginPerAccount: open, LoginPerSource: open, StatusPerDevice: open,
		StreamsPerCaller: 1 << 30, UnknownTicketPerSource: open, TicketRequests: open, StreamsPerTicket: 1 << 30,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	for _, f := range []struct{ v, def *Rate }{
		{&l.CodePerDevice, &d.CodePerDevice}, {&l.CodePerOffice, &d.CodePerOffice},
		{&l.CodePerAppointment, &d.CodePerAppointment}, {&l.BirthPerDevice, &d.BirthPerDevice},
		{&l.WalkInPerDevice, &d.WalkInPerDevice}, {&l.LoginPerAccount, &d.LoginPerAccount},
		{&l.LoginPerSource, &d.LoginPerSource}, {&l.StatusPerDevice, &d.StatusPerDevice},
		{&l.UnknownTicketPerSource, &d.UnknownTicketPerSource}, {&l.TicketRequests, &d.TicketRequests},
	} {
		if f.v.Burst <= 0 || f.v.Every <= 0 {
			*f.v = *f.def
		}
	}
	if l.StreamsPerCaller <= 0 {
		l.StreamsPerCaller = d.StreamsPerCaller
	}
	if l.StreamsPerTicket <= 0 {
		l.StreamsPerTicket = d.StreamsPerTicket
	}
	return l
}

// limiter is a set of token buckets of one Rate, one per key. take
// removes a token atomically before the guarded attempt, so that parallel
// attempts can never all pass one check; give returns it when the attempt
// turned out honest (a ticket was issued, the password was right).
type limiter struct {
	rate Rate
	now  func() time.Time

	mu      sync.Mutex
	buckets map[string]bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds memory; buckets that refilled completely are the same
// as absent ones and are dropped first.
const maxBuckets = 10000

func newLimiter(rate Rate, now func() time.Time) *limiter {
	return &limiter{rate: rate, now: now, buckets: map[string]bucket{}}
}

// refill returns key's bucket as of now; the caller holds mu.
func (l *limiter) refill(key string, now time.Time) bucket {
	b, ok := l.buckets[key]
	if !ok {
		return bucket{tokens: float64(l.rate.Burst), at: now}
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(float64(l.rate.Burst), b.tokens+float64(d)/float64(l.rate.Every))
		b.at = now
	}
	return b
}

// take removes one token from key's bucket. Without one it reports how
// long until the next token.
func (l *limiter) take(key string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.refill(key, now)
	if b.tokens < 1 {
		l.buckets[key] = b
		return time.Duration((1 - b.tokens) * float64(l.rate.Every)), false
	}
	b.tokens--
	l.buckets[key] = b
	l.trim()
	return 0, true
}

// check reports, without taking, how long key must wait for a token.
func (l *limiter) check(key string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, l.now())
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) * float64(l.rate.Every)), false
	}
	return 0, true
}

// give returns a token taken for an attempt that proved honest.
func (l *limiter) give(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, l.now())
	b.tokens = min(float64(l.rate.Burst), b.tokens+1)
	l.buckets[key] = b
}

// trim drops full buckets when there are too many; the caller holds mu.
// Keys an attacker can vary (account names, appointment ids) are created
// only through attempts that other, fixed-key buckets already bound.
func (l *limiter) trim() {
	if len(l.buckets) <= maxBuckets {
		return
	}
	now := l.now()
	for k := range l.buckets {
		if b := l.refill(k, now); b.tokens >= float64(l.rate.Burst) {
			delete(l.buckets, k)
		}
	}
}

// slot is one bucket of one limiter: an attempt often has to pass several
// (the device's and the office's).
type slot struct {
	l   *limiter
	key string
}

// takeAll takes a token from every slot or from none, and reports the
// longest wait when one is empty.
func takeAll(slots ...slot) (time.Duration, bool) {
	for i, s := range slots {
		if wait, ok := s.l.take(s.key); !ok {
			giveAll(slots[:i]...)
			return wait, false
		}
	}
	return 0, true
}

// giveAll returns the tokens of an honest attempt.
func giveAll(slots ...slot) {
	for _, s := range slots {
		s.l.give(s.key)
	}
}

// limiters are the server's buckets, one limiter per kind of limit.
type limiters struct {
	codeDevice, codeOffice, codeAppointment *limiter
	birthDevice, walkInDevice               *limiter
	loginAccount, loginSource               *limiter
	statusDevice                            *limiter
	streams                                 *streamSlots
	tokenSource, ticketRequests             *limiter // ticket.go
	ticketStreams                           *streamSlots
}

func newLimiters(l Limits, now func() time.Time) limiters {
	l = l.withDefaults()
	return limiters{
		codeDevice: newLimiter(l.CodePerDevice, now), codeOffice: newLimiter(l.CodePerOffice, now),
		codeAppointment: newLimiter(l.CodePerAppointment, now),
		birthDevice:     newLimiter(l.BirthPerDevice, now), walkInDevice: newLimiter(l.WalkInPerDevice, now),
		loginAccount: newLimiter(l.LoginPerAccount, now), loginSource: newLimiter(l.LoginPerSource, now),
		statusDevice: newLimiter(l.StatusPerDevice, now),
		streams:      newStreamSlots(l.StreamsPerCaller),
		tokenSource:  newLimiter(l.UnknownTicketPerSource, now), ticketRequests: newLimiter(l.TicketRequests, now),
		ticketStreams: newStreamSlots(l.StreamsPerTicket),
	}
}
