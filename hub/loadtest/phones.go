package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"lotse/hub/api"
)

// The citizen's phone (issue 14): 2,000 phones follow their walk-in
// tickets over server-sent events while 100 screens watch the office's
// stream. Clerks call, one call at a time; every phone a call affects
// (the called ticket's, and those behind it in its service's line) must
// show it within 100 ms at p99, and the hub must stay within 200 MB
// resident meanwhile.

const (
	phoneCount     = 2000
	phoneScreens   = 100
	phoneMinCalls  = 200
	phoneBudget    = 100 * time.Millisecond
	phoneMemBudget = 200 << 20 // bytes
	// phoneWait bounds the wait for one call's updates; a phone that
	// has not shown its call by then counts as missed.
	phoneWait = 10 * time.Second
)

// phonesPart runs the phones' figures unless -only names another part.
func phonesPart(dir, hubBin string, calls int, only string, rows *[]row) error {
	if only != "" && only != "phones" {
		return nil
	}
	fmt.Fprintf(os.Stderr, "measuring call → phone with %d phones and %d screens …\n", phoneCount, phoneScreens)
	r, err := phoneFigures(dir, hubBin, max(calls, phoneMinCalls))
	*rows = append(*rows, r...)
	return err
}

// phoneStatus is what the bench reads of a status event.
type phoneStatus struct {
	State string `json:"state"`
	Ahead int    `json:"ahead"`
	Seq   int64  `json:"seq"`
}

// want is what one call must show on one phone: the state, or else an
// ahead below the one the phone showed before the call.
type want struct {
	phone int
	state string
	below int
}

func (w want) reflectedBy(s phoneStatus) bool {
	if w.state != "" {
		return s.State == w.state
	}
	return s.Ahead < w.below
}

// wantsOf is what a call of the ticket of phone called (-1: a ticket no
// phone follows) in service svc must show: "called" on its phone, and a
// smaller ahead on every phone waiting behind it in that service's line.
// before holds each phone's status just before the call, services each
// phone's service.
func wantsOf(before []phoneStatus, services []string, called int, svc string) []want {
	var out []want
	from := -1
	if called >= 0 {
		out = append(out, want{phone: called, state: api.StatusCalled})
		from = before[called].Ahead
	}
	for i, s := range before {
		if i != called && services[i] == svc && s.State == api.StatusWaiting && s.Ahead > from {
			out = append(out, want{phone: i, below: s.Ahead})
		}
	}
	return out
}

// arrival is one status a phone received while a call was open.
type arrival struct {
	status phoneStatus
	at     time.Time
}

// phoneBook matches the statuses the phones receive to the call they
// reflect. One call is open at a time: the statuses arriving while it
// is open are kept until the call's answer says which phones it affects,
// since a phone may well show the call before the clerk's answer is
// read. A status counts for the call only if it was read at or after
// the call's event (its seq), so a late status of an earlier call
// never passes for this one.
type phoneBook struct {
	services []string // each phone's service

	mu     sync.Mutex
	last   []phoneStatus
	seen   []bool
	unseen int
	ready  chan struct{} // closed when every phone has its first status

	open     bool
	call     int
	start    time.Time
	minSeq   int64
	arrivals map[int][]arrival
	pending  map[int]want
	done     chan struct{} // closed when pending empties after expect
	lat      []time.Duration
	calls    []int // the call of each latency
}

func newPhoneBook(services []string) *phoneBook {
	return &phoneBook{
		services: services, last: make([]phoneStatus, len(services)), seen: make([]bool, len(services)),
		unseen: len(services), ready: make(chan struct{}),
	}
}

// arrive records a status phone received at at.
func (b *phoneBook) arrive(phone int, s phoneStatus, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.last[phone] = s
	if !b.seen[phone] {
		b.seen[phone] = true
		if b.unseen--; b.unseen == 0 {
			close(b.ready)
		}
	}
	if !b.open || s.Seq < b.minSeq {
		return
	}
	if b.pending == nil { // the call's answer is not in yet
		b.arrivals[phone] = append(b.arrivals[phone], arrival{s, at})
		return
	}
	if w, ok := b.pending[phone]; ok && w.reflectedBy(s) {
		b.record(phone, at)
	}
}

