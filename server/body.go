package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

// body is a response body being written: a jsonWriter, and what the JSON of
// every resource takes from the request, worked out once per response. Each
// resource has a method on body that writes its JSON (body.channel,
// body.message, …), in Twilio's order of fields.
type body struct {
	jsonWriter
	account string  // account_sid of every resource
	version version // the API version of the route: decides the shape
	base    string  // scheme and host of every absolute URL (Server.base)
	root    string  // base and version prefix, http://host/v2: where the API version's URLs start
}

// bodies recycles response buffers between requests. A buffer that grew
// past maxPooledBody (a long v1 page) is left to the collector.
var bodies = sync.Pool{New: func() any { return &body{jsonWriter: jsonWriter{b: make([]byte, 0, 4<<10)}} }}

const maxPooledBody = 256 << 10

// jsonContentType is the Content-Type of every JSON response.
var jsonContentType = []string{"application/json"}

// newBody returns an empty body for a response to r.
func (s *Server) newBody(r *http.Request) *body {
	b := bodies.Get().(*body)
	v := apiVersion(r)
	base := s.base(r)
	*b = body{jsonWriter: jsonWriter{b: b.b[:0]}, account: s.cfg.AccountSid, version: v, base: base, root: base + v.prefix()}
	return b
}

// reply writes a JSON response with the given status: write appends the
// value to the body.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, status int, write func(*body)) error {
	b := s.newBody(r)
	write(b)
	s.send(w, status, b)
	return nil
}

// send writes the finished body and recycles it.
func (s *Server) send(w http.ResponseWriter, status int, b *body) {
	if err := writeBody(w, status, b.document()); err != nil {
		s.log.Debug("writing response", "err", err)
	}
	if cap(b.b) <= maxPooledBody {
		bodies.Put(b)
	}
}

// writeBody writes a JSON document with its length, so that no response
// is sent chunked.
func writeBody(w http.ResponseWriter, status int, doc []byte) error {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(doc))}
	w.WriteHeader(status)
	_, err := w.Write(doc)
	return err
}

// writeJSON writes v as encoding/json encodes it with HTML escaping off,
// for chatd's own small bodies outside Twilio's resources (Twilio's
// resources are written by their body methods).
func writeJSON(w http.ResponseWriter, status int, v any) {
	var doc bytes.Buffer
	enc := json.NewEncoder(&doc)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // a value of chatd's own that does not encode: a bug
	}
	writeBody(w, status, doc.Bytes())
}
