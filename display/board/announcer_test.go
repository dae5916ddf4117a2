package board

import (
	"context"
	"fmt"
	"slices"
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

// failing is a Player whose device has gone away.
type failing struct{ calls int }

func (f *failing) Gong(context.Context) error { f.calls++; return fmt.Errorf("device gone") }
func (f *failing) Speak(context.Context, string, string) error {
	return fmt.Errorf("device gone")
}

func TestAnnouncerKeepsGoingAfterErrors(t *testing.T) {
	p := &failing{}
	a := &Announcer{Player: p, Voices: voices}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)
	for range 3 {
		a.Announce(Call{Number: "A001"})
	}
	waitFor(t, "three attempts", func() bool { return a.Pending() == 0 })
}

func TestSpokenNumber(t *testing.T) {
	tests := map[string]string{
		"A042": "A 42",
		"A000": "A 0",
		"AB12": "A B 12",
		"17":   "17",
		"X":    "X",
		"":     "",
	}
	for in, want := range tests {
		if got := SpokenNumber(in); got != want {
			t.Errorf("SpokenNumber(%q) = %q, want %q", in, got, want)
		}
	}
}
