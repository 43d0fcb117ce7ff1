package server_test

// The Services, Roles and Users groups of TestSDKV1Operations.

import (
	"slices"
	"testing"

	chatv1 "github.com/twilio/twilio-go/rest/chat/v1"
)

// v1WebhookSetters are the sixteen per-event webhooks of a v1 Service:
// their key in the webhooks object and the SDK's setters of their Url and
// Method.
var v1WebhookSetters = []struct {
	key         string
	url, method func(*chatv1.UpdateServiceParams, string) *chatv1.UpdateServiceParams
}{
	{"on_message_send", (*chatv1.UpdateServiceParams).SetWebhooksOnMessageSendUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnMessageSendMethod},
	{"on_message_update", (*chatv1.UpdateServiceParams).SetWebhooksOnMessageUpdateUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnMessageUpdateMethod},
	{"on_message_remove", (*chatv1.UpdateServiceParams).SetWebhooksOnMessageRemoveUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnMessageRemoveMethod},
	{"on_channel_add", (*chatv1.UpdateServiceParams).SetWebhooksOnChannelAddUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnChannelAddMethod},
	{"on_channel_destroy", (*chatv1.UpdateServiceParams).SetWebhooksOnChannelDestroyUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnChannelDestroyMethod},
	{"on_channel_update", (*chatv1.UpdateServiceParams).SetWebhooksOnChannelUpdateUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnChannelUpdateMethod},
	{"on_member_add", (*chatv1.UpdateServiceParams).SetWebhooksOnMemberAddUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnMemberAddMethod},
	{"on_member_remove", (*chatv1.UpdateServiceParams).SetWebhooksOnMemberRemoveUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnMemberRemoveMethod},
	{"on_message_sent", (*chatv1.UpdateServiceParams).SetWebhooksOnMessageSentUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnMessageSentMethod},
	{"on_message_updated", (*chatv1.UpdateServiceParams).SetWebhooksOnMessageUpdatedUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnMessageUpdatedMethod},
	{"on_message_removed", (*chatv1.UpdateServiceParams).SetWebhooksOnMessageRemovedUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnMessageRemovedMethod},
	{"on_channel_added", (*chatv1.UpdateServiceParams).SetWebhooksOnChannelAddedUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnChannelAddedMethod},
	{"on_channel_destroyed", (*chatv1.UpdateServiceParams).SetWebhooksOnChannelDestroyedUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnChannelDestroyedMethod},
	{"on_channel_updated", (*chatv1.UpdateServiceParams).SetWebhooksOnChannelUpdatedUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnChannelUpdatedMethod},
	{"on_member_added", (*chatv1.UpdateServiceParams).SetWebhooksOnMemberAddedUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnMemberAddedMethod},
	{"on_member_removed", (*chatv1.UpdateServiceParams).SetWebhooksOnMemberRemovedUrl, (*chatv1.UpdateServiceParams).SetWebhooksOnMemberRemovedMethod},
}

// v1NotificationSetters are the four push notification events of a v1
// Service and the SDK's setters of their Enabled and Template.
var v1NotificationSetters = []struct {
	key      string
	enabled  func(*chatv1.UpdateServiceParams, bool) *chatv1.UpdateServiceParams
	template func(*chatv1.UpdateServiceParams, string) *chatv1.UpdateServiceParams
}{
	{"new_message", (*chatv1.UpdateServiceParams).SetNotificationsNewMessageEnabled, (*chatv1.UpdateServiceParams).SetNotificationsNewMessageTemplate},
	{"added_to_channel", (*chatv1.UpdateServiceParams).SetNotificationsAddedToChannelEnabled, (*chatv1.UpdateServiceParams).SetNotificationsAddedToChannelTemplate},
	{"removed_from_channel", (*chatv1.UpdateServiceParams).SetNotificationsRemovedFromChannelEnabled, (*chatv1.UpdateServiceParams).SetNotificationsRemovedFromChannelTemplate},
	{"invited_to_channel", (*chatv1.UpdateServiceParams).SetNotificationsInvitedToChannelEnabled, (*chatv1.UpdateServiceParams).SetNotificationsInvitedToChannelTemplate},
}

