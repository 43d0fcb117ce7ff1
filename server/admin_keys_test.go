package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/model"
)

// postJSON posts a JSON body with the Account credentials.
func (h *harness) postJSON(path, body string) *response {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.SetBasicAuth(testAccount, testToken)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	r := &response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if err := json.Unmarshal(raw, &r.Body); err != nil {
		h.t.Fatalf("POST %s: %v\n%s", path, err, raw)
	}
	return r
}

func TestKeys(t *testing.T) {
	h := newHarness(t)

	created := h.create("/_chatd/keys", form("FriendlyName", "ci"))
	sid, secret := str(created["sid"]), str(created["secret"])
	if !model.IsSID(model.PrefixAPIKey, sid) || len(secret) != 32 || created["friendly_name"] != "ci" ||
		str(created["date_created"]) == "" || created["date_created"] != created["date_updated"] {
		t.Fatalf("created key %v", created)
	}
	if got := keys(created); len(got) != 5 {
		t.Errorf("created key has fields %v, want sid, friendly_name, date_created, date_updated and secret", got)
	}
	unnamed := h.create("/_chatd/keys", nil)
	if v, ok := unnamed["friendly_name"]; !ok || v != nil {
		t.Errorf("a key without a name: friendly_name %v, want null", v)
	}
	byJSON := h.postJSON("/_chatd/keys", `{"FriendlyName": "from json"}`)
	if byJSON.Status != http.StatusCreated || byJSON.Body["friendly_name"] != "from json" {
		t.Errorf("JSON create: %d %s", byJSON.Status, byJSON.Raw)
	}
	h.wantError(h.do(http.MethodPost, "/_chatd/keys", form("FriendlyName", strings.Repeat("k", 65))), 400, 50003)
	h.wantError(h.postJSON("/_chatd/keys", `{"FriendlyName": `), 400, 20001)
	h.wantError(h.postJSON("/_chatd/keys", `{"FriendlyName": {"a": 1}}`), 400, 20001)

	t.Run("fetch and list never show the secret", func(t *testing.T) {
		got := h.get("/_chatd/keys/" + sid)
		if got["sid"] != sid || got["friendly_name"] != "ci" {
			t.Errorf("fetch = %v", got)
		}
		if _, ok := got["secret"]; ok || strings.Contains(string(h.do(http.MethodGet, "/_chatd/keys/"+sid, nil).Raw), secret) {
			t.Errorf("fetch shows the secret: %v", got)
		}
		all := h.walk("/_chatd/keys?PageSize=1")
		var sids []string
		for _, k := range all {
			if _, ok := k["secret"]; ok {
				t.Errorf("listed with its secret: %v", k)
			}
			sids = append(sids, str(k["sid"]))
		}
		if want := []string{sid, str(unnamed["sid"]), str(byJSON.Body["sid"])}; !slices.Equal(sids, want) {
			t.Errorf("listed %v, want %v in creation order", sids, want)
		}
		if str(obj(h.get("/_chatd/keys")["meta"])["key"]) != "keys" {
			t.Error("the list's meta.key is not keys")
		}
		h.wantError(h.do(http.MethodGet, "/_chatd/keys/SK00000000000000000000000000000fff", nil), 404, 20404)
		h.wantError(h.do(http.MethodGet, "/_chatd/keys/nope", nil), 404, 20404)
	})

	t.Run("a stored key authenticates REST calls", func(t *testing.T) {
		if r := h.doAuth(http.MethodGet, "/v2/Services", nil, sid, secret); r.Status != http.StatusOK {
			t.Errorf("GET /v2/Services with the key: %d %s", r.Status, r.Raw)
		}
		r := h.doAuth(http.MethodGet, "/v2/Services", nil, sid, secret+"x")
		h.wantError(r, 401, 20003)
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Error("no WWW-Authenticate on a 401")
		}
		h.wantError(h.doAuth(http.MethodGet, "/v2/Services", nil, "SK00000000000000000000000000000fff", secret), 401, 20003)
	})

	t.Run("API keys may not manage keys or mint tokens", func(t *testing.T) {
		for _, cred := range [][2]string{{sid, secret}, {testAPIKey, testAPISecret}} {
			for _, c := range []struct{ method, path string }{
				{http.MethodGet, "/_chatd/keys"},
				{http.MethodPost, "/_chatd/keys"},
				{http.MethodGet, "/_chatd/keys/" + sid},
				{http.MethodDelete, "/_chatd/keys/" + sid},
				{http.MethodPost, "/_chatd/tokens"},
			} {
				h.wantError(h.doAuth(c.method, c.path, form("FriendlyName", "more"), cred[0], cred[1]), 403, 20403)
			}
		}
		if r := h.doAuth(http.MethodGet, "/_chatd/deliveries", nil, sid, secret); r.Status != http.StatusOK {
			t.Errorf("a key may still read the deliveries: %d", r.Status)
		}
	})

	t.Run("a deleted key authenticates no more", func(t *testing.T) {
		h.delete("/_chatd/keys/" + sid)
		h.wantError(h.doAuth(http.MethodGet, "/v2/Services", nil, sid, secret), 401, 20003)
		h.wantError(h.do(http.MethodGet, "/_chatd/keys/"+sid, nil), 404, 20404)
		h.wantError(h.do(http.MethodDelete, "/_chatd/keys/"+sid, nil), 404, 20404)
	})

	t.Run("no credentials", func(t *testing.T) {
		h.wantError(h.doAuth(http.MethodGet, "/_chatd/keys", nil, "", ""), 401, 20003)
		h.wantError(h.doAuth(http.MethodPost, "/_chatd/tokens", nil, "", ""), 401, 20003)
	})
}

