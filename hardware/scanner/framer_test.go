package scanner

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

func TestLineFramer(t *testing.T) {
	type chunk struct {
		data  string
		after time.Duration // since t0
	}
	ms := time.Millisecond
	tests := []struct {
		name    string
		framer  LineFramer
		chunks  []chunk
		flushAt time.Duration // 0: no flush
		want    []Frame
	}{
		{
			name:   "CR",
			chunks: []chunk{{"LOTSE:1:abc\r", 0}},
			want:   []Frame{{Code: "LOTSE:1:abc", Length: 11}},
		},
		{
			name:   "LF",
			chunks: []chunk{{"abc\n", 0}},
			want:   []Frame{{Code: "abc", Length: 3}},
		},
		{
			name:   "CRLF gives one code",
			chunks: []chunk{{"abc\r\ndef\r\n", 0}},
			want:   []Frame{{Code: "abc", Length: 3}, {Code: "def", Length: 3}},
		},
		{
			name:   "split across reads",
			chunks: []chunk{{"LOT", 0}, {"SE:9", 5 * ms}, {"\r\n", 9 * ms}},
			want:   []Frame{{Code: "LOTSE:9", Length: 7}},
		},
		{
			name:    "silence ends a code without suffix",
			framer:  LineFramer{Gap: 100 * ms},
			chunks:  []chunk{{"abc", 0}, {"def", 20 * ms}},
			flushAt: 150 * ms,
			want:    []Frame{{Code: "abcdef", Length: 6}},
		},
		{
			name:    "flush before the gap keeps waiting",
			framer:  LineFramer{Gap: 100 * ms},
			chunks:  []chunk{{"abc", 0}},
			flushAt: 50 * ms,
			want:    nil,
		},
		{
			name:   "gap between two codes",
			framer: LineFramer{Gap: 100 * ms},
			chunks: []chunk{{"first", 0}, {"second\r", 300 * ms}},
			want:   []Frame{{Code: "first", Length: 5}, {Code: "second", Length: 6}},
		},
		{
			name:   "no gap framing when Gap is zero",
			chunks: []chunk{{"first", 0}, {"second\r", 10 * time.Second}},
			want:   []Frame{{Code: "firstsecond", Length: 11}},
		},
		{
			name:   "AIM identifier stripped",
			chunks: []chunk{{"]Q1LOTSE:1:x\r]d2010\r]Q\r", 0}},
			want: []Frame{
				{Code: "LOTSE:1:x", Length: 12},
				{Code: "010", Length: 6},
				{Code: "]Q", Length: 2},
			},
		},
		{
			name:   "TAB ends a code, STX/ETX framing removed",
			chunks: []chunk{{"abc\t\x02def\x03\r\n", 0}},
			want:   []Frame{{Code: "abc", Length: 3}, {Code: "def", Length: 5}},
		},
		{
			name:   "vendor prefix stripped",
			framer: LineFramer{Affixes: Affixes{Prefixes: []string{"QR:", "SCAN "}}},
			chunks: []chunk{{"SCAN abc\rQR:def\rghi\r", 0}},
			want: []Frame{
				{Code: "abc", Length: 8},
				{Code: "def", Length: 6},
				{Code: "ghi", Length: 3},
			},
		},
		{
			name:   "prefix only is no code",
			chunks: []chunk{{"]Q1\r", 0}},
			want:   nil,
		},
		{
			name:   "control bytes dropped",
			chunks: []chunk{{"ab\x00c\r\x1b[Ax\rok\r", 0}},
			want: []Frame{
				{Dropped: "non-printable byte", Length: 4},
				{Dropped: "non-printable byte", Length: 4},
				{Code: "ok", Length: 2},
			},
		},
		{
			name:   "invalid UTF-8 dropped, valid kept",
			chunks: []chunk{{"\xff\xfe\rGrüße\r", 0}},
			want: []Frame{
				{Dropped: "invalid UTF-8", Length: 2},
				{Code: "Grüße", Length: 7},
			},
		},
		{
			name:   "overlong dropped, next code fine",
			framer: LineFramer{MaxLen: 8},
			chunks: []chunk{{"0123456789abc\rshort\r", 0}},
			want: []Frame{
				{Dropped: "too long", Length: 13},
				{Code: "short", Length: 5},
			},
		},
		{
			name:   "exactly max length accepted",
			framer: LineFramer{MaxLen: 4},
			chunks: []chunk{{"abcd\r", 0}},
			want:   []Frame{{Code: "abcd", Length: 4}},
		},
		{
			name:   "default limit is 2 KB",
			chunks: []chunk{{strings.Repeat("x", 2049) + "\r" + strings.Repeat("y", 2048) + "\r", 0}},
			want: []Frame{
				{Dropped: "too long", Length: 2049},
				{Code: strings.Repeat("y", 2048), Length: 2048},
			},
		},
		{
			name:   "empty lines ignored",
			chunks: []chunk{{"\r\n\r\n\n\r", 0}},
			want:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.framer
			var got []Frame
			for _, c := range tt.chunks {
				got = append(got, f.Feed([]byte(c.data), t0.Add(c.after))...)
			}
			if tt.flushAt > 0 {
				got = append(got, f.Flush(t0.Add(tt.flushAt))...)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("frames = %+v\nwant     %+v", got, tt.want)
			}
		})
	}
}

// FuzzLineFramer checks the framer's invariants on any input: it never
// panics, never returns a code with a line break, a control byte or more
// than MaxLen bytes, and never holds more than MaxLen bytes.
func FuzzLineFramer(f *testing.F) {
	f.Add([]byte("LOTSE:1:abc\r\n"), uint8(3), true)
	f.Add([]byte("]Q1abc\rdef"), uint8(0), true)
	f.Add([]byte("\x00\xff\r\n\r"), uint8(1), false)
	f.Add(bytes.Repeat([]byte("x"), 100), uint8(7), false)
	f.Fuzz(func(t *testing.T, data []byte, split uint8, aim bool) {
		const maxLen = 64
		fr := LineFramer{Gap: 100 * time.Millisecond, MaxLen: maxLen}
		if aim {
			fr.Affixes = Affixes{Prefixes: []string{"P:"}, Suffixes: []string{"#"}}
		}
		at := t0
		var frames []Frame
		step := int(split%16) + 1
		for len(data) > 0 {
			n := min(step, len(data))
			frames = append(frames, fr.Feed(data[:n], at)...)
			data = data[n:]
			at = at.Add(time.Duration(split) * time.Millisecond)
			if len(fr.buf) > maxLen {
				t.Fatalf("framer holds %d bytes, limit %d", len(fr.buf), maxLen)
			}
		}
		frames = append(frames, fr.Flush(at.Add(time.Second))...)
		for _, fm := range frames {
			if (fm.Code == "") == (fm.Dropped == "") {
				t.Fatalf("frame %+v must have exactly one of Code and Dropped", fm)
			}
			if len(fm.Code) > maxLen {
				t.Fatalf("code of %d bytes passed the limit", len(fm.Code))
			}
			if fm.Code != "" && checkCodeBytes([]byte(fm.Code)) != "" {
				t.Fatalf("code %q contains forbidden bytes", fm.Code)
			}
		}
	})
}
