package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const modulePath = "github.com/chatd/chatd"

// listedPackage is what go list tells about one package.
type listedPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Export     string
	DepOnly    bool
	Module     *struct{ Path string }
}

// TestEveryCodeIsInTheTable type-checks every package of chatd (without
// its tests, which may spell codes as numbers: they are the wire contract)
// and fails for any value of type Code that is not in the table: a number
// passed where a Code is expected, a constant without its entry, or a Code
// converted from a value known only at run time.
func TestEveryCodeIsInTheTable(t *testing.T) {
	pkgs := goList(t)
	exports := map[string]string{}
	for _, p := range pkgs {
		exports[p.ImportPath] = p.Export
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		if exports[path] == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(exports[path])
	})
	uses := map[string]int{} // constant Codes seen, by package
	for _, p := range pkgs {
		if p.DepOnly || p.Module == nil || p.Module.Path != modulePath || len(p.GoFiles) == 0 {
			continue
		}
		var paths []string
		for _, f := range p.GoFiles {
			paths = append(paths, filepath.Join(p.Dir, f))
		}
		bad, n := checkCodes(t, fset, imp, p.ImportPath, paths, nil)
		for _, b := range bad {
			t.Error(b)
		}
		uses[p.ImportPath] = n
	}
	// The check must have seen the codes that model, chat and server send.
	for _, pkg := range []string{"model", "chat", "server"} {
		if uses[modulePath+"/"+pkg] == 0 {
			t.Errorf("no Code seen in package %s: the check looked at %v", pkg, uses)
		}
	}
}

// TestCodeCheckCatchesUnknownCodes runs the check over model with one more
// file that sends codes the table lacks, as a bug would.
func TestCodeCheckCatchesUnknownCodes(t *testing.T) {
	paths, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	paths = withoutTests(paths)
	const bug = `package model

const CodeMadeUp Code = 59999

func bugs(n int) []error {
	return []error{E(12345), Errorf(54321, "x"), &Error{Code: CodeMadeUp}, E(Code(n))}
}
`
	bad, _ := checkCodes(t, token.NewFileSet(), importer.Default(), modulePath+"/model", paths, map[string]string{"bug.go": bug})
	got := strings.Join(bad, "\n")
	for _, want := range []string{"bug.go:3:", "12345", "54321", "59999", "run-time value"} {
		if !strings.Contains(got, want) {
			t.Errorf("the check missed %q; it reported:\n%s", want, got)
		}
	}
}

func TestUnknownCodePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("E with a code missing from the table did not panic")
		}
	}()
	E(Code(len(codes)))
}

func withoutTests(paths []string) []string {
	var out []string
	for _, p := range paths {
		if !strings.HasSuffix(p, "_test.go") {
			out = append(out, p)
		}
	}
	return out
}

// goList lists chatd's packages and their dependencies with their export
// data, which the type checker imports.
func goList(t *testing.T) []listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-export", "-deps", "-json", modulePath+"/...")
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// checkCodes type-checks one package from the files at paths (and extra
// sources by name) and describes every Code in it that is not in the table.
// n counts the constant Codes it saw.
func checkCodes(t *testing.T, fset *token.FileSet, imp types.Importer, path string, paths []string, extra map[string]string) (bad []string, n int) {
	t.Helper()
	var files []*ast.File
	for _, p := range paths {
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	for name, src := range extra {
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: imp}
	if _, err := conf.Check(path, fset, files, info); err != nil {
		t.Fatalf("type-checking %s: %v", path, err)
	}
	report := func(pos token.Pos, format string, args ...any) {
		bad = append(bad, fmt.Sprintf("%s: %s", fset.Position(pos), fmt.Sprintf(format, args...)))
	}
	inTable := func(pos token.Pos, v constant.Value) {
		n++
		c, ok := constant.Int64Val(v)
		if _, known := codes[Code(c)]; !ok || !known {
			report(pos, "Twilio error code %s is not in the table of model/errors.go", v)
		}
	}
	for id, obj := range info.Defs {
		if c, ok := obj.(*types.Const); ok && isCode(c.Type()) {
			inTable(id.Pos(), c.Val())
		}
	}
	for expr, tv := range info.Types {
		if tv.Value != nil && isCode(tv.Type) {
			inTable(expr.Pos(), tv.Value)
		}
	}
	for _, f := range files {
		ast.Inspect(f, func(node ast.Node) bool {
			call, ok := node.(*ast.CallExpr)
			if !ok {
				return true
			}
			if fun := info.Types[call.Fun]; fun.IsType() && isCode(fun.Type) && info.Types[call].Value == nil {
				report(call.Pos(), "a run-time value converted to Code may be missing from the table")
			}
			return true
		})
	}
	return bad, n
}

// isCode reports whether t is model.Code.
func isCode(t types.Type) bool {
	named, ok := t.(*types.Named)
	return ok && named.Obj().Name() == "Code" && named.Obj().Pkg() != nil && named.Obj().Pkg().Path() == modulePath+"/model"
}
