package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Without floorhub's binary the ratios are set against the in-tree
// minimal server, and every ratio line must say so: a run without the
// design's yardstick must not pass for one with it.
func TestRatioLinesNameTheYardstick(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, bin string
	}{
		{"no binary given", ""},
		{"binary missing", filepath.Join(dir, "bin", "floorhub")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			y, err := newYardstick(dir, tt.bin)
			if err != nil {
				t.Fatal(err)
			}
			defer y.close()
			if y.name != notFound {
				t.Fatalf("yardstick %q, want %q", y.name, notFound)
			}
			r := ratioRow("call → event", y.name, "2 ms", "1 ms", 2, "≤", 1.25)
			if !strings.Contains(r.budget, "floorhub not found") {
				t.Fatalf("ratio line %+v does not say that floorhub is missing", r)
			}
		})
	}
}

func TestRatioRowVerdict(t *testing.T) {
	for _, tt := range []struct {
		ratio float64
		cmp   string
		goal  float64
		want  string
	}{
		{1.2, "≤", 1.25, "ok"},
		{1.25, "≤", 1.25, "ok"},
		{1.3, "≤", 1.25, "MISSED"},
		{2.1, "≥", 2, "ok"},
		{1.9, "≥", 2, "MISSED"},
	} {
		if got := ratioRow("x", "floorhub", "a", "b", tt.ratio, tt.cmp, tt.goal).verdict; got != tt.want {
			t.Errorf("%.2f %s %.2f: %s, want %s", tt.ratio, tt.cmp, tt.goal, got, tt.want)
		}
	}
}

// A ping repeats the last seq. Counted as that event's arrival, it would
// let a call's event look delivered to every client while one still
// waited for it.
func TestFleetCountsEventsNotPings(t *testing.T) {
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for _, m := range []string{`{"type":"ping","time":"2026-01-01T00:00:00Z","seq":7}`, `{"type":"called","seq":8}`} {
			if err := c.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
				return
			}
		}
		c.ReadMessage() // until the client closes
	}))
	defer srv.Close()
	tr := newTracker(1, 7, 2)
	conns, err := fleet("ws"+strings.TrimPrefix(srv.URL, "http"), nil, 1, func() *tracker { return tr })
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(conns)
	if _, err := tr.waitFor(8, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case <-tr.done[0]:
		t.Fatal("the ping counted as the arrival of seq 7")
	default:
	}
}
