package model

import (
	"context"
	"slices"
	"time"
)

// PrefixBinding is the SID prefix of push Bindings.
const PrefixBinding = "BS"

// Push message types a Binding can subscribe to.
var BindingMessageTypes = []string{"new_message", "added_to_channel", "invited_to_channel", "removed_from_channel"}

// MaxEndpointLength bounds a Binding's endpoint. Twilio publishes no limit;
// real endpoints (an endpoint id joined with an APNs or FCM device token) are
// a few hundred characters at most, and the bound keeps the endpoint within
// what a storage engine can index.
const MaxEndpointLength = 1024

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

// Validate checks the input of CreateBinding: an identity as for any User,
// a binding type of PushServices (50209), an endpoint, a CR SID for the
// credential (whether it exists is the rules layer's check) and message
// types from BindingMessageTypes (20001). Empty MessageTypes means all four.
func (in BindingCreate) Validate() error {
	if err := CheckIdentity(in.Identity); err != nil {
		return err
	}
	if in.BindingType == "" {
		return MissingParam("BindingType")
	}
	if err := CheckBindingTypes([]string{in.BindingType}); err != nil {
		return err
	}
	if in.Endpoint == "" {
		return MissingParam("Endpoint")
	}
	if err := checkLen(in.Endpoint, MaxEndpointLength, CodeInvalidParameter); err != nil {
		return err
	}
	if in.CredentialSid == "" {
		return MissingParam("CredentialSid")
	}
	if !IsSID(PrefixCredential, in.CredentialSid) {
		return InvalidParam("CredentialSid", in.CredentialSid)
	}
	for _, t := range in.MessageTypes {
		if !slices.Contains(BindingMessageTypes, t) {
			return InvalidParam("MessageTypes", t)
		}
	}
	return nil
}

// CheckBindingTypes rejects a binding type that is not one of PushServices
// with Twilio's 50209, on create and in the BindingType list filter alike.
func CheckBindingTypes(types []string) error {
	for _, t := range types {
		if !slices.Contains(PushServices, t) {
			return Errorf(CodeInvalidBindingType, "Invalid binding type %q: must be one of apn, gcm, fcm", t)
		}
	}
	return nil
}

// BindingFilter narrows a Binding list to some types and identities (all
// when empty).
type BindingFilter struct {
	Types      []string
	Identities []string
}

// Validate checks the filter's binding types (50209).
func (f BindingFilter) Validate() error { return CheckBindingTypes(f.Types) }

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