// v1Webhooks returns the decoded webhooks object of a v1 Service.
func v1Webhooks(t *testing.T, sv *chatv1.ChatV1Service) map[string]any {
	t.Helper()
	if sv.Webhooks == nil {
		t.Fatal("webhooks is null; a v1 Service always has the webhooks object")
	}
	hooks, ok := (*sv.Webhooks).(map[string]any)
	if !ok {
		t.Fatalf("webhooks = %#v, want an object", *sv.Webhooks)
	}
	return hooks
}

func testV1Services(t *testing.T, e *v1Env) {
	sv := e.service(t, "v1 service")
	raw := e.last(t)
	sid := sdkVal(sv.Sid)

	e.run(t, "create returns the service with Twilio's defaults", func(t *testing.T) {
		wantSid(t, "sid", sid, "IS")
		sdkWantEqual(t, "account_sid", sdkVal(sv.AccountSid), testAccount)
		sdkWantEqual(t, "friendly_name", sdkVal(sv.FriendlyName), "v1 service")
		sdkWantEqual(t, "read_status_enabled", sdkVal(sv.ReadStatusEnabled), true)
		sdkWantEqual(t, "reachability_enabled", sdkVal(sv.ReachabilityEnabled), false)
		sdkWantEqual(t, "typing_indicator_timeout", sv.TypingIndicatorTimeout, 5)
		sdkWantEqual(t, "consumption_report_interval", sv.ConsumptionReportInterval, 10)
		sdkWantEqual(t, "limits", sdkVal(sv.Limits), any(map[string]any{"channel_members": 100.0, "user_channels": 250.0}))
		for name, role := range map[string]*string{
			"default_service_role_sid":         sv.DefaultServiceRoleSid,
			"default_channel_role_sid":         sv.DefaultChannelRoleSid,
			"default_channel_creator_role_sid": sv.DefaultChannelCreatorRoleSid,
		} {
			wantSid(t, name, sdkVal(role), "RL")
		}
		if sv.PreWebhookUrl != nil || sv.PostWebhookUrl != nil {
			t.Errorf("pre/post_webhook_url = %s, %s; want null", sdkShow(sv.PreWebhookUrl), sdkShow(sv.PostWebhookUrl))
		}
		if sv.DateCreated == nil || sv.DateUpdated == nil {
			t.Errorf("dates = %s, %s", sdkShow(sv.DateCreated), sdkShow(sv.DateUpdated))
		}
		sdkWantEqual(t, "url", sdkVal(sv.Url), e.v1URL("/Services/"+sid))
		sdkWantEqual(t, "links", sdkVal(sv.Links), map[string]any{
			"channels": e.v1URL("/Services/" + sid + "/Channels"),
			"users":    e.v1URL("/Services/" + sid + "/Users"),
			"roles":    e.v1URL("/Services/" + sid + "/Roles"),
		})
	})

	e.run(t, "a v1 service has the webhooks object and no v2 fields", func(t *testing.T) {
		hooks := v1Webhooks(t, sv)
		var want []string
		for _, w := range v1WebhookSetters {
			want = append(want, w.key)
			hook, _ := hooks[w.key].(map[string]any)
			if hook == nil || hook["url"] != nil || hook["method"] != nil {
				t.Errorf("webhooks.%s = %v, want url and method null", w.key, hooks[w.key])
			}
		}
		wantKeys(t, "webhooks", hooks, want...)
		wantAbsent(t, "v1 service", raw, "media", "pre_webhook_retry_count", "post_webhook_retry_count")
	})

	e.run(t, "fetch returns the service", func(t *testing.T) {
		sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchService(sid)).must(t), sv)
	})

	e.run(t, "list returns every service in order", func(t *testing.T) {
		other := e.service(t, "other")
		got := sdkCall(e.v1.ListService(nil)).must(t)
		sdkWantEqual(t, "sids", sdkKeys(got, func(s chatv1.ChatV1Service) string { return sdkVal(s.Sid) }),
			[]string{sid, sdkVal(other.Sid)})
		if len(got) > 0 {
			sdkWantEqual(t, "first listed", got[0], *sv)
		}
	})

	e.run(t, "update sets notifications, per-event webhooks and limits", func(t *testing.T) {
		roles := sdkCall(e.v1.ListRole(sid, nil)).must(t)
		if len(roles) != 4 {
			t.Fatalf("%d roles, want 4", len(roles))
		}
		admin, channelAdmin := sdkVal(roles[0].Sid), sdkVal(roles[2].Sid)
		p := (&chatv1.UpdateServiceParams{}).
			SetFriendlyName("renamed").
			SetDefaultServiceRoleSid(admin).
			SetDefaultChannelRoleSid(channelAdmin).
			SetReadStatusEnabled(false).
			SetReachabilityEnabled(true).
			SetTypingIndicatorTimeout(9).
			SetConsumptionReportInterval(15).
			SetPreWebhookUrl("https://hooks.example.com/pre").
			SetPostWebhookUrl("https://hooks.example.com/post").
			SetWebhookMethod("GET").
			SetWebhookFilters([]string{"onMessageSend", "onChannelAdded"}).
			SetLimitsChannelMembers(40).
			SetLimitsUserChannels(30)
		methods := []string{"GET", "POST"}
		for i, w := range v1WebhookSetters {
			w.url(p, "https://hooks.example.com/"+w.key)
			w.method(p, methods[i%2])
		}
		for i, n := range v1NotificationSetters {
			n.enabled(p, i%2 == 0)
			n.template(p, "template of "+n.key)
		}
		updated := sdkCall(e.v1.UpdateService(sid, p)).must(t)

		check := func(t *testing.T, got *chatv1.ChatV1Service) {
			t.Helper()
			sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "renamed")
			sdkWantEqual(t, "default_service_role_sid", sdkVal(got.DefaultServiceRoleSid), admin)
			sdkWantEqual(t, "default_channel_role_sid", sdkVal(got.DefaultChannelRoleSid), channelAdmin)
			sdkWantEqual(t, "default_channel_creator_role_sid", sdkVal(got.DefaultChannelCreatorRoleSid), sdkVal(sv.DefaultChannelCreatorRoleSid))
			sdkWantEqual(t, "read_status_enabled", sdkVal(got.ReadStatusEnabled), false)
			sdkWantEqual(t, "reachability_enabled", sdkVal(got.ReachabilityEnabled), true)
			sdkWantEqual(t, "typing_indicator_timeout", got.TypingIndicatorTimeout, 9)
			sdkWantEqual(t, "consumption_report_interval", got.ConsumptionReportInterval, 15)
			sdkWantEqual(t, "pre_webhook_url", sdkVal(got.PreWebhookUrl), "https://hooks.example.com/pre")
			sdkWantEqual(t, "post_webhook_url", sdkVal(got.PostWebhookUrl), "https://hooks.example.com/post")
			sdkWantEqual(t, "webhook_method", sdkVal(got.WebhookMethod), "GET")
			sdkWantEqual(t, "webhook_filters", sdkVal(got.WebhookFilters), []string{"onMessageSend", "onChannelAdded"})
			sdkWantEqual(t, "limits", sdkVal(got.Limits), any(map[string]any{"channel_members": 40.0, "user_channels": 30.0}))
			hooks := v1Webhooks(t, got)
			for i, w := range v1WebhookSetters {
				hook, _ := hooks[w.key].(map[string]any)
				if hook["url"] != "https://hooks.example.com/"+w.key || hook["method"] != methods[i%2] {
					t.Errorf("webhooks.%s = %v, want url %s and method %s", w.key, hooks[w.key], "https://hooks.example.com/"+w.key, methods[i%2])
				}
			}
			notifications, _ := sdkVal(got.Notifications).(map[string]any)
			for i, n := range v1NotificationSetters {
				got, _ := notifications[n.key].(map[string]any)
				if got["enabled"] != (i%2 == 0) || got["template"] != "template of "+n.key {
					t.Errorf("notifications.%s = %v, want enabled %v and template %q", n.key, notifications[n.key], i%2 == 0, "template of "+n.key)
				}
			}
			if got.DateUpdated == nil || got.DateUpdated.Before(*sv.DateCreated) {
				t.Errorf("date_updated %s before date_created %s", sdkShow(got.DateUpdated), sdkShow(sv.DateCreated))
			}
		}
		e.run(t, "in the update response", func(t *testing.T) { check(t, updated) })
		e.run(t, "on a later fetch", func(t *testing.T) { check(t, sdkCall(e.v1.FetchService(sid)).must(t)) })

		e.run(t, "a partial update leaves the rest alone", func(t *testing.T) {
			got := sdkCall(e.v1.UpdateService(sid, (&chatv1.UpdateServiceParams{}).
				SetLimitsUserChannels(31).
				SetWebhooksOnMessageSendUrl("https://hooks.example.com/send2"))).must(t)
			sdkWantEqual(t, "limits", sdkVal(got.Limits), any(map[string]any{"channel_members": 40.0, "user_channels": 31.0}))
			sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "renamed")
			send, _ := v1Webhooks(t, got)["on_message_send"].(map[string]any)
			if send["url"] != "https://hooks.example.com/send2" || send["method"] != "GET" {
				t.Errorf("webhooks.on_message_send = %v, want the new url and the old method", send)
			}
			removed, _ := v1Webhooks(t, got)["on_member_removed"].(map[string]any)
			if removed["url"] != "https://hooks.example.com/on_member_removed" {
				t.Errorf("webhooks.on_member_removed = %v, want it unchanged", removed)
			}
		})
	})

	e.run(t, "delete removes the service and what is in it", func(t *testing.T) {
		doomed := sdkVal(e.service(t, "doomed").Sid)
		ch := e.channel(t, doomed, (&chatv1.CreateChannelParams{}).SetUniqueName("inside"))
		sdkOK(t, e.v1.DeleteService(doomed))
		_, err := e.v1.FetchService(doomed)
		wantSDKError(t, err, 404, 20404)
		_, err = e.v1.FetchChannel(doomed, sdkVal(ch.Sid))
		wantSDKError(t, err, 404, 20404)
		wantSDKError(t, e.v1.DeleteService(doomed), 404, 20404)
		got := sdkCall(e.v1.ListService(nil)).must(t)
		if slices.ContainsFunc(got, func(s chatv1.ChatV1Service) bool { return sdkVal(s.Sid) == doomed }) {
			t.Errorf("deleted service %s still listed", doomed)
		}
	})
}

