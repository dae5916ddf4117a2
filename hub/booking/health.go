package booking

import (
	"fmt"
	"time"
)

// OfficeHealth is the booking side of an office's health, as /healthz,
// /metrics and the counter page show it (the server's OfficeHealthInfo).
type OfficeHealth struct {
	LastSync    time.Time
	SyncError   string
	OutboxDepth int
	Warning     string    // English text
	WarningCode string    // reports_failing, sync_stale, never_synced, dead_letters
	Since       time.Time // when the trouble began, if known
	// The office's own outbox and the repairs of its bookings.
	OutboxOldest time.Time      // when the oldest waiting report happened
	OutboxAge    time.Duration  // how long ago, by the hub's clock
	DeadLetters  int            // reports the backend refused for good
	Repaired     int            // bookings of the last sync kept after a repair
	Repairs      map[string]int // by Repair… kind
	Refused      map[string]int // by Refused… reason
}

// Health judges each office's booking connection from its sync and its
// outbox. The rules: a backend that has not accepted reports for longer
// than WarnAfter, a sync that has failed for longer than WarnAfter, a sync
// that never succeeded, and reports refused for good each raise a warning,
// in that order of weight (docs/booking.md, "Outages").
type Health struct {
	Syncer    *Syncer
	Outbox    *Outbox
	WarnAfter time.Duration
	Now       func() time.Time
}

// Office returns the health of one office.
func (h Health) Office(id string) OfficeHealth {
	st := h.Syncer.Status(id)
	ob := h.Outbox.OfficeStatus(id)
	now := h.Now()
	info := OfficeHealth{
		LastSync: st.LastSuccess, SyncError: st.LastError, OutboxDepth: ob.Depth,
		OutboxOldest: ob.Oldest, DeadLetters: ob.DeadLetters,
		Repaired: st.Repaired, Repairs: st.Repairs, Refused: st.Refused,
	}
	if !ob.Oldest.IsZero() {
		info.OutboxAge = now.Sub(ob.Oldest)
	}
	switch {
	case !ob.FailingSince.IsZero() && now.Sub(ob.FailingSince) > h.WarnAfter:
		info.Warning = fmt.Sprintf("booking backend has not accepted reports since %s", ob.FailingSince.Format("15:04"))
		info.WarningCode, info.Since = "reports_failing", ob.FailingSince
	case st.LastError != "" && !st.LastSuccess.IsZero() && now.Sub(st.LastSuccess) > h.WarnAfter:
		info.Warning = fmt.Sprintf("no successful sync since %s", st.LastSuccess.Format("15:04"))
		info.WarningCode, info.Since = "sync_stale", st.LastSuccess
	case st.LastError != "" && st.LastSuccess.IsZero():
		info.Warning = "no successful sync yet"
		info.WarningCode = "never_synced"
	case ob.DeadLetters > 0:
		// Without the backend's answer: /healthz is public, and the
		// answer may name a person; clerks read it on the counter page.
		info.Warning = fmt.Sprintf("booking backend refused %d reports for good", ob.DeadLetters)
		info.WarningCode = "dead_letters"
	}
	return info
}
