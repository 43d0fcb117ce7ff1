package server_test

// This file checks chatd's responses against Twilio's OpenAPI specs of the
// Chat API (twilio_chat_v1.json, _v2.json and _v3.json in ../../shared/spec,
// or in $CHATD_SPEC_DIR). checkSpec is called by the harness on every
// response of every wire test; the tests here check the checker itself and
// drive every served v2 operation through it. Everything skips (and
// checkSpec checks nothing) when the spec files are absent.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// specDirEnv names a directory holding the spec files, overriding the
// default ../../shared/spec (relative to this package's directory).
const specDirEnv = "CHATD_SPEC_DIR"

// specFileNames are the spec files loaded, whichever of them exist.
var specFileNames = []string{"twilio_chat_v1.json", "twilio_chat_v2.json", "twilio_chat_v3.json"}

func specDir() string {
	if d := os.Getenv(specDirEnv); d != "" {
		return d
	}
	return filepath.Join("..", "..", "shared", "spec")
}

// specSchema is the subset of an OpenAPI 3.0 schema object the Twilio Chat
// specs use.
type specSchema struct {
	Ref        string                 `json:"$ref"`
	Type       string                 `json:"type"`
	Format     string                 `json:"format"`
	Nullable   bool                   `json:"nullable"`
	Pattern    string                 `json:"pattern"`
	MinLength  *int                   `json:"minLength"`
	MaxLength  *int                   `json:"maxLength"`
	Enum       []any                  `json:"enum"`
	Properties map[string]*specSchema `json:"properties"`
	Items      *specSchema            `json:"items"`

	// Keywords the checker does not implement. The Chat specs use none of
	// them; should one appear, the checker reports it instead of letting the
	// value pass unchecked.
	AllOf                json.RawMessage `json:"allOf"`
	AnyOf                json.RawMessage `json:"anyOf"`
	OneOf                json.RawMessage `json:"oneOf"`
	Not                  json.RawMessage `json:"not"`
	AdditionalProperties json.RawMessage `json:"additionalProperties"`
}

// specDoc is one loaded spec file.
type specDoc struct {
	file    string
	schemas map[string]*specSchema // components/schemas
}

// specOp is one operation: a method on a path template, with the JSON
// schema of each response status that has one.
type specOp struct {
	doc       *specDoc
	method    string
	template  string
	segs      []string // template segments; "{Name}" ones are parameters
	responses map[string]*specSchema
}

func (op *specOp) String() string { return op.method + " " + op.template }

// specRegistry is every operation of the loaded spec files, by method.
type specRegistry struct {
	dir   string
	files []string
	ops   map[string][]*specOp
	err   error
}

var (
	specOnce sync.Once
	specReg  *specRegistry
)

// loadedSpec returns the registry, loading it on first use.
func loadedSpec() *specRegistry {
	specOnce.Do(func() { specReg = loadSpecRegistry(specDir()) })
	return specReg
}

func loadSpecRegistry(dir string) *specRegistry {
	reg := &specRegistry{dir: dir, ops: map[string][]*specOp{}}
	for _, name := range specFileNames {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil {
			err = reg.add(name, raw)
		}
		if err != nil {
			reg.err = fmt.Errorf("%s: %w", name, err)
			return reg
		}
		reg.files = append(reg.files, name)
	}
	for _, ops := range reg.ops {
		sort.Slice(ops, func(i, j int) bool { return ops[i].template < ops[j].template })
	}
	return reg
}

// specMethods are the operation keys of an OpenAPI path item; its other
// keys (servers, description, parameters, x-twilio) are not operations.
var specMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// add indexes the operations of one spec file.
func (reg *specRegistry) add(name string, raw []byte) error {
	var file struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]*specSchema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		return err
	}
	doc := &specDoc{file: name, schemas: file.Components.Schemas}
	for _, s := range doc.schemas {
		acceptUserChannelStatusQuirk(s)
	}
	for template, item := range file.Paths {
		for _, m := range specMethods {
			rawOp, ok := item[m]
			if !ok {
				continue
			}
			var op struct {
				Responses map[string]struct {
					Ref     string `json:"$ref"`
					Content map[string]struct {
						Schema *specSchema `json:"schema"`
					} `json:"content"`
				} `json:"responses"`
			}
			if err := json.Unmarshal(rawOp, &op); err != nil {
				return fmt.Errorf("%s %s: %w", m, template, err)
			}
			o := &specOp{
				doc:       doc,
				method:    strings.ToUpper(m),
				template:  template,
				segs:      strings.Split(strings.TrimPrefix(template, "/"), "/"),
				responses: map[string]*specSchema{},
			}
			for status, resp := range op.Responses {
				if resp.Ref != "" {
					return fmt.Errorf("%s %s %s: response $ref %q is not supported", m, template, status, resp.Ref)
				}
				if c, ok := resp.Content["application/json"]; ok && c.Schema != nil {
					acceptUserChannelStatusQuirk(c.Schema)
					o.responses[status] = c.Schema
				}
			}
			reg.ops[o.method] = append(reg.ops[o.method], o)
		}
	}
	return nil
}

