package api_test

import (
	"slices"
	"testing"

	"lotse/hub/api"
)

func TestMergeLines(t *testing.T) {
	anm := api.ServiceWait{Service: "anm", Name: "Anmeldung", Waiting: 3, WaitMinutes: 12}
	pass := api.ServiceWait{Service: "pass", Name: "Reisepass", Waiting: 1, WaitMinutes: 5}
	unknown := api.ServiceWait{Service: "unbekannt", Name: "Anliegen unbekannt", Waiting: 1, WaitMinutes: 4}
	board := []api.ServiceWait{anm, pass, unknown}
	anm2 := api.ServiceWait{Service: "anm", Name: "Anmeldung", Waiting: 2, WaitMinutes: 8}
	kfz := api.ServiceWait{Service: "kfz", Name: "Kfz", Waiting: 1, WaitMinutes: 20}
	gone := api.ServiceWait{Service: "unbekannt", Name: "Anliegen unbekannt", Hidden: true}
	for _, c := range []struct {
		name  string
		lines []api.ServiceWait
		want  []api.ServiceWait
	}{
		{"no lines: the board's stay", nil, board},
		{"a line replaces its service's only", []api.ServiceWait{anm2}, []api.ServiceWait{anm2, pass, unknown}},
		{"a new service's line goes at the end", []api.ServiceWait{kfz}, []api.ServiceWait{anm, pass, unknown, kfz}},
		{"a hidden line removes its service's", []api.ServiceWait{gone}, []api.ServiceWait{anm, pass}},
		{"a hidden line of a service not shown changes nothing", []api.ServiceWait{{Service: "x", Hidden: true}}, board},
		{"all lines (after a restart)", []api.ServiceWait{anm2, pass, gone}, []api.ServiceWait{anm2, pass}},
	} {
		before := slices.Clone(board)
		if got := api.MergeLines(board, c.lines); !slices.Equal(got, c.want) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
		if !slices.Equal(board, before) {
			t.Fatalf("%s: the board's own lines were changed", c.name)
		}
	}
}
