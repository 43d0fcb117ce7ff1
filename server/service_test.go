package server_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestServiceCreate(t *testing.T) {
	h := newHarness(t)
	sv := h.create("/v2/Services", form("FriendlyName", "support"))

	t.Run("defaults", func(t *testing.T) {
		want := map[string]any{
			"friendly_name":               "support",
			"account_sid":                 testAccount,
			"read_status_enabled":         true,
			"reachability_enabled":        false,
			"typing_indicator_timeout":    5.0,
			"consumption_report_interval": 10.0,
			"pre_webhook_url":             nil,
			"post_webhook_url":            nil,
			"webhook_method":              nil,
			"webhook_filters":             nil,
			"pre_webhook_retry_count":     0.0,
			"post_webhook_retry_count":    0.0,
			"limits":                      map[string]any{"channel_members": 100.0, "user_channels": 250.0},
			"media":                       map[string]any{"size_limit_mb": 150.0, "compatibility_message": "Media messages are not supported by your client"},
			"notifications": map[string]any{
				"new_message":          map[string]any{"enabled": false},
				"added_to_channel":     map[string]any{"enabled": false},
				"removed_from_channel": map[string]any{"enabled": false},
				"invited_to_channel":   map[string]any{"enabled": false},
				"log_enabled":          false,
			},
		}
		for k, v := range want {
			if !reflect.DeepEqual(sv[k], v) {
				t.Errorf("%s = %#v, want %#v", k, sv[k], v)
			}
		}
		if sv["date_updated"] != sv["date_created"] {
			t.Errorf("date_updated %v != date_created %v", sv["date_updated"], sv["date_created"])
		}
	})

	t.Run("URLs", func(t *testing.T) {
		u := h.URL() + "/v2/Services/" + str(sv["sid"])
		if sv["url"] != u {
			t.Errorf("url = %v, want %v", sv["url"], u)
		}
		links := obj(sv["links"])
		for _, k := range []string{"channels", "users", "roles", "bindings"} {
			if want := u + "/" + strings.ToUpper(k[:1]) + k[1:]; links[k] != want {
				t.Errorf("links.%s = %v, want %v", k, links[k], want)
			}
		}
	})

	t.Run("default roles", func(t *testing.T) {
		roles := h.get("/v2/Services/" + str(sv["sid"]) + "/Roles")
		byName := map[string]map[string]any{}
		for _, r := range items(roles) {
			byName[str(r["friendly_name"])] = r
		}
		for _, c := range []struct{ name, typ, field string }{
			{"service admin", "deployment", ""},
			{"service user", "deployment", "default_service_role_sid"},
			{"channel admin", "channel", "default_channel_creator_role_sid"},
			{"channel user", "channel", "default_channel_role_sid"},
		} {
			r, ok := byName[c.name]
			if !ok {
				t.Errorf("no default role %q", c.name)
				continue
			}
			if r["type"] != c.typ {
				t.Errorf("%s: type = %v, want %s", c.name, r["type"], c.typ)
			}
			if c.field != "" && sv[c.field] != r["sid"] {
				t.Errorf("%s = %v, want the %s role %v", c.field, sv[c.field], c.name, r["sid"])
			}
		}
		if len(byName) != 4 {
			t.Errorf("%d roles, want 4", len(byName))
		}
	})

	t.Run("error missing friendly name", func(t *testing.T) {
		h.wantError(h.do(http.MethodPost, "/v2/Services", nil), 400, 20001)
	})
	t.Run("error friendly name too long", func(t *testing.T) {
		h.wantError(h.do(http.MethodPost, "/v2/Services", form("FriendlyName", strings.Repeat("x", 257))), 400, 50003)
	})
}

