// Package accesstoken reads and writes Twilio access tokens, the credentials
// with which the client SDKs act as one identity: JWTs signed with HMAC by
// the secret of an API key (SK…) of the account, with the header
// {"typ":"JWT","alg":"HS256","cty":"twilio-fpa;v=1"} and the claims
//
//	jti     <API key SID>-<issued-at unix seconds>
//	iss     the API key SID
//	sub     the Account SID
//	iat     issue time (optional; twilio-node sets it)
//	nbf     not-before time (optional; twilio-go, -python and -java set it)
//	exp     expiry time, at most 24 hours after nbf (or iat)
//	grants  {"identity": …, "chat": {"service_sid": IS…, "endpoint_id"?,
//	        "deployment_role_sid"?, "push_credential_sid"?}}
//
// Older helper libraries name the chat grant "ip_messaging"; both are read.
// Every refusal is a *model.Error whose code Twilio uses for it, all 401.
package accesstoken

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/chatd/chatd/model"
)

// ContentType is the cty header of every Twilio access token.
const ContentType = "twilio-fpa;v=1"

// Lifetimes: the helper libraries' default TTL, and the longest lifetime
// (exp minus nbf, or minus iat) Twilio accepts, 20157 beyond it.
const (
	DefaultTTL  = time.Hour
	MaxLifetime = 24 * time.Hour
)

// clockSkew is how far in the future a token's nbf may be and still be
// accepted. nbf is normally the moment the app's server minted the token,
// so a server whose clock runs a little ahead must not make fresh tokens
// fail with 20105. exp gets no such allowance: it is a deadline the app
// chose.
const clockSkew = time.Minute

// methods are the signing algorithms accepted: HMAC with SHA-256 (what every
// helper library uses by default), SHA-384 and SHA-512 (which twilio-node
// can be asked for). Any other alg, "none" and the RSA and ECDSA families
// included, is refused before a key is looked up, so a token can never
// choose how it is checked.
var methods = []string{"HS256", "HS384", "HS512"}

// ChatGrant is the chat grant of a token: the Service it logs in to and the
// optional device, role and push settings.
type ChatGrant struct {
	ServiceSid        string `json:"service_sid,omitempty"`
	EndpointID        string `json:"endpoint_id,omitempty"`
	DeploymentRoleSid string `json:"deployment_role_sid,omitempty"`
	PushCredentialSid string `json:"push_credential_sid,omitempty"`
}

// Token is what chatd reads from, or writes into, an access token. Times are
// whole seconds; a zero IssuedAt or NotBefore is a claim that is absent.
type Token struct {
	ID         string // jti
	KeySid     string // iss: the API key whose secret signs the token
	AccountSid string // sub
	Identity   string // grants.identity
	Chat       ChatGrant
	IssuedAt   time.Time
	NotBefore  time.Time
	Expires    time.Time
}

// claims is the JWT payload of an access token.
type claims struct {
	jwt.RegisteredClaims
	Grants grants `json:"grants"`
}

type grants struct {
	Identity    string     `json:"identity,omitempty"`
	Chat        *ChatGrant `json:"chat,omitempty"`
	IPMessaging *ChatGrant `json:"ip_messaging,omitempty"`
}

// Mint signs t with secret, the way Twilio's helper libraries do: HS256, the
// twilio-fpa content type, and, when t.ID is empty, the jti
// "<KeySid>-<IssuedAt unix seconds>". Absent times are left out.
func Mint(t Token, secret string) (string, error) {
	if t.ID == "" {
		t.ID = t.KeySid + "-" + strconv.FormatInt(t.IssuedAt.Unix(), 10)
	}
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			ID:        t.ID,
			Issuer:    t.KeySid,
			Subject:   t.AccountSid,
			IssuedAt:  numericDate(t.IssuedAt),
			NotBefore: numericDate(t.NotBefore),
			ExpiresAt: numericDate(t.Expires),
		},
		Grants: grants{Identity: t.Identity, Chat: &t.Chat},
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	tok.Header["cty"] = ContentType
	return tok.SignedString([]byte(secret))
}

func numericDate(t time.Time) *jwt.NumericDate {
	if t.IsZero() {
		return nil
	}
	return jwt.NewNumericDate(t)
}

