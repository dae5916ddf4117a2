package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"lotse/hub/statistics"
)

func statHub(t *testing.T) *accessHub {
	t.Helper()
	clerks := []Clerk{
		{User: "chef", PasswordHash: accessHash(), Roles: []string{RoleSupervisor}, Offices: []string{accessMitte}},
		{User: "admin", PasswordHash: accessHash(), Roles: []string{RoleAdmin}},
		{User: "clerk1", PasswordHash: accessHash(), Roles: []string{RoleClerk, RoleDesk}},
		{User: "chefnord", PasswordHash: accessHash(), Roles: []string{RoleSupervisor}, Offices: []string{accessNord}},
	}
	h := newAccessHub(t, clerks, []Device{{Name: "kiosk", Token: "kiosk", Role: RoleKiosk}}, Limits{})
	var wait statistics.Histogram
	wait[3], wait[12] = 4, 1
	cells := []statistics.Cell{
		{Office: accessMitte, Day: "2026-03-02", Hour: 8, Service: "meldebescheinigung", Booked: 12, CheckedIn: 9, NoShows: 3, WalkIns: 2},
		{Office: accessMitte, Day: "2026-03-02", Hour: 8, Service: "meldebescheinigung", Counter: "schalter-1", Called: 5, Served: 5,
			ServiceSeconds: 1500, WaitHistogram: wait, Recalls: 1},
		// Keys that a spreadsheet would take for formulas: an id
		// another configuration once had.
		{Office: accessMitte, Day: "2026-03-03", Hour: 9, Service: "=HYPERLINK(\"http://x\";\"y\")", Counter: "@SUM(1)", Served: 1, ServiceSeconds: 60},
		{Office: accessMitte, Day: "2026-03-03", Hour: 10, Service: "-1+2", Counter: "+cmd", Missed: 1},
		{Office: accessNord, Day: "2026-03-02", Hour: 8, Service: "x", Booked: 1000},
	}
	if err := h.db.AddStatCells(context.Background(), cells); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestStatisticsAccess: supervisors and admins of the office only; a
// clerk without the role gets 403 with the API's error, a device 401.
func TestStatisticsAccess(t *testing.T) {
	h := statHub(t)
	base := "/api/v1/offices/" + accessMitte + "/statistics"
	for _, ext := range []string{"", ".csv", ".xlsx"} {
		for _, tc := range []struct {
			name string
			as   who
			want int
			code string
		}{
			{"supervisor of the office", basic("chef", "demo"), 200, ""},
			{"admin of every office", basic("admin", "demo"), 200, ""},
			{"clerk without the role", basic("clerk1", "demo"), 403, "forbidden"},
			{"supervisor of another office", basic("chefnord", "demo"), 403, "forbidden"},
			{"kiosk token", bearer("kiosk"), 401, "unauthorized"},
			{"nobody", nil, 401, "unauthorized"},
		} {
			a := h.do("GET", base+ext+"?from=2026-03-01&to=2026-03-31", tc.as, nil)
			if a.Status != tc.want || a.Error.Code != tc.code {
				t.Errorf("%s%s: %d %q, want %d %q", tc.name, ext, a.Status, a.Error.Code, tc.want, tc.code)
			}
		}
	}
}

func TestStatisticsParameters(t *testing.T) {
	h := statHub(t)
	base := "/api/v1/offices/" + accessMitte + "/statistics"
	for _, tc := range []struct {
		name, query string
		want        int
		from, to    string
	}{
		{"defaults: the last 30 days", "", 200, "2026-02-17", "2026-03-18"},
		{"to only", "?to=2026-03-10", 200, "2026-02-09", "2026-03-10"},
		{"a day", "?from=2026-03-02&to=2026-03-02&by=hour", 200, "2026-03-02", "2026-03-02"},
		{"from after to", "?from=2026-03-03&to=2026-03-02", 400, "", ""},
		{"more than 400 days", "?from=2025-01-01&to=2026-03-01", 400, "", ""},
		{"not a day", "?from=2026-02-30&to=2026-03-01", 400, "", ""},
		{"unknown grouping", "?by=year", 400, "", ""},
	} {
		a := h.do("GET", base+tc.query, basic("chef", "demo"), nil)
		if a.Status != tc.want {
			t.Errorf("%s: %d %s", tc.name, a.Status, a.Body)
			continue
		}
		if tc.want != 200 {
			if a.Error.Code != "bad_request" {
				t.Errorf("%s: error %+v, want bad_request", tc.name, a.Error)
			}
			continue
		}
		var r statistics.Report
		if err := json.Unmarshal(a.Body, &r); err != nil || r.From != tc.from || r.To != tc.to || r.Office != accessMitte {
			t.Errorf("%s: %s … %s of %s, %v", tc.name, r.From, r.To, r.Office, err)
		}
	}
	// Before today: today's bookings of the demo backend count too.
	a := h.do("GET", base+"?from=2026-03-01&to=2026-03-10&by=service", basic("chef", "demo"), nil)
	var r statistics.Report
	if err := json.Unmarshal(a.Body, &r); err != nil {
		t.Fatal(err)
	}
	tot := r.Totals
	if tot.Booked != 12 || tot.CheckedIn != 9 || tot.NoShows != 3 || tot.NoShowRate != 0.25 || tot.Served != 6 || tot.Missed != 1 ||
		tot.WalkIns != 2 || tot.Recalls != 1 || tot.WaitMedianMinutes != 3.625 {
		t.Errorf("totals of the office (another office's cells left out): %+v", tot)
	}
	if len(r.WaitHistogram) == 0 || r.WaitHistogram[0].Count != 4 || r.WaitHistogram[2].Count != 1 {
		t.Errorf("wait histogram %+v", r.WaitHistogram)
	}
}

// dangerous reports a text that a spreadsheet would run.
func dangerous(s string) bool {
	return s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0]))
}

