package chatdtest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/chatdtest"
)

// tokenClaims are the claims of a Twilio access token that the tests read.
type tokenClaims struct {
	Iss    string `json:"iss"`
	Sub    string `json:"sub"`
	Exp    int64  `json:"exp"`
	Grants struct {
		Identity string `json:"identity"`
		Chat     struct {
			ServiceSid string `json:"service_sid"`
		} `json:"chat"`
	} `json:"grants"`
}

// decodeToken returns the claims of a JWT, and whether its HS256
// signature is right for secret (when secret is not empty).
func decodeToken(t *testing.T, tok, secret string) (tokenClaims, bool) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", tok)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c tokenClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	return c, base64.RawURLEncoding.EncodeToString(mac.Sum(nil)) == parts[2]
}

func newServiceSid(t *testing.T, srv *chatdtest.Server) string {
	t.Helper()
	var s struct{ Sid string }
	api(t, srv, http.MethodPost, "/v2/Services", url.Values{"FriendlyName": {"app"}}, http.StatusCreated, &s)
	return s.Sid
}

func TestToken(t *testing.T) {
	t.Parallel()
	t.Run("signed with the development key", func(t *testing.T) {
		t.Parallel()
		srv := chatdtest.New(t)
		service := newServiceSid(t, srv)
		c, _ := decodeToken(t, srv.Token("alice", service), "")
		if c.Sub != srv.AccountSid || c.Grants.Identity != "alice" || c.Grants.Chat.ServiceSid != service || !strings.HasPrefix(c.Iss, "SK") {
			t.Errorf("claims %+v", c)
		}
		if until := time.Until(time.Unix(c.Exp, 0)); until > time.Hour || until < 59*time.Minute {
			t.Errorf("the token expires in %v, want an hour", until)
		}
		// The same development key signs the next one.
		if next, _ := decodeToken(t, srv.Token("bob", service), ""); next.Iss != c.Iss || next.Grants.Identity != "bob" {
			t.Errorf("second token %+v, want bob's signed by %s", next, c.Iss)
		}
	})
	t.Run("signed with the fixture's API key", func(t *testing.T) {
		t.Parallel()
		srv := chatdtest.New(t, chatdtest.WithCredentials(testAccount, testToken), chatdtest.WithAPIKey(testKey, testKeySecret))
		service := newServiceSid(t, srv)
		c, signed := decodeToken(t, srv.Token("alice", service), testKeySecret)
		if !signed || c.Iss != testKey || c.Sub != testAccount || c.Grants.Identity != "alice" {
			t.Errorf("claims %+v, signed with the key's secret: %v", c, signed)
		}
	})
	t.Run("an unknown Service fails the test", func(t *testing.T) {
		t.Parallel()
		failures := runFake(t, func(tb testing.TB) {
			chatdtest.New(tb).Token("alice", "IS0000000000000000000000000000dead")
		})
		if len(failures) != 1 || !strings.Contains(failures[0], "50050") {
			t.Errorf("failures = %q, want one naming 50050", failures)
		}
	})
}
