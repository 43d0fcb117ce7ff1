package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// version is the API version a route is declared under: v1, v2 or v3 of
// the Chat API (v1 of the media service too), or none for chatd's own
// routes. v1 and v2 share their data and handlers; the version decides which
// parameters are read and which JSON shape is written (v1 lacks some fields
// and links).
type version string

const (
	unversioned version = ""
	v1          version = "v1"
	v2          version = "v2"
	v3          version = "v3"
)

// prefix is the version's path prefix, "/v1"; "" for chatd's own routes.
func (v version) prefix() string {
	if v == unversioned {
		return ""
	}
	return "/" + string(v)
}

// apiVersion is the version of the route r was routed to, as wrap recorded
// it in the request's requestInfo.
func apiVersion(r *http.Request) version {
	if info := infoOf(r); info != nil {
		return info.version
	}
	return unversioned
}

// maxPage is a list's PageSize maximum: v1 allows up to 1000 where v2
// allows 100 (the spec's maxima; Services are 100 in both).
func maxPage(r *http.Request, v2max int) int {
	if apiVersion(r) == v1 && v2max == maxPageSize {
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

// listAttributes writes the attributes of a Channel, User or Message.
// Twilio's v1 lists show attributes only while they are unset ("{}");
// assigned ones appear on a single fetch and are null in lists.
func (b *body) listAttributes(attributes string, inList bool) {
	if b.attributesHidden(attributes, inList) {
		b.null("attributes")
		return
	}
	b.str("attributes", attributes)
}

// attributesHidden reports whether listAttributes writes null.
func (b *body) attributesHidden(attributes string, inList bool) bool {
	return inList && b.version == v1 && attributes != model.DefaultAttributes
}
