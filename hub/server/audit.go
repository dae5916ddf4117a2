package server

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"lotse/hub/queue"
	"lotse/hub/store"
)

// The audit trail (issue 15): who did what at which counter and when.
// The account, the counter, the action and the ticket's number, never a
// citizen's data; kept for Config.AuditDays days. The supervisor reads it
// with GET …/audit, e.g. ?ticket=A042&action=call: who called A042 twice.

// Audit actions besides the counter actions (queue.ActionKind).
const (
	auditEmergency    = "emergency"
	auditEmergencyAck = "emergency_ack"
	auditEmergencyEnd = "emergency_end"
)

// defaultAuditDays is how long the audit trail is kept without a setting.
const defaultAuditDays = 90

// AuditStore keeps the audit trail; the store implements it. A hub whose
// store does not keeps none.
type AuditStore interface {
	AddAudit(ctx context.Context, entries ...store.AuditEntry) error
	Audit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error)
	PurgeAudit(ctx context.Context, before time.Time) (int64, error)
}

// auditPurge remembers when the trail was last purged: at most hourly,
// on the write path, so no timer of its own is needed.
type auditPurge struct {
	mu   sync.Mutex
	last time.Time
}

// audit writes one entry. The action has happened by now: a failed
// write cannot undo it, so it is logged as an error, not answered.
func (s *Server) audit(ctx context.Context, o *officeHandle, p principal, counter, action, ticket string) {
	s.auditEntries(ctx, store.AuditEntry{Office: o.office.ID, At: s.now(), Account: p.clerk, Counter: counter, Action: action, Ticket: ticket})
}

func (s *Server) auditEntries(ctx context.Context, entries ...store.AuditEntry) {
	st, ok := s.db.(AuditStore)
	if !ok || len(entries) == 0 {
		return
	}
	// Not cut short by a client that goes: the action stands.
	ctx = context.WithoutCancel(ctx)
	if err := st.AddAudit(ctx, entries...); err != nil {
		s.log.Error("audit trail", "office", entries[0].Office, "action", entries[0].Action, "err", err)
	}
	s.purgeAuditWhenDue(ctx)
}

// purgeAuditWhenDue drops the entries older than the kept days, at most
// hourly, on the write path, so no timer of its own is needed.
func (s *Server) purgeAuditWhenDue(ctx context.Context) {
	st, ok := s.db.(AuditStore)
	if !ok {
		return
	}
	ctx = context.WithoutCancel(ctx)
	now := s.now()
	s.auditPurge.mu.Lock()
	due := now.Sub(s.auditPurge.last) >= time.Hour
	if due {
		s.auditPurge.last = now
	}
	s.auditPurge.mu.Unlock()
	if due {
		days := s.auditDays
		if days <= 0 {
			days = defaultAuditDays
		}
		if _, err := st.PurgeAudit(ctx, now.AddDate(0, 0, -days)); err != nil {
			s.log.Error("purge audit trail", "err", err)
		}
	}
}

// counterAudit is the audit of a counter action: the action with the
// ticket it concerned, and the end of the ticket it closed first (next
// and call finish the counter's ticket, or mark it missed).
func counterAudit(office, account, counter string, a queue.Action, t queue.Ticket, closed queue.Ticket, at time.Time) []store.AuditEntry {
	var out []store.AuditEntry
	if closed.ID != "" {
		action := string(queue.ActFinish)
		if closed.State == queue.Missed {
			action = string(queue.ActNoShow)
		}
		out = append(out, store.AuditEntry{Office: office, At: at, Account: account, Counter: counter, Action: action, Ticket: closed.Number})
	}
	return append(out, store.AuditEntry{Office: office, At: at, Account: account, Counter: counter, Action: string(a.Kind), Ticket: t.Number})
}

// AuditLine is one line of GET …/audit.
type AuditLine struct {
	At      time.Time `json:"at"`
	Account string    `json:"account"`
	Counter string    `json:"counter"`
	Action  string    `json:"action"`
	Ticket  string    `json:"ticket,omitempty"`
}

// AuditView is GET …/audit: the lines the filter selects, newest first.
type AuditView struct {
	Lines []AuditLine `json:"lines"`
	// Days is how many days the trail keeps.
	Days int `json:"days"`
}

// auditView serves GET /api/v1/offices/{office}/audit?ticket=&account=
// &counter=&action=&from=&to= (office-local days, inclusive) to the
// office's supervisors.
func (s *Server) auditView(w http.ResponseWriter, r *http.Request, o *officeHandle, p principal) {
	st, ok := s.db.(AuditStore)
	if !ok {
		s.writeError(w, r, queue.Errorf(queue.NotFound, "this hub keeps no audit trail"))
		return
	}
	q := r.URL.Query()
	f := store.AuditFilter{Office: o.office.ID, Account: q.Get("account"), Counter: q.Get("counter"), Action: q.Get("action"), Ticket: q.Get("ticket")}
	loc := o.office.Location
	if loc == nil {
		loc = time.UTC
	}
	for _, d := range []struct {
		v    string
		dst  *time.Time
		next int
	}{{q.Get("from"), &f.From, 0}, {q.Get("to"), &f.To, 1}} {
		if d.v == "" {
			continue
		}
		day, err := time.ParseInLocation(queue.DayFormat, d.v, loc)
		if err != nil {
			s.writeError(w, r, queue.Errorf(codeBadRequest, "from and to are days like 2026-03-02, not %q", d.v))
			return
		}
		*d.dst = day.AddDate(0, 0, d.next)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 5000 {
			s.writeError(w, r, queue.Errorf(codeBadRequest, "limit must be 1 to 5000"))
			return
		}
		f.Limit = n
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	entries, err := st.Audit(ctx, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := AuditView{Lines: make([]AuditLine, 0, len(entries)), Days: s.auditDays}
	if out.Days <= 0 {
		out.Days = defaultAuditDays
	}
	for _, e := range entries {
		out.Lines = append(out.Lines, AuditLine{At: e.At, Account: e.Account, Counter: e.Counter, Action: e.Action, Ticket: e.Ticket})
	}
	writeJSON(w, http.StatusOK, out)
}
