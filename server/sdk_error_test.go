package server_test

// Twilio's errors through the SDK, and what a restart keeps.

import (
	"fmt"
	"testing"

	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/chatd/chatd/internal/testenv"
)

func TestSDKErrors(t *testing.T) {
	h, api := newSDKHarness(t)
	service := sdkVal(sdkService(t, api).Sid)
	sdkChannel(t, api, service, "taken")
	other := sdkChannel(t, api, service, "other")
	sdkUser(t, api, service, "alice")
	sdkMember(t, api, service, "taken", "alice")
	const badAttributes = `{"unterminated": `

	for _, tc := range []struct {
		name         string
		call         func(api *sdk) error
		status, code int
	}{
		{"duplicate unique name on create", func(api *sdk) error {
			_, err := api.CreateChannel(service, (&chatv2.CreateChannelParams{}).SetUniqueName("taken"))
			return err
		}, 409, 50307},
		{"duplicate unique name on update", func(api *sdk) error {
			_, err := api.UpdateChannel(service, sdkVal(other.Sid), (&chatv2.UpdateChannelParams{}).SetUniqueName("taken"))
			return err
		}, 409, 50307},
		{"duplicate user identity", func(api *sdk) error {
			_, err := api.CreateUser(service, (&chatv2.CreateUserParams{}).SetIdentity("alice"))
			return err
		}, 409, 50201},
		{"member already in channel", func(api *sdk) error {
			_, err := api.CreateMember(service, "taken", (&chatv2.CreateMemberParams{}).SetIdentity("alice"))
			return err
		}, 409, 50404},
		{"unknown channel SID", func(api *sdk) error {
			_, err := api.FetchChannel(service, "CH00000000000000000000000000000000")
			return err
		}, 404, 20404},
		{"unknown channel unique name", func(api *sdk) error {
			_, err := api.FetchChannel(service, "missing")
			return err
		}, 404, 20404},
		{"messages of an unknown channel", func(api *sdk) error {
			_, err := api.ListMessage(service, "missing", nil)
			return err
		}, 404, 20404},
		{"unknown service", func(api *sdk) error {
			_, err := api.FetchService("IS00000000000000000000000000000000")
			return err
		}, 404, 20404},
		{"bad credentials", func(*sdk) error {
			_, err := newSDK(t, h, testenv.SDKCredentials(testAccount, "wrongtoken0123456789")).FetchService(service)
			return err
		}, 401, 20003},
		{"bad credentials on a list", func(*sdk) error {
			_, err := newSDK(t, h, testenv.SDKCredentials(testAccount, "wrongtoken0123456789")).ListService(nil)
			return err
		}, 401, 20003},
		{"invalid channel Attributes JSON", func(api *sdk) error {
			_, err := api.CreateChannel(service, (&chatv2.CreateChannelParams{}).SetAttributes(badAttributes))
			return err
		}, 400, 50304},
		{"invalid channel Attributes JSON on update", func(api *sdk) error {
			_, err := api.UpdateChannel(service, "other", (&chatv2.UpdateChannelParams{}).SetAttributes(badAttributes))
			return err
		}, 400, 50304},
		{"invalid user Attributes JSON", func(api *sdk) error {
			_, err := api.CreateUser(service, (&chatv2.CreateUserParams{}).SetIdentity("bob").SetAttributes(badAttributes))
			return err
		}, 400, 50304},
		{"invalid member Attributes JSON", func(api *sdk) error {
			_, err := api.CreateMember(service, "other", (&chatv2.CreateMemberParams{}).SetIdentity("carol").SetAttributes(badAttributes))
			return err
		}, 400, 50304},
		{"invalid message Attributes JSON", func(api *sdk) error {
			_, err := api.CreateMessage(service, "other", (&chatv2.CreateMessageParams{}).SetBody("x").SetAttributes(badAttributes))
			return err
		}, 400, 50304},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantSDKError(t, tc.call(api), tc.status, tc.code)
		})
	}

	t.Run("failed requests change nothing", func(t *testing.T) {
		chs := sdkCall(api.ListChannel(service, nil)).must(t)
		sdkWantEqual(t, "channels", len(chs), 2)
		users := sdkCall(api.ListUser(service, nil)).must(t)
		sdkWantEqual(t, "users", len(users), 1)
		sdkWantEqual(t, "other's attributes", sdkVal(sdkCall(api.FetchChannel(service, "other")).must(t).Attributes), "{}")
	})
}

