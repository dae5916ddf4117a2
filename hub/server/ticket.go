package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"lotse/hub/api"
	"lotse/hub/office"
	"lotse/hub/queue"
)

// The citizen's phone (issue 14): the ticket's status page and its API,
// keyed by the ticket's random status token. Nothing here needs a login;
// the token is the key, and an unknown token gets the same friendly
// answer as one of a purged day, so tokens cannot be probed.

func (s *Server) ticketRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /t/{token}", s.ticketPage)
	m.HandleFunc("GET /t/{token}/status", s.ticketStatusJSON)
	m.HandleFunc("GET /t/{token}/events", s.ticketEvents) // phones.go
	m.HandleFunc("POST /t/{token}/withdraw", s.ticketWithdraw)
	ticketAssetRoutes(m) // ticket_page.go
}

// statusURL is the link to the ticket's status page: under the configured
// public URL, else under the address the caller reached the hub at, which
// is right for kiosks and desks in the office's own network.
func (s *Server) statusURL(r *http.Request, token string) string {
	if token == "" {
		return ""
	}
	base := s.publicURL
	if base == "" {
		scheme := "http"
		if s.secure(r) {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return strings.TrimRight(base, "/") + "/t/" + token
}

// phoneView is what the queue says of a ticket followed by a phone, read
// in one command of the office loop: language-free, so one read serves
// every phone of the ticket whatever its language.
type phoneView struct {
	state   string // api.Status…
	ticket  queue.Ticket
	place   queue.Place
	counter string // the counter's display name, when called or served
	seq     int64
}

// viewTicket reads the view of ticket id on the queue. day is the day the
// token's ticket was issued on: a ticket the queue no longer holds is
// expired if that day is over, unknown otherwise.
func viewTicket(q *queue.Queue, id, day string, places map[string]queue.Place) phoneView {
	v := phoneView{seq: q.Seq()}
	t, ok := q.Ticket(id)
	if !ok {
		v.state = api.StatusUnknown
		if day != "" && day < q.Day() {
			v.state = api.StatusExpired
		}
		return v
	}
	v.ticket = t
	v.state = phoneStates[t.State]
	if t.State == queue.Waiting {
		v.place = places[id]
	}
	if t.State == queue.Called || t.State == queue.Serving {
		if c, ok := q.Office().Counter(t.Counter); ok {
			v.counter = c.Name
		}
	}
	return v
}

// phoneStates maps the ticket's states to the phone's.
var phoneStates = map[queue.TicketState]string{
	queue.Waiting:   api.StatusWaiting,
	queue.Called:    api.StatusCalled,
	queue.Serving:   api.StatusServing,
	queue.Done:      api.StatusDone,
	queue.Parked:    api.StatusParked,
	queue.Missed:    api.StatusMissed,
	queue.Cancelled: api.StatusWithdrawn,
}

// status words the view for a phone in lang: service names in that
// language where the office has them.
func (v phoneView) status(o *queue.Office, lang string) api.TicketStatus {
	st := api.TicketStatus{State: v.state, Seq: v.seq}
	if v.state == api.StatusUnknown || v.state == api.StatusExpired {
		return st
	}
	t := v.ticket
	st.Number, st.Recalls, st.Appointment = t.Number, t.Recalls, t.Appointment != ""
	st.Office, st.OfficeName = o.ID, o.Name
	for _, sc := range t.Services {
		name := sc.Service
		if svc, ok := o.Service(sc.Service); ok {
			name = svc.Name
			if n := svc.Names[lang]; n != "" {
				name = n
			}
		}
		st.Services = append(st.Services, name)
	}
	switch t.State {
	case queue.Waiting:
		st.Ahead = v.place.Ahead
		if v.place.Wait >= 0 {
			m := minutes(v.place.Wait)
			st.WaitMinutes = &m
			st.Next = v.place.Ahead <= api.NextWithin && m <= api.NextWait
		}
	case queue.Called, queue.Serving:
		st.Counter, st.CounterName = t.Counter, v.counter
	}
	switch t.State {
	case queue.Waiting, queue.Called, queue.Parked, queue.Missed:
		st.CanWithdraw = true
	}
	return st
}

// same reports whether a phone would show v and w alike: only a change
// is sent to the phones.
func (v phoneView) same(w phoneView) bool {
	a, b := v.ticket, w.ticket
	return v.state == w.state && v.place == w.place && v.counter == w.counter &&
		a.Counter == b.Counter && a.Recalls == b.Recalls && a.Number == b.Number
}

// findTicket resolves a status token to its office and ticket. An unknown
// token costs the caller's address a try: whoever walks through tokens
// runs dry at once, a phone with its one real token never does.
func (s *Server) findTicket(ctx context.Context, r *http.Request, token string) (*officeHandle, string, string, error) {
	if !plausibleToken(token) {
		return s.unknownToken(r)
	}
	ref, err := s.db.TicketByToken(ctx, token)
	if err != nil {
		if queue.ErrorCode(err) == queue.NotFound {
			return s.unknownToken(r)
		}
		return nil, "", "", err
	}
	if wait, ok := takeAll(slot{s.limits.ticketRequests, token}); !ok {
		return nil, "", "", rateLimitError{queue.Errorf(codeRateLimited, "too many requests for this ticket; please wait"), wait}
	}
	o, ok := s.offices[ref.Office]
	if !ok {
		// An office removed from the configuration: its tickets are
		// as gone as a purged day's.
		return s.unknownToken(r)
	}
	return o, ref.Ticket, ref.Day, nil
}

func (s *Server) unknownToken(r *http.Request) (*officeHandle, string, string, error) {
	if wait, ok := takeAll(slot{s.limits.tokenSource, clientIP(r)}); !ok {
		return nil, "", "", rateLimitError{queue.Errorf(codeRateLimited, "too many unknown ticket links; please wait"), wait}
	}
	return nil, "", "", queue.Errorf(queue.NotFound, "no ticket for this link")
}

// plausibleToken reports whether token has the shape of a status token:
// 22 characters of base64url. Anything else is not looked up.
func plausibleToken(token string) bool {
	if len(token) != 22 {
		return false
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// readView reads the view of one ticket in one command of its office loop.
func readView(ctx context.Context, o *officeHandle, id, day string) (phoneView, error) {
	return office.Do(ctx, o.loop, func(q *queue.Queue, now time.Time) (phoneView, []queue.Event, error) {
		return viewTicket(q, id, day, q.Places(now, []string{id})), nil, nil
	})
}

// ticketStatus reads the status of the ticket with token for a phone in
// lang. An unknown or purged token is StatusUnknown, not an error.
func (s *Server) ticketStatus(ctx context.Context, r *http.Request, token, lang string) (api.TicketStatus, error) {
	o, id, day, err := s.findTicket(ctx, r, token)
	if queue.ErrorCode(err) == queue.NotFound {
		return api.TicketStatus{State: api.StatusUnknown}, nil
	}
	if err != nil {
		return api.TicketStatus{}, err
	}
	v, err := readView(ctx, o, id, day)
	if err != nil {
		return api.TicketStatus{}, err
	}
	return v.status(o.office, lang), nil
}

// statusCode is the HTTP status of a status: 404 for an unknown token,
// 410 for a day that is over.
func statusCode(st api.TicketStatus) int {
	switch st.State {
	case api.StatusUnknown:
		return http.StatusNotFound
	case api.StatusExpired:
		return http.StatusGone
	}
	return http.StatusOK
}

// noStore keeps a ticket's status out of every cache: it changes with
// each call, and a shared cache must never hand one phone's ticket to
// another.
func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	// Same-origin, not no-referrer: the link (and its token) never
	// leaves the hub, while the page's own form post keeps its Origin.
	w.Header().Set("Referrer-Policy", "same-origin")
}

func (s *Server) ticketPage(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	lang := ticketLang(r)
	token := r.PathValue("token")
	st, err := s.ticketStatus(ctx, r, token, lang)
	if err != nil {
		s.writeTicketError(w, r, err)
		return
	}
	noStore(w)
	renderTicketPage(w, r, lang, token, st, statusCode(st))
}

func (s *Server) ticketStatusJSON(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	st, err := s.ticketStatus(ctx, r, r.PathValue("token"), ticketLang(r))
	if err != nil {
		s.writeTicketError(w, r, err)
		return
	}
	noStore(w)
	writeJSON(w, statusCode(st), st)
}

// writeTicketError answers an error of a status request: the API's error
// body, with Retry-After for the rate limit.
func (s *Server) writeTicketError(w http.ResponseWriter, r *http.Request, err error) {
	noStore(w)
	s.writeError(w, r, err)
}

// ticketWithdraw gives the ticket up: "Ich komme nicht mehr". A script
// asks for JSON and gets the new status; a plain form (the page without
// script) is sent back to the page, which then shows the withdrawn ticket.
func (s *Server) ticketWithdraw(w http.ResponseWriter, r *http.Request) {
	if !sameSite(r) {
		s.writeTicketError(w, r, queue.Errorf(codeForbidden, "a ticket is given up from its own page only"))
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	token := r.PathValue("token")
	lang := ticketLang(r)
	o, id, day, err := s.findTicket(ctx, r, token)
	if err != nil {
		s.writeTicketError(w, r, err)
		return
	}
	v, err := office.Do(ctx, o.loop, func(q *queue.Queue, now time.Time) (phoneView, []queue.Event, error) {
		_, events, err := q.Withdraw(now, id)
		if err != nil && queue.ErrorCode(err) != queue.Conflict && queue.ErrorCode(err) != queue.NotFound {
			return phoneView{}, nil, err
		}
		// Already at the counter, or of a day that is over: the
		// page shows the ticket as it is, which says why.
		return viewTicket(q, id, day, q.Places(now, []string{id})), events, nil
	})
	if err != nil {
		s.writeTicketError(w, r, err)
		return
	}
	st := v.status(o.office, lang)
	noStore(w)
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		writeJSON(w, statusCode(st), st)
		return
	}
	http.Redirect(w, r, "/t/"+token+"?lang="+lang, http.StatusSeeOther)
}

// sameSite accepts a state change from the page itself only: browsers
// send Sec-Fetch-Site, and Origin on every POST; a request with neither
// comes from no browser page at all (a script of the holder's own).
func sameSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		// The browser says so itself; its Origin may be "null" for a
		// plain form posted from the page without script.
		return true
	case "":
		return sameOrigin(r, principal{})
	}
	return false
}
