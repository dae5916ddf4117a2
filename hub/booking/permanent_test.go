package booking

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestPermanent(t *testing.T) {
	cause := errors.New("HTTP 404")
	tests := []struct {
		name      string
		err       error
		permanent bool
		cause     bool
	}{
		{"nil stays nil", Permanent(nil), false, false},
		{"plain error is transient", cause, false, true},
		{"wrapped", Permanent(cause), true, true},
		{"wrapped again with context", fmt.Errorf("report 7: %w", Permanent(cause)), true, true},
		{"other error", Permanent(io.EOF), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, ErrPermanent); got != tt.permanent {
				t.Errorf("errors.Is(ErrPermanent) = %v, want %v", got, tt.permanent)
			}
			if got := errors.Is(tt.err, cause); got != tt.cause {
				t.Errorf("errors.Is(cause) = %v, want %v", got, tt.cause)
			}
		})
	}
	if got := Permanent(cause).Error(); got != "HTTP 404" {
		t.Errorf("Error() = %q, want the cause's text", got)
	}
}
