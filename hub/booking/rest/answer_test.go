package rest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestDayAnswerReadsLikeDay: the client's own decode reads every answer
// as encoding/json reads it into the protocol's Day, counts and their
// absence, names in other case, names twice, invalid UTF-8 and what
// follows the answer included.
func TestDayAnswerReadsLikeDay(t *testing.T) {
	tests := []struct{ name, body string }{
		{"full", `{"office":"mitte","day":"2026-03-10","appointments":[{"id":"A-1","start":"2026-03-10T09:00:00+01:00","minutes":15,
			"services":[{"id":"AN-01","count":2}],"secret":"k3x9","birthDate":"1980-01-02","name":"Erika Mustermann","cancelled":false}]}`},
		{"count omitted", `{"appointments":[{"id":"A","start":"2026-03-10T09:00:00Z","services":[{"id":"x"}]}]}`},
		{"count zero", `{"appointments":[{"id":"A","start":"2026-03-10T09:00:00Z","services":[{"id":"x","count":0}]}]}`},
		{"count null", `{"appointments":[{"id":"A","start":"2026-03-10T09:00:00Z","services":[{"id":"x","count":null}]}]}`},
		{"count negative", `{"appointments":[{"id":"A","start":"2026-03-10T09:00:00Z","services":[{"id":"x","count":-4},{"id":"y"}]}]}`},
		{"no services", `{"appointments":[{"id":"A","start":"2026-03-10T09:00:00Z"}]}`},
		{"empty services", `{"appointments":[{"id":"A","start":"2026-03-10T09:00:00Z","services":[]}]}`},
		{"services null", `{"appointments":[{"id":"A","start":"2026-03-10T09:00:00Z","services":null}]}`},
		{"keys in other case", `{"Appointments":[{"ID":"A","Start":"2026-03-10T09:00:00Z","Services":[{"ID":"x","COUNT":3}],"BIRTHDATE":"1980-01-02","Cancelled":true}]}`},
		{"unknown fields", `{"x":1,"appointments":[{"id":"A","start":"2026-03-10T09:00:00Z","extra":{"a":[1]},"services":[{"id":"x","more":true}]}]}`},
		{"empty day", `{"office":"mitte","day":"2026-03-10","appointments":[]}`},
		{"no list", `{"office":"mitte","day":"2026-03-10"}`},
		{"list null", `{"appointments":null}`},
		{"name twice", `{"day":"2026-03-09","day":"2026-03-10","appointments":[{"id":"A","id":"B","start":"2026-03-10T09:00:00Z","name":"x","name":"y"}]}`},
		{"invalid UTF-8", "{\"appointments\":[{\"id\":\"A\xff\",\"start\":\"2026-03-10T09:00:00Z\",\"name\":\"M\xfcller\"}]}"},
		{"escapes", `{"appointments":[{"id":"A\u00e4\n","start":"2026-03-10T09:00:00Z","name":"\ud83d\ude00 \u202e"}]}`},
		{"fractional seconds and offset", `{"appointments":[{"id":"A","start":"2026-03-10T09:00:00.123456789-05:30"}]}`},
		{"something after the answer", `{"appointments":[]} trailing`},
		{"two answers", `{"day":"2026-03-10","appointments":[]}{"day":"x"}`},
		{"minutes as text", `{"appointments":[{"id":"A","start":"2026-03-10T09:00:00Z","minutes":"15"}]}`},
		{"count as fraction", `{"appointments":[{"id":"A","start":"2026-03-10T09:00:00Z","services":[{"id":"x","count":1.5}]}]}`},
		{"not a time", `{"appointments":[{"id":"A","start":"tomorrow"}]}`},
		{"not an object", `[1,2]`},
		{"cut off", `{"appointments":[{"id":"A","start":"2026-03-10T09:00:00Z"`},
		{"empty", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want Day
			wantErr := json.NewDecoder(strings.NewReader(tt.body)).Decode(&want)
			got, gotErr := decodeDay(strings.NewReader(tt.body))
			if (wantErr == nil) != (gotErr == nil) {
				t.Fatalf("errors differ: Day %v, dayAnswer %v", wantErr, gotErr)
			}
			if wantErr != nil { // the client refuses the answer: what was read does not matter
				return
			}
			if got.Day != want.Day || (got.Appointments == nil) != (want.Appointments == nil) {
				t.Fatalf("day %q list %v, want %q list %v", got.Day, got.Appointments != nil, want.Day, want.Appointments != nil)
			}
			if want.Appointments == nil {
				return
			}
			read := make([]Appointment, 0, len(*got.Appointments))
			for _, a := range *got.Appointments {
				read = append(read, a.wire())
			}
			if !reflect.DeepEqual(read, *want.Appointments) {
				t.Errorf("read\n %+v\nwant\n %+v", read, *want.Appointments)
			}
		})
	}
}
