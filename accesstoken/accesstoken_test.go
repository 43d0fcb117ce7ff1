package accesstoken

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	twjwt "github.com/twilio/twilio-go/client/jwt"

	"github.com/chatd/chatd/model"
)

const (
	account    = "AC00000000000000000000000000000001"
	keySid     = "SK00000000000000000000000000000001"
	secret     = "0123456789abcdefABCDEF0123456789"
	otherKey   = "SK00000000000000000000000000000002"
	service    = "IS00000000000000000000000000000001"
	role       = "RL00000000000000000000000000000001"
	credential = "CR00000000000000000000000000000001"
)

// now is the verifier's clock in every test: tokens are minted with
// explicit times around it, so no test depends on the real clock.
var now = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// verifier knows one API key, keySid, of account.
func verifier() Verifier {
	return Verifier{
		AccountSid: account,
		Secret: func(_ context.Context, sid string) (string, error) {
			if sid == keySid {
				return secret, nil
			}
			return "", fmt.Errorf("key %s: %w", sid, model.ErrNotFound)
		},
		Now: func() time.Time { return now },
	}
}

// helper mints a token with twilio-go's AccessToken, as an app's server
// does. nbf and exp are absolute, relative to now.
type helper struct {
	account, key, secret, identity string
	nbf, exp                       time.Duration
	grants                         []twjwt.BaseGrant
}

func (h helper) mint(t *testing.T) string {
	t.Helper()
	tok := twjwt.CreateAccessToken(twjwt.AccessTokenParams{
		AccountSid:    h.account,
		SigningKeySid: h.key,
		Secret:        h.secret,
		Identity:      h.identity,
		Nbf:           float64(now.Add(h.nbf).Unix()),
		ValidUntil:    float64(now.Add(h.exp).Unix()),
		Grants:        h.grants,
	})
	s, err := tok.ToJwt()
	if err != nil {
		t.Fatalf("ToJwt: %v", err)
	}
	return s
}

// app is a helper minting a one-hour token for alice in service, as apps
// do by default; each test changes what it is about.
func app() helper {
	return helper{
		account: account, key: keySid, secret: secret, identity: "alice",
		nbf: 0, exp: time.Hour,
		grants: []twjwt.BaseGrant{&twjwt.ChatGrant{ServiceSid: service}},
	}
}

// raw signs claims and header fields with method and key, for the tokens
// no helper library makes.
func raw(t *testing.T, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("SignedString: %v", err)
	}
	return s
}

// rawClaims are the claims of app() as a map.
func rawClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"jti": keySid + "-1", "iss": keySid, "sub": account,
		"nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"grants": map[string]any{"identity": "alice", "chat": map[string]any{"service_sid": service}},
	}
}

func with(c jwt.MapClaims, edit func(jwt.MapClaims)) jwt.MapClaims {
	edit(c)
	return c
}

func cty() map[string]any { return map[string]any{"cty": ContentType} }

