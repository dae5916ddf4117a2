package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"lotse/hub/api"
	"lotse/hub/queue"
)

// ringSize is how many recent events a broadcaster keeps at least for
// clients that resume with since; older gaps get a fresh snapshot. The
// ring holds up to twice as many, so that dropping the oldest is one copy
// per ringSize events, not one per event.
const ringSize = 1024

// writeWait bounds the snapshot write of a new client.
const writeWait = 10 * time.Second

// slowWrite is the default bound of one write of events to a screen: a
// write may block for at least half of it and at most all of it (the
// writer renews the deadline only once half of it is used up). A write
// blocks only when the screen's socket buffer is full, that is when it
// has fallen far behind: it is then dropped (it reconnects and resumes
// with since). Each screen has its own writer, so a blocked write holds
// up no other screen, and a machine that stalls the hub for a moment
// (under 2 s) drops nobody.
const slowWrite = 4 * time.Second

// maxBehind is how many events a live screen's writer may have queued
// before the screen is dropped as too slow: the backlog the broadcaster's
// own input holds, so that a burst the hub takes in, every screen that
// reads takes in too.
const maxBehind = 4096

type message struct {
	seq     int64 // 0 for pings
	pm      *websocket.PreparedMessage
	dayTurn bool // the event turned the day
	// delivery, on the last message of a batch queued for a live
	// writer, counts that writer's write of the batch (nil elsewhere:
	// in the ring, in a snapshot's pending, on pings).
	delivery *delivery
}

// delivery tells when every live screen's writer has written a batch:
// the office loop writes a call's derived rows after that, so that they
// do not take a processor from the writers (office.Delivered). A writer
// that fails or is dropped never counts; the loop waits for a bound only.
type delivery struct {
	left atomic.Int64
	done chan struct{}
}

// newDelivery returns a delivery held open by its maker until it calls
// written once itself, so that writers done before the count is complete
// do not close it early.
func newDelivery() *delivery {
	d := &delivery{done: make(chan struct{})}
	d.left.Store(1)
	return d
}

// written counts one write of the batch (or the maker's hold).
func (d *delivery) written() {
	if d.left.Add(-1) == 0 {
		close(d.done)
	}
}

// delivered is a delivery with nothing to wait for.
var delivered = func() *delivery {
	d := newDelivery()
	d.written()
	return d
}()

// client is one stream connection. Until it is live, its handler writes
// the snapshot and the broadcaster keeps its events in pending; once live,
// the broadcaster queues its events and the handler, its writer, writes
// them. A writer per screen, as in the gorilla chat example: the runtime
// spreads the writes of one event over every processor, and a writer that
// the machine stalls holds up one screen, not a share of them.
type client struct {
	conn    *websocket.Conn
	out     *frameBatch // conn's connection, which holds a batch's frames (nil in tests)
	since   int64       // resume point; -1: wants a snapshot
	pending []message   // events held while the snapshot is written
	live    bool
	slow    bool // dropped for falling behind; set before done closes
	done    chan struct{}

	mu    sync.Mutex
	queue []message     // events for the writer
	wake  chan struct{} // signals a non-empty queue, a drop or a closed connection

	// staff: a clerk's or supervisor's stream, which also gets the
	// messages outside the seq (emergency calls); a device's never does.
	staff bool
}

func newClient(conn *websocket.Conn, since int64) *client {
	return &client{conn: conn, since: since, done: make(chan struct{}), wake: make(chan struct{}, 1)}
}

// push queues msgs for the writer; false if the client is maxBehind.
func (c *client) push(msgs []message) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue)+len(msgs) > maxBehind {
		return false
	}
	c.queue = append(c.queue, msgs...)
	c.signal()
	return true
}

// signal wakes the writer. The writer waits on this one channel alone: a
// select over the drop, the connection and the queue cost the writers of
// a thousand screens more than their writes' bookkeeping.
func (c *client) signal() {
	select {
	case c.wake <- struct{}{}:
	default: // already signalled
	}
}

// take returns the queued events and leaves spare, emptied, in their place.
func (c *client) take(spare []message) []message {
	clear(spare)
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	c.queue = spare[:0]
	return q
}

type registration struct {
	c     *client
	reply chan bool // true: the client needs a snapshot
}

type readiness struct {
	c      *client
	minSeq int64 // the snapshot's seq: older events are not sent
}

