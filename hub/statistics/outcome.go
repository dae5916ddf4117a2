package statistics

import (
	"sort"

	"lotse/hub/queue"
)

// OutcomeCount is how many visits of a service ended with an outcome on
// an office-local day: a count, no ticket, no person.
type OutcomeCount struct {
	Office  string
	Day     string
	Service string
	Outcome string
	N       int64
}

// OutcomeRow is one service's outcomes over a report's period.
type OutcomeRow struct {
	Service string           `json:"service"`
	Label   string           `json:"label"`
	Counts  map[string]int64 `json:"counts"` // by outcome id
	Total   int64            `json:"total"`
}

// OutcomeLabel is an outcome's id and its name in the report's language.
type OutcomeLabel struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Outcomes is the outcomes part of a report: the office's outcomes in
// their configured order (and ids only found in the counts after them,
// from an outcome since removed from the configuration), and a row per
// service with counts, in the office's order of services.
type Outcomes struct {
	Outcomes []OutcomeLabel `json:"outcomes"`
	Rows     []OutcomeRow   `json:"rows"`
}

// OutcomeReport sums counts into the outcomes part of a report.
func OutcomeReport(meta Meta, outcomes []queue.Outcome, counts []OutcomeCount) Outcomes {
	out := Outcomes{Outcomes: []OutcomeLabel{}, Rows: []OutcomeRow{}}
	known := map[string]bool{}
	for _, o := range outcomes {
		label := o.Name
		if n := o.Names[meta.Lang]; n != "" {
			label = n
		}
		out.Outcomes = append(out.Outcomes, OutcomeLabel{ID: o.ID, Label: label})
		known[o.ID] = true
	}
	rows := map[string]*OutcomeRow{}
	var extra []string
	for _, c := range counts {
		if !known[c.Outcome] {
			known[c.Outcome] = true
			extra = append(extra, c.Outcome)
		}
		r := rows[c.Service]
		if r == nil {
			r = &OutcomeRow{Service: c.Service, Label: c.Service, Counts: map[string]int64{}}
			rows[c.Service] = r
		}
		r.Counts[c.Outcome] += c.N
		r.Total += c.N
	}
	sort.Strings(extra)
	for _, id := range extra {
		out.Outcomes = append(out.Outcomes, OutcomeLabel{ID: id, Label: id})
	}
	for _, s := range meta.Services {
		if r := rows[s.ID]; r != nil {
			r.Label = serviceLabel(s, meta.Lang)
			out.Rows = append(out.Rows, *r)
			delete(rows, s.ID)
		}
	}
	var gone []string
	for id := range rows {
		gone = append(gone, id)
	}
	sort.Strings(gone)
	for _, id := range gone {
		out.Rows = append(out.Rows, *rows[id])
	}
	return out
}

func serviceLabel(s queue.Service, lang string) string {
	if n := s.Names[lang]; n != "" {
		return n
	}
	return s.Name
}

// OutcomesTable is the outcomes per service as a table: a column per
// outcome and the total, one row per service.
func OutcomesTable(name string, o Outcomes) Table {
	t := Table{Name: name, Header: []string{"Anliegen"}}
	for _, x := range o.Outcomes {
		t.Header = append(t.Header, x.Label)
	}
	t.Header = append(t.Header, "Summe")
	for _, r := range o.Rows {
		row := []any{r.Label}
		for _, x := range o.Outcomes {
			row = append(row, r.Counts[x.ID])
		}
		t.Rows = append(t.Rows, append(row, r.Total))
	}
	return t
}
