package model

import (
	"context"
	"time"
)

// APIKey is an account-level API key (SK…): with its secret it signs the
// access tokens of first-person clients. The secret is shown once, when
// the key is created, and never rendered again.
type APIKey struct {
	Sid          string
	FriendlyName *string
	// SealedSecret is the secret encrypted and authenticated by the rules
	// layer; a Store keeps it as opaque bytes. (Tokens are signed with
	// HMAC, so a verifier needs the secret itself: a hash would not do.)
	SealedSecret []byte
	DateCreated  time.Time
	DateUpdated  time.Time
}

// APIKeyCreate is the input of CreateAPIKey.
type APIKeyCreate struct {
	FriendlyName *string
}

// MaxAPIKeyNameLength is the longest FriendlyName of an API key (Twilio's
// Keys resource allows 64 characters), answered with 50003.
const MaxAPIKeyNameLength = 64

// Validate checks the input of CreateAPIKey.
func (in APIKeyCreate) Validate() error {
	if in.FriendlyName != nil {
		return checkLen(*in.FriendlyName, MaxAPIKeyNameLength, CodeFriendlyNameTooLong)
	}
	return nil
}

// APIKeyService is the API keys kept in the file (/_chatd/keys and the
// chatd keys command). A sid that names no stored key, including one that
// is not an SK SID at all, is 20404.
type APIKeyService interface {
	// CreateAPIKey stores a new key and returns it with its secret, which
	// no other operation returns.
	CreateAPIKey(ctx context.Context, in APIKeyCreate) (*APIKey, string, error)
	FindAPIKey(ctx context.Context, sid string) (*APIKey, error)
	// ListAPIKeys lists in creation (SID) order.
	ListAPIKeys(ctx context.Context, p Page) ([]*APIKey, Cursor, error)
	// DeleteAPIKey removes the key: tokens it signed are refused from then
	// on (20103).
	DeleteAPIKey(ctx context.Context, sid string) error
	// VerifyAPIKey reports whether secret is the secret of the API key sid,
	// the configured one or a stored one (HTTP Basic authentication with an
	// API key). An unknown key is false, not an error.
	VerifyAPIKey(ctx context.Context, sid, secret string) (bool, error)
}