func TestSDKPersistence(t *testing.T) {
	h, api := newSDKHarness(t)
	sv := sdkService(t, api)
	service := sdkVal(sv.Sid)
	sdkCall(api.UpdateService(service, (&chatv2.UpdateServiceParams{}).
		SetFriendlyName("durable").
		SetLimitsChannelMembers(12).
		SetNotificationsNewMessageEnabled(true).
		SetNotificationsNewMessageTemplate("new").
		SetWebhookFilters([]string{"onMessageSent"}))).must(t)
	role := sdkCall(api.CreateRole(service, (&chatv2.CreateRoleParams{}).
		SetFriendlyName("keeper").SetType("channel").SetPermission([]string{"sendMessage", "leaveChannel"}))).must(t)
	user := sdkCall(api.CreateUser(service, (&chatv2.CreateUserParams{}).SetIdentity("erin").SetFriendlyName("Erin"))).must(t)
	sdkUser(t, api, service, "frank")
	ch := sdkCall(api.CreateChannel(service, (&chatv2.CreateChannelParams{}).
		SetUniqueName("vault").SetAttributes(`{"kept":true}`).SetType("private"))).must(t)
	member := sdkMember(t, api, service, "vault", "erin")
	invite := sdkCall(api.CreateInvite(service, "vault", (&chatv2.CreateInviteParams{}).SetIdentity("frank"))).must(t)
	var bodies []string
	for i := 0; i < 3; i++ {
		bodies = append(bodies, sdkVal(sdkMessage(t, api, service, "vault", fmt.Sprint("kept ", i)).Body))
	}
	sdkCall(api.UpdateUserChannel(service, "erin", "vault", (&chatv2.UpdateUserChannelParams{}).
		SetLastConsumedMessageIndex(0).SetNotificationLevel("muted"))).must(t)

	oldURL := h.URL()
	h.restart()
	if h.URL() == oldURL {
		t.Fatalf("restart kept the URL %s", oldURL)
	}
	api = newSDK(t, h)

	t.Run("service with its settings", func(t *testing.T) {
		got := sdkCall(api.FetchService(service)).must(t)
		sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "durable")
		sdkWantEqual(t, "limits", sdkVal(got.Limits), any(map[string]any{"channel_members": 12.0, "user_channels": 250.0}))
		nm, _ := sdkVal(got.Notifications).(map[string]any)["new_message"].(map[string]any)
		sdkWantEqual(t, "new_message.enabled", nm["enabled"], any(true))
		sdkWantEqual(t, "new_message.template", nm["template"], any("new"))
		sdkWantEqual(t, "webhook_filters", sdkVal(got.WebhookFilters), []string{"onMessageSent"})
		sdkWantEqual(t, "url", sdkVal(got.Url), h.URL()+"/v2/Services/"+service)
	})
	t.Run("role", func(t *testing.T) {
		got := sdkCall(api.FetchRole(service, sdkVal(role.Sid))).must(t)
		sdkWantEqual(t, "permissions", sdkVal(got.Permissions), []string{"sendMessage", "leaveChannel"})
	})
	t.Run("user by identity", func(t *testing.T) {
		got := sdkCall(api.FetchUser(service, "erin")).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sdkVal(user.Sid))
		sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "Erin")
		sdkWantEqual(t, "joined_channels_count", got.JoinedChannelsCount, 1)
	})
	t.Run("channel by unique name", func(t *testing.T) {
		got := sdkCall(api.FetchChannel(service, "vault")).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sdkVal(ch.Sid))
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), `{"kept":true}`)
		sdkWantEqual(t, "type", sdkVal(got.Type), "private")
		sdkWantEqual(t, "members_count", got.MembersCount, 1)
		sdkWantEqual(t, "messages_count", got.MessagesCount, 3)
	})
	t.Run("member by identity", func(t *testing.T) {
		got := sdkCall(api.FetchMember(service, "vault", "erin")).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sdkVal(member.Sid))
	})
	t.Run("invite", func(t *testing.T) {
		got := sdkCall(api.ListInvite(service, "vault", (&chatv2.ListInviteParams{}).SetIdentity([]string{"frank"}))).must(t)
		if len(got) != 1 || sdkVal(got[0].Sid) != sdkVal(invite.Sid) {
			t.Errorf("invites of frank = %d, want %s", len(got), sdkVal(invite.Sid))
		}
	})
	t.Run("messages in order", func(t *testing.T) {
		got := sdkKeys(sdkCall(api.ListMessage(service, "vault", (&chatv2.ListMessageParams{}).SetPageSize(2))).must(t),
			func(m chatv2.ChatV2Message) string { return sdkVal(m.Body) })
		sdkWantEqual(t, "bodies", got, bodies)
	})
	t.Run("user channel horizon", func(t *testing.T) {
		got := sdkCall(api.FetchUserChannel(service, "erin", "vault")).must(t)
		sdkWantEqual(t, "notification_level", sdkVal(got.NotificationLevel), "muted")
		if got.UnreadMessagesCount == nil || *got.UnreadMessagesCount != 2 {
			t.Errorf("unread_messages_count = %v, want 2", sdkShow(got.UnreadMessagesCount))
		}
	})
	t.Run("new writes continue after the restart", func(t *testing.T) {
		m := sdkMessage(t, api, service, "vault", "after restart")
		sdkWantEqual(t, "index", m.Index, 3)
		_, err := api.CreateChannel(service, (&chatv2.CreateChannelParams{}).SetUniqueName("vault"))
		wantSDKError(t, err, 409, 50307)
	})
}
