package model

import (
	"context"
	"time"
)

// Member is a User's membership of one Channel (MB…).
type Member struct {
	Sid        string
	ServiceSid string
	ChannelSid string
	UserSid    string
	Identity   string
	RoleSid    string
	Attributes string

	// The consumption horizon: nil until a client or an update sets it.
	LastConsumedMessageIndex *int
	LastConsumptionTimestamp *time.Time

	// NotificationLevel is the User Channel's push setting for this
	// membership: NotificationDefault or NotificationMuted.
	NotificationLevel string

	DateCreated time.Time
	DateUpdated time.Time
}

// Notification levels of a User Channel.
const (
	NotificationDefault = "default"
	NotificationMuted   = "muted"
)

// MemberCreate is the input of CreateMember.
type MemberCreate struct {
	Identity                 string
	RoleSid                  *string
	LastConsumedMessageIndex *int
	LastConsumptionTimestamp *time.Time
	DateCreated              *time.Time
	DateUpdated              *time.Time
	Attributes               *string
}

// Validate checks the input of CreateMember.
func (in MemberCreate) Validate() error {
	if err := CheckIdentity(in.Identity); err != nil {
		return err
	}
	return MemberUpdate{
		RoleSid: in.RoleSid, LastConsumedMessageIndex: in.LastConsumedMessageIndex,
		LastConsumptionTimestamp: in.LastConsumptionTimestamp, Attributes: in.Attributes,
	}.Validate()
}

// MemberUpdate is the input of UpdateMember: nil fields are left alone.
type MemberUpdate struct {
	RoleSid                  *string
	LastConsumedMessageIndex *int
	LastConsumptionTimestamp *time.Time
	DateCreated              *time.Time
	DateUpdated              *time.Time
	Attributes               *string
}

// Validate checks the input of UpdateMember.
func (in MemberUpdate) Validate() error {
	if err := checkRoleSid(in.RoleSid); err != nil {
		return err
	}
	if in.LastConsumedMessageIndex != nil && *in.LastConsumedMessageIndex < 0 {
		return E(CodeInvalidLastConsumedMessageIndex)
	}
	return CheckAttributes(in.Attributes)
}

// MemberFilter narrows ListMembers to the given identities (all when empty).
type MemberFilter struct {
	Identities []string
}

// MemberService is the Members resource. channel is a CH SID or unique name;
// a member key is an MB SID or an identity.
type MemberService interface {
	// CreateMember adds identity to the Channel, creating its User when the
	// Service has none, and consumes any Invite of that identity.
	CreateMember(ctx context.Context, service, channel string, in MemberCreate) (*Member, error)
	FindMember(ctx context.Context, service, channel, key string) (*Member, error)
	ListMembers(ctx context.Context, service, channel string, f MemberFilter, p Page) ([]*Member, Cursor, error)
	UpdateMember(ctx context.Context, service, channel, key string, in MemberUpdate) (*Member, error)
	DeleteMember(ctx context.Context, service, channel, key string) error
}
