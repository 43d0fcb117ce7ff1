package syncapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/internal/web"
	"github.com/chatd/chatd/model"
)

// handler is a route's handler: it reads as p, writes a success response
// itself and returns every failure for wrap to write.
type handler func(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error

// headerToken carries the access token of every request.
const headerToken = "X-Twilio-Token"

// wrap adapts h to httprouter: it authenticates the request's access token
// (401 with the token's error code otherwise) and writes the error h
// returns.
func (a *API) wrap(h handler) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		token := r.Header.Get(headerToken)
		if token == "" {
			a.writeError(w, r, model.Errorf(model.CodeInvalidAccessToken, "Access Token missing: send it in the %s header", headerToken))
			return
		}
		p, err := a.api.Authenticate(r.Context(), token)
		if err == nil {
			err = h(w, r, p, ps)
		}
		if err != nil {
			a.writeError(w, r, err)
		}
	}
}

// errorJSON is Twilio's error body; the SDK's Sync client reads its code
// and message.
type errorJSON struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// writeError writes Twilio's error body. A *model.Error is sent with its
// code and status; anything else is an internal error, logged here once,
// and its text never reaches the client.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *model.Error
	if !errors.As(err, &e) {
		a.log.Error("internal error", "err", err, "method", r.Method, "path", r.URL.Path)
		e = model.E(model.CodeInternalError)
	}
	msg := e.Message
	if e.Code == model.CodeNotFound && msg == "" {
		msg = "The requested resource " + r.URL.Path + " was not found"
	}
	writeJSON(w, e.Status(), errorJSON{Code: int(e.Code), Message: msg, MoreInfo: e.MoreInfo(), Status: e.Status()})
}

// base is the scheme and host that links start with.
func (a *API) base(r *http.Request) string { return web.Base(a.cfg.PublicURL, r) }

// Front doors' shared helpers, under their local names.
var (
	writeJSON = web.WriteJSON
	param     = web.Param
)

// dateLayout is the Sync API's date: ISO 8601 in UTC with milliseconds.
const dateLayout = "2006-01-02T15:04:05.000Z"

func date(t time.Time) string { return t.UTC().Format(dateLayout) }
