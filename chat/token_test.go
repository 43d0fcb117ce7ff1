package chat

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	twjwt "github.com/twilio/twilio-go/client/jwt"

	"github.com/chatd/chatd/model"
)

// appToken mints a token the way an app's server does, with twilio-go's
// AccessToken, for identity in service, signed by key.
func appToken(t *testing.T, key, secret, identity string, grant twjwt.ChatGrant) string {
	t.Helper()
	tok := twjwt.CreateAccessToken(twjwt.AccessTokenParams{
		AccountSid: testAccount, SigningKeySid: key, Secret: secret, Identity: identity,
		Grants: []twjwt.BaseGrant{&grant},
	})
	s, err := tok.ToJwt()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustService(t *testing.T, c *Chat) *model.Service {
	t.Helper()
	s, err := c.CreateService(context.Background(), model.ServiceCreate{FriendlyName: "app"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	c := newChat(t)
	s := mustService(t, c)
	key, secret, err := c.CreateAPIKey(ctx, model.APIKeyCreate{})
	if err != nil {
		t.Fatal(err)
	}
	admin := ""
	roles, _, _ := c.ListRoles(ctx, s.Sid, model.Page{Size: 50})
	for _, r := range roles {
		if r.FriendlyName == "service admin" {
			admin = r.Sid
		}
	}

	t.Run("FirstLoginCreatesTheUser", func(t *testing.T) {
		p, err := c.Authenticate(ctx, appToken(t, key.Sid, secret, "alice", twjwt.ChatGrant{
			ServiceSid: s.Sid, EndpointID: "alice:web", PushCredentialSid: "CR00000000000000000000000000000001",
		}))
		if err != nil {
			t.Fatal(err)
		}
		if p.Identity != "alice" || p.ServiceSid != s.Sid || p.KeySid != key.Sid || p.EndpointID != "alice:web" ||
			p.PushCredentialSid != "CR00000000000000000000000000000001" || !p.Expires.After(time.Now()) {
			t.Errorf("Principal = %+v", p)
		}
		if p.User == nil || p.User.Identity != "alice" || p.User.RoleSid != s.DefaultServiceRoleSid {
			t.Fatalf("User = %+v, want alice with the default service role", p.User)
		}
		u, _, err := c.FindUser(ctx, s.Sid, "alice")
		if err != nil || u.Sid != p.User.Sid {
			t.Errorf("FindUser(alice) = %+v, %v; want %s", u, err, p.User.Sid)
		}
		again, err := c.Authenticate(ctx, appToken(t, key.Sid, secret, "alice", twjwt.ChatGrant{ServiceSid: s.Sid}))
		if err != nil || again.User.Sid != p.User.Sid {
			t.Errorf("second login = %+v, %v; want the same User %s", again, err, p.User.Sid)
		}
	})
	t.Run("DeploymentRoleOnFirstLoginOnly", func(t *testing.T) {
		p, err := c.Authenticate(ctx, appToken(t, key.Sid, secret, "root", twjwt.ChatGrant{ServiceSid: s.Sid, DeploymentRoleSid: admin}))
		if err != nil || p.User.RoleSid != admin {
			t.Fatalf("login with deployment_role_sid = %+v, %v; want role %s", p, err, admin)
		}
		// alice exists already: her role is the Service's to change, not the token's.
		p, err = c.Authenticate(ctx, appToken(t, key.Sid, secret, "alice", twjwt.ChatGrant{ServiceSid: s.Sid, DeploymentRoleSid: admin}))
		if err != nil || p.User.RoleSid != s.DefaultServiceRoleSid {
			t.Errorf("existing User with deployment_role_sid = %+v, %v; want the role she had", p, err)
		}
	})
	t.Run("LegacyGrant", func(t *testing.T) {
		tok := twjwt.CreateAccessToken(twjwt.AccessTokenParams{
			AccountSid: testAccount, SigningKeySid: key.Sid, Secret: secret, Identity: "old",
			Grants: []twjwt.BaseGrant{&twjwt.IpMessagingGrant{ServiceSid: s.Sid}},
		})
		jwt, _ := tok.ToJwt()
		if p, err := c.Authenticate(ctx, jwt); err != nil || p.User.Identity != "old" {
			t.Errorf("ip_messaging grant: %+v, %v", p, err)
		}
	})
	t.Run("ConfiguredKey", func(t *testing.T) {
		if _, err := c.Authenticate(ctx, appToken(t, configuredKey, configuredSec, "bob", twjwt.ChatGrant{ServiceSid: s.Sid})); err != nil {
			t.Errorf("token of the configured key: %v", err)
		}
	})
	t.Run("Refusals", func(t *testing.T) {
		other := mustService(t, c)
		if err := c.DeleteService(ctx, other.Sid); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name  string
			token string
			code  int
		}{
			{"ErrWrongSecret", appToken(t, key.Sid, "not the secret", "carol", twjwt.ChatGrant{ServiceSid: s.Sid}), 20101},
			{"ErrUnknownKey", appToken(t, "SK00000000000000000000000000000099", secret, "carol", twjwt.ChatGrant{ServiceSid: s.Sid}), 20103},
			{"ErrUnknownService", appToken(t, key.Sid, secret, "carol", twjwt.ChatGrant{ServiceSid: other.Sid}), 20106},
			{"ErrRoleNotAServiceRole", appToken(t, key.Sid, secret, "carol", twjwt.ChatGrant{ServiceSid: s.Sid, DeploymentRoleSid: s.DefaultChannelRoleSid}), 20106},
			{"ErrRoleUnknown", appToken(t, key.Sid, secret, "carol", twjwt.ChatGrant{ServiceSid: s.Sid, DeploymentRoleSid: "RL00000000000000000000000000000099"}), 20106},
			{"ErrIdentityLooksLikeUserSid", appToken(t, key.Sid, secret, "US00000000000000000000000000000001", twjwt.ChatGrant{ServiceSid: s.Sid}), 20106},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := c.Authenticate(ctx, tt.token)
				wantCode(t, "Authenticate", err, tt.code)
			})
		}
		if _, _, err := c.FindUser(ctx, s.Sid, "carol"); !model.IsCode(err, 20404) {
			t.Errorf("a refused login created carol: %v", err)
		}
	})
	t.Run("DeletedKeyIsRefused", func(t *testing.T) {
		k, sec, err := c.CreateAPIKey(ctx, model.APIKeyCreate{})
		if err != nil {
			t.Fatal(err)
		}
		tok := appToken(t, k.Sid, sec, "dave", twjwt.ChatGrant{ServiceSid: s.Sid})
		if _, err := c.Authenticate(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteAPIKey(ctx, k.Sid); err != nil {
			t.Fatal(err)
		}
		_, err = c.Authenticate(ctx, tok)
		wantCode(t, "Authenticate with a deleted key", err, 20103)
	})
}

// TestAuthenticateConcurrentFirstLogins checks that logins racing to create
// one identity's User all succeed, as the same User.
func TestAuthenticateConcurrentFirstLogins(t *testing.T) {
	ctx := context.Background()
	c := newChat(t)
	s := mustService(t, c)
	tok := appToken(t, configuredKey, configuredSec, "erin", twjwt.ChatGrant{ServiceSid: s.Sid})
	const n = 8
	users := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := c.Authenticate(ctx, tok)
			if errs[i] = err; err == nil {
				users[i] = p.User.Sid
			}
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || users[i] != users[0] {
			t.Errorf("login %d: User %s, %v; want %s", i, users[i], errs[i], users[0])
		}
	}
	all, _, err := c.ListUsers(ctx, s.Sid, model.Page{Size: 50})
	if err != nil || len(all) != 1 {
		t.Errorf("Users = %d, %v; want 1", len(all), err)
	}
}

