package chat

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/chatd/chatd/model"
)

// CreateBinding registers a device for push, as a client SDK does when it
// logs in with a token carrying a push credential and an endpoint id. The
// rules follow what an SDK registration does at Twilio:
//
//   - the User is created with the Service's default service role when the
//     identity is new, as the SDK's login creates it;
//   - the Credential must exist: CredentialSid names an account resource in
//     the body, so an unknown one is 404/20404 naming /Credentials/CR…, as
//     Twilio answers for an unknown Credential;
//   - MessageTypes defaults to all four push types;
//   - a device is its BindingType and Endpoint: registering one that is
//     already bound replaces that Binding, keeping its SID and date_created
//     (created is false), and moves it to the User now registering.
func (c *Chat) CreateBinding(ctx context.Context, service string, in model.BindingCreate) (*model.Binding, bool, error) {
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	messageTypes := unique(in.MessageTypes)
	if len(messageTypes) == 0 {
		messageTypes = slices.Clone(model.BindingMessageTypes)
	}
	var (
		b       *model.Binding
		created bool
	)
	err := c.update(ctx, func(tx model.Tx) error {
		created = false // fn may run again
		s, err := tx.Service(service)
		if err != nil {
			return inPath(err)
		}
		if _, err := tx.Credential(in.CredentialSid); errors.Is(err, model.ErrNotFound) {
			return model.Errorf(model.CodeNotFound, "The requested resource /Credentials/%s was not found", in.CredentialSid)
		} else if err != nil {
			return err
		}
		u, err := tx.User(service, in.Identity)
		if errors.Is(err, model.ErrNotFound) {
			u = c.newUser(tx, s, model.UserCreate{Identity: in.Identity}, "")
			err = insertUser(tx, u)
		}
		if err != nil {
			return err
		}
		now := tx.Now()
		b = &model.Binding{
			ServiceSid:    service,
			UserSid:       u.Sid,
			Identity:      u.Identity,
			Endpoint:      in.Endpoint,
			BindingType:   in.BindingType,
			CredentialSid: in.CredentialSid,
			MessageTypes:  messageTypes,
			DateCreated:   now,
			DateUpdated:   now,
		}
		old, err := tx.BindingFor(service, in.BindingType, in.Endpoint)
		if errors.Is(err, model.ErrNotFound) {
			b.Sid, created = c.sids.new(model.PrefixBinding, now), true
			return tx.InsertBinding(b)
		} else if err != nil {
			return err
		}
		b.Sid, b.DateCreated = old.Sid, old.DateCreated
		if old.UserSid == u.Sid {
			return tx.PutBinding(b)
		}
		// The device now belongs to another User. The store never moves a
		// Binding between Users, so the old record goes and the new one
		// takes its SID.
		if err := tx.DeleteBinding(service, old.Sid); err != nil {
			return err
		}
		return tx.InsertBinding(b)
	})
	if err != nil {
		return nil, false, err
	}
	return b, created, nil
}

// FindBinding finds a Binding of the Service by its BS SID.
func (c *Chat) FindBinding(ctx context.Context, service, sid string) (*model.Binding, error) {
	var b *model.Binding
	err := c.store.Read(ctx, func(tx model.Tx) (err error) {
		b, err = tx.Binding(service, sid)
		return inPath(err)
	})
	return b, err
}

// ListBindings lists a Service's Bindings in SID (creation) order. Repeated
// BindingType and Identity filters combine: a Binding is listed when its
// type is one of the types and its User one of the identities. Identities
// are resolved through their Users, so the cost grows with the identities
// asked for, not with the Service; an unknown identity lists nothing.
func (c *Chat) ListBindings(ctx context.Context, service string, f model.BindingFilter, p model.Page) (out []*model.Binding, cur model.Cursor, err error) {
	if err := f.Validate(); err != nil {
		return nil, model.Cursor{}, err
	}
	err = c.store.View(ctx, func(tx model.Tx) error {
		if _, err := tx.Service(service); err != nil {
			return inPath(err)
		}
		l := bindingList(func(w model.Window) ([]*model.Binding, error) { return tx.Bindings(service, f.Types, w) })
		if len(f.Identities) > 0 {
			var found []*model.Binding
			for _, id := range unique(f.Identities) {
				u, err := tx.User(service, id)
				if errors.Is(err, model.ErrNotFound) || (err == nil && u.Identity != id) {
					continue // no such identity (a US SID is not an identity)
				} else if err != nil {
					return err
				}
				bs, err := userBindings(tx, service, u.Sid, f.Types)
				if err != nil {
					return err
				}
				found = append(found, bs...)
			}
			sortBindings(found)
			l.read = inMemory(found, bindingSid)
		}
		out, cur, err = l.page(p)
		return err
	})
	return out, cur, err
}

