package server

import (
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// v1 reports whether r came through the v1 API. v1 and v2 share their data
// and handlers; the version decides which parameters are read and which
// JSON shape is written (v1 lacks some fields and links, as Twilio's v1
// OpenAPI description shows).
func v1(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/v1/") }

// root is the absolute URL of the API version r came through, e.g.
// https://chat.example.com/v2: every url and link starts with it.
func (s *Server) root(r *http.Request) string {
	v := "/v2"
	if len(r.URL.Path) >= 3 && r.URL.Path[0] == '/' && r.URL.Path[1] == 'v' {
		v = r.URL.Path[:3]
	}
	return s.base(r) + v
}

// maxPage is a list's PageSize maximum: v1 allows up to 1000 where v2
// allows 100 (the spec's maxima; Services are 100 in both).
func maxPage(r *http.Request, v2max int) int {
	if v1(r) && v2max == maxPageSize {
		return 1000
	}
	return v2max
}

// withWebhooks reads X-Twilio-Webhook-Enabled, on the operations whose spec
// lists it, into the request context for the rules layer.
func withWebhooks(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
		v := r.Header.Get("X-Twilio-Webhook-Enabled")
		switch v {
		case "", "false":
		case "true":
			r = r.WithContext(model.WithWebhooks(r.Context(), true))
		default:
			return model.InvalidParam("X-Twilio-Webhook-Enabled", v)
		}
		return h(w, r, p)
	}
}

// v1ListAttributes is the attributes of a v1 list item: Twilio's v1 lists
// show attributes only while they are unset ("{}"); assigned ones appear on
// a single fetch and are null in lists.
func v1ListAttributes(attributes string) *string {
	if attributes == model.DefaultAttributes {
		return &attributes
	}
	return nil
}
