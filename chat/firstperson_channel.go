package chat

import (
	"context"
	"net/url"
	"time"

	"github.com/chatd/chatd/model"
)

// CreateChannelAs creates a Channel as p: created_by p's identity, with p as
// its first Member in the Service's channel creator role. The pre-event
// onChannelAdd may rewrite its friendly name, unique name and attributes.
func (c *Chat) CreateChannelAs(ctx context.Context, p *model.Principal, in model.ChannelCreate) (*model.ChannelView, error) {
	in = model.ChannelCreate{FriendlyName: in.FriendlyName, UniqueName: in.UniqueName, Attributes: in.Attributes, Type: in.Type, CreatedBy: &p.Identity}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *model.ChannelView
	err := c.act(ctx, p, func(ctx context.Context, tx model.Tx) (*plan, error) {
		if err := allowed(tx, p, nil, actCreateChannel); err != nil {
			return nil, err
		}
		params := url.Values{}
		params.Set("ChannelType", orDefault(in.Type, model.ChannelPublic))
		setParam(params, "FriendlyName", nilIfEmpty(in.FriendlyName))
		setParam(params, "UniqueName", nilIfEmpty(in.UniqueName))
		params.Set("Attributes", orDefault(in.Attributes, model.DefaultAttributes))
		params.Set("CreatedBy", p.Identity)
		return &plan{event: "onChannelAdd", params: params, apply: func(pre preResult) (model.Ref, error) {
			final := in
			final.FriendlyName = override(in.FriendlyName, pre.FriendlyName)
			final.UniqueName = override(in.UniqueName, pre.UniqueName)
			final.Attributes = override(in.Attributes, pre.Attributes)
			if err := final.Validate(); err != nil {
				return model.Ref{}, err
			}
			s, err := tx.Service(p.ServiceSid)
			if err != nil {
				return model.Ref{}, err
			}
			ch, err := c.createChannel(ctx, tx, s.Sid, final, "")
			if err != nil {
				return model.Ref{}, err
			}
			creator := model.MemberCreate{Identity: p.Identity, RoleSid: &s.DefaultChannelCreatorRoleSid}
			if _, err := c.createMember(ctx, tx, s, ch, creator, ""); err != nil {
				return model.Ref{}, err
			}
			if ch, err = tx.Channel(s.Sid, ch.Sid); err != nil { // with the creator counted
				return model.Ref{}, err
			}
			out, err = channelView(tx, p, ch)
			return model.Ref{Kind: model.RefChannel, Sid: ch.Sid}, err
		}}, nil
	})
	return out, err
}

// FindChannelAs fetches a Channel p can see, with p's relation to it.
func (c *Chat) FindChannelAs(ctx context.Context, p *model.Principal, key string) (*model.ChannelView, error) {
	var out *model.ChannelView
	err := c.store.View(ctx, func(tx model.Tx) error {
		ch, err := visibleChannel(tx, p, key)
		if err != nil {
			return err
		}
		out, err = channelView(tx, p, ch)
		return err
	})
	return out, err
}

// ListPublicChannelsAs lists the public Channels of p's Service in creation
// order, each with p's relation to it.
func (c *Chat) ListPublicChannelsAs(ctx context.Context, p *model.Principal, pg model.Page) (out []*model.ChannelView, cur model.Cursor, err error) {
	err = c.store.View(ctx, func(tx model.Tx) error {
		chs, next, err := list[*model.Channel]{
			read: func(w model.Window) ([]*model.Channel, error) {
				return tx.Channels(p.ServiceSid, []string{model.ChannelPublic}, w)
			},
			key:      func(ch *model.Channel) string { return ch.Sid },
			validKey: func(k string) bool { return model.IsSID(model.PrefixChannel, k) },
		}.page(pg)
		if err != nil {
			return err
		}
		cur = next
		for _, ch := range chs {
			v, err := channelView(tx, p, ch)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, cur, err
}

// UpdateChannelAs changes a Channel's friendly name, unique name or
// attributes: the names need editChannelName, the attributes
// editChannelAttributes. The pre-event onChannelUpdate sees the Channel as
// it would become and may rewrite all three.
func (c *Chat) UpdateChannelAs(ctx context.Context, p *model.Principal, key string, in model.ChannelUpdate) (*model.ChannelView, error) {
	in = model.ChannelUpdate{FriendlyName: in.FriendlyName, UniqueName: in.UniqueName, Attributes: in.Attributes}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *model.ChannelView
	err := c.act(ctx, p, func(ctx context.Context, tx model.Tx) (*plan, error) {
		ch, err := visibleChannel(tx, p, key)
		if err != nil {
			return nil, err
		}
		if in.FriendlyName != nil || in.UniqueName != nil {
			if err := allowed(tx, p, ch, actEditChannelName); err != nil {
				return nil, err
			}
		}
		if in.Attributes != nil {
			if err := allowed(tx, p, ch, actEditChannelAttributes); err != nil {
				return nil, err
			}
		}
		proposed := editedChannel(*ch, in, tx.Now())
		return &plan{event: "onChannelUpdate", params: channelEvent("onChannelUpdate", &proposed).params, apply: func(pre preResult) (model.Ref, error) {
			final := in
			final.FriendlyName = override(in.FriendlyName, pre.FriendlyName)
			final.UniqueName = override(in.UniqueName, pre.UniqueName)
			final.Attributes = override(in.Attributes, pre.Attributes)
			if err := final.Validate(); err != nil {
				return model.Ref{}, err
			}
			next := editedChannel(*ch, final, tx.Now())
			if err := uniqueName(tx.PutChannel(&next)); err != nil {
				return model.Ref{}, err
			}
			if err := c.emit(ctx, tx, channelEvent("onChannelUpdated", &next)); err != nil {
				return model.Ref{}, err
			}
			out, err = channelView(tx, p, &next)
			return model.Ref{Kind: model.RefChannel, Sid: ch.Sid}, err
		}}, nil
	})
	return out, err
}

// editedChannel is ch with a first-person update applied.
func editedChannel(ch model.Channel, in model.ChannelUpdate, now time.Time) model.Channel {
	if in.FriendlyName != nil {
		ch.FriendlyName = nilIfEmpty(in.FriendlyName)
	}
	if in.UniqueName != nil {
		ch.UniqueName = nilIfEmpty(in.UniqueName)
	}
	set(&ch.Attributes, in.Attributes)
	ch.DateUpdated = now
	return ch
}

// DeleteChannelAs destroys a Channel (destroyChannel) with its Members,
// Messages and Invites, after the pre-event onChannelDestroy.
func (c *Chat) DeleteChannelAs(ctx context.Context, p *model.Principal, key string) error {
	return c.act(ctx, p, func(ctx context.Context, tx model.Tx) (*plan, error) {
		ch, err := visibleChannel(tx, p, key)
		if err != nil {
			return nil, err
		}
		if err := allowed(tx, p, ch, actDestroyChannel); err != nil {
			return nil, err
		}
		return &plan{event: "onChannelDestroy", params: channelEvent("onChannelDestroy", ch).params, apply: func(preResult) (model.Ref, error) {
			if err := c.emit(ctx, tx, channelEvent("onChannelDestroyed", ch)); err != nil {
				return model.Ref{}, err
			}
			return model.Ref{Kind: model.RefUserChannels}, tx.DeleteChannelTree(ch.ServiceSid, ch.Sid)
		}}, nil
	})
}

// setParam sets a webhook parameter, leaving out a null value as Twilio
// does.
func setParam(params url.Values, key string, value *string) {
	if value != nil {
		params.Set(key, *value)
	}
}
