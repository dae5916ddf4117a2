package board

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a Player that records what it plays, and can hold the gong
// until the test lets it go, to prove that nothing cuts in.
type recorder struct {
	mu     sync.Mutex
	played []string
	hold   chan struct{} // nil: never hold
}

func (r *recorder) Gong(ctx context.Context) error {
	r.add("gong")
	if r.hold != nil {
		select {
		case <-r.hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.add("gong end")
	return nil
}

func (r *recorder) Speak(_ context.Context, text, lang string) error {
	r.add(lang + ": " + text)
	return nil
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.played = append(r.played, s)
	r.mu.Unlock()
}

func (r *recorder) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.played)
}

// waitFor polls until cond holds; the deadline is generous for busy CI.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var voices = []Voice{
	{Lang: "de", Template: "Nummer {number}, bitte zu {counter}."},
	{Lang: "en", Template: "Number {number}, please go to {counter}."},
}

func TestAnnouncerQueue(t *testing.T) {
	a42 := Call{Ticket: "t1", Number: "A042", CounterName: "Schalter 5"}
	b7 := Call{Ticket: "t2", Number: "B007", CounterName: "Platz 2"}
	tests := []struct {
		name   string
		voices []Voice
		calls  []Call
		want   []string
	}{
		{
			name:   "one call, two languages",
			voices: voices,
			calls:  []Call{a42},
			want:   []string{"gong", "gong end", "de: Nummer A 42, bitte zu Schalter 5.", "en: Number A 42, please go to Schalter 5."},
		},
		{
			name:   "calls in order, each complete",
			voices: voices[:1],
			calls:  []Call{a42, b7},
			want:   []string{"gong", "gong end", "de: Nummer A 42, bitte zu Schalter 5.", "gong", "gong end", "de: Nummer B 7, bitte zu Platz 2."},
		},
		{
			name:   "recall is announced again",
			voices: voices[:1],
			calls:  []Call{a42, b7, {Ticket: "t1", Number: "A042", CounterName: "Schalter 5", Recall: true}},
			want: []string{"gong", "gong end", "de: Nummer A 42, bitte zu Schalter 5.", "gong", "gong end", "de: Nummer B 7, bitte zu Platz 2.",
				"gong", "gong end", "de: Nummer A 42, bitte zu Schalter 5."},
		},
		{
			name:  "gong only without voices",
			calls: []Call{a42},
			want:  []string{"gong", "gong end"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{hold: make(chan struct{})}
			a := &Announcer{Player: rec, Voices: tt.voices}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan struct{})
			go func() { a.Run(ctx); close(done) }()

			// The first gong holds while the other calls arrive: none of
			// them may start before the first announcement has ended.
			for _, c := range tt.calls {
				a.Announce(c)
			}
			waitFor(t, "the first gong", func() bool { return len(rec.snapshot()) > 0 })
			time.Sleep(20 * time.Millisecond)
			if got := rec.snapshot(); !slices.Equal(got, []string{"gong"}) {
				t.Fatalf("while the first gong plays: %q", got)
			}
			close(rec.hold)
			waitFor(t, "all announcements", func() bool { return len(rec.snapshot()) >= len(tt.want) })
			cancel()
			<-done
			if got := rec.snapshot(); !slices.Equal(got, tt.want) {
				t.Fatalf("played\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// failing is a Player whose device has gone away: it records every attempt
// and fails each.
type failing struct{ recorder }

func (f *failing) Gong(context.Context) error {
	f.add("gong")
	return fmt.Errorf("device gone")
}

func (f *failing) Speak(_ context.Context, text, lang string) error {
	f.add(lang + ": " + text)
	return fmt.Errorf("device gone")
}

// TestAnnouncerKeepsGoingAfterErrors: a failing gong does not silence the
// speech, a failing call does not stop the next one, and the failure is
// logged once, not per call.
func TestAnnouncerKeepsGoingAfterErrors(t *testing.T) {
	p := &failing{}
	var logged strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logged}, nil))
	a := &Announcer{Player: p, Voices: voices, Log: log}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	var want []string
	for _, n := range []string{"A001", "A002", "A003"} {
		a.Announce(Call{Number: n, CounterName: "Schalter 1"})
		spoken := SpokenNumber(n)
		want = append(want, "gong", "de: Nummer "+spoken+", bitte zu Schalter 1.", "en: Number "+spoken+", please go to Schalter 1.")
	}
	waitFor(t, "every attempt", func() bool { return len(p.snapshot()) >= len(want) })
	cancel()
	<-done
	if got := p.snapshot(); !slices.Equal(got, want) {
		t.Fatalf("the player was asked for\n%q\nwant\n%q", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(logged.String(), "announcement failed"); n != 1 {
		t.Fatalf("logged the failure %d times, want once:\n%s", n, logged.String())
	}
}

// lockedWriter lets the announcer's goroutine log while the test reads.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
