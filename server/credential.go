package server

import (
	"net/http"
	"strconv"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// maxCredentialPageSize is the Credentials list's PageSize maximum, the same
// in v1 and v2 (the spec's "the maximum is 1000" on both).
const maxCredentialPageSize = 1000

// credentialJSON is a Credential (chat.v1.credential and chat.v2.credential
// have the same shape). The secrets are write-only: this type has no field
// for them, so no response can carry one. sandbox is a string, as Twilio
// sends it: "true" or "false".
type credentialJSON struct {
	Sid          string  `json:"sid"`
	AccountSid   string  `json:"account_sid"`
	FriendlyName *string `json:"friendly_name"`
	Type         string  `json:"type"`
	Sandbox      string  `json:"sandbox"`
	DateCreated  string  `json:"date_created"`
	DateUpdated  string  `json:"date_updated"`
	URL          string  `json:"url"`
}

// credentialJSON shapes cr; its url is under the API version of r.
func (s *Server) credentialJSON(r *http.Request, cr *model.Credential) credentialJSON {
	return credentialJSON{
		Sid:          cr.Sid,
		AccountSid:   s.cfg.AccountSid,
		FriendlyName: cr.FriendlyName,
		Type:         cr.Type,
		Sandbox:      strconv.FormatBool(cr.Sandbox),
		DateCreated:  date(cr.DateCreated),
		DateUpdated:  date(cr.DateUpdated),
		URL:          s.root(r) + "/Credentials/" + cr.Sid,
	}
}

// credentialUpdate reads the fields that create and update share: the
// spec's FriendlyName, Certificate, PrivateKey, Sandbox, ApiKey and Secret.
func credentialUpdate(f *form) model.CredentialUpdate {
	return model.CredentialUpdate{
		FriendlyName: f.str("FriendlyName"),
		Certificate:  f.str("Certificate"),
		PrivateKey:   f.str("PrivateKey"),
		Sandbox:      f.boolean("Sandbox"),
		ApiKey:       f.str("ApiKey"),
		Secret:       f.str("Secret"),
	}
}

// handleCredentialCreate answers POST /Credentials. A missing Type is
// 20001 "Missing required parameter"; its value is checked by the model.
func (s *Server) handleCredentialCreate(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.CredentialCreate{Type: f.required("Type"), CredentialUpdate: credentialUpdate(f)}
	if f.err != nil {
		return f.err
	}
	cr, err := s.api.CreateCredential(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.credentialJSON(r, cr))
	return nil
}

func (s *Server) handleCredentialFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	cr, err := s.api.FindCredential(r.Context(), param(p, "sid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.credentialJSON(r, cr))
	return nil
}

// handleCredentialList answers GET /Credentials: PageSize defaults to 50 and
// is capped at 1000 in both versions.
func (s *Server) handleCredentialList(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	f := queryForm(r)
	pg := readPage(f, maxCredentialPageSize)
	if f.err != nil {
		return f.err
	}
	crs, cur, err := s.api.ListCredentials(r.Context(), pg)
	if err != nil {
		return err
	}
	out := make([]credentialJSON, len(crs))
	for i, cr := range crs {
		out[i] = s.credentialJSON(r, cr)
	}
	return s.writeList(w, r, "credentials", out, nil, pg, cur)
}

// handleCredentialUpdate answers POST /Credentials/{Sid}. Type is not an
// update parameter in the spec and is not read: a Credential's type never
// changes.
func (s *Server) handleCredentialUpdate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := credentialUpdate(f)
	if f.err != nil {
		return f.err
	}
	cr, err := s.api.UpdateCredential(r.Context(), param(p, "sid"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.credentialJSON(r, cr))
	return nil
}

func (s *Server) handleCredentialDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteCredential(r.Context(), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}
