package chat

import (
	"cmp"
	"context"
	"errors"
	"time"

	"github.com/chatd/chatd/accesstoken"
	"github.com/chatd/chatd/model"
)

// The development key: the stored API key MintToken signs with when no key
// is configured, created on first use and kept in the file (like the
// development Account credentials), so that tokens minted before a restart
// still verify after it.
const (
	settingDevAPIKey = "dev_api_key_sid"
	devAPIKeyName    = "chatd development key"
)

// Authenticate verifies an access token against the account's API keys
// (the configured one and those stored) and returns who it acts as. A token
// whose identity is not a valid one, or whose chat grant names a Service
// that does not exist, is 20106. The identity's first login creates its
// User, with the grant's deployment_role_sid (which must be a Service role
// of that Service, else 20106) or the Service's default service role; a
// User that exists keeps its role. Two first logins at once create one
// User. The first sign-in to a Service starts its Sync log.
func (c *Chat) Authenticate(ctx context.Context, token string) (*model.Principal, error) {
	verifier := accesstoken.Verifier{AccountSid: c.accountSid, Secret: c.APIKeySecret}
	t, err := verifier.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	var bad *model.Error
	if errors.As(model.CheckIdentity(t.Identity), &bad) {
		return nil, model.Errorf(model.CodeInvalidTokenGrants, "Access Token identity is not valid: %s", bad.Message)
	}
	p := &model.Principal{
		Identity:          t.Identity,
		ServiceSid:        t.Chat.ServiceSid,
		EndpointID:        t.Chat.EndpointID,
		PushCredentialSid: t.Chat.PushCredentialSid,
		KeySid:            t.KeySid,
		Expires:           t.Expires,
	}
	started := false
	err = c.store.View(ctx, func(tx model.Tx) (err error) {
		if p.User, err = loginUser(tx, p); err != nil {
			return err
		}
		started, err = tx.SyncLogStarted(p.ServiceSid)
		return err
	})
	if started || err != nil && !errors.Is(err, model.ErrNotFound) {
		return p, err
	}
	// The identity's first sign-in, or the Service's first of any client:
	// from now on, clients hold revisions of its objects, and its Sync log
	// keeps what they will need to catch up.
	err = c.update(ctx, func(tx model.Tx) (err error) {
		if p.User, err = c.firstLogin(ctx, tx, p, t.Chat.DeploymentRoleSid); err != nil {
			return err
		}
		return tx.StartSyncLog(p.ServiceSid)
	})
	if model.IsCode(err, model.CodeUserExists) {
		// Another first login of the identity created the User first.
		err = c.store.View(ctx, func(tx model.Tx) (err error) {
			p.User, err = loginUser(tx, p)
			return err
		})
	}
	return p, err
}

// loginUser finds the User p logs in as: ErrNotFound when its Service has
// none yet, 20106 when the Service itself does not exist.
func loginUser(tx model.Tx, p *model.Principal) (*model.User, error) {
	if _, err := tx.Service(p.ServiceSid); errors.Is(err, model.ErrNotFound) {
		return nil, model.Errorf(model.CodeInvalidTokenGrants, "Access Token chat grant names Service %s, which does not exist", p.ServiceSid)
	} else if err != nil {
		return nil, err
	}
	return tx.User(p.ServiceSid, p.Identity)
}

// firstLogin returns p's User, creating it when the Service has none yet.
func (c *Chat) firstLogin(ctx context.Context, tx model.Tx, p *model.Principal, role string) (*model.User, error) {
	u, err := loginUser(tx, p)
	if !errors.Is(err, model.ErrNotFound) {
		return u, err
	}
	s, err := tx.Service(p.ServiceSid)
	if err != nil {
		return nil, err
	}
	in := model.UserCreate{Identity: p.Identity}
	if role != "" {
		if err := checkRole(tx, s.Sid, role, model.RoleTypeDeployment, model.CodeDeploymentRoleNotFound); model.IsCode(err, model.CodeDeploymentRoleNotFound) {
			return nil, model.Errorf(model.CodeInvalidTokenGrants, "Access Token deployment_role_sid %s is not a Service role of %s", role, s.Sid)
		} else if err != nil {
			return nil, err
		}
		in.RoleSid = &role
	}
	return c.createUser(ctx, tx, s, in, "")
}

// MintToken makes an access token for identity in a Service, valid from now
// for in.TTL (one hour when zero, at most 24 hours), signed with the
// configured API key or else the file's development key. The identity is
// checked as a User's would be; its User is created when the token is first
// used, not here. An unknown Service is 50050.
func (c *Chat) MintToken(ctx context.Context, in model.TokenMint) (*model.MintedToken, error) {
	if err := model.CheckIdentity(in.Identity); err != nil {
		return nil, err
	}
	if in.ServiceSid == "" {
		return nil, model.MissingParam("ServiceSid")
	}
	ttl := cmp.Or(in.TTL, accesstoken.DefaultTTL)
	if ttl < time.Second || ttl > accesstoken.MaxLifetime {
		return nil, model.Errorf(model.CodeInvalidParameter, "Ttl must be between 1 second and %s", accesstoken.MaxLifetime)
	}
	keySid, secret, err := c.signingKey(ctx, in.ServiceSid)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	t := accesstoken.Token{
		KeySid:     keySid,
		AccountSid: c.accountSid,
		Identity:   in.Identity,
		Chat:       accesstoken.ChatGrant{ServiceSid: in.ServiceSid},
		IssuedAt:   now,
		NotBefore:  now,
		Expires:    now.Add(ttl.Truncate(time.Second)),
	}
	s, err := accesstoken.Mint(t, secret)
	if err != nil {
		return nil, err
	}
	return &model.MintedToken{Token: s, Identity: t.Identity, ServiceSid: in.ServiceSid, Expires: t.Expires}, nil
}

// signingKey checks that service exists (50050) and returns the key
// MintToken signs with: the configured one, else the development key,
// created when the file has none (or it was deleted).
func (c *Chat) signingKey(ctx context.Context, service string) (sid, secret string, err error) {
	read := func(tx model.Tx) (err error) {
		if _, err := tx.Service(service); errors.Is(err, model.ErrNotFound) {
			return model.Errorf(model.CodeServiceNotFound, "Service %s not found", service)
		} else if err != nil {
			return err
		}
		if c.apiKey.sid != "" {
			sid, secret = c.apiKey.sid, c.apiKey.secret
			return nil
		}
		sid, secret, err = devKey(tx)
		return err
	}
	if err = c.store.View(ctx, read); !errors.Is(err, model.ErrNotFound) {
		return sid, secret, err
	}
	err = c.update(ctx, func(tx model.Tx) error {
		if err := read(tx); !errors.Is(err, model.ErrNotFound) {
			return err
		}
		name := devAPIKeyName
		secret = newSecret()
		k, err := c.insertAPIKey(tx, &name, secret)
		if err != nil {
			return err
		}
		sid = k.Sid
		return tx.PutSetting(settingDevAPIKey, sid)
	})
	return sid, secret, err
}

// devKey returns the development key, or ErrNotFound when there is none.
func devKey(tx model.Tx) (sid, secret string, err error) {
	if sid, err = tx.Setting(settingDevAPIKey); err != nil {
		return "", "", err
	}
	if sid == "" {
		return "", "", model.ErrNotFound
	}
	secret, err = storedSecret(tx, sid)
	return sid, secret, err
}
