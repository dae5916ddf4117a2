package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/hub/api"
	"lotse/hub/booking/demo"
)

// TestDeskPriorityLevelsAndFullWalkIns: where the office names reasons for
// priority, the desk offers them in place of the plain checkbox and the
// ticket carries the chosen one; a walk-in past capacity shows the desk's
// own sentence for walkins_full.
func TestDeskPriorityLevelsAndFullWalkIns(t *testing.T) {
	b := newBrowser(t)
	h := capacityHub(t)
	d := b.newTab(t, h.URL)
	d.login("desk.html", "")
	d.waitFor("levels offered", `!document.querySelector("#walkin-level-field").hidden && document.querySelector("#walkin-priority-check").hidden &&
		document.querySelectorAll("#walkin-level option").length === 2`)

	d.do(chromedp.Click(fmt.Sprintf(`#walkin-services [data-service=%q]`, demo.Fuehrungszeugnis)))
	d.eval(`const s = document.querySelector("#walkin-level"); s.value = "schwangerschaft"; s.value === "schwangerschaft"`, nil)
	d.waitFor("draw enabled", `!document.querySelector("#walkin-draw").disabled`)
	d.do(chromedp.Click("#walkin-draw"))
	d.waitFor("ticket dialog", `document.querySelector("#ticket-dialog").open && document.querySelector("#issued-number").textContent.startsWith("F")`)
	number := d.text("#issued-number")
	q := h.CounterQueue(t, webOffice, "schalter-1")
	if len(q.Next) == 0 || q.Next[0].Number != number || !q.Next[0].Priority || q.Next[0].PriorityLevel != "schwangerschaft" {
		t.Fatalf("hub: first in line at schalter-1 is %+v, want %s with priority schwangerschaft", q.Next, number)
	}
	d.do(chromedp.Click("#issued-done"))
	d.waitFor("level reset", `document.querySelector("#walkin-level").value === ""`)

	// Certifications: three fit before closing; the fourth is refused.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range 3 {
		if _, err := h.Device().WalkIn(ctx, webOffice, api.WalkInRequest{Service: beglaubigung}); err != nil {
			t.Fatal(err)
		}
	}
	d.do(chromedp.Click(fmt.Sprintf(`#walkin-services [data-service=%q]`, beglaubigung)))
	d.do(chromedp.Click("#walkin-draw"))
	d.waitFor("error shown", `!document.querySelector("#error").hidden`)
	if got := d.text("#error-text"); !strings.Contains(got, "Dienstschluss") {
		t.Fatalf("desk error %q, want the walkins_full sentence", got)
	}
	d.shot("desk-walkins-full-de")
}
