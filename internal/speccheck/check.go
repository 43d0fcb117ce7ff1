package speccheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Check validates a response body against the schema of the operation the
// request matches, for the response's status. It reports validated false,
// checking nothing, when no operation matches or the operation has no JSON
// schema for status (a 204, or an error status). Otherwise each mismatch is
// one message, "spec: METHOD /path → STATUS (operation, file): at: what",
// naming its JSON path (items[0].links.url; "(body)" for the whole body).
func (s *Spec) Check(method, target string, status int, body []byte) (validated bool, mismatches []string) {
	op := s.Match(method, target)
	if op == nil {
		return false, nil
	}
	sch := op.responses[strconv.Itoa(status)]
	if sch == nil {
		return false, nil
	}
	c := &checker{
		doc:   op.doc,
		where: fmt.Sprintf("%s %s → %d (%s, %s)", strings.ToUpper(method), requestPath(target), status, op, op.doc.file),
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		c.errorf("", "body is not JSON: %v: %q", err, body)
		return true, c.errs
	}
	if _, err := dec.Token(); err != io.EOF {
		c.errorf("", "trailing data after the JSON body: %q", body)
	}
	c.check("", sch, v)
	return true, c.errs
}

// checker validates one decoded body and collects what does not fit.
type checker struct {
	doc   *document
	where string
	errs  []string
}

func (c *checker) errorf(at, format string, args ...any) {
	if at == "" {
		at = "(body)"
	}
	c.errs = append(c.errs, fmt.Sprintf("spec: %s: %s: %s", c.where, at, fmt.Sprintf(format, args...)))
}

func join(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

// resolve follows $ref into components/schemas. A value may be null when
// the referring schema or any schema it leads to is marked nullable; a bare
// $ref to an enum schema is therefore non-nullable.
func (c *checker) resolve(at string, s *schema) (*schema, bool, bool) {
	nullable := s.Nullable
	for depth := 0; s.Ref != ""; depth++ {
		name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/")
		target := c.doc.schemas[name]
		if !ok || target == nil || depth > 32 {
			c.errorf(at, "spec $ref %q cannot be resolved", s.Ref)
			return nil, false, false
		}
		s = target
		nullable = nullable || s.Nullable
	}
	return s, nullable, true
}

// check validates v against s.
func (c *checker) check(at string, s *schema, v any) {
	if s == nil {
		return
	}
	s, nullable, ok := c.resolve(at, s)
	if !ok {
		return
	}
	for _, kw := range []struct {
		name string
		raw  json.RawMessage
	}{
		{"allOf", s.AllOf}, {"anyOf", s.AnyOf}, {"oneOf", s.OneOf}, {"not", s.Not},
		{"additionalProperties", s.AdditionalProperties},
	} {
		if kw.raw != nil {
			c.errorf(at, "spec keyword %s is not supported by the checker", kw.name)
		}
	}
	if v == nil {
		if !nullable {
			c.errorf(at, "got null, but the schema is not nullable")
		}
		return
	}
	switch s.Type {
	case "string":
		str, ok := v.(string)
		if !ok {
			c.wrongType(at, s.Type, v)
			return
		}
		c.checkString(at, s, str)
	case "integer":
		n, ok := v.(json.Number)
		if !ok || !integerRe.MatchString(string(n)) {
			c.wrongType(at, s.Type, v)
			return
		}
		c.checkEnum(at, s, v)
	case "number":
		if _, ok := v.(json.Number); !ok {
			c.wrongType(at, s.Type, v)
			return
		}
		c.checkEnum(at, s, v)
	case "boolean":
		if _, ok := v.(bool); !ok {
			c.wrongType(at, s.Type, v)
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			c.wrongType(at, s.Type, v)
			return
		}
		for i, it := range a {
			c.check(fmt.Sprintf("%s[%d]", at, i), s.Items, it)
		}
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			c.wrongType(at, s.Type, v)
			return
		}
		c.checkObject(at, s, m)
	case "":
		// No type: any JSON value ("limits", "media", "notifications",
		// "configuration"), unless the schema lists properties.
		if s.Properties != nil {
			m, ok := v.(map[string]any)
			if !ok {
				c.wrongType(at, "object", v)
				return
			}
			c.checkObject(at, s, m)
			return
		}
		c.checkEnum(at, s, v)
	default:
		c.errorf(at, "spec type %q is not supported by the checker", s.Type)
	}
}

