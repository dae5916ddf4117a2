package version

import (
	"runtime/debug"
	"testing"
)

func TestPick(t *testing.T) {
	stamped := &debug.BuildInfo{Main: debug.Module{Path: "lotse", Version: "v0.0.0-20261130170000-0123456789ab+dirty"}}
	devel := &debug.BuildInfo{Main: debug.Module{Path: "lotse", Version: "(devel)"}}
	commit := &debug.BuildInfo{Main: devel.Main, Settings: []debug.BuildSetting{
		{Key: "vcs.modified", Value: "true"}, {Key: "vcs.revision", Value: "0123456789abcdef0123"}}}
	clean := &debug.BuildInfo{Main: devel.Main, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}}}
	tests := []struct {
		name string
		set  string
		info *debug.BuildInfo
		want string
	}{
		{"ldflags win", "1.4.2", stamped, "1.4.2"},
		{"toolchain stamp", "dev", stamped, stamped.Main.Version},
		{"go run", "dev", devel, "dev"},
		{"commit recorded, changes uncommitted", "dev", commit, "dev-0123456789ab-dirty"},
		{"commit recorded", "dev", clean, "dev-0123456789ab"},
		{"no build info", "dev", nil, "dev"},
		{"empty ldflags", "", devel, "dev"},
	}
	for _, tt := range tests {
		if got := pick(tt.set, tt.info); got != tt.want {
			t.Errorf("%s: pick(%q) = %q, want %q", tt.name, tt.set, got, tt.want)
		}
	}
	if String() == "" {
		t.Error("String() is empty")
	}
}
