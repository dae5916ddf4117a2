package board

import (
	"context"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lotse/assets"
	"lotse/hub/api"
)

// daySnap is a snapshot of the office on day with the given calls active
// at their counters and waiting people.
func daySnap(day string, seq int64, waiting int, calls ...api.Call) api.Snapshot {
	s := *snapshot(seq, calls...).Snapshot
	s.Day = day
	s.Waiting = []api.ServiceWait{{Service: "anm", Name: "Anmeldung", Waiting: waiting, WaitMinutes: 5 * waiting}}
	return s
}

func dayTurned(seq int64) api.Event {
	return api.Event{Type: api.EventDayTurned, Seq: seq, At: t0.Add(14 * time.Hour)}
}

func finished(seq int64, ticket, number, counter string) api.Event {
	return *event(seq, api.EventFinished, ticket, number, counter).Event
}

// TestBoardAfterMidnight runs a board that has followed the office since
// yesterday through the day turn, and a board started fresh today, against
// the same hub: both must show the same screen, and the old board must
// announce nothing a fresh one would not.
func TestBoardAfterMidnight(t *testing.T) {
	const yesterday, today = "2026-03-02", "2026-03-03"
	b007 := api.Call{Ticket: "y7", Number: "B007", Counter: "c1", CounterName: "Schalter 1", At: t0.Add(-10 * time.Hour)}
	a001 := api.Call{Ticket: "t1", Number: "A001", Counter: "c1", CounterName: "Schalter 1", At: t0.Add(time.Minute)}
	a002 := api.Call{Ticket: "t2", Number: "A002", Counter: "c2", CounterName: "Schalter 2", At: t0.Add(2 * time.Minute)}
	tests := []struct {
		name string
		// old are the scripts of the board that ran since yesterday,
		// ending with today's; fresh is what a board started today sees.
		old, fresh   []script
		seq          int64
		oldAnnounced []string // announced before the day turned
	}{
		{
			name: "day_turned on an open stream",
			old: []script{
				{send: []any{daySnap(yesterday, 5, 4, b007), called(6, "y8", "B008", "c2"), finished(7, "y7", "B007", "c1"), dayTurned(8)}},
				{send: []any{daySnap(today, 8, 2), called(9, "t1", "A001", "c1")}},
			},
			fresh:        []script{{send: []any{daySnap(today, 8, 2), called(9, "t1", "A001", "c1")}}},
			seq:          9,
			oldAnnounced: []string{"B008"},
		},
		{
			name: "day_turned after a missed event",
			old: []script{
				{send: []any{daySnap(yesterday, 5, 4, b007), dayTurned(9)}},
				{send: []any{daySnap(today, 9, 1), called(10, "t1", "A001", "c1")}},
			},
			fresh: []script{{send: []any{daySnap(today, 9, 1), called(10, "t1", "A001", "c1")}}},
			seq:   10,
		},
		{
			name: "reconnect after midnight gets a new day's snapshot",
			old: []script{
				{send: []any{daySnap(yesterday, 5, 4, b007), called(6, "y8", "B008", "c2")}, drop: true},
				{send: []any{daySnap(today, 12, 3, a002, a001)}},
			},
			fresh:        []script{{send: []any{daySnap(today, 12, 3, a002, a001)}}},
			seq:          12,
			oldAnnounced: []string{"B008"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			old, oldHub := followScreen(t, tt.old, tt.seq)
			fresh, _ := followScreen(t, tt.fresh, tt.seq)
			if got, want := test.RenderToMarkup(old.w.Canvas()), test.RenderToMarkup(fresh.w.Canvas()); got != want {
				t.Errorf("the board that ran since yesterday shows\n%s\na fresh board shows\n%s", got, want)
			}
			if got, want := old.screen.Board().Calls, fresh.screen.Board().Calls; !slices.Equal(got, want) {
				t.Errorf("calls %+v, a fresh board has %+v", got, want)
			}
			if got, want := old.calls(), append(slices.Clone(tt.oldAnnounced), fresh.calls()...); !slices.Equal(got, want) {
				t.Errorf("announced %q, want %q", got, want)
			}
			old.mu.Lock()
			turns := old.turns
			old.mu.Unlock()
			wantTurns := 1 // a day_turned event came
			if tt.old[0].drop {
				wantTurns = 0 // only a new day's snapshot
			}
			if turns != wantTurns {
				t.Errorf("OnDayTurned called %d times, want %d", turns, wantTurns)
			}
			if sinces, _ := oldHub.connections(); len(sinces) < 2 || (!tt.old[0].drop && sinces[1] != "") {
				t.Errorf("connections with since %q: after day_turned the board must ask for a snapshot", sinces)
			}
		})
	}
}

type followedScreen struct {
	screen *Screen
	w      fyne.Window
	mu     sync.Mutex
	called []string
	turns  int // OnDayTurned calls
}

func (f *followedScreen) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.called)
}

// followScreen shows a Screen fed by a Follower from a fake hub playing
// scripts, and waits until the board stands at seq.
func followScreen(t *testing.T, scripts []script, seq int64) (*followedScreen, *fakeHub) {
	t.Helper()
	msgs, err := assets.Messages("display", "de")
	if err != nil {
		t.Fatal(err)
	}
	now := t0.Add(3 * time.Minute)
	fs := &followedScreen{}
	fs.screen = NewScreen(ScreenOptions{Messages: msgs, Now: func() time.Time { return now }, OnCall: func(c Call) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.called = append(fs.called, c.Number)
	}, OnDayTurned: func() {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.turns++
	}})
	fs.w = test.NewTempWindow(t, fs.screen)
	fs.w.SetPadded(false)
	fs.w.Resize(fyne.NewSize(1920, 1080))

	hub := &fakeHub{t: t, scripts: scripts}
	srv := httptest.NewServer(hub)
	t.Cleanup(srv.Close)
	f := &Follower{Client: api.NewClient(srv.URL, "demo"), Office: "mitte", Sink: fs.screen,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, Log: quiet}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	stop := func() { cancel(); <-done }
	defer stop()
	waitFor(t, "the board to reach its seq", func() bool {
		sinces, _ := hub.connections()
		return fs.screen.Seq() == seq && len(sinces) == len(scripts)
	})
	// The test driver draws on the goroutine that asks (here the
	// follower's), and two boards drawing at once race in Fyne's caches:
	// one board follows at a time.
	stop()
	return fs, hub
}

// TestAnnouncerDrop: the display drops yesterday's pending announcements
// when the day turns (Screen's OnDayTurned).
func TestAnnouncerDrop(t *testing.T) {
	var a Announcer
	for _, n := range []string{"B007", "B008", "B009"} {
		a.Announce(Call{Number: n})
	}
	a.Drop()
	if n := a.Pending(); n != 0 {
		t.Fatalf("%d announcements pending after Drop", n)
	}
	a.Announce(Call{Number: "A001"})
	if n := a.Pending(); n != 1 {
		t.Fatalf("%d announcements pending, want today's one", n)
	}
}
