package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"
)

// maxUserChannelPageSize is the v2 maximum of the User Channels list.
const maxUserChannelPageSize = 50

// routes declares the whole API surface. httprouter refuses two names for one
// wildcard position, and the spec names the same segment {Sid} in one path and
// {ChannelSid} in another, so each position has one fixed name: :service,
// :channel, :user, and :sid for the leaf resources.
func (s *Server) routes(r *httprouter.Router) {
	route := func(method, path string, h handler) { r.Handle(method, path, s.wrap(path, h)) }

	route(http.MethodGet, "/_chatd/health", s.handleHealth)

	route(http.MethodGet, "/v2/Services", s.handleServiceList)
	route(http.MethodPost, "/v2/Services", s.handleServiceCreate)
	route(http.MethodGet, "/v2/Services/:service", s.handleServiceFetch)
	route(http.MethodPost, "/v2/Services/:service", s.handleServiceUpdate)
	route(http.MethodDelete, "/v2/Services/:service", s.handleServiceDelete)

	route(http.MethodGet, "/v2/Services/:service/Roles", s.handleRoleList)
	route(http.MethodPost, "/v2/Services/:service/Roles", s.handleRoleCreate)
	route(http.MethodGet, "/v2/Services/:service/Roles/:sid", s.handleRoleFetch)
	route(http.MethodPost, "/v2/Services/:service/Roles/:sid", s.handleRoleUpdate)
	route(http.MethodDelete, "/v2/Services/:service/Roles/:sid", s.handleRoleDelete)

	route(http.MethodGet, "/v2/Services/:service/Users", s.handleUserList)
	route(http.MethodPost, "/v2/Services/:service/Users", s.handleUserCreate)
	route(http.MethodGet, "/v2/Services/:service/Users/:user", s.handleUserFetch)
	route(http.MethodPost, "/v2/Services/:service/Users/:user", s.handleUserUpdate)
	route(http.MethodDelete, "/v2/Services/:service/Users/:user", s.handleUserDelete)

	route(http.MethodGet, "/v2/Services/:service/Users/:user/Channels", s.handleUserChannelList)
	route(http.MethodGet, "/v2/Services/:service/Users/:user/Channels/:channel", s.handleUserChannelFetch)
	route(http.MethodPost, "/v2/Services/:service/Users/:user/Channels/:channel", s.handleUserChannelUpdate)
	route(http.MethodDelete, "/v2/Services/:service/Users/:user/Channels/:channel", s.handleUserChannelDelete)

	route(http.MethodGet, "/v2/Services/:service/Channels", s.handleChannelList)
	route(http.MethodPost, "/v2/Services/:service/Channels", s.handleChannelCreate)
	route(http.MethodGet, "/v2/Services/:service/Channels/:channel", s.handleChannelFetch)
	route(http.MethodPost, "/v2/Services/:service/Channels/:channel", s.handleChannelUpdate)
	route(http.MethodDelete, "/v2/Services/:service/Channels/:channel", s.handleChannelDelete)

	route(http.MethodGet, "/v2/Services/:service/Channels/:channel/Members", s.handleMemberList)
	route(http.MethodPost, "/v2/Services/:service/Channels/:channel/Members", s.handleMemberCreate)
	route(http.MethodGet, "/v2/Services/:service/Channels/:channel/Members/:sid", s.handleMemberFetch)
	route(http.MethodPost, "/v2/Services/:service/Channels/:channel/Members/:sid", s.handleMemberUpdate)
	route(http.MethodDelete, "/v2/Services/:service/Channels/:channel/Members/:sid", s.handleMemberDelete)

	route(http.MethodGet, "/v2/Services/:service/Channels/:channel/Messages", s.handleMessageList)
	route(http.MethodPost, "/v2/Services/:service/Channels/:channel/Messages", s.handleMessageCreate)
	route(http.MethodGet, "/v2/Services/:service/Channels/:channel/Messages/:sid", s.handleMessageFetch)
	route(http.MethodPost, "/v2/Services/:service/Channels/:channel/Messages/:sid", s.handleMessageUpdate)
	route(http.MethodDelete, "/v2/Services/:service/Channels/:channel/Messages/:sid", s.handleMessageDelete)

	route(http.MethodGet, "/v2/Services/:service/Channels/:channel/Invites", s.handleInviteList)
	route(http.MethodPost, "/v2/Services/:service/Channels/:channel/Invites", s.handleInviteCreate)
	route(http.MethodGet, "/v2/Services/:service/Channels/:channel/Invites/:sid", s.handleInviteFetch)
	route(http.MethodDelete, "/v2/Services/:service/Channels/:channel/Invites/:sid", s.handleInviteDelete)
}

// handleHealth answers chatd's own readiness check (no credentials needed).
func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}
