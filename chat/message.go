package chat

import (
	"context"
	"errors"
	"strconv"

	"github.com/chatd/chatd/model"
)

// CreateMessage appends a Message to a Channel: from "system" unless From
// names an author, an empty body when none is given, and the next index of
// the Channel, allocated by the store inside the write transaction. With a
// MediaSid it is a media Message carrying that uploaded Media, which the
// store marks as sent with it in the same transaction.
func (c *Chat) CreateMessage(ctx context.Context, service, channel string, in model.MessageCreate) (*model.Message, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var m *model.Message
	// A send only bumps the Channel's counter, inserts, and attaches a
	// Media while it is free: it may interleave with others.
	err := c.update(model.Interleaving(ctx), func(tx model.Tx) error {
		// The append finds whether the Channel exists.
		return inChannel(tx, service, channel, func(channel string) (err error) {
			m, err = c.appendMessage(ctx, tx, service, channel, in, "")
			return err
		})
	})
	return m, inPath(err)
}

// appendMessage adds a Message to a Channel (by SID): from "system" unless
// From names an author, an empty body by default, attached to its Media
// when MediaSid names one; sid is minted when "".
func (c *Chat) appendMessage(ctx context.Context, tx model.Tx, service, channel string, in model.MessageCreate, sid string) (*model.Message, error) {
	now := tx.Now()
	created := orDefault(in.DateCreated, now)
	m := &model.Message{
		Sid:           sid, // "": the store mints it (Tx.AppendMessage)
		ServiceSid:    service,
		ChannelSid:    channel,
		From:          orDefault(in.From, model.DefaultAuthor),
		Body:          orDefault(in.Body, ""),
		Attributes:    orDefault(in.Attributes, model.DefaultAttributes),
		LastUpdatedBy: nilIfEmpty(in.LastUpdatedBy),
		DateCreated:   created,
		DateUpdated:   orDefault(in.DateUpdated, created),
	}
	if in.MediaSid != nil {
		var err error
		if m.Media, err = messageMedia(tx, service, *in.MediaSid); err != nil {
			return nil, err
		}
	}
	if err := mediaTaken(tx.AppendMessage(m)); err != nil {
		return nil, err
	}
	if !hooked(ctx) {
		return m, nil // most sends: no post-event to build
	}
	return m, c.emit(ctx, tx, messageEvent("onMessageSent", m))
}

// messageMedia reads the Media a new Message is to carry. The SID comes from
// the body, so an unknown one is Twilio's 50507 rather than a 20404.
func messageMedia(tx model.Tx, service, sid string) (*model.MessageMedia, error) {
	me, err := tx.Media(service, sid)
	if errors.Is(err, model.ErrNotFound) {
		return nil, model.E(model.CodeMediaNotFound)
	}
	if err != nil {
		return nil, err
	}
	return &model.MessageMedia{Sid: me.Sid, Size: me.Size, ContentType: me.ContentType, Filename: me.Filename}, nil
}

// mediaTaken maps the store's refusal to attach a Media that another Message
// carries already to Twilio's 409/50508: a Media is sent once.
func mediaTaken(err error) error {
	if err != nil && model.IsTaken(err, "media") {
		return model.E(model.CodeMediaAlreadySent)
	}
	return err
}

func (c *Chat) FindMessage(ctx context.Context, service, channel, sid string) (*model.Message, error) {
	var m *model.Message
	err := c.store.Read(ctx, func(tx model.Tx) error {
		return inChannel(tx, service, channel, func(channel string) (err error) {
			m, err = tx.Message(service, channel, sid)
			return err
		})
	})
	return m, inPath(err)
}

func (c *Chat) ListMessages(ctx context.Context, service, channel string, f model.MessageFilter, p model.Page) (out []*model.Message, cur model.Cursor, err error) {
	err = c.store.Read(ctx, func(tx model.Tx) error {
		out, cur, err = messagePage(tx, tx.Messages, service, channel, f, p)
		return err
	})
	return out, cur, err
}

// inChannel runs read, a read of records under the Channel that key names,
// with the Channel's SID. A key that is a Channel SID, as it mostly is (a
// unique name cannot look like one: 50306), goes to read as it is, which
// then finds whether the Channel exists: one look-up instead of two.
func inChannel(tx model.Tx, service, key string, read func(channel string) error) error {
	if model.IsSID(model.PrefixChannel, key) {
		return read(key)
	}
	ch, err := channelOf(tx, service, key)
	if err != nil {
		return err
	}
	return read(ch.Sid)
}

// ViewMessages is ListMessages for a reader that is done with the page
// before the read transaction ends: it reads the Messages with
// Tx.PeekMessages, which need not copy them out of the store.
func (c *Chat) ViewMessages(ctx context.Context, service, channel string, f model.MessageFilter, p model.Page, view func([]*model.Message, model.Cursor)) error {
	return c.store.Read(ctx, func(tx model.Tx) error {
		ms, cur, err := messagePage(tx, tx.PeekMessages, service, channel, f, p)
		if err != nil {
			return err
		}
		view(ms, cur)
		return nil
	})
}

// messagePage reads the page p of the Messages of channel, in the order of
// f, with read (Tx.Messages or Tx.PeekMessages).
func messagePage(tx model.Tx, read func(service, channel string, w model.Window) ([]*model.Message, error), service, channel string, f model.MessageFilter, p model.Page) (out []*model.Message, cur model.Cursor, err error) {
	err = inChannel(tx, service, channel, func(channel string) (err error) {
		out, cur, err = list[*model.Message]{
			desc:     f.Order == model.OrderDesc,
			read:     func(w model.Window) ([]*model.Message, error) { return read(service, channel, w) },
			key:      func(m *model.Message) string { return strconv.Itoa(m.Index) },
			validKey: isIndex,
		}.page(p)
		return err
	})
	return out, cur, inPath(err)
}

// UpdateMessage changes the fields given. A new Body marks the Message as
// edited; an update of attributes or dates alone does not. The body of a
// media Message cannot be updated (50509), not even to the same text.
func (c *Chat) UpdateMessage(ctx context.Context, service, channel, sid string, in model.MessageUpdate) (*model.Message, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var m *model.Message
	err := c.update(ctx, func(tx model.Tx) error {
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
		if in.Body != nil && m.Media != nil {
			return model.E(model.CodeMediaMessageBodyImmutable)
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
		if err := tx.PutMessage(m); err != nil {
			return err
		}
		return c.emit(ctx, tx, messageEvent("onMessageUpdated", m))
	})
	return m, err
}

func (c *Chat) DeleteMessage(ctx context.Context, service, channel, sid string) error {
	return c.update(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		m, err := tx.Message(service, ch.Sid, sid)
		if err != nil {
			return inPath(err)
		}
		if err := c.emit(ctx, tx, messageEvent("onMessageRemoved", m)); err != nil {
			return err
		}
		return tx.DeleteMessage(service, ch.Sid, sid)
	})
}