// acceptUserChannelStatusQuirk handles a known quirk of the v2 spec: its
// user_channel status enum (user_channel_enum_channel_status) lists
// "notParticipating", while Twilio's docs, the v1 spec and the API itself
// use "not_participating". Wherever an enum lists "notParticipating", the
// checker accepts both spellings.
func acceptUserChannelStatusQuirk(s *specSchema) {
	if s == nil {
		return
	}
	if specEnumHas(s.Enum, "notParticipating") && !specEnumHas(s.Enum, "not_participating") {
		s.Enum = append(s.Enum, "not_participating")
	}
	for _, p := range s.Properties {
		acceptUserChannelStatusQuirk(p)
	}
	acceptUserChannelStatusQuirk(s.Items)
}

func specEnumHas(enum []any, v string) bool {
	for _, e := range enum {
		if e == v {
			return true
		}
	}
	return false
}

func specIsParam(s string) bool { return len(s) > 2 && s[0] == '{' && s[len(s)-1] == '}' }

// match returns the operation whose template fits path: the same number of
// segments, equal static segments, and a non-empty segment for each
// parameter. Of several fits the one with the most static segments wins.
func (reg *specRegistry) match(method, path string) *specOp {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var best *specOp
	bestStatic := -1
	for _, op := range reg.ops[strings.ToUpper(method)] {
		if len(op.segs) != len(segs) {
			continue
		}
		static, ok := 0, true
		for i, s := range op.segs {
			if specIsParam(s) {
				if segs[i] == "" {
					ok = false
					break
				}
				continue
			}
			if s != segs[i] {
				ok = false
				break
			}
			static++
		}
		if ok && static > bestStatic {
			best, bestStatic = op, static
		}
	}
	return best
}

// specRequestPath reduces a request target to its escaped path: without
// scheme, host and query string, and with escaped segments (%2F) kept whole.
func specRequestPath(target string) string {
	if u, err := url.Parse(target); err == nil {
		return u.EscapedPath()
	}
	if i := strings.IndexAny(target, "?#"); i >= 0 {
		target = target[:i]
	}
	if i := strings.Index(target, "://"); i >= 0 {
		rest := target[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return rest[j:]
		}
		return "/"
	}
	return target
}

// checkSpec validates a response against the spec. path is the request
// target (a path, possibly with a query string, or an absolute URL). It
// returns false, checking nothing, when no spec is loaded, no operation
// matches, or the operation has no JSON schema for status (a 204, or an
// error status). Otherwise it reports every mismatch with t.Errorf, naming
// its JSON path, and returns true.
func checkSpec(t testing.TB, method, path string, status int, body []byte) bool {
	t.Helper()
	reg := loadedSpec()
	if reg.err != nil {
		t.Errorf("spec: loading %s: %v", reg.dir, reg.err)
		return false
	}
	p := specRequestPath(path)
	op := reg.match(method, p)
	if op == nil {
		return false
	}
	sch := op.responses[strconv.Itoa(status)]
	if sch == nil {
		return false
	}
	c := &specChecker{
		t:     t,
		doc:   op.doc,
		where: fmt.Sprintf("%s %s → %d (%s, %s)", strings.ToUpper(method), p, status, op, op.doc.file),
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		c.errorf("", "body is not JSON: %v: %q", err, body)
		return true
	}
	if _, err := dec.Token(); err != io.EOF {
		c.errorf("", "trailing data after the JSON body: %q", body)
	}
	c.check("", sch, v)
	return true
}

// specChecker validates one decoded body.
type specChecker struct {
	t     testing.TB
	doc   *specDoc
	where string
}

func (c *specChecker) errorf(at, format string, args ...any) {
	c.t.Helper()
	if at == "" {
		at = "(body)"
	}
	c.t.Errorf("spec: %s: %s: %s", c.where, at, fmt.Sprintf(format, args...))
}