func (b *phoneBook) record(phone int, at time.Time) {
	b.lat = append(b.lat, at.Sub(b.start))
	b.calls = append(b.calls, b.call)
	delete(b.pending, phone)
	if len(b.pending) == 0 {
		close(b.done)
	}
}

// begin opens call k, whose event will have a seq above known, and
// returns the phones' statuses before it. The clock starts here.
func (b *phoneBook) begin(k int, known int64) []phoneStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.open, b.call, b.minSeq = true, k, known+1
	b.arrivals, b.pending, b.done = map[int][]arrival{}, nil, make(chan struct{})
	b.start = time.Now()
	return append([]phoneStatus(nil), b.last...)
}

// expect tells the open call what it must show, and returns a channel
// closed once every phone has shown it.
func (b *phoneBook) expect(wants []want) <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending = make(map[int]want, len(wants))
	for _, w := range wants {
		b.pending[w.phone] = w
	}
	if len(b.pending) == 0 {
		close(b.done)
		return b.done
	}
	for _, w := range wants {
		for _, a := range b.arrivals[w.phone] {
			if w.reflectedBy(a.status) {
				b.record(w.phone, a.at)
				break
			}
		}
	}
	b.arrivals = nil
	return b.done
}

// end closes the open call and returns how many phones never showed it.
func (b *phoneBook) end() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.open = false
	missing := len(b.pending)
	b.pending = nil
	return missing
}

// follow opens phone i's event stream and feeds the book from it until
// ctx ends; lost counts streams that ended before.
func follow(ctx context.Context, hc *http.Client, url string, i int, b *phoneBook, lost *atomic.Int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	go func() {
		defer resp.Body.Close()
		r := bufio.NewReaderSize(resp.Body, 4096)
		data := []byte("data: ")
		for {
			line, err := r.ReadSlice('\n')
			if err != nil {
				if ctx.Err() == nil {
					lost.Add(1)
				}
				return
			}
			// The hub writes each event in one piece, on one data line:
			// the time its data line is read is the time it arrived.
			if !bytes.HasPrefix(line, data) {
				continue
			}
			at := time.Now()
			var s phoneStatus
			if err := json.Unmarshal(line[len(data):], &s); err != nil {
				lost.Add(1)
				return
			}
			b.arrive(i, s, at)
		}
	}()
	return nil
}

// raiseFileLimit lets this process, and the hub it starts, hold every
// phone's and screen's connection.
func raiseFileLimit(need uint64) error {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return fmt.Errorf("file limit: %w", err)
	}
	if l.Cur >= need {
		return nil
	}
	if l.Max < need {
		return fmt.Errorf("file limit: %d open files allowed, %d needed", l.Max, need)
	}
	l.Cur = l.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return fmt.Errorf("file limit: %w", err)
	}
	return nil
}

// residentBytes reads VmRSS of the process pid (0: this process).
func residentBytes(pid int) (int64, error) {
	path := "/proc/self/status"
	if pid != 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/status"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: %q: %w", path, line, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("%s: no VmRSS", path)
}

