// Command vulndb turns the OSV files of the Go vulnerability database, as
// the Go module proxy serves them (module golang.org/x/vulndb, directory
// data/osv), into the layout govulncheck reads with -db file://DIR:
//
//	DIR/index/db.json       {"modified": …}
//	DIR/index/modules.json  [{"path": …, "vulns": [{"id": …, "modified": …}]}]
//	DIR/ID/GO-YYYY-NNNN.json
//
// Offices' closed networks and build machines often reach a module proxy
// (or a mirror of it) but not vuln.go.dev; `make audit` runs on this copy.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func main() {
	src := flag.String("osv", "", "directory with the OSV files (golang.org/x/vulndb's data/osv)")
	out := flag.String("out", "", "directory to write the database to (replaced)")
	flag.Parse()
	if *src == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	n, err := convert(*src, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "vulndb: %d entries in %s\n", n, *out)
}

// entry is the part of an OSV entry the index needs; the file itself is
// copied as it is.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Affected []struct {
		Package struct {
			Name string `json:"name"` // the module path
		} `json:"package"`
	} `json:"affected"`
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	// Fixed is left out: govulncheck then reads every entry of a module
	// and decides by the entry's own ranges, which is always right.
}

type moduleMeta struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

func convert(src, out string) (int, error) {
	files, err := filepath.Glob(filepath.Join(src, "GO-*.json"))
	if err != nil {
		return 0, err
	}
	if len(files) == 0 {
		return 0, fmt.Errorf("no OSV files (GO-*.json) in %s", src)
	}
	tmp := out + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return 0, err
	}
	for _, d := range []string{"index", "ID"} {
		if err := os.MkdirAll(filepath.Join(tmp, d), 0o755); err != nil {
			return 0, err
		}
	}
	var newest time.Time
	modules := map[string]*moduleMeta{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		var e entry
		if err := json.Unmarshal(data, &e); err != nil {
			return 0, fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
		if e.ID+".json" != filepath.Base(f) || strings.ContainsAny(e.ID, `/\`) {
			return 0, fmt.Errorf("%s: holds entry %q", filepath.Base(f), e.ID)
		}
		if e.Modified.After(newest) {
			newest = e.Modified
		}
		seen := map[string]bool{}
		for _, a := range e.Affected {
			p := a.Package.Name
			if p == "" || seen[p] {
				continue
			}
			seen[p] = true
			if modules[p] == nil {
				modules[p] = &moduleMeta{Path: p}
			}
			modules[p].Vulns = append(modules[p].Vulns, moduleVuln{ID: e.ID, Modified: e.Modified})
		}
		if err := os.WriteFile(filepath.Join(tmp, "ID", e.ID+".json"), data, 0o644); err != nil {
			return 0, err
		}
	}
	list := make([]*moduleMeta, 0, len(modules))
	for _, m := range modules {
		sort.Slice(m.Vulns, func(i, j int) bool { return m.Vulns[i].ID < m.Vulns[j].ID })
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	if err := writeJSON(filepath.Join(tmp, "index", "modules.json"), list); err != nil {
		return 0, err
	}
	if err := writeJSON(filepath.Join(tmp, "index", "db.json"), map[string]time.Time{"modified": newest}); err != nil {
		return 0, err
	}
	if err := os.RemoveAll(out); err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, err
	}
	return len(files), os.Rename(tmp, out)
}

func writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
