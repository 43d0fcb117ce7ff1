package server

import (
	"net/http"
	"strings"
)

// Cross-origin requests. A browser app calls two parts of chatd itself,
// with an access token in X-Twilio-Token rather than with cookies: the
// Client API and the media service (uploads and downloads, as the client
// SDKs' media client makes them, and the signed download URLs it hands
// out). Those routes answer CORS: any origin may call them, since the
// token, not the origin, is the credential, and a preflight OPTIONS is
// answered 204 with no credentials asked. No credentialed (cookie) request
// is allowed: chatd sets no cookies. The REST API, which takes the
// Account's credentials and belongs on an app's server, answers no CORS.

// What a cross-origin request may do, and read of the answer.
const (
	corsMethods = "GET, POST, DELETE, OPTIONS"
	// corsHeaders are the request headers a browser may send: the access
	// token and mutation id of the Client API, the type of a JSON body or
	// an upload, the filename of an upload, a download's Range, and Basic
	// credentials for an app that sends its own.
	corsHeaders = "X-Twilio-Token, X-Twilio-Mutation-Id, Content-Type, Content-Disposition, Range, Authorization"
	// corsExposed are the answer's headers a browser app may read beyond
	// the always-readable ones.
	corsExposed = "Twilio-Request-Id, Content-Disposition, Content-Range, Content-Length, Accept-Ranges"
	// corsMaxAge is how long, in seconds, a browser may keep a preflight's
	// answer.
	corsMaxAge = "600"
)

// cors answers cross-origin requests on the routes browsers call (see
// crossOrigin): it allows the request's Origin on every answer of those
// routes, errors included, so that the app can read them, and answers a
// preflight OPTIONS itself, before authentication. Other routes pass
// through untouched.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.crossOrigin(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		if origin := r.Header.Get("Origin"); origin != "" {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", corsExposed)
		}
		if r.Method != http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Allow", corsMethods)
		h.Set("Access-Control-Allow-Methods", corsMethods)
		h.Set("Access-Control-Allow-Headers", corsHeaders)
		h.Set("Access-Control-Max-Age", corsMaxAge)
		w.WriteHeader(http.StatusNoContent)
	})
}

// crossOrigin reports whether path is one of the routes browsers call: the
// Client API (when served), the media service, and the signed download
// URLs.
func (s *Server) crossOrigin(path string) bool {
	if s.cfg.Client != nil && strings.HasPrefix(path, clientPrefix) {
		return true
	}
	if strings.HasPrefix(path, mediaTemporaryPrefix) {
		return true
	}
	_, ok := mediaService(path)
	return ok
}

// mediaService is the Service of a path of the media service,
// /v1/Services/{IS}/Media and the paths under it.
func mediaService(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/v1/Services/")
	if !ok {
		return "", false
	}
	service, rest, _ := strings.Cut(rest, "/")
	if service == "" || (rest != "Media" && !strings.HasPrefix(rest, "Media/")) {
		return "", false
	}
	return service, true
}
