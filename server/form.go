package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chatd/chatd/model"
)

// maxBodyBytes bounds a request body. The largest legitimate form (a
// 32 KiB message body with 16 KiB of attributes, percent-encoded) fits well
// within it.
const maxBodyBytes = 1 << 20

// form reads typed parameters from a request. The first malformed value is
// kept in err and later reads are no-ops, so a handler reads every field and
// checks err once.
type form struct {
	values url.Values
	err    error
}

// postForm parses the application/x-www-form-urlencoded body of a POST.
func postForm(w http.ResponseWriter, r *http.Request) (*form, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, model.Errorf(model.CodeInvalidParameter, "Request body exceeds %d bytes", maxBodyBytes)
		}
		return nil, model.Errorf(model.CodeInvalidParameter, "Malformed form body: %v", err)
	}
	return &form{values: r.PostForm}, nil
}

// queryForm reads the query string of a GET.
func queryForm(r *http.Request) *form {
	return &form{values: r.URL.Query()}
}

func (f *form) fail(err error) {
	if f.err == nil {
		f.err = err
	}
}

// has reports whether key was sent at all.
func (f *form) has(key string) bool {
	_, ok := f.values[key]
	return ok
}

// str returns the first value of key, nil when absent. An empty value is
// present: on updates it means "clear".
func (f *form) str(key string) *string {
	vs, ok := f.values[key]
	if !ok || len(vs) == 0 {
		return nil
	}
	v := vs[0]
	return &v
}

// required returns the value of key, failing with Twilio's "Missing required
// parameter" when it is absent or empty.
func (f *form) required(key string) string {
	v := f.str(key)
	if v == nil || *v == "" {
		f.fail(model.MissingParam(key))
		return ""
	}
	return *v
}

// list returns every value of the repeated key, without empty ones.
func (f *form) list(key string) []string {
	var out []string
	for _, v := range f.values[key] {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// optList is list for updates: nil when key is absent, an empty slice when
// it was sent empty (which clears the list).
func (f *form) optList(key string) *[]string {
	if !f.has(key) {
		return nil
	}
	l := f.list(key)
	if l == nil {
		l = []string{}
	}
	return &l
}

// boolean reads "true" or "false" (any case), Twilio's booleans.
func (f *form) boolean(key string) *bool {
	v := f.str(key)
	if v == nil {
		return nil
	}
	switch strings.ToLower(*v) {
	case "true":
		b := true
		return &b
	case "false":
		b := false
		return &b
	}
	f.fail(model.InvalidParam(key, *v))
	return nil
}

// integer reads a whole number; a malformed one fails with code, Twilio's
// "invalid format" code for that parameter (20001 when it has none).
func (f *form) integer(key string, code model.Code) *int {
	v := f.str(key)
	if v == nil {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(*v))
	if err != nil {
		f.fail(invalid(code, key, *v))
		return nil
	}
	return &n
}

// dateLayouts are the ISO 8601 forms accepted for dates: what the helper
// libraries send (RFC 3339, with or without fractions) and a bare date.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"}

// date reads an ISO 8601 date; a malformed one fails with code.
func (f *form) date(key string, code model.Code) *time.Time {
	v := f.str(key)
	if v == nil {
		return nil
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, *v); err == nil {
			t = t.UTC()
			return &t
		}
	}
	f.fail(invalid(code, key, *v))
	return nil
}

// enum reads a value that must be one of allowed; anything else fails with
// code.
func (f *form) enum(key string, code model.Code, allowed ...string) *string {
	v := f.str(key)
	if v == nil {
		return nil
	}
	for _, a := range allowed {
		if *v == a {
			return v
		}
	}
	f.fail(invalid(code, key, *v))
	return nil
}

func invalid(code model.Code, key, value string) error {
	if code == model.CodeInvalidParameter {
		return model.InvalidParam(key, value)
	}
	return model.E(code)
}
