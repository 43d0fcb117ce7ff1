package server_test

// Channel webhooks through the official twilio-go helper library: the
// Configuration.* parameters as the SDK sends them (repeated Filters and
// Triggers), the configuration object as it decodes it, and its list
// following next_page_url five (or fewer) to a page.

import (
	"fmt"
	"strings"
	"testing"

	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"
)

// sdkWebhookConfig is the configuration object of a webhook as the SDK
// decodes it: a JSON object in an interface.
func sdkWebhookConfig(t testing.TB, wh *chatv2.ChatV2ChannelWebhook) map[string]any {
	t.Helper()
	if wh.Configuration == nil {
		t.Fatal("configuration is null")
	}
	c, ok := (*wh.Configuration).(map[string]any)
	if !ok {
		t.Fatalf("configuration is %T, want a JSON object", *wh.Configuration)
	}
	return c
}

// sdkWebhookSids lists a Channel's webhooks through the SDK.
func sdkWebhookSids(t testing.TB, api *sdk, service, channel string, p *chatv2.ListChannelWebhookParams) []string {
	t.Helper()
	got := sdkCall(api.ListChannelWebhook(service, channel, p)).must(t)
	return sdkKeys(got, func(wh chatv2.ChatV2ChannelWebhook) string { return sdkVal(wh.Sid) })
}