func testV1Roles(t *testing.T, e *v1Env) {
	sv := e.service(t, "roles")
	service := sdkVal(sv.Sid)

	e.run(t, "a new service lists its four default roles", func(t *testing.T) {
		roles := sdkCall(e.v1.ListRole(service, nil)).must(t)
		var got [][2]string
		for _, r := range roles {
			got = append(got, [2]string{sdkVal(r.FriendlyName), sdkVal(r.Type)})
		}
		sdkWantEqual(t, "names and types", got, [][2]string{
			{"service admin", "deployment"}, {"service user", "deployment"},
			{"channel admin", "channel"}, {"channel user", "channel"},
		})
		if len(roles) == 4 {
			sdkWantEqual(t, "default_service_role_sid", sdkVal(roles[1].Sid), sdkVal(sv.DefaultServiceRoleSid))
			sdkWantEqual(t, "default_channel_creator_role_sid", sdkVal(roles[2].Sid), sdkVal(sv.DefaultChannelCreatorRoleSid))
			sdkWantEqual(t, "default_channel_role_sid", sdkVal(roles[3].Sid), sdkVal(sv.DefaultChannelRoleSid))
		}
	})

	perms := []string{"sendMessage", "leaveChannel", "editOwnMessage"}
	role := sdkCall(e.v1.CreateRole(service, (&chatv1.CreateRoleParams{}).
		SetFriendlyName("moderator").SetType("channel").SetPermission(perms))).must(t)
	sid := sdkVal(role.Sid)

	e.run(t, "create takes a repeated Permission", func(t *testing.T) {
		wantSid(t, "sid", sid, "RL")
		sdkWantEqual(t, "account_sid", sdkVal(role.AccountSid), testAccount)
		sdkWantEqual(t, "service_sid", sdkVal(role.ServiceSid), service)
		sdkWantEqual(t, "friendly_name", sdkVal(role.FriendlyName), "moderator")
		sdkWantEqual(t, "type", sdkVal(role.Type), "channel")
		sdkWantEqual(t, "permissions", sdkVal(role.Permissions), perms)
		sdkWantEqual(t, "url", sdkVal(role.Url), e.v1URL("/Services/"+service+"/Roles/"+sid))
		if role.DateCreated == nil || role.DateUpdated == nil {
			t.Errorf("dates = %s, %s", sdkShow(role.DateCreated), sdkShow(role.DateUpdated))
		}
	})

	e.run(t, "create a deployment role", func(t *testing.T) {
		got := sdkCall(e.v1.CreateRole(service, (&chatv1.CreateRoleParams{}).
			SetFriendlyName("auditor").SetType("deployment").SetPermission([]string{"createChannel"}))).must(t)
		sdkWantEqual(t, "type", sdkVal(got.Type), "deployment")
		sdkWantEqual(t, "permissions", sdkVal(got.Permissions), []string{"createChannel"})
		sdkOK(t, e.v1.DeleteRole(service, sdkVal(got.Sid)))
	})

	e.run(t, "fetch returns the role", func(t *testing.T) {
		sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchRole(service, sid)).must(t), role)
	})

	e.run(t, "list has the new role last", func(t *testing.T) {
		roles := sdkCall(e.v1.ListRole(service, nil)).must(t)
		if len(roles) != 5 {
			t.Fatalf("%d roles, want 5", len(roles))
		}
		sdkWantEqual(t, "last listed", roles[4], *role)
	})

	e.run(t, "update replaces the permissions", func(t *testing.T) {
		want := []string{"sendMediaMessage", "deleteOwnMessage"}
		got := sdkCall(e.v1.UpdateRole(service, sid, (&chatv1.UpdateRoleParams{}).SetPermission(want))).must(t)
		sdkWantEqual(t, "updated permissions", sdkVal(got.Permissions), want)
		sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "moderator")
		sdkWantEqual(t, "type", sdkVal(got.Type), "channel")
		sdkWantEqual(t, "fetched permissions", sdkVal(sdkCall(e.v1.FetchRole(service, sid)).must(t).Permissions), want)
	})

	e.run(t, "delete removes the role", func(t *testing.T) {
		sdkOK(t, e.v1.DeleteRole(service, sid))
		_, err := e.v1.FetchRole(service, sid)
		wantSDKError(t, err, 404, 20404)
		sdkWantEqual(t, "roles left", len(sdkCall(e.v1.ListRole(service, nil)).must(t)), 4)
	})
}

