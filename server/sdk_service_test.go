package server_test

// Services, Roles and Users through twilio-go's Chat V2.

import (
	"strings"
	"testing"

	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"
)

func TestSDKServices(t *testing.T) {
	h, api := newSDKHarness(t)
	sv := sdkService(t, api)
	sid := sdkVal(sv.Sid)

	t.Run("create returns the new service with Twilio's defaults", func(t *testing.T) {
		if !strings.HasPrefix(sid, "IS") || len(sid) != 34 {
			t.Fatalf("sid = %q", sid)
		}
		sdkWantEqual(t, "account_sid", sdkVal(sv.AccountSid), testAccount)
		sdkWantEqual(t, "friendly_name", sdkVal(sv.FriendlyName), "sdk service")
		sdkWantEqual(t, "read_status_enabled", sdkVal(sv.ReadStatusEnabled), true)
		sdkWantEqual(t, "reachability_enabled", sdkVal(sv.ReachabilityEnabled), false)
		sdkWantEqual(t, "typing_indicator_timeout", sv.TypingIndicatorTimeout, 5)
		sdkWantEqual(t, "consumption_report_interval", sv.ConsumptionReportInterval, 10)
		sdkWantEqual(t, "limits", sdkVal(sv.Limits), any(map[string]any{"channel_members": 100.0, "user_channels": 250.0}))
		sdkWantEqual(t, "notifications", sdkVal(sv.Notifications), any(map[string]any{
			"new_message":          map[string]any{"enabled": false},
			"added_to_channel":     map[string]any{"enabled": false},
			"removed_from_channel": map[string]any{"enabled": false},
			"invited_to_channel":   map[string]any{"enabled": false},
			"log_enabled":          false,
		}))
		for name, role := range map[string]*string{
			"default_service_role_sid":         sv.DefaultServiceRoleSid,
			"default_channel_role_sid":         sv.DefaultChannelRoleSid,
			"default_channel_creator_role_sid": sv.DefaultChannelCreatorRoleSid,
		} {
			if !strings.HasPrefix(sdkVal(role), "RL") {
				t.Errorf("%s = %q", name, sdkVal(role))
			}
		}
		if sv.DateCreated == nil || sv.DateUpdated == nil {
			t.Errorf("dates = %v, %v", sv.DateCreated, sv.DateUpdated)
		}
		sdkWantEqual(t, "url", sdkVal(sv.Url), h.URL()+"/v2/Services/"+sid)
		sdkWantEqual(t, "links.channels", sdkVal(sv.Links)["channels"], any(h.URL()+"/v2/Services/"+sid+"/Channels"))
	})

	t.Run("fetch returns the service", func(t *testing.T) {
		got := sdkCall(api.FetchService(sid)).must(t)
		sdkWantEqual(t, "fetched", got, sv)
	})

	t.Run("list returns every service", func(t *testing.T) {
		other := sdkService(t, api)
		var sids []string
		for _, s := range sdkCall(api.ListService(nil)).must(t) {
			sids = append(sids, sdkVal(s.Sid))
		}
		sdkWantEqual(t, "listed sids", sids, []string{sid, sdkVal(other.Sid)})
	})

	t.Run("update sets every field and the nested objects come back as set", func(t *testing.T) {
		role := sdkCall(api.CreateRole(sid, (&chatv2.CreateRoleParams{}).
			SetFriendlyName("reader").SetType("channel").SetPermission([]string{"sendMessage"}))).must(t)
		p := (&chatv2.UpdateServiceParams{}).
			SetFriendlyName("renamed").
			SetDefaultChannelRoleSid(sdkVal(role.Sid)).
			SetReadStatusEnabled(false).
			SetReachabilityEnabled(true).
			SetTypingIndicatorTimeout(9).
			SetConsumptionReportInterval(15).
			SetNotificationsNewMessageEnabled(true).
			SetNotificationsNewMessageTemplate("${USER}: ${MESSAGE}").
			SetNotificationsNewMessageSound("ding").
			SetNotificationsNewMessageBadgeCountEnabled(true).
			SetNotificationsAddedToChannelEnabled(true).
			SetNotificationsAddedToChannelTemplate("added to ${CHANNEL}").
			SetNotificationsAddedToChannelSound("pop").
			SetNotificationsRemovedFromChannelEnabled(true).
			SetNotificationsRemovedFromChannelTemplate("removed from ${CHANNEL}").
			SetNotificationsRemovedFromChannelSound("bye").
			SetNotificationsInvitedToChannelEnabled(true).
			SetNotificationsInvitedToChannelTemplate("invited to ${CHANNEL}").
			SetNotificationsInvitedToChannelSound("knock").
			SetNotificationsLogEnabled(true).
			SetPreWebhookUrl("https://hooks.example.com/pre").
			SetPostWebhookUrl("https://hooks.example.com/post").
			SetWebhookMethod("POST").
			SetWebhookFilters([]string{"onMessageSend", "onChannelAdded"}).
			SetPreWebhookRetryCount(2).
			SetPostWebhookRetryCount(3).
			SetLimitsChannelMembers(40).
			SetLimitsUserChannels(30).
			SetMediaCompatibilityMessage("Upgrade to see media")
		updated := sdkCall(api.UpdateService(sid, p)).must(t)

		wantNotifications := any(map[string]any{
			"new_message": map[string]any{
				"enabled": true, "template": "${USER}: ${MESSAGE}", "sound": "ding", "badge_count_enabled": true,
			},
			"added_to_channel":     map[string]any{"enabled": true, "template": "added to ${CHANNEL}", "sound": "pop"},
			"removed_from_channel": map[string]any{"enabled": true, "template": "removed from ${CHANNEL}", "sound": "bye"},
			"invited_to_channel":   map[string]any{"enabled": true, "template": "invited to ${CHANNEL}", "sound": "knock"},
			"log_enabled":          true,
		})
		check := func(t *testing.T, got *chatv2.ChatV2Service) {
			t.Helper()
			sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "renamed")
			sdkWantEqual(t, "default_channel_role_sid", sdkVal(got.DefaultChannelRoleSid), sdkVal(role.Sid))
			sdkWantEqual(t, "default_service_role_sid", sdkVal(got.DefaultServiceRoleSid), sdkVal(sv.DefaultServiceRoleSid))
			sdkWantEqual(t, "read_status_enabled", sdkVal(got.ReadStatusEnabled), false)
			sdkWantEqual(t, "reachability_enabled", sdkVal(got.ReachabilityEnabled), true)
			sdkWantEqual(t, "typing_indicator_timeout", got.TypingIndicatorTimeout, 9)
			sdkWantEqual(t, "consumption_report_interval", got.ConsumptionReportInterval, 15)
			sdkWantEqual(t, "notifications", sdkVal(got.Notifications), wantNotifications)
			sdkWantEqual(t, "pre_webhook_url", sdkVal(got.PreWebhookUrl), "https://hooks.example.com/pre")
			sdkWantEqual(t, "post_webhook_url", sdkVal(got.PostWebhookUrl), "https://hooks.example.com/post")
			sdkWantEqual(t, "webhook_method", sdkVal(got.WebhookMethod), "POST")
			sdkWantEqual(t, "webhook_filters", sdkVal(got.WebhookFilters), []string{"onMessageSend", "onChannelAdded"})
			sdkWantEqual(t, "pre_webhook_retry_count", got.PreWebhookRetryCount, 2)
			sdkWantEqual(t, "post_webhook_retry_count", got.PostWebhookRetryCount, 3)
			sdkWantEqual(t, "limits", sdkVal(got.Limits), any(map[string]any{"channel_members": 40.0, "user_channels": 30.0}))
			sdkWantEqual(t, "media", sdkVal(got.Media), any(map[string]any{
				"size_limit_mb": 150.0, "compatibility_message": "Upgrade to see media",
			}))
			if got.DateUpdated == nil || got.DateUpdated.Before(*sv.DateCreated) {
				t.Errorf("date_updated %v before date_created %v", sdkShow(got.DateUpdated), sdkShow(sv.DateCreated))
			}
		}
		t.Run("in the update response", func(t *testing.T) { check(t, updated) })
		t.Run("on a later fetch", func(t *testing.T) { check(t, sdkCall(api.FetchService(sid)).must(t)) })

		t.Run("a partial update leaves the other fields alone", func(t *testing.T) {
			got := sdkCall(api.UpdateService(sid, (&chatv2.UpdateServiceParams{}).SetLimitsUserChannels(31))).must(t)
			sdkWantEqual(t, "limits", sdkVal(got.Limits), any(map[string]any{"channel_members": 40.0, "user_channels": 31.0}))
			sdkWantEqual(t, "notifications", sdkVal(got.Notifications), wantNotifications)
			sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "renamed")
			sdkWantEqual(t, "webhook_filters", sdkVal(got.WebhookFilters), []string{"onMessageSend", "onChannelAdded"})
		})
	})

	t.Run("delete removes the service and everything in it", func(t *testing.T) {
		doomed := sdkService(t, api)
		ch := sdkChannel(t, api, sdkVal(doomed.Sid), "inside")
		sdkOK(t, api.DeleteService(sdkVal(doomed.Sid)))
		_, err := api.FetchService(sdkVal(doomed.Sid))
		wantSDKError(t, err, 404, 20404)
		_, err = api.FetchChannel(sdkVal(doomed.Sid), sdkVal(ch.Sid))
		wantSDKError(t, err, 404, 20404)
		wantSDKError(t, api.DeleteService(sdkVal(doomed.Sid)), 404, 20404)
	})
}

