package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// userChannelJSON is a User Channel of v1 or v2. v1 has no user_sid, url
// or notification_level; in v2 they are never empty, so omitempty drops
// them exactly in v1.
type userChannelJSON struct {
	AccountSid               string           `json:"account_sid"`
	ServiceSid               string           `json:"service_sid"`
	ChannelSid               string           `json:"channel_sid"`
	UserSid                  string           `json:"user_sid,omitempty"`
	MemberSid                *string          `json:"member_sid"`
	Status                   string           `json:"status"`
	LastConsumedMessageIndex *int             `json:"last_consumed_message_index"`
	UnreadMessagesCount      *int             `json:"unread_messages_count"`
	Links                    userChannelLinks `json:"links"`
	URL                      string           `json:"url,omitempty"`
	NotificationLevel        string           `json:"notification_level,omitempty"`
}

type userChannelLinks struct {
	Channel string  `json:"channel"`
	Member  *string `json:"member"`
}

// userChannelJSON renders uc; its url uses the User and Channel SIDs, as
// Twilio's does, whatever keys the request used.
func (s *Server) userChannelJSON(r *http.Request, uc *model.UserChannel) userChannelJSON {
	ch := s.channelURL(r, uc.ServiceSid, uc.ChannelSid)
	out := userChannelJSON{
		AccountSid:               s.cfg.AccountSid,
		ServiceSid:               uc.ServiceSid,
		ChannelSid:               uc.ChannelSid,
		Status:                   uc.Status,
		LastConsumedMessageIndex: uc.LastConsumedMessageIndex,
		UnreadMessagesCount:      uc.UnreadMessagesCount,
		Links:                    userChannelLinks{Channel: ch},
	}
	if apiVersion(r) != v1 {
		out.UserSid = uc.UserSid
		out.URL = s.root(r) + "/Services/" + uc.ServiceSid + "/Users/" + uc.UserSid + "/Channels/" + uc.ChannelSid
		out.NotificationLevel = uc.NotificationLevel
	}
	if uc.MemberSid != "" {
		member := ch + "/Members/" + uc.MemberSid
		out.MemberSid, out.Links.Member = &uc.MemberSid, &member
	}
	return out
}

func (s *Server) handleUserChannelList(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f := queryForm(r)
	pg := readPage(f, maxPage(r, maxUserChannelPageSize))
	if f.err != nil {
		return f.err
	}
	ucs, cur, err := s.api.ListUserChannels(r.Context(), param(p, "service"), param(p, "user"), pg)
	if err != nil {
		return err
	}
	out := make([]userChannelJSON, len(ucs))
	for i, uc := range ucs {
		out[i] = s.userChannelJSON(r, uc)
	}
	return s.writeList(w, r, "channels", out, nil, pg, cur)
}

func (s *Server) handleUserChannelFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	uc, err := s.api.FindUserChannel(r.Context(), param(p, "service"), param(p, "user"), param(p, "channel"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.userChannelJSON(r, uc))
	return nil
}

func (s *Server) handleUserChannelUpdate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.UserChannelUpdate{
		NotificationLevel:        f.str("NotificationLevel"),
		LastConsumedMessageIndex: f.integer("LastConsumedMessageIndex", model.CodeInvalidLastConsumedMessageIndex),
		LastConsumptionTimestamp: f.date("LastConsumptionTimestamp", model.CodeInvalidLastConsumptionTimestamp),
	}
	if f.err != nil {
		return f.err
	}
	uc, err := s.api.UpdateUserChannel(r.Context(), param(p, "service"), param(p, "user"), param(p, "channel"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.userChannelJSON(r, uc))
	return nil
}

func (s *Server) handleUserChannelDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteUserChannel(r.Context(), param(p, "service"), param(p, "user"), param(p, "channel")); err != nil {
		return err
	}
	return noContent(w)
}
