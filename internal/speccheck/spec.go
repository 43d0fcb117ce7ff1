// Package speccheck checks chatd's JSON responses against Twilio's OpenAPI
// specs of the Chat API (twilio_chat_v1.json, _v2.json and _v3.json): the
// operation a request matches, and for a status with a JSON schema, every
// property of the body (present, of its type, nullable or not, its enum,
// pattern, length and format), with no property the spec does not list.
//
// It implements the subset of OpenAPI 3.0 schemas the Chat specs use and
// reports any other keyword instead of letting a value pass unchecked.
// chatd's tests check every response they receive with it (see
// internal/testenv).
package speccheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Files are the spec files Read loads, whichever of them exist.
var Files = []string{"twilio_chat_v1.json", "twilio_chat_v2.json", "twilio_chat_v3.json"}

// Spec is the operations of the loaded spec files. The zero value holds
// none and validates nothing; Add loads a document into it.
type Spec struct {
	dir   string
	files []string
	ops   map[string][]*Operation // by method
}

// Operation is one operation of a spec: a method on a path template, with
// the JSON schema of each response status that has one.
type Operation struct {
	doc       *document
	method    string
	template  string
	segs      []string // template segments; "{Name}" ones are parameters
	responses map[string]*schema
}

// String is the operation as "METHOD /path/{Template}".
func (op *Operation) String() string { return op.method + " " + op.template }

// File is the spec file that declares the operation.
func (op *Operation) File() string { return op.doc.file }

// document is one loaded spec file.
type document struct {
	file    string
	schemas map[string]*schema // components/schemas
}

// schema is the subset of an OpenAPI 3.0 schema object the Twilio Chat
// specs use.
type schema struct {
	Ref        string             `json:"$ref"`
	Type       string             `json:"type"`
	Format     string             `json:"format"`
	Nullable   bool               `json:"nullable"`
	Pattern    string             `json:"pattern"`
	MinLength  *int               `json:"minLength"`
	MaxLength  *int               `json:"maxLength"`
	Enum       []any              `json:"enum"`
	Properties map[string]*schema `json:"properties"`
	Items      *schema            `json:"items"`

	// Keywords the checker does not implement. The Chat specs use none of
	// them; should one appear, the checker reports it instead of letting the
	// value pass unchecked.
	AllOf                json.RawMessage `json:"allOf"`
	AnyOf                json.RawMessage `json:"anyOf"`
	OneOf                json.RawMessage `json:"oneOf"`
	Not                  json.RawMessage `json:"not"`
	AdditionalProperties json.RawMessage `json:"additionalProperties"`
}

// Read loads whichever of Files exist in dir. A file that exists but does
// not load is an error.
func Read(dir string) (*Spec, error) {
	s := &Spec{dir: dir}
	for _, name := range Files {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil {
			err = s.Add(name, raw)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
		}
	}
	return s, nil
}

// Dir is the directory the spec was read from.
func (s *Spec) Dir() string { return s.dir }

// Files are the names of the loaded documents, in the order loaded.
func (s *Spec) Files() []string { return slices.Clone(s.files) }

// Has reports whether the document name (twilio_chat_v2.json, say) is
// loaded.
func (s *Spec) Has(name string) bool { return slices.Contains(s.files, name) }

// methods are the operation keys of an OpenAPI path item; its other keys
// (servers, description, parameters, x-twilio) are not operations.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Add loads the operations of one OpenAPI document, named name in reports.
// A response given by $ref is not supported and is an error.
func (s *Spec) Add(name string, raw []byte) error {
	var file struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]*schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		return err
	}
	doc := &document{file: name, schemas: file.Components.Schemas}
	for _, sch := range doc.schemas {
		acceptUserChannelStatusQuirk(sch)
	}
	var ops []*Operation
	for template, item := range file.Paths {
		for _, m := range methods {
			rawOp, ok := item[m]
			if !ok {
				continue
			}
			var op struct {
				Responses map[string]struct {
					Ref     string `json:"$ref"`
					Content map[string]struct {
						Schema *schema `json:"schema"`
					} `json:"content"`
				} `json:"responses"`
			}
			if err := json.Unmarshal(rawOp, &op); err != nil {
				return fmt.Errorf("%s %s: %w", m, template, err)
			}
			o := &Operation{
				doc:       doc,
				method:    strings.ToUpper(m),
				template:  template,
				segs:      strings.Split(strings.TrimPrefix(template, "/"), "/"),
				responses: map[string]*schema{},
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
			ops = append(ops, o)
		}
	}
	if s.ops == nil {
		s.ops = map[string][]*Operation{}
	}
	for _, o := range ops {
		s.ops[o.method] = append(s.ops[o.method], o)
	}
	for _, ops := range s.ops {
		sort.SliceStable(ops, func(i, j int) bool { return ops[i].template < ops[j].template })
	}
	s.files = append(s.files, name)
	return nil
}

// acceptUserChannelStatusQuirk handles a known quirk of the v2 spec: its
// user_channel status enum (user_channel_enum_channel_status) lists
// "notParticipating", while Twilio's docs, the v1 spec and the API itself
// use "not_participating". Wherever an enum lists "notParticipating", the
// checker accepts both spellings.
func acceptUserChannelStatusQuirk(s *schema) {
	if s == nil {
		return
	}
	if slices.Contains(s.Enum, any("notParticipating")) && !slices.Contains(s.Enum, any("not_participating")) {
		s.Enum = append(s.Enum, "not_participating")
	}
	for _, p := range s.Properties {
		acceptUserChannelStatusQuirk(p)
	}
	acceptUserChannelStatusQuirk(s.Items)
}

func isParam(seg string) bool { return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' }

// Match returns the operation whose template fits the request target (a
// path, with or without a query string, or an absolute URL): the same
// number of segments, equal static segments, and a non-empty segment for
// each parameter. Of several fits the one with the most static segments
// wins. It returns nil when none fits.
func (s *Spec) Match(method, target string) *Operation {
	segs := strings.Split(strings.TrimPrefix(requestPath(target), "/"), "/")
	var best *Operation
	bestStatic := -1
	for _, op := range s.ops[strings.ToUpper(method)] {
		if len(op.segs) != len(segs) {
			continue
		}
		static, ok := 0, true
		for i, seg := range op.segs {
			if isParam(seg) {
				if segs[i] == "" {
					ok = false
					break
				}
				continue
			}
			if seg != segs[i] {
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

// requestPath reduces a request target to its escaped path: without
// scheme, host and query string, and with escaped segments (%2F) kept whole.
func requestPath(target string) string {
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