// Verifier checks access tokens of one account.
type Verifier struct {
	// AccountSid is the account every token must be for (its sub).
	AccountSid string
	// Secret returns the secret of the API key keySid, or an error wrapping
	// model.ErrNotFound when the account has no such key. Any other error
	// is returned by Verify as it is. It is required.
	Secret func(ctx context.Context, keySid string) (string, error)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Verify checks raw and returns what it grants. The checks, in order, and
// the code of each refusal:
//
//   - 20101: not a JWT; no cty twilio-fpa;v=1; an alg other than HS256,
//     HS384 or HS512; a bad signature.
//   - 20103: iss is not an API key of the account, or sub not the account.
//   - 20104: no exp, or exp has passed.
//   - 20157: a lifetime over MaxLifetime.
//   - 20105: nbf is still in the future.
//   - 20106: no identity, or no chat grant naming a Service SID.
func (v Verifier) Verify(ctx context.Context, raw string) (*Token, error) {
	var (
		c      claims
		keyErr error // the refusal or failure of the key lookup
	)
	parser := jwt.NewParser(jwt.WithValidMethods(methods), jwt.WithoutClaimsValidation())
	tok, err := parser.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		var secret []byte
		secret, keyErr = v.secret(ctx, t, &c)
		return secret, keyErr
	})
	switch {
	case keyErr != nil:
		return nil, keyErr
	case err != nil:
		return nil, invalid(tok, err)
	}
	if c.Subject != v.AccountSid {
		return nil, model.Errorf(model.CodeInvalidTokenIssuer, "Access Token subject %q is not the account", c.Subject)
	}
	if err := v.checkTimes(&c.RegisteredClaims); err != nil {
		return nil, err
	}
	chat := c.Grants.Chat
	if chat == nil {
		chat = c.Grants.IPMessaging
	}
	switch {
	case c.Grants.Identity == "":
		return nil, model.Errorf(model.CodeInvalidTokenGrants, "Access Token grants have no identity")
	case chat == nil:
		return nil, model.Errorf(model.CodeInvalidTokenGrants, "Access Token grants have no chat grant")
	case !model.IsSID(model.PrefixService, chat.ServiceSid):
		return nil, model.Errorf(model.CodeInvalidTokenGrants, "Access Token chat grant has no valid service_sid")
	}
	return &Token{
		ID:         c.ID,
		KeySid:     c.Issuer,
		AccountSid: c.Subject,
		Identity:   c.Grants.Identity,
		Chat:       *chat,
		IssuedAt:   timeOf(c.IssuedAt),
		NotBefore:  timeOf(c.NotBefore),
		Expires:    timeOf(c.ExpiresAt),
	}, nil
}

// secret checks the header of t and finds the secret of its issuer. It runs
// after the parser has accepted the alg and before it checks the signature.
func (v Verifier) secret(ctx context.Context, t *jwt.Token, c *claims) ([]byte, error) {
	if cty, _ := t.Header["cty"].(string); cty != ContentType {
		return nil, model.Errorf(model.CodeInvalidAccessToken, "Access Token header cty is not %s", ContentType)
	}
	if !model.IsSID(model.PrefixAPIKey, c.Issuer) {
		return nil, model.Errorf(model.CodeInvalidTokenIssuer, "Access Token issuer %q is not an API key SID", c.Issuer)
	}
	secret, err := v.Secret(ctx, c.Issuer)
	if errors.Is(err, model.ErrNotFound) {
		return nil, model.Errorf(model.CodeInvalidTokenIssuer, "Access Token issuer %s is not an API key of the account", c.Issuer)
	}
	return []byte(secret), err
}

// checkTimes holds exp, the lifetime and nbf to the clock. The lifetime runs
// from nbf, else from iat, else from now.
func (v Verifier) checkTimes(c *jwt.RegisteredClaims) error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if c.ExpiresAt == nil {
		return model.Errorf(model.CodeAccessTokenExpired, "Access Token has no expiration time")
	}
	exp := c.ExpiresAt.Time
	if !now.Before(exp) {
		return model.E(model.CodeAccessTokenExpired)
	}
	start := now
	switch {
	case c.NotBefore != nil:
		start = c.NotBefore.Time
	case c.IssuedAt != nil:
		start = c.IssuedAt.Time
	}
	if exp.Sub(start) > MaxLifetime {
		return model.E(model.CodeTokenLifetimeTooLong)
	}
	if c.NotBefore != nil && now.Add(clockSkew).Before(c.NotBefore.Time) {
		return model.E(model.CodeAccessTokenNotYetValid)
	}
	return nil
}

// invalid is the 20101 of a token the JWT parser refused: tok is what it
// could read of it, possibly nothing.
func invalid(tok *jwt.Token, err error) *model.Error {
	switch {
	case tok == nil || errors.Is(err, jwt.ErrTokenMalformed):
		return model.Errorf(model.CodeInvalidAccessToken, "Access Token is not a well-formed JWT")
	case tok.Method == nil || !slices.Contains(methods, tok.Method.Alg()):
		alg, _ := tok.Header["alg"].(string)
		return model.Errorf(model.CodeInvalidAccessToken, "Access Token signing method %q is not accepted", alg)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return model.Errorf(model.CodeInvalidAccessToken, "Access Token signature is invalid")
	}
	return model.E(model.CodeInvalidAccessToken)
}

// timeOf is a claim's time in UTC, zero when the claim is absent.
func timeOf(d *jwt.NumericDate) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.Time.UTC()
}
