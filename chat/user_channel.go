package chat

import (
	"context"

	"github.com/chatd/chatd/model"
)

func (c *Chat) ListUserChannels(ctx context.Context, service, user string, p model.Page) (out []*model.UserChannel, cur model.Cursor, err error) {
	err = c.store.View(ctx, func(tx model.Tx) error {
		u, err := tx.User(service, user)
		if err != nil {
			return inPath(err)
		}
		links, cur2, err := list[model.UserChannelLink]{
			read: func(w model.Window) ([]model.UserChannelLink, error) { return tx.UserChannels(service, u.Sid, w) },
			key:  func(l model.UserChannelLink) string { return l.ChannelSid },
		}.page(p)
		if err != nil {
			return err
		}
		cur = cur2
		for _, l := range links {
			uc, err := userChannel(tx, service, u.Sid, l)
			if err != nil {
				return err
			}
			out = append(out, uc)
		}
		return nil
	})
	return out, cur, err
}

// userChannel derives the User Channel of a link: joined with the Member's
// horizon and notification level, or invited. The unread count is the
// number of Messages after the horizon, null while there is no horizon.
func userChannel(tx model.Tx, service, user string, l model.UserChannelLink) (*model.UserChannel, error) {
	uc := &model.UserChannel{
		ServiceSid:        service,
		ChannelSid:        l.ChannelSid,
		UserSid:           user,
		Status:            model.UserChannelInvited,
		NotificationLevel: model.NotificationDefault,
	}
	if l.MemberSid == "" {
		return uc, nil
	}
	m, err := tx.Member(service, l.ChannelSid, l.MemberSid)
	if err != nil {
		return nil, err
	}
	uc.MemberSid = m.Sid
	uc.Status = model.UserChannelJoined
	uc.NotificationLevel = m.NotificationLevel
	uc.LastConsumedMessageIndex = m.LastConsumedMessageIndex
	if h := m.LastConsumedMessageIndex; h != nil {
		n, err := tx.CountMessagesAfter(service, l.ChannelSid, *h)
		if err != nil {
			return nil, err
		}
		uc.UnreadMessagesCount = &n
	}
	return uc, nil
}

// findLink resolves the User and Channel of the request path and their link.
func findLink(tx model.Tx, service, user, channel string) (*model.User, model.UserChannelLink, error) {
	u, err := tx.User(service, user)
	if err != nil {
		return nil, model.UserChannelLink{}, inPath(err)
	}
	ch, err := channelOf(tx, service, channel)
	if err != nil {
		return nil, model.UserChannelLink{}, err
	}
	l, err := tx.UserChannel(service, u.Sid, ch.Sid)
	return u, l, inPath(err)
}

func (c *Chat) FindUserChannel(ctx context.Context, service, user, channel string) (*model.UserChannel, error) {
	var uc *model.UserChannel
	err := c.store.View(ctx, func(tx model.Tx) error {
		u, l, err := findLink(tx, service, user, channel)
		if err != nil {
			return err
		}
		uc, err = userChannel(tx, service, u.Sid, l)
		return err
	})
	return uc, err
}

// UpdateUserChannel sets the notification level and consumption horizon of
// the User's membership; a User that is only invited has none (50400).
func (c *Chat) UpdateUserChannel(ctx context.Context, service, user, channel string, in model.UserChannelUpdate) (*model.UserChannel, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var uc *model.UserChannel
	err := c.update(ctx, func(tx model.Tx) error {
		u, l, err := findLink(tx, service, user, channel)
		if err != nil {
			return err
		}
		if l.MemberSid == "" {
			return model.E(model.CodeNotMember)
		}
		if in != (model.UserChannelUpdate{}) {
			m, err := tx.Member(service, l.ChannelSid, l.MemberSid)
			if err != nil {
				return err
			}
			set(&m.NotificationLevel, in.NotificationLevel)
			consume(m, in.LastConsumedMessageIndex, in.LastConsumptionTimestamp, tx.Now())
			m.DateUpdated = tx.Now()
			if err := tx.PutMember(m); err != nil {
				return err
			}
		}
		uc, err = userChannel(tx, service, u.Sid, l)
		return err
	})
	return uc, err
}

// DeleteUserChannel makes the User leave the Channel: its Member is deleted,
// or, for a User that is only invited, its Invite (a declined invitation).
func (c *Chat) DeleteUserChannel(ctx context.Context, service, user, channel string) error {
	return c.update(ctx, func(tx model.Tx) error {
		_, l, err := findLink(tx, service, user, channel)
		if err != nil {
			return err
		}
		if l.MemberSid != "" {
			m, err := tx.Member(service, l.ChannelSid, l.MemberSid)
			if err != nil {
				return err
			}
			if err := c.emit(ctx, tx, memberEvent("onMemberRemoved", m)); err != nil {
				return err
			}
			return tx.DeleteMember(service, l.ChannelSid, l.MemberSid)
		}
		return tx.DeleteInvite(service, l.ChannelSid, l.InviteSid)
	})
}
