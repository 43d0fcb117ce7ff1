package twilsock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
)

// Status is the twilsock-level result of a reply, and the reason of a close.
// A reply whose code is not 2xx rejects the request it answers; errorCode,
// when set, is the Twilio error code (20104 makes the client emit
// tokenExpired).
type Status struct {
	Code        int    `json:"code"`
	Status      string `json:"status"`
	Description string `json:"description,omitzero"`
	ErrorCode   int    `json:"errorCode,omitzero"`
}

// NewStatus is the status code with its HTTP status text.
func NewStatus(code int) *Status { return &Status{Code: code, Status: http.StatusText(code)} }

// HTTPStatus is the HTTP status of a tunnelled request's response.
type HTTPStatus struct {
	Code   int    `json:"code"`
	Status string `json:"status"`
}

// ContinuationTokenStatus tells a reconnecting client whether the
// continuation token it sent continued its session (reissued false) or was
// not recognised and replaced.
type ContinuationTokenStatus struct {
	Reissued       bool   `json:"reissued"`
	ReissueMessage string `json:"reissue_message,omitzero"`
}

// HTTPRequest is the request line and headers of a tunnelled request. Host
// is the host of the URL the client meant (chatd routes on the path alone);
// Path is still percent-encoded.
type HTTPRequest struct {
	Host    string  `json:"host"`
	Path    string  `json:"path"`
	Method  string  `json:"method"`
	Params  Params  `json:"params,omitzero"`
	Headers Headers `json:"headers,omitzero"`
}

// Params is the query of a tunnelled request as the client cut it from the
// URL: keys and values still percent-encoded, a repeated key holding its
// values in order. On the wire a single value is a string and several are
// an array; the client writes a key without "=" as null, read here as "".
type Params map[string][]string

// MarshalJSON writes one value as a string, several as an array.
func (p Params) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(p))
	for k, vs := range p {
		if len(vs) == 1 {
			m[k] = vs[0]
		} else {
			m[k] = vs
		}
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads an object whose values are strings, nulls, or arrays
// of them.
func (p *Params) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*p = nil
		return nil
	}
	out := make(Params, len(raw))
	for k, v := range raw {
		if bytes.HasPrefix(v, []byte("[")) {
			var vs []*string
			if err := json.Unmarshal(v, &vs); err != nil {
				return fmt.Errorf("params %q: %w", k, err)
			}
			out[k] = make([]string, len(vs))
			for i, s := range vs {
				if s != nil {
					out[k][i] = *s
				}
			}
			continue
		}
		var s *string
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("params %q: %w", k, err)
		}
		out[k] = []string{""}
		if s != nil {
			out[k][0] = *s
		}
	}
	*p = out
	return nil
}

// Values percent-decodes the keys and values, as a server decodes a query
// string. A malformed escape is an error naming the parameter.
func (p Params) Values() (url.Values, error) {
	q := make(url.Values, len(p))
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, &ParamError{Name: k}
		}
		for _, v := range p[k] {
			value, err := url.QueryUnescape(v)
			if err != nil {
				return nil, &ParamError{Name: key, Value: v}
			}
			q[key] = append(q[key], value)
		}
	}
	return q, nil
}

// ParamError is a parameter of a tunnelled request whose percent-encoding
// is malformed.
type ParamError struct{ Name, Value string }

func (e *ParamError) Error() string {
	return fmt.Sprintf("twilsock: parameter %q has a malformed escape: %q", e.Name, e.Value)
}

// Headers are HTTP headers, one string per name. Numbers and booleans sent
// in place of a string are read as their JSON text, a null as no header.
type Headers map[string]string

// UnmarshalJSON reads an object of scalars.
func (h *Headers) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*h = nil
		return nil
	}
	out := make(Headers, len(raw))
	for k, v := range raw {
		switch {
		case bytes.Equal(v, []byte("null")):
		case bytes.HasPrefix(v, []byte(`"`)):
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return err
			}
			out[k] = s
		case bytes.HasPrefix(v, []byte("{")) || bytes.HasPrefix(v, []byte("[")):
			return errors.New("header " + k + " is not a string")
		default:
			out[k] = string(v) // a number, true or false
		}
	}
	*h = out
	return nil
}
