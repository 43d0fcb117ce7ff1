package clientapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/chatd/chatd/model"
)

// maxBodyBytes bounds a request body, as in the REST API.
const maxBodyBytes = 1 << 20

// readBody decodes the JSON body of a change into v; an empty body is an
// empty object. Unknown fields are ignored, as the SDK may send more than
// chatd reads.
func readBody(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return model.Errorf(model.CodeInvalidParameter, "Request body exceeds %d bytes", maxBodyBytes)
	case err != nil:
		return model.Errorf(model.CodeInvalidParameter, "Could not read the request body: %v", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			return model.Errorf(model.CodeInvalidParameter, "Invalid value for parameter %s", typ.Field)
		}
		return model.Errorf(model.CodeInvalidParameter, "Malformed JSON body: %v", err)
	}
	return nil
}

// optional is a field of a JSON body that tells a missing key from null:
// Set is true for a key present, Value nil when it is null.
type optional[T any] struct {
	Set   bool
	Value *T
}

func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		return nil
	}
	o.Value = new(T)
	return json.Unmarshal(b, o.Value)
}

// text is a string field: nil when absent, "" when null (a cleared name).
type text = optional[string]

// str is the value of a text field for an input: nil when absent.
func str(t text) *string {
	if !t.Set {
		return nil
	}
	if t.Value == nil {
		empty := ""
		return &empty
	}
	return t.Value
}

// attributes is the attributes field: a string holding JSON, as the SDK
// sends it, or JSON itself (an object), which is kept as its text.
type attributes struct{ value *string }

func (a *attributes) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		a.value = new(string)
		return json.Unmarshal(b, a.value)
	}
	s := string(b)
	a.value = &s
	return nil
}
