// Package web holds what chatd's HTTP front doors (the REST API, the Client
// API, the Sync API) share: a router set up the same way, path parameters,
// the base of absolute URLs, and JSON bodies.
package web

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// NewRouter returns a router that matches paths as they are (no cleaning,
// no redirects, no automatic OPTIONS) and answers a path it does not know
// with Twilio's 404 and a known path's other methods with 405, through
// writeError.
func NewRouter(writeError func(http.ResponseWriter, *http.Request, error)) *httprouter.Router {
	r := httprouter.New()
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleOPTIONS = false
	r.HandleMethodNotAllowed = true
	r.NotFound = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, model.NotFound())
	})
	r.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, model.Errorf(model.CodeMethodNotAllowed, "Method %s not allowed on %s", r.Method, r.URL.Path))
	})
	return r
}

// Param returns the path parameter name, unescaped: the front doors route
// escaped paths, so that a unique name or identity holding "/" is one
// parameter.
func Param(ps httprouter.Params, name string) string {
	v := ps.ByName(name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// Base is the scheme and host that absolute URLs start with: publicURL when
// it is set (chatd behind a proxy), else the request's own.
func Base(publicURL string, r *http.Request) string {
	if publicURL != "" {
		return publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// WriteJSON writes v as the JSON body with the given status, without HTML
// escaping: Twilio writes "&" and "<" as they are.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a client gone away is not an error of chatd's
}