func specJoin(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

// resolve follows $ref into components/schemas. A value may be null when
// the referring schema or any schema it leads to is marked nullable; a bare
// $ref to an enum schema is therefore non-nullable.
func (c *specChecker) resolve(at string, s *specSchema) (*specSchema, bool, bool) {
	c.t.Helper()
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
func (c *specChecker) check(at string, s *specSchema, v any) {
	c.t.Helper()
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
		if !ok || !specIntegerRe.MatchString(string(n)) {
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

// specIntegerRe is a JSON number with neither fraction nor exponent.
var specIntegerRe = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)

// specDateTimeRe is Twilio's date-time: UTC, whole seconds.
var specDateTimeRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)

func (c *specChecker) wrongType(at, want string, v any) {
	c.t.Helper()
	c.errorf(at, "want %s, got %s %s", want, specKind(v), specShow(v))
}

func specKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if specIntegerRe.MatchString(string(v)) {
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

func specShow(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 120 {
		return string(b[:120]) + "…"
	}
	return string(b)
}

func (c *specChecker) checkEnum(at string, s *specSchema, v any) {
	c.t.Helper()
	if len(s.Enum) == 0 {
		return
	}
	for _, e := range s.Enum {
		if specShow(e) == specShow(v) {
			return
		}
	}
	c.errorf(at, "got %s, want one of the enum %s", specShow(v), specShow(s.Enum))
}

var specPatterns sync.Map // pattern → *regexp.Regexp or error

func specPattern(p string) (*regexp.Regexp, error) {
	if v, ok := specPatterns.Load(p); ok {
		if re, ok := v.(*regexp.Regexp); ok {
			return re, nil
		}
		return nil, v.(error)
	}
	re, err := regexp.Compile(p)
	if err != nil {
		specPatterns.Store(p, err)
		return nil, err
	}
	specPatterns.Store(p, re)
	return re, nil
}

func (c *specChecker) checkString(at string, s *specSchema, v string) {
	c.t.Helper()
	c.checkEnum(at, s, v)
	if s.Pattern != "" {
		re, err := specPattern(s.Pattern)
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
		if !specDateTimeRe.MatchString(v) {
			c.errorf(at, "got %q, want a date-time in Twilio's form 2006-01-02T15:04:05Z (UTC, whole seconds)", v)
		} else if _, err := time.Parse("2006-01-02T15:04:05Z", v); err != nil {
			c.errorf(at, "got %q, not a valid date-time: %v", v, err)
		}
	case "uri":
		if !specAbsURL(v) {
			c.errorf(at, "got %q, want an absolute http(s) URL", v)
		}
	}
}

// specAbsURL reports whether s is an absolute http or https URL.
func specAbsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func specSortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkObject validates an object. When the schema lists properties the
// object must carry exactly those: Twilio sends every property, null when
// unset. An object schema listing none (a uri-map, or a free-form object)
// allows any keys.
func (c *specChecker) checkObject(at string, s *specSchema, m map[string]any) {
	c.t.Helper()
	if s.Properties != nil {
		for _, name := range specSortedKeys(s.Properties) {
			if _, ok := m[name]; !ok {
				c.errorf(specJoin(at, name), "missing: the spec lists it (Twilio sends null when unset)")
			}
		}
		for _, name := range specSortedKeys(m) {
			ps, ok := s.Properties[name]
			if !ok {
				c.errorf(specJoin(at, name), "extra property %s, not in the spec", specShow(m[name]))
				continue
			}
			c.check(specJoin(at, name), ps, m[name])
		}
	}
	if s.Format == "uri-map" {
		for _, name := range specSortedKeys(m) {
			switch v := m[name].(type) {
			case nil:
			case string:
				if !specAbsURL(v) {
					c.errorf(specJoin(at, name), "got %q, want an absolute http(s) URL", v)
				}
			default:
				c.errorf(specJoin(at, name), "want an absolute http(s) URL or null, got %s %s", specKind(v), specShow(v))
			}
		}
	}
}

// requireSpec skips t unless the spec file name (e.g. twilio_chat_v2.json)
// is loaded.
func requireSpec(t testing.TB, name string) *specRegistry {
	t.Helper()
	reg := loadedSpec()
	if reg.err != nil {
		t.Fatalf("loading the spec from %s: %v", reg.dir, reg.err)
	}
	for _, f := range reg.files {
		if f == name {
			return reg
		}
	}
	t.Skipf("spec %s not found in %s (set %s to its directory)", name, reg.dir, specDirEnv)
	return nil
}

// specRecorder is a testing.TB that captures Errorf calls instead of
// failing, so the checker's own tests can see what it reports.
type specRecorder struct {
	testing.TB
	errs []string
}

func (r *specRecorder) Helper() {}

func (r *specRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *specRecorder) Error(args ...any) { r.errs = append(r.errs, fmt.Sprint(args...)) }

// Sample values for hand-made bodies.
const (
	specHex     = "0123456789abcdef0123456789abcdef"
	specBase    = "https://chat.twilio.com/v2"
	specDate    = "2024-01-02T03:04:05Z"
	specService = "IS" + specHex
	specAccount = "AC" + specHex
	specRole    = "RL" + specHex
	specChannel = "CH" + specHex
	specUser    = "US" + specHex
	specMember  = "MB" + specHex
	specMessage = "IM" + specHex
)

func specServiceBody() map[string]any {
	u := specBase + "/Services/" + specService
	return map[string]any{
		"sid":                              specService,
		"account_sid":                      specAccount,
		"friendly_name":                    "friendly",
		"date_created":                     specDate,
		"date_updated":                     specDate,
		"default_service_role_sid":         specRole,
		"default_channel_role_sid":         specRole,
		"default_channel_creator_role_sid": specRole,
		"read_status_enabled":              true,
		"reachability_enabled":             false,
		"typing_indicator_timeout":         5,
		"consumption_report_interval":      10,
		"limits":                           map[string]any{"channel_members": 100, "user_channels": 250},
		"pre_webhook_url":                  nil,
		"post_webhook_url":                 nil,
		"webhook_method":                   nil,
		"webhook_filters":                  nil,
		"pre_webhook_retry_count":          0,
		"post_webhook_retry_count":         0,
		"notifications":                    map[string]any{"log_enabled": false},
		"media":                            map[string]any{"size_limit_mb": 150},
		"url":                              u,
		"links": map[string]any{
			"channels": u + "/Channels", "users": u + "/Users",
			"roles": u + "/Roles", "bindings": u + "/Bindings",
		},
	}
}

func specChannelBody() map[string]any {
	u := specBase + "/Services/" + specService + "/Channels/" + specChannel
	return map[string]any{
		"sid":            specChannel,
		"account_sid":    specAccount,
		"service_sid":    specService,
		"friendly_name":  "General",
		"unique_name":    "general",
		"attributes":     "{}",
		"type":           "public",
		"date_created":   specDate,
		"date_updated":   specDate,
		"created_by":     "system",
		"members_count":  1,
		"messages_count": 2,
		"url":            u,
		"links": map[string]any{
			"members": u + "/Members", "messages": u + "/Messages", "invites": u + "/Invites",
			"webhooks": u + "/Webhooks", "last_message": u + "/Messages/" + specMessage,
		},
	}
}

func specUserChannelBody() map[string]any {
	ch := specBase + "/Services/" + specService + "/Channels/" + specChannel
	return map[string]any{
		"account_sid":                 specAccount,
		"service_sid":                 specService,
		"channel_sid":                 specChannel,
		"user_sid":                    specUser,
		"member_sid":                  specMember,
		"status":                      "joined",
		"last_consumed_message_index": 1,
		"unread_messages_count":       0,
		"links":                       map[string]any{"channel": ch, "member": ch + "/Members/" + specMember},
		"url":                         specBase + "/Services/" + specService + "/Users/" + specUser + "/Channels/" + specChannel,
		"notification_level":          "default",
	}
}

func specChannelListBody(channels ...map[string]any) map[string]any {
	u := specBase + "/Services/" + specService + "/Channels?PageSize=50&Page=0"
	items := make([]any, len(channels))
	for i, ch := range channels {
		items[i] = ch
	}
	return map[string]any{
		"channels": items,
		"meta": map[string]any{
			"page": 0, "page_size": 50, "first_page_url": u, "previous_page_url": nil,
			"url": u, "next_page_url": nil, "key": "channels",
		},
	}
}

// specRun runs checkSpec on body with a recorder and returns what it
// reported; it fails t unless checkSpec validated the body.
func specRun(t *testing.T, method, path string, status int, body any) []string {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	rec := &specRecorder{TB: t}
	if !checkSpec(rec, method, path, status, raw) {
		t.Fatalf("checkSpec(%s %s %d) = false, want the body validated", method, path, status)
	}
	return rec.errs
}

// specCase is a hand-made body the checker must report exactly once, at
// path, with a message containing msg.
type specCase struct {
	name   string
	mutate func(b map[string]any)
	path   string
	msg    string
}

func runSpecCases(t *testing.T, method, path string, fresh func() map[string]any, cases []specCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := fresh()
			tc.mutate(b)
			errs := specRun(t, method, path, http.StatusOK, b)
			if len(errs) != 1 {
				t.Fatalf("reported %d mismatches, want 1 at %s:\n%s", len(errs), tc.path, strings.Join(errs, "\n"))
			}
			if !strings.Contains(errs[0], ": "+tc.path+": ") || !strings.Contains(errs[0], tc.msg) {
				t.Errorf("reported %q, want one naming %s and saying %q", errs[0], tc.path, tc.msg)
			}
		})
	}
}