func TestSDKRoles(t *testing.T) {
	_, api := newSDKHarness(t)
	sv := sdkService(t, api)
	service := sdkVal(sv.Sid)

	t.Run("a new service lists its four default roles", func(t *testing.T) {
		roles := sdkCall(api.ListRole(service, nil)).must(t)
		var got [][3]string
		for _, r := range roles {
			got = append(got, [3]string{sdkVal(r.Sid), sdkVal(r.FriendlyName), sdkVal(r.Type)})
		}
		sdkWantEqual(t, "roles", len(got), 4)
		if len(got) != 4 {
			return
		}
		sdkWantEqual(t, "names and types", [][2]string{
			{got[0][1], got[0][2]}, {got[1][1], got[1][2]}, {got[2][1], got[2][2]}, {got[3][1], got[3][2]},
		}, [][2]string{
			{"service admin", "deployment"}, {"service user", "deployment"},
			{"channel admin", "channel"}, {"channel user", "channel"},
		})
		sdkWantEqual(t, "default_service_role_sid", sdkVal(sv.DefaultServiceRoleSid), got[1][0])
		sdkWantEqual(t, "default_channel_creator_role_sid", sdkVal(sv.DefaultChannelCreatorRoleSid), got[2][0])
		sdkWantEqual(t, "default_channel_role_sid", sdkVal(sv.DefaultChannelRoleSid), got[3][0])
	})

	perms := []string{"sendMessage", "leaveChannel", "editOwnMessage"}
	role := sdkCall(api.CreateRole(service, (&chatv2.CreateRoleParams{}).
		SetFriendlyName("moderator").SetType("channel").SetPermission(perms))).must(t)
	sid := sdkVal(role.Sid)

	t.Run("create takes a repeated Permission", func(t *testing.T) {
		if !strings.HasPrefix(sid, "RL") {
			t.Errorf("sid = %q", sid)
		}
		sdkWantEqual(t, "friendly_name", sdkVal(role.FriendlyName), "moderator")
		sdkWantEqual(t, "type", sdkVal(role.Type), "channel")
		sdkWantEqual(t, "permissions", sdkVal(role.Permissions), perms)
		sdkWantEqual(t, "service_sid", sdkVal(role.ServiceSid), service)
	})

	t.Run("fetch returns the role", func(t *testing.T) {
		sdkWantEqual(t, "fetched", sdkCall(api.FetchRole(service, sid)).must(t), role)
	})

	t.Run("list includes the new role last", func(t *testing.T) {
		roles := sdkCall(api.ListRole(service, nil)).must(t)
		if len(roles) != 5 || sdkVal(roles[4].Sid) != sid {
			t.Fatalf("listed %d roles, last %q; want 5 ending with %s", len(roles), sdkVal(roles[len(roles)-1].Sid), sid)
		}
	})

	t.Run("update replaces the permissions", func(t *testing.T) {
		want := []string{"sendMediaMessage", "deleteOwnMessage"}
		got := sdkCall(api.UpdateRole(service, sid, (&chatv2.UpdateRoleParams{}).SetPermission(want))).must(t)
		sdkWantEqual(t, "updated permissions", sdkVal(got.Permissions), want)
		sdkWantEqual(t, "fetched permissions", sdkVal(sdkCall(api.FetchRole(service, sid)).must(t).Permissions), want)
		sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "moderator")
	})

	t.Run("delete removes the role", func(t *testing.T) {
		sdkOK(t, api.DeleteRole(service, sid))
		_, err := api.FetchRole(service, sid)
		wantSDKError(t, err, 404, 20404)
	})
}

