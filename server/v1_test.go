package server_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestV1AndV2ShareData creates each resource through one version and reads
// it through the other: v1 and v2 are two views of the same data.
func TestV1AndV2ShareData(t *testing.T) {
	h := newHarness(t)
	sid := str(h.create("/v1/Services", form("FriendlyName", "made in v1"))["sid"])
	v1, v2 := "/v1/Services/"+sid, "/v2/Services/"+sid
	if got := h.get(v2)["friendly_name"]; got != "made in v1" {
		t.Fatalf("v2 sees friendly_name %v", got)
	}

	h.create(v1+"/Channels", form("UniqueName", "general"))
	h.create(v2+"/Channels/general/Members", form("Identity", "alice"))
	h.create(v1+"/Channels/general/Messages", form("Body", "from v1", "From", "alice"))
	h.create(v2+"/Channels/general/Messages", form("Body", "from v2"))
	h.create(v1+"/Users", form("Identity", "bob"))
	h.create(v2+"/Channels/general/Invites", form("Identity", "bob"))
	role := str(h.create(v2+"/Roles", form("FriendlyName", "mod", "Type", "channel", "Permission", "sendMessage"))["sid"])

	for _, c := range []struct{ path, key string }{
		{"/Channels", "channels"}, {"/Channels/general/Members", "members"},
		{"/Channels/general/Messages", "messages"}, {"/Users", "users"},
		{"/Channels/general/Invites", "invites"}, {"/Roles", "roles"},
		{"/Users/alice/Channels", "channels"},
	} {
		a, b := items(h.get(v1+c.path)), items(h.get(v2+c.path))
		if len(a) == 0 || len(a) != len(b) {
			t.Errorf("%s: %d items through v1, %d through v2", c.path, len(a), len(b))
			continue
		}
		for i := range a {
			if a[i]["sid"] != b[i]["sid"] || a[i]["channel_sid"] != b[i]["channel_sid"] {
				t.Errorf("%s item %d differs: %v vs %v", c.path, i, a[i]["sid"], b[i]["sid"])
			}
			if !strings.HasPrefix(str(a[i]["url"]), h.URL()+"/v1/") && a[i]["url"] != nil {
				t.Errorf("%s: v1 url %v", c.path, a[i]["url"])
			}
		}
	}
	h.get(v1 + "/Roles/" + role)
	h.delete(v1 + "/Channels/general")
	h.wantError(h.do(http.MethodGet, v2+"/Channels/general", nil), 404, 20404)
}

func TestV1Shapes(t *testing.T) {
	h := newHarness(t)
	sid := str(h.create("/v2/Services", form("FriendlyName", "s"))["sid"])
	v1 := "/v1/Services/" + sid
	h.create(v1+"/Channels", form("UniqueName", "general", "Attributes", `{"a":1}`))
	h.create(v1+"/Users", form("Identity", "alice", "Attributes", `{"b":2}`))
	h.create(v1+"/Channels/general/Members", form("Identity", "alice"))

	t.Run("service", func(t *testing.T) {
		sv := h.get(v1)
		for _, k := range []string{"media", "pre_webhook_retry_count", "post_webhook_retry_count"} {
			if _, ok := sv[k]; ok {
				t.Errorf("v1 service has %s", k)
			}
		}
		if _, ok := obj(sv["links"])["bindings"]; ok {
			t.Error("v1 service links bindings")
		}
		hooks := obj(sv["webhooks"])
		if len(hooks) != 16 {
			t.Errorf("webhooks has %d events, want 16", len(hooks))
		}
		want := map[string]any{"url": nil, "method": nil, "format": nil}
		if got := obj(hooks["on_message_send"]); !reflect.DeepEqual(got, want) {
			t.Errorf("on_message_send = %v", got)
		}
	})
	t.Run("channel and user attributes only on fetch", func(t *testing.T) {
		if got := h.get(v1 + "/Channels/general")["attributes"]; got != `{"a":1}` {
			t.Errorf("fetched channel attributes = %v", got)
		}
		if got := items(h.get(v1 + "/Channels"))[0]["attributes"]; got != nil {
			t.Errorf("listed channel attributes = %v, want null", got)
		}
		if got := h.get(v1 + "/Users/alice")["attributes"]; got != `{"b":2}` {
			t.Errorf("fetched user attributes = %v", got)
		}
		if got := items(h.get(v1 + "/Users"))[0]["attributes"]; got != nil {
			t.Errorf("listed user attributes = %v, want null", got)
		}
		if got := items(h.get("/v2/Services/" + sid + "/Users"))[0]["attributes"]; got != `{"b":2}` {
			t.Errorf("v2 lists attributes %v", got)
		}
	})
	t.Run("links", func(t *testing.T) {
		if _, ok := obj(h.get(v1 + "/Channels/general")["links"])["webhooks"]; ok {
			t.Error("v1 channel links webhooks")
		}
		if _, ok := obj(h.get(v1 + "/Users/alice")["links"])["user_bindings"]; ok {
			t.Error("v1 user links user_bindings")
		}
	})
	t.Run("member message user channel", func(t *testing.T) {
		if _, ok := h.get(v1 + "/Channels/general/Members/alice")["attributes"]; ok {
			t.Error("v1 member has attributes")
		}
		m := h.create(v1+"/Channels/general/Messages", form("Body", "hi"))
		for _, k := range []string{"type", "media", "last_updated_by"} {
			if _, ok := m[k]; ok {
				t.Errorf("v1 message has %s", k)
			}
		}
		uc := items(h.get(v1 + "/Users/alice/Channels"))[0]
		for _, k := range []string{"url", "user_sid", "notification_level"} {
			if _, ok := uc[k]; ok {
				t.Errorf("v1 user channel has %s", k)
			}
		}
		if uc["status"] != "joined" {
			t.Errorf("status = %v", uc["status"])
		}
	})
}

