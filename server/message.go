package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// messageV1JSON is a v1 Message, and the part of a v2 Message it shares.
// v1 list items carry null attributes once assigned (see v1ListAttributes).
type messageV1JSON struct {
	Sid         string  `json:"sid"`
	AccountSid  string  `json:"account_sid"`
	Attributes  *string `json:"attributes"`
	ServiceSid  string  `json:"service_sid"`
	To          string  `json:"to"`
	ChannelSid  string  `json:"channel_sid"`
	DateCreated string  `json:"date_created"`
	DateUpdated string  `json:"date_updated"`
	WasEdited   bool    `json:"was_edited"`
	From        string  `json:"from"`
	Body        string  `json:"body"`
	Index       int     `json:"index"`
	URL         string  `json:"url"`
}

// messageJSON is a v2 Message: type is "text" or "media", and media is
// null for text messages.
type messageJSON struct {
	messageV1JSON
	LastUpdatedBy *string           `json:"last_updated_by"`
	Type          string            `json:"type"`
	Media         *messageMediaJSON `json:"media"`
}

// messageMediaJSON is the media object of a media Message.
type messageMediaJSON struct {
	Sid         string  `json:"sid"`
	Size        int64   `json:"size"`
	ContentType string  `json:"content_type"`
	Filename    *string `json:"filename"`
}

// messageJSON renders m in the shape of the request's API version; inList
// is true for the items of a list.
func (s *Server) messageJSON(r *http.Request, m *model.Message, inList bool) any {
	attributes := &m.Attributes
	if inList && apiVersion(r) == v1 {
		attributes = v1ListAttributes(m.Attributes)
	}
	common := messageV1JSON{
		Sid:         m.Sid,
		AccountSid:  s.cfg.AccountSid,
		Attributes:  attributes,
		ServiceSid:  m.ServiceSid,
		To:          m.ChannelSid,
		ChannelSid:  m.ChannelSid,
		DateCreated: date(m.DateCreated),
		DateUpdated: date(m.DateUpdated),
		WasEdited:   m.WasEdited,
		From:        m.From,
		Body:        m.Body,
		Index:       m.Index,
		URL:         s.channelURL(r, m.ServiceSid, m.ChannelSid) + "/Messages/" + m.Sid,
	}
	if apiVersion(r) == v1 {
		return common
	}
	out := messageJSON{messageV1JSON: common, LastUpdatedBy: m.LastUpdatedBy, Type: "text"}
	if md := m.Media; md != nil {
		out.Type = "media"
		out.Media = &messageMediaJSON{Sid: md.Sid, Size: md.Size, ContentType: md.ContentType, Filename: md.Filename}
	}
	return out
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
	writeJSON(w, http.StatusCreated, s.messageJSON(r, m, false))
	return nil
}

func (s *Server) handleMessageFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	m, err := s.api.FindMessage(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.messageJSON(r, m, false))
	return nil
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
	ms, cur, err := s.api.ListMessages(r.Context(), param(p, "service"), param(p, "channel"), mf, pg)
	if err != nil {
		return err
	}
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = s.messageJSON(r, m, true)
	}
	return s.writeList(w, r, "messages", out, q, pg, cur)
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
	writeJSON(w, http.StatusOK, s.messageJSON(r, m, false))
	return nil
}

func (s *Server) handleMessageDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteMessage(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}
