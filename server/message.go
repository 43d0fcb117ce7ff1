package server

import (
	"net/http"
	"strconv"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/internal/jsonenc"
	"github.com/chatd/chatd/model"
)

// message writes m in the shape of the API version; inList is true for
// the items of a list. A v2 Message adds last_updated_by, type ("text" or
// "media") and media (null for text) to the v1 fields; v1 list items carry
// null attributes once assigned (see listAttributes).
//
// Messages are most of what chatd writes (a page holds up to 100), so this
// appends the members to a local slice instead of calling the jsonWriter
// methods for each (whose stores to b cost more than the members), with
// the members every Message of a Channel repeats encoded once
// (messagesJSON). It leaves b as those methods do: the object, then a
// comma.
func (b *body) message(m *model.Message, inList bool) {
	ch := b.messagesIn(m.ServiceSid, m.ChannelSid)
	d := append(b.b, `{"sid":`...)
	d = jsonenc.AppendString(d, m.Sid)
	d = append(d, `,"account_sid":`...)
	d = append(d, b.account...)
	if b.attributesHidden(m.Attributes, inList) {
		d = append(d, `,"attributes":null`...)
	} else {
		d = append(d, `,"attributes":`...)
		d = jsonenc.AppendString(d, m.Attributes)
	}
	d = append(d, ch.members...)
	d = append(d, `,"date_created":`...)
	d = b.appendDate(d, m.DateCreated)
	d = append(d, `,"date_updated":`...)
	d = b.appendDate(d, m.DateUpdated)
	if m.WasEdited {
		d = append(d, `,"was_edited":true,"from":`...)
	} else {
		d = append(d, `,"was_edited":false,"from":`...)
	}
	d = jsonenc.AppendString(d, m.From)
	d = append(d, `,"body":`...)
	d = jsonenc.AppendString(d, m.Body)
	d = append(d, `,"index":`...)
	d = strconv.AppendInt(d, int64(m.Index), 10)
	d = append(d, `,"url":`...)
	d = append(d, ch.messagesURLOpening...)
	d = jsonenc.AppendEscaped(d, m.Sid)
	d = append(d, '"')
	if b.version != v1 {
		if m.LastUpdatedBy == nil {
			d = append(d, `,"last_updated_by":null`...)
		} else {
			d = append(d, `,"last_updated_by":`...)
			d = jsonenc.AppendString(d, *m.LastUpdatedBy)
		}
		if md := m.Media; md != nil {
			b.b = append(d, ',')
			b.str("type", "media")
			b.open("media")
			b.str("sid", md.Sid)
			b.int64("size", md.Size)
			b.str("content_type", md.ContentType)
			b.optStr("filename", md.Filename)
			b.close()
			b.close()
			return
		}
		d = append(d, `,"type":"text","media":null`...)
	}
	b.b = append(d, '}', ',')
}

// messagesJSON is what every Message of a Channel repeats, encoded once for
// a page of them: the members service_sid, to and channel_sid (each
// preceded by its comma), and the opening of the Messages' URLs, up to
// /Messages/.
type messagesJSON struct {
	ok                 bool
	service, channel   string // the SIDs it was encoded for
	members            []byte
	messagesURLOpening []byte
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
		ms := append(c.members[:0], `,"service_sid":`...)
		ms = jsonenc.AppendString(ms, service)
		ms = append(ms, `,"to":`...)
		ms = jsonenc.AppendString(ms, channel)
		ms = append(ms, `,"channel_sid":`...)
		ms = jsonenc.AppendString(ms, channel)
		*c = messagesJSON{ok: true, service: service, channel: channel, members: ms, messagesURLOpening: u}
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
