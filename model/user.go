package model

import (
	"context"
	"time"
)

// User is a chat identity within a Service (US…).
type User struct {
	Sid                 string
	ServiceSid          string
	Identity            string
	FriendlyName        *string
	Attributes          string
	RoleSid             string
	JoinedChannelsCount int
	// Online is whether a client of the User is connected, as counted while
	// its Service has reachability enabled: nil until one first connects.
	Online      *bool
	DateCreated time.Time
	DateUpdated time.Time
}

// Reachability is what a Service with reachability enabled tells of one of
// its Users: Online as User.Online (nil for a User never online), and
// Notifiable when the User has a push Binding.
type Reachability struct {
	Online     *bool
	Notifiable bool
}

// UserCreate is the input of CreateUser.
type UserCreate struct {
	Identity     string
	RoleSid      *string
	Attributes   *string
	FriendlyName *string
}

// Validate checks the input of CreateUser.
func (in UserCreate) Validate() error {
	if err := CheckIdentity(in.Identity); err != nil {
		return err
	}
	return UserUpdate{RoleSid: in.RoleSid, Attributes: in.Attributes, FriendlyName: in.FriendlyName}.Validate()
}

// UserUpdate is the input of UpdateUser: nil fields are left alone, and an
// empty FriendlyName clears it.
type UserUpdate struct {
	RoleSid      *string
	Attributes   *string
	FriendlyName *string
}

// Validate checks the input of UpdateUser.
func (in UserUpdate) Validate() error {
	if err := checkRoleSid(in.RoleSid); err != nil {
		return err
	}
	if in.FriendlyName != nil {
		if err := checkLen(*in.FriendlyName, MaxNameLength, CodeFriendlyNameTooLong); err != nil {
			return err
		}
	}
	return CheckAttributes(in.Attributes)
}

// UserService is the Users resource. Every key is a US SID or an identity.
type UserService interface {
	CreateUser(ctx context.Context, service string, in UserCreate) (*User, error)
	// FindUser also returns the User's reachability, nil when its Service
	// has reachability disabled.
	FindUser(ctx context.Context, service, key string) (*User, *Reachability, error)
	ListUsers(ctx context.Context, service string, p Page) ([]*User, Cursor, error)
	UpdateUser(ctx context.Context, service, key string, in UserUpdate) (*User, error)
	// DeleteUser removes the User and its memberships and invites.
	DeleteUser(ctx context.Context, service, key string) error
}
