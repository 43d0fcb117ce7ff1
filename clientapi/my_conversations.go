package clientapi

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// The User's own Channels (links.my_conversations): the descriptors of the
// Channels it has joined or is invited to, and its consumption reports.

// handleMyConversationList lists the Channels the User has joined or is
// invited to.
func (a *API) handleMyConversationList(w http.ResponseWriter, r *http.Request, p *model.Principal, _ httprouter.Params) error {
	pg, err := readPage(r)
	if err != nil {
		return err
	}
	vs, cur, err := a.api.ListUserChannelsAs(r.Context(), p, pg)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.links(r).conversationListJSON(vs, cur))
	return nil
}

func (a *API) handleMyConversationFetch(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	v, err := a.api.FindUserChannelAs(r.Context(), p, param(ps, "channel"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.links(r).conversationJSON(v))
	return nil
}

// myConversationBody is the body of a consumption report or a notification
// level change: last_consumed_message_index null means no Message read.
type myConversationBody struct {
	LastConsumedMessageIndex optional[int] `json:"last_consumed_message_index"`
	NotificationLevel        text          `json:"notification_level"`
}

func (a *API) handleMyConversationUpdate(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	var b myConversationBody
	if err := readBody(w, r, &b); err != nil {
		return err
	}
	in := model.MyChannelUpdate{
		NotificationLevel:        b.NotificationLevel.Value,
		SetConsumed:              b.LastConsumedMessageIndex.Set,
		LastConsumedMessageIndex: b.LastConsumedMessageIndex.Value,
	}
	v, err := a.api.UpdateUserChannelAs(r.Context(), p, param(ps, "channel"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.links(r).conversationJSON(v))
	return nil
}
