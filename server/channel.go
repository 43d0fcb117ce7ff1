package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// channel writes ch, a Channel of v1 or v2; inList is true for the items
// of a list. v1 has no webhooks link, and its list items carry null
// attributes once assigned (see listAttributes). The url is always by SID,
// whatever key the request used.
func (b *body) channel(ch *model.Channel, inList bool) {
	b.open("")
	b.channelFields(ch, inList)
	b.channelURL("url", ch, "")
	b.open("links")
	b.channelURL("members", ch, "/Members")
	b.channelURL("messages", ch, "/Messages")
	b.channelURL("invites", ch, "/Invites")
	if b.version != v1 {
		b.channelURL("webhooks", ch, "/Webhooks")
	}
	if ch.LastMessageSid != "" {
		b.concat("last_message", b.root, "/Services/", ch.ServiceSid, "/Channels/", ch.Sid, "/Messages/", ch.LastMessageSid)
	} else {
		b.null("last_message")
	}
	b.close()
	b.close()
}

// channelV3 writes ch as the v3 update answers it: no links, and the
// Messaging Service it belongs to.
func (b *body) channelV3(ch *model.Channel) {
	b.open("")
	b.channelFields(ch, false)
	b.optStr("messaging_service_sid", ch.MessagingServiceSid)
	b.channelURL("url", ch, "")
	b.close()
}

// channelFields writes the fields every Channel shape starts with.
func (b *body) channelFields(ch *model.Channel, inList bool) {
	b.str("sid", ch.Sid)
	b.accountSid()
	b.str("service_sid", ch.ServiceSid)
	b.optStr("friendly_name", ch.FriendlyName)
	b.optStr("unique_name", ch.UniqueName)
	b.listAttributes(ch.Attributes, inList)
	b.str("type", ch.Type)
	b.date("date_created", ch.DateCreated)
	b.date("date_updated", ch.DateUpdated)
	b.str("created_by", ch.CreatedBy)
	b.int("members_count", ch.MembersCount)
	b.int("messages_count", ch.MessagesCount)
}

// channelURL writes the canonical URL of ch followed by sub.
func (b *body) channelURL(k string, ch *model.Channel, sub string) {
	b.concat(k, b.root, "/Services/", ch.ServiceSid, "/Channels/", ch.Sid, sub)
}

func (s *Server) handleChannelCreate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.ChannelCreate{
		FriendlyName: f.str("FriendlyName"),
		UniqueName:   f.str("UniqueName"),
		Attributes:   f.str("Attributes"),
		Type:         f.enum("Type", model.CodeInvalidParameter, model.ChannelPublic, model.ChannelPrivate),
	}
	if apiVersion(r) != v1 {
		in.DateCreated = f.date("DateCreated", model.CodeInvalidDateCreated)
		in.DateUpdated = f.date("DateUpdated", model.CodeInvalidDateUpdated)
		in.CreatedBy = f.str("CreatedBy")
	}
	if f.err != nil {
		return f.err
	}
	ch, err := s.api.CreateChannel(r.Context(), param(p, "service"), in)
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusCreated, func(b *body) { b.channel(ch, false) })
}

func (s *Server) handleChannelFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	ch, err := s.api.FindChannel(r.Context(), param(p, "service"), param(p, "channel"))
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.channel(ch, false) })
}

// handleChannelList lists the Channels of the types given in Type, which
// defaults to public as the spec says: private Channels are listed only
// when asked for (Type=private, or both types).
func (s *Server) handleChannelList(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f := queryForm(r)
	pg := readPage(f, maxPage(r, maxPageSize))
	types := f.list("Type")
	for _, t := range types {
		if t != model.ChannelPublic && t != model.ChannelPrivate {
			f.fail(model.InvalidParam("Type", t))
		}
	}
	if f.err != nil {
		return f.err
	}
	wanted := types
	if len(wanted) == 0 {
		wanted = []string{model.ChannelPublic}
	}
	chs, cur, err := s.api.ListChannels(r.Context(), param(p, "service"), model.ChannelFilter{Types: wanted}, pg)
	if err != nil {
		return err
	}
	return s.replyList(w, r, "channels", filter{}.add("Type", types...), pg, cur, func(b *body) {
		for _, ch := range chs {
			b.channel(ch, true)
		}
	})
}

func (s *Server) handleChannelUpdate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.ChannelUpdate{
		FriendlyName: f.str("FriendlyName"),
		UniqueName:   f.str("UniqueName"),
		Attributes:   f.str("Attributes"),
	}
	if apiVersion(r) != v1 {
		in.DateCreated = f.date("DateCreated", model.CodeInvalidDateCreated)
		in.DateUpdated = f.date("DateUpdated", model.CodeInvalidDateUpdated)
		in.CreatedBy = f.str("CreatedBy")
	}
	if f.err != nil {
		return f.err
	}
	ch, err := s.api.UpdateChannel(r.Context(), param(p, "service"), param(p, "channel"), in)
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.channel(ch, false) })
}

func (s *Server) handleChannelDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteChannel(r.Context(), param(p, "service"), param(p, "channel")); err != nil {
		return err
	}
	return noContent(w)
}

// handleChannelUpdateV3 is the v3 update that moves a public Channel to
// private (Type may only be "private", 50393) and records its Messaging
// Service, answering with the v3 Channel shape.
func (s *Server) handleChannelUpdateV3(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.ChannelUpdate{Type: f.str("Type"), MessagingServiceSid: f.str("MessagingServiceSid")}
	ch, err := s.api.UpdateChannel(r.Context(), param(p, "service"), param(p, "channel"), in)
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.channelV3(ch) })
}
