package chat

import (
	"context"
	"strconv"

	"github.com/chatd/chatd/model"
)

// SendMessageAs sends a Message from p to a Channel: a text Message with
// sendMessage, a media Message (MediaSid, an uploaded Media) with
// sendMediaMessage. The pre-event, onMessageSend or onMediaMessageSend,
// may rewrite its body and attributes.
func (c *Chat) SendMessageAs(ctx context.Context, p *model.Principal, channel string, in model.MessageCreate) (*model.Message, error) {
	in = model.MessageCreate{Body: in.Body, Attributes: in.Attributes, MediaSid: in.MediaSid, From: &p.Identity}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	event, act := "onMessageSend", actSendMessage
	if in.MediaSid != nil {
		event, act = "onMediaMessageSend", actSendMediaMessage
	}
	var out *model.Message
	// Like a send through REST, it may interleave with other sends: the
	// mutation id it records is a key (a second use of one is refused).
	err := c.act(model.Interleaving(ctx), p, func(ctx context.Context, tx model.Tx) (*plan, error) {
		ch, err := visibleChannel(tx, p, channel)
		if err != nil {
			return nil, err
		}
		if err := allowed(tx, p, ch, act); err != nil {
			return nil, err
		}
		e := newEvent(event, ch.ServiceSid, ch.Sid, p.Identity)
		e.str("ChannelSid", ch.Sid)
		e.str("Body", orDefault(in.Body, ""))
		e.str("Attributes", orDefault(in.Attributes, model.DefaultAttributes))
		e.str("From", p.Identity)
		e.str("To", ch.Sid)
		e.str("DateCreated", tx.Now().UTC().Format(hookDate))
		if in.MediaSid != nil {
			md, err := messageMedia(tx, ch.ServiceSid, *in.MediaSid)
			if err != nil {
				return nil, err
			}
			e.set("MediaFilename", md.Filename)
			e.str("MediaContentType", md.ContentType)
			e.str("MediaSize", strconv.FormatInt(md.Size, 10))
		}
		return &plan{event: event, params: e.params, apply: func(pre preResult) (model.Ref, error) {
			final := in
			final.Body = override(in.Body, pre.Body)
			final.Attributes = override(in.Attributes, pre.Attributes)
			if err := final.Validate(); err != nil {
				return model.Ref{}, err
			}
			m, err := c.appendMessage(ctx, tx, ch.ServiceSid, ch.Sid, final, "")
			if err != nil {
				return model.Ref{}, err
			}
			out = m
			return model.Ref{Kind: model.RefMessage, Channel: ch.Sid, Sid: m.Sid}, nil
		}}, nil
	})
	return out, err
}

// FindMessageAs fetches a Message of a Channel p can see.
func (c *Chat) FindMessageAs(ctx context.Context, p *model.Principal, channel, sid string) (*model.Message, error) {
	var m *model.Message
	err := c.store.View(ctx, func(tx model.Tx) (err error) {
		_, m, err = channelMessage(tx, p, channel, sid)
		return err
	})
	return m, err
}

// UpdateMessageAs changes a Message's body (editOwnMessage for p's own,
// editAnyMessage for anyone's) or attributes (editOwnMessageAttributes,
// editAnyMessageAttributes), with p as last_updated_by. The body of a media
// Message cannot change (50509). The pre-event onMessageUpdate sees the
// Message as it would become and may rewrite both.
func (c *Chat) UpdateMessageAs(ctx context.Context, p *model.Principal, channel, sid string, in model.MessageUpdate) (*model.Message, error) {
	in = model.MessageUpdate{Body: in.Body, Attributes: in.Attributes}
	if in.Body == nil && in.Attributes == nil {
		return nil, model.MissingParam("body")
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *model.Message
	err := c.act(ctx, p, func(ctx context.Context, tx model.Tx) (*plan, error) {
		ch, m, err := channelMessage(tx, p, channel, sid)
		if err != nil {
			return nil, err
		}
		if in.Body != nil {
			if err := allowed(tx, p, ch, ownOr(p, m.From, actEditOwnMessage, actEditAnyMessage)); err != nil {
				return nil, err
			}
		}
		if in.Attributes != nil {
			if err := allowed(tx, p, ch, ownOr(p, m.From, actEditOwnMessageAttributes, actEditAnyMessageAttributes)); err != nil {
				return nil, err
			}
		}
		proposed, err := editedMessage(*m, in, p, tx)
		if err != nil {
			return nil, err
		}
		return &plan{event: "onMessageUpdate", params: messageEvent("onMessageUpdated", &proposed).params, apply: func(pre preResult) (model.Ref, error) {
			final := in
			final.Body = override(in.Body, pre.Body)
			final.Attributes = override(in.Attributes, pre.Attributes)
			if err := final.Validate(); err != nil {
				return model.Ref{}, err
			}
			next, err := editedMessage(*m, final, p, tx)
			if err != nil {
				return model.Ref{}, err
			}
			if err := tx.PutMessage(&next); err != nil {
				return model.Ref{}, err
			}
			out = &next
			return model.Ref{Kind: model.RefMessage, Channel: ch.Sid, Sid: m.Sid}, c.emit(ctx, tx, messageEvent("onMessageUpdated", &next))
		}}, nil
	})
	return out, err
}

// editedMessage is m with a first-person update by p applied.
func editedMessage(m model.Message, in model.MessageUpdate, p *model.Principal, tx model.Tx) (model.Message, error) {
	if in.Body != nil {
		if m.Media != nil {
			return m, model.E(model.CodeMediaMessageBodyImmutable)
		}
		m.Body, m.WasEdited = *in.Body, true
	}
	set(&m.Attributes, in.Attributes)
	m.LastUpdatedBy = &p.Identity
	m.DateUpdated = tx.Now()
	return m, nil
}

// DeleteMessageAs removes a Message: p's own with deleteOwnMessage, anyone's
// with deleteAnyMessage. The pre-event is onMessageRemove.
func (c *Chat) DeleteMessageAs(ctx context.Context, p *model.Principal, channel, sid string) error {
	return c.act(ctx, p, func(ctx context.Context, tx model.Tx) (*plan, error) {
		ch, m, err := channelMessage(tx, p, channel, sid)
		if err != nil {
			return nil, err
		}
		if err := allowed(tx, p, ch, ownOr(p, m.From, actDeleteOwnMessage, actDeleteAnyMessage)); err != nil {
			return nil, err
		}
		return &plan{event: "onMessageRemove", params: messageEvent("onMessageRemoved", m).params, apply: func(preResult) (model.Ref, error) {
			if err := c.emit(ctx, tx, messageEvent("onMessageRemoved", m)); err != nil {
				return model.Ref{}, err
			}
			return model.Ref{Kind: model.RefChannel, Sid: ch.Sid}, tx.DeleteMessage(p.ServiceSid, ch.Sid, m.Sid)
		}}, nil
	})
}

// channelMessage finds a Channel p can see and a Message of it.
func channelMessage(tx model.Tx, p *model.Principal, channel, sid string) (*model.Channel, *model.Message, error) {
	ch, err := visibleChannel(tx, p, channel)
	if err != nil {
		return nil, nil, err
	}
	m, err := tx.Message(p.ServiceSid, ch.Sid, sid)
	return ch, m, inPath(err)
}