func phoneFigures(dir, hubBin string, calls int) ([]row, error) {
	if err := raiseFileLimit(2*(phoneCount+phoneScreens) + 512); err != nil {
		return nil, err
	}
	h, err := startHubUnderTest(dir, hubBin)
	if err != nil {
		return nil, err
	}
	defer h.stop()
	office, device, clerk := h.office, h.device, h.clerk
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The walk-ins spread over every service a counter serves, as in an
	// office: a call then moves one line, not every phone.
	var services []string
	for _, s := range office.Services {
		for _, c := range office.Counters {
			if c.Serves(s.ID) {
				services = append(services, s.ID)
				break
			}
		}
	}
	tickets := make([]api.Ticket, phoneCount)
	phoneService := make([]string, phoneCount)
	if _, _, failed, err := load(phoneCount, func(i int) error {
		phoneService[i] = services[i%len(services)]
		t, err := device.WalkIn(ctx, office.ID, api.WalkInRequest{Service: phoneService[i]})
		tickets[i] = t
		if err == nil && t.StatusURL == "" {
			err = fmt.Errorf("walk-in %s has no statusUrl", t.Number)
		}
		return err
	}); failed > 0 {
		return nil, fmt.Errorf("%d walk-ins failed, first: %w", failed, err)
	}
	phoneOf := make(map[string]int, phoneCount)
	for i, t := range tickets {
		phoneOf[t.ID] = i
	}

	// The hub with the day's tickets and no phones: what the phones and
	// screens add is the difference.
	idle, err := residentBytes(h.pid)
	if err != nil {
		return nil, err
	}
	screens, err := fleet(device.StreamURL(office.ID, 0), h.streamHeaders, phoneScreens, func() *tracker { return nil })
	if err != nil {
		return nil, fmt.Errorf("screens: %w", err)
	}
	defer closeAll(screens)

	book := newPhoneBook(phoneService)
	var lost atomic.Int64
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}}
	// The bench uses the main address: the status link's base may be
	// a public listener or a configured public URL.
	if _, _, failed, err := load(phoneCount, func(i int) error {
		token := tickets[i].StatusURL[strings.LastIndex(tickets[i].StatusURL, "/t/")+len("/t/"):]
		return follow(ctx, hc, h.url+"/t/"+token+"/events", i, book, &lost)
	}); failed > 0 {
		return nil, fmt.Errorf("%d phones could not follow their ticket, first: %w", failed, err)
	}
	select {
	case <-book.ready:
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("not every phone got its first status")
	}

	var peak int64
	sample := func() error {
		rss, err := residentBytes(h.pid)
		peak = max(peak, rss)
		return err
	}
	if err := sample(); err != nil {
		return nil, err
	}
	var counters []string
	for _, c := range office.Counters {
		counters = append(counters, c.ID)
	}
	missing := 0
	for k := 0; k < calls; k++ {
		known, err := h.latest(ctx)
		if err != nil {
			return nil, err
		}
		before := book.begin(k, known)
		res, err := clerk.Act(ctx, office.ID, counters[k%len(counters)], api.ActionNext, api.ActionRequest{Current: api.CurrentServed})
		if err != nil {
			book.end()
			return nil, fmt.Errorf("call %d: %w", k, err)
		}
		if res.Ticket == nil {
			book.end()
			return nil, fmt.Errorf("call %d at %s called no ticket", k, counters[k%len(counters)])
		}
		called, ok := phoneOf[res.Ticket.ID]
		if !ok {
			called = -1
		}
		var svc string
		if called >= 0 {
			svc = phoneService[called]
		} else if len(res.Ticket.Services) > 0 {
			svc = res.Ticket.Services[0].Service
		}
		select {
		case <-book.expect(wantsOf(before, phoneService, called, svc)):
		case <-time.After(phoneWait):
		}
		missing += book.end()
		if k%20 == 0 {
			if err := sample(); err != nil {
				return nil, err
			}
		}
	}
	if err := sample(); err != nil {
		return nil, err
	}
	if n := lost.Load(); n > 0 {
		return nil, fmt.Errorf("%d phone streams ended during the run", n)
	}

	lat := book.lat
	p99 := percentile(lat, 0.99)
	where := "hub process"
	if h.pid == 0 {
		where = "in-process: the hub shares this process with every client"
	}
	return []row{
		{
			what: fmt.Sprintf("call → phone, %d phones (SSE) + %d screens, p99 of %d updates from %d calls, hub %s",
				phoneCount, phoneScreens, len(lat), calls, h.where),
			measured: fmt.Sprintf("%s (%d missed)", ms(p99), missing),
			budget:   "≤ " + ms(phoneBudget),
			verdict:  verdict(p99 <= phoneBudget && missing == 0),
		},
		{what: "  p50", measured: ms(percentile(lat, 0.5))},
		{
			what:     fmt.Sprintf("hub resident memory (VmRSS, %s) at that load", where),
			measured: fmt.Sprintf("%.0f MB", float64(peak)/(1<<20)),
			budget:   fmt.Sprintf("≤ %d MB", phoneMemBudget>>20),
			verdict:  verdict(peak <= phoneMemBudget),
		},
		{what: "  before the phones and screens connected", measured: fmt.Sprintf("%.0f MB", float64(idle)/(1<<20))},
	}, nil
}
