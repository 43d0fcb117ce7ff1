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
	route := func(method, path string, h handler) { r.Handle(method, path, s.wrap(path, h)) }
	// hooked routes are the operations whose spec accepts the
	// X-Twilio-Webhook-Enabled header.
	hooked := func(method, path string, h handler) { route(method, path, withWebhooks(h)) }

	// chatd's own routes, all under /_chatd/.
	route(http.MethodGet, "/_chatd/health", s.handleHealth)
	route(http.MethodPost, "/_chatd/reset", s.handleReset)
	route(http.MethodGet, "/_chatd/snapshot", s.handleSnapshot)
	route(http.MethodGet, "/_chatd/deliveries", s.handleDeliveryList)

	for _, v := range []string{"/v1", "/v2"} {
		route(http.MethodGet, v+"/Services", s.handleServiceList)
		route(http.MethodPost, v+"/Services", s.handleServiceCreate)
		route(http.MethodGet, v+"/Services/:service", s.handleServiceFetch)
		route(http.MethodPost, v+"/Services/:service", s.handleServiceUpdate)
		route(http.MethodDelete, v+"/Services/:service", s.handleServiceDelete)

		route(http.MethodGet, v+"/Services/:service/Roles", s.handleRoleList)
		route(http.MethodPost, v+"/Services/:service/Roles", s.handleRoleCreate)
		route(http.MethodGet, v+"/Services/:service/Roles/:sid", s.handleRoleFetch)
		route(http.MethodPost, v+"/Services/:service/Roles/:sid", s.handleRoleUpdate)
		route(http.MethodDelete, v+"/Services/:service/Roles/:sid", s.handleRoleDelete)

		route(http.MethodGet, v+"/Services/:service/Users", s.handleUserList)
		route(http.MethodGet, v+"/Services/:service/Users/:user", s.handleUserFetch)
		route(http.MethodDelete, v+"/Services/:service/Users/:user", s.handleUserDelete)
		route(http.MethodGet, v+"/Services/:service/Users/:user/Channels", s.handleUserChannelList)

		route(http.MethodGet, v+"/Services/:service/Channels", s.handleChannelList)
		route(http.MethodGet, v+"/Services/:service/Channels/:channel", s.handleChannelFetch)
		route(http.MethodGet, v+"/Services/:service/Channels/:channel/Members", s.handleMemberList)
		route(http.MethodGet, v+"/Services/:service/Channels/:channel/Members/:sid", s.handleMemberFetch)
		route(http.MethodGet, v+"/Services/:service/Channels/:channel/Messages", s.handleMessageList)
		route(http.MethodGet, v+"/Services/:service/Channels/:channel/Messages/:sid", s.handleMessageFetch)

		route(http.MethodGet, v+"/Services/:service/Channels/:channel/Invites", s.handleInviteList)
		route(http.MethodPost, v+"/Services/:service/Channels/:channel/Invites", s.handleInviteCreate)
		route(http.MethodGet, v+"/Services/:service/Channels/:channel/Invites/:sid", s.handleInviteFetch)
		route(http.MethodDelete, v+"/Services/:service/Channels/:channel/Invites/:sid", s.handleInviteDelete)

		// Writes that take X-Twilio-Webhook-Enabled in v2; the v1 spec has
		// no such header, so v1 ignores it.
		write := hooked
		if v == "/v1" {
			write = route
		}
		write(http.MethodPost, v+"/Services/:service/Users", s.handleUserCreate)
		write(http.MethodPost, v+"/Services/:service/Users/:user", s.handleUserUpdate)
		write(http.MethodPost, v+"/Services/:service/Channels", s.handleChannelCreate)
		write(http.MethodPost, v+"/Services/:service/Channels/:channel", s.handleChannelUpdate)
		write(http.MethodDelete, v+"/Services/:service/Channels/:channel", s.handleChannelDelete)
		write(http.MethodPost, v+"/Services/:service/Channels/:channel/Members", s.handleMemberCreate)
		write(http.MethodPost, v+"/Services/:service/Channels/:channel/Members/:sid", s.handleMemberUpdate)
		write(http.MethodDelete, v+"/Services/:service/Channels/:channel/Members/:sid", s.handleMemberDelete)
		write(http.MethodPost, v+"/Services/:service/Channels/:channel/Messages", s.handleMessageCreate)
		write(http.MethodPost, v+"/Services/:service/Channels/:channel/Messages/:sid", s.handleMessageUpdate)
		write(http.MethodDelete, v+"/Services/:service/Channels/:channel/Messages/:sid", s.handleMessageDelete)

		s.credentialRoutes(r, v)
	}

	// v2 only: the single User Channel, Bindings and Channel webhooks.
	route(http.MethodGet, "/v2/Services/:service/Users/:user/Channels/:channel", s.handleUserChannelFetch)
	route(http.MethodPost, "/v2/Services/:service/Users/:user/Channels/:channel", s.handleUserChannelUpdate)
	hooked(http.MethodDelete, "/v2/Services/:service/Users/:user/Channels/:channel", s.handleUserChannelDelete)
	s.bindingRoutes(r)
	s.channelWebhookRoutes(r)

	// v3: the one channel update that moves Channels to Conversations.
	hooked(http.MethodPost, "/v3/Services/:service/Channels/:channel", s.handleChannelUpdateV3)

	// Twilio's media service (mcs.us1.twilio.com/v1) on the same listener.
	s.mediaRoutes(r)
}
