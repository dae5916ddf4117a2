package server

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"lotse/hub/queue"
	"lotse/hub/statistics"
)

// The manager's statistics (issue 13): GET …/statistics as JSON, .csv and
// .xlsx, for supervisors and admins of the office (docs/statistics.md).

// codeBadRequest is a request the API cannot read: a period or grouping
// that is not one (400).
const codeBadRequest queue.Code = "bad_request"

func init() { statusOf[codeBadRequest] = http.StatusBadRequest }

// StatisticsStore reads the statistics' rollups of the cells (per day
// and hour, service or counter); the store implements it.
type StatisticsStore interface {
	ScanStatRollup(ctx context.Context, office string, r statistics.Rollup, from, to string, fn func(*statistics.Cell) error) error
}

// defaultStatDays is the period without from: the last 30 days to today.
const defaultStatDays = 30

// statQuery is a statistics request's period and grouping.
type statQuery struct {
	from, to string
	by       statistics.By
}

// statRequest checks the caller and reads the period and grouping.
func (s *Server) statRequest(r *http.Request, o *officeHandle, p principal) (statQuery, StatisticsStore, error) {
	if !p.hasRole(RoleSupervisor, RoleAdmin) {
		return statQuery{}, nil, queue.Errorf(codeForbidden, "the account %s has no supervisor role", p.clerk)
	}
	st, ok := s.db.(StatisticsStore)
	if !ok {
		return statQuery{}, nil, queue.Errorf(queue.NotFound, "this hub keeps no statistics")
	}
	q := r.URL.Query()
	sq := statQuery{from: q.Get("from"), to: q.Get("to")}
	if sq.to == "" {
		sq.to = o.office.Day(s.now())
	}
	if sq.from == "" {
		if t, err := time.Parse(queue.DayFormat, sq.to); err == nil {
			sq.from = t.AddDate(0, 0, 1-defaultStatDays).Format(queue.DayFormat)
		}
	}
	if _, err := statistics.Period(sq.from, sq.to); err != nil {
		return statQuery{}, nil, queue.Errorf(codeBadRequest, "%v", err)
	}
	by, err := statistics.ParseBy(q.Get("by"))
	if err != nil {
		return statQuery{}, nil, queue.Errorf(codeBadRequest, "%v", err)
	}
	sq.by = by
	return sq, st, nil
}

