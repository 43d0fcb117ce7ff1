package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// userChannel writes uc, a User Channel of v1 or v2. v1 has no user_sid,
// url or notification_level. The url uses the User and Channel SIDs, as
// Twilio's does, whatever keys the request used.
func (b *body) userChannel(uc *model.UserChannel) {
	v2 := b.version != v1
	b.open("")
	b.accountSid()
	b.str("service_sid", uc.ServiceSid)
	b.str("channel_sid", uc.ChannelSid)
	if v2 && uc.UserSid != "" {
		b.str("user_sid", uc.UserSid)
	}
	b.strOrNull("member_sid", uc.MemberSid)
	b.str("status", uc.Status)
	b.optInt("last_consumed_message_index", uc.LastConsumedMessageIndex)
	b.optInt("unread_messages_count", uc.UnreadMessagesCount)
	b.open("links")
	b.concat("channel", b.root, "/Services/", uc.ServiceSid, "/Channels/", uc.ChannelSid)
	if uc.MemberSid != "" {
		b.concat("member", b.root, "/Services/", uc.ServiceSid, "/Channels/", uc.ChannelSid, "/Members/", uc.MemberSid)
	} else {
		b.null("member")
	}
	b.close()
	if v2 {
		b.concat("url", b.root, "/Services/", uc.ServiceSid, "/Users/", uc.UserSid, "/Channels/", uc.ChannelSid)
		if uc.NotificationLevel != "" {
			b.str("notification_level", uc.NotificationLevel)
		}
	}
	b.close()
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
	return s.replyList(w, r, "channels", nil, pg, cur, func(b *body) {
		for _, uc := range ucs {
			b.userChannel(uc)
		}
	})
}

func (s *Server) handleUserChannelFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	uc, err := s.api.FindUserChannel(r.Context(), param(p, "service"), param(p, "user"), param(p, "channel"))
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.userChannel(uc) })
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
	return s.reply(w, r, http.StatusOK, func(b *body) { b.userChannel(uc) })
}

func (s *Server) handleUserChannelDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteUserChannel(r.Context(), param(p, "service"), param(p, "user"), param(p, "channel")); err != nil {
		return err
	}
	return noContent(w)
}