func specLinks(b map[string]any) map[string]any { return b["links"].(map[string]any) }

func TestSpecCheckerService(t *testing.T) {
	requireSpec(t, "twilio_chat_v2.json")
	path := "/v2/Services/" + specService

	t.Run("correct body passes", func(t *testing.T) {
		if errs := specRun(t, http.MethodGet, path, http.StatusOK, specServiceBody()); len(errs) > 0 {
			t.Errorf("a correct body was reported:\n%s", strings.Join(errs, "\n"))
		}
	})
	valid := []struct {
		name   string
		mutate func(b map[string]any)
	}{
		{"nullable property null", func(b map[string]any) { b["friendly_name"] = nil }},
		{"nullable array null", func(b map[string]any) { b["webhook_filters"] = nil }},
		{"string array", func(b map[string]any) { b["webhook_filters"] = []any{"onMessageSent", "onChannelAdded"} }},
		{"untyped property takes any value", func(b map[string]any) { b["limits"] = "anything" }},
		{"untyped property null", func(b map[string]any) { b["media"] = nil }},
		{"null link", func(b map[string]any) { specLinks(b)["bindings"] = nil }},
		{"links null", func(b map[string]any) { b["links"] = nil }},
		{"https and http URLs", func(b map[string]any) { b["url"] = "http://127.0.0.1:8080/v2/Services/" + specService }},
	}
	for _, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			b := specServiceBody()
			tc.mutate(b)
			if errs := specRun(t, http.MethodGet, path, http.StatusOK, b); len(errs) > 0 {
				t.Errorf("a valid body was reported:\n%s", strings.Join(errs, "\n"))
			}
		})
	}

	runSpecCases(t, http.MethodGet, path, specServiceBody, []specCase{
		{"missing property", func(b map[string]any) { delete(b, "friendly_name") }, "friendly_name", "missing"},
		{"extra property", func(b map[string]any) { b["webhooks"] = map[string]any{} }, "webhooks", "extra property"},
		{"string for integer", func(b map[string]any) { b["typing_indicator_timeout"] = "5" }, "typing_indicator_timeout", "want integer, got string"},
		{"fraction for integer", func(b map[string]any) { b["consumption_report_interval"] = 10.5 }, "consumption_report_interval", "want integer, got number"},
		{"string for boolean", func(b map[string]any) { b["read_status_enabled"] = "true" }, "read_status_enabled", "want boolean, got string"},
		{"number for string", func(b map[string]any) { b["friendly_name"] = 7 }, "friendly_name", "want string, got integer"},
		{"string for array", func(b map[string]any) { b["webhook_filters"] = "onMessageSent" }, "webhook_filters", "want array, got string"},
		{"bad array item", func(b map[string]any) { b["webhook_filters"] = []any{"onMessageSent", 3} }, "webhook_filters[1]", "want string, got integer"},
		{"null in non-nullable", func(b map[string]any) { b["typing_indicator_timeout"] = nil }, "typing_indicator_timeout", "not nullable"},
		{"malformed SID", func(b map[string]any) { b["sid"] = "IS" + strings.Repeat("z", 32) }, "sid", "does not match the pattern"},
		{"SID of another resource", func(b map[string]any) { b["default_service_role_sid"] = specService }, "default_service_role_sid", "does not match the pattern"},
		{"date with milliseconds", func(b map[string]any) { b["date_created"] = "2024-01-02T03:04:05.000Z" }, "date_created", "want a date-time"},
		{"date with offset", func(b map[string]any) { b["date_updated"] = "2024-01-02T03:04:05+00:00" }, "date_updated", "want a date-time"},
		{"impossible date", func(b map[string]any) { b["date_updated"] = "2024-13-02T03:04:05Z" }, "date_updated", "not a valid date-time"},
		{"relative url", func(b map[string]any) { b["url"] = "/v2/Services/" + specService }, "url", "absolute http(s) URL"},
		{"non-http url", func(b map[string]any) { b["url"] = "ftp://chat.twilio.com/v2" }, "url", "absolute http(s) URL"},
		{"relative link", func(b map[string]any) { specLinks(b)["channels"] = "/v2/Services/" + specService + "/Channels" }, "links.channels", "absolute http(s) URL"},
		{"non-string link", func(b map[string]any) { specLinks(b)["users"] = 5 }, "links.users", "absolute http(s) URL or null"},
		{"links not an object", func(b map[string]any) { b["links"] = "x" }, "links", "want object, got string"},
	})

	t.Run("every mismatch reported", func(t *testing.T) {
		b := specServiceBody()
		delete(b, "sid")
		b["extra"] = true
		b["url"] = "relative"
		errs := specRun(t, http.MethodGet, path, http.StatusOK, b)
		for _, want := range []string{": sid: ", ": extra: ", ": url: "} {
			found := false
			for _, e := range errs {
				found = found || strings.Contains(e, want)
			}
			if !found {
				t.Errorf("nothing reported at %q in:\n%s", want, strings.Join(errs, "\n"))
			}
		}
		if len(errs) != 3 {
			t.Errorf("reported %d mismatches, want 3:\n%s", len(errs), strings.Join(errs, "\n"))
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		rec := &specRecorder{TB: t}
		if !checkSpec(rec, http.MethodGet, path, http.StatusOK, []byte("<html>")) || len(rec.errs) != 1 {
			t.Errorf("a non-JSON body: reported %q, want one mismatch", rec.errs)
		}
	})
	t.Run("array body", func(t *testing.T) {
		errs := specRun(t, http.MethodGet, path, http.StatusOK, []any{})
		if len(errs) != 1 || !strings.Contains(errs[0], "(body): want object, got array") {
			t.Errorf("an array body: reported %q", errs)
		}
	})
}

