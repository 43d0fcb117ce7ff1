package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// roleJSON is a Role.
type roleJSON struct {
	Sid          string   `json:"sid"`
	AccountSid   string   `json:"account_sid"`
	ServiceSid   string   `json:"service_sid"`
	FriendlyName string   `json:"friendly_name"`
	Type         string   `json:"type"`
	Permissions  []string `json:"permissions"`
	DateCreated  string   `json:"date_created"`
	DateUpdated  string   `json:"date_updated"`
	URL          string   `json:"url"`
}

func (s *Server) roleJSON(r *http.Request, role *model.Role) roleJSON {
	return roleJSON{
		Sid:          role.Sid,
		AccountSid:   s.cfg.AccountSid,
		ServiceSid:   role.ServiceSid,
		FriendlyName: role.FriendlyName,
		Type:         role.Type,
		Permissions:  role.Permissions,
		DateCreated:  date(role.DateCreated),
		DateUpdated:  date(role.DateUpdated),
		URL:          s.root(r) + "/Services/" + role.ServiceSid + "/Roles/" + role.Sid,
	}
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
	writeJSON(w, http.StatusCreated, s.roleJSON(r, role))
	return nil
}

func (s *Server) handleRoleFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	role, err := s.api.FindRole(r.Context(), param(p, "service"), param(p, "sid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.roleJSON(r, role))
	return nil
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
	out := make([]roleJSON, len(roles))
	for i, role := range roles {
		out[i] = s.roleJSON(r, role)
	}
	return s.writeList(w, r, "roles", out, nil, pg, cur)
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
	writeJSON(w, http.StatusOK, s.roleJSON(r, role))
	return nil
}

func (s *Server) handleRoleDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteRole(r.Context(), param(p, "service"), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}
