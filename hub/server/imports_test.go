package server

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestServerImportsNoAdapter: the HTTP side depends on the domain, the
// wire types, the office loop and small interfaces (Store, SessionStore,
// Webhooks, DemoSource, QRCode), never on an adapter: not the rest
// protocol, not the hardware. The store is imported for its row types
// only; *store.DB itself does not appear.
func TestServerImportsNoAdapter(t *testing.T) {
	allowed := map[string]bool{
		"lotse/assets": true, "lotse/hub/api": true, "lotse/hub/booking": true,
		"lotse/hub/office": true, "lotse/hub/queue": true, "lotse/hub/store": true,
		"lotse/internal/plaintext": true,
		// The devices' reports live in memory (no adapter); the version is the build's.
		"lotse/hub/devicehealth": true, "lotse/internal/version": true,
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "lotse/") && !allowed[path] {
				t.Errorf("%s imports %s; the server reaches adapters through interfaces", name, path)
			}
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		// store.go names it in its doc comments only.
		if name != "store.go" && strings.Contains(string(b), "*store.DB") {
			t.Errorf("%s names *store.DB; use the Store or SessionStore interface", name)
		}
	}
}
