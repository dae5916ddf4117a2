package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/hub/booking/demo"
)

// Answers that cross on the way: the hub answered a read before an
// action, but the page hears the read's answer after the action's. A
// read that waited for a new login is repeated together with the action
// it waited with, and one of them wins the race; a slow network does the
// same. CI once caught the workplace showing no current ticket right
// after a login had repeated "next". The pages keep the newer answer
// (Lotse.turns in common.js).

// answerHolder serves a test hub and holds the hub's answers to chosen
// requests until the test releases them: the hub has answered, the page
// has not heard it yet.
type answerHolder struct {
	*httptest.Server
	mu    sync.Mutex
	armed []*heldAnswer
}

// heldAnswer is one armed hold: the next request that matches has its
// answer made by the hub at once and held.
type heldAnswer struct {
	match    func(*http.Request) bool
	caught   chan struct{} // closed once the hub answered and the answer is held
	released chan struct{}
	once     sync.Once
}

func newAnswerHolder(t *testing.T, h *testHub) *answerHolder {
	f := &answerHolder{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := f.take(r)
		if a == nil {
			h.Server.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.Server.ServeHTTP(rec, r)
		close(a.caught)
		select {
		case <-a.released:
		case <-r.Context().Done():
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(func() {
		f.mu.Lock()
		for _, a := range f.armed {
			a.release()
		}
		f.mu.Unlock()
		f.CloseClientConnections()
		f.Close()
	})
	return f
}

// hold arms a hold for the next request that matches.
func (f *answerHolder) hold(t *testing.T, match func(*http.Request) bool) *heldAnswer {
	a := &heldAnswer{match: match, caught: make(chan struct{}), released: make(chan struct{})}
	t.Cleanup(a.release)
	f.mu.Lock()
	f.armed = append(f.armed, a)
	f.mu.Unlock()
	return a
}

func (f *answerHolder) take(r *http.Request) *heldAnswer {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, a := range f.armed {
		if a.match(r) {
			f.armed = append(f.armed[:i], f.armed[i+1:]...)
			return a
		}
	}
	return nil
}

// wait waits until the hub has answered the held request.
func (a *heldAnswer) wait(t *testing.T, what string) {
	t.Helper()
	select {
	case <-a.caught:
	case <-time.After(stepTimeout):
		t.Fatalf("no %s within %s", what, stepTimeout)
	}
}

// release lets the held answer go on to the page.
func (a *heldAnswer) release() { a.once.Do(func() { close(a.released) }) }

// holdingPage opens a counter page (page and counter as for login)
// through an answerHolder in front of a new test hub, logged in and with
// its stream live.
func holdingPage(t *testing.T, page, counter string) (*testHub, *answerHolder, *tab) {
	t.Helper()
	b := newBrowser(t)
	h := newTestHub(t)
	f := newAnswerHolder(t, h)
	tb := b.newTab(t, f.URL)
	tb.login(page, counter)
	tb.waitFor("stream live", `(document.querySelector("#st-stream") || {}).className === "st-live"`)
	return h, f, tb
}

// reads is a match for the page's GETs of a path ending in suffix.
func reads(suffix string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, suffix)
	}
}

// TestCounterWorkplaceKeepsTheNewerAnswer: the queue as the hub saw it
// before "next" arrives after next's answer; the called person stays on
// the clerk's screen.
func TestCounterWorkplaceKeepsTheNewerAnswer(t *testing.T) {
	h, f, a := holdingPage(t, "", "schalter-1")
	first := h.WalkIn(t, webOffice, demo.Meldebescheinigung)
	a.waitInList("queue-list", first.Number)

	old := f.hold(t, reads("/queue"))
	second := h.WalkIn(t, webOffice, demo.Meldebescheinigung) // its event makes the page read the queue
	old.wait(t, "read of the queue after a walk-in")
	a.waitEnabled("next")
	a.press("next")
	a.waitCurrent(first.Number)

	// The page reads the queue once more after the old answer (its
	// refresh ran meanwhile); when that read reaches the hub, the old
	// answer is on the page or was dropped.
	again := f.hold(t, reads("/queue"))
	old.release()
	again.wait(t, "read of the queue after the old answer")
	if got := a.current(); got != first.Number {
		t.Fatalf("after the older answer the page shows %q as current, want %s", got, first.Number)
	}
	a.shot("workplace-after-an-older-answer")
	again.release()
	a.waitInList("queue-list", second.Number)
}

// TestCounterDeskKeepsTheNewerAnswer: a search answered before a
// check-in arrives after the search the check-in ran; the row stays
// checked in and offers no second check-in.
func TestCounterDeskKeepsTheNewerAnswer(t *testing.T) {
	h, f, d := holdingPage(t, "desk.html", "")

	person := bookedWithName(t, h, "from=10:00&to=10:15")
	row := fmt.Sprintf(`[data-appointment=%q]`, person.ID)
	d.do(chromedp.SendKeys("#search-name", person.Name[strings.LastIndex(person.Name, " ")+1:]))
	d.waitFor("the appointment in the results", `!!document.querySelector('`+row+` .checkin')`)

	old := f.hold(t, reads("/appointments"))
	h.WalkIn(t, webOffice, demo.Meldebescheinigung) // its event makes the desk search again
	old.wait(t, "search after a walk-in")
	d.do(chromedp.Click(row + " .checkin"))
	d.waitFor("checked in", `!!document.querySelector('`+row+` .show-ticket')`)

	again := f.hold(t, reads("/appointments"))
	old.release()
	again.wait(t, "search after the old answer")
	if d.visible(row + " .checkin") {
		t.Fatal("after the older answer the desk offers to check the person in again")
	}
	d.shot("desk-after-an-older-answer")
	again.release()
}
