package server

import (
	"time"

	"lotse/hub/devicehealth"
)

// deviceMonitor is where the manager's view reads the devices' health:
// the configured monitor, else the server's own registry.
func (s *Server) deviceMonitor() DeviceMonitor {
	if d := s.manage.cfg.Devices; d != nil {
		return d
	}
	if s.devices != nil {
		return deviceRegistry{s.devices}
	}
	return nil
}

// deviceRegistry reads the hub's own registry of device reports
// (devices.go) for the manager's view.
type deviceRegistry struct{ d *devicehealth.Devices }

// DeviceList returns the office's devices' health.
func (r deviceRegistry) DeviceList(office string) any { return r.d.List(office) }

// DeviceProblems returns the office's device alerts at now.
func (r deviceRegistry) DeviceProblems(office string, now time.Time) []DeviceProblem {
	var out []DeviceProblem
	for _, a := range r.d.Alerts(office, now) {
		out = append(out, DeviceProblem{Kind: a.Kind, Device: a.Device, Since: a.Since, Text: a.Text})
	}
	return out
}
