package model

import (
	"context"
	"time"
)

// Channel types.
const (
	ChannelPublic  = "public"
	ChannelPrivate = "private"
)

// DefaultAuthor is Twilio's created_by, from and author for actions taken
// through the REST API without naming a user.
const DefaultAuthor = "system"

// Channel is a chat room (CH…).
type Channel struct {
	Sid          string
	ServiceSid   string
	FriendlyName *string
	UniqueName   *string
	Attributes   string
	Type         string
	CreatedBy    string
	DateCreated  time.Time
	DateUpdated  time.Time

	// MessagingServiceSid is set through the v3 API (MG…).
	MessagingServiceSid *string

	// Derived counts, kept by the Store.
	MembersCount   int
	MessagesCount  int
	LastMessageSid string // "" when the Channel has no Message
}

// ChannelCreate is the input of CreateChannel.
type ChannelCreate struct {
	FriendlyName *string
	UniqueName   *string
	Attributes   *string
	Type         *string
	DateCreated  *time.Time
	DateUpdated  *time.Time
	CreatedBy    *string
}

// Validate checks the input of CreateChannel.
func (in ChannelCreate) Validate() error {
	if in.Type != nil && *in.Type != ChannelPublic && *in.Type != ChannelPrivate {
		return InvalidParam("Type", *in.Type)
	}
	return ChannelUpdate{
		FriendlyName: in.FriendlyName, UniqueName: in.UniqueName, Attributes: in.Attributes,
		DateCreated: in.DateCreated, DateUpdated: in.DateUpdated, CreatedBy: in.CreatedBy,
	}.validate()
}

// ChannelUpdate is the input of UpdateChannel: nil fields are left alone, and
// an empty FriendlyName or UniqueName clears it. Type and
// MessagingServiceSid come only from the v3 API, which moves public Channels
// to private (Type may only be "private", 50393).
type ChannelUpdate struct {
	FriendlyName        *string
	UniqueName          *string
	Attributes          *string
	DateCreated         *time.Time
	DateUpdated         *time.Time
	CreatedBy           *string
	Type                *string
	MessagingServiceSid *string
}

// Validate checks the input of UpdateChannel; an update without any
// parameter is Twilio's 50347.
func (in ChannelUpdate) Validate() error {
	if in == (ChannelUpdate{}) {
		return E(CodeChannelUpdateParamsMissing)
	}
	return in.validate()
}

func (in ChannelUpdate) validate() error {
	if in.Type != nil && *in.Type != ChannelPrivate {
		return E(CodeChannelTypeOnlyPrivate)
	}
	if v := in.MessagingServiceSid; v != nil && !IsSID(PrefixMessagingService, *v) {
		return InvalidParam("MessagingServiceSid", *v)
	}
	if in.FriendlyName != nil {
		if err := checkLen(*in.FriendlyName, MaxNameLength, CodeFriendlyNameTooLong); err != nil {
			return err
		}
	}
	if in.UniqueName != nil {
		if err := checkLen(*in.UniqueName, MaxNameLength, CodeUniqueNameTooLong); err != nil {
			return err
		}
		if IsSID(PrefixChannel, *in.UniqueName) {
			return E(CodeUniqueNameMatchesChannelSid)
		}
	}
	if in.CreatedBy != nil {
		if err := checkLen(*in.CreatedBy, MaxAuthorLength, CodeAuthorTooLong); err != nil {
			return err
		}
	}
	return CheckAttributes(in.Attributes)
}

// ChannelFilter narrows ListChannels: Types holds the wanted types, all
// Channels when empty.
type ChannelFilter struct {
	Types []string
}

// ChannelService is the Channels resource. Every key is a CH SID or a
// unique name.
type ChannelService interface {
	CreateChannel(ctx context.Context, service string, in ChannelCreate) (*Channel, error)
	FindChannel(ctx context.Context, service, key string) (*Channel, error)
	ListChannels(ctx context.Context, service string, f ChannelFilter, p Page) ([]*Channel, Cursor, error)
	UpdateChannel(ctx context.Context, service, key string, in ChannelUpdate) (*Channel, error)
	// DeleteChannel removes the Channel with its Members, Messages and Invites.
	DeleteChannel(ctx context.Context, service, key string) error
}
