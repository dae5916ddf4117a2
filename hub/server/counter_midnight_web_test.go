package server

import (
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
)

// TestCounterPagesAfterMidnight sends day_turned to the counter workplace
// and the desk while each shows a dialog of the old day: both must drop
// it at once and show the new day's state, not keep working on
// yesterday's tickets.
func TestCounterPagesAfterMidnight(t *testing.T) {
	b := newBrowser(t)
	h := newTestHub(t)
	hubURL, err := url.Parse(h.URL)
	if err != nil {
		t.Fatal(err)
	}
	front := func() (*tab, *scriptedStream) {
		stream := &scriptedStream{hub: httputil.NewSingleHostReverseProxy(hubURL), push: make(chan any, 1),
			scripts: []streamScript{{send: []any{api.Snapshot{Type: api.TypeSnapshot, Seq: 1}}}}}
		srv := httptest.NewServer(stream)
		t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
		return b.newTab(t, srv.URL), stream
	}
	dayTurned := api.Event{Type: api.EventDayTurned, Seq: 2, At: time.Now()}

	t.Run("workplace", func(t *testing.T) {
		a, stream := front()
		a.t = t
		a.login("", "schalter-1")
		w := []api.Ticket{h.WalkIn(t, webOffice, demo.Meldebescheinigung), h.WalkIn(t, webOffice, demo.Meldebescheinigung)}
		a.do(chromedp.Reload())
		a.waitInList("queue-list", w[1].Number)
		a.waitEnabled("call")
		a.press("call")
		a.waitFor("call dialog", `document.querySelector("#call-dialog").open`)
		var loads int
		a.eval(`performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/queue")).length`, &loads)
		stream.push <- dayTurned
		a.waitFor("the old day's dialog closed", `!document.querySelector("#call-dialog").open`)
		a.waitFor("the new day's queue fetched", fmt.Sprintf(
			`performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/queue")).length > %d`, loads))
	})

	t.Run("desk", func(t *testing.T) {
		d, stream := front()
		d.t = t
		d.login("desk.html", "")
		person := bookedWithName(t, h, "from=10:00&to=10:30")
		last := person.Name[strings.LastIndex(person.Name, " ")+1:]
		d.do(chromedp.SendKeys("#search-name", last))
		row := fmt.Sprintf(`[data-appointment=%q]`, person.ID)
		d.waitFor("the appointment in the results", `!!document.querySelector('`+row+` .checkin')`)
		d.do(chromedp.Click(row + " .checkin"))
		d.waitFor("ticket dialog", `document.querySelector("#ticket-dialog").open`)
		stream.push <- dayTurned
		d.waitFor("the old day's ticket closed", `!document.querySelector("#ticket-dialog").open`)
		d.waitFor("the search run again", `!!document.querySelector('`+row+`')`)
	})
}