// TestStatisticsExportsNeutraliseFormulas: no cell of either export
// begins with = + - @ TAB or CR, and the XLSX has no formula at all.
func TestStatisticsExportsNeutraliseFormulas(t *testing.T) {
	h := statHub(t)
	base := "/api/v1/offices/" + accessMitte + "/statistics"
	for _, by := range []string{"service", "counter"} {
		a := h.do("GET", base+".csv?from=2026-03-01&to=2026-03-31&by="+by, basic("chef", "demo"), nil)
		if a.Status != 200 || !strings.HasPrefix(a.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d %s", a.Status, a.Header.Get("Content-Type"))
		}
		records, err := csv.NewReader(bytes.NewReader(a.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, rec := range records {
			for _, v := range rec {
				if dangerous(v) {
					t.Errorf("csv by %s: cell %q", by, v)
				}
				found = found || strings.HasPrefix(v, "'=HYPERLINK") || strings.HasPrefix(v, "'@SUM")
			}
		}
		if !found {
			t.Errorf("csv by %s: the neutralised key is missing:\n%s", by, a.Body)
		}

		a = h.do("GET", base+".xlsx?from=2026-03-01&to=2026-03-31&by="+by, basic("chef", "demo"), nil)
		if a.Status != 200 {
			t.Fatalf("xlsx: %d %s", a.Status, a.Body)
		}
		f, err := excelize.OpenReader(bytes.NewReader(a.Body))
		if err != nil {
			t.Fatal(err)
		}
		sheets := f.GetSheetList()
		if strings.Join(sheets, ",") != "Übersicht,Tagesprofil,Wartezeiten,Empfehlungen,Ergebnisse" {
			t.Errorf("sheets %v", sheets)
		}
		found = false
		for _, sh := range sheets {
			rows, err := f.GetRows(sh)
			if err != nil {
				t.Fatal(err)
			}
			for r, row := range rows {
				for c, v := range row {
					cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
					if formula, _ := f.GetCellFormula(sh, cell); formula != "" || dangerous(v) {
						t.Errorf("xlsx by %s: %s!%s = %q (formula %q)", by, sh, cell, v, formula)
					}
					found = found || strings.HasPrefix(v, "'=HYPERLINK") || strings.HasPrefix(v, "'@SUM")
				}
			}
		}
		if !found {
			t.Errorf("xlsx by %s: the neutralised key is missing", by)
		}
		// Shares are numbers shown as percent, not text.
		if id, err := f.GetCellStyle("Übersicht", "F2"); err != nil || id == 0 {
			t.Errorf("xlsx by %s: no-show rate without a style: %d %v", by, id, err)
		} else if st, err := f.GetStyle(id); err != nil || st.CustomNumFmt == nil || *st.CustomNumFmt != "0.0%" {
			t.Errorf("xlsx by %s: no-show rate style %+v %v", by, st, err)
		}
		if typ, _ := f.GetCellType("Übersicht", "F2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("xlsx by %s: no-show rate is text", by)
		}
		f.Close()
	}
}
