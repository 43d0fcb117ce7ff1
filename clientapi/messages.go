package clientapi

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// Message types.
const (
	messageText  = "text"
	messageMedia = "media"
)

// messageJSON is a Message.
type messageJSON struct {
	Sid             string     `json:"sid"`
	ConversationSid string     `json:"conversation_sid"`
	Index           int        `json:"index"`
	Author          string     `json:"author"`
	Body            string     `json:"body"`
	Attributes      string     `json:"attributes"`
	Type            string     `json:"type"`
	Media           *mediaJSON `json:"media"`
	LastUpdatedBy   *string    `json:"last_updated_by"`
	DateCreated     string     `json:"date_created"`
	DateUpdated     string     `json:"date_updated"`
	URL             string     `json:"url"`
}

// mediaJSON is the Media a media Message carries.
type mediaJSON struct {
	Sid         string  `json:"sid"`
	Filename    *string `json:"filename"`
	ContentType string  `json:"content_type"`
	Size        int64   `json:"size"`
}

func (l links) messageJSON(m *model.Message) messageJSON {
	out := messageJSON{
		Sid:             m.Sid,
		ConversationSid: m.ChannelSid,
		Index:           m.Index,
		Author:          m.From,
		Body:            m.Body,
		Attributes:      m.Attributes,
		Type:            messageText,
		LastUpdatedBy:   m.LastUpdatedBy,
		DateCreated:     date(m.DateCreated),
		DateUpdated:     date(m.DateUpdated),
		URL:             l.message(m.ChannelSid, m.Sid),
	}
	if md := m.Media; md != nil {
		out.Type = messageMedia
		out.Media = &mediaJSON{Sid: md.Sid, Filename: md.Filename, ContentType: md.ContentType, Size: md.Size}
	}
	return out
}

// messageBody is the body of a send or an edit; only a send takes
// media_sid.
type messageBody struct {
	Body       text       `json:"body"`
	Attributes attributes `json:"attributes"`
	MediaSid   text       `json:"media_sid"`
}

// handleMessageSend sends a Message from the User: text, or the Media
// uploaded first to media_service (media_sid).
func (a *API) handleMessageSend(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	var b messageBody
	if err := readBody(w, r, &b); err != nil {
		return err
	}
	in := model.MessageCreate{Body: b.Body.Value, Attributes: b.Attributes.value, MediaSid: b.MediaSid.Value}
	m, err := a.api.SendMessageAs(r.Context(), p, param(ps, "channel"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a.links(r).messageJSON(m))
	return nil
}

func (a *API) handleMessageFetch(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	m, err := a.api.FindMessageAs(r.Context(), p, param(ps, "channel"), param(ps, "sid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.links(r).messageJSON(m))
	return nil
}

// handleMessageUpdate edits a Message's body or attributes.
func (a *API) handleMessageUpdate(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	var b messageBody
	if err := readBody(w, r, &b); err != nil {
		return err
	}
	in := model.MessageUpdate{Body: str(b.Body), Attributes: b.Attributes.value}
	m, err := a.api.UpdateMessageAs(r.Context(), p, param(ps, "channel"), param(ps, "sid"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.links(r).messageJSON(m))
	return nil
}

func (a *API) handleMessageDelete(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	if err := a.api.DeleteMessageAs(r.Context(), p, param(ps, "channel"), param(ps, "sid")); err != nil {
		return err
	}
	return noContent(w)
}
