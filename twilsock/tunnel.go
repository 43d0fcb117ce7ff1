package twilsock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/chatd/chatd/model"
)

// The tunnel: a message frame carries one HTTP request (the Client API, Sync,
// the push registrar and typing all travel this way), which chatd serves
// in-process with the Handler and answers with a reply frame holding the
// response's status, headers and body.

// TokenHeader is the header that carries the access token of a tunnelled
// request, as it does on the client's direct requests to the media service.
const TokenHeader = "X-Twilio-Token"

// maxBodySize bounds a response body so that its reply fits in a frame.
const maxBodySize = MaxFrameSize - MaxHeaderSize - 64

// errBodyTooLarge is the write error of a response body over maxBodySize.
var errBodyTooLarge = errors.New("twilsock: response body too large for a frame")

// serveMessage runs the request f carries and returns the reply frame.
func (c *Conn) serveMessage(ctx context.Context, f *Frame) *Frame {
	r, err := c.tunnelledRequest(ctx, f)
	var bad *ParamError
	switch {
	case errors.As(err, &bad):
		// Not a malformed frame: a query the API would refuse over HTTP.
		return httpReply(f.ID, errorResponse(model.InvalidParam(bad.Name, bad.Value)))
	case err != nil:
		return statusReply(f.ID, &Status{Code: http.StatusBadRequest, Status: http.StatusText(http.StatusBadRequest), Description: err.Error()})
	}
	w := newRecorder()
	c.srv.serveTunnelled(w, r)
	if w.overflow {
		return statusReply(f.ID, &Status{Code: http.StatusRequestEntityTooLarge, Status: http.StatusText(http.StatusRequestEntityTooLarge), Description: errBodyTooLarge.Error()})
	}
	return httpReply(f.ID, w)
}

// tunnelledRequest builds the *http.Request a message frame describes. The
// host the client named is ignored: the request goes to chatd's own host as
// the WebSocket upgrade reached it (so that the absolute links the API
// returns point back at chatd), with the upgrade's TLS state and remote
// address. The query is rebuilt from the still-encoded params; the
// access token of the connection, not any the client put in the headers,
// goes in X-Twilio-Token.
func (c *Conn) tunnelledRequest(ctx context.Context, f *Frame) (*http.Request, error) {
	hr := f.HTTPRequest
	if hr == nil {
		return nil, errors.New("message has no http_request")
	}
	if !strings.HasPrefix(hr.Path, "/") {
		return nil, fmt.Errorf("http_request path %q does not start with /", hr.Path)
	}
	u, err := url.ParseRequestURI(hr.Path)
	if err != nil {
		return nil, fmt.Errorf("http_request path: %w", err)
	}
	q, err := hr.Params.Values()
	if err != nil {
		return nil, err
	}
	u.RawQuery = q.Encode()
	method := hr.Method
	if method == "" {
		method = http.MethodGet
	}
	r, err := http.NewRequestWithContext(ctx, method, u.RequestURI(), bytes.NewReader(f.Payload))
	if err != nil {
		return nil, fmt.Errorf("http_request: %w", err)
	}
	names := make([]string, 0, len(hr.Headers))
	for name := range hr.Headers {
		names = append(names, name)
	}
	slices.Sort(names) // two spellings of one name: the same one wins every time
	for _, name := range names {
		r.Header.Set(name, hr.Headers[name])
	}
	if r.Header.Get("Content-Type") == "" && f.PayloadType != "" && len(f.Payload) > 0 {
		r.Header.Set("Content-Type", f.PayloadType)
	}
	r.Header.Set(TokenHeader, c.Token())
	r.RequestURI = u.RequestURI()
	r.Host = c.upgrade.host
	r.RemoteAddr = c.upgrade.remoteAddr
	r.TLS = c.upgrade.tls
	return r, nil
}

// serveTunnelled runs the Handler on r, answering as chatd's API does when
// the Handler panics or when there is none.
func (s *Server) serveTunnelled(w *recorder, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("twilsock: tunnelled request panicked", "method", r.Method, "path", r.URL.Path, "panic", p)
			w.reset()
			writeError(w, model.E(model.CodeInternalError))
		}
	}()
	if s.opts.Handler == nil {
		writeError(w, model.Errorf(model.CodeNotFound, "The requested resource %s was not found", r.URL.Path))
		return
	}
	s.opts.Handler.ServeHTTP(w, r)
}

// recorder is the ResponseWriter of a tunnelled request: it keeps the
// status, the headers as they were when the status was written, and the
// body, up to maxBodySize.
type recorder struct {
	header   http.Header
	sent     http.Header
	status   int
	body     bytes.Buffer
	overflow bool
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (w *recorder) Header() http.Header { return w.header }

// reset forgets what the handler wrote.
func (w *recorder) reset() {
	w.header, w.sent, w.status, w.overflow = http.Header{}, nil, 0, false
	w.body.Reset()
}

func (w *recorder) WriteHeader(code int) {
	if w.status != 0 || code < 200 {
		return // a second status, or an informational one, is not the answer
	}
	w.status = code
	w.sent = w.header.Clone()
}

func (w *recorder) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.body.Len()+len(b) > maxBodySize {
		w.overflow = true
		return 0, errBodyTooLarge
	}
	return w.body.Write(b)
}

// statusReply is a reply with a twilsock-level status and nothing else.
func statusReply(id string, st *Status) *Frame {
	return &Frame{Header: Header{Method: MethodReply, ID: id, Status: st}}
}

// httpReply is the reply to a tunnelled request: status 200 (the tunnel
// worked), the response's HTTP status and headers, and its body with its
// Content-Type as payload_type (application/json when it has none).
func httpReply(id string, w *recorder) *Frame {
	w.WriteHeader(http.StatusOK) // a handler that wrote nothing answered 200
	headers := make(Headers, len(w.sent))
	for name, values := range w.sent {
		headers[name] = strings.Join(values, ", ")
	}
	payloadType := w.sent.Get("Content-Type")
	if _, _, err := mime.ParseMediaType(payloadType); err != nil {
		payloadType = "application/json"
	}
	return &Frame{
		Header: Header{
			Method:      MethodReply,
			ID:          id,
			PayloadType: payloadType,
			Status:      NewStatus(http.StatusOK),
			HTTPStatus:  &HTTPStatus{Code: w.status, Status: http.StatusText(w.status)},
			HTTPHeaders: headers,
		},
		Payload: w.body.Bytes(),
	}
}

// errorResponse is a recorder holding Twilio's error body for e.
func errorResponse(e *model.Error) *recorder {
	w := newRecorder()
	writeError(w, e)
	return w
}

// writeError writes Twilio's JSON error body, as chatd's REST API does.
func writeError(w http.ResponseWriter, e *model.Error) {
	body, _ := json.Marshal(struct {
		Code     int    `json:"code"`
		Message  string `json:"message"`
		MoreInfo string `json:"more_info"`
		Status   int    `json:"status"`
	}{int(e.Code), e.Message, e.MoreInfo(), e.Status()})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status())
	w.Write(body)
}
