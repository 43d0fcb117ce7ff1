package speccheck_test

// The checker on a small hand-written document, so that each rule is tested
// whether or not Twilio's spec files are present.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/speccheck"
)

// thingsDoc is an OpenAPI document with one of everything the checker
// handles.
const thingsDoc = `{
  "paths": {
    "/v1/Things": {
      "servers": [{"url": "https://things.example.com"}],
      "description": "not an operation",
      "get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/thing_list"}}}}}},
      "post": {"responses": {"201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/thing"}}}}}}
    },
    "/v1/Things/{Sid}": {
      "get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/thing"}}}}}},
      "delete": {"responses": {"204": {"description": "deleted"}}}
    },
    "/v1/Things/Special": {
      "get": {"responses": {"200": {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"special": {"type": "boolean"}}}}}}}}
    },
    "/v1/Things/{Sid}/Parts/{PartSid}": {
      "get": {"responses": {"200": {"content": {"text/plain": {"schema": {"type": "string"}}}}}}
    }
  },
  "components": {"schemas": {
    "thing": {"type": "object", "properties": {
      "sid": {"type": "string", "pattern": "^TH[0-9a-f]{32}$", "minLength": 34, "maxLength": 34},
      "name": {"type": "string", "nullable": true, "minLength": 1, "maxLength": 5},
      "count": {"type": "integer"},
      "ratio": {"type": "number", "nullable": true},
      "flag": {"type": "boolean"},
      "level": {"type": "integer", "enum": [1, 2]},
      "kind": {"$ref": "#/components/schemas/thing_enum_kind"},
      "maybe_kind": {"$ref": "#/components/schemas/thing_enum_kind", "nullable": true},
      "status": {"$ref": "#/components/schemas/thing_enum_status"},
      "created": {"type": "string", "format": "date-time"},
      "url": {"type": "string", "format": "uri"},
      "links": {"type": "object", "format": "uri-map", "nullable": true},
      "tags": {"type": "array", "items": {"type": "string"}},
      "anything": {"nullable": true},
      "parent": {"$ref": "#/components/schemas/parent_ref"}
    }},
    "thing_enum_kind": {"type": "string", "enum": ["small", "large"]},
    "thing_enum_status": {"type": "string", "enum": ["joined", "notParticipating"]},
    "parent_ref": {"$ref": "#/components/schemas/parent"},
    "parent": {"type": "object", "nullable": true, "properties": {"sid": {"type": "string"}}},
    "thing_list": {"type": "object", "properties": {
      "things": {"type": "array", "items": {"$ref": "#/components/schemas/thing"}},
      "meta": {"properties": {"page": {"type": "integer"}}}
    }}
  }}
}`

const thingSid = "TH0123456789abcdef0123456789abcdef"

// thing is a body that fits the thing schema.
func thing() map[string]any {
	return map[string]any{
		"sid": thingSid, "name": "box", "count": 3, "ratio": 0.5, "flag": true, "level": 2,
		"kind": "small", "maybe_kind": nil, "status": "joined",
		"created": "2024-01-02T03:04:05Z", "url": "https://things.example.com/v1/Things/" + thingSid,
		"links": map[string]any{"parts": "http://127.0.0.1:8080/v1/Things/" + thingSid + "/Parts", "none": nil},
		"tags":  []any{"a", "b"}, "anything": map[string]any{"x": []any{1}},
		"parent": map[string]any{"sid": "TH1"},
	}
}

// things loads thingsDoc into a new Spec.
func things(t *testing.T) *speccheck.Spec {
	t.Helper()
	s := &speccheck.Spec{}
	if err := s.Add("things.json", []byte(thingsDoc)); err != nil {
		t.Fatal(err)
	}
	return s
}

// check runs Check on body for GET /v1/Things/{Sid} and fails t unless
// the body was validated.
func check(t *testing.T, s *speccheck.Spec, body any) []string {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	validated, errs := s.Check("GET", "/v1/Things/"+thingSid, 200, raw)
	if !validated {
		t.Fatal("the body was not validated")
	}
	return errs
}

