package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// role writes role; permissions is null for a Role that has none.
func (b *body) role(role *model.Role) {
	b.open("")
	b.str("sid", role.Sid)
	b.accountSid()
	b.str("service_sid", role.ServiceSid)
	b.str("friendly_name", role.FriendlyName)
	b.str("type", role.Type)
	b.strs("permissions", role.Permissions)
	b.date("date_created", role.DateCreated)
	b.date("date_updated", role.DateUpdated)
	b.concat("url", b.root, "/Services/", role.ServiceSid, "/Roles/", role.Sid)
	b.close()
}

func (s *Server) handleRoleCreate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.RoleCreate{
		FriendlyName: f.required("FriendlyName"),
		Type:         f.required("Type"),
		Permissions:  f.list("Permission"),
	}
	if f.err != nil {
		return f.err
	}
	role, err := s.api.CreateRole(r.Context(), param(p, "service"), in)
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusCreated, func(b *body) { b.role(role) })
}

func (s *Server) handleRoleFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	role, err := s.api.FindRole(r.Context(), param(p, "service"), param(p, "sid"))
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.role(role) })
}

func (s *Server) handleRoleList(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f := queryForm(r)
	pg := readPage(f, maxPage(r, maxPageSize))
	if f.err != nil {
		return f.err
	}
	roles, cur, err := s.api.ListRoles(r.Context(), param(p, "service"), pg)
	if err != nil {
		return err
	}
	return s.replyList(w, r, "roles", nil, pg, cur, func(b *body) {
		for _, role := range roles {
			b.role(role)
		}
	})
}

func (s *Server) handleRoleUpdate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.RoleUpdate{Permissions: f.list("Permission")}
	if f.err != nil {
		return f.err
	}
	role, err := s.api.UpdateRole(r.Context(), param(p, "service"), param(p, "sid"), in)
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.role(role) })
}

func (s *Server) handleRoleDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteRole(r.Context(), param(p, "service"), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}
