package statistics

// Neutralise keeps a spreadsheet from reading a text cell as a formula
// (CSV/formula injection, OWASP): a cell that begins with = + - @, a tab
// or a carriage return gets a leading apostrophe, which spreadsheets
// show as text. A service or counter name comes from the configuration,
// but a file a manager opens must not run what somebody typed there.
func Neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Table is one table of the statistics page, for the exports: a header
// and rows of strings, ints and float64s.
type Table struct {
	Name   string
	Header []string
	Rows   [][]any
	// Formats are the spreadsheet number formats of the columns ("" for
	// none): shares as percent, minutes with one decimal.
	Formats []string
}

// rowHeader names the columns of a Row table (German, as the page).
var rowHeader = []string{"Schlüssel", "Bezeichnung", "Gebucht", "Eingecheckt", "Nicht erschienen", "Nichterscheinensquote",
	"Storniert", "Zurückgegeben", "Freigewordene Zeit (min)", "Spontan", "Bedient", "Verpasst", "Wiederholte Aufrufe", "Wartezeit Median (min)", "Wartezeit P90 (min)",
	"Bedienzeit Mittel (min)", "Bedienzeit konfiguriert (min)", "Pünktlichkeit", "Auslastung"}

// rowFormats are the number formats of rowHeader's columns.
var rowFormats = []string{"", "", "", "", "", "0.0%", "", "", "0", "", "", "", "", "0.0", "0.0", "0.0", "0.0", "0.0%", "0.0%"}

func rowCells(r Row) []any {
	return []any{r.Key, r.Label, r.Booked, r.CheckedIn, r.NoShows, r.NoShowRate, r.Cancelled, r.Withdrawn, r.FreedMinutes, r.WalkIns, r.Served,
		r.Missed, r.Recalls, r.WaitMedianMinutes, r.WaitP90Minutes, r.ServiceMeanMinutes, r.ServiceConfiguredMinutes,
		r.Punctuality, r.Utilisation}
}

// RowsTable is a report's rows and, last, its totals.
func RowsTable(name string, r Report) Table {
	t := Table{Name: name, Header: rowHeader, Formats: rowFormats}
	for _, row := range r.Rows {
		t.Rows = append(t.Rows, rowCells(row))
	}
	t.Rows = append(t.Rows, rowCells(r.Totals))
	return t
}

// BinsTable is the waiting-time distribution.
func BinsTable(name string, bins []Bin) Table {
	t := Table{Name: name, Header: []string{"Wartezeit von (min)", "bis unter (min)", "Anzahl"}}
	for _, b := range bins {
		var to any = "" // the last bin is open
		if b.ToMinutes != nil {
			to = *b.ToMinutes
		}
		t.Rows = append(t.Rows, []any{b.FromMinutes, to, b.Count})
	}
	return t
}

// AdviceTable is the advice for the booking side as a table, one row per
// service: the page's advice panel.
func AdviceTable(name string, a Advice) Table {
	t := Table{Name: name, Header: []string{"Anliegen", "Termine fällig", "Nicht erschienen", "Überbuchung (%)", "Leerlauf gespart (min/Tag)",
		"Wartezeit P90 heute (min)", "Wartezeit P90 mit Überbuchung (min)", "Bearbeitung gemessen (min)", "Bearbeitung geplant (min)", "Vorgeschlagene Slotlänge (min)"},
		Formats: []string{"", "", "0.0%", "0.0", "0", "0.0", "0.0", "0.0", "0", "0"}}
	for _, sa := range a.Services {
		t.Rows = append(t.Rows, []any{sa.Name, sa.Appointments, sa.NoShowRate, sa.OverbookingPercent, sa.IdleMinutesSavedPerDay,
			sa.WaitP90TodayMinutes, sa.WaitP90Minutes, sa.MeasuredServiceMinutes, sa.ConfiguredMinutes, sa.SuggestedSlotMinutes})
	}
	return t
}
