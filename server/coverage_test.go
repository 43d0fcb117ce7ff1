package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/speccheck"
)

// TestEveryOperationIsRouted checks, for every path of the three Chat specs,
// that chatd routes exactly the methods the spec lists. It asks with a method
// no Chat path has (PUT): the router answers 405 with an Allow header for a
// path it knows, and 404 for one it does not.
func TestEveryOperationIsRouted(t *testing.T) {
	spec := speccheck.For(t)
	if len(spec.Files()) == 0 {
		t.Skipf("no specs in %s (set %s to their directory)", spec.Dir(), speccheck.DirEnv)
	}
	h := newHarness(t)
	param := regexp.MustCompile(`\{[A-Za-z]+\}`)
	for _, name := range spec.Files() {
		raw, err := os.ReadFile(filepath.Join(spec.Dir(), name))
		if err != nil {
			t.Fatal(err)
		}
		var spec struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(raw, &spec); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for path, ops := range spec.Paths {
			var want []string
			for method := range ops {
				if m := strings.ToUpper(method); m == "GET" || m == "POST" || m == "DELETE" {
					want = append(want, m)
				}
			}
			if len(want) == 0 {
				continue // a path the spec declares without operations
			}
			concrete := param.ReplaceAllString(path, "X")
			r := h.do(http.MethodPut, concrete, nil)
			if r.Status != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: not routed (PUT got %d)", name, path, r.Status)
				continue
			}
			allow := strings.Split(r.Header.Get("Allow"), ", ")
			for _, m := range want {
				if !slices.Contains(allow, m) {
					t.Errorf("%s: %s %s not routed (Allow: %v)", name, m, path, allow)
				}
			}
		}
	}
}
