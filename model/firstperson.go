package model

import "context"

// ChannelView is a Channel as a first-person client sees it: with its
// User's relation to the Channel (Status UserChannelNotParticipating when it
// has none).
type ChannelView struct {
	Channel *Channel
	Mine    *UserChannel
}

// MyChannelUpdate is what a client changes of its own membership of a
// Channel: its notification level, and its consumption horizon when
// SetConsumed is true (LastConsumedMessageIndex nil then means no Message
// read).
type MyChannelUpdate struct {
	NotificationLevel        *string
	SetConsumed              bool
	LastConsumedMessageIndex *int
}

// Validate checks the input of UpdateUserChannelAs.
func (in MyChannelUpdate) Validate() error {
	return UserChannelUpdate{NotificationLevel: in.NotificationLevel, LastConsumedMessageIndex: in.LastConsumedMessageIndex}.Validate()
}

// FirstPersonService is what a client holding an access token does: each
// operation acts as p, under the roles of p's User and of its Members
// (403/50107 when they do not allow it), sees a private Channel only when
// p is in it or invited to it (20404 otherwise), fires the Service's
// pre-event webhook before it changes anything and its post-events after.
// A change made again under a mutation id p used before (WithMutationID)
// does nothing and returns *RepeatedMutation.
//
// A channel key is a CH SID or unique name; a member key an MB SID or
// identity; a user key an identity or US SID.
type FirstPersonService interface {
	// CreateChannelAs creates a Channel created_by p, with p as its first
	// Member in the Service's channel creator role.
	CreateChannelAs(ctx context.Context, p *Principal, in ChannelCreate) (*ChannelView, error)
	FindChannelAs(ctx context.Context, p *Principal, channel string) (*ChannelView, error)
	// ListPublicChannelsAs lists the Service's public Channels.
	ListPublicChannelsAs(ctx context.Context, p *Principal, pg Page) ([]*ChannelView, Cursor, error)
	UpdateChannelAs(ctx context.Context, p *Principal, channel string, in ChannelUpdate) (*ChannelView, error)
	DeleteChannelAs(ctx context.Context, p *Principal, channel string) error

	// AddMemberAs adds identity to the Channel: p joins when it is p's own.
	AddMemberAs(ctx context.Context, p *Principal, channel, identity string) (*Member, error)
	FindMemberAs(ctx context.Context, p *Principal, channel, member string) (*Member, error)
	// UpdateMemberAs sets a Member's attributes.
	UpdateMemberAs(ctx context.Context, p *Principal, channel, member string, attributes string) (*Member, error)
	// RemoveMemberAs removes a Member: p leaves when it is p's own.
	RemoveMemberAs(ctx context.Context, p *Principal, channel, member string) error

	// InviteAs invites identity's User, created_by p.
	InviteAs(ctx context.Context, p *Principal, channel, identity string) (*Invite, error)
	// FindInviteAs and DeleteInviteAs take an IN SID or the invited
	// identity; p deleting its own Invite declines it.
	FindInviteAs(ctx context.Context, p *Principal, channel, invite string) (*Invite, error)
	DeleteInviteAs(ctx context.Context, p *Principal, channel, invite string) error

	// SendMessageAs sends a Message from p (a media Message with MediaSid).
	SendMessageAs(ctx context.Context, p *Principal, channel string, in MessageCreate) (*Message, error)
	FindMessageAs(ctx context.Context, p *Principal, channel, sid string) (*Message, error)
	// UpdateMessageAs changes a Message's body or attributes, last updated
	// by p.
	UpdateMessageAs(ctx context.Context, p *Principal, channel, sid string, in MessageUpdate) (*Message, error)
	DeleteMessageAs(ctx context.Context, p *Principal, channel, sid string) error

	FindUserAs(ctx context.Context, p *Principal, user string) (*User, *Reachability, error)
	// UpdateUserAs changes a User's friendly name or attributes.
	UpdateUserAs(ctx context.Context, p *Principal, user string, in UserUpdate) (*User, error)
	// ListChannelUsersAs lists the Users of a Channel's Members, in Member
	// order.
	ListChannelUsersAs(ctx context.Context, p *Principal, channel string, pg Page) ([]*User, Cursor, error)

	// ListUserChannelsAs lists the Channels p has joined or is invited to.
	ListUserChannelsAs(ctx context.Context, p *Principal, pg Page) ([]*ChannelView, Cursor, error)
	FindUserChannelAs(ctx context.Context, p *Principal, channel string) (*ChannelView, error)
	UpdateUserChannelAs(ctx context.Context, p *Principal, channel string, in MyChannelUpdate) (*ChannelView, error)

	// TypingAs checks that p may type in the Channel and returns the
	// indicator the other Members are to be sent.
	TypingAs(ctx context.Context, p *Principal, channel string) (*Typing, error)
}

// Typing is a typing indicator: Identity types in the Channel ChannelSid,
// for Timeout seconds (the Service's typing indicator timeout), and
// Members, the identities of the Channel's other Members, are to be told.
type Typing struct {
	ChannelSid string
	Identity   string
	Timeout    int
	Members    []string
}
