package chat

import (
	"context"
	"errors"

	"github.com/chatd/chatd/model"
)

// AddMemberAs adds identity to a Channel as p: p joins (joinChannel) when
// identity is p's own, and adds someone else (addMember) otherwise. The
// Member gets the Service's default channel role; the rest is Twilio's
// rules for a new Member (see CreateMember), a pending Invite consumed
// included. The pre-event is onMemberAdd.
func (c *Chat) AddMemberAs(ctx context.Context, p *model.Principal, channel, identity string) (*model.Member, error) {
	if err := model.CheckIdentity(identity); err != nil {
		return nil, err
	}
	var out *model.Member
	err := c.act(ctx, p, func(ctx context.Context, tx model.Tx) (*plan, error) {
		ch, err := visibleChannel(tx, p, channel)
		if err != nil {
			return nil, err
		}
		if err := allowed(tx, p, ch, ownOr(p, identity, actJoinChannel, actAddMember)); err != nil {
			return nil, err
		}
		if _, err := memberOf(tx, p.ServiceSid, ch.Sid, identity); err == nil {
			return nil, model.E(model.CodeMemberExists)
		} else if !errors.Is(err, model.ErrNotFound) {
			return nil, err
		}
		s, err := tx.Service(p.ServiceSid)
		if err != nil {
			return nil, err
		}
		e := newEvent("onMemberAdd", s.Sid, ch.Sid, p.Identity)
		e.str("ChannelSid", ch.Sid)
		e.str("Identity", identity)
		e.str("RoleSid", s.DefaultChannelRoleSid)
		return &plan{event: e.name, params: e.params, apply: func(preResult) (model.Ref, error) {
			m, err := c.createMember(ctx, tx, s, ch, model.MemberCreate{Identity: identity}, "")
			if err != nil {
				return model.Ref{}, err
			}
			out = m
			return model.Ref{Kind: model.RefMember, Channel: ch.Sid, Sid: m.Sid}, nil
		}}, nil
	})
	return out, err
}

// FindMemberAs fetches a Member of a Channel p can see.
func (c *Chat) FindMemberAs(ctx context.Context, p *model.Principal, channel, key string) (*model.Member, error) {
	var m *model.Member
	err := c.store.View(ctx, func(tx model.Tx) error {
		ch, err := visibleChannel(tx, p, channel)
		if err != nil {
			return err
		}
		m, err = tx.Member(p.ServiceSid, ch.Sid, key)
		return inPath(err)
	})
	return m, err
}

// UpdateMemberAs sets a Member's attributes: p's own with
// editOwnMemberAttributes, anyone's with editAnyMemberAttributes. The
// pre-event is onMemberUpdate.
func (c *Chat) UpdateMemberAs(ctx context.Context, p *model.Principal, channel, key, attributes string) (*model.Member, error) {
	if err := model.CheckAttributes(&attributes); err != nil {
		return nil, err
	}
	var out *model.Member
	err := c.act(ctx, p, func(ctx context.Context, tx model.Tx) (*plan, error) {
		ch, m, err := channelMember(tx, p, channel, key)
		if err != nil {
			return nil, err
		}
		if err := allowed(tx, p, ch, ownOr(p, m.Identity, actEditOwnMemberAttributes, actEditAnyMemberAttributes)); err != nil {
			return nil, err
		}
		next := *m
		next.Attributes, next.DateUpdated = attributes, tx.Now()
		return &plan{event: "onMemberUpdate", params: memberEvent("onMemberUpdated", &next).params, apply: func(preResult) (model.Ref, error) {
			if err := tx.PutMember(&next); err != nil {
				return model.Ref{}, err
			}
			out = &next
			return model.Ref{Kind: model.RefMember, Channel: ch.Sid, Sid: m.Sid}, c.emit(ctx, tx, memberEvent("onMemberUpdated", &next))
		}}, nil
	})
	return out, err
}

