package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"
)

// maxUserChannelPageSize is the v2 maximum of the User Channels list.
const maxUserChannelPageSize = 50

// routes declares the whole API surface: v1 and v2 of the Chat API over the
// same data, the v3 channel update, Twilio's media service, and chatd's own
// routes under /_chatd/. httprouter refuses two names for one wildcard
// position, and the spec names the same segment {Sid} in one path and
// {ChannelSid} in another, so each position has one fixed name: :service,
// :channel, :user, and :sid for the leaf resources.
func (s *Server) routes(r *httprouter.Router) {
	// chatd's own routes, all under /_chatd/. The snapshot is a download
	// of the whole file, so it runs under the transfer limits.
	chatd := routeGroup{s, r, unversioned}
	chatd.route(http.MethodGet, "/_chatd/health", s.handleHealth)
	chatd.route(http.MethodPost, "/_chatd/reset", s.handleReset)
	chatd.route(http.MethodGet, "/_chatd/snapshot", s.transfer(s.handleSnapshot))
	chatd.route(http.MethodGet, "/_chatd/deliveries", s.handleDeliveryList)
	// API keys and development access tokens, for the Account credentials
	// only.
	chatd.route(http.MethodGet, "/_chatd/keys", accountOnly(s.handleKeyList))
	chatd.route(http.MethodPost, "/_chatd/keys", accountOnly(s.handleKeyCreate))
	chatd.route(http.MethodGet, "/_chatd/keys/:sid", accountOnly(s.handleKeyFetch))
	chatd.route(http.MethodDelete, "/_chatd/keys/:sid", accountOnly(s.handleKeyDelete))
	chatd.route(http.MethodPost, "/_chatd/tokens", accountOnly(s.handleTokenCreate))
	// Stands in for the push registration of a client SDK (Twilio has no
	// REST create of a Binding); authenticated like the API.
	chatd.route(http.MethodPost, "/_chatd/Services/:service/Bindings", s.handleBindingCreate)

	for _, v := range []version{v1, v2} {
		g := routeGroup{s, r, v}
		g.route(http.MethodGet, "/Services", s.handleServiceList)
		g.route(http.MethodPost, "/Services", s.handleServiceCreate)
		g.route(http.MethodGet, "/Services/:service", s.handleServiceFetch)
		g.route(http.MethodPost, "/Services/:service", s.handleServiceUpdate)
		g.route(http.MethodDelete, "/Services/:service", s.handleServiceDelete)

		g.route(http.MethodGet, "/Services/:service/Roles", s.handleRoleList)
		g.route(http.MethodPost, "/Services/:service/Roles", s.handleRoleCreate)
		g.route(http.MethodGet, "/Services/:service/Roles/:sid", s.handleRoleFetch)
		g.route(http.MethodPost, "/Services/:service/Roles/:sid", s.handleRoleUpdate)
		g.route(http.MethodDelete, "/Services/:service/Roles/:sid", s.handleRoleDelete)

		g.route(http.MethodGet, "/Services/:service/Users", s.handleUserList)
		g.route(http.MethodGet, "/Services/:service/Users/:user", s.handleUserFetch)
		g.route(http.MethodDelete, "/Services/:service/Users/:user", s.handleUserDelete)
		g.route(http.MethodGet, "/Services/:service/Users/:user/Channels", s.handleUserChannelList)

		g.route(http.MethodGet, "/Services/:service/Channels", s.handleChannelList)
		g.route(http.MethodGet, "/Services/:service/Channels/:channel", s.handleChannelFetch)
		g.route(http.MethodGet, "/Services/:service/Channels/:channel/Members", s.handleMemberList)
		g.route(http.MethodGet, "/Services/:service/Channels/:channel/Members/:sid", s.handleMemberFetch)
		g.route(http.MethodGet, "/Services/:service/Channels/:channel/Messages", s.handleMessageList)
		g.route(http.MethodGet, "/Services/:service/Channels/:channel/Messages/:sid", s.handleMessageFetch)

		g.route(http.MethodGet, "/Services/:service/Channels/:channel/Invites", s.handleInviteList)
		g.route(http.MethodPost, "/Services/:service/Channels/:channel/Invites", s.handleInviteCreate)
		g.route(http.MethodGet, "/Services/:service/Channels/:channel/Invites/:sid", s.handleInviteFetch)
		g.route(http.MethodDelete, "/Services/:service/Channels/:channel/Invites/:sid", s.handleInviteDelete)

		// Writes that take X-Twilio-Webhook-Enabled in v2; the v1 spec has
		// no such header, so v1 ignores it.
		write := g.hooked
		if v == v1 {
			write = g.route
		}
		write(http.MethodPost, "/Services/:service/Users", s.handleUserCreate)
		write(http.MethodPost, "/Services/:service/Users/:user", s.handleUserUpdate)
		write(http.MethodPost, "/Services/:service/Channels", s.handleChannelCreate)
		write(http.MethodPost, "/Services/:service/Channels/:channel", s.handleChannelUpdate)
		write(http.MethodDelete, "/Services/:service/Channels/:channel", s.handleChannelDelete)
		write(http.MethodPost, "/Services/:service/Channels/:channel/Members", s.handleMemberCreate)
		write(http.MethodPost, "/Services/:service/Channels/:channel/Members/:sid", s.handleMemberUpdate)
		write(http.MethodDelete, "/Services/:service/Channels/:channel/Members/:sid", s.handleMemberDelete)
		write(http.MethodPost, "/Services/:service/Channels/:channel/Messages", s.handleMessageCreate)
		write(http.MethodPost, "/Services/:service/Channels/:channel/Messages/:sid", s.handleMessageUpdate)
		write(http.MethodDelete, "/Services/:service/Channels/:channel/Messages/:sid", s.handleMessageDelete)

		// The account-level Credentials live outside every Service; v1 and
		// v2 serve the same ones.
		g.route(http.MethodGet, "/Credentials", s.handleCredentialList)
		g.route(http.MethodPost, "/Credentials", s.handleCredentialCreate)
		g.route(http.MethodGet, "/Credentials/:sid", s.handleCredentialFetch)
		g.route(http.MethodPost, "/Credentials/:sid", s.handleCredentialUpdate)
		g.route(http.MethodDelete, "/Credentials/:sid", s.handleCredentialDelete)
	}

	// v2 only: the single User Channel, Bindings and Channel webhooks.
	chat2 := routeGroup{s, r, v2}
	chat2.route(http.MethodGet, "/Services/:service/Users/:user/Channels/:channel", s.handleUserChannelFetch)
	chat2.route(http.MethodPost, "/Services/:service/Users/:user/Channels/:channel", s.handleUserChannelUpdate)
	chat2.hooked(http.MethodDelete, "/Services/:service/Users/:user/Channels/:channel", s.handleUserChannelDelete)

	// Bindings at service level and per User: list, fetch and delete.
	chat2.route(http.MethodGet, "/Services/:service/Bindings", s.handleBindingList)
	chat2.route(http.MethodGet, "/Services/:service/Bindings/:sid", s.handleBindingFetch)
	chat2.route(http.MethodDelete, "/Services/:service/Bindings/:sid", s.handleBindingDelete)
	chat2.route(http.MethodGet, "/Services/:service/Users/:user/Bindings", s.handleUserBindingList)
	chat2.route(http.MethodGet, "/Services/:service/Users/:user/Bindings/:sid", s.handleUserBindingFetch)
	chat2.route(http.MethodDelete, "/Services/:service/Users/:user/Bindings/:sid", s.handleUserBindingDelete)

	// Channel webhooks; none of them takes X-Twilio-Webhook-Enabled.
	chat2.route(http.MethodGet, "/Services/:service/Channels/:channel/Webhooks", s.handleChannelWebhookList)
	chat2.route(http.MethodPost, "/Services/:service/Channels/:channel/Webhooks", s.handleChannelWebhookCreate)
	chat2.route(http.MethodGet, "/Services/:service/Channels/:channel/Webhooks/:sid", s.handleChannelWebhookFetch)
	chat2.route(http.MethodPost, "/Services/:service/Channels/:channel/Webhooks/:sid", s.handleChannelWebhookUpdate)
	chat2.route(http.MethodDelete, "/Services/:service/Channels/:channel/Webhooks/:sid", s.handleChannelWebhookDelete)

	// v3: the one channel update that moves Channels to Conversations.
	chat3 := routeGroup{s, r, v3}
	chat3.hooked(http.MethodPost, "/Services/:service/Channels/:channel", s.handleChannelUpdateV3)

	// Twilio's media service (mcs.us1.twilio.com/v1) on the same listener,
	// and chatd's route for the signed download URLs it hands out. Uploads
	// and downloads run under the transfer limits.
	mcs := routeGroup{s, r, v1}
	mcs.route(http.MethodPost, "/Services/:service/Media", s.transfer(s.handleMediaCreate))
	mcs.route(http.MethodGet, "/Services/:service/Media/:sid", s.handleMediaFetch)
	mcs.route(http.MethodGet, "/Services/:service/Media/:sid/Content", s.transfer(s.handleMediaContent))
	chatd.route(http.MethodGet, mediaTemporaryPrefix+":service/:sid", s.transfer(s.handleMediaTemporary))

	// The web console and the metrics: chatd's own front doors (mount.go).
	s.mountOperations(chatd)

	// The Client API of first-person clients, a front door of its own.
	if s.cfg.Client != nil {
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
			chatd.route(method, clientPrefix+"*path", mount(s.cfg.Client))
		}
	}

	// The client SDKs' socket, at the path of Twilio's tsock host.
	if s.cfg.Realtime != nil {
		chatd.route(http.MethodGet, realtimePath, s.handleRealtime)
	}
}

