package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/internal/jsonenc"
	"github.com/chatd/chatd/model"
)

// message writes m in the shape of the API version; inList is true for
// the items of a list. A v2 Message adds last_updated_by, type ("text" or
// "media") and media (null for text) to the v1 fields; v1 list items carry
// null attributes once assigned (see listAttributes).
func (b *body) message(m *model.Message, inList bool) {
	ch := b.messagesIn(m.ServiceSid, m.ChannelSid)
	b.open("")
	b.str("sid", m.Sid)
	b.accountSid()
	b.listAttributes(m.Attributes, inList)
	b.raw("service_sid", ch.serviceSid)
	b.raw("to", ch.channelSid)
	b.raw("channel_sid", ch.channelSid)
	b.date("date_created", m.DateCreated)
	b.date("date_updated", m.DateUpdated)
	b.bool("was_edited", m.WasEdited)
	b.str("from", m.From)
	b.str("body", m.Body)
	b.int("index", m.Index)
	b.strAfter("url", ch.messagesURLOpening, m.Sid)
	if b.version != v1 {
		b.optStr("last_updated_by", m.LastUpdatedBy)
		if md := m.Media; md != nil {
			b.str("type", "media")
			b.open("media")
			b.str("sid", md.Sid)
			b.int64("size", md.Size)
			b.str("content_type", md.ContentType)
			b.optStr("filename", md.Filename)
			b.close()
		} else {
			b.str("type", "text")
			b.null("media")
		}
	}
	b.close()
}

// messagesJSON is what every Message of a Channel repeats, encoded once for
// a page of them: the Service and Channel SIDs as JSON strings, and the
// opening of the Messages' URLs, up to /Messages/.
type messagesJSON struct {
	ok                     bool
	service, channel       string // the SIDs it was encoded for
	serviceSid, channelSid []byte
	messagesURLOpening     []byte
}

// messagesIn returns the messagesJSON of the Channel service/channel,
// encoding it only when it is not the one the last call returned.
func (b *body) messagesIn(service, channel string) *messagesJSON {
	c := &b.inChannel
	if !c.ok || c.service != service || c.channel != channel {
		u := append(c.messagesURLOpening[:0], '"')
		for _, part := range []string{b.root, "/Services/", service, "/Channels/", channel, "/Messages/"} {
			u = jsonenc.AppendEscaped(u, part)
		}
		*c = messagesJSON{
			ok: true, service: service, channel: channel,
			serviceSid:         jsonenc.AppendString(c.serviceSid[:0], service),
			channelSid:         jsonenc.AppendString(c.channelSid[:0], channel),
			messagesURLOpening: u,
		}
	}
	return c
}

func (s *Server) handleMessageCreate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.MessageCreate{From: f.str("From"), Body: f.str("Body"), Attributes: f.str("Attributes")}
	if apiVersion(r) == v1 {
		// The v1 Body is required (it may be empty).
		if in.Body == nil {
			f.fail(model.MissingParam("Body"))
		}
	} else {
		in.DateCreated = f.date("DateCreated", model.CodeInvalidDateCreated)
		in.DateUpdated = f.date("DateUpdated", model.CodeInvalidDateUpdated)
		in.LastUpdatedBy = f.str("LastUpdatedBy")
		in.MediaSid = f.str("MediaSid")
	}
	if f.err != nil {
		return f.err
	}
	m, err := s.api.CreateMessage(r.Context(), param(p, "service"), param(p, "channel"), in)
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusCreated, func(b *body) { b.message(m, false) })
}

func (s *Server) handleMessageFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	m, err := s.api.FindMessage(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid"))
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.message(m, false) })
}

func (s *Server) handleMessageList(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f := queryForm(r)
	pg := readPage(f, maxPage(r, maxPageSize))
	order := f.enum("Order", model.CodeInvalidParameter, model.OrderAsc, model.OrderDesc)
	if f.err != nil {
		return f.err
	}
	var q filter
	mf := model.MessageFilter{Order: model.OrderAsc}
	if order != nil {
		mf.Order = *order
		q = q.add("Order", *order)
	}
	// The page is written while it is read: its Messages are valid only
	// until the read ends (ViewMessages), and are never copied out.
	b := s.newBody(r)
	err := s.api.ViewMessages(r.Context(), param(p, "service"), param(p, "channel"), mf, pg, func(ms []*model.Message, cur model.Cursor) {
		b.list(r, "messages", q, pg, cur, func(b *body) {
			for _, m := range ms {
				b.message(m, true)
			}
		})
	})
	if err != nil {
		b.recycle()
		return err
	}
	s.send(w, http.StatusOK, b)
	return nil
}

func (s *Server) handleMessageUpdate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.MessageUpdate{Body: f.str("Body"), Attributes: f.str("Attributes")}
	if apiVersion(r) != v1 {
		in.DateCreated = f.date("DateCreated", model.CodeInvalidDateCreated)
		in.DateUpdated = f.date("DateUpdated", model.CodeInvalidDateUpdated)
		in.LastUpdatedBy = f.str("LastUpdatedBy")
		in.From = f.str("From")
	}
	if f.err != nil {
		return f.err
	}
	m, err := s.api.UpdateMessage(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid"), in)
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.message(m, false) })
}

func (s *Server) handleMessageDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteMessage(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}
