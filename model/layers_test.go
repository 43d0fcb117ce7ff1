package model

import (
	"errors"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestLayers checks the package layering that doc.go describes, on the
// non-test files of every package of the module.
func TestLayers(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^module\s+(\S+)\s*$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("no module line in ../go.mod")
	}
	module := string(m[1])
	imports := moduleImports(t, "..", module)
	name := func(rel string) string { return strings.TrimSuffix(module+"/"+rel, "/") }
	isStd := func(path string) bool {
		first, _, _ := strings.Cut(path, "/")
		return !strings.Contains(first, ".")
	}
	// deps is every package of the module that pkg imports, directly or not.
	deps := func(pkg string) []string {
		var out []string
		queue := slices.Clone(imports[pkg])
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			if _, ours := imports[p]; !ours || slices.Contains(out, p) {
				continue
			}
			out = append(out, p)
			queue = append(queue, imports[p]...)
		}
		return out
	}
	for _, rel := range []string{"model", "chat", "bolt", "postgres", "internal/record", "server", "webhook", "storetest", "internal/app", "chatdtest", ""} {
		if _, ok := imports[name(rel)]; !ok {
			t.Fatalf("package %s not found: the layering below names packages that moved", name(rel))
		}
	}

	t.Run("model imports only the standard library", func(t *testing.T) {
		for _, p := range imports[name("model")] {
			if !isStd(p) {
				t.Errorf("model imports %s", p)
			}
		}
	})
	t.Run("chat, bolt, postgres, internal/record, server, webhook and storetest import only model (and chat accesstoken, the engines internal/record, server internal/web, chat and server internal/jsonenc) of the module", func(t *testing.T) {
		allowed := map[string][]string{
			"chat":     {name("accesstoken"), name("internal/jsonenc")},
			"bolt":     {name("internal/record")},
			"postgres": {name("internal/record")},
			"server":   {name("internal/web"), name("internal/jsonenc")},
		}
		for _, rel := range []string{"chat", "bolt", "postgres", "internal/record", "server", "webhook", "storetest"} {
			for _, p := range deps(name(rel)) {
				if p != name("model") && !slices.Contains(allowed[rel], p) {
					t.Errorf("%s imports %s", rel, p)
				}
			}
		}
	})
	t.Run("storetest imports only the standard library and model", func(t *testing.T) {
		for _, p := range imports[name("storetest")] {
			if !isStd(p) && p != name("model") {
				t.Errorf("storetest imports %s", p)
			}
		}
	})
	t.Run("chatdtest is built without a database driver, internal/app without an engine but bolt", func(t *testing.T) {
		for _, pkg := range append(deps(name("chatdtest")), name("chatdtest")) {
			if pkg == name("postgres") {
				t.Errorf("chatdtest imports %s", pkg)
			}
			for _, p := range imports[pkg] {
				if strings.HasPrefix(p, "github.com/jackc/") {
					t.Errorf("%s (in chatdtest) imports %s", pkg, p)
				}
			}
		}
		if slices.Contains(deps(name("internal/app")), name("postgres")) {
			t.Errorf("internal/app imports postgres: the chatd command hands it the opener, so that chatdtest stays light")
		}
		if !slices.Contains(deps(module), name("postgres")) {
			t.Errorf("the chatd command does not import postgres: the walk is wrong, or --db postgres:// is not wired")
		}
	})
	t.Run("chatd and chatdtest are built without a Twilio helper library", func(t *testing.T) {
		for _, root := range []string{module, name("chatdtest")} {
			for _, pkg := range append(deps(root), root) {
				for _, p := range imports[pkg] {
					if strings.HasPrefix(p, "github.com/twilio/") {
						t.Errorf("%s (in %s) imports %s", pkg, root, p)
					}
				}
			}
		}
		if !slices.Contains(deps(name("chatdtest")), name("internal/app")) {
			t.Errorf("chatdtest's imports %v do not reach internal/app: the walk is wrong", deps(name("chatdtest")))
		}
	})
}

// moduleImports returns, for every package under root (the module's
// directory), the imports of its non-test Go files, keyed by import path.
func moduleImports(t *testing.T, root, module string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if base := d.Name(); path != root && (strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") || base == "testdata") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		importPath := module
		if rel != "." {
			importPath += "/" + filepath.ToSlash(rel)
		}
		out[importPath] = pkg.Imports
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
