package clientapi

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// conversationJSON is a Channel descriptor as the SDK reads it, seen by the
// acting User: its own status, consumption horizon, notification level and
// unread count in the Channel. The same shape serves the public list, the
// User's own list (my_conversations), a fetch and a create.
type conversationJSON struct {
	Sid                      string                `json:"sid"`
	ConversationSid          string                `json:"conversation_sid"`
	UniqueName               *string               `json:"unique_name"`
	FriendlyName             *string               `json:"friendly_name"`
	Attributes               string                `json:"attributes"`
	CreatedBy                string                `json:"created_by"`
	DateCreated              string                `json:"date_created"`
	DateUpdated              string                `json:"date_updated"`
	MessagesCount            int                   `json:"messages_count"`
	ParticipantsCount        int                   `json:"participants_count"`
	Type                     string                `json:"type"`
	Status                   string                `json:"status"`
	LastConsumedMessageIndex *int                  `json:"last_consumed_message_index"`
	NotificationLevel        *string               `json:"notification_level"`
	UnreadMessagesCount      *int                  `json:"unread_messages_count"`
	URL                      string                `json:"url"`
	Links                    conversationLinksJSON `json:"links"`
	SyncObjects              conversationSyncJSON  `json:"sync_objects"`
}

type conversationLinksJSON struct {
	Messages     string `json:"messages"`
	Participants string `json:"participants"`
	Invites      string `json:"invites"`
}

type conversationSyncJSON struct {
	Conversation string `json:"conversation"`
	Messages     string `json:"messages"`
}

// conversationListJSON is a page of Channel descriptors.
type conversationListJSON struct {
	Conversations []conversationJSON `json:"conversations"`
	Meta          tokenMetaJSON      `json:"meta"`
}

// tokenMetaJSON carries the page tokens of a list: null at either end.
type tokenMetaJSON struct {
	NextToken     *string `json:"next_token"`
	PreviousToken *string `json:"previous_token"`
}

// statuses maps a User Channel's status to the SDK's spelling.
var statuses = map[string]string{
	model.UserChannelJoined:           "joined",
	model.UserChannelInvited:          "invited",
	model.UserChannelNotParticipating: "notParticipating",
}

func (l links) conversationJSON(v *model.ChannelView) conversationJSON {
	ch, mine := v.Channel, v.Mine
	u := l.conversation(ch.Sid)
	out := conversationJSON{
		Sid:                      ch.Sid,
		ConversationSid:          ch.Sid,
		UniqueName:               ch.UniqueName,
		FriendlyName:             ch.FriendlyName,
		Attributes:               ch.Attributes,
		CreatedBy:                ch.CreatedBy,
		DateCreated:              date(ch.DateCreated),
		DateUpdated:              date(ch.DateUpdated),
		MessagesCount:            ch.MessagesCount,
		ParticipantsCount:        ch.MembersCount,
		Type:                     ch.Type,
		Status:                   statuses[mine.Status],
		LastConsumedMessageIndex: mine.LastConsumedMessageIndex,
		UnreadMessagesCount:      mine.UnreadMessagesCount,
		URL:                      u,
		Links:                    conversationLinksJSON{Messages: u + "/Messages", Participants: u + "/Participants", Invites: u + "/Invites"},
		SyncObjects:              conversationSyncJSON{Conversation: model.SyncChannel(ch.Sid), Messages: model.SyncMessages(ch.Sid)},
	}
	if mine.Status == model.UserChannelJoined {
		level := mine.NotificationLevel
		out.NotificationLevel = &level
	}
	return out
}

func (l links) conversationListJSON(vs []*model.ChannelView, cur model.Cursor) conversationListJSON {
	out := conversationListJSON{Conversations: make([]conversationJSON, len(vs)), Meta: tokenMeta(cur)}
	for i, v := range vs {
		out.Conversations[i] = l.conversationJSON(v)
	}
	return out
}

func tokenMeta(cur model.Cursor) tokenMetaJSON {
	return tokenMetaJSON{NextToken: nullIfEmpty(cur.Next), PreviousToken: nullIfEmpty(cur.Previous)}
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// handleConversationList lists the public Channels.
func (a *API) handleConversationList(w http.ResponseWriter, r *http.Request, p *model.Principal, _ httprouter.Params) error {
	pg, err := readPage(r)
	if err != nil {
		return err
	}
	vs, cur, err := a.api.ListPublicChannelsAs(r.Context(), p, pg)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.links(r).conversationListJSON(vs, cur))
	return nil
}

// conversationBody is the body of a Channel create or update.
type conversationBody struct {
	Type         text       `json:"type"`
	UniqueName   text       `json:"unique_name"`
	FriendlyName text       `json:"friendly_name"`
	Attributes   attributes `json:"attributes"`
}

func (a *API) handleConversationCreate(w http.ResponseWriter, r *http.Request, p *model.Principal, _ httprouter.Params) error {
	var b conversationBody
	if err := readBody(w, r, &b); err != nil {
		return err
	}
	in := model.ChannelCreate{FriendlyName: str(b.FriendlyName), UniqueName: str(b.UniqueName), Attributes: b.Attributes.value}
	if t := b.Type.Value; t != nil {
		if *t != model.ChannelPublic && *t != model.ChannelPrivate {
			return model.InvalidParam("type", *t)
		}
		in.Type = t
	}
	v, err := a.api.CreateChannelAs(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a.links(r).conversationJSON(v))
	return nil
}

// handleConversationFetch fetches a Channel by SID or unique name.
func (a *API) handleConversationFetch(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	v, err := a.api.FindChannelAs(r.Context(), p, param(ps, "channel"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.links(r).conversationJSON(v))
	return nil
}

func (a *API) handleConversationUpdate(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	var b conversationBody
	if err := readBody(w, r, &b); err != nil {
		return err
	}
	in := model.ChannelUpdate{FriendlyName: str(b.FriendlyName), UniqueName: str(b.UniqueName), Attributes: b.Attributes.value}
	v, err := a.api.UpdateChannelAs(r.Context(), p, param(ps, "channel"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.links(r).conversationJSON(v))
	return nil
}

func (a *API) handleConversationDelete(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	if err := a.api.DeleteChannelAs(r.Context(), p, param(ps, "channel")); err != nil {
		return err
	}
	return noContent(w)
}