// maxEarly is how many publications a broadcaster keeps that came before
// it ran (the loop commits as soon as it is ready); run sends them on.
const maxEarly = 4096

// broadcaster fans an office's events out to its stream clients. Each
// event is marshalled once into a prepared message, which every client's
// writer sends.
//
// publish hands a committed batch straight to the live clients' writer
// queues, on the committing goroutine: a goroutine of its own in between
// cost every call one more wake-up before any screen heard of it, a
// tenth of a millisecond and more on a busy machine. The run goroutine
// owns the joins, the resumes, the leaves and the pings; mu guards the
// client set and the ring, which both sides change.
type broadcaster struct {
	office    string
	convert   *converter
	metrics   *metrics
	log       *slog.Logger
	pingEvery time.Duration
	slowWrite time.Duration // see the constant
	// pingTicks, if set, drives the pings instead of a ticker at half
	// of pingEvery (tests).
	pingTicks  <-chan time.Time
	register   chan registration
	ready      chan readiness
	unregister chan *client
	stopped    chan struct{} // closed when run returns
	snaps      snapshots     // the office's shared snapshot

	mu      sync.Mutex
	running bool        // run set the state up
	ended   bool        // run ended: nothing is published any more
	early   [][]message // published before run began
	seq     int64       // the last event's seq
	turned  int64       // the seq of the last day turn
	// sent: the clients were sent an event or a ping since the last ping
	// tick, so the next tick need not ping them.
	sent    bool
	ring    []message // the recent events, for clients that resume
	clients map[*client]struct{}
}

func newBroadcaster(office string, n *converter, m *metrics, log *slog.Logger, pingEvery time.Duration) *broadcaster {
	return &broadcaster{
		office: office, convert: n, metrics: m, log: log, pingEvery: pingEvery, slowWrite: slowWrite,
		register: make(chan registration), ready: make(chan readiness), unregister: make(chan *client),
		stopped: make(chan struct{}), clients: map[*client]struct{}{},
	}
}

// publish sends a committed batch to the clients, with waiting, the lines
// it changed or more (office.Preparer). The office loop calls it in seq
// order, one batch at a time.
func (b *broadcaster) publish(events []queue.Event, waiting []queue.ServiceWait) {
	b.publishEncoded(b.encode(events, waiting))
}

// encode turns a batch's events into the messages every client is sent.
// It needs no lock (the converter is read-only), so the office loop runs
// it before the batch is durable.
func (b *broadcaster) encode(events []queue.Event, waiting []queue.ServiceWait) []message {
	w := b.convert.lines(waiting)
	msgs := make([]message, 0, len(events))
	for i, e := range events {
		// The lines the batch changed go with its last event only: the
		// batch's events share them, and all six lines of the demo office,
		// about 550 bytes, were nine tenths of each event a burst (an
		// imported day's no-shows, a day turn) sent to every screen.
		// Clients keep the lines they have when an event brings none.
		var lines []api.ServiceWait
		if i == len(events)-1 {
			lines = w
		}
		m, err := b.prepare(e, lines)
		if err != nil {
			b.log.Error("marshal event", "office", b.office, "seq", e.Seq, "err", err)
			continue
		}
		msgs = append(msgs, m)
	}
	return msgs
}

// publishEncoded sends an encoded committed batch to the clients, in seq
// order like publish, and returns its delivery to the live ones.
func (b *broadcaster) publishEncoded(msgs []message) *delivery {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.ended:
	case !b.running:
		if len(b.early) < maxEarly {
			b.early = append(b.early, msgs)
		}
	default:
		return b.fanOut(msgs)
	}
	return delivered
}

func (b *broadcaster) prepare(e queue.Event, waiting []api.ServiceWait) (message, error) {
	data, err := json.Marshal(b.convert.event(e, waiting))
	if err != nil {
		return message{}, err
	}
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, data)
	return message{seq: e.Seq, pm: pm, dayTurn: e.Type == queue.DayTurned}, err
}

// drop lets go of c; b.mu is held.
func (b *broadcaster) drop(c *client) {
	if _, ok := b.clients[c]; ok {
		delete(b.clients, c)
		close(c.done)
		c.signal()
		b.metrics.streamClients(b.office, len(b.clients))
	}
}

