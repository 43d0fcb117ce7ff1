package model

import (
	"context"
	"time"
)

// PrefixBinding is the SID prefix of push Bindings.
const PrefixBinding = "BS"

// Push message types a Binding can subscribe to.
var BindingMessageTypes = []string{"new_message", "added_to_channel", "invited_to_channel", "removed_from_channel"}

// Binding is a User's registration of one device for push notifications
// (BS…). Twilio creates Bindings when a client SDK registers; chatd creates
// them through its own /_chatd/ route so fixtures and tests can hold them.
type Binding struct {
	Sid           string
	ServiceSid    string
	UserSid       string
	Identity      string
	Endpoint      string
	BindingType   string
	CredentialSid string
	MessageTypes  []string
	DateCreated   time.Time
	DateUpdated   time.Time
}

// BindingCreate is the input of CreateBinding.
type BindingCreate struct {
	Identity      string
	BindingType   string
	Endpoint      string
	CredentialSid string
	MessageTypes  []string
}

// BindingFilter narrows a Binding list to some types and identities (all
// when empty).
type BindingFilter struct {
	Types      []string
	Identities []string
}

// BindingService is the Bindings resource, at service level and per User.
type BindingService interface {
	// CreateBinding registers a device (chatd's stand-in for an SDK
	// registration): a Binding with the same type and endpoint is replaced,
	// keeping its SID; created reports whether it is new.
	CreateBinding(ctx context.Context, service string, in BindingCreate) (b *Binding, created bool, err error)
	FindBinding(ctx context.Context, service, sid string) (*Binding, error)
	ListBindings(ctx context.Context, service string, f BindingFilter, p Page) ([]*Binding, Cursor, error)
	DeleteBinding(ctx context.Context, service, sid string) error

	// The per-User forms: user is a US SID or an identity.
	FindUserBinding(ctx context.Context, service, user, sid string) (*Binding, error)
	ListUserBindings(ctx context.Context, service, user string, types []string, p Page) ([]*Binding, Cursor, error)
	DeleteUserBinding(ctx context.Context, service, user, sid string) error
}