func TestSDKChannelWebhooks(t *testing.T) {
	h, api := newSDKHarness(t)
	service := sdkVal(sdkService(t, api).Sid)
	ch := sdkChannel(t, api, service, "support")
	chSid := sdkVal(ch.Sid)

	hook := sdkCall(api.CreateChannelWebhook(service, "support", (&chatv2.CreateChannelWebhookParams{}).
		SetType("webhook").
		SetConfigurationUrl("https://hooks.example.com/chat").
		SetConfigurationMethod("GET").
		SetConfigurationFilters([]string{"onMessageSent", "onMemberAdded"}).
		SetConfigurationRetryCount(2))).must(t)
	trigger := sdkCall(api.CreateChannelWebhook(service, chSid, (&chatv2.CreateChannelWebhookParams{}).
		SetType("trigger").
		SetConfigurationUrl("https://hooks.example.com/trigger").
		SetConfigurationTriggers([]string{"help", "agent"}))).must(t)
	studio := sdkCall(api.CreateChannelWebhook(service, chSid, (&chatv2.CreateChannelWebhookParams{}).
		SetType("studio").
		SetConfigurationFlowSid(testFlowSid))).must(t)
	sids := []string{sdkVal(hook.Sid), sdkVal(trigger.Sid), sdkVal(studio.Sid)}

	t.Run("create returns each type's configuration", func(t *testing.T) {
		for _, c := range []struct {
			wh     *chatv2.ChatV2ChannelWebhook
			typ    string
			config map[string]any
		}{
			{hook, "webhook", map[string]any{"url": "https://hooks.example.com/chat", "method": "GET",
				"filters": []any{"onMessageSent", "onMemberAdded"}, "retry_count": 2.0}},
			{trigger, "trigger", map[string]any{"url": "https://hooks.example.com/trigger", "method": "POST",
				"triggers": []any{"help", "agent"}, "retry_count": 0.0}},
			{studio, "studio", map[string]any{"flow_sid": testFlowSid}},
		} {
			sid := sdkVal(c.wh.Sid)
			if !strings.HasPrefix(sid, "WH") || len(sid) != 34 {
				t.Errorf("sid = %q", sid)
			}
			sdkWantEqual(t, c.typ+" type", sdkVal(c.wh.Type), c.typ)
			sdkWantEqual(t, c.typ+" configuration", sdkWebhookConfig(t, c.wh), c.config)
			sdkWantEqual(t, c.typ+" account_sid", sdkVal(c.wh.AccountSid), testAccount)
			sdkWantEqual(t, c.typ+" service_sid", sdkVal(c.wh.ServiceSid), service)
			sdkWantEqual(t, c.typ+" channel_sid", sdkVal(c.wh.ChannelSid), chSid)
			sdkWantEqual(t, c.typ+" url", sdkVal(c.wh.Url), h.URL()+"/v2/Services/"+service+"/Channels/"+chSid+"/Webhooks/"+sid)
			if c.wh.DateCreated == nil || c.wh.DateUpdated == nil || !c.wh.DateCreated.Equal(*c.wh.DateUpdated) {
				t.Errorf("%s dates = %s, %s", c.typ, sdkShow(c.wh.DateCreated), sdkShow(c.wh.DateUpdated))
			}
		}
	})

	t.Run("fetch by channel SID or unique name", func(t *testing.T) {
		for _, key := range []string{chSid, "support"} {
			got := sdkCall(api.FetchChannelWebhook(service, key, sdkVal(trigger.Sid))).must(t)
			sdkWantEqual(t, "fetched via "+key, got, trigger)
		}
	})

	t.Run("list follows pages of the given size", func(t *testing.T) {
		for _, c := range []struct{ size, pages int }{
			{0, 1}, // the default page size is 5
			{1, 3},
			{2, 2},
			{5, 1},
		} {
			p := &chatv2.ListChannelWebhookParams{}
			if c.size > 0 {
				p.SetPageSize(c.size)
			}
			api.rw.reset()
			got := sdkWebhookSids(t, api, service, "support", p)
			sdkWantEqual(t, fmt.Sprintf("listed with PageSize %d", c.size), got, sids)
			if n := len(api.rw.requests()); n != c.pages {
				t.Errorf("PageSize %d: %d requests, want %d", c.size, n, c.pages)
			}
		}
		p := (&chatv2.ListChannelWebhookParams{}).SetLimit(2)
		sdkWantEqual(t, "listed with Limit 2", sdkWebhookSids(t, api, service, chSid, p), sids[:2])
	})

	t.Run("update changes the given keys and keeps the type", func(t *testing.T) {
		got := sdkCall(api.UpdateChannelWebhook(service, "support", sdkVal(hook.Sid), (&chatv2.UpdateChannelWebhookParams{}).
			SetConfigurationMethod("POST").
			SetConfigurationFilters([]string{"onChannelUpdated"}))).must(t)
		sdkWantEqual(t, "type", sdkVal(got.Type), "webhook")
		sdkWantEqual(t, "configuration", sdkWebhookConfig(t, got), map[string]any{
			"url": "https://hooks.example.com/chat", "method": "POST", "filters": []any{"onChannelUpdated"}, "retry_count": 2.0,
		})
		sdkWantEqual(t, "fetched", sdkCall(api.FetchChannelWebhook(service, chSid, sdkVal(hook.Sid))).must(t), got)

		got = sdkCall(api.UpdateChannelWebhook(service, chSid, sdkVal(studio.Sid), (&chatv2.UpdateChannelWebhookParams{}).
			SetConfigurationRetryCount(1).SetConfigurationFilters([]string{"onMessageSent"}))).must(t)
		sdkWantEqual(t, "studio configuration", sdkWebhookConfig(t, got), map[string]any{
			"flow_sid": testFlowSid, "filters": []any{"onMessageSent"}, "retry_count": 1.0,
		})

		got = sdkCall(api.UpdateChannelWebhook(service, chSid, sdkVal(trigger.Sid), (&chatv2.UpdateChannelWebhookParams{}).
			SetConfigurationTriggers([]string{"urgent"}))).must(t)
		sdkWantEqual(t, "trigger configuration", sdkWebhookConfig(t, got), map[string]any{
			"url": "https://hooks.example.com/trigger", "method": "POST", "triggers": []any{"urgent"}, "retry_count": 0.0,
		})
	})

	t.Run("update re-checks the configuration against the type", func(t *testing.T) {
		_, err := api.UpdateChannelWebhook(service, chSid, sdkVal(hook.Sid), (&chatv2.UpdateChannelWebhookParams{}).SetConfigurationUrl(""))
		wantSDKError(t, err, 400, 50329)
		_, err = api.UpdateChannelWebhook(service, chSid, sdkVal(trigger.Sid), (&chatv2.UpdateChannelWebhookParams{}).
			SetConfigurationTriggers([]string{"1", "2", "3", "4", "5", "6"}))
		wantSDKError(t, err, 400, 50322)
		_, err = api.UpdateChannelWebhook(service, chSid, sdkVal(studio.Sid), (&chatv2.UpdateChannelWebhookParams{}).
			SetConfigurationFlowSid("not a flow"))
		wantSDKError(t, err, 400, 50327)
		got := sdkCall(api.FetchChannelWebhook(service, chSid, sdkVal(hook.Sid))).must(t)
		sdkWantEqual(t, "url after refused update", sdkWebhookConfig(t, got)["url"], any("https://hooks.example.com/chat"))
	})

	t.Run("a sixth webhook is refused", func(t *testing.T) {
		for len(sids) < 5 {
			wh := sdkCall(api.CreateChannelWebhook(service, chSid, (&chatv2.CreateChannelWebhookParams{}).
				SetType("studio").SetConfigurationFlowSid(testFlowSid))).must(t)
			sids = append(sids, sdkVal(wh.Sid))
		}
		_, err := api.CreateChannelWebhook(service, chSid, (&chatv2.CreateChannelWebhookParams{}).
			SetType("studio").SetConfigurationFlowSid(testFlowSid))
		wantSDKError(t, err, 403, 50321)
		sdkWantEqual(t, "listed", sdkWebhookSids(t, api, service, chSid, nil), sids)
	})

	t.Run("delete removes the webhook and makes room", func(t *testing.T) {
		sdkOK(t, api.DeleteChannelWebhook(service, "support", sids[0]))
		_, err := api.FetchChannelWebhook(service, chSid, sids[0])
		wantSDKError(t, err, 404, 20404)
		wantSDKError(t, api.DeleteChannelWebhook(service, chSid, sids[0]), 404, 20404)
		sdkWantEqual(t, "listed", sdkWebhookSids(t, api, service, chSid, nil), sids[1:])
		sdkCall(api.CreateChannelWebhook(service, chSid, (&chatv2.CreateChannelWebhookParams{}).
			SetType("trigger").SetConfigurationUrl("https://hooks.example.com/t").SetConfigurationTriggers([]string{"x"}))).must(t)
	})

	t.Run("a webhook is not found under another channel", func(t *testing.T) {
		other := sdkVal(sdkChannel(t, api, service, "elsewhere").Sid)
		_, err := api.FetchChannelWebhook(service, other, sids[1])
		wantSDKError(t, err, 404, 20404)
		wantSDKError(t, api.DeleteChannelWebhook(service, other, sids[1]), 404, 20404)
	})

	t.Run("deleting the channel deletes its webhooks", func(t *testing.T) {
		sdkOK(t, api.DeleteChannel(service, chSid, nil))
		_, err := api.FetchChannelWebhook(service, chSid, sids[1])
		wantSDKError(t, err, 404, 20404)
		_, err = api.ListChannelWebhook(service, chSid, nil)
		wantSDKError(t, err, 404, 20404)
	})
}

