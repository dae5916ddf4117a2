package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"lotse/hub/office"
	"lotse/hub/queue"
)

// phonePing is how often an idle event stream sends a comment, so that
// proxies and phone networks keep the connection, and a phone that lost
// it notices: issue 14 names 25 s.
const phonePing = 25 * time.Second

// phoneRetry tells EventSource how soon to reconnect after a lost
// connection, in milliseconds.
const phoneRetry = 3000

// phoneWrite bounds one write to a phone; a phone that takes longer is
// gone (it reconnects and gets the current status).
const phoneWrite = 10 * time.Second

// phoneHub keeps the phones that follow tickets of one office. One
// goroutine owns the set, as in the gorilla chat example. After each
// committed batch it reads the views of every followed ticket in one
// command of the office loop (each line ranked once) and hands each phone
// whose view changed the new one. A phone keeps only the latest view: a
// slow phone skips what it missed, and nothing queues up.
type phoneHub struct {
	o       *officeHandle
	log     *slog.Logger
	join    chan *phone
	leave   chan *phone
	changed chan struct{} // a batch was committed; capacity 1
	done    chan struct{} // closed when run returns

	phones map[string]map[*phone]struct{} // ticket id → its phones
	last   map[string]phoneView           // ticket id → the view last sent
}

func newPhoneHub(o *officeHandle, log *slog.Logger) *phoneHub {
	return &phoneHub{
		o: o, log: log,
		join: make(chan *phone, 64), leave: make(chan *phone, 64),
		changed: make(chan struct{}, 1), done: make(chan struct{}),
		phones: map[string]map[*phone]struct{}{}, last: map[string]phoneView{},
	}
}

// phone is one open event stream of a ticket's status page.
type phone struct {
	ticket, day string

	mu   sync.Mutex
	view phoneView
	news bool
	wake chan struct{} // capacity 1
}

// put replaces the phone's pending view and wakes its writer.
func (p *phone) put(v phoneView) {
	p.mu.Lock()
	p.view, p.news = v, true
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// take returns the pending view, if any.
func (p *phone) take() (phoneView, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.view, p.news
	p.news = false
	return v, ok
}

// notify tells the hub that a batch was committed; it never blocks the
// office loop's publishing.
func (h *phoneHub) notify() {
	select {
	case h.changed <- struct{}{}:
	default:
	}
}

// run owns the phones until ctx ends.
func (h *phoneHub) run(ctx context.Context) {
	defer close(h.done)
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-h.join:
			set := h.phones[p.ticket]
			if set == nil {
				set = map[*phone]struct{}{}
				h.phones[p.ticket] = set
			}
			set[p] = struct{}{}
		case p := <-h.leave:
			if set := h.phones[p.ticket]; set != nil {
				delete(set, p)
				if len(set) == 0 {
					delete(h.phones, p.ticket)
					delete(h.last, p.ticket)
				}
			}
		case <-h.changed:
			if len(h.phones) > 0 {
				h.refresh(ctx)
			}
		}
	}
}

// refresh reads every followed ticket's view and sends the changed ones.
func (h *phoneHub) refresh(ctx context.Context) {
	ids := make([]string, 0, len(h.phones))
	days := make([]string, 0, len(h.phones))
	for id, set := range h.phones {
		ids = append(ids, id)
		for p := range set {
			days = append(days, p.day)
			break
		}
	}
	views, err := office.Do(ctx, h.o.loop, func(q *queue.Queue, now time.Time) ([]phoneView, []queue.Event, error) {
		places := q.Places(now, ids)
		out := make([]phoneView, len(ids))
		for i, id := range ids {
			out[i] = viewTicket(q, id, days[i], places)
		}
		return out, nil, nil
	})
	if err != nil {
		if ctx.Err() == nil {
			h.log.Warn("phones: read the followed tickets", "office", h.o.office.ID, "err", err)
		}
		return
	}
	for i, id := range ids {
		v := views[i]
		if last, ok := h.last[id]; ok && last.same(v) {
			continue
		}
		h.last[id] = v
		for p := range h.phones[id] {
			p.put(v)
		}
	}
}

// ticketEvents streams the ticket's status to its page as server-sent
// events: the current status at once (unless the phone already has it:
// Last-Event-ID), then every change, and a comment every phonePing.
func (s *Server) ticketEvents(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	token := r.PathValue("token")
	lang := ticketLang(r)
	o, id, day, err := s.findTicket(ctx, r, token)
	if err != nil {
		cancel()
		s.writeTicketError(w, r, err)
		return
	}
	if !s.limits.ticketStreams.take(token) {
		cancel()
		s.writeTicketError(w, r, rateLimitError{queue.Errorf(codeRateLimited, "too many open streams for this ticket"), phoneRetry * time.Millisecond})
		return
	}
	defer s.limits.ticketStreams.give(token)
	p := &phone{ticket: id, day: day, wake: make(chan struct{}, 1)}
	hub := o.phones
	// Joined before the first read: a change between the two reaches
	// the phone as a newer view, never not at all.
	select {
	case hub.join <- p:
	case <-hub.done:
		cancel()
		s.writeTicketError(w, r, queue.Errorf(queue.Unavailable, "the hub is stopping"))
		return
	case <-ctx.Done():
		cancel()
		s.writeTicketError(w, r, queue.Errorf(queue.Unavailable, "the office did not answer in time"))
		return
	}
	defer func() {
		select {
		case hub.leave <- p:
		case <-hub.done:
		}
	}()
	first, err := readView(ctx, o, id, day)
	cancel()
	if err != nil {
		s.writeTicketError(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	noStore(w)
	w.WriteHeader(http.StatusOK)
	// An event's id is the seq and a digest of the status: a phone that
	// wakes sends it back (Last-Event-ID), and gets the status again only
	// if it changed, whatever else happened in the office meanwhile, so a
	// call does not ring twice.
	sent, seen := int64(-1), r.Header.Get("Last-Event-ID")
	write := func(v phoneView) error {
		if err := rc.SetWriteDeadline(time.Now().Add(phoneWrite)); err != nil {
			return err
		}
		if v.seq > sent {
			body, err := json.Marshal(v.status(o.office, lang))
			if err != nil {
				return err
			}
			sum := sha256.Sum256(body[:bytes.LastIndex(body, []byte(`,"seq":`))])
			id := strconv.FormatInt(v.seq, 10) + "." + hex.EncodeToString(sum[:6])
			if seen != "" && strings.HasSuffix(seen, id[strings.IndexByte(id, '.'):]) {
				seen, sent = "", v.seq // the phone shows this status already
				return rc.Flush()
			}
			seen = ""
			if _, err := fmt.Fprintf(w, "id: %s\nevent: status\ndata: %s\n\n", id, body); err != nil {
				return err
			}
			sent = v.seq
		}
		return rc.Flush()
	}
	if _, err := fmt.Fprintf(w, "retry: %d\n\n", phoneRetry); err != nil {
		return
	}
	if err := write(first); err != nil {
		return
	}
	ping := time.NewTicker(phonePing)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-hub.done:
			return
		case <-p.wake:
			if v, ok := p.take(); ok {
				if err := write(v); err != nil {
					return
				}
			}
		case <-ping.C:
			if err := rc.SetWriteDeadline(time.Now().Add(phoneWrite)); err != nil {
				return
			}
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}