// statReports builds a report for each grouping, reading each rollup
// they need once.
func (s *Server) statReports(r *http.Request, st StatisticsStore, o *officeHandle, sq statQuery, bys ...statistics.By) ([]statistics.Report, error) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	meta := statistics.MetaOf(*o.office)
	if r.URL.Query().Get("lang") == "en" {
		meta.Lang = "en" // the labels of the rows; exports stay German
	}
	builders := make([]*statistics.Builder, len(bys))
	for i, by := range bys {
		builders[i] = statistics.NewBuilder(meta, sq.from, sq.to, by)
	}
	for _, rollup := range statistics.Rollups {
		var use []*statistics.Builder
		for i, by := range bys {
			if by.Rollup() == rollup {
				use = append(use, builders[i])
			}
		}
		if len(use) == 0 {
			continue
		}
		err := st.ScanStatRollup(ctx, o.office.ID, rollup, sq.from, sq.to, func(c *statistics.Cell) error {
			for _, b := range use {
				b.Add(c)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("statistics: %w", err)
		}
	}
	out := make([]statistics.Report, len(bys))
	for i, b := range builders {
		out[i] = b.Report()
	}
	return out, nil
}

// statisticsJSON serves GET /api/v1/offices/{office}/statistics.
func (s *Server) statisticsJSON(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	sq, st, err := s.statRequest(r, o, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	reports, err := s.statReports(r, st, o, sq, sq.by)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.statOutcomes(r, o, sq, &reports[0]); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, reports[0])
}

// OutcomeStore reads the visits' outcome counts; the store implements it.
type OutcomeStore interface {
	OutcomeCounts(ctx context.Context, office, from, to string) ([]statistics.OutcomeCount, error)
}

// statOutcomes adds the period's outcomes per service to a report.
func (s *Server) statOutcomes(r *http.Request, o *officeHandle, sq statQuery, rep *statistics.Report) error {
	st, ok := s.db.(OutcomeStore)
	if !ok {
		return nil
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	counts, err := st.OutcomeCounts(ctx, o.office.ID, sq.from, sq.to)
	if err != nil {
		return fmt.Errorf("statistics: %w", err)
	}
	meta := statistics.MetaOf(*o.office)
	if r.URL.Query().Get("lang") == "en" {
		meta.Lang = "en"
	}
	out := statistics.OutcomeReport(meta, o.office.OutcomeList(), counts)
	rep.Outcomes = &out
	return nil
}

// statTables are the tables of the statistics page: the rows as grouped,
// the hour-of-day profile and the waiting-time distribution.
func (s *Server) statTables(r *http.Request, st StatisticsStore, o *officeHandle, sq statQuery) ([]statistics.Table, error) {
	reports, err := s.statReports(r, st, o, sq, sq.by, statistics.ByHour)
	if err != nil {
		return nil, err
	}
	a, err := s.adviceOf(r, st, o, sq, statistics.AdviceOptions{WaitTarget: statistics.DefaultWaitTarget})
	if err != nil {
		return nil, err
	}
	tables := []statistics.Table{
		statistics.RowsTable("Übersicht", reports[0]),
		statistics.RowsTable("Tagesprofil", reports[1]),
		statistics.BinsTable("Wartezeiten", reports[0].WaitHistogram),
		statistics.AdviceTable("Empfehlungen", a),
	}
	if err := s.statOutcomes(r, o, sq, &reports[0]); err != nil {
		return nil, err
	}
	if reports[0].Outcomes != nil {
		tables = append(tables, statistics.OutcomesTable("Ergebnisse", *reports[0].Outcomes))
	}
	return tables, nil
}

func exportName(o *officeHandle, sq statQuery, ext string) string {
	return fmt.Sprintf(`attachment; filename="statistik-%s-%s-%s-%s.%s"`, o.office.ID, sq.from, sq.to, sq.by, ext)
}

// statisticsCSV serves GET …/statistics.csv: the rows table.
func (s *Server) statisticsCSV(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	sq, st, err := s.statRequest(r, o, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	reports, err := s.statReports(r, st, o, sq, sq.by)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t := statistics.RowsTable("Übersicht", reports[0])
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", exportName(o, sq, "csv"))
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	_ = cw.Write(neutraliseAll(t.Header))
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = csvText(v)
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.log.Warn("statistics csv", "office", o.office.ID, "err", err)
	}
}

func neutraliseAll(list []string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = statistics.Neutralise(v)
	}
	return out
}

// csvText writes numbers as they are (a negative number is a number, not
// a formula) and neutralises text.
func csvText(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return statistics.Neutralise(x)
	}
	return statistics.Neutralise(fmt.Sprint(v))
}

// statisticsXLSX serves GET …/statistics.xlsx: one sheet per table.
func (s *Server) statisticsXLSX(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	sq, st, err := s.statRequest(r, o, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tables, err := s.statTables(r, st, o, sq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := workbook(tables)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("statistics xlsx: %w", err))
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", exportName(o, sq, "xlsx"))
	w.Header().Set("Cache-Control", "no-store")
	if err := f.Write(w); err != nil {
		s.log.Warn("statistics xlsx", "office", o.office.ID, "err", err)
	}
}

// workbook writes the tables as sheets; text cells are neutralised and
// written as text, numbers as numbers.
func workbook(tables []statistics.Table) (*excelize.File, error) {
	f := excelize.NewFile()
	for i, t := range tables {
		name := t.Name
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return nil, err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return nil, err
		}
		if err := sw.SetRow("A1", cellsOf(t.Header)); err != nil {
			return nil, err
		}
		styles := make([]int, len(t.Formats))
		for c, format := range t.Formats {
			if format != "" {
				if styles[c], err = f.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
					return nil, err
				}
			}
		}
		for r, row := range t.Rows {
			vals := make([]any, len(row))
			for c, v := range row {
				if s, ok := v.(string); ok {
					v = excelize.Cell{Value: statistics.Neutralise(s)}
				} else if c < len(styles) && styles[c] != 0 {
					v = excelize.Cell{StyleID: styles[c], Value: v}
				}
				vals[c] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(cell, vals); err != nil {
				return nil, err
			}
		}
		if err := sw.Flush(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func cellsOf(header []string) []any {
	out := make([]any, len(header))
	for i, h := range header {
		out[i] = statistics.Neutralise(h)
	}
	return out
}