func TestSpecCheckerEnums(t *testing.T) {
	requireSpec(t, "twilio_chat_v2.json")
	channel := "/v2/Services/" + specService + "/Channels/" + specChannel
	userChannel := "/v2/Services/" + specService + "/Users/" + specUser + "/Channels/" + specChannel

	for _, typ := range []string{"public", "private"} {
		b := specChannelBody()
		b["type"] = typ
		if errs := specRun(t, http.MethodGet, channel, http.StatusOK, b); len(errs) > 0 {
			t.Errorf("channel type %q reported:\n%s", typ, strings.Join(errs, "\n"))
		}
	}
	// Both spellings of the v2 spec quirk pass (see acceptUserChannelStatusQuirk).
	for _, status := range []string{"joined", "invited", "notParticipating", "not_participating"} {
		b := specUserChannelBody()
		b["status"] = status
		if errs := specRun(t, http.MethodPost, userChannel, http.StatusOK, b); len(errs) > 0 {
			t.Errorf("user channel status %q reported:\n%s", status, strings.Join(errs, "\n"))
		}
	}
	invited := specUserChannelBody()
	invited["member_sid"], specLinks(invited)["member"] = nil, nil
	invited["last_consumed_message_index"], invited["unread_messages_count"] = nil, nil
	if errs := specRun(t, http.MethodGet, userChannel, http.StatusOK, invited); len(errs) > 0 {
		t.Errorf("invited user channel reported:\n%s", strings.Join(errs, "\n"))
	}

	runSpecCases(t, http.MethodGet, channel, specChannelBody, []specCase{
		{"bad enum", func(b map[string]any) { b["type"] = "secret" }, "type", "want one of the enum"},
		{"enum is case-sensitive", func(b map[string]any) { b["type"] = "Public" }, "type", "want one of the enum"},
		{"null in a bare enum $ref", func(b map[string]any) { b["type"] = nil }, "type", "not nullable"},
		{"number for enum", func(b map[string]any) { b["type"] = 1 }, "type", "want string, got integer"},
		{"relative last_message", func(b map[string]any) { specLinks(b)["last_message"] = "Messages/" + specMessage }, "links.last_message", "absolute http(s) URL"},
	})
	runSpecCases(t, http.MethodGet, userChannel, specUserChannelBody, []specCase{
		{"bad status", func(b map[string]any) { b["status"] = "left" }, "status", "want one of the enum"},
		{"bad notification level", func(b map[string]any) { b["notification_level"] = "loud" }, "notification_level", "want one of the enum"},
		{"null notification level", func(b map[string]any) { b["notification_level"] = nil }, "notification_level", "not nullable"},
		{"empty notification level", func(b map[string]any) { b["notification_level"] = "" }, "notification_level", "want one of the enum"},
		{"null status", func(b map[string]any) { b["status"] = nil }, "status", "not nullable"},
	})
}

