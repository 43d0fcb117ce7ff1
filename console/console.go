// Package console is chatd's web console: pages over the Chat rules (a
// front door over package chat, as package server is) that show a running
// chatd's Services, Channels, Users, Roles and webhook deliveries, and
// post messages, send deliveries again, reset the data and download a
// snapshot. Pages are rendered on the server from embedded templates; the
// only script, also embedded, updates a channel's messages live. No page
// loads anything from outside the binary.
//
// The console authenticates nobody itself: it is served behind the
// server's check of the Account credentials (server.Config.Console).
package console

import (
	"context"
	"embed"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/chatd/chatd/model"
)

// Prefix is the path the console is served under.
const Prefix = "/_chatd/console/"

// Backend is what the console calls; chat.Chat implements it.
type Backend interface {
	model.ServiceService
	model.RoleService
	model.UserService
	model.ChannelService
	model.MemberService
	model.MessageService
	model.InviteService
	model.ChannelWebhookService
	model.DeliveryService

	// Reset puts the data back to the seed: all of it, or one Service.
	Reset(ctx context.Context, service string) error
}

// Watcher signals the changes committed, so that a live page updates at
// once (changes.Broker is one). signal receives after each commit with a
// change match accepts; stop ends the watch.
type Watcher interface {
	Watch(match func(model.Change) bool) (signal <-chan struct{}, stop func())
}

// Config configures a Console.
type Config struct {
	// Snapshot, when set, writes a consistent copy of the database for the
	// snapshot download.
	Snapshot func(io.Writer) (int64, error)
	// Watcher, when set, tells live pages of new data at once; without one
	// they read the store every Poll.
	Watcher Watcher
	// Poll is how often a live page without a Watcher reads the store; 1
	// second by default.
	Poll time.Duration
	// TransferTimeout bounds the snapshot download, which may outlast the
	// server's write timeout; 10 minutes by default.
	TransferTimeout time.Duration
	// Version is shown in every page's footer.
	Version string
	// Logger hears of internal errors; slog.Default() when nil.
	Logger *slog.Logger
}

// Console serves the web console under Prefix.
type Console struct {
	api   Backend
	cfg   Config
	log   *slog.Logger
	mux   *http.ServeMux
	pages pages

	done      chan struct{} // closed by Close: live pages end
	closeOnce sync.Once
}

//go:embed templates static
var files embed.FS

// New returns the console over api.
func New(api Backend, cfg Config) *Console {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.TransferTimeout <= 0 {
		cfg.TransferTimeout = 10 * time.Minute
	}
	c := &Console{api: api, cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), pages: parsePages(), done: make(chan struct{})}
	c.routes()
	return c
}

// ServeHTTP serves a request for a path under Prefix.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	c.mux.ServeHTTP(w, r)
}

// Close ends the live pages' streams, which would otherwise hold a
// graceful shutdown of the server until its deadline. Call it before the
// server's Close.
func (c *Console) Close() {
	c.closeOnce.Do(func() { close(c.done) })
}

// handler is a page's handler: it writes its answer itself and returns
// every failure for the console to render.
type handler func(w http.ResponseWriter, r *http.Request) error

// routes declares every page. A path names records by SID, so each page
// has one address, and the back button and bookmarks work.
func (c *Console) routes() {
	c.get("{$}", c.servicesPage)
	c.get("services/{service}", c.servicePage)
	c.get("services/{service}/channels", c.channelsPage)
	c.get("services/{service}/channels/{channel}", c.channelPage)
	c.post("services/{service}/channels/{channel}/messages", c.postMessage)
	c.get("services/{service}/channels/{channel}/live", c.liveMessages)
	c.get("services/{service}/users", c.usersPage)
	c.get("services/{service}/roles", c.rolesPage)
	c.get("deliveries", c.deliveriesPage)
	c.get("deliveries/{id}", c.deliveryPage)
	c.post("deliveries/{id}/resend", c.resendDelivery)
	c.get("reset", c.resetPage)
	c.post("reset", c.reset)
	c.get("snapshot", c.snapshotPage)
	c.get("snapshot/chatd.db", c.snapshotDownload)
	c.get("static/{file}", c.static)
	c.mux.Handle(Prefix, c.serve(func(http.ResponseWriter, *http.Request) error { return model.NotFound() }))
}

func (c *Console) get(path string, h handler) {
	c.mux.Handle("GET "+Prefix+path, c.serve(h))
}

// post declares a form's target: it takes only requests from the console's
// own pages (sameOrigin).
func (c *Console) post(path string, h handler) {
	c.mux.Handle("POST "+Prefix+path, c.serve(func(w http.ResponseWriter, r *http.Request) error {
		if !sameOrigin(r) {
			return model.Errorf(model.CodeForbidden, "This form was sent from another site: the console takes forms from its own pages only")
		}
		return h(w, r)
	}))
}

func (c *Console) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			c.fail(w, r, err)
		}
	})
}