func TestVerify(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		token func(t *testing.T) string
		code  int // 0: accepted
	}{
		{"OK", app().mint, 0},
		{"LegacyIPMessagingGrant", helper{
			account: account, key: keySid, secret: secret, identity: "alice", exp: time.Hour,
			grants: []twjwt.BaseGrant{&twjwt.IpMessagingGrant{ServiceSid: service}},
		}.mint, 0},
		{"OtherGrantsAlongside", helper{
			account: account, key: keySid, secret: secret, identity: "alice", exp: time.Hour,
			grants: []twjwt.BaseGrant{&twjwt.VideoGrant{Room: "r"}, &twjwt.ChatGrant{ServiceSid: service}},
		}.mint, 0},
		{"LifetimeOfExactly24h", func(t *testing.T) string {
			h := app()
			h.exp = 24 * time.Hour
			return h.mint(t)
		}, 0},
		{"NotBeforeWithinClockSkew", func(t *testing.T) string {
			h := app()
			h.nbf = 30 * time.Second
			return h.mint(t)
		}, 0},
		{"HS512", func(t *testing.T) string {
			return raw(t, jwt.SigningMethodHS512, []byte(secret), cty(), rawClaims())
		}, 0},
		{"HS384", func(t *testing.T) string {
			return raw(t, jwt.SigningMethodHS384, []byte(secret), cty(), rawClaims())
		}, 0},
		{"LifetimeFromIatWithoutNbf", func(t *testing.T) string {
			return raw(t, jwt.SigningMethodHS256, []byte(secret), cty(), with(rawClaims(), func(c jwt.MapClaims) {
				delete(c, "nbf")
				c["iat"] = now.Unix()
			}))
		}, 0},

		{"ErrWrongSignature", func(t *testing.T) string {
			h := app()
			h.secret = "another secret entirely"
			return h.mint(t)
		}, 20101},
		{"ErrTamperedPayload", func(t *testing.T) string {
			parts := strings.Split(app().mint(t), ".")
			payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
			payload = []byte(strings.Replace(string(payload), `"alice"`, `"mallory"`, 1))
			parts[1] = base64.RawURLEncoding.EncodeToString(payload)
			return strings.Join(parts, ".")
		}, 20101},
		{"ErrAlgNone", func(t *testing.T) string {
			return raw(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, cty(), rawClaims())
		}, 20101},
		{"ErrRS256", func(t *testing.T) string {
			return raw(t, jwt.SigningMethodRS256, rsaKey, cty(), rawClaims())
		}, 20101},
		{"ErrUnknownAlg", func(t *testing.T) string {
			parts := strings.Split(app().mint(t), ".")
			parts[0] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"XS999","typ":"JWT","cty":"twilio-fpa;v=1"}`))
			return strings.Join(parts, ".")
		}, 20101},
		{"ErrNoContentType", func(t *testing.T) string {
			return raw(t, jwt.SigningMethodHS256, []byte(secret), nil, rawClaims())
		}, 20101},
		{"ErrOtherContentType", func(t *testing.T) string {
			return raw(t, jwt.SigningMethodHS256, []byte(secret), map[string]any{"cty": "JWT"}, rawClaims())
		}, 20101},
		{"ErrEmpty", func(*testing.T) string { return "" }, 20101},
		{"ErrNotAJWT", func(*testing.T) string { return "not a token" }, 20101},
		{"ErrTwoSegments", func(t *testing.T) string {
			parts := strings.Split(app().mint(t), ".")
			return parts[0] + "." + parts[1]
		}, 20101},
		{"ErrExpNotANumber", func(t *testing.T) string {
			return raw(t, jwt.SigningMethodHS256, []byte(secret), cty(), with(rawClaims(), func(c jwt.MapClaims) { c["exp"] = "tomorrow" }))
		}, 20101},

		{"ErrUnknownKey", func(t *testing.T) string {
			h := app()
			h.key = otherKey
			return h.mint(t)
		}, 20103},
		{"ErrIssuerNotAKey", func(t *testing.T) string {
			h := app()
			h.key = account
			return h.mint(t)
		}, 20103},
		{"ErrWrongAccount", func(t *testing.T) string {
			h := app()
			h.account = "AC00000000000000000000000000000002"
			return h.mint(t)
		}, 20103},
		{"ErrNoSubject", func(t *testing.T) string {
			return raw(t, jwt.SigningMethodHS256, []byte(secret), cty(), with(rawClaims(), func(c jwt.MapClaims) { delete(c, "sub") }))
		}, 20103},

		{"ErrExpired", func(t *testing.T) string {
			h := app()
			h.nbf, h.exp = -2*time.Hour, -time.Second
			return h.mint(t)
		}, 20104},
		{"ErrExpiresNow", func(t *testing.T) string {
			h := app()
			h.nbf, h.exp = -time.Hour, 0
			return h.mint(t)
		}, 20104},
		{"ErrNoExp", func(t *testing.T) string {
			return raw(t, jwt.SigningMethodHS256, []byte(secret), cty(), with(rawClaims(), func(c jwt.MapClaims) { delete(c, "exp") }))
		}, 20104},

		{"ErrLifetime25h", func(t *testing.T) string {
			h := app()
			h.exp = 25 * time.Hour
			return h.mint(t)
		}, 20157},
		{"ErrLifetimeFromPastNbf", func(t *testing.T) string {
			h := app()
			h.nbf, h.exp = -23*time.Hour, 2*time.Hour
			return h.mint(t)
		}, 20157},
		{"ErrLifetimeFromIat", func(t *testing.T) string {
			return raw(t, jwt.SigningMethodHS256, []byte(secret), cty(), with(rawClaims(), func(c jwt.MapClaims) {
				delete(c, "nbf")
				c["iat"], c["exp"] = now.Unix(), now.Add(25*time.Hour).Unix()
			}))
		}, 20157},
		{"ErrLifetimeFromNowWithoutNbfOrIat", func(t *testing.T) string {
			return raw(t, jwt.SigningMethodHS256, []byte(secret), cty(), with(rawClaims(), func(c jwt.MapClaims) {
				delete(c, "nbf")
				c["exp"] = now.Add(25 * time.Hour).Unix()
			}))
		}, 20157},

		{"ErrNotYetValid", func(t *testing.T) string {
			h := app()
			h.nbf, h.exp = time.Hour, 2*time.Hour
			return h.mint(t)
		}, 20105},

		{"ErrNoIdentity", func(t *testing.T) string {
			h := app()
			h.identity = ""
			return h.mint(t)
		}, 20106},
		{"ErrNoChatGrant", func(t *testing.T) string {
			h := app()
			h.grants = []twjwt.BaseGrant{&twjwt.VideoGrant{Room: "r"}}
			return h.mint(t)
		}, 20106},
		{"ErrChatGrantWithoutService", func(t *testing.T) string {
			h := app()
			h.grants = []twjwt.BaseGrant{&twjwt.ChatGrant{EndpointID: "device"}}
			return h.mint(t)
		}, 20106},
		{"ErrChatGrantWithBadService", func(t *testing.T) string {
			h := app()
			h.grants = []twjwt.BaseGrant{&twjwt.ChatGrant{ServiceSid: "default"}}
			return h.mint(t)
		}, 20106},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := verifier().Verify(context.Background(), tt.token(t))
			if tt.code == 0 {
				if err != nil {
					t.Fatalf("Verify = %v, want the token accepted", err)
				}
				if tok.Identity != "alice" || tok.Chat.ServiceSid != service || tok.KeySid != keySid || tok.AccountSid != account {
					t.Errorf("Verify = %+v, want alice in %s by %s of %s", tok, service, keySid, account)
				}
				return
			}
			var e *model.Error
			if !errors.As(err, &e) || int(e.Code) != tt.code || e.Status() != 401 {
				t.Fatalf("Verify = %v, %v; want a 401 error %d", tok, err, tt.code)
			}
		})
	}
}

// TestVerifyReadsEveryGrantField checks that every field of the chat grant
// and every time comes back from a token twilio-go minted.
func TestVerifyReadsEveryGrantField(t *testing.T) {
	h := app()
	h.nbf, h.exp = -time.Minute, 2*time.Hour
	h.grants = []twjwt.BaseGrant{&twjwt.ChatGrant{
		ServiceSid: service, EndpointID: "alice:device-1", DeploymentRoleSid: role, PushCredentialSid: credential,
	}}
	got, err := verifier().Verify(context.Background(), h.mint(t))
	if err != nil {
		t.Fatal(err)
	}
	want := Token{
		ID: got.ID, KeySid: keySid, AccountSid: account, Identity: "alice",
		Chat:      ChatGrant{ServiceSid: service, EndpointID: "alice:device-1", DeploymentRoleSid: role, PushCredentialSid: credential},
		NotBefore: now.Add(-time.Minute), Expires: now.Add(2 * time.Hour),
	}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("Verify =\n %+v\nwant %+v", *got, want)
	}
	if !strings.HasPrefix(got.ID, keySid+"-") {
		t.Errorf("jti = %q, want %s-<time>", got.ID, keySid)
	}
}

// TestVerifyPassesLookupFailures checks that a failing key store is not
// mistaken for an unknown key.
func TestVerifyPassesLookupFailures(t *testing.T) {
	errDisk := errors.New("disk on fire")
	v := verifier()
	v.Secret = func(context.Context, string) (string, error) { return "", errDisk }
	if _, err := v.Verify(context.Background(), app().mint(t)); err != errDisk {
		t.Errorf("Verify = %v, want the lookup's error %v", err, errDisk)
	}
}

// TestMint checks Mint's header and claims, that Verify reads back what it
// wrote, and that twilio-go's own parser accepts its tokens.
func TestMint(t *testing.T) {
	want := Token{
		KeySid: keySid, AccountSid: account, Identity: "bob",
		Chat:     ChatGrant{ServiceSid: service, DeploymentRoleSid: role},
		IssuedAt: now, NotBefore: now, Expires: now.Add(DefaultTTL),
	}
	s, err := Mint(want, secret)
	if err != nil {
		t.Fatal(err)
	}
	var header map[string]any
	h, _ := base64.RawURLEncoding.DecodeString(strings.Split(s, ".")[0])
	if err := json.Unmarshal(h, &header); err != nil {
		t.Fatal(err)
	}
	if wantHeader := map[string]any{"alg": "HS256", "typ": "JWT", "cty": ContentType}; !reflect.DeepEqual(header, wantHeader) {
		t.Errorf("header = %v, want %v", header, wantHeader)
	}
	got, err := verifier().Verify(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	want.ID = fmt.Sprintf("%s-%d", keySid, now.Unix())
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("Verify(Mint) =\n %+v\nwant %+v", *got, want)
	}

	// twilio-go checks times against the real clock.
	real := time.Now().Truncate(time.Second)
	want.IssuedAt, want.NotBefore, want.Expires = real, real, real.Add(time.Hour)
	if s, err = Mint(want, secret); err != nil {
		t.Fatal(err)
	}
	parsed, err := (&twjwt.Jwt{}).FromJwt(s, secret)
	if err != nil {
		t.Fatalf("twilio-go FromJwt: %v", err)
	}
	if parsed.Issuer != keySid || parsed.Subject != account {
		t.Errorf("twilio-go read iss %q sub %q, want %s %s", parsed.Issuer, parsed.Subject, keySid, account)
	}
	grants, _ := parsed.Payload()["grants"].(map[string]any)
	chat, _ := grants["chat"].(map[string]any)
	if grants["identity"] != "bob" || chat["service_sid"] != service || chat["deployment_role_sid"] != role {
		t.Errorf("twilio-go read grants %v", grants)
	}
}