func TestServiceUpdate(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	roles := items(h.get(svc + "/Roles"))

	t.Run("every field", func(t *testing.T) {
		sv := h.update(svc, form(
			"FriendlyName", "renamed",
			"DefaultServiceRoleSid", str(roles[0]["sid"]),
			"DefaultChannelRoleSid", str(roles[2]["sid"]),
			"DefaultChannelCreatorRoleSid", str(roles[3]["sid"]),
			"ReadStatusEnabled", "false",
			"ReachabilityEnabled", "true",
			"TypingIndicatorTimeout", "12",
			"ConsumptionReportInterval", "30",
			"Notifications.NewMessage.Enabled", "true",
			"Notifications.NewMessage.Template", "${USER}: ${MESSAGE}",
			"Notifications.NewMessage.Sound", "ding",
			"Notifications.NewMessage.BadgeCountEnabled", "true",
			"Notifications.AddedToChannel.Enabled", "true",
			"Notifications.AddedToChannel.Template", "added to ${CHANNEL}",
			"Notifications.RemovedFromChannel.Sound", "bye",
			"Notifications.InvitedToChannel.Enabled", "true",
			"Notifications.LogEnabled", "true",
			"PreWebhookUrl", "https://example.com/pre",
			"PostWebhookUrl", "https://example.com/post",
			"WebhookMethod", "get",
			"WebhookFilters", "onMessageSent",
			"WebhookFilters", "onChannelAdded",
			"PreWebhookRetryCount", "2",
			"PostWebhookRetryCount", "3",
			"Limits.ChannelMembers", "500",
			"Limits.UserChannels", "600",
			"Media.CompatibilityMessage", "upgrade your app",
		))
		want := map[string]any{
			"friendly_name":                    "renamed",
			"default_service_role_sid":         roles[0]["sid"],
			"default_channel_role_sid":         roles[2]["sid"],
			"default_channel_creator_role_sid": roles[3]["sid"],
			"read_status_enabled":              false,
			"reachability_enabled":             true,
			"typing_indicator_timeout":         12.0,
			"consumption_report_interval":      30.0,
			"pre_webhook_url":                  "https://example.com/pre",
			"post_webhook_url":                 "https://example.com/post",
			"webhook_method":                   "GET",
			"webhook_filters":                  []any{"onMessageSent", "onChannelAdded"},
			"pre_webhook_retry_count":          2.0,
			"post_webhook_retry_count":         3.0,
			"limits":                           map[string]any{"channel_members": 500.0, "user_channels": 600.0},
			"media":                            map[string]any{"size_limit_mb": 150.0, "compatibility_message": "upgrade your app"},
			"notifications": map[string]any{
				"new_message":          map[string]any{"enabled": true, "template": "${USER}: ${MESSAGE}", "sound": "ding", "badge_count_enabled": true},
				"added_to_channel":     map[string]any{"enabled": true, "template": "added to ${CHANNEL}", "sound": nil},
				"removed_from_channel": map[string]any{"enabled": false, "template": nil, "sound": "bye"},
				"invited_to_channel":   map[string]any{"enabled": true},
				"log_enabled":          true,
			},
		}
		for k, v := range want {
			if !reflect.DeepEqual(sv[k], v) {
				t.Errorf("%s = %#v, want %#v", k, sv[k], v)
			}
		}
		if got := h.get(svc); !reflect.DeepEqual(got, sv) {
			t.Errorf("fetch after update differs:\n got %v\nwant %v", got, sv)
		}
	})

	t.Run("only given fields change", func(t *testing.T) {
		before := h.get(svc)
		after := h.update(svc, form("TypingIndicatorTimeout", "7"))
		for k, v := range before {
			if k == "typing_indicator_timeout" || k == "date_updated" {
				continue
			}
			if !reflect.DeepEqual(after[k], v) {
				t.Errorf("%s changed from %v to %v", k, v, after[k])
			}
		}
	})

	t.Run("clear webhooks", func(t *testing.T) {
		sv := h.update(svc, form("PostWebhookUrl", "", "WebhookMethod", "", "WebhookFilters", ""))
		for _, k := range []string{"post_webhook_url", "webhook_method", "webhook_filters"} {
			if sv[k] != nil {
				t.Errorf("%s = %v, want null", k, sv[k])
			}
		}
	})

	for _, c := range []struct {
		name   string
		form   []string
		status int
		code   int
	}{
		{"error typing indicator not a number", []string{"TypingIndicatorTimeout", "soon"}, 400, 50053},
		{"error consumption interval", []string{"ConsumptionReportInterval", "-1"}, 400, 50052},
		{"error channel members limit", []string{"Limits.ChannelMembers", "1001"}, 400, 50061},
		{"error user channels limit", []string{"Limits.UserChannels", "0"}, 400, 50060},
		{"error webhook method", []string{"WebhookMethod", "PUT"}, 400, 50055},
		{"error pre webhook URL", []string{"PreWebhookUrl", "not a url"}, 400, 50077},
		{"error post webhook URL", []string{"PostWebhookUrl", "ftp://example.com"}, 400, 50078},
		{"error retry count", []string{"PostWebhookRetryCount", "4"}, 400, 50065},
		{"error webhook filter", []string{"WebhookFilters", "onSomethingElse"}, 400, 20001},
		{"error boolean", []string{"ReadStatusEnabled", "yes"}, 400, 20001},
		{"error template too long", []string{"Notifications.NewMessage.Template", strings.Repeat("t", 1025)}, 400, 50058},
		{"error default service role is channel role", []string{"DefaultServiceRoleSid", str(roles[3]["sid"])}, 400, 50102},
		{"error default channel role unknown", []string{"DefaultChannelRoleSid", "RL00000000000000000000000000000000"}, 400, 50101},
		{"error default creator role is service role", []string{"DefaultChannelCreatorRoleSid", str(roles[1]["sid"])}, 400, 50106},
		{"error malformed role SID", []string{"DefaultServiceRoleSid", "nope"}, 400, 20001},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := h.get(svc)
			h.wantError(h.do(http.MethodPost, svc, form(append(c.form, "FriendlyName", "not stored")...)), c.status, c.code)
			if after := h.get(svc); !reflect.DeepEqual(before, after) {
				t.Errorf("a failed update changed the Service:\n%v\n%v", before, after)
			}
		})
	}

	t.Run("error not found", func(t *testing.T) {
		h.wantError(h.do(http.MethodPost, "/v2/Services/IS00000000000000000000000000000000", form("FriendlyName", "x")), 404, 20404)
	})
}

func TestServiceListAndDelete(t *testing.T) {
	h := newHarness(t)
	var sids []string
	for range 5 {
		sids = append(sids, str(h.create("/v2/Services", form("FriendlyName", "s"))["sid"]))
	}
	var got []string
	for _, sv := range h.walk("/v2/Services?PageSize=2") {
		got = append(got, str(sv["sid"]))
	}
	if !reflect.DeepEqual(got, sids) {
		t.Fatalf("listed %v, want %v in creation order", got, sids)
	}

	svc := "/v2/Services/" + sids[2]
	ch := str(h.create(svc+"/Channels", form("UniqueName", "general"))["sid"])
	h.create(svc+"/Channels/general/Members", form("Identity", "alice"))
	h.create(svc+"/Channels/general/Messages", form("Body", "hi"))

	h.delete(svc)
	for _, path := range []string{svc, svc + "/Channels/" + ch, svc + "/Users/alice", svc + "/Roles"} {
		h.wantError(h.do(http.MethodGet, path, nil), 404, 20404)
	}
	h.wantError(h.do(http.MethodDelete, svc, nil), 404, 20404)
	if n := len(h.walk("/v2/Services")); n != 4 {
		t.Errorf("%d Services left, want 4", n)
	}
}
