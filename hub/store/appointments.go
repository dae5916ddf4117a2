package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"lotse/hub/queue"
)

// apptRows is how many appointments one statement of an import writes.
// The morning import of a big day is tens of thousands of rows in one
// transaction; a row per statement spent most of its time in database/sql
// and cgo around each step, not in SQLite. 64 rows of 11 values stay far
// below SQLite's limit of bound variables.
const apptRows = 64

// upsertApptRows is upsertAppt for apptRows rows at once. It is built from
// upsertAppt, so that both write the same columns the same way; a later
// row with the id of an earlier one updates it, as in separate statements.
var upsertApptRows = func() string {
	const row = "(?,?,?,?,?,?,?,?,?,?,?)"
	if strings.Count(upsertAppt, row) != 1 {
		panic("store: upsertAppt no longer has one row of values")
	}
	return strings.Replace(upsertAppt, row, strings.Repeat(row+",", apptRows-1)+row, 1)
}()

// The writer prepares the many-row statement along with the others.
func init() { writeQueries = append(writeQueries, upsertApptRows) }

// writeAppointments writes the appointments the sync changed, apptRows
// at a time, the rest row by row.
func writeAppointments(ctx context.Context, s *stmts, office, day string, list []queue.Appointment) error {
	if len(list) == 0 {
		return nil
	}
	var args []any
	if len(list) >= apptRows {
		st, err := s.bind(ctx, upsertApptRows)
		if err != nil {
			return err
		}
		args = make([]any, 0, 11*apptRows)
		for ; len(list) >= apptRows; list = list[apptRows:] {
			args = args[:0]
			for _, a := range list[:apptRows] {
				args = appendApptArgs(args, office, day, a)
			}
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("appointments %s…: %w", list[0].ID, err)
			}
		}
	}
	if len(list) == 0 {
		return nil
	}
	st, err := s.bind(ctx, upsertAppt)
	if err != nil {
		return err
	}
	for _, a := range list {
		args = appendApptArgs(args[:0], office, day, a)
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("appointment %s: %w", a.ID, err)
		}
	}
	return nil
}

// appendApptArgs appends the values of one row of upsertAppt.
func appendApptArgs(args []any, office, day string, a queue.Appointment) []any {
	return append(args, office, a.ID, day, nanos(a.Start), int64(a.Duration), servicesJSON(a.Services),
		a.Secret, a.BirthHash, a.Name, boolInt(a.Cancelled), boolInt(a.NoShow))
}

// servicesJSON is json.Marshal of the services, byte for byte, without
// reflection for the usual ids that need no escaping.
func servicesJSON(services []queue.ServiceCount) string {
	b := make([]byte, 0, 40*len(services)+2)
	b = append(b, '[')
	for i, sc := range services {
		if !plainJSON(sc.Service) {
			out, _ := json.Marshal(services) // cannot fail: strings and ints
			return string(out)
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Service":"`...)
		b = append(b, sc.Service...)
		b = append(b, `","Count":`...)
		b = strconv.AppendInt(b, int64(sc.Count), 10)
		b = append(b, '}')
	}
	if services == nil {
		return "null"
	}
	return string(append(b, ']'))
}

// plainJSON reports whether s is printable ASCII that encoding/json
// writes unchanged inside quotes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