func TestSpecCheckerList(t *testing.T) {
	requireSpec(t, "twilio_chat_v2.json")
	path := "/v2/Services/" + specService + "/Channels"

	if errs := specRun(t, http.MethodGet, path, http.StatusOK, specChannelListBody()); len(errs) > 0 {
		t.Errorf("an empty list reported:\n%s", strings.Join(errs, "\n"))
	}
	if errs := specRun(t, http.MethodGet, path, http.StatusOK, specChannelListBody(specChannelBody(), specChannelBody())); len(errs) > 0 {
		t.Errorf("a list of two reported:\n%s", strings.Join(errs, "\n"))
	}
	fresh := func() map[string]any { return specChannelListBody(specChannelBody(), specChannelBody()) }
	meta := func(b map[string]any) map[string]any { return b["meta"].(map[string]any) }
	item := func(b map[string]any, i int) map[string]any { return b["channels"].([]any)[i].(map[string]any) }
	runSpecCases(t, http.MethodGet, path, fresh, []specCase{
		{"bad item link", func(b map[string]any) { specLinks(item(b, 0))["last_message"] = "nope" }, "channels[0].links.last_message", "absolute http(s) URL"},
		{"missing item property", func(b map[string]any) { delete(item(b, 1), "members_count") }, "channels[1].members_count", "missing"},
		{"extra item property", func(b map[string]any) { item(b, 1)["is_online"] = nil }, "channels[1].is_online", "extra property"},
		{"items not an array", func(b map[string]any) { b["channels"] = map[string]any{} }, "channels", "want array, got object"},
		{"missing items", func(b map[string]any) { delete(b, "channels") }, "channels", "missing"},
		{"missing meta", func(b map[string]any) { delete(b, "meta") }, "meta", "missing"},
		{"extra top-level", func(b map[string]any) { b["services"] = []any{} }, "services", "extra property"},
		{"missing meta.key", func(b map[string]any) { delete(meta(b), "key") }, "meta.key", "missing"},
		{"extra meta property", func(b map[string]any) { meta(b)["total"] = 2 }, "meta.total", "extra property"},
		{"string meta.page", func(b map[string]any) { meta(b)["page"] = "0" }, "meta.page", "want integer, got string"},
		{"null meta.page_size", func(b map[string]any) { meta(b)["page_size"] = nil }, "meta.page_size", "not nullable"},
		{"null meta.first_page_url", func(b map[string]any) { meta(b)["first_page_url"] = nil }, "meta.first_page_url", "not nullable"},
		{"relative meta.next_page_url", func(b map[string]any) { meta(b)["next_page_url"] = "/v2/Services?Page=1" }, "meta.next_page_url", "absolute http(s) URL"},
	})
}