// RemoveMemberAs removes a Member from a Channel as p: p leaves
// (leaveChannel) when it is p's own, and removes someone else
// (removeMember) otherwise. The pre-event is onMemberRemove.
func (c *Chat) RemoveMemberAs(ctx context.Context, p *model.Principal, channel, key string) error {
	return c.act(ctx, p, func(ctx context.Context, tx model.Tx) (*plan, error) {
		ch, m, err := channelMember(tx, p, channel, key)
		if err != nil {
			return nil, err
		}
		if err := allowed(tx, p, ch, ownOr(p, m.Identity, actLeaveChannel, actRemoveMember)); err != nil {
			return nil, err
		}
		return &plan{event: "onMemberRemove", params: memberEvent("onMemberRemoved", m).params, apply: func(preResult) (model.Ref, error) {
			if err := c.emit(ctx, tx, memberEvent("onMemberRemoved", m)); err != nil {
				return model.Ref{}, err
			}
			if err := tx.DeleteMember(p.ServiceSid, ch.Sid, m.Sid); err != nil {
				return model.Ref{}, err
			}
			return leftRef(p, m.Identity, ch), nil
		}}, nil
	})
}

// channelMember finds a Channel p can see and a Member of it.
func channelMember(tx model.Tx, p *model.Principal, channel, key string) (*model.Channel, *model.Member, error) {
	ch, err := visibleChannel(tx, p, channel)
	if err != nil {
		return nil, nil, err
	}
	m, err := tx.Member(p.ServiceSid, ch.Sid, key)
	return ch, m, inPath(err)
}

// leftRef is what a removal of identity from ch leaves to look at: p's
// channel list when p itself left, the Channel otherwise.
func leftRef(p *model.Principal, identity string, ch *model.Channel) model.Ref {
	if identity == p.Identity {
		return model.Ref{Kind: model.RefUserChannels}
	}
	return model.Ref{Kind: model.RefChannel, Sid: ch.Sid}
}

// InviteAs invites identity's User (which must exist) to a Channel
// (inviteMember), created_by p. Invites have no webhook events.
func (c *Chat) InviteAs(ctx context.Context, p *model.Principal, channel, identity string) (*model.Invite, error) {
	in := model.InviteCreate{Identity: identity}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *model.Invite
	err := c.act(ctx, p, func(ctx context.Context, tx model.Tx) (*plan, error) {
		ch, err := visibleChannel(tx, p, channel)
		if err != nil {
			return nil, err
		}
		if err := allowed(tx, p, ch, actInviteMember); err != nil {
			return nil, err
		}
		return &plan{apply: func(preResult) (model.Ref, error) {
			s, err := tx.Service(p.ServiceSid)
			if err != nil {
				return model.Ref{}, err
			}
			inv, err := c.createInvite(tx, s, ch, in, &p.Identity)
			if err != nil {
				return model.Ref{}, err
			}
			out = inv
			return model.Ref{Kind: model.RefInvite, Channel: ch.Sid, Sid: inv.Sid}, nil
		}}, nil
	})
	return out, err
}

// FindInviteAs fetches an Invite of a Channel p can see, by IN SID or by
// the invited identity.
func (c *Chat) FindInviteAs(ctx context.Context, p *model.Principal, channel, key string) (*model.Invite, error) {
	var inv *model.Invite
	err := c.store.View(ctx, func(tx model.Tx) (err error) {
		_, inv, err = channelInvite(tx, p, channel, key)
		return err
	})
	return inv, err
}

// DeleteInviteAs deletes an Invite: p declines its own, and withdraws
// someone else's with removeMember.
func (c *Chat) DeleteInviteAs(ctx context.Context, p *model.Principal, channel, key string) error {
	return c.act(ctx, p, func(ctx context.Context, tx model.Tx) (*plan, error) {
		ch, inv, err := channelInvite(tx, p, channel, key)
		if err != nil {
			return nil, err
		}
		if inv.Identity != p.Identity {
			if err := allowed(tx, p, ch, actRemoveMember); err != nil {
				return nil, err
			}
		}
		return &plan{apply: func(preResult) (model.Ref, error) {
			if err := tx.DeleteInvite(p.ServiceSid, ch.Sid, inv.Sid); err != nil {
				return model.Ref{}, err
			}
			return leftRef(p, inv.Identity, ch), nil
		}}, nil
	})
}

// channelInvite finds a Channel p can see and an Invite to it, by IN SID
// or invited identity.
func channelInvite(tx model.Tx, p *model.Principal, channel, key string) (*model.Channel, *model.Invite, error) {
	ch, err := visibleChannel(tx, p, channel)
	if err != nil {
		return nil, nil, err
	}
	inv, err := tx.Invite(p.ServiceSid, ch.Sid, key)
	if errors.Is(err, model.ErrNotFound) {
		inv, err = tx.InviteFor(p.ServiceSid, ch.Sid, key)
	}
	return ch, inv, inPath(err)
}
