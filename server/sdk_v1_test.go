package server_test

import (
	"testing"

	chatv1 "github.com/twilio/twilio-go/rest/chat/v1"
	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"
	chatv3 "github.com/twilio/twilio-go/rest/chat/v3"
)

// TestSDKV1 drives the v1 API through twilio-go's Chat V1, with data made
// through Chat V2 and the reverse.
func TestSDKV1(t *testing.T) {
	h := newHarness(t)
	c := h.srv.SDK(t)
	v1 := chatv1.NewApiServiceWithClient(c)
	v2 := chatv2.NewApiServiceWithClient(c)

	sv := sdkCall(v1.CreateService(&chatv1.CreateServiceParams{FriendlyName: ptrTo("v1 service")})).must(t)
	svc := sdkVal(sv.Sid)
	sv = sdkCall(v1.UpdateService(svc, (&chatv1.UpdateServiceParams{}).
		SetWebhooksOnMessageSentUrl("https://example.com/sent").
		SetWebhooksOnMessageSentMethod("POST").
		SetLimitsChannelMembers(10))).must(t)
	hooks, _ := (*sv.Webhooks).(map[string]any)
	sent, _ := hooks["on_message_sent"].(map[string]any)
	if sent["url"] != "https://example.com/sent" || sent["method"] != "POST" {
		t.Errorf("webhooks.on_message_sent = %v", sent)
	}
	if got := sdkCall(v2.FetchService(svc)).must(t); sdkVal(got.FriendlyName) != "v1 service" {
		t.Errorf("v2 fetch: %v", sdkShow(got.FriendlyName))
	}

	ch := sdkCall(v1.CreateChannel(svc, (&chatv1.CreateChannelParams{}).SetUniqueName("general").SetType("private"))).must(t)
	sdkCall(v1.CreateMember(svc, sdkVal(ch.Sid), (&chatv1.CreateMemberParams{}).SetIdentity("alice"))).must(t)
	for _, body := range []string{"one", "two", "three"} {
		sdkCall(v1.CreateMessage(svc, sdkVal(ch.Sid), (&chatv1.CreateMessageParams{}).SetBody(body).SetFrom("alice"))).must(t)
	}
	msgs := sdkCall(v1.ListMessage(svc, sdkVal(ch.Sid), (&chatv1.ListMessageParams{}).SetOrder("desc").SetPageSize(2))).must(t)
	if len(msgs) != 3 || sdkVal(msgs[0].Body) != "three" || msgs[2].Index != 0 {
		t.Errorf("v1 messages desc: %d, first %q", len(msgs), sdkShow(msgs[0].Body))
	}
	v2msgs := sdkCall(v2.ListMessage(svc, "general", nil)).must(t)
	if len(v2msgs) != 3 || sdkVal(v2msgs[0].Type) != "text" {
		t.Errorf("v2 sees %d messages", len(v2msgs))
	}

	ucs := sdkCall(v1.ListUserChannel(svc, "alice", nil)).must(t)
	if len(ucs) != 1 || sdkVal(ucs[0].Status) != "joined" || sdkVal(ucs[0].ChannelSid) != sdkVal(ch.Sid) {
		t.Errorf("v1 user channels: %+v", ucs)
	}
	u := sdkCall(v1.FetchUser(svc, "alice")).must(t)
	if u.JoinedChannelsCount != 1 {
		t.Errorf("joined_channels_count = %d", u.JoinedChannelsCount)
	}
	role := sdkCall(v1.CreateRole(svc, &chatv1.CreateRoleParams{
		FriendlyName: ptrTo("mod"), Type: ptrTo("channel"), Permission: &[]string{"sendMessage"},
	})).must(t)
	sdkCall(v1.UpdateMember(svc, sdkVal(ch.Sid), sdkVal(sdkCall(v2.FetchMember(svc, "general", "alice")).must(t).Sid),
		(&chatv1.UpdateMemberParams{}).SetRoleSid(sdkVal(role.Sid)))).must(t)
	if got := sdkCall(v2.FetchMember(svc, "general", "alice")).must(t); sdkVal(got.RoleSid) != sdkVal(role.Sid) {
		t.Errorf("v2 sees member role %s", sdkShow(got.RoleSid))
	}

	_, err := v1.CreateChannel(svc, (&chatv1.CreateChannelParams{}).SetUniqueName("general"))
	wantSDKError(t, err, 409, 50307)
	sdkOK(t, v1.DeleteChannel(svc, sdkVal(ch.Sid)))
	_, err = v2.FetchChannel(svc, "general")
	wantSDKError(t, err, 404, 20404)
}

// TestSDKV3 moves a channel to private through twilio-go's Chat V3.
func TestSDKV3(t *testing.T) {
	h := newHarness(t)
	c := h.srv.SDK(t)
	v2 := chatv2.NewApiServiceWithClient(c)
	v3 := chatv3.NewApiServiceWithClient(c)
	svc := sdkVal(sdkCall(v2.CreateService(&chatv2.CreateServiceParams{FriendlyName: ptrTo("s")})).must(t).Sid)
	sdkCall(v2.CreateChannel(svc, (&chatv2.CreateChannelParams{}).SetUniqueName("general"))).must(t)

	ch := sdkCall(v3.UpdateChannel(svc, "general", (&chatv3.UpdateChannelParams{}).
		SetType("private").SetMessagingServiceSid("MG0123456789abcdef0123456789abcdef").SetXTwilioWebhookEnabled("true"))).must(t)
	if sdkVal(ch.Type) != "private" || sdkVal(ch.MessagingServiceSid) != "MG0123456789abcdef0123456789abcdef" {
		t.Errorf("v3 channel: type %s, messaging service %s", sdkShow(ch.Type), sdkShow(ch.MessagingServiceSid))
	}
	_, err := v3.UpdateChannel(svc, "general", (&chatv3.UpdateChannelParams{}).SetType("public"))
	wantSDKError(t, err, 400, 50393)
	if got := sdkCall(v2.FetchChannel(svc, "general")).must(t); sdkVal(got.Type) != "private" {
		t.Errorf("v2 sees type %s", sdkShow(got.Type))
	}
}

func ptrTo[T any](v T) *T { return &v }
