package scanner

import (
	"reflect"
	"testing"
	"time"
)

// typeKeys turns text into key events spaced by gap; '\n' is Enter.
func typeKeys(start time.Time, text string, gap time.Duration) []KeyEvent {
	var evs []KeyEvent
	at := start
	for _, r := range text {
		evs = append(evs, KeyEvent{Rune: r, Enter: r == '\n', At: at})
		at = at.Add(gap)
	}
	return evs
}

func TestWedgeDetector(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name      string
		events    []KeyEvent
		wantCodes []string
		wantTyped string
	}{
		{
			name:      "scanner burst",
			events:    typeKeys(t0, "LOTSE:42:secret\n", 4*ms),
			wantCodes: []string{"LOTSE:42:secret"},
		},
		{
			name:      "slow scanner still a scan",
			events:    typeKeys(t0, "LOTSE:42:secret\n", 20*ms),
			wantCodes: []string{"LOTSE:42:secret"},
		},
		{
			name:      "person typing",
			events:    typeKeys(t0, "14031980\n", 150*ms),
			wantTyped: "14031980\n",
		},
		{
			name:      "fast typist below the mean",
			events:    typeKeys(t0, "hello world\n", 40*ms),
			wantTyped: "hello world\n",
		},
		{
			name:      "short fast burst is typing",
			events:    typeKeys(t0, "ab\n", 2*ms),
			wantTyped: "ab\n",
		},
		{
			name:      "burst without Enter is a scan (TAB or no suffix)",
			events:    typeKeys(t0, "abcdefgh", 2*ms),
			wantCodes: []string{"abcdefgh"},
		},
		{
			name:      "short burst without Enter is typing",
			events:    typeKeys(t0, "abcde", 2*ms),
			wantTyped: "abcde",
		},
		{
			name:      "slow burst without Enter is typing",
			events:    typeKeys(t0, "14031980", 60*ms),
			wantTyped: "14031980",
		},
		{
			name: "burst without Enter ended by a late key",
			events: append(typeKeys(t0, "LOTSE:7:k", 3*ms),
				typeKeys(t0.Add(time.Second), "1", 0)...),
			wantCodes: []string{"LOTSE:7:k"},
			wantTyped: "1",
		},
		{
			name: "typing then a scan",
			events: append(typeKeys(t0, "12", 200*ms),
				typeKeys(t0.Add(time.Second), "LOTSE:7:k\n", 3*ms)...),
			wantCodes: []string{"LOTSE:7:k"},
			wantTyped: "12",
		},
		{
			name: "a pause inside a burst splits it",
			events: append(typeKeys(t0, "LOTSE", 3*ms),
				typeKeys(t0.Add(time.Second), ":7:k\n", 3*ms)...),
			wantTyped: "LOTSE:7:k\n",
		},
		{
			name: "same code twice within 2 s is one scan",
			events: append(typeKeys(t0, "LOTSE:7:k\n", 3*ms),
				typeKeys(t0.Add(time.Second), "LOTSE:7:k\n", 3*ms)...),
			wantCodes: []string{"LOTSE:7:k"},
		},
		{
			name: "same code after the window is a new scan",
			events: append(typeKeys(t0, "LOTSE:7:k\n", 3*ms),
				typeKeys(t0.Add(5*time.Second), "LOTSE:7:k\n", 3*ms)...),
			wantCodes: []string{"LOTSE:7:k", "LOTSE:7:k"},
		},
		{
			name:      "Enter alone is typing",
			events:    typeKeys(t0, "\n", 0),
			wantTyped: "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d WedgeDetector
			var codes []string
			var typed []rune
			collect := func(r WedgeResult) {
				if r.Code != "" {
					codes = append(codes, r.Code)
				}
				typed = append(typed, r.Typed...)
			}
			var last time.Time
			for _, ev := range tt.events {
				collect(d.Tick(ev.At))
				collect(d.Key(ev))
				last = ev.At
			}
			collect(d.Tick(last.Add(time.Second)))
			if !reflect.DeepEqual(codes, tt.wantCodes) {
				t.Errorf("codes = %q, want %q", codes, tt.wantCodes)
			}
			if string(typed) != tt.wantTyped {
				t.Errorf("typed = %q, want %q", string(typed), tt.wantTyped)
			}
		})
	}
}

func TestWedgeDetectorDropsOverlong(t *testing.T) {
	d := WedgeDetector{MaxLength: 10}
	var res WedgeResult
	for _, ev := range typeKeys(t0, "0123456789abcdef\n", time.Millisecond) {
		if r := d.Key(ev); r.Dropped != "" || r.Code != "" || len(r.Typed) > 0 {
			res = r
		}
	}
	if res.Dropped != "too long" || res.Length != 16 || res.Code != "" {
		t.Errorf("result = %+v, want a dropped burst of 16", res)
	}
}

// FuzzWedgeDetector feeds arbitrary key sequences with arbitrary gaps. The
// detector must never panic, and every key must come out exactly once: as
// part of a code, as typing, or in a dropped burst.
func FuzzWedgeDetector(f *testing.F) {
	f.Add("LOTSE:1:abc\n", []byte{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3})
	f.Add("19800314\n", []byte{150, 120, 200})
	f.Add("ab\ncd\n\n", []byte{0, 255, 1})
	f.Fuzz(func(t *testing.T, text string, gaps []byte) {
		d := WedgeDetector{MaxLength: 32, Dedupe: &Deduper{Window: time.Nanosecond}}
		at := t0
		keys, out := 0, 0
		count := func(r WedgeResult) {
			// A code may be shorter than its keys: Payload strips
			// identifiers and blanks, and its Enter is not counted.
			out += len([]rune(r.Code)) + len(r.Typed) + r.Length
		}
		for i, r := range []rune(text) {
			if !isTypable(r) && r != '\n' {
				continue
			}
			keys++
			if len(gaps) > 0 {
				at = at.Add(time.Duration(gaps[i%len(gaps)]) * time.Millisecond)
			}
			count(d.Key(KeyEvent{Rune: r, Enter: r == '\n', At: at}))
		}
		count(d.Tick(at.Add(time.Hour)))
		// A dropped burst ended by Enter counts that Enter in neither list.
		if out > keys {
			t.Fatalf("%d keys in, %d out", keys, out)
		}
	})
}

func TestDeduper(t *testing.T) {
	var d Deduper
	steps := []struct {
		code  string
		after time.Duration
		want  bool
	}{
		{"a", 0, true},
		{"a", time.Second, false},
		{"b", time.Second, true},
		{"a", 2500 * time.Millisecond, false}, // window restarts at each sighting
		{"a", 5 * time.Second, true},
		{"b", 5 * time.Second, true},
	}
	for i, s := range steps {
		if got := d.Fresh(s.code, t0.Add(s.after)); got != s.want {
			t.Errorf("step %d: Fresh(%q, +%v) = %v, want %v", i, s.code, s.after, got, s.want)
		}
	}
}