func TestSpecCheckerMatching(t *testing.T) {
	reg := requireSpec(t, "twilio_chat_v2.json")
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/v2/Services", "GET /v2/Services"},
		{"GET", "/v2/Services/" + specService, "GET /v2/Services/{Sid}"},
		{"post", "/v2/Services/" + specService + "/Channels/general", "POST /v2/Services/{ServiceSid}/Channels/{Sid}"},
		{"GET", "/v2/Services/" + specService + "/Channels/general/Members", "GET /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Members"},
		{"GET", "/v2/Services/" + specService + "/Users/alice/Channels", "GET /v2/Services/{ServiceSid}/Users/{UserSid}/Channels"},
		{"DELETE", "/v2/Services/" + specService + "/Users/alice/Channels/general", "DELETE /v2/Services/{ServiceSid}/Users/{UserSid}/Channels/{ChannelSid}"},
		{"GET", "/v2/Services/" + specService + "/Channels/a%2Fb", "GET /v2/Services/{ServiceSid}/Channels/{Sid}"},
		{"GET", "http://127.0.0.1:1234/v2/Services/" + specService + "/Roles?PageSize=1&Page=0", "GET /v2/Services/{ServiceSid}/Roles"},
		{"GET", "/v2/Services/" + specService + "/Roles?PageSize=1", "GET /v2/Services/{ServiceSid}/Roles"},
		{"GET", "/v2/Services/", ""},
		{"GET", "/v2/Services//Roles", ""},
		{"GET", "/v2/Nothing", ""},
		{"PUT", "/v2/Services", ""},
		{"GET", "/_chatd/health", ""},
	} {
		got := ""
		if op := reg.match(tc.method, specRequestPath(tc.path)); op != nil {
			got = op.String()
		}
		if got != tc.want {
			t.Errorf("match(%s %s) = %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestSpecCheckerSkips(t *testing.T) {
	requireSpec(t, "twilio_chat_v2.json")
	svc := "/v2/Services/" + specService
	errBody := []byte(`{"code":20404,"message":"not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404}`)
	for _, tc := range []struct {
		name, method, path string
		status             int
		body               []byte
	}{
		{"204 has no schema", http.MethodDelete, svc, http.StatusNoContent, nil},
		{"error status has no schema", http.MethodGet, svc, http.StatusNotFound, errBody},
		{"201 is not a fetch status", http.MethodGet, svc, http.StatusCreated, []byte(`{}`)},
		{"no such path", http.MethodGet, "/v2/Nothing", http.StatusOK, []byte(`{}`)},
		{"no such method", http.MethodPut, svc, http.StatusOK, []byte(`{}`)},
		{"health", http.MethodGet, "/_chatd/health", http.StatusOK, []byte(`{"status":"ok"}`)},
	} {
		rec := &specRecorder{TB: t}
		if checkSpec(rec, tc.method, tc.path, tc.status, tc.body) {
			t.Errorf("%s: checkSpec = true, want false", tc.name)
		}
		if len(rec.errs) > 0 {
			t.Errorf("%s: reported %q", tc.name, rec.errs)
		}
	}
	// A body that does not fit is reported whatever the form of the target.
	for _, target := range []string{
		svc,
		svc + "?x=1",
		"http://127.0.0.1:1234" + svc,
		"https://chat.twilio.com" + svc + "?x=1",
	} {
		rec := &specRecorder{TB: t}
		if !checkSpec(rec, http.MethodGet, target, http.StatusOK, []byte(`{}`)) || len(rec.errs) == 0 {
			t.Errorf("checkSpec(GET %s, {}) did not report the missing properties", target)
		}
	}
}

// specClient sends requests to the harness's server itself, rather than
// through h.do, whose own call to checkSpec would report every mismatch a
// second time; each response is checked once, here.
type specClient struct {
	t    *testing.T
	h    *harness
	seen map[string]bool // operations exercised, "GET /v2/Services/{Sid}"
}

func (c *specClient) send(method, path string, f url.Values) (int, []byte) {
	c.t.Helper()
	target := path
	if !strings.HasPrefix(target, "http") {
		target = c.h.URL() + path
	}
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(f.Encode())
	} else if len(f) > 0 {
		target += "?" + f.Encode()
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.SetBasicAuth(testAccount, testToken)
	resp, err := c.h.srv.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, raw
}

// call sends a request, requires status want, and checks the response
// against the spec: a JSON response must have been validated, a 204 must
// have no schema. It returns the decoded body.
func (c *specClient) call(want int, method, path string, f url.Values) map[string]any {
	c.t.Helper()
	status, raw := c.send(method, path, f)
	if status != want {
		c.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, status, want, raw)
	}
	full := path
	if method != http.MethodPost && len(f) > 0 {
		full += "?" + f.Encode()
	}
	if op := loadedSpec().match(method, specRequestPath(full)); op != nil {
		c.seen[op.String()] = true
	}
	validated := checkSpec(c.t, method, full, status, raw)
	if status == http.StatusNoContent {
		if validated {
			c.t.Errorf("%s %s: a 204 was validated against a schema", method, path)
		}
		return nil
	}
	if !validated {
		c.t.Errorf("%s %s: the %d response was not validated against the spec", method, path, status)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		c.t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, path, err, raw)
	}
	return body
}

// specServedV2 are the v2 operations chatd serves (server/routes.go), named
// by their spec templates.
var specServedV2 = []string{
	"GET /v2/Services",
	"POST /v2/Services",
	"GET /v2/Services/{Sid}",
	"POST /v2/Services/{Sid}",
	"DELETE /v2/Services/{Sid}",
	"GET /v2/Services/{ServiceSid}/Roles",
	"POST /v2/Services/{ServiceSid}/Roles",
	"GET /v2/Services/{ServiceSid}/Roles/{Sid}",
	"POST /v2/Services/{ServiceSid}/Roles/{Sid}",
	"DELETE /v2/Services/{ServiceSid}/Roles/{Sid}",
	"GET /v2/Services/{ServiceSid}/Users",
	"POST /v2/Services/{ServiceSid}/Users",
	"GET /v2/Services/{ServiceSid}/Users/{Sid}",
	"POST /v2/Services/{ServiceSid}/Users/{Sid}",
	"DELETE /v2/Services/{ServiceSid}/Users/{Sid}",
	"GET /v2/Services/{ServiceSid}/Users/{UserSid}/Channels",
	"GET /v2/Services/{ServiceSid}/Users/{UserSid}/Channels/{ChannelSid}",
	"POST /v2/Services/{ServiceSid}/Users/{UserSid}/Channels/{ChannelSid}",
	"DELETE /v2/Services/{ServiceSid}/Users/{UserSid}/Channels/{ChannelSid}",
	"GET /v2/Services/{ServiceSid}/Channels",
	"POST /v2/Services/{ServiceSid}/Channels",
	"GET /v2/Services/{ServiceSid}/Channels/{Sid}",
	"POST /v2/Services/{ServiceSid}/Channels/{Sid}",
	"DELETE /v2/Services/{ServiceSid}/Channels/{Sid}",
	"GET /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Members",
	"POST /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Members",
	"GET /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Members/{Sid}",
	"POST /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Members/{Sid}",
	"DELETE /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Members/{Sid}",
	"GET /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Messages",
	"POST /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Messages",
	"GET /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Messages/{Sid}",
	"POST /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Messages/{Sid}",
	"DELETE /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Messages/{Sid}",
	"GET /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Invites",
	"POST /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Invites",
	"GET /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Invites/{Sid}",
	"DELETE /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Invites/{Sid}",
}