// deliver queues msgs for a live client's writer; a client too far
// behind is dropped, never waited for, and deliver reports false.
// b.mu is held.
func (b *broadcaster) deliver(c *client, msgs []message) bool {
	if !c.push(msgs) {
		b.log.Warn("dropping slow stream client", "office", b.office)
		b.metrics.streamDropped(b.office)
		c.slow = true
		b.drop(c)
		return false
	}
	return true
}

// fanOut adds an encoded batch to the ring and queues it for every
// client; b.mu is held. Events the ring has already (a batch published
// while run loaded them from the store) are skipped. The delivery counts
// the live clients' writers.
func (b *broadcaster) fanOut(msgs []message) *delivery {
	batch := make([]message, 0, len(msgs))
	for _, m := range msgs {
		if m.seq <= b.seq {
			continue
		}
		b.seq = m.seq
		if m.dayTurn {
			b.turned = m.seq
		}
		if len(b.ring) == 2*ringSize {
			b.ring = b.ring[:copy(b.ring, b.ring[ringSize:])]
		}
		b.ring = append(b.ring, m)
		batch = append(batch, m)
	}
	if len(batch) == 0 {
		return delivered
	}
	b.sent = true
	d := newDelivery()
	defer d.written()
	// The live writers' copy, whose last message counts the write.
	counted := append(batch[:len(batch)-1:len(batch)-1], batch[len(batch)-1])
	counted[len(counted)-1].delivery = d
	for c := range b.clients {
		switch {
		case c.live:
			d.left.Add(1)
			if !b.deliver(c, counted) {
				d.written()
			}
		case len(c.pending)+len(batch) > ringSize:
			c.slow = true
			b.drop(c)
		default:
			c.pending = append(c.pending, batch...)
		}
	}
	return d
}

// run owns the joins and leaves of clients until ctx ends. seq is the
// office's last seq and recent its last events, for clients resuming
// after a hub restart; each of them carries all of waiting, the lines
// now, since what each changed is not known any more.
func (b *broadcaster) run(ctx context.Context, seq int64, recent []queue.Event, waiting []queue.ServiceWait) {
	defer close(b.stopped)
	b.mu.Lock()
	b.ring = make([]message, 0, 2*ringSize)
	// turned: a client resuming from before it gets a fresh snapshot,
	// never yesterday's calls.
	w := b.convert.lines(waiting)
	for _, e := range recent {
		if e.Type == queue.DayTurned {
			b.turned = e.Seq
		}
		if m, err := b.prepare(e, w); err == nil {
			b.ring = append(b.ring, m)
		}
	}
	b.seq = seq
	for _, msgs := range b.early {
		b.fanOut(msgs)
	}
	b.early, b.running = nil, true
	b.mu.Unlock()
	ticks := b.pingTicks
	if ticks == nil {
		ping := time.NewTicker(b.pingEvery / 2)
		defer ping.Stop()
		ticks = ping.C
	}
	for {
		select {
		case <-ctx.Done():
			b.mu.Lock()
			b.ended = true
			for c := range b.clients {
				b.drop(c)
			}
			b.mu.Unlock()
			return
		case reg := <-b.register:
			b.mu.Lock()
			reg.reply <- b.join(reg.c)
			b.mu.Unlock()
		case rd := <-b.ready:
			b.mu.Lock()
			b.live(rd)
			b.mu.Unlock()
		case c := <-b.unregister:
			b.mu.Lock()
			b.drop(c)
			b.mu.Unlock()
		case now := <-ticks:
			b.mu.Lock()
			b.ping(now)
			b.mu.Unlock()
		}
	}
}

// ping sends the live clients a ping unless they were sent something
// since the last tick; b.mu is held. The ticks come at half of
// pingEvery, so a stream is never silent for longer than pingEvery, and
// pings go out only after half of it passed without an event: while an
// office calls, its events keep the screens' connections alive. A ping
// is one more write to every screen: at a thousand screens, as much work
// as a call's event, and a call that met it waited for it.
func (b *broadcaster) ping(now time.Time) {
	if b.sent {
		b.sent = false
		return
	}
	b.sent = true
	data, _ := json.Marshal(api.Ping{Type: api.TypePing, Time: now, Seq: b.seq})
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, data)
	if err != nil {
		b.log.Error("prepare ping", "office", b.office, "err", err)
		return
	}
	msgs := []message{{pm: pm}}
	for c := range b.clients {
		if c.live {
			b.deliver(c, msgs)
		}
	}
}