// clientPrefix starts the paths of the Client API (Config.Client).
const clientPrefix = "/Client/"

// mount serves a route with a handler of another package, which writes its
// own answers and errors.
func mount(h http.Handler) handler {
	return func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
		h.ServeHTTP(w, r)
		return nil
	}
}

// realtimePath is where the client SDKs open their socket (Twilsock.uri).
const realtimePath = "/v3/wsconnect"

// handleRealtime hands the request to the realtime socket. The socket
// outlives every timeout of the server: net/http clears the connection's
// deadlines when the socket takes it over, and lifting them first keeps the
// upgrade itself clear of them.
func (s *Server) handleRealtime(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	if err := extendDeadlines(w, 0); err != nil {
		return err
	}
	s.cfg.Realtime.ServeHTTP(w, r)
	return nil
}

// routeGroup declares the routes of one API version: each path is declared
// under the version's prefix, and wrap hands the version to the handler
// (see apiVersion).
type routeGroup struct {
	s *Server
	r *httprouter.Router
	v version
}

func (g routeGroup) route(method, path string, h handler) {
	pattern := g.v.prefix() + path
	g.r.Handle(method, pattern, g.s.wrap(g.v, pattern, h))
}

// hooked declares an operation whose spec accepts the
// X-Twilio-Webhook-Enabled header.
func (g routeGroup) hooked(method, path string, h handler) { g.route(method, path, withWebhooks(h)) }