func TestValidBodies(t *testing.T) {
	s := things(t)
	for _, c := range []struct {
		name   string
		mutate func(b map[string]any)
	}{
		{"every property set", func(map[string]any) {}},
		{"nullable string null", func(b map[string]any) { b["name"] = nil }},
		{"nullable number null", func(b map[string]any) { b["ratio"] = nil }},
		{"integer for a number", func(b map[string]any) { b["ratio"] = 7 }},
		{"nullable on the referring schema", func(b map[string]any) { b["maybe_kind"] = "large" }},
		{"nullable at the end of a ref chain", func(b map[string]any) { b["parent"] = nil }},
		{"uri-map null", func(b map[string]any) { b["links"] = nil }},
		{"uri-map with any keys", func(b map[string]any) { b["links"] = map[string]any{"x": "https://a.example/b"} }},
		{"empty array", func(b map[string]any) { b["tags"] = []any{} }},
		{"untyped schema takes a string", func(b map[string]any) { b["anything"] = "text" }},
		{"untyped nullable schema takes null", func(b map[string]any) { b["anything"] = nil }},
		{"both spellings of not participating", func(b map[string]any) { b["status"] = "not_participating" }},
		{"the spec's own spelling", func(b map[string]any) { b["status"] = "notParticipating" }},
		{"string of five characters, not bytes", func(b map[string]any) { b["name"] = "ééééé" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := thing()
			c.mutate(b)
			if errs := check(t, s, b); len(errs) > 0 {
				t.Errorf("a valid body was reported:\n%s", strings.Join(errs, "\n"))
			}
		})
	}
}

func TestInvalidBodies(t *testing.T) {
	s := things(t)
	for _, c := range []struct {
		name   string
		mutate func(b map[string]any)
		at     string
		msg    string
	}{
		{"required property missing", func(b map[string]any) { delete(b, "count") }, "count", "missing"},
		{"property not in the spec", func(b map[string]any) { b["color"] = "red" }, "color", "extra property"},
		{"null where not nullable", func(b map[string]any) { b["count"] = nil }, "count", "not nullable"},
		{"null through a bare enum ref", func(b map[string]any) { b["kind"] = nil }, "kind", "not nullable"},
		{"string for integer", func(b map[string]any) { b["count"] = "3" }, "count", "want integer, got string"},
		{"fraction for integer", func(b map[string]any) { b["count"] = 3.5 }, "count", "want integer, got number"},
		{"string for number", func(b map[string]any) { b["ratio"] = "0.5" }, "ratio", "want number, got string"},
		{"number for boolean", func(b map[string]any) { b["flag"] = 1 }, "flag", "want boolean, got integer"},
		{"object for string", func(b map[string]any) { b["name"] = map[string]any{} }, "name", "want string, got object"},
		{"string for array", func(b map[string]any) { b["tags"] = "a" }, "tags", "want array, got string"},
		{"bad array item", func(b map[string]any) { b["tags"] = []any{"a", false} }, "tags[1]", "want string, got boolean"},
		{"array for object", func(b map[string]any) { b["parent"] = []any{} }, "parent", "want object, got array"},
		{"bad property of a referenced object", func(b map[string]any) { b["parent"] = map[string]any{"sid": 1} }, "parent.sid", "want string, got integer"},
		{"string enum", func(b map[string]any) { b["kind"] = "medium" }, "kind", "want one of the enum"},
		{"integer enum", func(b map[string]any) { b["level"] = 3 }, "level", "want one of the enum"},
		{"pattern", func(b map[string]any) { b["sid"] = "TH" + strings.Repeat("z", 32) }, "sid", "does not match the pattern"},
		{"minLength", func(b map[string]any) { b["name"] = "" }, "name", "shorter than minLength 1"},
		{"maxLength", func(b map[string]any) { b["name"] = "crates" }, "name", "longer than maxLength 5"},
		{"date-time with fractions", func(b map[string]any) { b["created"] = "2024-01-02T03:04:05.5Z" }, "created", "want a date-time"},
		{"date-time with an offset", func(b map[string]any) { b["created"] = "2024-01-02T03:04:05+01:00" }, "created", "want a date-time"},
		{"date-time that is no date", func(b map[string]any) { b["created"] = "2024-02-30T03:04:05Z" }, "created", "not a valid date-time"},
		{"relative uri", func(b map[string]any) { b["url"] = "/v1/Things" }, "url", "absolute http(s) URL"},
		{"uri of another scheme", func(b map[string]any) { b["url"] = "mailto:x@example.com" }, "url", "absolute http(s) URL"},
		{"relative uri in a uri-map", func(b map[string]any) { b["links"] = map[string]any{"a": "Parts"} }, "links.a", "absolute http(s) URL"},
		{"number in a uri-map", func(b map[string]any) { b["links"] = map[string]any{"a": 1} }, "links.a", "absolute http(s) URL or null"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := thing()
			c.mutate(b)
			errs := check(t, s, b)
			if len(errs) != 1 {
				t.Fatalf("reported %d mismatches, want 1 at %s:\n%s", len(errs), c.at, strings.Join(errs, "\n"))
			}
			if !strings.Contains(errs[0], ": "+c.at+": ") || !strings.Contains(errs[0], c.msg) {
				t.Errorf("reported %q, want one naming %s and saying %q", errs[0], c.at, c.msg)
			}
		})
	}
}

