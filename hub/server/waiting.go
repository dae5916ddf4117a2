package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/hub/statistics"
)

// The office's public waiting times (issue 14): open data as JSON for
// anyone, and a page the city can frame on its own website. Nothing here
// names a person or a ticket, so no login, no cookie and any origin.

// publicMaxAge is how long a browser or proxy may keep an answer: the
// waiting line moves by the minute, and a proxy in front absorbs a crowd.
const publicMaxAge = "public, max-age=15"

// quietWeeks is how far back "usually quiet at …" looks.
const quietWeeks = 8

// quietHoursShown is how many quiet hours an office names.
const quietHoursShown = 2

// publicWaitingJSON is one office's public waiting times.
type publicWaitingJSON struct {
	Office   string              `json:"office"`
	Name     string              `json:"name"`
	Open     bool                `json:"open"`
	Day      string              `json:"day"`
	Seq      int64               `json:"seq"`
	Services []publicServiceJSON `json:"services"`
	// QuietHours are today's usually quietest hours (office-local, 0–23),
	// in order of the day; empty while the statistics know too little.
	QuietHours []int `json:"quietHours"`
}

type publicServiceJSON struct {
	Service string `json:"service"`
	Name    string `json:"name"`
	Waiting int    `json:"waiting"`
	// WaitMinutes is the estimated wait of a newcomer; null while no open
	// counter serves the service.
	WaitMinutes *int `json:"waitMinutes"`
}

// publicCityJSON is every office's public waiting times.
type publicCityJSON struct {
	Offices []publicWaitingJSON `json:"offices"`
}

// publicKey is what an office's public answer depends on: its committed
// events, its waiting lines (stored just after the seq, so a reader can
// see the new seq with the old lines), and the office-local day and hour
// ("usually quiet" and the opening follow the clock).
type publicKey struct {
	seq     int64
	waiting []queue.ServiceWait
	hour    string
	slot    int64 // the publicSlot of the office's clock
}

func (k publicKey) equal(o publicKey) bool {
	return k.seq == o.seq && k.hour == o.hour && k.slot == o.slot && slices.Equal(k.waiting, o.waiting)
}

// publicAnswer is a rendered answer with its strong ETag.
type publicAnswer struct {
	body []byte
	etag string
	view publicWaitingJSON
}

