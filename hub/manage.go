package main

import "time"

// waitAlerts are the offices' thresholds of the manager's wait alert
// ([office] wait_alert_minutes); offices without one take the server's
// default.
func (inst *installation) waitAlerts() map[string]time.Duration {
	out := map[string]time.Duration{}
	if inst.file == nil {
		return out
	}
	for _, o := range inst.file.Offices {
		if o.WaitAlertMinutes > 0 {
			out[o.ID] = time.Duration(o.WaitAlertMinutes) * time.Minute
		}
	}
	return out
}

// auditDays is how many days the audit trail keeps ([hub] audit_days);
// 0: the server's default.
func (inst *installation) auditDays() int {
	if inst.file == nil {
		return 0
	}
	return inst.file.Hub.AuditDays
}
