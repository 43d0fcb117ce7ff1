package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// messageJSON is a v2 Message. media is null for text messages.
type messageJSON struct {
	Sid           string  `json:"sid"`
	AccountSid    string  `json:"account_sid"`
	Attributes    string  `json:"attributes"`
	ServiceSid    string  `json:"service_sid"`
	To            string  `json:"to"`
	ChannelSid    string  `json:"channel_sid"`
	DateCreated   string  `json:"date_created"`
	DateUpdated   string  `json:"date_updated"`
	LastUpdatedBy *string `json:"last_updated_by"`
	WasEdited     bool    `json:"was_edited"`
	From          string  `json:"from"`
	Body          string  `json:"body"`
	Index         int     `json:"index"`
	Type          string  `json:"type"`
	Media         any     `json:"media"`
	URL           string  `json:"url"`
}

func (s *Server) messageJSON(r *http.Request, m *model.Message) messageJSON {
	return messageJSON{
		Sid:           m.Sid,
		AccountSid:    s.cfg.AccountSid,
		Attributes:    m.Attributes,
		ServiceSid:    m.ServiceSid,
		To:            m.ChannelSid,
		ChannelSid:    m.ChannelSid,
		DateCreated:   date(m.DateCreated),
		DateUpdated:   date(m.DateUpdated),
		LastUpdatedBy: m.LastUpdatedBy,
		WasEdited:     m.WasEdited,
		From:          m.From,
		Body:          m.Body,
		Index:         m.Index,
		Type:          "text",
		URL:           s.channelURL(r, m.ServiceSid, m.ChannelSid) + "/Messages/" + m.Sid,
	}
}

func (s *Server) handleMessageCreate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.MessageCreate{
		From:          f.str("From"),
		Body:          f.str("Body"),
		Attributes:    f.str("Attributes"),
		DateCreated:   f.date("DateCreated", 50308),
		DateUpdated:   f.date("DateUpdated", 50309),
		LastUpdatedBy: f.str("LastUpdatedBy"),
	}
	if f.err != nil {
		return f.err
	}
	m, err := s.api.CreateMessage(r.Context(), param(p, "service"), param(p, "channel"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.messageJSON(r, m))
	return nil
}

func (s *Server) handleMessageFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	m, err := s.api.FindMessage(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.messageJSON(r, m))
	return nil
}

func (s *Server) handleMessageList(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f := queryForm(r)
	pg := readPage(f, maxPageSize)
	order := f.enum("Order", 20001, model.OrderAsc, model.OrderDesc)
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
	out := make([]messageJSON, len(ms))
	for i, m := range ms {
		out[i] = s.messageJSON(r, m)
	}
	return s.writeList(w, r, "messages", out, q, pg, cur)
}

func (s *Server) handleMessageUpdate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.MessageUpdate{
		Body:          f.str("Body"),
		Attributes:    f.str("Attributes"),
		DateCreated:   f.date("DateCreated", 50308),
		DateUpdated:   f.date("DateUpdated", 50309),
		LastUpdatedBy: f.str("LastUpdatedBy"),
		From:          f.str("From"),
	}
	if f.err != nil {
		return f.err
	}
	m, err := s.api.UpdateMessage(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.messageJSON(r, m))
	return nil
}

func (s *Server) handleMessageDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteMessage(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}
