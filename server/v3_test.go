package server_test

import (
	"net/http"
	"reflect"
	"testing"
)

func TestV3ChannelUpdate(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	sid := str(svc[len("/v2/Services/"):])
	ch := h.create(svc+"/Channels", form("UniqueName", "general", "FriendlyName", "General"))
	h.create(svc+"/Channels/general/Messages", form("Body", "hi"))
	v3 := "/v3/Services/" + sid + "/Channels/general"

	t.Run("to private", func(t *testing.T) {
		got := h.update(v3, form("Type", "private", "MessagingServiceSid", "MG0123456789abcdef0123456789abcdef"))
		want := map[string]any{
			"sid": ch["sid"], "type": "private", "messaging_service_sid": "MG0123456789abcdef0123456789abcdef",
			"unique_name": "general", "friendly_name": "General", "messages_count": 1.0,
			"url": h.URL() + "/v3/Services/" + sid + "/Channels/" + str(ch["sid"]),
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
		if _, ok := got["links"]; ok {
			t.Error("the v3 channel has links")
		}
		if typ := h.get(svc + "/Channels/general")["type"]; typ != "private" {
			t.Errorf("v2 sees type %v", typ)
		}
		private := items(h.get(svc + "/Channels?Type=private"))
		public := items(h.get(svc + "/Channels?Type=public"))
		if len(private) != 1 || len(public) != 0 {
			t.Errorf("after the move: %d private, %d public channels", len(private), len(public))
		}
	})
	for _, c := range []struct {
		name   string
		form   []string
		status int
		code   int
	}{
		{"error public", []string{"Type", "public"}, 400, 50393},
		{"error bad type", []string{"Type", "secret"}, 400, 50393},
		{"error messaging service SID", []string{"MessagingServiceSid", "MGnope"}, 400, 20001},
		{"error no parameters", nil, 400, 50347},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := h.get(svc + "/Channels/general")
			h.wantError(h.do(http.MethodPost, v3, form(c.form...)), c.status, c.code)
			if after := h.get(svc + "/Channels/general"); !reflect.DeepEqual(before, after) {
				t.Error("a failed v3 update changed the channel")
			}
		})
	}
	t.Run("error unknown channel", func(t *testing.T) {
		h.wantError(h.do(http.MethodPost, "/v3/Services/"+sid+"/Channels/nowhere", form("Type", "private")), 404, 20404)
	})
}

// TestWebhookEnabledHeader checks X-Twilio-Webhook-Enabled on the operations
// whose spec lists it: true and false are accepted, anything else is
// refused before anything is stored; elsewhere the header is ignored.
func TestWebhookEnabledHeader(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	header := func(v string) http.Header { return http.Header{"X-Twilio-Webhook-Enabled": {v}} }
	post := func(path, value string, kv ...string) *response {
		return h.doHeader(http.MethodPost, path, form(kv...), testAccount, testToken, header(value))
	}
	for _, v := range []string{"true", "false"} {
		if r := post(svc+"/Channels", v, "UniqueName", "c-"+v); r.Status != 201 {
			t.Errorf("%s: %d %s", v, r.Status, r.Raw)
		}
	}
	h.wantError(post(svc+"/Channels", "yes", "UniqueName", "refused"), 400, 20001)
	h.wantError(h.do(http.MethodGet, svc+"/Channels/refused", nil), 404, 20404)
	h.wantError(h.doHeader(http.MethodDelete, svc+"/Channels/c-true", nil, testAccount, testToken, header("1")), 400, 20001)
	h.get(svc + "/Channels/c-true")

	if r := post(svc+"/Roles", "yes", "FriendlyName", "r", "Type", "channel", "Permission", "sendMessage"); r.Status != 201 {
		t.Errorf("the header on an operation without it: %d %s", r.Status, r.Raw)
	}
	if r := post("/v1/Services/"+svc[len("/v2/Services/"):]+"/Channels", "yes"); r.Status != 201 {
		t.Errorf("the header on a v1 operation: %d %s", r.Status, r.Raw)
	}
}
