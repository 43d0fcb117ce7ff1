// Package clientapi is chatd's Client API: the first-person front door that
// the twilio-chat client SDKs talk to, beside the REST API of package server
// and over the same Chat rules. A request carries an access token in the
// X-Twilio-Token header and acts as the token's identity in the token's
// Service, under that identity's role permissions. Bodies are JSON in and
// out, with the SDK's snake_case names; the paths are chatd's own, handed
// to the client as absolute URLs in the links of GET /Client/v1/Configuration,
// the one fixed path. The SDK tunnels these requests through its socket;
// over plain HTTP(S) they serve curl and tests the same way.
package clientapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/internal/web"
	"github.com/chatd/chatd/model"
)

// Backend is everything the Client API calls; chat.Chat implements it.
type Backend interface {
	model.FirstPersonService
	Authenticate(ctx context.Context, token string) (*model.Principal, error)
	FindService(ctx context.Context, sid string) (*model.Service, error)
}

// Config configures the Client API.
type Config struct {
	// PublicURL, when set, is the scheme and host of every link; otherwise
	// links use the request's own.
	PublicURL string
	// Logger receives internal errors; slog.Default() when nil.
	Logger *slog.Logger
	// Notifier, when set, pushes the typing indicator to the other Members
	// of a Channel over their sockets; twilsock's Hub is one.
	Notifier Notifier
}

// Notifier sends a notification to the connected clients of identity in
// service; nothing reaches an identity that has none.
type Notifier interface {
	Notify(service, identity, messageType string, payload any) error
}

// Prefix starts every path of the Client API.
const Prefix = "/Client/v1"

// The Client API's paths, under Prefix.
const (
	pathConfiguration   = "/Configuration"
	pathMyConversations = "/MyConversations"
	pathConversations   = "/Conversations"
	pathUsers           = "/Users"
	pathTyping          = "/Typing"
	// pathMessageReceipts is advertised in the links, as the SDK requires,
	// but serves nothing yet: chatd keeps no delivery receipts.
	pathMessageReceipts = "/MessageReceipts"
)

// API serves the Client API.
type API struct {
	cfg    Config
	api    Backend
	log    *slog.Logger
	router *httprouter.Router
}

// New returns the Client API over api.
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

// ServeHTTP serves one Client API request; its path starts with Prefix.
// Paths are matched escaped, so that an identity or unique name holding "/"
// (sent as %2F) stays one segment: a path whose escaping is not the default
// one is matched as sent (the REST server, which mounts this handler, has
// done so already).
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

// routes declares the Client API. Every path is under Prefix; the SDK builds
// the paths under a Conversation itself (/Messages, /Participants,
// /Invites).
func (a *API) routes(r *httprouter.Router) {
	handle := func(method, path string, h handler) { r.Handle(method, Prefix+path, a.wrap(h)) }
	handle(http.MethodGet, pathConfiguration, a.handleConfiguration)

	handle(http.MethodGet, pathMyConversations, a.handleMyConversationList)
	handle(http.MethodGet, pathMyConversations+"/:channel", a.handleMyConversationFetch)
	handle(http.MethodPost, pathMyConversations+"/:channel", a.handleMyConversationUpdate)

	handle(http.MethodGet, pathConversations, a.handleConversationList)
	handle(http.MethodPost, pathConversations, a.handleConversationCreate)
	handle(http.MethodGet, pathConversations+"/:channel", a.handleConversationFetch)
	handle(http.MethodPost, pathConversations+"/:channel", a.handleConversationUpdate)
	handle(http.MethodDelete, pathConversations+"/:channel", a.handleConversationDelete)

	handle(http.MethodPost, pathConversations+"/:channel/Participants", a.handleParticipantAdd)
	handle(http.MethodGet, pathConversations+"/:channel/Participants/:member", a.handleParticipantFetch)
	handle(http.MethodPost, pathConversations+"/:channel/Participants/:member", a.handleParticipantUpdate)
	handle(http.MethodDelete, pathConversations+"/:channel/Participants/:member", a.handleParticipantRemove)

	handle(http.MethodPost, pathConversations+"/:channel/Invites", a.handleInviteCreate)
	handle(http.MethodGet, pathConversations+"/:channel/Invites/:invite", a.handleInviteFetch)
	handle(http.MethodDelete, pathConversations+"/:channel/Invites/:invite", a.handleInviteDelete)

	handle(http.MethodPost, pathConversations+"/:channel/Messages", a.handleMessageSend)
	handle(http.MethodGet, pathConversations+"/:channel/Messages/:sid", a.handleMessageFetch)
	handle(http.MethodPost, pathConversations+"/:channel/Messages/:sid", a.handleMessageUpdate)
	handle(http.MethodDelete, pathConversations+"/:channel/Messages/:sid", a.handleMessageDelete)

	handle(http.MethodGet, pathUsers, a.handleUserList)
	handle(http.MethodGet, pathUsers+"/:user", a.handleUserFetch)
	handle(http.MethodPost, pathUsers+"/:user", a.handleUserUpdate)

	handle(http.MethodPost, pathTyping, a.handleTyping)
}
