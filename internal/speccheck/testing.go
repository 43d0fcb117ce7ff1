package speccheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// DirEnv names a directory holding the spec files, overriding the default
// (see Dir).
const DirEnv = "CHATD_SPEC_DIR"

// CIEnv is the environment variable CI services set. When it is not empty,
// a missing spec file fails the tests instead of skipping the checks.
const CIEnv = "CI"

// Dir is where the tests read the spec: $CHATD_SPEC_DIR, or the directory
// shared/spec beside the module's root (../shared/spec from the directory
// of go.mod, found from the working directory up).
func Dir() string {
	if d := os.Getenv(DirEnv); d != "" {
		return d
	}
	root, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "shared", "spec")
	}
	for dir := root; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "spec")
		}
		if filepath.Dir(dir) == dir {
			return filepath.Join(root, "..", "shared", "spec")
		}
	}
}

var (
	defaultOnce sync.Once
	defaultSpec *Spec
	defaultErr  error
)

// Default is the spec read from Dir, once. With CI set, a missing spec
// file is an error.
func Default() (*Spec, error) {
	defaultOnce.Do(func() { defaultSpec, defaultErr = readAll(Dir(), os.Getenv(CIEnv) != "") })
	return defaultSpec, defaultErr
}

// readAll is Read, which fails when ci is set unless every one of Files
// is there.
func readAll(dir string, ci bool) (*Spec, error) {
	s, err := Read(dir)
	if err != nil {
		return nil, err
	}
	if !ci {
		return s, nil
	}
	var missing []string
	for _, name := range Files {
		if !s.Has(name) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s not found in %s, and %s is set: the spec checks must run in CI (set %s to the spec directory)",
			strings.Join(missing, ", "), dir, CIEnv, DirEnv)
	}
	return s, nil
}

// For returns Default, failing t when it does not load (a broken file, or
// a missing one under CI). Call it from the test's goroutine. Without CI
// and without the spec files, the Spec it returns holds no operation and
// validates nothing.
func For(t testing.TB) *Spec {
	t.Helper()
	s, err := Default()
	if err != nil {
		t.Fatalf("spec: %v", err)
	}
	return s
}

// Require is For for a test that needs the spec file name (such as
// twilio_chat_v2.json): without it, the test is skipped, or fails under
// CI.
func Require(t testing.TB, name string) *Spec {
	t.Helper()
	s := For(t)
	if !s.Has(name) {
		t.Skipf("spec %s not found in %s (set %s to its directory)", name, s.Dir(), DirEnv)
	}
	return s
}

// Report checks a response as Check does and reports each mismatch with
// t.Error. It returns whether the body was validated.
func (s *Spec) Report(t testing.TB, method, target string, status int, body []byte) bool {
	t.Helper()
	validated, mismatches := s.Check(method, target, status, body)
	for _, m := range mismatches {
		t.Error(m)
	}
	return validated
}