func TestSDKChannelWebhookErrors(t *testing.T) {
	_, api := newSDKHarness(t)
	service := sdkVal(sdkService(t, api).Sid)
	channel := sdkVal(sdkChannel(t, api, service, "errors").Sid)
	webhook := func() *chatv2.CreateChannelWebhookParams {
		return (&chatv2.CreateChannelWebhookParams{}).SetType("webhook").
			SetConfigurationUrl("https://hooks.example.com/in").SetConfigurationFilters([]string{"onMessageSent"})
	}

	for _, c := range []struct {
		name   string
		params *chatv2.CreateChannelWebhookParams
		status int
		code   int
	}{
		{"no type", (&chatv2.CreateChannelWebhookParams{}).SetConfigurationUrl("https://hooks.example.com/in"), 400, 20001},
		{"unknown type", webhook().SetType("email"), 400, 50324},
		{"webhook without url", (&chatv2.CreateChannelWebhookParams{}).SetType("webhook").
			SetConfigurationFilters([]string{"onMessageSent"}), 400, 50329},
		{"webhook without filters", (&chatv2.CreateChannelWebhookParams{}).SetType("webhook").
			SetConfigurationUrl("https://hooks.example.com/in"), 400, 50330},
		{"unknown filter", webhook().SetConfigurationFilters([]string{"onMessageSent", "onEverything"}), 400, 50325},
		{"relative url", webhook().SetConfigurationUrl("dummy"), 400, 20001},
		{"url too long", webhook().SetConfigurationUrl("https://hooks.example.com/" + strings.Repeat("x", 2100)), 400, 50332},
		{"method", webhook().SetConfigurationMethod("PATCH"), 400, 20001},
		{"retry count", webhook().SetConfigurationRetryCount(5), 400, 50065},
		{"trigger without triggers", (&chatv2.CreateChannelWebhookParams{}).SetType("trigger").
			SetConfigurationUrl("https://hooks.example.com/in"), 400, 50331},
		{"empty trigger", (&chatv2.CreateChannelWebhookParams{}).SetType("trigger").
			SetConfigurationUrl("https://hooks.example.com/in").SetConfigurationTriggers([]string{""}), 400, 50326},
		{"studio without flow", (&chatv2.CreateChannelWebhookParams{}).SetType("studio"), 400, 50327},
		{"studio with a bad flow", (&chatv2.CreateChannelWebhookParams{}).SetType("studio").
			SetConfigurationFlowSid("FW00"), 400, 50327},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := api.CreateChannelWebhook(service, channel, c.params)
			wantSDKError(t, err, c.status, c.code)
			if got := sdkWebhookSids(t, api, service, channel, nil); len(got) != 0 {
				t.Errorf("a refused create stored %v", got)
			}
		})
	}
	t.Run("unknown channel", func(t *testing.T) {
		_, err := api.CreateChannelWebhook(service, "nowhere", webhook())
		wantSDKError(t, err, 404, 20404)
	})
}