func newPublicAnswer(body []byte, view publicWaitingJSON) *publicAnswer {
	sum := sha256.Sum256(body)
	return &publicAnswer{body: body, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`, view: view}
}

type publicEntry struct {
	key    publicKey
	answer *publicAnswer
}

type quietEntry struct {
	day   string
	hours []int
}

// publicCache keeps each office's answer until the office changes, so a
// crowd of readers costs a comparison each, not a rendering. The zero
// value is ready.
type publicCache struct {
	mu      sync.Mutex
	offices map[string]publicEntry
	quiet   map[string]quietEntry
	city    struct {
		etags  []string // the offices' answers it was built from
		answer *publicAnswer
	}
}

// publicWaitingRoutes registers the public waiting times on mux: the main
// listener and the public one (public.go) serve the same routes.
func (s *Server) publicWaitingRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /public/waiting.json", s.publicCityJSON)
	mux.HandleFunc("GET /public/offices/{office}/waiting.json", s.publicOfficeJSON)
	mux.HandleFunc("OPTIONS /public/waiting.json", publicPreflight)
	mux.HandleFunc("OPTIONS /public/offices/{office}/waiting.json", publicPreflight)
	mux.HandleFunc("GET /public/{$}", s.publicCityPage)
	mux.HandleFunc("GET /public/offices/{office}", s.publicOfficePage)
	mux.HandleFunc("GET /public/public.css", func(w http.ResponseWriter, r *http.Request) {
		publicHeaders(w.Header())
		http.ServeFileFS(w, r, web, "web/public/public.css")
	})
}

// publicHeaders lets any site read and frame the public answers: they are
// open data and meant for the city's own website. They carry no cookie
// and no session, so framing them clickjacks nothing.
func publicHeaders(h http.Header) {
	h.Del("X-Frame-Options")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "ETag")
	h.Set("Cache-Control", publicMaxAge)
}

// publicPreflight answers a browser that asks before revalidating with
// If-None-Match from another origin.
func publicPreflight(w http.ResponseWriter, r *http.Request) {
	publicHeaders(w.Header())
	w.Header().Set("Access-Control-Allow-Methods", "GET, OPTIONS")
	w.Header().Set("Access-Control-Allow-Headers", "If-None-Match")
	w.Header().Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) publicOfficeJSON(w http.ResponseWriter, r *http.Request) {
	o, ok := s.offices[r.PathValue("office")]
	if !ok {
		s.writeError(w, r, queue.Errorf(queue.NotFound, "unknown office %q", r.PathValue("office")))
		return
	}
	a, err := s.publicOffice(r.Context(), o)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writePublicJSON(w, r, a)
}

func (s *Server) publicCityJSON(w http.ResponseWriter, r *http.Request) {
	a, err := s.publicCity(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writePublicJSON(w, r, a)
}

// writePublicJSON answers with the body, or 304 when the client has it.
func writePublicJSON(w http.ResponseWriter, r *http.Request, a *publicAnswer) {
	h := w.Header()
	publicHeaders(h)
	h.Set("ETag", a.etag)
	h.Set("Vary", "Accept-Encoding")
	if etagMatches(r.Header.Get("If-None-Match"), a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(a.body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(a.body)
}

// etagMatches reads If-None-Match: a list of tags, weak or strong, or *.
// A weak comparison is right here (RFC 9110 13.1.2): a proxy that
// compressed the body marks our tag weak.
func etagMatches(header, etag string) bool {
	for header != "" {
		header = trimSpaceComma(header)
		if header == "" {
			break
		}
		if header[0] == '*' {
			return true
		}
		tag := header
		if len(tag) > 2 && tag[:2] == "W/" {
			tag = tag[2:]
		}
		if tag == "" || tag[0] != '"' {
			return false
		}
		end := 1
		for end < len(tag) && tag[end] != '"' {
			end++
		}
		if end == len(tag) {
			return false
		}
		if tag[:end+1] == etag {
			return true
		}
		header = tag[end+1:]
	}
	return false
}

func trimSpaceComma(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t' || s[0] == ',') {
		s = s[1:]
	}
	return s
}

// publicSlot is how long an office's answer may stand without a new
// event: as long as a client may keep it anyway (max-age). A clerk's
// coming and going is an event of its own now (counter_staffed).
const publicSlot = 15 * time.Second

// publicOffice returns the office's answer, rendered again only when the
// office changed, the hour turned or the slot passed.
func (s *Server) publicOffice(ctx context.Context, o *officeHandle) (*publicAnswer, error) {
	key := s.publicKeyOf(o)
	c := &s.public
	c.mu.Lock()
	e, ok := c.offices[o.office.ID]
	c.mu.Unlock()
	if ok && e.key.equal(key) {
		return e.answer, nil
	}
	quiet, err := s.quietHours(ctx, o)
	if err != nil {
		return nil, err
	}
	waiting, err := s.publicLook(ctx, o)
	if err != nil {
		return nil, err
	}
	view := publicView(*o.office, key.seq, key.hour[:10], waiting, quiet)
	body, err := json.Marshal(view)
	if err != nil {
		return nil, fmt.Errorf("public waiting times of %s: %w", o.office.ID, err)
	}
	a := newPublicAnswer(body, view)
	c.mu.Lock()
	if c.offices == nil {
		c.offices = map[string]publicEntry{}
	}
	c.offices[o.office.ID] = publicEntry{key: key, answer: a}
	c.mu.Unlock()
	return a, nil
}

func (s *Server) publicKeyOf(o *officeHandle) publicKey {
	now := s.now().In(officeZone(o.office))
	seq := o.loop.Seq()
	return publicKey{seq: seq, waiting: o.loop.Waiting(), hour: now.Format("2006-01-02T15"), slot: now.Truncate(publicSlot).Unix()}
}

// publicLook reads the waiting lines on the office's loop: the queue's
// one estimate, which counts the counters that are open and staffed, so
// that the public reads what the kiosk and the boards show.
func (s *Server) publicLook(ctx context.Context, o *officeHandle) ([]queue.ServiceWait, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	out, err := office.Do(ctx, o.loop, func(q *queue.Queue, _ time.Time) ([]queue.ServiceWait, []queue.Event, error) {
		return q.Waiting(), nil, nil
	})
	if err != nil {
		return nil, fmt.Errorf("public waiting times of %s: %w", o.office.ID, err)
	}
	return out, nil
}

func officeZone(o *queue.Office) *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

// publicCity returns every office's answer in one, rendered again only
// when one of them changed.
func (s *Server) publicCity(ctx context.Context) (*publicAnswer, error) {
	views := make([]publicWaitingJSON, 0, len(s.order))
	etags := make([]string, 0, len(s.order))
	for _, id := range s.order {
		o := s.offices[id]
		a, err := s.publicOffice(ctx, o)
		if err != nil {
			return nil, err
		}
		views = append(views, a.view)
		etags = append(etags, a.etag)
	}
	c := &s.public
	c.mu.Lock()
	if a := c.city.answer; a != nil && slices.Equal(c.city.etags, etags) {
		c.mu.Unlock()
		return a, nil
	}
	c.mu.Unlock()
	body, err := json.Marshal(publicCityJSON{Offices: views})
	if err != nil {
		return nil, fmt.Errorf("public waiting times of the city: %w", err)
	}
	a := newPublicAnswer(body, publicWaitingJSON{})
	c.mu.Lock()
	c.city.etags, c.city.answer = etags, a
	c.mu.Unlock()
	return a, nil
}

// publicView builds the office's public figures. An office counts as open
// while a staffed counter serves somebody: some service has an estimate.
func publicView(o queue.Office, seq int64, day string, waiting []queue.ServiceWait, quiet []int) publicWaitingJSON {
	v := publicWaitingJSON{Office: o.ID, Name: o.Name, Day: day, Seq: seq, Services: []publicServiceJSON{}, QuietHours: quiet}
	if v.QuietHours == nil {
		v.QuietHours = []int{}
	}
	for _, w := range waiting {
		sv, ok := o.Service(w.Service)
		if !ok || hiddenLine(w) {
			continue
		}
		p := publicServiceJSON{Service: sv.ID, Name: sv.Name, Waiting: w.Waiting}
		if w.Estimate >= 0 {
			v.Open = true
			m := minutes(w.Estimate) // as the boards and the kiosk round it
			p.WaitMinutes = &m
		}
		v.Services = append(v.Services, p)
	}
	return v
}

// quietHours returns today's usually quiet hours of the office, read from
// the statistics once a day.
func (s *Server) quietHours(ctx context.Context, o *officeHandle) ([]int, error) {
	now := s.now().In(officeZone(o.office))
	day := now.Format(queue.DayFormat)
	c := &s.public
	c.mu.Lock()
	e, ok := c.quiet[o.office.ID]
	c.mu.Unlock()
	if ok && e.day == day {
		return e.hours, nil
	}
	st, ok := s.db.(StatisticsStore)
	if !ok {
		return nil, nil
	}
	to, err := statistics.DayBefore(day, 1)
	if err != nil {
		return nil, fmt.Errorf("quiet hours of %s: %w", o.office.ID, err)
	}
	from, err := statistics.DayBefore(day, 7*quietWeeks)
	if err != nil {
		return nil, fmt.Errorf("quiet hours of %s: %w", o.office.ID, err)
	}
	p := newQuietProfile(now.Weekday())
	if err := st.ScanStatRollup(ctx, o.office.ID, statistics.RollupHours, from, to, func(c *statistics.Cell) error {
		p.add(c)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("quiet hours of %s: %w", o.office.ID, err)
	}
	hours := p.quietest(quietHoursShown)
	c.mu.Lock()
	if c.quiet == nil {
		c.quiet = map[string]quietEntry{}
	}
	c.quiet[o.office.ID] = quietEntry{day: day, hours: hours}
	c.mu.Unlock()
	return hours, nil
}

// quietProfile sums one weekday's cells by hour of the day.
type quietProfile struct {
	weekday time.Weekday
	days    map[string]bool
	hours   [24]quietHour
}

type quietHour struct {
	open     map[string]bool // days with a counter staffed or a call in the hour
	arrivals int
	called   int
	wait     int64
}

func newQuietProfile(wd time.Weekday) *quietProfile {
	return &quietProfile{weekday: wd, days: map[string]bool{}}
}

func (p *quietProfile) add(c *statistics.Cell) {
	t, err := time.Parse(queue.DayFormat, c.Day)
	if err != nil || t.Weekday() != p.weekday || c.Hour < 0 || c.Hour > 23 {
		return
	}
	p.days[c.Day] = true
	h := &p.hours[c.Hour]
	if c.StaffedSeconds > 0 || c.Called > 0 {
		if h.open == nil {
			h.open = map[string]bool{}
		}
		h.open[c.Day] = true
	}
	h.arrivals += c.CheckedIn + c.WalkIns
	h.called += c.Called
	h.wait += c.WaitSeconds
}

// quietest returns up to n hours, in order of the day, in which the
// office usually was open on this weekday and waits were shortest; among
// equal waits the one with fewer arrivals. Fewer than two such weekdays
// in the period say nothing usual, and answer none.
func (p *quietProfile) quietest(n int) []int {
	if len(p.days) < 2 {
		return nil
	}
	type cand struct {
		hour           int
		wait, arrivals float64
	}
	var list []cand
	for hour, h := range p.hours {
		// An hour open on fewer than half the weekdays is an exception
		// (a long Thursday once), not a time to recommend.
		if 2*len(h.open) < len(p.days) || h.called == 0 {
			continue
		}
		list = append(list, cand{hour: hour, wait: float64(h.wait) / float64(h.called), arrivals: float64(h.arrivals) / float64(len(h.open))})
	}
	slices.SortStableFunc(list, func(a, b cand) int {
		if c := cmpFloat(a.wait, b.wait); c != 0 {
			return c
		}
		return cmpFloat(a.arrivals, b.arrivals)
	})
	out := []int{}
	for _, c := range list[:min(n, len(list))] {
		out = append(out, c.hour)
	}
	slices.Sort(out)
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
