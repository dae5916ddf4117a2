package server

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"lotse/hub/queue"
	"lotse/hub/statistics"
)

// adviceJSON is the answer of GET …/advice (docs/statistics.md, "Advice
// for the booking side").
type adviceJSON struct {
	Office            string              `json:"office"`
	From              string              `json:"from"`
	To                string              `json:"to"`
	WaitTargetMinutes float64             `json:"waitTargetMinutes"`
	Services          []serviceAdviceJSON `json:"services"`
	Method            string              `json:"method"`
}

type serviceAdviceJSON struct {
	Service                string           `json:"service"`
	Name                   string           `json:"name"`
	Enough                 bool             `json:"enough"`
	Appointments           int              `json:"appointments"`
	NoShowRate             float64          `json:"noShowRate"`
	OverbookingPercent     float64          `json:"overbookingPercent"`
	IdleMinutesSavedPerDay float64          `json:"idleMinutesSavedPerDay"`
	WaitP90Minutes         float64          `json:"waitP90Minutes"`
	WaitP90TodayMinutes    float64          `json:"waitP90TodayMinutes"`
	MeasuredServiceMinutes float64          `json:"measuredServiceMinutes"`
	ConfiguredMinutes      float64          `json:"configuredMinutes"`
	SuggestedSlotMinutes   float64          `json:"suggestedSlotMinutes"`
	ByWeekdayHour          []hourAdviceJSON `json:"byWeekdayHour"`
}

type hourAdviceJSON struct {
	Weekday            int     `json:"weekday"`
	Hour               int     `json:"hour"`
	BookedPerDay       float64 `json:"bookedPerDay"`
	NoShowRate         float64 `json:"noShowRate"`
	Overbook           int     `json:"overbook"`
	OverbookingPercent float64 `json:"overbookingPercent"`
}

// maxWaitTarget bounds ?waitTarget=: beyond two hours the simulated
// days would only measure how long a day is.
const maxWaitTarget = 120

// advice serves GET /api/v1/offices/{office}/advice?from=&to=&waitTarget=
// (minutes, default 15), for supervisors and admins: the overbooking and
// slot lengths the booking side could apply, from the period's cells.
func (s *Server) advice(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	sq, st, err := s.statRequest(r, o, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	opts := statistics.AdviceOptions{WaitTarget: statistics.DefaultWaitTarget}
	if v := r.URL.Query().Get("waitTarget"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 1 || m > maxWaitTarget {
			s.writeError(w, r, queue.Errorf(codeBadRequest, "waitTarget must be whole minutes from 1 to %d", maxWaitTarget))
			return
		}
		opts.WaitTarget = time.Duration(m) * time.Minute
	}
	a, err := s.adviceOf(r, st, o, sq, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := adviceJSON{Office: o.office.ID, From: sq.from, To: sq.to, WaitTargetMinutes: opts.WaitTarget.Minutes(),
		Services: make([]serviceAdviceJSON, 0, len(a.Services)), Method: "docs/statistics.md"}
	for _, sa := range a.Services {
		j := serviceAdviceJSON{Service: sa.Service, Name: sa.Name, Enough: sa.Enough, Appointments: sa.Appointments,
			NoShowRate: sa.NoShowRate, OverbookingPercent: sa.OverbookingPercent, IdleMinutesSavedPerDay: sa.IdleMinutesSavedPerDay,
			WaitP90Minutes: sa.WaitP90Minutes, WaitP90TodayMinutes: sa.WaitP90TodayMinutes, MeasuredServiceMinutes: sa.MeasuredServiceMinutes,
			ConfiguredMinutes: sa.ConfiguredMinutes, SuggestedSlotMinutes: sa.SuggestedSlotMinutes, ByWeekdayHour: []hourAdviceJSON{}}
		for _, h := range sa.ByWeekdayHour {
			j.ByWeekdayHour = append(j.ByWeekdayHour, hourAdviceJSON(h))
		}
		out.Services = append(out.Services, j)
	}
	writeJSON(w, http.StatusOK, out)
}

// adviceOf reads the period's cells and advises on them.
func (s *Server) adviceOf(r *http.Request, st StatisticsStore, o *officeHandle, sq statQuery, opts statistics.AdviceOptions) (statistics.Advice, error) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	// Day, hour and service kept, the counters summed: what the advice
	// reads, a few thousand cells for a year.
	var cells []statistics.Cell
	err := st.ScanStatRollup(ctx, o.office.ID, statistics.RollupHours, sq.from, sq.to, func(c *statistics.Cell) error {
		cells = append(cells, *c)
		return nil
	})
	if err != nil {
		return statistics.Advice{}, fmt.Errorf("advice: %w", err)
	}
	services := make([]statistics.ServiceInfo, 0, len(o.office.Services))
	for _, svc := range o.office.Services {
		services = append(services, statistics.ServiceInfo{ID: svc.ID, Name: svc.Name, ConfiguredMinutes: svc.Duration.Minutes()})
	}
	return statistics.Advise(cells, services, opts), nil
}
