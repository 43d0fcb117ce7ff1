package clientapi

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// participantJSON is a Member.
type participantJSON struct {
	Sid                      string  `json:"sid"`
	ConversationSid          string  `json:"conversation_sid"`
	Identity                 string  `json:"identity"`
	RoleSid                  string  `json:"role_sid"`
	Attributes               string  `json:"attributes"`
	LastConsumedMessageIndex *int    `json:"last_consumed_message_index"`
	LastConsumptionTimestamp *string `json:"last_consumption_timestamp"`
	DateCreated              string  `json:"date_created"`
	DateUpdated              string  `json:"date_updated"`
	URL                      string  `json:"url"`
}

func (l links) participantJSON(m *model.Member) participantJSON {
	return participantJSON{
		Sid:                      m.Sid,
		ConversationSid:          m.ChannelSid,
		Identity:                 m.Identity,
		RoleSid:                  m.RoleSid,
		Attributes:               m.Attributes,
		LastConsumedMessageIndex: m.LastConsumedMessageIndex,
		LastConsumptionTimestamp: optDate(m.LastConsumptionTimestamp),
		DateCreated:              date(m.DateCreated),
		DateUpdated:              date(m.DateUpdated),
		URL:                      l.participant(m.ChannelSid, m.Sid),
	}
}

// identityBody is the body of a join, an add or an invite.
type identityBody struct {
	Identity text `json:"identity"`
}

// handleParticipantAdd adds identity to the Channel: the User itself
// joins when identity is its own or missing. A join of a Channel the User
// is in already answers its membership (200) instead of 409/50404: the
// creator of a Channel is its first Member, and apps written for Twilio's
// quickstarts join the Channel they have just created.
func (a *API) handleParticipantAdd(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	var b identityBody
	if err := readBody(w, r, &b); err != nil {
		return err
	}
	identity := p.Identity
	if b.Identity.Value != nil && *b.Identity.Value != "" {
		identity = *b.Identity.Value
	}
	m, err := a.api.AddMemberAs(r.Context(), p, param(ps, "channel"), identity)
	if model.IsCode(err, model.CodeMemberExists) && identity == p.Identity {
		if m, err = a.api.FindMemberAs(r.Context(), p, param(ps, "channel"), identity); err == nil {
			writeJSON(w, http.StatusOK, a.links(r).participantJSON(m))
			return nil
		}
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a.links(r).participantJSON(m))
	return nil
}

// handleParticipantFetch fetches a Member by MB SID or identity.
func (a *API) handleParticipantFetch(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	m, err := a.api.FindMemberAs(r.Context(), p, param(ps, "channel"), param(ps, "member"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.links(r).participantJSON(m))
	return nil
}

// handleParticipantUpdate sets a Member's attributes.
func (a *API) handleParticipantUpdate(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	var b struct {
		Attributes attributes `json:"attributes"`
	}
	if err := readBody(w, r, &b); err != nil {
		return err
	}
	if b.Attributes.value == nil {
		return model.MissingParam("attributes")
	}
	m, err := a.api.UpdateMemberAs(r.Context(), p, param(ps, "channel"), param(ps, "member"), *b.Attributes.value)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.links(r).participantJSON(m))
	return nil
}

// handleParticipantRemove removes a Member (by MB SID or identity): the
// User leaves when it is its own.
func (a *API) handleParticipantRemove(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
	if err := a.api.RemoveMemberAs(r.Context(), p, param(ps, "channel"), param(ps, "member")); err != nil {
		return err
	}
	return noContent(w)
}
