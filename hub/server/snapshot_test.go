package server

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lotse/hub/api"
)

// TestSnapshotsAreSharedPerSeq: boards that connect together, and GET
// /queue beside them, share one read of the day instead of taking every
// reader connection each. A change is seen at once, and every reader
// gets its own time.
func TestSnapshotsAreSharedPerSeq(t *testing.T) {
	h := newTestHub(t)
	office := h.Offices[0].ID
	// 10, and one more below: within a kiosk's burst of walk-in tickets.
	for range 10 {
		h.WalkIn(t, office, "meldebescheinigung")
	}
	o := h.Server.offices[office]
	reads := func() int {
		o.stream.snaps.mu.Lock()
		defer o.stream.snaps.mu.Unlock()
		return o.stream.snaps.reads
	}
	before := reads()
	dev := h.Device()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	const boards, polls = 100, 50
	// The boards share one token here, beyond the cap of streams per device.
	h.Server.limits.streams = newStreamSlots(boards)
	var wg sync.WaitGroup
	errs := make(chan error, boards+polls)
	seqs := make(chan int64, boards+polls)
	for range boards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _, err := websocket.DefaultDialer.DialContext(ctx, dev.StreamURL(office, 0), http.Header{"Authorization": {"Bearer demo"}})
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			var snap api.Snapshot
			if err := c.ReadJSON(&snap); err != nil {
				errs <- err
				return
			}
			seqs <- snap.Seq
		}()
	}
	for range polls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			snap, err := dev.Queue(ctx, office)
			if err != nil {
				errs <- err
				return
			}
			seqs <- snap.Seq
		}()
	}
	wg.Wait()
	close(errs)
	close(seqs)
	for err := range errs {
		t.Fatal(err)
	}
	want := o.loop.Seq()
	for s := range seqs {
		if s != want {
			t.Fatalf("a snapshot at seq %d, want %d", s, want)
		}
	}
	if n := reads() - before; n > 1 {
		t.Fatalf("%d readers at one seq read the day %d times, want once", boards+polls, n)
	}

	// A change is seen by the next reader, with the time it reads.
	tk := h.WalkIn(t, office, "meldebescheinigung")
	asked := time.Now() // the test hub's server runs on the real clock
	resp, err := http.DefaultClient.Do(mustGet(t, h.URL+"/api/v1/offices/"+office+"/queue"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var snap api.Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range snap.Tickets {
		found = found || x.ID == tk.ID
	}
	if !found || snap.Seq != o.loop.Seq() {
		t.Fatalf("the snapshot after a walk-in misses it: seq %d (want %d)", snap.Seq, o.loop.Seq())
	}
	if snap.Time.Before(asked) {
		t.Fatalf("snapshot time %s, before it was asked for (%s)", snap.Time, asked)
	}
}

func mustGet(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer demo")
	return req
}

// TestSharedSnapshotFollowsEventsExactly: a shared snapshot brought up
// to date by the events since is the same as the day read whole, after
// every kind of change a counter makes.
func TestSharedSnapshotFollowsEventsExactly(t *testing.T) {
	h := newTestHub(t)
	office := h.Offices[0].ID
	o := h.Server.offices[office]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range 6 {
		h.WalkIn(t, office, "meldebescheinigung")
	}
	if _, err := h.Server.snapshotJSON(ctx, o); err != nil { // the base
		t.Fatal(err)
	}
	clerk := h.Clerk()
	var counters []string
	for _, c := range h.Offices[0].Counters {
		if c.Serves("meldebescheinigung") {
			counters = append(counters, c.ID)
		}
	}
	c1, c2 := counters[0], counters[1]
	steps := []struct{ counter, action string }{
		{c1, api.ActionNext}, {c1, api.ActionRecall}, {c2, api.ActionNext}, {c1, api.ActionStart},
		{c1, api.ActionFinish}, {c2, api.ActionNoShow}, {c1, api.ActionNext}, {c1, api.ActionPark},
		{c2, api.ActionPause}, {c1, api.ActionNext}, {c2, api.ActionOpen},
	}
	for _, st := range steps {
		t.Run(st.counter+" "+st.action, func(t *testing.T) {
			if _, err := clerk.Act(ctx, office, st.counter, st.action, api.ActionRequest{}); err != nil && api.ErrorCode(err) != api.CodeConflict {
				t.Fatal(err)
			}
			before := o.stream.snaps.reads
			shared, err := h.Server.snapshotJSON(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			if o.stream.snaps.reads != before {
				t.Fatal("the day was read whole instead of following the events")
			}
			whole, _, err := h.Server.marshalSnapshot(ctx, o, nil)
			if err != nil {
				t.Fatal(err)
			}
			at := time.Now()
			got, want := partsString(shared, at), partsString(whole, at)
			if got != want {
				t.Fatalf("followed the events:\n%s\nread whole:\n%s", got, want)
			}
		})
	}
}

func partsString(e *snapEntry, at time.Time) string {
	p := e.parts(at)
	return string(p[0]) + string(p[1]) + string(p[2])
}
