package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// user writes u, a User of v1 or v2; inList is true for the items of a
// list. v1 has no bindings link, and its list items carry null attributes
// once assigned (see listAttributes). reach is the User's reachability,
// given only for a single fetch with reachability enabled (nil otherwise):
// is_online and is_notifiable are null without it, as Twilio answers them
// null in lists, on create and update, and whenever reachability is off.
// is_online is null too for a User whose clients have never connected while
// reachability was on; is_notifiable is true for one with a push Binding
// (v2 only), null otherwise.
func (b *body) user(u *model.User, inList bool, reach *model.Reachability) {
	b.open("")
	b.str("sid", u.Sid)
	b.accountSid()
	b.str("service_sid", u.ServiceSid)
	b.listAttributes(u.Attributes, inList)
	b.optStr("friendly_name", u.FriendlyName)
	b.str("role_sid", u.RoleSid)
	b.str("identity", u.Identity)
	if reach != nil && reach.Online != nil {
		b.bool("is_online", *reach.Online)
	} else {
		b.null("is_online")
	}
	if reach != nil && reach.Notifiable && b.version != v1 {
		b.bool("is_notifiable", true)
	} else {
		b.null("is_notifiable")
	}
	b.date("date_created", u.DateCreated)
	b.date("date_updated", u.DateUpdated)
	b.int("joined_channels_count", u.JoinedChannelsCount)
	b.open("links")
	b.concat("user_channels", b.root, "/Services/", u.ServiceSid, "/Users/", u.Sid, "/Channels")
	if b.version != v1 {
		b.concat("user_bindings", b.root, "/Services/", u.ServiceSid, "/Users/", u.Sid, "/Bindings")
	}
	b.close()
	b.concat("url", b.root, "/Services/", u.ServiceSid, "/Users/", u.Sid)
	b.close()
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
	return s.reply(w, r, http.StatusCreated, func(b *body) { b.user(u, false, nil) })
}

func (s *Server) handleUserFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	u, reach, err := s.api.FindUser(r.Context(), param(p, "service"), param(p, "user"))
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.user(u, false, reach) })
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
	return s.replyList(w, r, "users", nil, pg, cur, func(b *body) {
		for _, u := range users {
			b.user(u, true, nil)
		}
	})
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
	return s.reply(w, r, http.StatusOK, func(b *body) { b.user(u, false, nil) })
}

func (s *Server) handleUserDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteUser(r.Context(), param(p, "service"), param(p, "user")); err != nil {
		return err
	}
	return noContent(w)
}
