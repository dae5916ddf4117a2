// Package heartbeat sends a kiosk's or display's status to the hub every
// few seconds (POST /api/v1/devices/status), so that the office learns of
// a silent device or an empty printer. Reports are fire and forget: a hub
// that is down or hangs costs the device one goroutine waiting at most
// Timeout, never its screen.
package heartbeat

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"lotse/hub/api"
	"lotse/internal/version"
)

// Defaults of a Reporter.
const (
	// DefaultInterval is how often a device reports; the hub calls it
	// silent after two minutes without a report.
	DefaultInterval = 5 * time.Second
	// DefaultTimeout bounds one report.
	DefaultTimeout = 3 * time.Second
)

// processStart is when the program started, for the uptime.
var processStart = time.Now()

// Reporter reports a device's status. Set its fields before Run.
type Reporter struct {
	client *api.Client
	status func() api.DeviceStatus
	log    *slog.Logger
	office string
	nudge  chan struct{}

	// Interval between reports; 0: DefaultInterval.
	Interval time.Duration
	// Timeout bounds each report, the office lookup included; 0:
	// DefaultTimeout.
	Timeout time.Duration
	// Ticks, when set, replaces the Interval's ticker (tests).
	Ticks <-chan time.Time

	failing string // the error class of the last report; "" after a success
	// afterReport, when set, is told each report's outcome (tests).
	afterReport func(error)
}

// New returns a reporter for the device behind client. office is the
// office the device serves; "" means the first office the hub lists, as
// the kiosk and the display choose it. status returns the device's state
// at the moment of a report; it is called on the reporter's goroutine and
// must be safe for that. The reporter fills in the version and uptime
// when status leaves them empty.
func New(client *api.Client, office string, status func() api.DeviceStatus, log *slog.Logger) *Reporter {
	if log == nil {
		log = slog.Default()
	}
	return &Reporter{client: client, office: office, status: status, log: log, nudge: make(chan struct{}, 1)}
}

// Now asks for a report at once, e.g. when the printer ran out of paper.
// It never blocks: a report asked for while one is under way follows it.
func (r *Reporter) Now() {
	select {
	case r.nudge <- struct{}{}:
	default:
	}
}

// Run reports at start, every Interval and when asked, until ctx ends.
func (r *Reporter) Run(ctx context.Context) {
	ticks := r.Ticks
	if ticks == nil {
		every := r.Interval
		if every <= 0 {
			every = DefaultInterval
		}
		t := time.NewTicker(every)
		defer t.Stop()
		ticks = t.C
	}
	for {
		r.report(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		case <-r.nudge:
		}
	}
}

func (r *Reporter) report(ctx context.Context) {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := r.send(ctx)
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return // the program ends
	}
	r.logOutcome(err)
	if r.afterReport != nil {
		r.afterReport(err)
	}
}

func (r *Reporter) send(ctx context.Context) error {
	if r.office == "" {
		offices, err := r.client.Offices(ctx)
		if err != nil {
			return err
		}
		if len(offices) == 0 {
			return errors.New("the hub lists no office")
		}
		r.office = offices[0].ID
	}
	st := r.status()
	st.Office = r.office
	if st.Version == "" {
		st.Version = version.String()
	}
	if st.UptimeSeconds == 0 {
		st.UptimeSeconds = int64(time.Since(processStart) / time.Second)
	}
	return r.client.ReportStatus(ctx, st)
}

// logOutcome logs once per change: the first failure of a kind, and the
// first success after failures. A hub that is down for an hour must not
// fill the log with 720 lines.
func (r *Reporter) logOutcome(err error) {
	class := ""
	if err != nil {
		class = api.ErrorCode(err)
	}
	if class == r.failing {
		return
	}
	switch {
	case err == nil:
		r.log.Info("status reports reach the hub again", "office", r.office)
	case class == api.CodeUnavailable:
		r.log.Warn("status report not delivered; the device works on and keeps trying", "office", r.office, "err", err)
	default:
		r.log.Error("the hub refuses the status report", "office", r.office, "err", err)
	}
	r.failing = class
}
