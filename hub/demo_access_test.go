package main

import (
	"slices"
	"testing"

	"lotse/hub/server"
)

// TestDemoRoles: in demo mode the token demo stays a kiosk, demo-display
// is a display, and demo/demo holds every role (issue 11.5).
func TestDemoRoles(t *testing.T) {
	inst, err := demoInstallation("demo")
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{}
	for _, d := range inst.devices {
		roles[d.Token] = d.Role
	}
	if roles["demo"] != server.RoleKiosk || roles["demo-display"] != server.RoleDisplay {
		t.Fatalf("demo device roles %v, want demo a kiosk and demo-display a display", roles)
	}
	if len(inst.clerks) != 1 || inst.clerks[0].User != "demo" {
		t.Fatalf("demo clerks %+v", inst.clerks)
	}
	for _, r := range server.AllRoles {
		if !slices.Contains(inst.clerks[0].Roles, r) {
			t.Fatalf("demo account lacks role %s", r)
		}
	}
}
