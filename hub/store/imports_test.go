package store_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestStoreImportsOnlyTheDomain: the store sits below the booking adapters
// and the server; of this module it may import the domain only, so that
// an arrow from a lower layer to a higher one cannot creep back.
func TestStoreImportsOnlyTheDomain(t *testing.T) {
	// statistics is domain too: the manager's cells, pure, on top of queue.
	allowed := map[string]bool{"lotse/hub/queue": true, "lotse/hub/statistics": true}
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
				t.Errorf("%s imports %s; the store may import only %v", name, path, allowed)
			}
		}
	}
}
