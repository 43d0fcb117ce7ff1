package server

import (
	"net/http"
	"net/url"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// maxBindingPageSize is the v2 maximum (and default) page size of the
// Bindings and User Bindings lists.
const maxBindingPageSize = 50

// bindingJSON is a Binding at service level (chat.v2.service.binding).
type bindingJSON struct {
	Sid           string       `json:"sid"`
	AccountSid    string       `json:"account_sid"`
	ServiceSid    string       `json:"service_sid"`
	DateCreated   string       `json:"date_created"`
	DateUpdated   string       `json:"date_updated"`
	Endpoint      string       `json:"endpoint"`
	Identity      string       `json:"identity"`
	CredentialSid string       `json:"credential_sid"`
	BindingType   string       `json:"binding_type"`
	MessageTypes  []string     `json:"message_types"`
	URL           string       `json:"url"`
	Links         bindingLinks `json:"links"`
}

// bindingLinks points at the Binding's User by identity, not by SID, as
// Twilio's do (the spec's examples: …/Users/TestUser).
type bindingLinks struct {
	User string `json:"user"`
}

// userBindingJSON is a Binding under its User
// (chat.v2.service.user.user_binding): user_sid instead of links, and a url
// under the User's SID.
type userBindingJSON struct {
	Sid           string   `json:"sid"`
	AccountSid    string   `json:"account_sid"`
	ServiceSid    string   `json:"service_sid"`
	DateCreated   string   `json:"date_created"`
	DateUpdated   string   `json:"date_updated"`
	Endpoint      string   `json:"endpoint"`
	Identity      string   `json:"identity"`
	UserSid       string   `json:"user_sid"`
	CredentialSid string   `json:"credential_sid"`
	BindingType   string   `json:"binding_type"`
	MessageTypes  []string `json:"message_types"`
	URL           string   `json:"url"`
}

// bindingJSON renders b. Its url is always v2 (Bindings exist only there),
// also when the request came through chatd's /_chatd/ route.
func (s *Server) bindingJSON(r *http.Request, b *model.Binding) bindingJSON {
	svc := s.base(r) + "/v2/Services/" + b.ServiceSid
	return bindingJSON{
		Sid:           b.Sid,
		AccountSid:    s.cfg.AccountSid,
		ServiceSid:    b.ServiceSid,
		DateCreated:   date(b.DateCreated),
		DateUpdated:   date(b.DateUpdated),
		Endpoint:      b.Endpoint,
		Identity:      b.Identity,
		CredentialSid: b.CredentialSid,
		BindingType:   b.BindingType,
		MessageTypes:  b.MessageTypes,
		URL:           svc + "/Bindings/" + b.Sid,
		Links:         bindingLinks{User: svc + "/Users/" + url.PathEscape(b.Identity)},
	}
}

// userBindingJSON renders b under its User, addressed by SID in url
// whatever key the request used.
func (s *Server) userBindingJSON(r *http.Request, b *model.Binding) userBindingJSON {
	return userBindingJSON{
		Sid:           b.Sid,
		AccountSid:    s.cfg.AccountSid,
		ServiceSid:    b.ServiceSid,
		DateCreated:   date(b.DateCreated),
		DateUpdated:   date(b.DateUpdated),
		Endpoint:      b.Endpoint,
		Identity:      b.Identity,
		UserSid:       b.UserSid,
		CredentialSid: b.CredentialSid,
		BindingType:   b.BindingType,
		MessageTypes:  b.MessageTypes,
		URL:           s.base(r) + "/v2/Services/" + b.ServiceSid + "/Users/" + b.UserSid + "/Bindings/" + b.Sid,
	}
}

// handleBindingCreate is chatd's POST /_chatd/Services/{IS}/Bindings: it
// takes what an SDK registration carries (Identity, BindingType, Endpoint,
// CredentialSid, repeated MessageTypes) and answers the service-level
// Binding, 201 when it is new and 200 when it replaced the device's Binding.
func (s *Server) handleBindingCreate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.BindingCreate{
		Identity:      f.required("Identity"),
		BindingType:   f.required("BindingType"),
		Endpoint:      f.required("Endpoint"),
		CredentialSid: f.required("CredentialSid"),
		MessageTypes:  f.list("MessageTypes"),
	}
	if f.err != nil {
		return f.err
	}
	b, created, err := s.api.CreateBinding(r.Context(), param(p, "service"), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, s.bindingJSON(r, b))
	return nil
}

func (s *Server) handleBindingFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	b, err := s.api.FindBinding(r.Context(), param(p, "service"), param(p, "sid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.bindingJSON(r, b))
	return nil
}

// handleBindingList lists the Service's Bindings, narrowed by repeated
// BindingType and Identity filters, which the meta URLs repeat.
func (s *Server) handleBindingList(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f := queryForm(r)
	pg := readPage(f, maxBindingPageSize)
	if f.err != nil {
		return f.err
	}
	flt := model.BindingFilter{Types: f.list("BindingType"), Identities: f.list("Identity")}
	bs, cur, err := s.api.ListBindings(r.Context(), param(p, "service"), flt, pg)
	if err != nil {
		return err
	}
	out := make([]bindingJSON, len(bs))
	for i, b := range bs {
		out[i] = s.bindingJSON(r, b)
	}
	q := filter{}.add("BindingType", flt.Types...).add("Identity", flt.Identities...)
	return s.writeList(w, r, "bindings", out, q, pg, cur)
}

func (s *Server) handleBindingDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteBinding(r.Context(), param(p, "service"), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}

func (s *Server) handleUserBindingFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	b, err := s.api.FindUserBinding(r.Context(), param(p, "service"), param(p, "user"), param(p, "sid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.userBindingJSON(r, b))
	return nil
}

// handleUserBindingList lists the User's Bindings, narrowed by repeated
// BindingType filters.
func (s *Server) handleUserBindingList(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f := queryForm(r)
	pg := readPage(f, maxBindingPageSize)
	if f.err != nil {
		return f.err
	}
	types := f.list("BindingType")
	bs, cur, err := s.api.ListUserBindings(r.Context(), param(p, "service"), param(p, "user"), types, pg)
	if err != nil {
		return err
	}
	out := make([]userBindingJSON, len(bs))
	for i, b := range bs {
		out[i] = s.userBindingJSON(r, b)
	}
	return s.writeList(w, r, "bindings", out, filter{}.add("BindingType", types...), pg, cur)
}

func (s *Server) handleUserBindingDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteUserBinding(r.Context(), param(p, "service"), param(p, "user"), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}
