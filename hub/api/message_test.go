package api

import "testing"

func TestDecodeMessage(t *testing.T) {
	tests := []struct {
		in      string
		kind    string
		seq     int64
		wantErr bool
	}{
		{`{"type":"snapshot","seq":7,"tickets":[]}`, "snapshot", 7, false},
		{`{"type":"called","seq":8,"ticket":{"id":"x","number":"A001"}}`, "event", 8, false},
		{`{"type":"ping","seq":8}`, "ping", 0, false},
		{`not json`, "", 0, true},
		{`{"type":"called","seq":"eight"}`, "", 0, true},
	}
	for _, tt := range tests {
		m, err := DecodeMessage([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Fatalf("%s: err = %v", tt.in, err)
		}
		if err != nil {
			continue
		}
		kind := map[bool]string{true: "snapshot"}[m.Snapshot != nil] + map[bool]string{true: "event"}[m.Event != nil] + map[bool]string{true: "ping"}[m.Ping != nil]
		if kind != tt.kind || m.Seq() != tt.seq {
			t.Fatalf("%s: kind %s seq %d", tt.in, kind, m.Seq())
		}
	}
}

// FuzzDecodeMessage: whatever arrives on the stream, the apps must not
// crash, and exactly one kind is set on success.
func FuzzDecodeMessage(f *testing.F) {
	for _, s := range []string{`{"type":"snapshot","seq":1}`, `{"type":"ping"}`, `{"type":"called","seq":2,"ticket":{}}`, `{}`, `[]`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeMessage(data)
		if err != nil {
			return
		}
		n := 0
		for _, set := range []bool{m.Snapshot != nil, m.Event != nil, m.Ping != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d kinds set for %q", n, data)
		}
	})
}
