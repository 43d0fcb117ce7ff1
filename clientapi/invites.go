package clientapi

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// inviteJSON is an Invite.
type inviteJSON struct {
	Sid             string  `json:"sid"`
	ConversationSid string  `json:"conversation_sid"`
	Identity        string  `json:"identity"`
	RoleSid         string  `json:"role_sid"`
	CreatedBy       *string `json:"created_by"`
	DateCreated     string  `json:"date_created"`
	DateUpdated     string  `json:"date_updated"`
	URL             string  `json:"url"`
}

func (l links) inviteJSON(inv *model.Invite) inviteJSON {
	return inviteJSON{
		Sid:             inv.Sid,
		ConversationSid: inv.ChannelSid,
		Identity:        inv.Identity,
		RoleSid:         inv.RoleSid,
		CreatedBy:       inv.CreatedBy,
		DateCreated:     date(inv.DateCreated),
		DateUpdated:     date(inv.DateUpdated),
		URL:             l.invite(inv.ChannelSid, inv.Sid),
	}
}

func (a *API) handleInviteCreate(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	var b identityBody
	if err := readBody(w, r, &b); err != nil {
		return err
	}
	if b.Identity.Value == nil || *b.Identity.Value == "" {
		return model.MissingParam("identity")
	}
	inv, err := a.api.InviteAs(r.Context(), p, param(ps, "channel"), *b.Identity.Value)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a.links(r).inviteJSON(inv))
	return nil
}

// handleInviteFetch fetches an Invite by IN SID or invited identity.
func (a *API) handleInviteFetch(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	inv, err := a.api.FindInviteAs(r.Context(), p, param(ps, "channel"), param(ps, "invite"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.links(r).inviteJSON(inv))
	return nil
}

// handleInviteDelete declines the User's own Invite, or withdraws another's.
func (a *API) handleInviteDelete(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	if err := a.api.DeleteInviteAs(r.Context(), p, param(ps, "channel"), param(ps, "invite")); err != nil {
		return err
	}
	return noContent(w)
}
