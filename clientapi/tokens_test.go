package clientapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client/jwt"

	"github.com/chatd/chatd/internal/testenv"
)

// TestTokens refuses the tokens Twilio refuses, each with its code, on the
// Client API, and creates no User for them.
func TestTokens(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name string
		edit testenv.TokenOption
		code int
	}{
		{"wrong signature", testenv.SignedWith(e.APIKeySid, "some other secret"), 20101},
		{"unknown key", testenv.SignedWith("SK00000000000000000000000000000009", e.APIKeySecret), 20103},
		{"expired", testenv.ExpiresAt(time.Now().Add(-time.Minute)), 20104},
		{"25 hour lifetime", testenv.Lifetime(25 * time.Hour), 20157},
	} {
		t.Run(c.name, func(t *testing.T) {
			alice := e.As(t, "alice", e.service, c.edit)
			wantError(t, alice.Do(t, http.MethodGet, path("/Configuration"), nil), http.StatusUnauthorized, c.code)
			wantError(t, alice.Do(t, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "x"}), http.StatusUnauthorized, c.code)
		})
	}
	t.Run("missing or not a JWT", func(t *testing.T) {
		alice := e.as(t, "alice")
		for _, token := range []string{"", "not-a-token"} {
			alice.Token = token
			wantError(t, alice.Do(t, http.MethodGet, path("/Configuration"), nil), http.StatusUnauthorized, 20101)
		}
	})
	if _, err := e.rest.FetchUser(e.service, "alice"); err == nil {
		t.Error("a refused token created its User")
	}
	// The same token with the right key is accepted: the refusals above
	// were the tokens' own.
	e.as(t, "alice").Must(t, http.StatusOK, http.MethodGet, path("/Configuration"), nil)
}

// TestTokenGrants accepts the legacy ip_messaging grant of older helper
// libraries, and gives a new identity the grant's deployment role.
func TestTokenGrants(t *testing.T) {
	e := newEnv(t)
	legacy := jwt.CreateAccessToken(jwt.AccessTokenParams{
		AccountSid: e.AccountSid, SigningKeySid: e.APIKeySid, Secret: e.APIKeySecret, Identity: "carol",
	})
	legacy.AddGrant(&jwt.IpMessagingGrant{ServiceSid: e.service})
	token, err := legacy.ToJwt()
	if err != nil {
		t.Fatal(err)
	}
	carol := e.as(t, "carol")
	carol.Token = token
	if r := carol.Must(t, http.StatusOK, http.MethodGet, path("/Configuration"), nil); r.Str("identity") != "carol" {
		t.Errorf("Configuration with an ip_messaging grant = %s", r.Raw)
	}

	roles, err := e.rest.ListRole(e.service, nil)
	if err != nil {
		t.Fatal(err)
	}
	var admin string
	for _, r := range roles {
		if *r.FriendlyName == "service admin" {
			admin = *r.Sid
		}
	}
	alice := e.as(t, "alice")
	ch := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"}).Str("sid")
	boss := e.As(t, "boss", e.service, testenv.DeploymentRole(admin))
	// The service admin destroys a channel it is no member of, which a
	// service user may not.
	wantError(t, carol.Do(t, http.MethodDelete, path("/Conversations/"+ch), nil), http.StatusForbidden, 50107)
	boss.Must(t, http.StatusNoContent, http.MethodDelete, path("/Conversations/"+ch), nil)
	if u, err := e.rest.FetchUser(e.service, "boss"); err != nil || *u.RoleSid != admin {
		t.Errorf("boss over REST = %+v, %v; want the service admin role", u, err)
	}
}

// TestStoredKeys signs tokens with a key kept in the file: accepted while
// the key lives, 20103 once it is deleted.
func TestStoredKeys(t *testing.T) {
	e := newEnv(t)
	key := e.Create(t, "/_chatd/keys", testenv.Form("FriendlyName", "app server"))
	sid, secret := strOf(key["sid"]), strOf(key["secret"])
	alice := e.As(t, "alice", e.service, testenv.SignedWith(sid, secret))
	alice.Must(t, http.StatusOK, http.MethodGet, path("/Configuration"), nil)
	e.Delete(t, "/_chatd/keys/"+sid)
	wantError(t, alice.Do(t, http.MethodGet, path("/Configuration"), nil), http.StatusUnauthorized, 20103)
}
