package clientapi

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// userJSON is a User descriptor as the SDK reads it.
type userJSON struct {
	Identity       string       `json:"identity"`
	FriendlyName   *string      `json:"friendly_name"`
	Attributes     string       `json:"attributes"`
	IsOnline       *bool        `json:"is_online"`
	IsNotifiable   *bool        `json:"is_notifiable"`
	SyncObjects    userSyncJSON `json:"sync_objects"`
	SyncUniqueName string       `json:"sync_unique_name"`
}

type userSyncJSON struct {
	UserInfoMap string `json:"user_info_map"`
}

// userListJSON is a page of User descriptors; this list names its
// previous-page token prev_token.
type userListJSON struct {
	Users []userJSON   `json:"users"`
	Meta  userMetaJSON `json:"meta"`
}

type userMetaJSON struct {
	NextToken *string `json:"next_token"`
	PrevToken *string `json:"prev_token"`
}

// userDescriptor renders u with its reachability, nil when its Service
// has reachability disabled (is_online and is_notifiable are then null, as
// is_online is for a User never online and is_notifiable for one without a
// push Binding).
func userDescriptor(u *model.User, reach *model.Reachability) userJSON {
	out := userJSON{
		Identity:       u.Identity,
		FriendlyName:   u.FriendlyName,
		Attributes:     u.Attributes,
		SyncObjects:    userSyncJSON{UserInfoMap: model.SyncUserInfo(u.Sid)},
		SyncUniqueName: model.SyncUserInfo(u.Sid),
	}
	if reach != nil {
		out.IsOnline = reach.Online
		if reach.Notifiable {
			out.IsNotifiable = &reach.Notifiable
		}
	}
	return out
}

// handleUserList lists the Users of a Channel's Members (ConversationSid,
// a CH SID or unique name).
func (a *API) handleUserList(w http.ResponseWriter, r *http.Request, p *model.Principal, _ httprouter.Params) error {
	channel := r.URL.Query().Get("ConversationSid")
	if channel == "" {
		return model.Errorf(model.CodeInvalidParameter, "Missing required parameter ConversationSid in the query")
	}
	pg, err := readPage(r)
	if err != nil {
		return err
	}
	us, cur, err := a.api.ListChannelUsersAs(r.Context(), p, channel, pg)
	if err != nil {
		return err
	}
	out := userListJSON{Users: make([]userJSON, len(us)), Meta: userMetaJSON{NextToken: nullIfEmpty(cur.Next), PrevToken: nullIfEmpty(cur.Previous)}}
	for i, u := range us {
		out.Users[i] = userDescriptor(u, nil)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// handleUserFetch fetches a User by identity (or US SID).
func (a *API) handleUserFetch(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	u, reach, err := a.api.FindUserAs(r.Context(), p, param(ps, "user"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userDescriptor(u, reach))
	return nil
}

// handleUserUpdate changes a User's friendly name or attributes.
func (a *API) handleUserUpdate(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	var b struct {
		FriendlyName text       `json:"friendly_name"`
		Attributes   attributes `json:"attributes"`
	}
	if err := readBody(w, r, &b); err != nil {
		return err
	}
	in := model.UserUpdate{FriendlyName: str(b.FriendlyName), Attributes: b.Attributes.value}
	u, err := a.api.UpdateUserAs(r.Context(), p, param(ps, "user"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userDescriptor(u, nil))
	return nil
}
