package chat

import (
	"context"
	"strconv"

	"github.com/chatd/chatd/model"
)

// CreateMessage appends a Message to a Channel: from "system" unless From
// names an author, an empty body when none is given, and the next index of
// the Channel, allocated by the store inside the write transaction.
func (c *Chat) CreateMessage(ctx context.Context, service, channel string, in model.MessageCreate) (*model.Message, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var m *model.Message
	err := c.store.Update(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		now := tx.Now()
		created := orDefault(in.DateCreated, now)
		m = &model.Message{
			Sid:           c.sids.new(model.PrefixMessage, now),
			ServiceSid:    service,
			ChannelSid:    ch.Sid,
			From:          orDefault(in.From, model.DefaultAuthor),
			Body:          orDefault(in.Body, ""),
			Attributes:    orDefault(in.Attributes, model.DefaultAttributes),
			LastUpdatedBy: nilIfEmpty(in.LastUpdatedBy),
			DateCreated:   created,
			DateUpdated:   orDefault(in.DateUpdated, created),
		}
		return tx.AppendMessage(m)
	})
	return m, err
}

func (c *Chat) FindMessage(ctx context.Context, service, channel, sid string) (*model.Message, error) {
	var m *model.Message
	err := c.store.View(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		m, err = tx.Message(service, ch.Sid, sid)
		return inPath(err)
	})
	return m, err
}

func (c *Chat) ListMessages(ctx context.Context, service, channel string, f model.MessageFilter, p model.Page) (out []*model.Message, cur model.Cursor, err error) {
	err = c.store.View(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		out, cur, err = list[*model.Message]{
			desc:     f.Order == model.OrderDesc,
			read:     func(w model.Window) ([]*model.Message, error) { return tx.Messages(service, ch.Sid, w) },
			key:      func(m *model.Message) string { return strconv.Itoa(m.Index) },
			validKey: isIndex,
		}.page(p)
		return err
	})
	return out, cur, err
}

// UpdateMessage changes the fields given. A new Body marks the Message as
// edited; an update of attributes or dates alone does not.
func (c *Chat) UpdateMessage(ctx context.Context, service, channel, sid string, in model.MessageUpdate) (*model.Message, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var m *model.Message
	err := c.store.Update(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		if m, err = tx.Message(service, ch.Sid, sid); err != nil {
			return inPath(err)
		}
		if in == (model.MessageUpdate{}) {
			return nil
		}
		if in.Body != nil {
			m.Body = *in.Body
			m.WasEdited = true
		}
		set(&m.From, in.From)
		set(&m.Attributes, in.Attributes)
		if in.LastUpdatedBy != nil {
			m.LastUpdatedBy = nilIfEmpty(in.LastUpdatedBy)
		}
		set(&m.DateCreated, in.DateCreated)
		m.DateUpdated = orDefault(in.DateUpdated, tx.Now())
		return tx.PutMessage(m)
	})
	return m, err
}

func (c *Chat) DeleteMessage(ctx context.Context, service, channel, sid string) error {
	return c.store.Update(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		return inPath(tx.DeleteMessage(service, ch.Sid, sid))
	})
}
