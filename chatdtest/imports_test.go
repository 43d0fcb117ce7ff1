package chatdtest_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// module is chatd's module path; this package is in its root's chatdtest
// directory.
const module = "github.com/chatd/chatd"

// imports returns the import paths of the non-test Go files in dir, in
// every build configuration (build constraints are not applied).
func imports(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no imports found in %s: wrong directory?", dir)
	}
	slices.Sort(out)
	return out
}

// isStd reports whether an import path is the standard library's: its
// first element has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// TestImports keeps chatdtest cheap to import: its own files import only
// the standard library and chatd's packages, and nothing it pulls in from
// chatd imports a Twilio helper library (those are for the tests that
// import chatdtest, if they want one) or a database driver (the fixture
// runs on bbolt).
func TestImports(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^module ` + regexp.QuoteMeta(module) + `\s*$`).Match(mod) {
		t.Fatalf("../go.mod is not module %s", module)
	}

	for _, p := range imports(t, ".") {
		if !isStd(p) && p != module && !strings.HasPrefix(p, module+"/") {
			t.Errorf("chatdtest imports %q: only the standard library and %s/... are allowed", p, module)
		}
	}

	// Walk chatd's packages that chatdtest imports, directly or not.
	seen := map[string]bool{}
	queue := []string{module + "/chatdtest"}
	for len(queue) > 0 {
		pkg := queue[0]
		queue = queue[1:]
		if seen[pkg] {
			continue
		}
		seen[pkg] = true
		dir := filepath.Join("..", filepath.FromSlash(strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")))
		for _, p := range imports(t, dir) {
			switch {
			case strings.HasPrefix(p, "github.com/twilio/"), strings.HasPrefix(p, "github.com/jackc/"):
				t.Errorf("%s (imported by chatdtest) imports %q", pkg, p)
			case strings.HasPrefix(p, module+"/"):
				queue = append(queue, p)
			}
		}
	}
	if !seen[module+"/internal/app"] {
		t.Errorf("the walk did not reach %s/internal/app: %v", module, seen)
	}
}
