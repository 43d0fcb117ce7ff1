package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// member writes m, a Member of v1 or v2. v1 Members have no attributes;
// v2 attributes are never empty (at least "{}"), and are left out when they
// are.
func (b *body) member(m *model.Member) {
	b.open("")
	b.str("sid", m.Sid)
	b.accountSid()
	b.str("channel_sid", m.ChannelSid)
	b.str("service_sid", m.ServiceSid)
	b.str("identity", m.Identity)
	b.date("date_created", m.DateCreated)
	b.date("date_updated", m.DateUpdated)
	b.str("role_sid", m.RoleSid)
	b.optInt("last_consumed_message_index", m.LastConsumedMessageIndex)
	b.optDate("last_consumption_timestamp", m.LastConsumptionTimestamp)
	b.concat("url", b.root, "/Services/", m.ServiceSid, "/Channels/", m.ChannelSid, "/Members/", m.Sid)
	if b.version != v1 && m.Attributes != "" {
		b.str("attributes", m.Attributes)
	}
	b.close()
}

func (s *Server) handleMemberCreate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.MemberCreate{Identity: f.required("Identity"), RoleSid: f.str("RoleSid")}
	if apiVersion(r) != v1 {
		in.LastConsumedMessageIndex = f.integer("LastConsumedMessageIndex", model.CodeInvalidLastConsumedMessageIndex)
		in.LastConsumptionTimestamp = f.date("LastConsumptionTimestamp", model.CodeInvalidLastConsumptionTimestamp)
		in.DateCreated = f.date("DateCreated", model.CodeInvalidDateCreated)
		in.DateUpdated = f.date("DateUpdated", model.CodeInvalidDateUpdated)
		in.Attributes = f.str("Attributes")
	}
	if f.err != nil {
		return f.err
	}
	m, err := s.api.CreateMember(r.Context(), param(p, "service"), param(p, "channel"), in)
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusCreated, func(b *body) { b.member(m) })
}

func (s *Server) handleMemberFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	m, err := s.api.FindMember(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid"))
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.member(m) })
}

func (s *Server) handleMemberList(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f := queryForm(r)
	pg := readPage(f, maxPage(r, maxPageSize))
	if f.err != nil {
		return f.err
	}
	identities := f.list("Identity")
	ms, cur, err := s.api.ListMembers(r.Context(), param(p, "service"), param(p, "channel"), model.MemberFilter{Identities: identities}, pg)
	if err != nil {
		return err
	}
	return s.replyList(w, r, "members", filter{}.add("Identity", identities...), pg, cur, func(b *body) {
		for _, m := range ms {
			b.member(m)
		}
	})
}

func (s *Server) handleMemberUpdate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.MemberUpdate{
		RoleSid:                  f.str("RoleSid"),
		LastConsumedMessageIndex: f.integer("LastConsumedMessageIndex", model.CodeInvalidLastConsumedMessageIndex),
	}
	if apiVersion(r) != v1 {
		in.LastConsumptionTimestamp = f.date("LastConsumptionTimestamp", model.CodeInvalidLastConsumptionTimestamp)
		in.DateCreated = f.date("DateCreated", model.CodeInvalidDateCreated)
		in.DateUpdated = f.date("DateUpdated", model.CodeInvalidDateUpdated)
		in.Attributes = f.str("Attributes")
	}
	if f.err != nil {
		return f.err
	}
	m, err := s.api.UpdateMember(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid"), in)
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.member(m) })
}

func (s *Server) handleMemberDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteMember(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}
