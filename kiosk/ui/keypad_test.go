package ui

import "testing"

// TestKeypad checks the digit entry that the birth-date and the PIN pad
// share: it stops at max digits, a new digit answers the problem, and a
// correction leaves the problem to the caller.
func TestKeypad(t *testing.T) {
	for _, tc := range []struct {
		name        string
		start       keypad
		keys        string // digits pressed; '<' is backspace, 'C' reset
		wantDigits  string
		wantProblem string
	}{
		{"digits", keypad{max: 8}, "1503", "1503", ""},
		{"stops at max", keypad{max: 4}, "123456", "1234", ""},
		{"backspace", keypad{max: 8}, "15<0", "10", ""},
		{"backspace on empty", keypad{max: 8}, "<<1", "1", ""},
		{"digit answers the problem", keypad{max: 8, problem: "birth_invalid"}, "1", "1", ""},
		{"full pad keeps the problem", keypad{max: 2, digits: "12", problem: "birth_invalid"}, "3", "12", "birth_invalid"},
		{"backspace keeps the problem", keypad{max: 8, digits: "12", problem: "staff_wrong"}, "<", "1", "staff_wrong"},
		{"reset", keypad{max: 8, digits: "12", problem: "staff_wrong"}, "C", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.start
			for _, r := range tc.keys {
				switch r {
				case '<':
					p.backspace()
				case 'C':
					p.reset()
				default:
					p.press(r)
				}
			}
			if p.digits != tc.wantDigits || p.problem != tc.wantProblem {
				t.Errorf("digits %q, problem %q; want %q, %q", p.digits, p.problem, tc.wantDigits, tc.wantProblem)
			}
			if p.max != tc.start.max {
				t.Errorf("max changed to %d", p.max)
			}
		})
	}
}
