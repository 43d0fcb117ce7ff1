package model

import (
	"context"
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

// CredentialService is the Credentials resource (/v1 and /v2 Credentials).
type CredentialService interface {
	CreateCredential(ctx context.Context, in CredentialCreate) (*Credential, error)
	FindCredential(ctx context.Context, sid string) (*Credential, error)
	ListCredentials(ctx context.Context, p Page) ([]*Credential, Cursor, error)
	UpdateCredential(ctx context.Context, sid string, in CredentialUpdate) (*Credential, error)
	DeleteCredential(ctx context.Context, sid string) error
}
