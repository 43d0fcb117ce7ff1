// Package syncapi is chatd's Sync API: the Sync objects the twilio-chat
// client SDKs read (a User's info and channels maps, a Channel's document,
// messages list and roster map), served to the first-person clients that
// may see them. The SDK reaches it through the requests it tunnels over its
// socket, by the paths of Twilio Sync (/v3/Documents, /v3/Lists, /v3/Maps);
// over plain HTTP(S) it serves curl and tests the same way. A request
// carries an access token in the X-Twilio-Token header. The objects are
// read-only: chat clients change them through the Client API, never
// through Sync.
package syncapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/internal/web"
	"github.com/chatd/chatd/model"
)

// Backend is everything the Sync API calls; chat.Chat implements it.
type Backend interface {
	model.SyncService
	Authenticate(ctx context.Context, token string) (*model.Principal, error)
}

// Config configures the Sync API.
type Config struct {
	// PublicURL, when set, is the scheme and host of every url and link;
	// otherwise they use the request's own.
	PublicURL string
	// Logger receives internal errors; slog.Default() when nil.
	Logger *slog.Logger
}

// API serves the Sync API.
type API struct {
	cfg    Config
	api    Backend
	log    *slog.Logger
	router *httprouter.Router
}

// New returns the Sync API over api.
func New(api Backend, cfg Config) *API {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	a := &API{cfg: cfg, api: api, log: cfg.Logger}
	r := web.NewRouter(a.writeError)
	a.routes(r)
	a.router = r
	return a
}

// The collections of the Sync API and the object type each holds.
var collections = []struct{ path, typ string }{
	{"/v3/Documents", model.SyncDocument},
	{"/v3/Lists", model.SyncList},
	{"/v3/Maps", model.SyncMap},
}

// routes declares the Sync API: the root of every object, and the items of
// lists and maps.
func (a *API) routes(r *httprouter.Router) {
	for _, c := range collections {
		r.GET(c.path+"/:id", a.wrap(a.handleRoot(c.typ)))
		if c.typ != model.SyncDocument {
			r.GET(c.path+"/:id/Items", a.wrap(a.handleItems(c.typ)))
			r.GET(c.path+"/:id/Items/:key", a.wrap(a.handleItem(c.typ)))
		}
	}
}

// ServeHTTP serves one Sync API request. Paths are matched escaped, so that
// an item key holding "/" (sent as %2F) stays one segment.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.RawPath != "" {
		u := *r.URL
		u.Path, u.RawPath = r.URL.EscapedPath(), ""
		r2 := *r
		r2.URL = &u
		r = &r2
	}
	a.router.ServeHTTP(w, r)
}
