package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// inviteJSON is an Invite.
type inviteJSON struct {
	Sid         string  `json:"sid"`
	AccountSid  string  `json:"account_sid"`
	ChannelSid  string  `json:"channel_sid"`
	ServiceSid  string  `json:"service_sid"`
	Identity    string  `json:"identity"`
	DateCreated string  `json:"date_created"`
	DateUpdated string  `json:"date_updated"`
	RoleSid     string  `json:"role_sid"`
	CreatedBy   *string `json:"created_by"`
	URL         string  `json:"url"`
}

func (s *Server) inviteJSON(r *http.Request, inv *model.Invite) inviteJSON {
	return inviteJSON{
		Sid:         inv.Sid,
		AccountSid:  s.cfg.AccountSid,
		ChannelSid:  inv.ChannelSid,
		ServiceSid:  inv.ServiceSid,
		Identity:    inv.Identity,
		DateCreated: date(inv.DateCreated),
		DateUpdated: date(inv.DateUpdated),
		RoleSid:     inv.RoleSid,
		CreatedBy:   inv.CreatedBy,
		URL:         s.channelURL(r, inv.ServiceSid, inv.ChannelSid) + "/Invites/" + inv.Sid,
	}
}

func (s *Server) handleInviteCreate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.InviteCreate{Identity: f.required("Identity"), RoleSid: f.str("RoleSid")}
	if f.err != nil {
		return f.err
	}
	inv, err := s.api.CreateInvite(r.Context(), param(p, "service"), param(p, "channel"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.inviteJSON(r, inv))
	return nil
}

func (s *Server) handleInviteFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	inv, err := s.api.FindInvite(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.inviteJSON(r, inv))
	return nil
}

func (s *Server) handleInviteList(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f := queryForm(r)
	pg := readPage(f, maxPage(r, maxPageSize))
	if f.err != nil {
		return f.err
	}
	identities := f.list("Identity")
	invs, cur, err := s.api.ListInvites(r.Context(), param(p, "service"), param(p, "channel"), model.InviteFilter{Identities: identities}, pg)
	if err != nil {
		return err
	}
	out := make([]inviteJSON, len(invs))
	for i, inv := range invs {
		out[i] = s.inviteJSON(r, inv)
	}
	return s.writeList(w, r, "invites", out, filter{}.add("Identity", identities...), pg, cur)
}

func (s *Server) handleInviteDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteInvite(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}
