package chat

import (
	"context"
	"errors"
	"time"

	"github.com/chatd/chatd/model"
)

// CreateMember adds a User to a Channel. Twilio's rules: the User is created
// (with the default service role) when the identity is new; the Member gets
// the default channel role unless RoleSid names another channel role; the
// Service's channel_members and user_channels limits hold (50403, 50208); an
// identity already in the Channel is 50404; and a pending Invite of that
// identity is consumed.
func (c *Chat) CreateMember(ctx context.Context, service, channel string, in model.MemberCreate) (*model.Member, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var m *model.Member
	err := c.update(ctx, func(tx model.Tx) error {
		s, ch, err := serviceChannel(tx, service, channel)
		if err != nil {
			return err
		}
		m, err = c.createMember(ctx, tx, s, ch, in, "")
		return err
	})
	return m, err
}

// createMember adds a Member to ch under Twilio's rules (see CreateMember);
// sid is minted when "".
func (c *Chat) createMember(ctx context.Context, tx model.Tx, s *model.Service, ch *model.Channel, in model.MemberCreate, sid string) (*model.Member, error) {
	service := s.Sid
	role := s.DefaultChannelRoleSid
	if in.RoleSid != nil {
		if err := checkRole(tx, service, *in.RoleSid, model.RoleTypeChannel, model.CodeChannelRoleNotFound); err != nil {
			return nil, err
		}
		role = *in.RoleSid
	}
	u, err := tx.User(service, in.Identity)
	if errors.Is(err, model.ErrNotFound) {
		u = c.newUser(tx, s, model.UserCreate{Identity: in.Identity}, "")
		err = insertUser(tx, u)
	}
	if err != nil {
		return nil, err
	}
	if inv, err := tx.InviteFor(service, ch.Sid, in.Identity); err == nil {
		if err := tx.DeleteInvite(service, ch.Sid, inv.Sid); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, model.ErrNotFound) {
		return nil, err
	}
	now := tx.Now()
	created := orDefault(in.DateCreated, now)
	m := &model.Member{
		Sid:                      orMint(sid, func() string { return c.sids.new(model.PrefixMember, now) }),
		ServiceSid:               service,
		ChannelSid:               ch.Sid,
		UserSid:                  u.Sid,
		Identity:                 in.Identity,
		RoleSid:                  role,
		Attributes:               orDefault(in.Attributes, model.DefaultAttributes),
		LastConsumedMessageIndex: in.LastConsumedMessageIndex,
		LastConsumptionTimestamp: in.LastConsumptionTimestamp,
		NotificationLevel:        model.NotificationDefault,
		DateCreated:              created,
		DateUpdated:              orDefault(in.DateUpdated, created),
	}
	if err := tx.InsertMember(m); model.IsTaken(err, "identity") {
		return nil, model.E(model.CodeMemberExists)
	} else if err != nil {
		return nil, err
	}
	// The limits are checked against the counts read before the insert:
	// failing them rolls the insert back, and an identity that is already
	// a Member is answered first, whatever the counts.
	if ch.MembersCount >= s.Limits.ChannelMembers {
		return nil, model.E(model.CodeChannelMemberLimitExceeded)
	}
	if u.JoinedChannelsCount >= s.Limits.UserChannels {
		return nil, model.E(model.CodeUserChannelLimitExceeded)
	}
	return m, c.emit(ctx, tx, memberEvent("onMemberAdded", m))
}

// serviceChannel loads the Service and the Channel named by key (a CH SID or
// unique name), both from the request path.
func serviceChannel(tx model.Tx, service, key string) (*model.Service, *model.Channel, error) {
	s, err := tx.Service(service)
	if err != nil {
		return nil, nil, inPath(err)
	}
	ch, err := tx.Channel(service, key)
	if err != nil {
		return nil, nil, inPath(err)
	}
	return s, ch, nil
}

// channelOf resolves the Channel named by key in the request path.
func channelOf(tx model.Tx, service, key string) (*model.Channel, error) {
	ch, err := tx.Channel(service, key)
	return ch, inPath(err)
}

func (c *Chat) FindMember(ctx context.Context, service, channel, key string) (*model.Member, error) {
	var m *model.Member
	err := c.store.Read(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		m, err = tx.Member(service, ch.Sid, key)
		return inPath(err)
	})
	return m, err
}

func (c *Chat) ListMembers(ctx context.Context, service, channel string, f model.MemberFilter, p model.Page) (out []*model.Member, cur model.Cursor, err error) {
	err = c.store.Read(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		l := list[*model.Member]{
			read: func(w model.Window) ([]*model.Member, error) { return tx.Members(service, ch.Sid, w) },
			key:  func(m *model.Member) string { return m.Sid },
		}
		if len(f.Identities) > 0 {
			l.read, err = byIdentity(f.Identities, func(id string) (*model.Member, bool, error) {
				m, err := tx.Member(service, ch.Sid, id)
				if errors.Is(err, model.ErrNotFound) {
					return nil, false, nil
				}
				return m, err == nil && m.Identity == id, err
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

func (c *Chat) UpdateMember(ctx context.Context, service, channel, key string, in model.MemberUpdate) (*model.Member, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var m *model.Member
	err := c.update(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		if m, err = tx.Member(service, ch.Sid, key); err != nil {
			return inPath(err)
		}
		if in == (model.MemberUpdate{}) {
			return nil
		}
		if in.RoleSid != nil {
			if err := checkRole(tx, service, *in.RoleSid, model.RoleTypeChannel, model.CodeChannelRoleNotFound); err != nil {
				return err
			}
		}
		set(&m.RoleSid, in.RoleSid)
		set(&m.Attributes, in.Attributes)
		consume(m, in.LastConsumedMessageIndex, in.LastConsumptionTimestamp, tx.Now())
		set(&m.DateCreated, in.DateCreated)
		m.DateUpdated = orDefault(in.DateUpdated, tx.Now())
		if err := tx.PutMember(m); err != nil {
			return err
		}
		return c.emit(ctx, tx, memberEvent("onMemberUpdated", m))
	})
	return m, err
}

func (c *Chat) DeleteMember(ctx context.Context, service, channel, key string) error {
	return c.update(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		m, err := tx.Member(service, ch.Sid, key)
		if err != nil {
			return inPath(err)
		}
		if err := c.emit(ctx, tx, memberEvent("onMemberRemoved", m)); err != nil {
			return err
		}
		return tx.DeleteMember(service, ch.Sid, m.Sid)
	})
}

// consume moves a Member's consumption horizon. A new index is a read event,
// so its timestamp becomes now unless one is given with it; a timestamp alone
// moves only the timestamp.
func consume(m *model.Member, index *int, at *time.Time, now time.Time) {
	if index != nil {
		m.LastConsumedMessageIndex = index
		if at == nil {
			at = &now
		}
	}
	if at != nil {
		m.LastConsumptionTimestamp = at
	}
}
