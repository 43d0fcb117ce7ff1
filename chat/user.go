package chat

import (
	"context"

	"github.com/chatd/chatd/model"
)

func (c *Chat) CreateUser(ctx context.Context, service string, in model.UserCreate) (*model.User, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var u *model.User
	err := c.update(ctx, func(tx model.Tx) (err error) {
		s, err := tx.Service(service)
		if err != nil {
			return inPath(err)
		}
		u, err = c.createUser(ctx, tx, s, in, "")
		return err
	})
	return u, err
}

// createUser stores a User: its RoleSid, when given, must be a Service-scope
// Role (50102); sid is minted when "".
func (c *Chat) createUser(ctx context.Context, tx model.Tx, s *model.Service, in model.UserCreate, sid string) (*model.User, error) {
	if in.RoleSid != nil {
		if err := checkRole(tx, s.Sid, *in.RoleSid, model.RoleTypeDeployment, model.CodeDeploymentRoleNotFound); err != nil {
			return nil, err
		}
	}
	u := c.newUser(tx, s, in, sid)
	if err := insertUser(tx, u); err != nil {
		return nil, err
	}
	return u, c.emit(ctx, tx, userEvent("onUserAdded", u))
}

// newUser builds a User with Twilio's defaults: the Service's default
// service role, a null friendly name and "{}" attributes; sid is minted when
// "".
func (c *Chat) newUser(tx model.Tx, s *model.Service, in model.UserCreate, sid string) *model.User {
	now := tx.Now()
	return &model.User{
		Sid:          orMint(sid, func() string { return c.sids.new(model.PrefixUser, now) }),
		ServiceSid:   s.Sid,
		Identity:     in.Identity,
		FriendlyName: nilIfEmpty(in.FriendlyName),
		Attributes:   orDefault(in.Attributes, model.DefaultAttributes),
		RoleSid:      orDefault(in.RoleSid, s.DefaultServiceRoleSid),
		DateCreated:  now,
		DateUpdated:  now,
	}
}

// insertUser stores u; an identity already in use is Twilio's 50201.
func insertUser(tx model.Tx, u *model.User) error {
	if err := tx.InsertUser(u); model.IsTaken(err, "identity") {
		return model.E(model.CodeUserExists)
	} else if err != nil {
		return err
	}
	return nil
}

// FindUser finds a User by US SID or identity, with its reachability when
// the Service has reachability enabled: whether a client of it is connected
// (see SetOnline) and whether it has a push Binding.
func (c *Chat) FindUser(ctx context.Context, service, key string) (u *model.User, r *model.Reachability, err error) {
	err = c.store.Read(ctx, func(tx model.Tx) (err error) {
		if u, err = tx.User(service, key); err != nil {
			return inPath(err)
		}
		s, err := tx.Service(service)
		if err != nil || !s.ReachabilityEnabled {
			return err
		}
		bindings, err := tx.UserBindings(service, u.Sid)
		r = &model.Reachability{Online: u.Online, Notifiable: len(bindings) > 0}
		return err
	})
	return u, r, err
}

func (c *Chat) ListUsers(ctx context.Context, service string, p model.Page) (out []*model.User, cur model.Cursor, err error) {
	err = c.store.Read(ctx, func(tx model.Tx) (err error) {
		out, cur, err = list[*model.User]{
			read: func(w model.Window) ([]*model.User, error) { return tx.Users(service, w) },
			key:  func(u *model.User) string { return u.Sid },
		}.page(p)
		return inPath(err)
	})
	return out, cur, err
}

func (c *Chat) UpdateUser(ctx context.Context, service, key string, in model.UserUpdate) (*model.User, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var u *model.User
	err := c.update(ctx, func(tx model.Tx) (err error) {
		if u, err = tx.User(service, key); err != nil {
			return inPath(err)
		}
		if in == (model.UserUpdate{}) {
			return nil
		}
		if in.RoleSid != nil {
			if err := checkRole(tx, service, *in.RoleSid, model.RoleTypeDeployment, model.CodeDeploymentRoleNotFound); err != nil {
				return err
			}
		}
		set(&u.RoleSid, in.RoleSid)
		set(&u.Attributes, in.Attributes)
		if in.FriendlyName != nil {
			u.FriendlyName = nilIfEmpty(in.FriendlyName)
		}
		u.DateUpdated = tx.Now()
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return c.emit(ctx, tx, userEvent("onUserUpdated", u))
	})
	return u, err
}

func (c *Chat) DeleteUser(ctx context.Context, service, key string) error {
	return c.update(ctx, func(tx model.Tx) error {
		u, err := tx.User(service, key)
		if err != nil {
			return inPath(err)
		}
		return tx.DeleteUserTree(service, u.Sid)
	})
}
