package model

import (
	"context"
	"time"
)

// Message is one message of a Channel (IM…). Index is its position: 0 for
// the first Message of the Channel, growing with every Message and never
// reused.
type Message struct {
	Sid           string
	ServiceSid    string
	ChannelSid    string
	Index         int
	From          string
	Body          string
	Attributes    string
	LastUpdatedBy *string
	WasEdited     bool
	// Media is the attached file of a media Message, nil for text.
	Media       *MessageMedia
	DateCreated time.Time
	DateUpdated time.Time
}

// MessageCreate is the input of CreateMessage.
type MessageCreate struct {
	From          *string
	Body          *string
	Attributes    *string
	DateCreated   *time.Time
	DateUpdated   *time.Time
	LastUpdatedBy *string
	MediaSid      *string
}

// Validate checks the input of CreateMessage.
func (in MessageCreate) Validate() error {
	if in.MediaSid != nil && !IsSID(PrefixMedia, *in.MediaSid) {
		return InvalidParam("MediaSid", *in.MediaSid)
	}
	return MessageUpdate{
		From: in.From, Body: in.Body, Attributes: in.Attributes, LastUpdatedBy: in.LastUpdatedBy,
	}.Validate()
}

// MessageUpdate is the input of UpdateMessage: nil fields are left alone.
type MessageUpdate struct {
	From          *string
	Body          *string
	Attributes    *string
	DateCreated   *time.Time
	DateUpdated   *time.Time
	LastUpdatedBy *string
}

// Validate checks the input of UpdateMessage.
func (in MessageUpdate) Validate() error {
	if in.Body != nil && len(*in.Body) > MaxBodyLength {
		return E(CodeMessageBodyTooLong)
	}
	if in.From != nil {
		if err := checkLen(*in.From, MaxAuthorLength, CodeAuthorTooLong); err != nil {
			return err
		}
	}
	if in.LastUpdatedBy != nil {
		if err := checkLen(*in.LastUpdatedBy, MaxAuthorLength, CodeLastUpdatedByTooLong); err != nil {
			return err
		}
	}
	return CheckAttributes(in.Attributes)
}

// Message orders of ListMessages.
const (
	OrderAsc  = "asc"
	OrderDesc = "desc"
)

// MessageFilter orders ListMessages by Index: OrderAsc (the default) or
// OrderDesc.
type MessageFilter struct {
	Order string
}

// MessageService is the Messages resource. channel is a CH SID or unique
// name; a message is addressed by its IM SID.
type MessageService interface {
	CreateMessage(ctx context.Context, service, channel string, in MessageCreate) (*Message, error)
	FindMessage(ctx context.Context, service, channel, sid string) (*Message, error)
	ListMessages(ctx context.Context, service, channel string, f MessageFilter, p Page) ([]*Message, Cursor, error)
	// ViewMessages reads the page ListMessages reads and hands it to view
	// before the read ends: the Messages are valid only during the call
	// (see Tx.PeekMessages), so view copies what it keeps. It spares a
	// reader that only renders the page (the REST list) a copy of it.
	ViewMessages(ctx context.Context, service, channel string, f MessageFilter, p Page, view func([]*Message, Cursor)) error
	UpdateMessage(ctx context.Context, service, channel, sid string, in MessageUpdate) (*Message, error)
	DeleteMessage(ctx context.Context, service, channel, sid string) error
}
