package chat

import (
	"context"

	"github.com/chatd/chatd/model"
)

func (c *Chat) CreateChannel(ctx context.Context, service string, in model.ChannelCreate) (*model.Channel, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var ch *model.Channel
	err := c.update(ctx, func(tx model.Tx) (err error) {
		if _, err := tx.Service(service); err != nil {
			return inPath(err)
		}
		ch, err = c.createChannel(ctx, tx, service, in, "")
		return err
	})
	return ch, err
}

// createChannel stores a Channel with Twilio's defaults: public, created by
// "system", "{}" attributes; sid is minted when "".
func (c *Chat) createChannel(ctx context.Context, tx model.Tx, service string, in model.ChannelCreate, sid string) (*model.Channel, error) {
	now := tx.Now()
	created := orDefault(in.DateCreated, now)
	ch := &model.Channel{
		Sid:          orMint(sid, func() string { return c.sids.new(model.PrefixChannel, now) }),
		ServiceSid:   service,
		FriendlyName: nilIfEmpty(in.FriendlyName),
		UniqueName:   nilIfEmpty(in.UniqueName),
		Attributes:   orDefault(in.Attributes, model.DefaultAttributes),
		Type:         orDefault(in.Type, model.ChannelPublic),
		CreatedBy:    orDefault(in.CreatedBy, model.DefaultAuthor),
		DateCreated:  created,
		DateUpdated:  orDefault(in.DateUpdated, created),
	}
	if err := uniqueName(tx.InsertChannel(ch)); err != nil {
		return nil, err
	}
	return ch, c.emit(ctx, tx, channelEvent("onChannelAdded", ch))
}

// uniqueName maps a unique-name clash to Twilio's 50307.
func uniqueName(err error) error {
	if model.IsTaken(err, "unique_name") {
		return model.E(model.CodeChannelUniqueNameTaken)
	}
	return err
}

func (c *Chat) FindChannel(ctx context.Context, service, key string) (*model.Channel, error) {
	var ch *model.Channel
	err := c.store.Read(ctx, func(tx model.Tx) (err error) {
		ch, err = tx.Channel(service, key)
		return inPath(err)
	})
	return ch, err
}

func (c *Chat) ListChannels(ctx context.Context, service string, f model.ChannelFilter, p model.Page) (out []*model.Channel, cur model.Cursor, err error) {
	err = c.store.Read(ctx, func(tx model.Tx) (err error) {
		if _, err := tx.Service(service); err != nil {
			return inPath(err)
		}
		out, cur, err = list[*model.Channel]{
			read: func(w model.Window) ([]*model.Channel, error) { return tx.Channels(service, f.Types, w) },
			key:  func(ch *model.Channel) string { return ch.Sid },
		}.page(p)
		return err
	})
	return out, cur, err
}

func (c *Chat) UpdateChannel(ctx context.Context, service, key string, in model.ChannelUpdate) (*model.Channel, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var ch *model.Channel
	err := c.update(ctx, func(tx model.Tx) (err error) {
		if ch, err = tx.Channel(service, key); err != nil {
			return inPath(err)
		}
		if in.FriendlyName != nil {
			ch.FriendlyName = nilIfEmpty(in.FriendlyName)
		}
		if in.UniqueName != nil {
			ch.UniqueName = nilIfEmpty(in.UniqueName)
		}
		set(&ch.Attributes, in.Attributes)
		set(&ch.CreatedBy, in.CreatedBy)
		set(&ch.DateCreated, in.DateCreated)
		set(&ch.Type, in.Type)
		if in.MessagingServiceSid != nil {
			ch.MessagingServiceSid = in.MessagingServiceSid
		}
		ch.DateUpdated = orDefault(in.DateUpdated, tx.Now())
		if err := uniqueName(tx.PutChannel(ch)); err != nil {
			return err
		}
		return c.emit(ctx, tx, channelEvent("onChannelUpdated", ch))
	})
	return ch, err
}

func (c *Chat) DeleteChannel(ctx context.Context, service, key string) error {
	return c.update(ctx, func(tx model.Tx) error {
		ch, err := tx.Channel(service, key)
		if err != nil {
			return inPath(err)
		}
		if err := c.emit(ctx, tx, channelEvent("onChannelDestroyed", ch)); err != nil {
			return err
		}
		return tx.DeleteChannelTree(service, ch.Sid)
	})
}
