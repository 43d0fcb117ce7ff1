package clientapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/internal/web"
	"github.com/chatd/chatd/model"
)

// handler is a route's handler: it acts as p, writes a success response
// itself and returns every failure for wrap to write.
type handler func(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error

// Request headers of the Client API.
const (
	headerToken      = "X-Twilio-Token"
	headerMutationID = "X-Twilio-Mutation-Id"
)

// maxMutationIDLength bounds X-Twilio-Mutation-Id; the SDK sends a UUID.
const maxMutationIDLength = 128

// wrap adapts h to httprouter: it authenticates the request's access token
// (401 with the token's error code otherwise), puts its mutation id on the
// context, and writes the error h returns. A change already made under the
// mutation id is answered 202 with the URL of what it touched, which the SDK
// fetches instead.
func (a *API) wrap(h handler) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		if err := a.serve(w, r, ps, h); err != nil {
			var repeat *model.RepeatedMutation
			if errors.As(err, &repeat) {
				writeJSON(w, http.StatusAccepted, struct {
					ResourceURL string `json:"resource_url"`
				}{a.refURL(r, repeat.Ref)})
				return
			}
			a.writeError(w, r, err)
		}
	}
}

func (a *API) serve(w http.ResponseWriter, r *http.Request, ps httprouter.Params, h handler) error {
	token := r.Header.Get(headerToken)
	if token == "" {
		return model.Errorf(model.CodeInvalidAccessToken, "Access Token missing: send it in the %s header", headerToken)
	}
	p, err := a.api.Authenticate(r.Context(), token)
	if err != nil {
		return err
	}
	if id := r.Header.Get(headerMutationID); id != "" {
		if len(id) > maxMutationIDLength {
			return model.Errorf(model.CodeInvalidParameter, "%s is longer than %d characters", headerMutationID, maxMutationIDLength)
		}
		r = r.WithContext(model.WithMutationID(r.Context(), id))
	}
	return h(w, r, p, ps)
}

// errorJSON is Twilio's error body.
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
		a.log.Error("internal error", "err", err,
			"method", r.Method, "path", r.URL.Path, "request_id", w.Header().Get("Twilio-Request-Id"))
		e = model.E(model.CodeInternalError)
	}
	msg := e.Message
	if e.Code == model.CodeNotFound && msg == "" {
		msg = "The requested resource " + r.URL.Path + " was not found"
	}
	writeJSON(w, e.Status(), errorJSON{Code: int(e.Code), Message: msg, MoreInfo: e.MoreInfo(), Status: e.Status()})
}

// noContent answers a delete.
func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// base is the scheme and host that links start with.
func (a *API) base(r *http.Request) string { return web.Base(a.cfg.PublicURL, r) }

// Front doors' shared helpers, under their local names.
var (
	writeJSON = web.WriteJSON
	param     = web.Param
)

// dateLayout is the Chat API's JSON date: ISO 8601, UTC, whole seconds.
const dateLayout = "2006-01-02T15:04:05Z"

func date(t time.Time) string { return t.UTC().Format(dateLayout) }

func optDate(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := date(*t)
	return &s
}