func TestBodies(t *testing.T) {
	s := things(t)
	t.Run("a list checks each item by ref", func(t *testing.T) {
		bad := thing()
		delete(bad, "sid")
		raw, _ := json.Marshal(map[string]any{"things": []any{thing(), bad}, "meta": map[string]any{"page": 0}})
		validated, errs := s.Check("GET", "https://things.example.com/v1/Things?PageSize=2", 200, raw)
		if !validated || len(errs) != 1 || !strings.Contains(errs[0], ": things[1].sid: missing") {
			t.Errorf("validated %v, reported %q; want one mismatch at things[1].sid", validated, errs)
		}
	})
	t.Run("an untyped schema with properties is an object", func(t *testing.T) {
		raw, _ := json.Marshal(map[string]any{"things": []any{}, "meta": "page 0"})
		if _, errs := s.Check("GET", "/v1/Things", 200, raw); len(errs) != 1 || !strings.Contains(errs[0], ": meta: want object, got string") {
			t.Errorf("reported %q", errs)
		}
	})
	t.Run("every mismatch is reported", func(t *testing.T) {
		b := thing()
		delete(b, "sid")
		b["count"], b["color"] = "many", 1
		if errs := check(t, s, b); len(errs) != 3 {
			t.Errorf("reported %d mismatches, want 3:\n%s", len(errs), strings.Join(errs, "\n"))
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		validated, errs := s.Check("GET", "/v1/Things/"+thingSid, 200, []byte("<html>"))
		if !validated || len(errs) != 1 || !strings.Contains(errs[0], "(body): body is not JSON") {
			t.Errorf("validated %v, reported %q", validated, errs)
		}
	})
	t.Run("trailing data", func(t *testing.T) {
		raw, _ := json.Marshal(thing())
		_, errs := s.Check("GET", "/v1/Things/"+thingSid, 200, append(raw, " {}"...))
		if len(errs) != 1 || !strings.Contains(errs[0], "trailing data") {
			t.Errorf("reported %q", errs)
		}
	})
	t.Run("the message names the request and the operation", func(t *testing.T) {
		errs := check(t, s, map[string]any{})
		want := "spec: GET /v1/Things/" + thingSid + " → 200 (GET /v1/Things/{Sid}, things.json): "
		if len(errs) == 0 || !strings.HasPrefix(errs[0], want) {
			t.Errorf("reported %q, want messages starting %q", errs, want)
		}
	})
	t.Run("nothing is checked without a JSON schema", func(t *testing.T) {
		for _, c := range []struct {
			method, target string
			status         int
		}{
			{"DELETE", "/v1/Things/" + thingSid, 204},
			{"GET", "/v1/Things/" + thingSid, 404},
			{"GET", "/v1/Things/" + thingSid + "/Parts/PA1", 200},
			{"PUT", "/v1/Things/" + thingSid, 200},
			{"GET", "/v2/Things", 200},
		} {
			if validated, errs := s.Check(c.method, c.target, c.status, []byte(`{"x":1}`)); validated || len(errs) > 0 {
				t.Errorf("%s %s %d: validated %v, reported %q", c.method, c.target, c.status, validated, errs)
			}
		}
	})
	t.Run("an empty Spec checks nothing", func(t *testing.T) {
		if validated, errs := (&speccheck.Spec{}).Check("GET", "/v1/Things", 200, []byte(`[]`)); validated || len(errs) > 0 {
			t.Errorf("validated %v, reported %q", validated, errs)
		}
	})
}

func TestMatch(t *testing.T) {
	s := things(t)
	for _, c := range []struct{ method, target, want string }{
		{"GET", "/v1/Things", "GET /v1/Things"},
		{"post", "/v1/Things", "POST /v1/Things"},
		{"GET", "/v1/Things/" + thingSid, "GET /v1/Things/{Sid}"},
		{"GET", "/v1/Things/Special", "GET /v1/Things/Special"},
		{"GET", "/v1/Things/a%2Fb", "GET /v1/Things/{Sid}"},
		{"GET", "http://127.0.0.1:1234/v1/Things?Page=1#top", "GET /v1/Things"},
		{"GET", "/v1/Things/x/Parts/y?z=1", "GET /v1/Things/{Sid}/Parts/{PartSid}"},
		{"GET", "/v1/Things/", ""},
		{"GET", "/v1/Things//Parts/y", ""},
		{"PUT", "/v1/Things", ""},
		{"GET", "/v1", ""},
	} {
		got := ""
		if op := s.Match(c.method, c.target); op != nil {
			got = op.String()
			if op.File() != "things.json" {
				t.Errorf("Match(%s %s).File() = %q", c.method, c.target, op.File())
			}
		}
		if got != c.want {
			t.Errorf("Match(%s %s) = %q, want %q", c.method, c.target, got, c.want)
		}
	}
}

func TestDocuments(t *testing.T) {
	t.Run("unsupported keywords are reported", func(t *testing.T) {
		for _, kw := range []string{"allOf", "anyOf", "oneOf", "not", "additionalProperties"} {
			s := &speccheck.Spec{}
			doc := `{"paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {"schema":
				{"type": "object", "properties": {"a": {"type": "string", "` + kw + `": []}}}}}}}}}}}`
			if err := s.Add("x.json", []byte(doc)); err != nil {
				t.Fatal(err)
			}
			_, errs := s.Check("GET", "/x", 200, []byte(`{"a": "b"}`))
			if len(errs) != 1 || !strings.Contains(errs[0], ": a: spec keyword "+kw+" is not supported") {
				t.Errorf("%s: reported %q", kw, errs)
			}
		}
	})
	for _, c := range []struct{ name, schema, msg string }{
		{"an unknown type is reported", `{"type": "file"}`, `spec type "file" is not supported`},
		{"an unresolvable $ref is reported", `{"$ref": "#/components/schemas/nothing"}`, `spec $ref "#/components/schemas/nothing" cannot be resolved`},
		{"a $ref outside the document is reported", `{"$ref": "other.json#/a"}`, `cannot be resolved`},
		{"a pattern that does not compile is reported", `{"type": "string", "pattern": "("}`, `spec pattern "(" does not compile`},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &speccheck.Spec{}
			doc := `{"paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {"schema": ` + c.schema + `}}}}}}}}`
			if err := s.Add("x.json", []byte(doc)); err != nil {
				t.Fatal(err)
			}
			if _, errs := s.Check("GET", "/x", 200, []byte(`"b"`)); len(errs) != 1 || !strings.Contains(errs[0], c.msg) {
				t.Errorf("reported %q, want %q", errs, c.msg)
			}
		})
	}
	t.Run("a $ref cycle is reported", func(t *testing.T) {
		s := &speccheck.Spec{}
		doc := `{"paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/a"}}}}}}}},
			"components": {"schemas": {"a": {"$ref": "#/components/schemas/b"}, "b": {"$ref": "#/components/schemas/a"}}}}`
		if err := s.Add("x.json", []byte(doc)); err != nil {
			t.Fatal(err)
		}
		if _, errs := s.Check("GET", "/x", 200, []byte(`1`)); len(errs) != 1 || !strings.Contains(errs[0], "cannot be resolved") {
			t.Errorf("reported %q", errs)
		}
	})
	for _, c := range []struct{ name, doc string }{
		{"a document that is not JSON is refused", `{"paths":`},
		{"a response by $ref is refused", `{"paths": {"/x": {"get": {"responses": {"200": {"$ref": "#/components/responses/ok"}}}}}}`},
		{"an operation that is not an object is refused", `{"paths": {"/x": {"get": []}}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &speccheck.Spec{}
			if err := s.Add("bad.json", []byte(c.doc)); err == nil {
				t.Fatal("Add accepted it")
			}
			if s.Has("bad.json") || s.Match("GET", "/x") != nil {
				t.Error("a refused document was loaded")
			}
		})
	}
}

func TestRead(t *testing.T) {
	t.Run("reads the spec files there are", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "twilio_chat_v2.json"), []byte(thingsDoc), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "other.json"), []byte(`{`), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := speccheck.Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Files(); !slices.Equal(got, []string{"twilio_chat_v2.json"}) || s.Dir() != dir {
			t.Errorf("Files() = %v, Dir() = %q", got, s.Dir())
		}
		if !s.Has("twilio_chat_v2.json") || s.Has("twilio_chat_v1.json") || s.Match("GET", "/v1/Things") == nil {
			t.Error("the document was not loaded")
		}
	})
	t.Run("an empty directory is an empty Spec", func(t *testing.T) {
		s, err := speccheck.Read(t.TempDir())
		if err != nil || len(s.Files()) != 0 {
			t.Errorf("Read = %v, %v; want no files and no error", s.Files(), err)
		}
	})
	t.Run("a broken spec file is an error naming it", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "twilio_chat_v1.json"), []byte(`[]`), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := speccheck.Read(dir); err == nil || !strings.Contains(err.Error(), "twilio_chat_v1.json") {
			t.Errorf("Read = %v, want an error naming the file", err)
		}
	})
}

func TestDir(t *testing.T) {
	t.Run("the environment overrides", func(t *testing.T) {
		t.Setenv(speccheck.DirEnv, "/somewhere/spec")
		if got := speccheck.Dir(); got != "/somewhere/spec" {
			t.Errorf("Dir() = %q", got)
		}
	})
	t.Run("by default beside the module root", func(t *testing.T) {
		t.Setenv(speccheck.DirEnv, "")
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := speccheck.Dir(), filepath.Join(root, "..", "shared", "spec"); got != want {
			t.Errorf("Dir() = %q, want %q", got, want)
		}
	})
}

// recorder is a testing.TB that keeps what Error reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper()           {}
func (r *recorder) Error(args ...any) { r.errs = append(r.errs, fmt.Sprint(args...)) }

func TestReport(t *testing.T) {
	s := things(t)
	rec := &recorder{TB: t}
	b := thing()
	delete(b, "sid")
	delete(b, "name")
	raw, _ := json.Marshal(b)
	if !s.Report(rec, "GET", "/v1/Things/"+thingSid, 200, raw) {
		t.Error("Report = false, want the body validated")
	}
	if len(rec.errs) != 2 || !strings.Contains(rec.errs[0], ": name: missing") || !strings.Contains(rec.errs[1], ": sid: missing") {
		t.Errorf("reported %q, want name and sid missing", rec.errs)
	}
	rec.errs = nil
	if s.Report(rec, "DELETE", "/v1/Things/"+thingSid, 204, nil) || len(rec.errs) > 0 {
		t.Errorf("a 204 was validated or reported %q", rec.errs)
	}
}