// join adds c and reports whether it needs a snapshot; b.mu is held.
func (b *broadcaster) join(c *client) bool {
	b.clients[c] = struct{}{}
	b.metrics.streamClients(b.office, len(b.clients))
	switch {
	case c.since < 0 || c.since > b.seq || c.since < b.turned:
		return true
	case c.since == b.seq:
		return false
	case len(b.ring) > 0 && b.ring[0].seq <= c.since+1:
		for _, m := range b.ring {
			if m.seq > c.since {
				c.pending = append(c.pending, m)
			}
		}
		return false
	default:
		return true
	}
}

// live makes a client live once its snapshot is out and queues what came
// meanwhile; b.mu is held.
func (b *broadcaster) live(rd readiness) {
	c := rd.c
	if _, ok := b.clients[c]; !ok {
		return
	}
	c.live = true
	var msgs []message
	for _, m := range c.pending {
		if m.seq == 0 || m.seq > rd.minSeq { // older ones are in the snapshot; side messages are in none
			msgs = append(msgs, m)
		}
	}
	c.pending = nil
	if len(msgs) > 0 {
		b.deliver(c, msgs)
	}
}

// writeLoop is a live client's writer: it writes the client's queued
// events until the broadcaster drops the client (also when it stops), or
// the connection fails or closes (closed, which also signals the client).
// last is the seq the client has already (its snapshot's or its resume
// point). It reports whether the broadcaster may still hold the client,
// which the caller then unregisters.
func (b *broadcaster) writeLoop(c *client, last int64, closed <-chan struct{}) (held bool) {
	var spare []message
	// bound is the write deadline set last. Each write gets between half
	// a slowWrite and a whole one: setting the deadline is a change to
	// the runtime's timers, and at a hundred screens setting it for every
	// write of every event cost about a tenth of a call's fan-out.
	var bound time.Time
	for range c.wake {
		select {
		case <-c.done:
			// The broadcaster let go of the client: nobody queues more.
			if c.slow {
				c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseTryAgainLater, "too slow"), time.Now().Add(time.Second))
			}
			return false
		default:
		}
		select {
		case <-closed:
			return true
		default:
		}
		msgs := c.take(spare)
		// The frames of all queued events go out in one write (a lone
		// one, as ever, straight from gorilla's write).
		if len(msgs) > 1 {
			c.out.hold()
		}
		for _, m := range msgs {
			if m.seq != 0 && m.seq <= last {
				continue // already in the client's snapshot
			}
			// The bound is renewed as the frames are written, so a long
			// burst that fills the batch more than once is not one bound.
			if now := time.Now(); deadlineDue(bound, now, b.slowWrite) {
				bound = now.Add(b.slowWrite)
				c.conn.SetWriteDeadline(bound)
			}
			if err := c.conn.WritePreparedMessage(m.pm); err != nil {
				b.writeFailed(err)
				return true
			}
			if m.seq != 0 {
				last = m.seq
			}
		}
		if err := c.out.flush(); err != nil {
			b.writeFailed(err)
			return true
		}
		for _, m := range msgs {
			if m.delivery != nil {
				m.delivery.written()
			}
		}
		spare = msgs
	}
	return true // not reached: wake is never closed
}

// writeFailed counts a write that timed out as a screen dropped for
// falling behind; other errors are a screen that went away.
func (b *broadcaster) writeFailed(err error) {
	if isTimeout(err) {
		b.log.Warn("dropping slow stream client", "office", b.office)
		b.metrics.streamDropped(b.office)
	}
}

// deadlineDue reports whether a write at now needs a new deadline: less
// than half of slow is left until bound, the deadline set last (zero:
// none yet).
func deadlineDue(bound, now time.Time, slow time.Duration) bool {
	return bound.Sub(now) < slow/2
}

func isTimeout(err error) bool {
	t, ok := err.(interface{ Timeout() bool })
	return ok && t.Timeout()
}

var upgrader = websocket.Upgrader{
	ReadBufferSize:  1024,
	WriteBufferSize: 4096,
	CheckOrigin:     streamOrigin,
}

