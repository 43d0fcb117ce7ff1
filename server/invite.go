package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// invite writes inv.
func (b *body) invite(inv *model.Invite) {
	b.open("")
	b.str("sid", inv.Sid)
	b.accountSid()
	b.str("channel_sid", inv.ChannelSid)
	b.str("service_sid", inv.ServiceSid)
	b.str("identity", inv.Identity)
	b.date("date_created", inv.DateCreated)
	b.date("date_updated", inv.DateUpdated)
	b.str("role_sid", inv.RoleSid)
	b.optStr("created_by", inv.CreatedBy)
	b.concat("url", b.root, "/Services/", inv.ServiceSid, "/Channels/", inv.ChannelSid, "/Invites/", inv.Sid)
	b.close()
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
	return s.reply(w, r, http.StatusCreated, func(b *body) { b.invite(inv) })
}

func (s *Server) handleInviteFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	inv, err := s.api.FindInvite(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid"))
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.invite(inv) })
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
	return s.replyList(w, r, "invites", filter{}.add("Identity", identities...), pg, cur, func(b *body) {
		for _, inv := range invs {
			b.invite(inv)
		}
	})
}

func (s *Server) handleInviteDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteInvite(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}
