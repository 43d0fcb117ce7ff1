package chat

import (
	"context"

	"github.com/chatd/chatd/model"
)

func (c *Chat) CreateRole(ctx context.Context, service string, in model.RoleCreate) (*model.Role, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var r *model.Role
	err := c.update(ctx, func(tx model.Tx) (err error) {
		if _, err := tx.Service(service); err != nil {
			return inPath(err)
		}
		r, err = c.createRole(tx, service, in, "")
		return err
	})
	return r, err
}

// createRole stores a Role; sid is minted when "".
func (c *Chat) createRole(tx model.Tx, service string, in model.RoleCreate, sid string) (*model.Role, error) {
	now := tx.Now()
	r := &model.Role{
		Sid: orMint(sid, func() string { return c.sids.new(model.PrefixRole, now) }), ServiceSid: service,
		FriendlyName: in.FriendlyName, Type: in.Type, Permissions: unique(in.Permissions),
		DateCreated: now, DateUpdated: now,
	}
	return r, tx.InsertRole(r)
}

func (c *Chat) FindRole(ctx context.Context, service, sid string) (*model.Role, error) {
	var r *model.Role
	err := c.store.Read(ctx, func(tx model.Tx) (err error) {
		r, err = tx.Role(service, sid)
		return inPath(err)
	})
	return r, err
}

func (c *Chat) ListRoles(ctx context.Context, service string, p model.Page) (out []*model.Role, cur model.Cursor, err error) {
	err = c.store.Read(ctx, func(tx model.Tx) (err error) {
		out, cur, err = list[*model.Role]{
			read: func(w model.Window) ([]*model.Role, error) { return tx.Roles(service, w) },
			key:  func(r *model.Role) string { return r.Sid },
		}.page(p)
		return inPath(err)
	})
	return out, cur, err
}

func (c *Chat) UpdateRole(ctx context.Context, service, sid string, in model.RoleUpdate) (*model.Role, error) {
	if len(in.Permissions) == 0 {
		return nil, model.MissingParam("Permission")
	}
	var r *model.Role
	err := c.update(ctx, func(tx model.Tx) (err error) {
		if r, err = tx.Role(service, sid); err != nil {
			return inPath(err)
		}
		if err := model.CheckPermissions(r.Type, in.Permissions); err != nil {
			return err
		}
		r.Permissions = unique(in.Permissions)
		r.DateUpdated = tx.Now()
		return tx.PutRole(r)
	})
	return r, err
}

// DeleteRole refuses to delete a Role that one of the Service's default_*
// fields points at: the next User or Member created would get a missing
// role.
func (c *Chat) DeleteRole(ctx context.Context, service, sid string) error {
	return c.update(ctx, func(tx model.Tx) error {
		s, err := tx.Service(service)
		if err != nil {
			return inPath(err)
		}
		if _, err := tx.Role(service, sid); err != nil {
			return inPath(err)
		}
		if sid == s.DefaultServiceRoleSid || sid == s.DefaultChannelRoleSid || sid == s.DefaultChannelCreatorRoleSid {
			return model.Errorf(model.CodeInvalidParameter, "Role %s is a default role of the Service and cannot be deleted", sid)
		}
		return tx.DeleteRole(service, sid)
	})
}