func TestV1Parameters(t *testing.T) {
	h := newHarness(t)
	sid := str(h.create("/v1/Services", form("FriendlyName", "s"))["sid"])
	v1, v2 := "/v1/Services/"+sid, "/v2/Services/"+sid

	t.Run("per event webhooks", func(t *testing.T) {
		sv := h.update(v1, form(
			"Webhooks.OnMessageSend.Url", "https://example.com/send",
			"Webhooks.OnMessageSend.Method", "post",
			"Webhooks.OnMemberRemoved.Url", "https://example.com/removed",
		))
		hooks := obj(sv["webhooks"])
		if got := obj(hooks["on_message_send"]); got["url"] != "https://example.com/send" || got["method"] != "POST" {
			t.Errorf("on_message_send = %v", got)
		}
		if got := obj(hooks["on_member_removed"]); got["url"] != "https://example.com/removed" || got["method"] != nil {
			t.Errorf("on_member_removed = %v", got)
		}
		cleared := obj(obj(h.update(v1, form("Webhooks.OnMessageSend.Url", "", "Webhooks.OnMessageSend.Method", ""))["webhooks"])["on_message_send"])
		if cleared["url"] != nil || cleared["method"] != nil {
			t.Errorf("cleared on_message_send = %v", cleared)
		}
		h.wantError(h.do(http.MethodPost, v1, form("Webhooks.OnChannelAdd.Url", "not a url")), 400, 50054)
		h.wantError(h.do(http.MethodPost, v1, form("Webhooks.OnChannelAdd.Method", "PUT")), 400, 50055)
	})
	t.Run("v2 only parameters are ignored", func(t *testing.T) {
		h.update(v1, form("PostWebhookRetryCount", "99", "Media.CompatibilityMessage", "ignored"))
		sv := h.get(v2)
		if sv["post_webhook_retry_count"] != 0.0 || obj(sv["media"])["compatibility_message"] == "ignored" {
			t.Errorf("v1 applied v2-only parameters: %v %v", sv["post_webhook_retry_count"], sv["media"])
		}
		ch := h.create(v1+"/Channels", form("CreatedBy", "alice", "DateCreated", "2001-01-01T00:00:00Z"))
		if ch["created_by"] != "system" || ch["date_created"] == "2001-01-01T00:00:00Z" {
			t.Errorf("v1 channel create applied v2-only parameters: %v", ch)
		}
	})
	t.Run("message body required", func(t *testing.T) {
		h.create(v1+"/Channels", form("UniqueName", "general"))
		h.wantError(h.do(http.MethodPost, v1+"/Channels/general/Messages", form("From", "alice")), 400, 20001)
		if m := h.create(v1+"/Channels/general/Messages", form("Body", "")); m["body"] != "" {
			t.Errorf("body = %v", m["body"])
		}
		h.create(v2+"/Channels/general/Messages", nil)
	})
	t.Run("page size up to 1000", func(t *testing.T) {
		if got := obj(h.get(v1 + "/Channels?PageSize=500")["meta"])["page_size"]; got != 500.0 {
			t.Errorf("v1 page_size = %v, want 500", got)
		}
		if got := obj(h.get(v2 + "/Channels?PageSize=500")["meta"])["page_size"]; got != 100.0 {
			t.Errorf("v2 page_size = %v, want 100", got)
		}
		if got := obj(h.get("/v1/Services?PageSize=500")["meta"])["page_size"]; got != 100.0 {
			t.Errorf("v1 services page_size = %v, want 100", got)
		}
	})
}
