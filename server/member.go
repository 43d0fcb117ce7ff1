package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// memberJSON is a Member of v1 or v2. v1 Members have no attributes; v2
// attributes are never empty (at least "{}"), so omitempty drops the field
// exactly in v1.
type memberJSON struct {
	Sid                      string  `json:"sid"`
	AccountSid               string  `json:"account_sid"`
	ChannelSid               string  `json:"channel_sid"`
	ServiceSid               string  `json:"service_sid"`
	Identity                 string  `json:"identity"`
	DateCreated              string  `json:"date_created"`
	DateUpdated              string  `json:"date_updated"`
	RoleSid                  string  `json:"role_sid"`
	LastConsumedMessageIndex *int    `json:"last_consumed_message_index"`
	LastConsumptionTimestamp *string `json:"last_consumption_timestamp"`
	URL                      string  `json:"url"`
	Attributes               string  `json:"attributes,omitempty"`
}

func (s *Server) memberURL(r *http.Request, m *model.Member) string {
	return s.channelURL(r, m.ServiceSid, m.ChannelSid) + "/Members/" + m.Sid
}

func (s *Server) memberJSON(r *http.Request, m *model.Member) memberJSON {
	attributes := m.Attributes
	if apiVersion(r) == v1 {
		attributes = ""
	}
	return memberJSON{
		Sid:                      m.Sid,
		AccountSid:               s.cfg.AccountSid,
		ChannelSid:               m.ChannelSid,
		ServiceSid:               m.ServiceSid,
		Identity:                 m.Identity,
		DateCreated:              date(m.DateCreated),
		DateUpdated:              date(m.DateUpdated),
		RoleSid:                  m.RoleSid,
		LastConsumedMessageIndex: m.LastConsumedMessageIndex,
		LastConsumptionTimestamp: optDate(m.LastConsumptionTimestamp),
		URL:                      s.memberURL(r, m),
		Attributes:               attributes,
	}
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
	writeJSON(w, http.StatusCreated, s.memberJSON(r, m))
	return nil
}

func (s *Server) handleMemberFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	m, err := s.api.FindMember(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.memberJSON(r, m))
	return nil
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
	out := make([]memberJSON, len(ms))
	for i, m := range ms {
		out[i] = s.memberJSON(r, m)
	}
	return s.writeList(w, r, "members", out, filter{}.add("Identity", identities...), pg, cur)
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
	writeJSON(w, http.StatusOK, s.memberJSON(r, m))
	return nil
}

func (s *Server) handleMemberDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteMember(r.Context(), param(p, "service"), param(p, "channel"), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}
