package storetest

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsOnlyStdlibAndModel keeps the suite engine-independent: it may
// import the standard library and model, never an engine (bolt, bbolt, a
// database driver), or every engine that runs it would build them all.
func TestImportsOnlyStdlibAndModel(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range pkg.Imports {
		first, _, _ := strings.Cut(path, "/")
		if path != "github.com/chatd/chatd/model" && strings.Contains(first, ".") {
			t.Errorf("storetest imports %s; only the standard library and model are allowed", path)
		}
	}
}
