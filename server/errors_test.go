package server_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestAuthentication(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		name, user, pass string
	}{
		{"none", "", ""},
		{"wrong token", testAccount, "wrong"},
		{"wrong account", "AC00000000000000000000000000000002", testToken},
		{"account with key secret", testAccount, testAPISecret},
		{"key with auth token", testAPIKey, testToken},
		{"wrong key secret", testAPIKey, "wrong"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{"/v2/Services", "/v2/Nowhere"} {
				r := h.doAuth(http.MethodGet, path, nil, c.user, c.pass)
				h.wantError(r, 401, 20003)
				if got := r.Header.Get("WWW-Authenticate"); got != `Basic realm="Twilio API"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
			}
		})
	}
	t.Run("API key", func(t *testing.T) {
		svc := str(h.create("/v2/Services", form("FriendlyName", "by account"))["sid"])
		r := h.doAuth(http.MethodGet, "/v2/Services/"+svc, nil, testAPIKey, testAPISecret)
		if r.Status != 200 || r.Body["account_sid"] != testAccount {
			t.Errorf("fetch with the API key: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("health is open", func(t *testing.T) {
		if r := h.doAuth(http.MethodGet, "/_chatd/health", nil, "", ""); r.Status != 200 || r.Body["status"] != "ok" {
			t.Errorf("health: %d %s", r.Status, r.Raw)
		}
	})
}

func TestRoutingErrors(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	for _, c := range []struct {
		name, method, path string
		status, code       int
	}{
		{"unknown route", "GET", "/v2/Nope", 404, 20404},
		{"unknown version", "GET", "/v9/Services", 404, 20404},
		{"trailing slash", "GET", "/v2/Services/", 404, 20404},
		{"wrong method", "PUT", "/v2/Services", 405, 20004},
		{"wrong method on instance", "PATCH", svc, 405, 20004},
		{"delete collection", "DELETE", svc + "/Channels", 405, 20004},
		{"malformed service SID", "GET", "/v2/Services/ISxyz", 404, 20404},
		{"malformed service SID in path", "GET", "/v2/Services/not-a-sid/Channels", 404, 20404},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.wantError(h.do(c.method, c.path, nil), c.status, c.code)
		})
	}
}

func TestOversizedBody(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	h.create(svc+"/Channels", form("UniqueName", "general"))
	h.wantError(h.do(http.MethodPost, svc+"/Channels/general/Messages", form("Body", strings.Repeat("x", 2<<20))), 400, 20001)
	if n := h.get(svc + "/Channels/general")["messages_count"]; n != 0.0 {
		t.Errorf("messages_count = %v", n)
	}
}

func TestRequestID(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodGet, "/v2/Services", nil)
	if id := r.Header.Get("Twilio-Request-Id"); !strings.HasPrefix(id, "RQ") || len(id) != 34 {
		t.Errorf("Twilio-Request-Id = %q", id)
	}
}

// TestJSONIsNotHTMLEscaped checks that bodies carry "&" and "<" as they are,
// as Twilio's do.
func TestJSONIsNotHTMLEscaped(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	h.create(svc+"/Channels", form("Attributes", `{"html":"<b>&</b>"}`))
	raw := string(h.do(http.MethodGet, svc+"/Channels?PageSize=5", nil).Raw)
	for _, want := range []string{"PageSize=5&Page=0", `<b>&</b>`} {
		if !strings.Contains(raw, want) {
			t.Errorf("body lacks %q:\n%s", want, raw)
		}
	}
}
