package model

import (
	"context"
	"time"
)

// Invite is a pending invitation of a User to a Channel (IN…).
type Invite struct {
	Sid         string
	ServiceSid  string
	ChannelSid  string
	UserSid     string
	Identity    string
	RoleSid     string
	CreatedBy   *string
	DateCreated time.Time
	DateUpdated time.Time
}

// InviteCreate is the input of CreateInvite.
type InviteCreate struct {
	Identity string
	RoleSid  *string
}

// Validate checks the input of CreateInvite.
func (in InviteCreate) Validate() error {
	if err := CheckIdentity(in.Identity); err != nil {
		return err
	}
	return checkRoleSid(in.RoleSid)
}

// InviteFilter narrows ListInvites to the given identities (all when empty).
type InviteFilter struct {
	Identities []string
}

// InviteService is the Invites resource. channel is a CH SID or unique name.
type InviteService interface {
	// CreateInvite invites an existing User; unlike CreateMember it never
	// creates one.
	CreateInvite(ctx context.Context, service, channel string, in InviteCreate) (*Invite, error)
	FindInvite(ctx context.Context, service, channel, sid string) (*Invite, error)
	ListInvites(ctx context.Context, service, channel string, f InviteFilter, p Page) ([]*Invite, Cursor, error)
	DeleteInvite(ctx context.Context, service, channel, sid string) error
}
