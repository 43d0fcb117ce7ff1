package model

import (
	"context"
	"time"
)

// Principal is the identity a first-person client acts as: what its access
// token grants, and the User it logs in as. Permission checks read the
// User's and its Members' roles afresh, so a role changed over REST holds
// at once, whatever User.RoleSid says here.
type Principal struct {
	Identity   string
	ServiceSid string
	User       *User
	// From the token's chat grant; "" when absent.
	EndpointID        string
	PushCredentialSid string
	// KeySid is the API key that signed the token; Expires its exp.
	KeySid  string
	Expires time.Time
}

// TokenMint is the input of MintToken.
type TokenMint struct {
	Identity   string
	ServiceSid string
	// TTL is the token's lifetime: one hour when zero, at most 24 hours.
	TTL time.Duration
}

// MintedToken is an access token made by chatd, with what it grants.
type MintedToken struct {
	Token      string
	Identity   string
	ServiceSid string
	Expires    time.Time
}

// TokenService is the first-person login: access tokens in and out.
type TokenService interface {
	// Authenticate verifies an access token (20101, 20103, 20104, 20105,
	// 20106, 20157, all 401) and returns who it acts as, creating the
	// identity's User on its first login.
	Authenticate(ctx context.Context, token string) (*Principal, error)
	// MintToken makes a token for development and test suites (chatd token,
	// POST /_chatd/tokens), signed with a key chatd knows.
	MintToken(ctx context.Context, in TokenMint) (*MintedToken, error)
}
