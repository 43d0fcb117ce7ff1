package server_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestUsers(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	defaultRole := h.get(svc)["default_service_role_sid"]

	u := h.create(svc+"/Users", form("Identity", "alice@example.com"))
	t.Run("defaults", func(t *testing.T) {
		want := map[string]any{
			"identity": "alice@example.com", "friendly_name": nil, "attributes": "{}",
			"role_sid": defaultRole, "joined_channels_count": 0.0,
			"is_online": nil, "is_notifiable": nil,
		}
		for k, v := range want {
			if u[k] != v {
				t.Errorf("%s = %v, want %v", k, u[k], v)
			}
		}
		base := h.URL() + svc + "/Users/" + str(u["sid"])
		if u["url"] != base || obj(u["links"])["user_channels"] != base+"/Channels" || obj(u["links"])["user_bindings"] != base+"/Bindings" {
			t.Errorf("url %v, links %v", u["url"], u["links"])
		}
	})

	t.Run("fetch by SID and identity", func(t *testing.T) {
		bySid := h.get(svc + "/Users/" + str(u["sid"]))
		byIdentity := h.get(svc + "/Users/" + url.PathEscape("alice@example.com"))
		if !reflect.DeepEqual(bySid, byIdentity) || bySid["sid"] != u["sid"] {
			t.Errorf("by SID %v\nby identity %v", bySid, byIdentity)
		}
	})

	t.Run("identity with slash", func(t *testing.T) {
		created := h.create(svc+"/Users", form("Identity", "team/bob"))
		got := h.get(svc + "/Users/" + url.PathEscape("team/bob"))
		if got["sid"] != created["sid"] {
			t.Errorf("fetched %v, want %v", got["sid"], created["sid"])
		}
		h.delete(svc + "/Users/" + url.PathEscape("team/bob"))
	})

	t.Run("update", func(t *testing.T) {
		admin := items(h.get(svc + "/Roles"))[0]["sid"]
		got := h.update(svc+"/Users/alice@example.com", form(
			"FriendlyName", "Alice", "Attributes", `{"team":"blue"}`, "RoleSid", str(admin)))
		if got["friendly_name"] != "Alice" || got["attributes"] != `{"team":"blue"}` || got["role_sid"] != admin {
			t.Errorf("got %v", got)
		}
		if got["identity"] != "alice@example.com" {
			t.Errorf("identity changed: %v", got["identity"])
		}
		cleared := h.update(svc+"/Users/"+str(u["sid"]), form("FriendlyName", ""))
		if cleared["friendly_name"] != nil || cleared["attributes"] != `{"team":"blue"}` {
			t.Errorf("clearing the friendly name: %v", cleared)
		}
	})

	t.Run("reachability", func(t *testing.T) {
		// Twilio's is_online is null for a User who has never been online
		// (no client ever connects to chatd), and is_notifiable is null for
		// one who never registered for push, true for one who has a Binding.
		h.update(svc, form("ReachabilityEnabled", "true"))
		got := h.get(svc + "/Users/" + str(u["sid"]))
		if got["is_online"] != nil || got["is_notifiable"] != nil {
			t.Errorf("is_online %v, is_notifiable %v; want null, null", got["is_online"], got["is_notifiable"])
		}
		cred := h.create("/v2/Credentials", form("Type", "fcm", "Secret", "s"))
		h.create("/_chatd"+svc[len("/v2"):]+"/Bindings", form("Identity", "alice@example.com", "BindingType", "fcm",
			"Endpoint", "device-1", "CredentialSid", str(cred["sid"])))
		got = h.get(svc + "/Users/" + str(u["sid"]))
		if got["is_online"] != nil || got["is_notifiable"] != true {
			t.Errorf("with a Binding: is_online %v, is_notifiable %v; want null, true", got["is_online"], got["is_notifiable"])
		}
		for _, it := range items(h.get(svc + "/Users")) {
			if it["is_online"] != nil || it["is_notifiable"] != nil {
				t.Errorf("in a list: is_online %v, is_notifiable %v; want null", it["is_online"], it["is_notifiable"])
			}
		}
		h.update(svc, form("ReachabilityEnabled", "false"))
		if got := h.get(svc + "/Users/" + str(u["sid"])); got["is_notifiable"] != nil {
			t.Errorf("reachability off: is_notifiable %v, want null", got["is_notifiable"])
		}
	})

	for _, c := range []struct {
		name   string
		path   string
		form   []string
		status int
		code   int
	}{
		{"error duplicate identity", svc + "/Users", []string{"Identity", "alice@example.com"}, 409, 50201},
		{"error missing identity", svc + "/Users", nil, 400, 20001},
		{"error identity looks like SID", svc + "/Users", []string{"Identity", "US0123456789abcdef0123456789abcdef"}, 400, 50206},
		{"error identity too long", svc + "/Users", []string{"Identity", strings.Repeat("i", 257)}, 400, 50207},
		{"error attributes not JSON", svc + "/Users", []string{"Identity", "carol", "Attributes", "{nope"}, 400, 50304},
		{"error attributes too long", svc + "/Users", []string{"Identity", "carol", "Attributes", `"` + strings.Repeat("a", 17*1024) + `"`}, 400, 50303},
		{"error role is channel role", svc + "/Users", []string{"Identity", "carol", "RoleSid", str(h.get(svc)["default_channel_role_sid"])}, 400, 50102},
		{"error role malformed", svc + "/Users", []string{"Identity", "carol", "RoleSid", "RLnope"}, 400, 20001},
		{"error update attributes", svc + "/Users/alice@example.com", []string{"Attributes", "[1,"}, 400, 50304},
		{"error update unknown user", svc + "/Users/nobody", []string{"FriendlyName", "x"}, 404, 20404},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.wantError(h.do(http.MethodPost, c.path, form(c.form...)), c.status, c.code)
		})
	}
	if h.do(http.MethodGet, svc+"/Users/carol", nil).Status != 404 {
		t.Error("a failed create stored the user carol")
	}

	t.Run("list pages", func(t *testing.T) {
		var want []any
		for _, it := range h.walk(svc + "/Users") {
			want = append(want, it["sid"])
		}
		for i := range 6 {
			want = append(want, h.create(svc+"/Users", form("Identity", "user"+string(rune('a'+i))))["sid"])
		}
		var got []any
		for _, it := range h.walk(svc + "/Users?PageSize=4") {
			got = append(got, it["sid"])
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("walked %v\nwant %v", got, want)
		}
	})

	t.Run("delete", func(t *testing.T) {
		h.delete(svc + "/Users/alice@example.com")
		h.wantError(h.do(http.MethodGet, svc+"/Users/"+str(u["sid"]), nil), 404, 20404)
		again := h.create(svc+"/Users", form("Identity", "alice@example.com"))
		if again["sid"] == u["sid"] {
			t.Error("a new user reused the deleted SID")
		}
	})
}
