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
)

// TestEveryOperationIsRouted checks, for every path of the three Chat specs,
// that chatd routes exactly the methods the spec lists. It asks with a method
// no Chat path has (PUT): the router answers 405 with an Allow header for a
// path it knows, and 404 for one it does not.
func TestEveryOperationIsRouted(t *testing.T) {
	dir := os.Getenv("CHATD_SPEC_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "spec")
	}
	h := newHarness(t)
	param := regexp.MustCompile(`\{[A-Za-z]+\}`)
	found := false
	for _, name := range []string{"twilio_chat_v1.json", "twilio_chat_v2.json", "twilio_chat_v3.json"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		found = true
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
	if !found {
		t.Skip("no specs in", dir)
	}
}
