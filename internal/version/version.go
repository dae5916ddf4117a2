// Package version names the build of the hub, the kiosk and the display,
// so that a device's report and the hub's metrics say which build runs
// where.
package version

import "runtime/debug"

// Version is the build's version. A release sets it with
//
//	go build -ldflags "-X lotse/internal/version.Version=1.4.2"
//
// and otherwise it stays "dev" and String falls back to what the Go
// toolchain recorded from the repository.
var Version = "dev"

// String returns the version to report: Version when the build set it,
// else the module version the toolchain stamped from the repository
// (a pseudo-version carrying the commit), else "dev" with the commit the
// toolchain recorded ("dev-0123456789ab", "-dirty" for uncommitted
// changes), else "dev".
func String() string {
	info, _ := debug.ReadBuildInfo()
	return pick(Version, info)
}

func pick(set string, info *debug.BuildInfo) string {
	if set != "" && set != "dev" {
		return set
	}
	if info == nil {
		return "dev"
	}
	if info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	revision, dirty := "", ""
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision":
			revision = "-" + s.Value[:min(12, len(s.Value))]
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if revision == "" || revision == "-" {
		return "dev"
	}
	return "dev" + revision + dirty
}
