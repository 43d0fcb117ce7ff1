package chat

import (
	"context"
	"errors"

	"github.com/chatd/chatd/model"
)

// ListUserChannelsAs lists the Channels p has joined or is invited to, in
// CH SID order, each with p's relation to it.
func (c *Chat) ListUserChannelsAs(ctx context.Context, p *model.Principal, pg model.Page) (out []*model.ChannelView, cur model.Cursor, err error) {
	err = c.store.View(ctx, func(tx model.Tx) error {
		u, err := tx.User(p.ServiceSid, p.Identity)
		if err != nil {
			return inPath(err)
		}
		links, next, err := list[model.UserChannelLink]{
			read:     func(w model.Window) ([]model.UserChannelLink, error) { return tx.UserChannels(p.ServiceSid, u.Sid, w) },
			key:      func(l model.UserChannelLink) string { return l.ChannelSid },
			validKey: func(k string) bool { return model.IsSID(model.PrefixChannel, k) },
		}.page(pg)
		if err != nil {
			return err
		}
		cur = next
		for _, l := range links {
			ch, err := tx.Channel(p.ServiceSid, l.ChannelSid)
			if err != nil {
				return err
			}
			mine, err := userChannel(tx, p.ServiceSid, u.Sid, l)
			if err != nil {
				return err
			}
			out = append(out, &model.ChannelView{Channel: ch, Mine: mine})
		}
		return nil
	})
	return out, cur, err
}

// FindUserChannelAs is a Channel p can see with p's relation to it:
// joined, invited or not participating.
func (c *Chat) FindUserChannelAs(ctx context.Context, p *model.Principal, channel string) (*model.ChannelView, error) {
	return c.FindChannelAs(ctx, p, channel)
}

// UpdateUserChannelAs moves p's consumption horizon in a Channel it is a
// Member of (50400 otherwise), or sets its notification level there
// (editNotificationLevel). A horizon set to nil means no Message read.
// Neither fires a webhook.
func (c *Chat) UpdateUserChannelAs(ctx context.Context, p *model.Principal, channel string, in model.MyChannelUpdate) (*model.ChannelView, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *model.ChannelView
	err := c.act(ctx, p, func(ctx context.Context, tx model.Tx) (*plan, error) {
		ch, err := visibleChannel(tx, p, channel)
		if err != nil {
			return nil, err
		}
		m, err := memberOf(tx, p.ServiceSid, ch.Sid, p.Identity)
		if err != nil {
			return nil, notMember(err)
		}
		if in.NotificationLevel != nil {
			if err := allowed(tx, p, ch, actEditNotificationLevel); err != nil {
				return nil, err
			}
		}
		return &plan{apply: func(preResult) (model.Ref, error) {
			now := tx.Now()
			set(&m.NotificationLevel, in.NotificationLevel)
			if in.SetConsumed {
				m.LastConsumedMessageIndex, m.LastConsumptionTimestamp = in.LastConsumedMessageIndex, &now
			}
			m.DateUpdated = now
			if err := tx.PutMember(m); err != nil {
				return model.Ref{}, err
			}
			v, err := channelView(tx, p, ch)
			out = v
			return model.Ref{Kind: model.RefUserChannel, Channel: ch.Sid}, err
		}}, nil
	})
	return out, err
}

// notMember maps the absence of p's Member to 50400.
func notMember(err error) error {
	if errors.Is(err, model.ErrNotFound) {
		return model.E(model.CodeNotMember)
	}
	return err
}