func testV1Users(t *testing.T, e *v1Env) {
	sv := e.service(t, "users")
	service := sdkVal(sv.Sid)
	admin := sdkVal(sdkCall(e.v1.ListRole(service, nil)).must(t)[0].Sid)

	const identity = "alice@example.com"
	alice := sdkCall(e.v1.CreateUser(service, (&chatv1.CreateUserParams{}).
		SetIdentity(identity).SetFriendlyName("Alice").SetAttributes(`{"team":"red"}`))).must(t)
	sid := sdkVal(alice.Sid)
	bob := sdkCall(e.v1.CreateUser(service, (&chatv1.CreateUserParams{}).
		SetIdentity("bob").SetRoleSid(admin).SetAttributes(`{"team":"blue"}`))).must(t)

	e.run(t, "create returns the user with the default service role", func(t *testing.T) {
		wantSid(t, "sid", sid, "US")
		sdkWantEqual(t, "account_sid", sdkVal(alice.AccountSid), testAccount)
		sdkWantEqual(t, "service_sid", sdkVal(alice.ServiceSid), service)
		sdkWantEqual(t, "identity", sdkVal(alice.Identity), identity)
		sdkWantEqual(t, "friendly_name", sdkVal(alice.FriendlyName), "Alice")
		sdkWantEqual(t, "attributes", sdkVal(alice.Attributes), `{"team":"red"}`)
		sdkWantEqual(t, "role_sid", sdkVal(alice.RoleSid), sdkVal(sv.DefaultServiceRoleSid))
		sdkWantEqual(t, "joined_channels_count", alice.JoinedChannelsCount, 0)
		if alice.IsOnline != nil || alice.IsNotifiable != nil {
			t.Errorf("is_online, is_notifiable = %s, %s; want null without reachability", sdkShow(alice.IsOnline), sdkShow(alice.IsNotifiable))
		}
		sdkWantEqual(t, "url", sdkVal(alice.Url), e.v1URL("/Services/"+service+"/Users/"+sid))
		// v1 links the user's channels only: no user_bindings.
		sdkWantEqual(t, "links", sdkVal(alice.Links), map[string]any{
			"user_channels": e.v1URL("/Services/" + service + "/Users/" + sid + "/Channels"),
		})
	})

	e.run(t, "create takes a RoleSid", func(t *testing.T) {
		sdkWantEqual(t, "role_sid", sdkVal(bob.RoleSid), admin)
		if bob.FriendlyName != nil {
			t.Errorf("friendly_name = %s, want null", sdkShow(bob.FriendlyName))
		}
	})

	for _, key := range []struct{ name, key string }{{"SID", sid}, {"identity", identity}} {
		e.run(t, "fetch by "+key.name+" gives the attributes", func(t *testing.T) {
			got := sdkCall(e.v1.FetchUser(service, key.key)).must(t)
			sdkWantEqual(t, "fetched", got, alice)
		})
	}

	e.run(t, "list gives assigned attributes as null", func(t *testing.T) {
		got := sdkCall(e.v1.ListUser(service, nil)).must(t)
		raw := items(e.last(t))
		sdkWantEqual(t, "identities", sdkKeys(got, func(u chatv1.ChatV1User) string { return sdkVal(u.Identity) }),
			[]string{identity, "bob"})
		for i, u := range got {
			wantV1ListAttributes(t, "listed user "+sdkVal(u.Identity), u.Attributes, raw[i], sdkVal(sdkCall(e.v2.FetchUser(service, sdkVal(u.Sid))).must(t).Attributes))
			if i == 0 {
				sdkWantEqual(t, "friendly_name", sdkVal(u.FriendlyName), "Alice")
				sdkWantEqual(t, "role_sid", sdkVal(u.RoleSid), sdkVal(alice.RoleSid))
			}
		}
	})

	e.run(t, "update sets the name, attributes and role", func(t *testing.T) {
		got := sdkCall(e.v1.UpdateUser(service, sid, (&chatv1.UpdateUserParams{}).
			SetFriendlyName("Alice A.").SetAttributes(`{"team":"green"}`).SetRoleSid(admin))).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sid)
		sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "Alice A.")
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), `{"team":"green"}`)
		sdkWantEqual(t, "role_sid", sdkVal(got.RoleSid), admin)
		sdkWantEqual(t, "identity", sdkVal(got.Identity), identity)
		fetched := sdkCall(e.v1.FetchUser(service, identity)).must(t)
		sdkWantEqual(t, "fetched", fetched, got)
	})

	e.run(t, "delete removes the user", func(t *testing.T) {
		sdkOK(t, e.v1.DeleteUser(service, sdkVal(bob.Sid)))
		for _, key := range []string{sdkVal(bob.Sid), "bob"} {
			_, err := e.v1.FetchUser(service, key)
			wantSDKError(t, err, 404, 20404)
		}
		got := sdkCall(e.v1.ListUser(service, nil)).must(t)
		sdkWantEqual(t, "identities left", sdkKeys(got, func(u chatv1.ChatV1User) string { return sdkVal(u.Identity) }),
			[]string{identity})
	})
}
