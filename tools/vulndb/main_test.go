package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestConvertWritesGovulncheckLayout: the OSV files of the module proxy's
// vulndb become the directory layout govulncheck -db file:// reads.
func TestConvertWritesGovulncheckLayout(t *testing.T) {
	src := t.TempDir()
	osvFiles := map[string]string{
		"GO-2022-1059.json": `{"id":"GO-2022-1059","modified":"2024-05-20T16:03:47Z","affected":[{"package":{"name":"golang.org/x/text","ecosystem":"Go"}}]}`,
		"GO-2026-6617.json": `{"id":"GO-2026-6617","modified":"2026-10-01T12:00:00Z","affected":[{"package":{"name":"stdlib"}},{"package":{"name":"toolchain"}}]}`,
		"GO-2023-0001.json": `{"id":"GO-2023-0001","modified":"2023-01-01T00:00:00Z","affected":[{"package":{"name":"golang.org/x/text"}}]}`,
		"README.md":         "not an entry",
	}
	for name, data := range osvFiles {
		if err := os.WriteFile(filepath.Join(src, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "db")
	n, err := convert(src, out)
	if err != nil || n != 3 {
		t.Fatalf("convert = %d, %v", n, err)
	}
	var db struct{ Modified time.Time }
	readJSON(t, filepath.Join(out, "index", "db.json"), &db)
	if !db.Modified.Equal(time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("db modified %s, want the newest entry's", db.Modified)
	}
	var modules []moduleMeta
	readJSON(t, filepath.Join(out, "index", "modules.json"), &modules)
	got := map[string][]string{}
	for _, m := range modules {
		for _, v := range m.Vulns {
			got[m.Path] = append(got[m.Path], v.ID)
		}
	}
	want := map[string][]string{"golang.org/x/text": {"GO-2022-1059", "GO-2023-0001"}, "stdlib": {"GO-2026-6617"}, "toolchain": {"GO-2026-6617"}}
	if len(got) != len(want) {
		t.Fatalf("modules = %v, want %v", got, want)
	}
	for p, ids := range want {
		if len(got[p]) != len(ids) || got[p][0] != ids[0] || got[p][len(ids)-1] != ids[len(ids)-1] {
			t.Fatalf("module %s: %v, want %v", p, got[p], ids)
		}
	}
	for name, data := range osvFiles {
		if filepath.Ext(name) != ".json" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(out, "ID", name))
		if err != nil || string(b) != data {
			t.Fatalf("ID/%s = %q, %v", name, b, err)
		}
	}

	// A file whose name is not its entry's id is refused, not indexed
	// under the wrong name.
	if err := os.WriteFile(filepath.Join(src, "GO-2024-9999.json"), []byte(`{"id":"GO-2024-0001"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := convert(src, out); err == nil {
		t.Fatal("a misnamed entry was accepted")
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}
