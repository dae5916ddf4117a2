package office

import "testing"

// TestTakeSpendsTheBatchSignal: a batch handed over while the committer
// was busy leaves no signal behind once taken. Left, awaitDelivery would
// take it for more work and write a call's rows while the screens' writers
// still run.
func TestTakeSpendsTheBatchSignal(t *testing.T) {
	tests := []struct {
		name string
		puts int
	}{
		{"one batch", 1},
		{"two merged", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandoff(8)
			for range tt.puts {
				if !h.put(pendingBatch{size: 1}) {
					t.Fatal("put refused")
				}
			}
			p, ok := h.take()
			if !ok || p.size != tt.puts {
				t.Fatalf("took a batch of %d (%v); want %d", p.size, ok, tt.puts)
			}
			if n := len(h.ready); n != 0 {
				t.Fatalf("%d signal(s) left after the take; want none", n)
			}
		})
	}
}