// DeleteBinding deletes a Binding of the Service by its BS SID: the device
// is unregistered, and registering it again mints a new SID.
func (c *Chat) DeleteBinding(ctx context.Context, service, sid string) error {
	return c.update(ctx, func(tx model.Tx) error {
		return inPath(tx.DeleteBinding(service, sid))
	})
}

// FindUserBinding finds a Binding of the User named by user (a US SID or an
// identity); a Binding of another User is not found.
func (c *Chat) FindUserBinding(ctx context.Context, service, user, sid string) (*model.Binding, error) {
	var b *model.Binding
	err := c.store.Read(ctx, func(tx model.Tx) (err error) {
		b, err = userBinding(tx, service, user, sid)
		return err
	})
	return b, err
}

// ListUserBindings lists the User's Bindings in SID order, narrowed to the
// given binding types when there are any (50209 for an unknown type).
func (c *Chat) ListUserBindings(ctx context.Context, service, user string, types []string, p model.Page) (out []*model.Binding, cur model.Cursor, err error) {
	if err := model.CheckBindingTypes(types); err != nil {
		return nil, model.Cursor{}, err
	}
	err = c.store.View(ctx, func(tx model.Tx) error {
		u, err := tx.User(service, user)
		if err != nil {
			return inPath(err)
		}
		bs, err := userBindings(tx, service, u.Sid, types)
		if err != nil {
			return err
		}
		sortBindings(bs)
		out, cur, err = bindingList(inMemory(bs, bindingSid)).page(p)
		return err
	})
	return out, cur, err
}

// DeleteUserBinding deletes a Binding of the User named by user; a Binding
// of another User is not found and stays.
func (c *Chat) DeleteUserBinding(ctx context.Context, service, user, sid string) error {
	return c.update(ctx, func(tx model.Tx) error {
		b, err := userBinding(tx, service, user, sid)
		if err != nil {
			return err
		}
		return tx.DeleteBinding(service, b.Sid)
	})
}

// bindingList is a list of Bindings keyed by SID; a page token must carry a
// BS SID.
func bindingList(read func(model.Window) ([]*model.Binding, error)) list[*model.Binding] {
	return list[*model.Binding]{
		read:     read,
		key:      bindingSid,
		validKey: func(k string) bool { return model.IsSID(model.PrefixBinding, k) },
	}
}

func bindingSid(b *model.Binding) string { return b.Sid }

// userBinding resolves the User and the Binding of a per-User path.
func userBinding(tx model.Tx, service, user, sid string) (*model.Binding, error) {
	u, err := tx.User(service, user)
	if err != nil {
		return nil, inPath(err)
	}
	b, err := tx.Binding(service, sid)
	if err != nil {
		return nil, inPath(err)
	}
	if b.UserSid != u.Sid {
		return nil, model.NotFound()
	}
	return b, nil
}

// userBindings returns the Bindings of the User with SID user, only those of
// the given types when there are any.
func userBindings(tx model.Tx, service, user string, types []string) ([]*model.Binding, error) {
	bs, err := tx.UserBindings(service, user)
	if err != nil || len(types) == 0 {
		return bs, err
	}
	return slices.DeleteFunc(bs, func(b *model.Binding) bool { return !slices.Contains(types, b.BindingType) }), nil
}

// sortBindings puts bs in SID order, the order of every Binding list.
func sortBindings(bs []*model.Binding) {
	slices.SortFunc(bs, func(a, b *model.Binding) int { return strings.Compare(a.Sid, b.Sid) })
}
