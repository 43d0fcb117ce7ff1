package model

import (
	"context"
	"slices"
	"time"
)

// PrefixCredential is the SID prefix of push Credentials.
const PrefixCredential = "CR"

// Push services of Credentials and Bindings.
const (
	PushAPN = "apn"
	PushGCM = "gcm"
	PushFCM = "fcm"
)

// PushServices are the valid Credential and Binding types.
var PushServices = []string{PushAPN, PushGCM, PushFCM}

// Credential is an account-level push credential (CR…), shared by v1 and v2.
// Its secrets are write-only: they are stored and never rendered.
type Credential struct {
	Sid          string
	FriendlyName *string
	Type         string
	Sandbox      bool
	DateCreated  time.Time
	DateUpdated  time.Time

	// Write-only secrets, by type: Certificate and PrivateKey (apn),
	// ApiKey (gcm), Secret (fcm).
	Certificate string
	PrivateKey  string
	ApiKey      string
	Secret      string
}

// CredentialCreate is the input of CreateCredential.
type CredentialCreate struct {
	Type string
	CredentialUpdate
}

// CredentialUpdate is the input of UpdateCredential: nil fields are left
// alone. The type of a Credential never changes.
type CredentialUpdate struct {
	FriendlyName *string
	Certificate  *string
	PrivateKey   *string
	Sandbox      *bool
	ApiKey       *string
	Secret       *string
}

// MaxCredentialNameLength is the longest FriendlyName of a Credential: the
// spec's "up to 64 characters" on both create and update. Unlike the 256
// allowed for Chat resources' names (see MaxNameLength), this limit is taken
// from the spec as written, answered with 50003.
const MaxCredentialNameLength = 64

// Validate checks the input of CreateCredential: Type is required
// (20001 "Missing required parameter") and must be one of PushServices
// (20001 invalid value); the other fields are checked as on an update.
func (in CredentialCreate) Validate() error {
	if in.Type == "" {
		return MissingParam("Type")
	}
	if !slices.Contains(PushServices, in.Type) {
		return InvalidParam("Type", in.Type)
	}
	return in.CredentialUpdate.Validate()
}

// Validate checks the input of UpdateCredential. Only FriendlyName has a
// published limit; the secrets are opaque to Twilio's API (a PEM or a key
// string) and are stored as sent.
func (in CredentialUpdate) Validate() error {
	if in.FriendlyName != nil {
		return checkLen(*in.FriendlyName, MaxCredentialNameLength, CodeFriendlyNameTooLong)
	}
	return nil
}

// CredentialService is the Credentials resource (/v1 and /v2 Credentials).
// Credentials are account-level: v1 and v2 are two views of the same set.
// A sid that names no Credential (including one that is not a CR SID at
// all) is 20404.
type CredentialService interface {
	CreateCredential(ctx context.Context, in CredentialCreate) (*Credential, error)
	FindCredential(ctx context.Context, sid string) (*Credential, error)
	// ListCredentials lists in creation (SID) order.
	ListCredentials(ctx context.Context, p Page) ([]*Credential, Cursor, error)
	// UpdateCredential changes only the fields given; never the Type.
	UpdateCredential(ctx context.Context, sid string, in CredentialUpdate) (*Credential, error)
	DeleteCredential(ctx context.Context, sid string) error
}