func TestSDKUsers(t *testing.T) {
	_, api := newSDKHarness(t)
	sv := sdkService(t, api)
	service := sdkVal(sv.Sid)

	const identity = "alice@example.com"
	created := sdkCall(api.CreateUser(service, (&chatv2.CreateUserParams{}).
		SetIdentity(identity).SetFriendlyName("Alice").SetAttributes(`{"team":"red"}`))).must(t)
	sid := sdkVal(created.Sid)

	t.Run("create returns the user with the default service role", func(t *testing.T) {
		if !strings.HasPrefix(sid, "US") {
			t.Errorf("sid = %q", sid)
		}
		sdkWantEqual(t, "identity", sdkVal(created.Identity), identity)
		sdkWantEqual(t, "friendly_name", sdkVal(created.FriendlyName), "Alice")
		sdkWantEqual(t, "attributes", sdkVal(created.Attributes), `{"team":"red"}`)
		sdkWantEqual(t, "role_sid", sdkVal(created.RoleSid), sdkVal(sv.DefaultServiceRoleSid))
		sdkWantEqual(t, "joined_channels_count", created.JoinedChannelsCount, 0)
	})

	for _, key := range []struct{ name, key string }{{"SID", sid}, {"identity", identity}} {
		t.Run("fetch by "+key.name, func(t *testing.T) {
			got := sdkCall(api.FetchUser(service, key.key)).must(t)
			sdkWantEqual(t, "sid", sdkVal(got.Sid), sid)
			sdkWantEqual(t, "identity", sdkVal(got.Identity), identity)
		})
	}

	t.Run("update by SID and by identity", func(t *testing.T) {
		for _, tc := range []struct{ key, name, attrs string }{
			{sid, "Alice by SID", `{"by":"sid"}`},
			{identity, "Alice by identity", `{"by":"identity"}`},
		} {
			got := sdkCall(api.UpdateUser(service, tc.key, (&chatv2.UpdateUserParams{}).
				SetFriendlyName(tc.name).SetAttributes(tc.attrs))).must(t)
			sdkWantEqual(t, "sid", sdkVal(got.Sid), sid)
			sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), tc.name)
			sdkWantEqual(t, "attributes", sdkVal(got.Attributes), tc.attrs)
			fetched := sdkCall(api.FetchUser(service, sid)).must(t)
			sdkWantEqual(t, "fetched friendly_name", sdkVal(fetched.FriendlyName), tc.name)
		}
	})

	t.Run("update changes the role", func(t *testing.T) {
		admin := sdkVal(sdkCall(api.ListRole(service, nil)).must(t)[0].Sid)
		got := sdkCall(api.UpdateUser(service, identity, (&chatv2.UpdateUserParams{}).SetRoleSid(admin))).must(t)
		sdkWantEqual(t, "role_sid", sdkVal(got.RoleSid), admin)
	})

	t.Run("list returns every user", func(t *testing.T) {
		bob := sdkUser(t, api, service, "bob")
		var got []string
		for _, u := range sdkCall(api.ListUser(service, nil)).must(t) {
			got = append(got, sdkVal(u.Identity))
		}
		sdkWantEqual(t, "identities", got, []string{identity, "bob"})
		sdkOK(t, api.DeleteUser(service, sdkVal(bob.Sid)))
	})

	for _, tc := range []struct {
		name string
		key  func(u *chatv2.ChatV2User) string
	}{
		{"SID", func(u *chatv2.ChatV2User) string { return sdkVal(u.Sid) }},
		{"identity", func(u *chatv2.ChatV2User) string { return sdkVal(u.Identity) }},
	} {
		t.Run("delete by "+tc.name, func(t *testing.T) {
			u := sdkUser(t, api, service, "doomed-"+tc.name)
			sdkOK(t, api.DeleteUser(service, tc.key(u)))
			_, err := api.FetchUser(service, sdkVal(u.Sid))
			wantSDKError(t, err, 404, 20404)
			_, err = api.FetchUser(service, sdkVal(u.Identity))
			wantSDKError(t, err, 404, 20404)
		})
	}
}
