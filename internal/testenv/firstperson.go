package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client/jwt"
)

// TokenOption changes a token Env.Token mints before it is signed: its
// parameters (another key or secret, a lifetime, an expiry) or its chat
// grant (a deployment role).
type TokenOption func(*jwt.AccessTokenParams, *jwt.ChatGrant)

// SignedWith signs the token with the API key keySid and secret instead of
// the Env's.
func SignedWith(keySid, secret string) TokenOption {
	return func(p *jwt.AccessTokenParams, _ *jwt.ChatGrant) { p.SigningKeySid, p.Secret = keySid, secret }
}

// Lifetime makes the token live d from now instead of an hour.
func Lifetime(d time.Duration) TokenOption {
	return func(p *jwt.AccessTokenParams, _ *jwt.ChatGrant) { p.Ttl = d.Seconds() }
}

// ExpiresAt gives the token the expiry (exp) at.
func ExpiresAt(at time.Time) TokenOption {
	return func(p *jwt.AccessTokenParams, _ *jwt.ChatGrant) { p.ValidUntil = float64(at.Unix()) }
}

// Push puts a push credential and an endpoint id in the chat grant
// (push_credential_sid, endpoint_id), as an app does for a client that
// registers for push; either may be "".
func Push(credentialSid, endpointID string) TokenOption {
	return func(_ *jwt.AccessTokenParams, g *jwt.ChatGrant) {
		g.PushCredentialSid, g.EndpointID = credentialSid, endpointID
	}
}

// DeploymentRole puts the Service role sid in the chat grant
// (deployment_role_sid), the role a new identity's User gets.
func DeploymentRole(sid string) TokenOption {
	return func(_ *jwt.AccessTokenParams, g *jwt.ChatGrant) { g.DeploymentRoleSid = sid }
}

// Token mints an access token for identity in the Service service (an IS
// SID) as an app's server mints one, with twilio-go's client/jwt: an
// AccessToken with a ChatGrant, signed with the Env's API key, for the
// helper library's default hour unless opts say otherwise.
func (e *Env) Token(t testing.TB, identity, service string, opts ...TokenOption) string {
	t.Helper()
	params := jwt.AccessTokenParams{
		AccountSid:    e.AccountSid,
		SigningKeySid: e.APIKeySid,
		Secret:        e.APIKeySecret,
		Identity:      identity,
	}
	grant := &jwt.ChatGrant{ServiceSid: service}
	for _, opt := range opts {
		opt(&params, grant)
	}
	tok := jwt.CreateAccessToken(params)
	tok.AddGrant(grant)
	s, err := tok.ToJwt()
	if err != nil {
		t.Fatalf("testenv: mint a token for %s: %v", identity, err)
	}
	return s
}

// FirstPerson is a client of the Client API (/Client/v1) of an Env: an
// identity with its access token, sending what the client SDKs send, JSON
// bodies with the token in X-Twilio-Token.
type FirstPerson struct {
	api      *API
	Identity string
	// Token is sent in X-Twilio-Token; an empty one sends none.
	Token string
}

// As returns the first-person client of identity in the Service service
// (an IS SID), with a token from Token(t, identity, service, opts...).
func (e *Env) As(t testing.TB, identity, service string, opts ...TokenOption) *FirstPerson {
	t.Helper()
	return &FirstPerson{api: &e.API, Identity: identity, Token: e.Token(t, identity, service, opts...)}
}

// Do sends a request as the client: path is relative to the Env's URL
// (/Client/v1/Configuration) or an absolute URL (from links); body, when
// not nil, is sent as JSON; header comes in name, value pairs
// (X-Twilio-Mutation-Id, Origin …). The test fails if the request cannot
// be sent or a non-empty answer is not a JSON object.
func (c *FirstPerson) Do(t testing.TB, method, path string, body any, header ...string) *Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.api.Target(path), rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	if c.Token != "" {
		req.Header.Set("X-Twilio-Token", c.Token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.api.Send(t, req)
}

// Must sends a request with Do and fails the test unless the status is
// want. It returns the answer.
func (c *FirstPerson) Must(t testing.TB, want int, method, path string, body any, header ...string) *Response {
	t.Helper()
	r := c.Do(t, method, path, body, header...)
	if r.Status != want {
		t.Fatalf("%s %s as %s: status %d, want %d\n%s", method, path, c.Identity, r.Status, want, r.Raw)
	}
	return r
}

// Str is the string field key of r's body: "" when it is absent or not a
// string.
func (r *Response) Str(key string) string {
	s, _ := r.Body[key].(string)
	return s
}

// SignIn signs identity in to service as a client does when it connects,
// with a request of the Client API, and returns the client. A Service's
// first sign-in starts its Sync log: the writes after it append the events
// that clients replay.
func (e *Env) SignIn(t testing.TB, identity, service string) *FirstPerson {
	t.Helper()
	c := e.As(t, identity, service)
	c.Must(t, http.StatusOK, http.MethodGet, "/Client/v1/Configuration", nil)
	return c
}