// integerRe is a JSON number with neither fraction nor exponent.
var integerRe = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)

// dateTimeRe is Twilio's date-time: UTC, whole seconds.
var dateTimeRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)

func (c *checker) wrongType(at, want string, v any) {
	c.errorf(at, "want %s, got %s %s", want, kind(v), show(v))
}

func kind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if integerRe.MatchString(string(v)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 120 {
		return string(b[:120]) + "…"
	}
	return string(b)
}

func (c *checker) checkEnum(at string, s *schema, v any) {
	if len(s.Enum) == 0 {
		return
	}
	for _, e := range s.Enum {
		if show(e) == show(v) {
			return
		}
	}
	c.errorf(at, "got %s, want one of the enum %s", show(v), show(s.Enum))
}

var patterns sync.Map // pattern → *regexp.Regexp or error

func compiled(p string) (*regexp.Regexp, error) {
	if v, ok := patterns.Load(p); ok {
		if re, ok := v.(*regexp.Regexp); ok {
			return re, nil
		}
		return nil, v.(error)
	}
	re, err := regexp.Compile(p)
	if err != nil {
		patterns.Store(p, err)
		return nil, err
	}
	patterns.Store(p, re)
	return re, nil
}

func (c *checker) checkString(at string, s *schema, v string) {
	c.checkEnum(at, s, v)
	if s.Pattern != "" {
		re, err := compiled(s.Pattern)
		switch {
		case err != nil:
			c.errorf(at, "spec pattern %q does not compile: %v", s.Pattern, err)
		case !re.MatchString(v):
			c.errorf(at, "got %q, which does not match the pattern %s", v, s.Pattern)
		}
	}
	n := utf8.RuneCountInString(v)
	if s.MinLength != nil && n < *s.MinLength {
		c.errorf(at, "got %q, %d characters, shorter than minLength %d", v, n, *s.MinLength)
	}
	if s.MaxLength != nil && n > *s.MaxLength {
		c.errorf(at, "got %q, %d characters, longer than maxLength %d", v, n, *s.MaxLength)
	}
	switch s.Format {
	case "date-time":
		if !dateTimeRe.MatchString(v) {
			c.errorf(at, "got %q, want a date-time in Twilio's form 2006-01-02T15:04:05Z (UTC, whole seconds)", v)
		} else if _, err := time.Parse("2006-01-02T15:04:05Z", v); err != nil {
			c.errorf(at, "got %q, not a valid date-time: %v", v, err)
		}
	case "uri":
		if !absURL(v) {
			c.errorf(at, "got %q, want an absolute http(s) URL", v)
		}
	}
}

// absURL reports whether s is an absolute http or https URL.
func absURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// checkObject validates an object. When the schema lists properties the
// object must carry exactly those: Twilio sends every property, null when
// unset. An object schema listing none (a uri-map, or a free-form object)
// allows any keys.
func (c *checker) checkObject(at string, s *schema, m map[string]any) {
	if s.Properties != nil {
		for _, name := range sortedKeys(s.Properties) {
			if _, ok := m[name]; !ok {
				c.errorf(join(at, name), "missing: the spec lists it (Twilio sends null when unset)")
			}
		}
		for _, name := range sortedKeys(m) {
			ps, ok := s.Properties[name]
			if !ok {
				c.errorf(join(at, name), "extra property %s, not in the spec", show(m[name]))
				continue
			}
			c.check(join(at, name), ps, m[name])
		}
	}
	if s.Format == "uri-map" {
		for _, name := range sortedKeys(m) {
			switch v := m[name].(type) {
			case nil:
			case string:
				if !absURL(v) {
					c.errorf(join(at, name), "got %q, want an absolute http(s) URL", v)
				}
			default:
				c.errorf(join(at, name), "want an absolute http(s) URL or null, got %s %s", kind(v), show(v))
			}
		}
	}
}
