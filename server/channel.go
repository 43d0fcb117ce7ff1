package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// channelJSON is a Channel of v1 or v2. v1 has no webhooks link, and its
// list items carry null attributes once assigned (see v1ListAttributes).
type channelJSON struct {
	Sid           string       `json:"sid"`
	AccountSid    string       `json:"account_sid"`
	ServiceSid    string       `json:"service_sid"`
	FriendlyName  *string      `json:"friendly_name"`
	UniqueName    *string      `json:"unique_name"`
	Attributes    *string      `json:"attributes"`
	Type          string       `json:"type"`
	DateCreated   string       `json:"date_created"`
	DateUpdated   string       `json:"date_updated"`
	CreatedBy     string       `json:"created_by"`
	MembersCount  int          `json:"members_count"`
	MessagesCount int          `json:"messages_count"`
	URL           string       `json:"url"`
	Links         channelLinks `json:"links"`
}

type channelLinks struct {
	Members  string `json:"members"`
	Messages string `json:"messages"`
	Invites  string `json:"invites"`
	// Webhooks is empty, and so left out, in v1.
	Webhooks    string  `json:"webhooks,omitempty"`
	LastMessage *string `json:"last_message"`
}

// channelV3JSON is the Channel of the v3 update: no links, and the
// Messaging Service it belongs to.
type channelV3JSON struct {
	Sid                 string  `json:"sid"`
	AccountSid          string  `json:"account_sid"`
	ServiceSid          string  `json:"service_sid"`
	FriendlyName        *string `json:"friendly_name"`
	UniqueName          *string `json:"unique_name"`
	Attributes          string  `json:"attributes"`
	Type                string  `json:"type"`
	DateCreated         string  `json:"date_created"`
	DateUpdated         string  `json:"date_updated"`
	CreatedBy           string  `json:"created_by"`
	MembersCount        int     `json:"members_count"`
	MessagesCount       int     `json:"messages_count"`
	MessagingServiceSid *string `json:"messaging_service_sid"`
	URL                 string  `json:"url"`
}

// channelURL is the canonical URL of a Channel: always by SID, whatever key
// the request used.
func (s *Server) channelURL(r *http.Request, service, channel string) string {
	return s.root(r) + "/Services/" + service + "/Channels/" + channel
}

// channelJSON renders ch; inList is true for the items of a list.
func (s *Server) channelJSON(r *http.Request, ch *model.Channel, inList bool) channelJSON {
	u := s.channelURL(r, ch.ServiceSid, ch.Sid)
	links := channelLinks{Members: u + "/Members", Messages: u + "/Messages", Invites: u + "/Invites"}
	if apiVersion(r) != v1 {
		links.Webhooks = u + "/Webhooks"
	}
	if ch.LastMessageSid != "" {
		last := u + "/Messages/" + ch.LastMessageSid
		links.LastMessage = &last
	}
	attributes := &ch.Attributes
	if inList && apiVersion(r) == v1 {
		attributes = v1ListAttributes(ch.Attributes)
	}
	return channelJSON{
		Sid:           ch.Sid,
		AccountSid:    s.cfg.AccountSid,
		ServiceSid:    ch.ServiceSid,
		FriendlyName:  ch.FriendlyName,
		UniqueName:    ch.UniqueName,
		Attributes:    attributes,
		Type:          ch.Type,
		DateCreated:   date(ch.DateCreated),
		DateUpdated:   date(ch.DateUpdated),
		CreatedBy:     ch.CreatedBy,
		MembersCount:  ch.MembersCount,
		MessagesCount: ch.MessagesCount,
		URL:           u,
		Links:         links,
	}
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
	writeJSON(w, http.StatusCreated, s.channelJSON(r, ch, false))
	return nil
}

func (s *Server) handleChannelFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	ch, err := s.api.FindChannel(r.Context(), param(p, "service"), param(p, "channel"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.channelJSON(r, ch, false))
	return nil
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
	out := make([]channelJSON, len(chs))
	for i, ch := range chs {
		out[i] = s.channelJSON(r, ch, true)
	}
	return s.writeList(w, r, "channels", out, filter{}.add("Type", types...), pg, cur)
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
	writeJSON(w, http.StatusOK, s.channelJSON(r, ch, false))
	return nil
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
	writeJSON(w, http.StatusOK, channelV3JSON{
		Sid:                 ch.Sid,
		AccountSid:          s.cfg.AccountSid,
		ServiceSid:          ch.ServiceSid,
		FriendlyName:        ch.FriendlyName,
		UniqueName:          ch.UniqueName,
		Attributes:          ch.Attributes,
		Type:                ch.Type,
		DateCreated:         date(ch.DateCreated),
		DateUpdated:         date(ch.DateUpdated),
		CreatedBy:           ch.CreatedBy,
		MembersCount:        ch.MembersCount,
		MessagesCount:       ch.MessagesCount,
		MessagingServiceSid: ch.MessagingServiceSid,
		URL:                 s.channelURL(r, ch.ServiceSid, ch.Sid),
	})
	return nil
}