func TestTokens(t *testing.T) {
	h := newHarness(t)
	service := str(h.create("/v2/Services", form("FriendlyName", "app"))["sid"])
	// The rules over the harness's file, to check what a token grants.
	rules := chat.New(h.db, chat.Options{AccountSid: testAccount, APIKeySid: testAPIKey, APIKeySecret: testAPISecret})

	// check verifies a minted token: its fields, its expiry, and that it
	// logs in as identity.
	check := func(t *testing.T, r *response, identity string, ttl time.Duration) {
		t.Helper()
		if r.Status != http.StatusCreated {
			t.Fatalf("POST /_chatd/tokens: %d %s", r.Status, r.Raw)
		}
		if got := keys(r.Body); len(got) != 4 || r.Body["identity"] != identity || r.Body["service_sid"] != service {
			t.Errorf("answer %s", r.Raw)
		}
		expires, err := time.Parse(time.RFC3339, str(r.Body["expires"]))
		if until := time.Until(expires); err != nil || until > ttl || until < ttl-time.Minute {
			t.Errorf("expires %v (%v from now), want about %v from now", r.Body["expires"], until, ttl)
		}
		p, err := rules.Authenticate(context.Background(), str(r.Body["token"]))
		if err != nil || p.Identity != identity || p.ServiceSid != service || p.User == nil {
			t.Errorf("the token logs in as %+v, %v; want %s", p, err, identity)
		}
	}

	check(t, h.do(http.MethodPost, "/_chatd/tokens", form("Identity", "alice", "ServiceSid", service)), "alice", time.Hour)
	check(t, h.do(http.MethodPost, "/_chatd/tokens", form("Identity", "bob", "ServiceSid", service, "Ttl", "120")), "bob", 2*time.Minute)
	check(t, h.postJSON("/_chatd/tokens", `{"Identity": "carol", "ServiceSid": "`+service+`", "Ttl": 600}`), "carol", 10*time.Minute)
	check(t, h.postJSON("/_chatd/tokens", `{"Identity": "dan", "ServiceSid": "`+service+`", "Ttl": "60"}`), "dan", time.Minute)
	if u := h.get("/v2/Services/" + service + "/Users/alice"); u["identity"] != "alice" {
		t.Errorf("alice's first login did not create her User: %v", u)
	}

	for _, c := range []struct {
		name         string
		form         []string
		status, code int
	}{
		{"no identity", []string{"ServiceSid", service}, 400, 20001},
		{"no Service", []string{"Identity", "alice"}, 400, 20001},
		{"an unknown Service", []string{"Identity", "alice", "ServiceSid", "IS00000000000000000000000000000fff"}, 404, 50050},
		{"a malformed Service SID", []string{"Identity", "alice", "ServiceSid", "general"}, 404, 50050},
		{"an identity that is a User SID", []string{"Identity", "US00000000000000000000000000000001", "ServiceSid", service}, 400, 50206},
		{"a zero Ttl", []string{"Identity", "alice", "ServiceSid", service, "Ttl", "0"}, 400, 20001},
		{"a Ttl over 24 hours", []string{"Identity", "alice", "ServiceSid", service, "Ttl", "86401"}, 400, 20001},
		{"a Ttl that is not a number", []string{"Identity", "alice", "ServiceSid", service, "Ttl", "1h"}, 400, 20001},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.wantError(h.do(http.MethodPost, "/_chatd/tokens", form(c.form...)), c.status, c.code)
		})
	}
	h.wantError(h.postJSON("/_chatd/tokens", `["Identity"]`), 400, 20001)
}