func TestMintToken(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "chatd.db")
	st, c := openDevChat(t, path)
	s := mustService(t, c)

	first, err := c.MintToken(ctx, model.TokenMint{Identity: "alice", ServiceSid: s.Sid})
	if err != nil {
		t.Fatal(err)
	}
	if first.Identity != "alice" || first.ServiceSid != s.Sid || !first.Expires.After(time.Now().Add(59*time.Minute)) {
		t.Errorf("MintToken = %+v, want alice for an hour", first)
	}
	p, err := c.Authenticate(ctx, first.Token)
	if err != nil {
		t.Fatalf("Authenticate(MintToken): %v", err)
	}
	keys, _, err := c.ListAPIKeys(ctx, model.Page{Size: 50})
	if err != nil || len(keys) != 1 || keys[0].Sid != p.KeySid || *keys[0].FriendlyName != devAPIKeyName {
		t.Fatalf("API keys after the first mint = %v, %v; want the development key %s", keys, err, p.KeySid)
	}

	// The development key is kept: for the next token, and across a restart.
	second, err := c.MintToken(ctx, model.TokenMint{Identity: "bob", ServiceSid: s.Sid, TTL: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if p2, err := c.Authenticate(ctx, second.Token); err != nil || p2.KeySid != p.KeySid {
		t.Errorf("second token: %+v, %v; want signed by %s", p2, err, p.KeySid)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	_, c = openDevChat(t, path)
	if _, err := c.Authenticate(ctx, first.Token); err != nil {
		t.Errorf("a token minted before a restart: %v", err)
	}
	third, err := c.MintToken(ctx, model.TokenMint{Identity: "alice", ServiceSid: s.Sid})
	if err != nil {
		t.Fatal(err)
	}
	if p3, err := c.Authenticate(ctx, third.Token); err != nil || p3.KeySid != p.KeySid {
		t.Errorf("after a restart: %+v, %v; want signed by %s", p3, err, p.KeySid)
	}

	t.Run("ADeletedDevelopmentKeyIsReplaced", func(t *testing.T) {
		if err := c.DeleteAPIKey(ctx, p.KeySid); err != nil {
			t.Fatal(err)
		}
		_, err := c.Authenticate(ctx, first.Token)
		wantCode(t, "a token of the deleted development key", err, 20103)
		fresh, err := c.MintToken(ctx, model.TokenMint{Identity: "alice", ServiceSid: s.Sid})
		if err != nil {
			t.Fatal(err)
		}
		if p4, err := c.Authenticate(ctx, fresh.Token); err != nil || p4.KeySid == p.KeySid {
			t.Errorf("after deleting the development key: %+v, %v; want a new key", p4, err)
		}
	})
	t.Run("ConfiguredKeySigns", func(t *testing.T) {
		cc := newChat(t) // configured with configuredKey
		svc := mustService(t, cc)
		m, err := cc.MintToken(ctx, model.TokenMint{Identity: "alice", ServiceSid: svc.Sid})
		if err != nil {
			t.Fatal(err)
		}
		if p, err := cc.Authenticate(ctx, m.Token); err != nil || p.KeySid != configuredKey {
			t.Errorf("with a configured key: %+v, %v; want signed by %s", p, err, configuredKey)
		}
		if keys, _, _ := cc.ListAPIKeys(ctx, model.Page{Size: 50}); len(keys) != 0 {
			t.Errorf("a development key was created although a key is configured: %v", keys)
		}
	})
	t.Run("Refusals", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			in   model.TokenMint
			code int
		}{
			{"ErrNoIdentity", model.TokenMint{ServiceSid: s.Sid}, 20001},
			{"ErrIdentityLooksLikeUserSid", model.TokenMint{Identity: "US00000000000000000000000000000001", ServiceSid: s.Sid}, 50206},
			{"ErrNoService", model.TokenMint{Identity: "alice"}, 20001},
			{"ErrUnknownService", model.TokenMint{Identity: "alice", ServiceSid: "IS00000000000000000000000000000099"}, 50050},
			{"ErrTTLOver24h", model.TokenMint{Identity: "alice", ServiceSid: s.Sid, TTL: 24*time.Hour + time.Second}, 20001},
			{"ErrNegativeTTL", model.TokenMint{Identity: "alice", ServiceSid: s.Sid, TTL: -time.Hour}, 20001},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := c.MintToken(ctx, tt.in)
				wantCode(t, "MintToken", err, tt.code)
			})
		}
	})
}

// openDevChat opens Chat at path without a configured key, so that
// MintToken uses the development key.
func openDevChat(t *testing.T, path string) (model.Store, *Chat) {
	t.Helper()
	_, st := openChat(t, path)
	return st, New(st, Options{AccountSid: testAccount})
}
