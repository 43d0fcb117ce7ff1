package model

import (
	"context"
	"time"
)

// User Channel statuses.
const (
	UserChannelJoined  = "joined"
	UserChannelInvited = "invited"
	// UserChannelNotParticipating is the status of a User that neither
	// belongs nor is invited to the Channel.
	UserChannelNotParticipating = "not_participating"
)

// UserChannel is a User's view of one Channel it has joined or been invited
// to. It is derived from the Member (or Invite) and the Channel, never stored.
type UserChannel struct {
	ServiceSid string
	ChannelSid string
	UserSid    string
	MemberSid  string // "" when only invited
	Status     string

	LastConsumedMessageIndex *int
	// UnreadMessagesCount counts the Messages after the consumption horizon;
	// nil while the horizon has never been set.
	UnreadMessagesCount *int
	NotificationLevel   string
}

// UserChannelUpdate is the input of UpdateUserChannel.
type UserChannelUpdate struct {
	NotificationLevel        *string
	LastConsumedMessageIndex *int
	LastConsumptionTimestamp *time.Time
}

// Validate checks the input of UpdateUserChannel.
func (in UserChannelUpdate) Validate() error {
	if v := in.NotificationLevel; v != nil && *v != NotificationDefault && *v != NotificationMuted {
		return E(CodeInvalidNotificationLevel)
	}
	if v := in.LastConsumedMessageIndex; v != nil && *v < 0 {
		return E(CodeInvalidLastConsumedMessageIndex)
	}
	return nil
}

// UserChannelService is the User Channels resource. user is a US SID or
// identity, channel a CH SID or unique name.
type UserChannelService interface {
	ListUserChannels(ctx context.Context, service, user string, p Page) ([]*UserChannel, Cursor, error)
	FindUserChannel(ctx context.Context, service, user, channel string) (*UserChannel, error)
	UpdateUserChannel(ctx context.Context, service, user, channel string, in UserChannelUpdate) (*UserChannel, error)
	// DeleteUserChannel makes the User leave the Channel (deletes the Member).
	DeleteUserChannel(ctx context.Context, service, user, channel string) error
}
