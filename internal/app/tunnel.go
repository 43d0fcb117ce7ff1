package app

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/realtime"
)

// tunnel routes the requests that the client SDKs tunnel through their
// socket, by path alone: the SDK addresses them to Twilio's hosts (aim,
// cds, ers), which chatd ignores. The Client API's paths are chatd's own
// (the Configuration links name them); Sync's and the registrar's are
// Twilio's.
type tunnel struct {
	client, sync, live http.Handler
}

// syncPrefixes start the paths of the Sync objects (package syncapi).
var syncPrefixes = []string{"/v3/Documents/", "/v3/Lists/", "/v3/Maps/"}

func (t *tunnel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, "/Client/"):
		t.client.ServeHTTP(w, r)
	case hasAnyPrefix(path, syncPrefixes):
		t.sync.ServeHTTP(w, r)
	case path == realtime.PathSubscriptions, path == realtime.PathRegistrations,
		strings.HasPrefix(path, realtime.PathRegistrations+"/"):
		t.live.ServeHTTP(w, r)
	default:
		notFound(w, path)
	}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// notFound answers with Twilio's 404 body, as chatd's APIs do.
func notFound(w http.ResponseWriter, path string) {
	e := model.Errorf(model.CodeNotFound, "The requested resource %s was not found", path)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status())
	json.NewEncoder(w).Encode(struct {
		Code     int    `json:"code"`
		Message  string `json:"message"`
		MoreInfo string `json:"more_info"`
		Status   int    `json:"status"`
	}{int(e.Code), e.Message, e.MoreInfo(), e.Status()})
}
