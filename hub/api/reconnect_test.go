package api

import (
	"slices"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name     string
		min, max time.Duration
		// steps: "n" asks for the next wait, "r" resets.
		steps string
		want  []time.Duration
	}{
		{"defaults double up to the cap", 0, 0, "nnnnn", []time.Duration{500 * ms, time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second}},
		{"a message starts again at the bottom", 0, 0, "nnnrn", []time.Duration{500 * ms, time.Second, 2 * time.Second, 500 * ms}},
		{"shortened for tests", 10 * ms, 40 * ms, "nnnn", []time.Duration{10 * ms, 20 * ms, 40 * ms, 40 * ms}},
		{"a cap below the bottom is the default cap", 10 * ms, 0, "nnnnnnnnn", []time.Duration{10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms, 320 * ms, 640 * ms, 1280 * ms, 2 * time.Second}},
		{"a bottom above the default cap", 3 * time.Second, 0, "nn", []time.Duration{3 * time.Second, 3 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Backoff{Min: tt.min, Max: tt.max}
			var got []time.Duration
			for _, s := range tt.steps {
				if s == 'r' {
					b.Reset()
					continue
				}
				got = append(got, b.Next())
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("waits %v, want %v", got, tt.want)
			}
		})
	}
}