// streamOrigin lets a stream be opened by the hub's own pages and by
// clients that are not browsers (displays, kiosks, tools send no Origin).
// WebSockets are not bound by the same-origin policy: without this, any
// page the clerk opens (another port of the same host included) could
// read the stream with the clerk's cookie. The origin must name exactly
// the host and port the request was sent to; behind a reverse proxy, the
// proxy must pass the Host on.
func streamOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	since := int64(-1)
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			s.writeError(w, r, queue.Errorf(queue.Invalid, "since must be a seq"))
			return
		}
		since = n
	}
	if !streamOrigin(r) {
		s.writeError(w, r, queue.Errorf(codeUnauthorized, "the stream is not open to pages of another origin"))
		return
	}
	// A stream outlives every timeout of the server, so without a cap one
	// token (a display's sits in the TV's URL) could hold every connection
	// of the hub. Refused before the upgrade, so the caller gets JSON.
	if !s.limits.streams.take(p.key) {
		s.writeError(w, r, queue.Errorf(codeRateLimited, "too many open streams for this device or account (at most %d); close one first", s.limits.streams.max))
		return
	}
	defer s.limits.streams.give(p.key)
	conn, out, err := upgradeBatching(w, r)
	if err != nil {
		return // the upgrader has answered
	}
	defer conn.Close()
	// The server's read and write timeouts are for requests: a stream
	// lives for hours. net/http clears them on the upgrade; each write
	// below sets its own deadline.
	conn.NetConn().SetDeadline(time.Time{})
	// When the hub stops, a write or a read in progress ends at once, so
	// that the handler (which Stop waits for) does too.
	defer context.AfterFunc(r.Context(), func() { conn.NetConn().Close() })()
	// A clerk's workplace keeps this stream open while the page is: its
	// end is how the hub learns that a browser was closed.
	s.sessions.watching(r.Context(), p.session, +1)
	left := false
	leave := func() {
		if !left {
			left = true
			s.sessions.watching(r.Context(), p.session, -1)
		}
	}
	defer leave()
	b := o.stream
	c := newClient(conn, since)
	c.out = out
	c.staff = p.isClerk() // emergency.go: side messages to staff only
	reg := registration{c: c, reply: make(chan bool, 1)}
	select {
	case b.register <- reg:
	case <-b.stopped:
		return
	}
	unregister := func() {
		select {
		case b.unregister <- c:
		case <-b.stopped:
		}
	}
	minSeq := since
	if <-reg.reply {
		snap, err := s.snapshotJSON(r.Context(), o)
		if err != nil {
			s.log.Error("stream snapshot", "office", o.office.ID, "err", err)
			unregister()
			return
		}
		conn.SetWriteDeadline(time.Now().Add(writeWait))
		if err := writeSnapshotMessage(conn, snap, s.now()); err != nil {
			unregister()
			return
		}
		minSeq = snap.seq
	}
	select {
	case b.ready <- readiness{c: c, minSeq: minSeq}:
	case <-c.done:
	case <-b.stopped:
		return
	}
	closed := make(chan struct{})
	// The reader ends when the connection closes; the handler waits for
	// it, so no goroutine of the stream outlives the handler.
	defer func() {
		conn.Close()
		<-closed
	}()
	go func() {
		// The stream is read-only; reading handles close frames.
		defer c.signal()
		defer close(closed)
		conn.SetReadLimit(512)
		for {
			if _, _, err := conn.NextReader(); err != nil {
				return
			}
		}
	}()
	if b.writeLoop(c, minSeq, closed) {
		// Before the client leaves the count of stream clients, so that
		// a count of zero means the counter's lease was shortened too.
		leave()
		unregister()
	}
}

// writeSnapshotMessage writes the shared snapshot as one text message.
func writeSnapshotMessage(conn *websocket.Conn, snap *snapEntry, now time.Time) error {
	w, err := conn.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	if err := snap.writeTo(w, now); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// streamSlots counts the open streams per caller (principal.key).
type streamSlots struct {
	max  int
	mu   sync.Mutex
	open map[string]int
}

func newStreamSlots(max int) *streamSlots {
	return &streamSlots{max: max, open: map[string]int{}}
}

// take reserves a stream for key; false when key holds max already.
func (s *streamSlots) take(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[key] >= s.max {
		return false
	}
	s.open[key]++
	return true
}

// give returns a stream taken for key.
func (s *streamSlots) give(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[key]--; s.open[key] <= 0 {
		delete(s.open, key)
	}
}
