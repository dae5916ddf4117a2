package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/websocket"

	"lotse/hub/api"
	"lotse/hub/queue"
)

// ringSize is how many recent events a broadcaster keeps for clients that
// resume with since; older gaps get a fresh snapshot.
const ringSize = 1024

// clientBuffer is how many batches a client may fall behind before it is
// dropped: a slow TV must never delay the others.
const clientBuffer = 256

const writeWait = 10 * time.Second

type message struct {
	seq int64
	pm  *websocket.PreparedMessage
}

type client struct {
	send  chan []message // one slice per committed batch
	since int64          // resume point; -1: wants a snapshot
}

type registration struct {
	c     *client
	reply chan bool // true: the client needs a snapshot
}

type publication struct {
	events  []queue.Event
	waiting []queue.ServiceWait
}

// broadcaster fans an office's events out to its stream clients. One
// goroutine owns the client set (as in the gorilla chat example); each
// event is marshalled once and shared by all clients as a prepared message.
type broadcaster struct {
	office     string
	names      *names
	metrics    *metrics
	log        *slog.Logger
	register   chan registration
	unregister chan *client
	events     chan publication
	stopped    chan struct{} // closed when run returns
}

func newBroadcaster(office string, n *names, m *metrics, log *slog.Logger) *broadcaster {
	return &broadcaster{
		office: office, names: n, metrics: m, log: log,
		register: make(chan registration), unregister: make(chan *client), events: make(chan publication, 4096),
		stopped: make(chan struct{}),
	}
}

func (b *broadcaster) publish(events []queue.Event, waiting []queue.ServiceWait) {
	select {
	case b.events <- publication{events: events, waiting: waiting}:
	case <-b.stopped:
	}
}

func (b *broadcaster) prepare(e queue.Event, waiting []api.ServiceWait) (message, error) {
	data, err := json.Marshal(b.names.event(e, waiting))
	if err != nil {
		return message{}, err
	}
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, data)
	return message{seq: e.Seq, pm: pm}, err
}

// run owns the client set until ctx ends. seq is the office's last seq and
// recent its last events, for clients resuming after a hub restart.
func (b *broadcaster) run(ctx context.Context, seq int64, recent []queue.Event, waiting []queue.ServiceWait) {
	ring := make([]message, 0, ringSize)
	w := b.names.waiting(waiting)
	for _, e := range recent {
		if m, err := b.prepare(e, w); err == nil {
			ring = append(ring, m)
		}
	}
	defer close(b.stopped)
	clients := map[*client]struct{}{}
	drop := func(c *client) {
		if _, ok := clients[c]; ok {
			delete(clients, c)
			close(c.send)
			b.metrics.streamClients(b.office, len(clients))
		}
	}
	for {
		select {
		case <-ctx.Done():
			for c := range clients {
				drop(c)
			}
			return
		case reg := <-b.register:
			c := reg.c
			clients[c] = struct{}{}
			b.metrics.streamClients(b.office, len(clients))
			switch {
			case c.since < 0 || c.since > seq:
				reg.reply <- true
			case c.since == seq:
				reg.reply <- false
			case len(ring) > 0 && ring[0].seq <= c.since+1:
				var missed []message
				for _, m := range ring {
					if m.seq > c.since {
						missed = append(missed, m)
					}
				}
				c.send <- missed // the buffer is empty: a new client
				reg.reply <- false
			default:
				reg.reply <- true
			}
		case c := <-b.unregister:
			drop(c)
		case p := <-b.events:
			w := b.names.waiting(p.waiting)
			batch := make([]message, 0, len(p.events))
			for _, e := range p.events {
				m, err := b.prepare(e, w)
				if err != nil {
					b.log.Error("marshal event", "office", b.office, "seq", e.Seq, "err", err)
					continue
				}
				seq = e.Seq
				if len(ring) == ringSize {
					copy(ring, ring[1:])
					ring = ring[:ringSize-1]
				}
				ring = append(ring, m)
				batch = append(batch, m)
			}
			// One hand-over per client and batch, not per event: the
			// fan-out to a thousand screens is the hot path.
			for c := range clients {
				select {
				case c.send <- batch:
				default:
					b.log.Warn("dropping slow stream client", "office", b.office)
					b.metrics.streamDropped(b.office)
					drop(c)
				}
			}
		}
	}
}

var upgrader = websocket.Upgrader{
	ReadBufferSize:  1024,
	WriteBufferSize: 4096,
	// Displays and kiosks are not browsers; the web display is served by
	// the hub itself. Device tokens, not origins, authorise the stream.
	CheckOrigin: func(r *http.Request) bool { return true },
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
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	defer conn.Close()
	c := &client{send: make(chan []message, clientBuffer), since: since}
	reg := registration{c: c, reply: make(chan bool, 1)}
	select {
	case o.stream.register <- reg:
	case <-o.stream.stopped:
		return
	}
	defer func() {
		select {
		case o.stream.unregister <- c:
		case <-o.stream.stopped:
		}
	}()
	minSeq := since
	if <-reg.reply {
		snap, err := s.snapshot(r.Context(), o)
		if err != nil {
			s.log.Error("stream snapshot", "office", o.office.ID, "err", err)
			return
		}
		conn.SetWriteDeadline(time.Now().Add(writeWait))
		if err := conn.WriteJSON(snap); err != nil {
			return
		}
		minSeq = snap.Seq
	}
	closed := make(chan struct{})
	go func() {
		// The stream is read-only; reading handles close frames.
		defer close(closed)
		conn.SetReadLimit(512)
		for {
			if _, _, err := conn.NextReader(); err != nil {
				return
			}
		}
	}()
	ping := time.NewTicker(s.pingEvery)
	defer ping.Stop()
	last := minSeq
	var deadlineSet time.Time
	for {
		select {
		case batch, ok := <-c.send:
			if !ok {
				conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseTryAgainLater, "too slow"), time.Now().Add(time.Second))
				return
			}
			// Re-arming the deadline on every write costs a timer update per
			// screen and event; once a second is as safe.
			if now := time.Now(); now.After(deadlineSet.Add(time.Second)) {
				conn.SetWriteDeadline(now.Add(writeWait))
				deadlineSet = now
			}
			for _, m := range batch {
				if m.seq <= minSeq {
					continue
				}
				if err := conn.WritePreparedMessage(m.pm); err != nil {
					return
				}
				last = m.seq
			}
		case <-ping.C:
			deadlineSet = time.Now()
			conn.SetWriteDeadline(deadlineSet.Add(writeWait))
			if err := conn.WriteJSON(api.Ping{Type: api.TypePing, Time: s.now(), Seq: last}); err != nil {
				return
			}
		case <-closed:
			return
		case <-r.Context().Done():
			return
		}
	}
}
