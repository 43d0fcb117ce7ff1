package console

import (
	"context"
	"net/http"

	"github.com/chatd/chatd/model"
)

// Page sizes of the console's lists.
const (
	listSize    = 50
	messageSize = 25
	walkSize    = 1000 // a whole list read for a count or a lookup, a page at a time
)

// pager is the links to a list's neighbouring pages: to the first one,
// and to those before and after the one shown. A link is "" when there is
// no such page.
type pager struct{ First, Previous, Next string }

// pagerOf is the pager of a page of the list at path, reached with the
// request's page token; query is the list's other parameters (name,
// value …).
func pagerOf(r *http.Request, path string, cur model.Cursor, query ...string) pager {
	var p pager
	if r.URL.Query().Get("page") != "" {
		p.First = withQuery(path, query...)
	}
	if cur.Previous != "" {
		p.Previous = withQuery(path, append(query, "page", cur.Previous)...)
	}
	if cur.Next != "" {
		p.Next = withQuery(path, append(query, "page", cur.Next)...)
	}
	return p
}

// pageOf is the page of a list the request asks for.
func pageOf(r *http.Request, size int) model.Page {
	return model.Page{Size: size, Token: r.URL.Query().Get("page")}
}

// walk reads every item of a list, a page at a time.
func walk[T any](read func(model.Page) ([]T, model.Cursor, error), each func(T)) error {
	p := model.Page{Size: walkSize}
	for {
		items, cur, err := read(p)
		if err != nil {
			return err
		}
		for _, it := range items {
			each(it)
		}
		if cur.Next == "" {
			return nil
		}
		p.Token = cur.Next
	}
}

// serviceCounts are a Service's numbers on the Services page.
type serviceCounts struct {
	Channels, Users, Messages int
}

// countService counts a Service's Channels, Users and Messages: the
// Channels and Users are read, the Messages are the Channels' counts.
func (c *Console) countService(ctx context.Context, sid string) (n serviceCounts, err error) {
	err = walk(func(p model.Page) ([]*model.Channel, model.Cursor, error) {
		return c.api.ListChannels(ctx, sid, model.ChannelFilter{}, p)
	}, func(ch *model.Channel) { n.Channels++; n.Messages += ch.MessagesCount })
	if err != nil {
		return n, err
	}
	err = walk(func(p model.Page) ([]*model.User, model.Cursor, error) {
		return c.api.ListUsers(ctx, sid, p)
	}, func(*model.User) { n.Users++ })
	return n, err
}

// servicesPage is the console's home: every Service with its counts.
func (c *Console) servicesPage(w http.ResponseWriter, r *http.Request) error {
	ss, cur, err := c.api.ListServices(r.Context(), pageOf(r, listSize))
	if err != nil {
		return err
	}
	type row struct {
		*model.Service
		serviceCounts
	}
	rows := make([]row, len(ss))
	for i, s := range ss {
		n, err := c.countService(r.Context(), s.Sid)
		if err != nil {
			return err
		}
		rows[i] = row{s, n}
	}
	return c.render(w, http.StatusOK, "services", view{
		Title: "Services",
		Data: struct {
			Services []row
			Pager    pager
		}{rows, pagerOf(r, Prefix, cur)},
	})
}

// serviceCrumbs are the crumbs down to a Service's page.
func serviceCrumbs(s *model.Service) []crumb {
	return []crumb{{"Services", Prefix}, {s.FriendlyName, href("services", s.Sid)}}
}

// servicePage shows a Service's settings.
func (c *Console) servicePage(w http.ResponseWriter, r *http.Request) error {
	s, err := c.api.FindService(r.Context(), r.PathValue("service"))
	if err != nil {
		return err
	}
	n, err := c.countService(r.Context(), s.Sid)
	if err != nil {
		return err
	}
	roles, err := c.roleNames(r.Context(), s.Sid)
	if err != nil {
		return err
	}
	return c.render(w, http.StatusOK, "service", view{
		Title:  s.FriendlyName,
		Crumbs: serviceCrumbs(s)[:1],
		Data: struct {
			*model.Service
			Counts    serviceCounts
			RoleNames map[string]string
		}{s, n, roles},
	})
}

// roleNames maps the SIDs of a Service's Roles to their names.
func (c *Console) roleNames(ctx context.Context, service string) (map[string]string, error) {
	names := map[string]string{}
	err := walk(func(p model.Page) ([]*model.Role, model.Cursor, error) {
		return c.api.ListRoles(ctx, service, p)
	}, func(r *model.Role) { names[r.Sid] = r.FriendlyName })
	return names, err
}

// usersPage lists a Service's Users.
func (c *Console) usersPage(w http.ResponseWriter, r *http.Request) error {
	s, err := c.api.FindService(r.Context(), r.PathValue("service"))
	if err != nil {
		return err
	}
	us, cur, err := c.api.ListUsers(r.Context(), s.Sid, pageOf(r, listSize))
	if err != nil {
		return err
	}
	roles, err := c.roleNames(r.Context(), s.Sid)
	if err != nil {
		return err
	}
	return c.render(w, http.StatusOK, "users", view{
		Title:  "Users",
		Crumbs: serviceCrumbs(s),
		Data: struct {
			Users     []*model.User
			RoleNames map[string]string
			Pager     pager
		}{us, roles, pagerOf(r, href("services", s.Sid, "users"), cur)},
	})
}

// rolesPage lists a Service's Roles with their permissions.
func (c *Console) rolesPage(w http.ResponseWriter, r *http.Request) error {
	s, err := c.api.FindService(r.Context(), r.PathValue("service"))
	if err != nil {
		return err
	}
	var roles []*model.Role
	err = walk(func(p model.Page) ([]*model.Role, model.Cursor, error) {
		return c.api.ListRoles(r.Context(), s.Sid, p)
	}, func(r *model.Role) { roles = append(roles, r) })
	if err != nil {
		return err
	}
	return c.render(w, http.StatusOK, "roles", view{Title: "Roles", Crumbs: serviceCrumbs(s), Data: roles})
}
