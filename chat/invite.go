package chat

import (
	"context"
	"errors"

	"github.com/chatd/chatd/model"
)

// CreateInvite invites an existing User to a Channel. Unlike CreateMember it
// never creates the User: an unknown identity is a 404 on the Invites path,
// as Twilio answers. An identity that is already invited is 50212, one that
// is already a Member is 50404.
func (c *Chat) CreateInvite(ctx context.Context, service, channel string, in model.InviteCreate) (*model.Invite, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var inv *model.Invite
	err := c.update(ctx, func(tx model.Tx) error {
		s, ch, err := serviceChannel(tx, service, channel)
		if err != nil {
			return err
		}
		inv, err = c.createInvite(tx, s, ch, in, nil)
		return err
	})
	return inv, err
}

// createInvite stores an Invite of in.Identity to ch under Twilio's rules
// (see CreateInvite), created by createdBy (nil for REST).
func (c *Chat) createInvite(tx model.Tx, s *model.Service, ch *model.Channel, in model.InviteCreate, createdBy *string) (*model.Invite, error) {
	service := s.Sid
	role := s.DefaultChannelRoleSid
	if in.RoleSid != nil {
		if err := checkRole(tx, service, *in.RoleSid, model.RoleTypeChannel, model.CodeChannelRoleNotFound); err != nil {
			return nil, err
		}
		role = *in.RoleSid
	}
	u, err := tx.User(service, in.Identity)
	if err != nil {
		return nil, inPath(err)
	}
	now := tx.Now()
	inv := &model.Invite{
		Sid:         c.sids.new(model.PrefixInvite, now),
		ServiceSid:  service,
		ChannelSid:  ch.Sid,
		UserSid:     u.Sid,
		Identity:    in.Identity,
		RoleSid:     role,
		CreatedBy:   createdBy,
		DateCreated: now,
		DateUpdated: now,
	}
	switch err := tx.InsertInvite(inv); {
	case model.IsTaken(err, "member"):
		return nil, model.E(model.CodeMemberExists)
	case model.IsTaken(err, "identity"):
		return nil, model.E(model.CodeUserAlreadyInvited)
	case err != nil:
		return nil, err
	}
	return inv, nil
}

func (c *Chat) FindInvite(ctx context.Context, service, channel, sid string) (*model.Invite, error) {
	var inv *model.Invite
	err := c.store.Read(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		inv, err = tx.Invite(service, ch.Sid, sid)
		return inPath(err)
	})
	return inv, err
}

func (c *Chat) ListInvites(ctx context.Context, service, channel string, f model.InviteFilter, p model.Page) (out []*model.Invite, cur model.Cursor, err error) {
	err = c.store.Read(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		l := list[*model.Invite]{
			read: func(w model.Window) ([]*model.Invite, error) { return tx.Invites(service, ch.Sid, w) },
			key:  func(inv *model.Invite) string { return inv.Sid },
		}
		if len(f.Identities) > 0 {
			l.read, err = byIdentity(f.Identities, func(id string) (*model.Invite, bool, error) {
				inv, err := tx.InviteFor(service, ch.Sid, id)
				if errors.Is(err, model.ErrNotFound) {
					return nil, false, nil
				}
				return inv, err == nil, err
			}, l.key)
			if err != nil {
				return err
			}
		}
		out, cur, err = l.page(p)
		return err
	})
	return out, cur, err
}

func (c *Chat) DeleteInvite(ctx context.Context, service, channel, sid string) error {
	return c.update(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		return inPath(tx.DeleteInvite(service, ch.Sid, sid))
	})
}
