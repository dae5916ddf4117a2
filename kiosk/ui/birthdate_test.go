package ui

import (
	"testing"
	"time"
)

// TestReadBirthKeys checks how typed keys are read and shown as a date:
// day and month of one or two digits, closed by the dot or by a digit that
// cannot extend them, a four-digit year, and the reading that leads to a
// plausible date when the digits alone are ambiguous ("2811947" is
// 28.1.1947: no one was born in the year 947).
func TestReadBirthKeys(t *testing.T) {
	today := time.Date(2025, 11, 21, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		keys    string
		shown   string
		date    string
		problem birthDateProblem
	}{
		{"", "TT.MM.JJJJ", "", birthIncomplete},
		{"2", "2T.MM.JJJJ", "", birthIncomplete},
		{"4", "04.MM.JJJJ", "", birthIncomplete},
		{"2.", "02.MM.JJJJ", "", birthIncomplete},
		{"28", "28.MM.JJJJ", "", birthIncomplete},
		{"281", "28.1M.JJJJ", "", birthIncomplete},
		{"2811", "28.11.JJJJ", "", birthIncomplete},
		{"28119", "28.01.19JJ", "", birthIncomplete},
		{"2811947", "28.01.1947", "1947-01-28", birthOK},
		{"28111947", "28.11.1947", "1947-11-28", birthOK},
		{"28.1.1947", "28.01.1947", "1947-01-28", birthOK},
		{"281.1947", "28.01.1947", "1947-01-28", birthOK},
		{"2.8.1947", "02.08.1947", "1947-08-02", birthOK},
		{"281947", "02.08.1947", "1947-08-02", birthOK},
		{"111947", "01.01.1947", "1947-01-01", birthOK},
		{"1119", "01.01.19JJ", "", birthIncomplete},
		{"1121947", "11.02.1947", "1947-02-11", birthOK},
		{"35", "03.05.JJJJ", "", birthIncomplete},
		{"2812001", "28.01.2001", "2001-01-28", birthOK},
		{"28122001", "28.12.2001", "2001-12-28", birthOK},
		{"28.1.47", "28.01.47JJ", "", birthIncomplete},
		{"15.3.50", "15.03.50JJ", "", birthIncomplete},
		{"15350", "15.03.50JJ", "", birthIncomplete},
		{"31022000", "31.02.2000", "", birthNoSuchDate},
		{"01012099", "01.01.2099", "", birthInFuture},
		{"01011850", "01.01.1850", "", birthTooOld},
	}
	for _, tt := range tests {
		f, ok := readBirthKeys(tt.keys, today)
		if !ok {
			t.Errorf("%q: not readable", tt.keys)
			continue
		}
		typed, hint := formatBirthFields(f, "TT.MM.JJJJ")
		if typed+hint != tt.shown {
			t.Errorf("%q shown as %q, want %q", tt.keys, typed+hint, tt.shown)
		}
		date, problem := "", birthIncomplete
		if f.complete() {
			date, problem = parseBirthDate(f.digits(), today)
		}
		if date != tt.date || problem != tt.problem {
			t.Errorf("%q = %q, %q; want %q, %q", tt.keys, date, problem, tt.date, tt.problem)
		}
	}
	for _, keys := range []string{"123456789", "1.2.3.", "."} {
		if _, ok := readBirthKeys(keys, today); ok {
			t.Errorf("%q read as a date", keys)
		}
	}
}