// TestSpecResponses drives every served v2 operation with realistic data
// and checks each response against the spec.
func TestSpecResponses(t *testing.T) {
	requireSpec(t, "twilio_chat_v2.json")
	h := newHarness(t)
	c := &specClient{t: t, h: h, seen: map[string]bool{}}
	const ok, created, gone = http.StatusOK, http.StatusCreated, http.StatusNoContent
	get := func(path string, f url.Values) map[string]any { t.Helper(); return c.call(ok, http.MethodGet, path, f) }
	post := func(want int, path string, f url.Values) map[string]any {
		t.Helper()
		return c.call(want, http.MethodPost, path, f)
	}
	del := func(path string) { t.Helper(); c.call(gone, http.MethodDelete, path, nil) }

	// Service: create, then set a few fields (reachability makes user
	// fetches carry is_online and is_notifiable).
	svc := "/v2/Services/" + str(post(created, "/v2/Services", form("FriendlyName", "spec service"))["sid"])
	post(ok, svc, form(
		"FriendlyName", "spec service renamed",
		"ReachabilityEnabled", "true",
		"TypingIndicatorTimeout", "7",
		"PreWebhookUrl", "https://example.com/pre",
		"PostWebhookUrl", "https://example.com/post",
		"WebhookMethod", "POST",
		"WebhookFilters", "onMessageSent",
		"WebhookFilters", "onChannelAdded",
		"Notifications.NewMessage.Enabled", "true",
		"Notifications.NewMessage.Template", "${USER}: ${MESSAGE}",
		"Notifications.NewMessage.BadgeCountEnabled", "true",
		"Notifications.AddedToChannel.Enabled", "true",
		"Limits.UserChannels", "100",
		"Media.CompatibilityMessage", "No media here",
	))

	role := svc + "/Roles/" + str(post(created, svc+"/Roles", form(
		"FriendlyName", "moderator", "Type", "channel",
		"Permission", "sendMessage", "Permission", "leaveChannel", "Permission", "editAnyMessage",
	))["sid"])
	userSid := str(post(created, svc+"/Users", form(
		"Identity", "alice", "FriendlyName", "Alice", "Attributes", `{"team":"blue"}`,
	))["sid"])
	user := svc + "/Users/" + userSid
	post(created, svc+"/Users", form("Identity", "bob"))
	post(created, svc+"/Users", form("Identity", "carol"))

	chBody := post(created, svc+"/Channels", form(
		"FriendlyName", "General", "UniqueName", "general", "Attributes", `{"topic":"all"}`,
		"Type", "public", "CreatedBy", "alice",
	))
	chSid := str(chBody["sid"])
	ch := svc + "/Channels/" + chSid
	member := ch + "/Members/" + str(post(created, ch+"/Members", form("Identity", "alice", "RoleSid", role[len(role)-34:]))["sid"])
	msg := ch + "/Messages/" + str(post(created, ch+"/Messages", form("From", "alice", "Body", "hello"))["sid"])
	post(created, ch+"/Messages", form("From", "alice", "Body", "second", "Attributes", `{"важно":true}`))
	invite := ch + "/Invites/" + str(post(created, ch+"/Invites", form("Identity", "bob"))["sid"])
	post(created, svc+"/Channels", form("FriendlyName", "Secret", "Type", "private"))

	// Lists, with a page size of 1 somewhere to follow next_page_url.
	get("/v2/Services", nil)
	roles := get(svc+"/Roles", form("PageSize", "1"))
	if next := str(obj(roles["meta"])["next_page_url"]); next == "" {
		t.Error("Roles with PageSize=1: no next_page_url")
	} else {
		get(next, nil)
	}
	get(svc+"/Users", nil)
	get(svc+"/Channels", nil)
	get(svc+"/Channels", form("Type", "private"))
	get(ch+"/Members", nil)
	get(ch+"/Members", form("Identity", "alice"))
	get(ch+"/Messages", nil)
	get(ch+"/Messages", form("Order", "desc", "PageSize", "1"))
	get(ch+"/Invites", nil)
	get(ch+"/Invites", form("Identity", "bob"))
	get(user+"/Channels", nil)
	get(svc+"/Users/bob/Channels", nil)

	// Fetches, by SID and by identity or unique name.
	get(svc, nil)
	get(role, nil)
	get(user, nil)
	get(svc+"/Users/alice", nil)
	get(ch, nil)
	get(svc+"/Channels/general", nil)
	get(member, nil)
	get(msg, nil)
	get(invite, nil)
	get(user+"/Channels/"+chSid, nil)
	get(svc+"/Users/bob/Channels/general", nil)

	// Updates.
	post(ok, role, form("Permission", "sendMessage", "Permission", "leaveChannel"))
	post(ok, user, form("FriendlyName", "Alice A.", "Attributes", `{"team":"red"}`))
	post(ok, ch, form("FriendlyName", "General chat", "Attributes", `{"topic":"news"}`))
	post(ok, member, form("LastConsumedMessageIndex", "0", "LastConsumptionTimestamp", "2024-01-02T03:04:05.123Z", "Attributes", `{"seat":1}`))
	post(ok, msg, form("Body", "hello, edited", "LastUpdatedBy", "alice", "Attributes", `{"edited":true}`))
	post(ok, user+"/Channels/"+chSid, form("NotificationLevel", "muted", "LastConsumedMessageIndex", "1"))
	get(user+"/Channels", nil)
	get(member, nil)

	// Deletes: each must answer 204 with no body to check.
	post(created, ch+"/Members", form("Identity", "carol"))
	del(svc + "/Users/carol/Channels/" + chSid)
	del(msg)
	del(invite)
	del(member)
	del(ch)
	del(role)
	del(user)
	del(svc)

	for _, op := range specServedV2 {
		if !c.seen[op] {
			t.Errorf("operation %s was not exercised", op)
		}
	}
}
