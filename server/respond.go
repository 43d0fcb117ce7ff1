package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/internal/web"
	"github.com/chatd/chatd/model"
)

// handler is a route's handler: it writes a success response itself and
// returns every failure for wrap to write.
type handler func(w http.ResponseWriter, r *http.Request, p httprouter.Params) error

// wrap adapts h to httprouter: it records the route pattern for the request
// log and the API version for the handler (apiVersion) in the request's
// requestInfo, and writes the error h returns.
func (s *Server) wrap(v version, route string, h handler) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
		if info := infoOf(r); info != nil {
			info.route, info.version = route, v
		}
		if err := h(w, r, p); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// writeError is the only writer of error bodies. A *model.Error is sent as
// Twilio's body with its code and status; anything else is an internal error,
// logged here once with the request ID, and its text never reaches the client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *model.Error
	if !errors.As(err, &e) {
		s.log.Error("internal error", "err", err,
			"method", r.Method, "path", r.URL.Path, "request_id", w.Header().Get("Twilio-Request-Id"))
		e = model.E(model.CodeInternalError)
	}
	msg := e.Message
	if e.Code == model.CodeNotFound && msg == "" {
		msg = "The requested resource " + resourcePath(r) + " was not found"
	}
	b := s.newBody(r)
	b.open("")
	b.int("code", int(e.Code))
	b.str("message", msg)
	b.str("more_info", e.MoreInfo())
	b.int("status", e.Status())
	b.close()
	s.send(w, e.Status(), b)
}

// resourcePath is the request path as Twilio names it in a 404: from
// /Services on, without the version prefix.
func resourcePath(r *http.Request) string {
	p := r.URL.Path
	for _, v := range []string{"/v1/", "/v2/", "/v3/"} {
		if strings.HasPrefix(p, v) {
			return p[len(v)-1:]
		}
	}
	return p
}

// noContent answers a delete.
func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// param returns the unescaped path parameter name (see routeEscaped).
var param = web.Param

// base is the scheme and host that url, links and meta URLs start with: the
// configured public URL, or the request's own.
func (s *Server) base(r *http.Request) string { return web.Base(s.cfg.PublicURL, r) }

// dateLayout is Twilio's JSON date: ISO 8601, UTC, whole seconds.
const dateLayout = "2006-01-02T15:04:05Z"
