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

// binding writes bd at service level (chat.v2.service.binding). Its url is
// always v2 (Bindings exist only there), also when the request came through
// chatd's /_chatd/ route, and links.user points at the User by identity,
// not by SID, as Twilio's do (the spec's examples: …/Users/TestUser).
func (b *body) binding(bd *model.Binding) {
	b.open("")
	b.bindingFields(bd, false)
	b.concat("url", b.base, "/v2/Services/", bd.ServiceSid, "/Bindings/", bd.Sid)
	b.open("links")
	b.concat("user", b.base, "/v2/Services/", bd.ServiceSid, "/Users/", url.PathEscape(bd.Identity))
	b.close()
	b.close()
}

// userBinding writes bd under its User (chat.v2.service.user.user_binding):
// user_sid instead of links, and a url under the User's SID whatever key
// the request used.
func (b *body) userBinding(bd *model.Binding) {
	b.open("")
	b.bindingFields(bd, true)
	b.concat("url", b.base, "/v2/Services/", bd.ServiceSid, "/Users/", bd.UserSid, "/Bindings/", bd.Sid)
	b.close()
}

// bindingFields writes the fields both Binding shapes start with; withUser
// adds user_sid.
func (b *body) bindingFields(bd *model.Binding, withUser bool) {
	b.str("sid", bd.Sid)
	b.accountSid()
	b.str("service_sid", bd.ServiceSid)
	b.date("date_created", bd.DateCreated)
	b.date("date_updated", bd.DateUpdated)
	b.str("endpoint", bd.Endpoint)
	b.str("identity", bd.Identity)
	if withUser {
		b.str("user_sid", bd.UserSid)
	}
	b.str("credential_sid", bd.CredentialSid)
	b.str("binding_type", bd.BindingType)
	b.strs("message_types", bd.MessageTypes)
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
	bd, created, err := s.api.CreateBinding(r.Context(), param(p, "service"), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return s.reply(w, r, status, func(b *body) { b.binding(bd) })
}

func (s *Server) handleBindingFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	bd, err := s.api.FindBinding(r.Context(), param(p, "service"), param(p, "sid"))
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.binding(bd) })
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
	q := filter{}.add("BindingType", flt.Types...).add("Identity", flt.Identities...)
	return s.replyList(w, r, "bindings", q, pg, cur, func(b *body) {
		for _, bd := range bs {
			b.binding(bd)
		}
	})
}

func (s *Server) handleBindingDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteBinding(r.Context(), param(p, "service"), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}

func (s *Server) handleUserBindingFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	bd, err := s.api.FindUserBinding(r.Context(), param(p, "service"), param(p, "user"), param(p, "sid"))
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.userBinding(bd) })
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
	return s.replyList(w, r, "bindings", filter{}.add("BindingType", types...), pg, cur, func(b *body) {
		for _, bd := range bs {
			b.userBinding(bd)
		}
	})
}

func (s *Server) handleUserBindingDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteUserBinding(r.Context(), param(p, "service"), param(p, "user"), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}
