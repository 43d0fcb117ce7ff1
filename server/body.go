package server

import (
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
	account   []byte       // account_sid of every resource, as a JSON string
	version   version      // the API version of the route: decides the shape
	base      string       // scheme and host of every absolute URL (Server.base)
	root      string       // base and version prefix, http://host/v2
	inChannel messagesJSON // see messagesIn
	urls      bodyURLs     // what base and root were made from, for the next response
}

// bodyURLs is the base and root of a response and what they were made
// from: a recycled body whose next response has the same public URL, host,
// scheme and version reuses them rather than joining them again.
type bodyURLs struct {
	public, host string
	tls          bool
	version      version
	base, root   string
}

// accountSid writes account_sid.
func (b *body) accountSid() { b.raw("account_sid", b.account) }

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
	urls := b.urls
	if urls.base == "" || urls.public != s.cfg.PublicURL || urls.host != r.Host || urls.tls != (r.TLS != nil) || urls.version != v {
		base := s.base(r)
		urls = bodyURLs{public: s.cfg.PublicURL, host: r.Host, tls: r.TLS != nil, version: v, base: base, root: base + v.prefix()}
	}
	inChannel := b.inChannel // its buffers, for reuse
	inChannel.ok = false
	*b = body{
		jsonWriter: jsonWriter{b: b.b[:0]},
		account:    s.accountJSON,
		version:    v,
		base:       urls.base,
		root:       urls.root,
		inChannel:  inChannel,
		urls:       urls,
	}
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

// send writes the finished body, with its length so that no response is
// sent chunked, and recycles it. Header values are never changed in place,
// so every response shares jsonContentType.
func (s *Server) send(w http.ResponseWriter, status int, b *body) {
	doc := b.document()
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(doc))}
	w.WriteHeader(status)
	if _, err := w.Write(doc); err != nil {
		s.log.Debug("writing response", "err", err)
	}
	b.recycle()
}

// recycle returns b to the pool once it is no longer needed.
func (b *body) recycle() {
	if cap(b.b) <= maxPooledBody {
		bodies.Put(b)
	}
}
