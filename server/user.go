package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// userJSON is a User of v1 or v2. v1 has no bindings link, and its list
// items carry null attributes once assigned (see v1ListAttributes).
type userJSON struct {
	Sid                 string    `json:"sid"`
	AccountSid          string    `json:"account_sid"`
	ServiceSid          string    `json:"service_sid"`
	Attributes          *string   `json:"attributes"`
	FriendlyName        *string   `json:"friendly_name"`
	RoleSid             string    `json:"role_sid"`
	Identity            string    `json:"identity"`
	IsOnline            *bool     `json:"is_online"`
	IsNotifiable        *bool     `json:"is_notifiable"`
	DateCreated         string    `json:"date_created"`
	DateUpdated         string    `json:"date_updated"`
	JoinedChannelsCount int       `json:"joined_channels_count"`
	Links               userLinks `json:"links"`
	URL                 string    `json:"url"`
}

type userLinks struct {
	UserChannels string `json:"user_channels"`
	// UserBindings is empty, and so left out, in v1.
	UserBindings string `json:"user_bindings,omitempty"`
}

// userJSON renders u; inList is true for the items of a list. r is the
// User's reachability, given only for a single fetch with reachability
// enabled (nil otherwise): is_online and is_notifiable are null without it,
// as Twilio answers them null in lists, on create and update, and whenever
// reachability is off. is_online is null too for a User whose clients have
// never connected while reachability was on; is_notifiable is true for one
// with a push Binding (v2 only), null otherwise.
func (s *Server) userJSON(r *http.Request, u *model.User, inList bool, reach *model.Reachability) userJSON {
	url := s.root(r) + "/Services/" + u.ServiceSid + "/Users/" + u.Sid
	attributes := &u.Attributes
	if inList && apiVersion(r) == v1 {
		attributes = v1ListAttributes(u.Attributes)
	}
	out := userJSON{
		Sid:                 u.Sid,
		AccountSid:          s.cfg.AccountSid,
		ServiceSid:          u.ServiceSid,
		Attributes:          attributes,
		FriendlyName:        u.FriendlyName,
		RoleSid:             u.RoleSid,
		Identity:            u.Identity,
		DateCreated:         date(u.DateCreated),
		DateUpdated:         date(u.DateUpdated),
		JoinedChannelsCount: u.JoinedChannelsCount,
		Links:               userLinks{UserChannels: url + "/Channels"},
		URL:                 url,
	}
	if apiVersion(r) != v1 {
		out.Links.UserBindings = url + "/Bindings"
	}
	if reach != nil {
		out.IsOnline = reach.Online
		if reach.Notifiable && apiVersion(r) != v1 {
			out.IsNotifiable = &reach.Notifiable
		}
	}
	return out
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.UserCreate{
		Identity:     f.required("Identity"),
		RoleSid:      f.str("RoleSid"),
		Attributes:   f.str("Attributes"),
		FriendlyName: f.str("FriendlyName"),
	}
	if f.err != nil {
		return f.err
	}
	u, err := s.api.CreateUser(r.Context(), param(p, "service"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.userJSON(r, u, false, nil))
	return nil
}

func (s *Server) handleUserFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	u, reach, err := s.api.FindUser(r.Context(), param(p, "service"), param(p, "user"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.userJSON(r, u, false, reach))
	return nil
}

func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f := queryForm(r)
	pg := readPage(f, maxPage(r, maxPageSize))
	if f.err != nil {
		return f.err
	}
	users, cur, err := s.api.ListUsers(r.Context(), param(p, "service"), pg)
	if err != nil {
		return err
	}
	out := make([]userJSON, len(users))
	for i, u := range users {
		out[i] = s.userJSON(r, u, true, nil)
	}
	return s.writeList(w, r, "users", out, nil, pg, cur)
}

func (s *Server) handleUserUpdate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	in := model.UserUpdate{
		RoleSid:      f.str("RoleSid"),
		Attributes:   f.str("Attributes"),
		FriendlyName: f.str("FriendlyName"),
	}
	if f.err != nil {
		return f.err
	}
	u, err := s.api.UpdateUser(r.Context(), param(p, "service"), param(p, "user"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.userJSON(r, u, false, nil))
	return nil
}

func (s *Server) handleUserDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteUser(r.Context(), param(p, "service"), param(p, "user")); err != nil {
		return err
	}
	return noContent(w)
}
