package server_test

// End-to-end tests through the official twilio-go helper library: chatd's
// whole point is that the SDK works against it unchanged, with only its base
// URL pointed at chatd. Every request here is made by the SDK; the harness is
// used only to start, restart and address the server.

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"
)

// sdkHost is the host the Chat v2 SDK sends every request to.
const sdkHost = "chat.twilio.com"

// sdkRewrite is the SDK's transport: requests for chat.twilio.com go to the test
// server instead, anything else (the absolute next_page_url values, which
// already point at the test server) passes through unchanged. It records
// every request it sends, after rewriting.
type sdkRewrite struct {
	target *url.URL
	next   http.RoundTripper

	mu   sync.Mutex
	sent []*url.URL
}

func (rw *sdkRewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == sdkHost {
		r := req.Clone(req.Context())
		r.URL.Scheme = rw.target.Scheme
		r.URL.Host = rw.target.Host
		r.Host = rw.target.Host
		req = r
	}
	rw.mu.Lock()
	u := *req.URL
	rw.sent = append(rw.sent, &u)
	rw.mu.Unlock()
	return rw.next.RoundTrip(req)
}

// reset forgets the requests sent so far.
func (rw *sdkRewrite) reset() {
	rw.mu.Lock()
	rw.sent = nil
	rw.mu.Unlock()
}

// requests returns the URLs of the requests sent since the last reset.
func (rw *sdkRewrite) requests() []*url.URL {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return append([]*url.URL(nil), rw.sent...)
}

// sdk is the Chat v2 API of the official helper library, pointed at chatd.
type sdk struct {
	*chatv2.ApiService
	rw *sdkRewrite
}

// newSDK builds the SDK exactly as an application would, with the given
// credentials, and routes it to the chatd at baseURL.
func newSDK(t testing.TB, baseURL, token string) *sdk {
	t.Helper()
	target, err := url.Parse(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	rw := &sdkRewrite{target: target, next: transport}
	c := &client.Client{
		Credentials: client.NewCredentials(testAccount, token),
		HTTPClient:  &http.Client{Transport: rw},
	}
	c.SetAccountSid(testAccount)
	return &sdk{ApiService: chatv2.NewApiServiceWithClient(c), rw: rw}
}

// newSDKHarness starts chatd and returns it with an SDK pointed at it.
func newSDKHarness(t testing.TB) (*harness, *sdk) {
	t.Helper()
	h := newHarness(t)
	return h, newSDK(t, h.URL(), testToken)
}

// sdkResult is the outcome of an SDK call, so that a call's two results can
// be checked in one expression: sdkCall(api.FetchService(sid)).must(t).
type sdkResult[T any] struct {
	v   T
	err error
}

func sdkCall[T any](v T, err error) sdkResult[T] { return sdkResult[T]{v, err} }

// must fails the test if the call failed and returns its result.
func (r sdkResult[T]) must(t testing.TB) T {
	t.Helper()
	if r.err != nil {
		t.Fatalf("SDK call failed: %v", r.err)
	}
	return r.v
}

// sdkOK fails the test on err.
func sdkOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("SDK call failed: %v", err)
	}
}

// wantSDKError checks that err is the SDK's *client.TwilioRestError with
// Twilio's status and code.
func wantSDKError(t testing.TB, err error, status, code int) {
	t.Helper()
	if err == nil {
		t.Fatalf("SDK call succeeded; want error %d (status %d)", code, status)
	}
	var te *client.TwilioRestError
	if !errors.As(err, &te) {
		t.Fatalf("error is %T (%v); want *client.TwilioRestError", err, err)
	}
	if te.Code != code || te.Status != status {
		t.Fatalf("got code %d status %d (%q); want code %d status %d", te.Code, te.Status, te.Message, code, status)
	}
	if want := "https://www.twilio.com/docs/errors/" + strconv.Itoa(code); te.MoreInfo != want {
		t.Errorf("MoreInfo = %q, want %q", te.MoreInfo, want)
	}
	if te.Message == "" {
		t.Error("empty error message")
	}
}

// sdkVal dereferences an optional SDK field, "" or zero when it is nil.
func sdkVal[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// sdkShow renders an optional SDK field for a failure message: its value, or
// null.
func sdkShow[T any](p *T) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// sdkWantEqual fails the test unless got equals want.
func sdkWantEqual[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// sdkNoDuplicates fails the test if keys holds one twice.
func sdkNoDuplicates(t testing.TB, keys []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Errorf("%s listed twice in %v", k, keys)
		}
		seen[k] = true
	}
}

// Fixtures, each created through the SDK.

func sdkService(t testing.TB, api *sdk) *chatv2.ChatV2Service {
	t.Helper()
	return sdkCall(api.CreateService((&chatv2.CreateServiceParams{}).SetFriendlyName("sdk service"))).must(t)
}

func sdkUser(t testing.TB, api *sdk, service, identity string) *chatv2.ChatV2User {
	t.Helper()
	return sdkCall(api.CreateUser(service, (&chatv2.CreateUserParams{}).SetIdentity(identity))).must(t)
}

func sdkChannel(t testing.TB, api *sdk, service, uniqueName string) *chatv2.ChatV2Channel {
	t.Helper()
	p := &chatv2.CreateChannelParams{}
	if uniqueName != "" {
		p.SetUniqueName(uniqueName)
	}
	return sdkCall(api.CreateChannel(service, p)).must(t)
}

func sdkMember(t testing.TB, api *sdk, service, channel, identity string) *chatv2.ChatV2Member {
	t.Helper()
	return sdkCall(api.CreateMember(service, channel, (&chatv2.CreateMemberParams{}).SetIdentity(identity))).must(t)
}

func sdkMessage(t testing.TB, api *sdk, service, channel, body string) *chatv2.ChatV2Message {
	t.Helper()
	return sdkCall(api.CreateMessage(service, channel, (&chatv2.CreateMessageParams{}).SetBody(body))).must(t)
}

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

func TestSDKChannels(t *testing.T) {
	_, api := newSDKHarness(t)
	service := sdkVal(sdkService(t, api).Sid)
	created := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

	ch := sdkCall(api.CreateChannel(service, (&chatv2.CreateChannelParams{}).
		SetFriendlyName("General").
		SetUniqueName("general").
		SetAttributes(`{"topic":"news"}`).
		SetType("private").
		SetDateCreated(created).
		SetCreatedBy("alice"))).must(t)
	sid := sdkVal(ch.Sid)

	t.Run("create honours every parameter including DateCreated and CreatedBy", func(t *testing.T) {
		if !strings.HasPrefix(sid, "CH") {
			t.Errorf("sid = %q", sid)
		}
		sdkWantEqual(t, "friendly_name", sdkVal(ch.FriendlyName), "General")
		sdkWantEqual(t, "unique_name", sdkVal(ch.UniqueName), "general")
		sdkWantEqual(t, "attributes", sdkVal(ch.Attributes), `{"topic":"news"}`)
		sdkWantEqual(t, "type", sdkVal(ch.Type), "private")
		sdkWantEqual(t, "created_by", sdkVal(ch.CreatedBy), "alice")
		if ch.DateCreated == nil || !ch.DateCreated.Equal(created) {
			t.Errorf("date_created = %v, want %v", ch.DateCreated, created)
		}
		sdkWantEqual(t, "members_count", ch.MembersCount, 0)
		sdkWantEqual(t, "messages_count", ch.MessagesCount, 0)
	})

	t.Run("create without parameters is a public channel by system", func(t *testing.T) {
		got := sdkChannel(t, api, service, "")
		sdkWantEqual(t, "type", sdkVal(got.Type), "public")
		sdkWantEqual(t, "created_by", sdkVal(got.CreatedBy), "system")
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), "{}")
		if got.UniqueName != nil || got.FriendlyName != nil {
			t.Errorf("unique_name, friendly_name = %v, %v; want null", sdkShow(got.UniqueName), sdkShow(got.FriendlyName))
		}
		sdkOK(t, api.DeleteChannel(service, sdkVal(got.Sid), nil))
	})

	t.Run("fetch by unique name", func(t *testing.T) {
		got := sdkCall(api.FetchChannel(service, "general")).must(t)
		sdkWantEqual(t, "fetched", got, ch)
	})

	t.Run("update by unique name, overriding DateCreated and CreatedBy", func(t *testing.T) {
		redated := time.Date(2019, 6, 7, 8, 9, 10, 0, time.UTC)
		got := sdkCall(api.UpdateChannel(service, "general", (&chatv2.UpdateChannelParams{}).
			SetFriendlyName("General chat").
			SetAttributes(`{"topic":"sports"}`).
			SetDateCreated(redated).
			SetCreatedBy("bob"))).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sid)
		sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "General chat")
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), `{"topic":"sports"}`)
		sdkWantEqual(t, "created_by", sdkVal(got.CreatedBy), "bob")
		if got.DateCreated == nil || !got.DateCreated.Equal(redated) {
			t.Errorf("date_created = %v, want %v", got.DateCreated, redated)
		}
		sdkWantEqual(t, "fetched by SID", sdkCall(api.FetchChannel(service, sid)).must(t), got)
	})

	t.Run("update renames the unique name", func(t *testing.T) {
		got := sdkCall(api.UpdateChannel(service, sid, (&chatv2.UpdateChannelParams{}).SetUniqueName("lobby"))).must(t)
		sdkWantEqual(t, "unique_name", sdkVal(got.UniqueName), "lobby")
		sdkWantEqual(t, "found by new name", sdkVal(sdkCall(api.FetchChannel(service, "lobby")).must(t).Sid), sid)
		_, err := api.FetchChannel(service, "general")
		wantSDKError(t, err, 404, 20404)
	})

	t.Run("list filters by Type", func(t *testing.T) {
		pub1 := sdkCall(api.CreateChannel(service, (&chatv2.CreateChannelParams{}).SetType("public"))).must(t)
		priv := sdkCall(api.CreateChannel(service, (&chatv2.CreateChannelParams{}).SetType("private"))).must(t)
		pub2 := sdkCall(api.CreateChannel(service, nil)).must(t)
		for _, tc := range []struct {
			name  string
			types []string
			want  []string
		}{
			{"no Type lists public channels", nil, []string{sdkVal(pub1.Sid), sdkVal(pub2.Sid)}},
			{"public", []string{"public"}, []string{sdkVal(pub1.Sid), sdkVal(pub2.Sid)}},
			{"private", []string{"private"}, []string{sid, sdkVal(priv.Sid)}},
			{"public and private", []string{"public", "private"}, []string{sid, sdkVal(pub1.Sid), sdkVal(priv.Sid), sdkVal(pub2.Sid)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := &chatv2.ListChannelParams{}
				if tc.types != nil {
					p.SetType(tc.types)
				}
				var got []string
				for _, c := range sdkCall(api.ListChannel(service, p)).must(t) {
					got = append(got, sdkVal(c.Sid))
				}
				sdkWantEqual(t, "sids", got, tc.want)
			})
		}
	})

	t.Run("delete by unique name", func(t *testing.T) {
		sdkOK(t, api.DeleteChannel(service, "lobby", nil))
		_, err := api.FetchChannel(service, sid)
		wantSDKError(t, err, 404, 20404)
	})
}

func TestSDKMembers(t *testing.T) {
	_, api := newSDKHarness(t)
	sv := sdkService(t, api)
	service := sdkVal(sv.Sid)
	channel := sdkVal(sdkChannel(t, api, service, "room").Sid)

	alice := sdkMember(t, api, service, "room", "alice")

	t.Run("create defaults RoleSid to the service's default channel role", func(t *testing.T) {
		if !strings.HasPrefix(sdkVal(alice.Sid), "MB") {
			t.Errorf("sid = %q", sdkVal(alice.Sid))
		}
		sdkWantEqual(t, "identity", sdkVal(alice.Identity), "alice")
		sdkWantEqual(t, "channel_sid", sdkVal(alice.ChannelSid), channel)
		sdkWantEqual(t, "role_sid", sdkVal(alice.RoleSid), sdkVal(sv.DefaultChannelRoleSid))
		sdkWantEqual(t, "attributes", sdkVal(alice.Attributes), "{}")
	})

	t.Run("create makes the user of a new identity", func(t *testing.T) {
		u := sdkCall(api.FetchUser(service, "alice")).must(t)
		sdkWantEqual(t, "role_sid", sdkVal(u.RoleSid), sdkVal(sv.DefaultServiceRoleSid))
		sdkWantEqual(t, "joined_channels_count", u.JoinedChannelsCount, 1)
	})

	t.Run("create takes an explicit RoleSid", func(t *testing.T) {
		m := sdkCall(api.CreateMember(service, channel, (&chatv2.CreateMemberParams{}).
			SetIdentity("bob").SetRoleSid(sdkVal(sv.DefaultChannelCreatorRoleSid)))).must(t)
		sdkWantEqual(t, "role_sid", sdkVal(m.RoleSid), sdkVal(sv.DefaultChannelCreatorRoleSid))
		sdkWantEqual(t, "members_count", sdkCall(api.FetchChannel(service, channel)).must(t).MembersCount, 2)
	})

	t.Run("fetch by identity", func(t *testing.T) {
		sdkWantEqual(t, "fetched", sdkCall(api.FetchMember(service, "room", "alice")).must(t), alice)
	})

	t.Run("update by identity", func(t *testing.T) {
		got := sdkCall(api.UpdateMember(service, channel, "alice", (&chatv2.UpdateMemberParams{}).
			SetAttributes(`{"nick":"al"}`).SetRoleSid(sdkVal(sv.DefaultChannelCreatorRoleSid)))).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sdkVal(alice.Sid))
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), `{"nick":"al"}`)
		sdkWantEqual(t, "role_sid", sdkVal(got.RoleSid), sdkVal(sv.DefaultChannelCreatorRoleSid))
	})

	sdkMember(t, api, service, channel, "carol")
	t.Run("list filters by Identity", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			identities []string
			want       []string
		}{
			{"no filter", nil, []string{"alice", "bob", "carol"}},
			{"one identity", []string{"bob"}, []string{"bob"}},
			{"two identities", []string{"carol", "alice"}, []string{"alice", "carol"}},
			{"unknown identity", []string{"nobody"}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := &chatv2.ListMemberParams{}
				if tc.identities != nil {
					p.SetIdentity(tc.identities)
				}
				var got []string
				for _, m := range sdkCall(api.ListMember(service, channel, p)).must(t) {
					got = append(got, sdkVal(m.Identity))
				}
				sdkWantEqual(t, "identities", got, tc.want)
			})
		}
	})

	t.Run("delete by identity", func(t *testing.T) {
		sdkOK(t, api.DeleteMember(service, channel, "carol", nil))
		_, err := api.FetchMember(service, channel, "carol")
		wantSDKError(t, err, 404, 20404)
		sdkWantEqual(t, "members_count", sdkCall(api.FetchChannel(service, channel)).must(t).MembersCount, 2)
	})
}

func TestSDKMessages(t *testing.T) {
	_, api := newSDKHarness(t)
	service := sdkVal(sdkService(t, api).Sid)
	channel := sdkVal(sdkChannel(t, api, service, "talk").Sid)

	first := sdkMessage(t, api, service, "talk", "hello")
	second := sdkCall(api.CreateMessage(service, channel, (&chatv2.CreateMessageParams{}).
		SetBody("hi there").SetFrom("alice").SetAttributes(`{"mood":"happy"}`))).must(t)
	third := sdkMessage(t, api, service, channel, "bye")

	t.Run("create without From is from system", func(t *testing.T) {
		if !strings.HasPrefix(sdkVal(first.Sid), "IM") {
			t.Errorf("sid = %q", sdkVal(first.Sid))
		}
		sdkWantEqual(t, "from", sdkVal(first.From), "system")
		sdkWantEqual(t, "body", sdkVal(first.Body), "hello")
		sdkWantEqual(t, "index", first.Index, 0)
		sdkWantEqual(t, "to", sdkVal(first.To), channel)
		sdkWantEqual(t, "channel_sid", sdkVal(first.ChannelSid), channel)
		sdkWantEqual(t, "type", sdkVal(first.Type), "text")
		sdkWantEqual(t, "was_edited", sdkVal(first.WasEdited), false)
		sdkWantEqual(t, "attributes", sdkVal(first.Attributes), "{}")
	})

	t.Run("create takes From and Attributes and the next index", func(t *testing.T) {
		sdkWantEqual(t, "from", sdkVal(second.From), "alice")
		sdkWantEqual(t, "attributes", sdkVal(second.Attributes), `{"mood":"happy"}`)
		sdkWantEqual(t, "index", second.Index, 1)
		sdkWantEqual(t, "index", third.Index, 2)
		ch := sdkCall(api.FetchChannel(service, channel)).must(t)
		sdkWantEqual(t, "messages_count", ch.MessagesCount, 3)
	})

	t.Run("fetch returns the message", func(t *testing.T) {
		sdkWantEqual(t, "fetched", sdkCall(api.FetchMessage(service, channel, sdkVal(second.Sid))).must(t), second)
	})

	t.Run("update of the body sets was_edited", func(t *testing.T) {
		got := sdkCall(api.UpdateMessage(service, channel, sdkVal(first.Sid), (&chatv2.UpdateMessageParams{}).SetBody("hello, world"))).must(t)
		sdkWantEqual(t, "body", sdkVal(got.Body), "hello, world")
		sdkWantEqual(t, "was_edited", sdkVal(got.WasEdited), true)
		sdkWantEqual(t, "index", got.Index, 0)
		fetched := sdkCall(api.FetchMessage(service, "talk", sdkVal(first.Sid))).must(t)
		sdkWantEqual(t, "fetched was_edited", sdkVal(fetched.WasEdited), true)
		sdkWantEqual(t, "fetched body", sdkVal(fetched.Body), "hello, world")
	})

	t.Run("list in Order", func(t *testing.T) {
		for _, tc := range []struct {
			order string
			want  []int
		}{
			{"", []int{0, 1, 2}},
			{"asc", []int{0, 1, 2}},
			{"desc", []int{2, 1, 0}},
		} {
			name := tc.order
			if name == "" {
				name = "default is asc"
			}
			t.Run(name, func(t *testing.T) {
				p := &chatv2.ListMessageParams{}
				if tc.order != "" {
					p.SetOrder(tc.order)
				}
				var got []int
				for _, m := range sdkCall(api.ListMessage(service, channel, p)).must(t) {
					got = append(got, m.Index)
				}
				sdkWantEqual(t, "indexes", got, tc.want)
			})
		}
	})

	t.Run("delete removes the message", func(t *testing.T) {
		sdkOK(t, api.DeleteMessage(service, channel, sdkVal(third.Sid), nil))
		_, err := api.FetchMessage(service, channel, sdkVal(third.Sid))
		wantSDKError(t, err, 404, 20404)
		sdkWantEqual(t, "messages_count", sdkCall(api.FetchChannel(service, channel)).must(t).MessagesCount, 2)
	})
}

func TestSDKInvites(t *testing.T) {
	_, api := newSDKHarness(t)
	sv := sdkService(t, api)
	service := sdkVal(sv.Sid)
	channel := sdkVal(sdkChannel(t, api, service, "club").Sid)
	for _, id := range []string{"alice", "bob", "carol"} {
		sdkUser(t, api, service, id)
	}

	alice := sdkCall(api.CreateInvite(service, "club", (&chatv2.CreateInviteParams{}).SetIdentity("alice"))).must(t)
	bob := sdkCall(api.CreateInvite(service, channel, (&chatv2.CreateInviteParams{}).
		SetIdentity("bob").SetRoleSid(sdkVal(sv.DefaultChannelCreatorRoleSid)))).must(t)

	t.Run("create invites with the default channel role", func(t *testing.T) {
		if !strings.HasPrefix(sdkVal(alice.Sid), "IN") {
			t.Errorf("sid = %q", sdkVal(alice.Sid))
		}
		sdkWantEqual(t, "identity", sdkVal(alice.Identity), "alice")
		sdkWantEqual(t, "channel_sid", sdkVal(alice.ChannelSid), channel)
		sdkWantEqual(t, "role_sid", sdkVal(alice.RoleSid), sdkVal(sv.DefaultChannelRoleSid))
		sdkWantEqual(t, "explicit role_sid", sdkVal(bob.RoleSid), sdkVal(sv.DefaultChannelCreatorRoleSid))
	})

	t.Run("fetch returns the invite", func(t *testing.T) {
		sdkWantEqual(t, "fetched", sdkCall(api.FetchInvite(service, channel, sdkVal(alice.Sid))).must(t), alice)
	})

	t.Run("list filters by Identity", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			identities []string
			want       []string
		}{
			{"no filter", nil, []string{"alice", "bob"}},
			{"one identity", []string{"bob"}, []string{"bob"}},
			{"two identities", []string{"bob", "alice"}, []string{"alice", "bob"}},
			{"not invited", []string{"carol"}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := &chatv2.ListInviteParams{}
				if tc.identities != nil {
					p.SetIdentity(tc.identities)
				}
				var got []string
				for _, inv := range sdkCall(api.ListInvite(service, channel, p)).must(t) {
					got = append(got, sdkVal(inv.Identity))
				}
				sdkWantEqual(t, "identities", got, tc.want)
			})
		}
	})

	t.Run("delete removes the invite", func(t *testing.T) {
		sdkOK(t, api.DeleteInvite(service, channel, sdkVal(bob.Sid)))
		_, err := api.FetchInvite(service, channel, sdkVal(bob.Sid))
		wantSDKError(t, err, 404, 20404)
	})
}

func TestSDKUserChannels(t *testing.T) {
	_, api := newSDKHarness(t)
	service := sdkVal(sdkService(t, api).Sid)
	user := sdkUser(t, api, service, "dave")
	one := sdkChannel(t, api, service, "one")
	two := sdkChannel(t, api, service, "two")
	m1 := sdkMember(t, api, service, "one", "dave")
	m2 := sdkMember(t, api, service, "two", "dave")
	for i := 0; i < 5; i++ {
		sdkMessage(t, api, service, "one", fmt.Sprintf("message %d", i))
	}

	t.Run("list returns the joined channels", func(t *testing.T) {
		ucs := sdkCall(api.ListUserChannel(service, "dave", nil)).must(t)
		var got [][3]string
		for _, uc := range ucs {
			got = append(got, [3]string{sdkVal(uc.ChannelSid), sdkVal(uc.MemberSid), sdkVal(uc.Status)})
			sdkWantEqual(t, "user_sid", sdkVal(uc.UserSid), sdkVal(user.Sid))
		}
		sdkWantEqual(t, "channels", got, [][3]string{
			{sdkVal(one.Sid), sdkVal(m1.Sid), "joined"},
			{sdkVal(two.Sid), sdkVal(m2.Sid), "joined"},
		})
	})

	for _, tc := range []struct{ name, user, channel string }{
		{"SIDs", sdkVal(user.Sid), sdkVal(one.Sid)},
		{"identity and unique name", "dave", "one"},
	} {
		t.Run("fetch by "+tc.name, func(t *testing.T) {
			uc := sdkCall(api.FetchUserChannel(service, tc.user, tc.channel)).must(t)
			sdkWantEqual(t, "channel_sid", sdkVal(uc.ChannelSid), sdkVal(one.Sid))
			sdkWantEqual(t, "user_sid", sdkVal(uc.UserSid), sdkVal(user.Sid))
			sdkWantEqual(t, "member_sid", sdkVal(uc.MemberSid), sdkVal(m1.Sid))
			sdkWantEqual(t, "status", sdkVal(uc.Status), "joined")
			sdkWantEqual(t, "notification_level", sdkVal(uc.NotificationLevel), "default")
			if uc.LastConsumedMessageIndex != nil || uc.UnreadMessagesCount != nil {
				t.Errorf("last_consumed_message_index, unread_messages_count = %v, %v; want null before any horizon",
					sdkShow(uc.LastConsumedMessageIndex), sdkShow(uc.UnreadMessagesCount))
			}
		})
	}

	t.Run("update sets NotificationLevel and LastConsumedMessageIndex", func(t *testing.T) {
		for _, tc := range []struct {
			level         string
			index, unread int
		}{
			{"muted", 2, 2},
			{"default", 4, 0},
			{"muted", 0, 4},
		} {
			got := sdkCall(api.UpdateUserChannel(service, "dave", "one", (&chatv2.UpdateUserChannelParams{}).
				SetNotificationLevel(tc.level).SetLastConsumedMessageIndex(tc.index))).must(t)
			for name, uc := range map[string]*chatv2.ChatV2UserChannel{
				"update": got, "fetch": sdkCall(api.FetchUserChannel(service, sdkVal(user.Sid), sdkVal(one.Sid))).must(t),
			} {
				sdkWantEqual(t, name+" notification_level", sdkVal(uc.NotificationLevel), tc.level)
				if uc.LastConsumedMessageIndex == nil || *uc.LastConsumedMessageIndex != tc.index {
					t.Errorf("%s last_consumed_message_index = %v, want %d", name, sdkShow(uc.LastConsumedMessageIndex), tc.index)
				}
				if uc.UnreadMessagesCount == nil || *uc.UnreadMessagesCount != tc.unread {
					t.Errorf("%s unread_messages_count = %v, want %d", name, sdkShow(uc.UnreadMessagesCount), tc.unread)
				}
			}
			m := sdkCall(api.FetchMember(service, "one", "dave")).must(t)
			if m.LastConsumedMessageIndex == nil || *m.LastConsumedMessageIndex != tc.index {
				t.Errorf("member last_consumed_message_index = %v, want %d", sdkShow(m.LastConsumedMessageIndex), tc.index)
			}
		}
	})

	t.Run("delete leaves the channel", func(t *testing.T) {
		sdkWantEqual(t, "members_count before", sdkCall(api.FetchChannel(service, "two")).must(t).MembersCount, 1)
		sdkOK(t, api.DeleteUserChannel(service, "dave", "two", nil))
		sdkWantEqual(t, "members_count after", sdkCall(api.FetchChannel(service, "two")).must(t).MembersCount, 0)
		_, err := api.FetchMember(service, "two", sdkVal(m2.Sid))
		wantSDKError(t, err, 404, 20404)
		_, err = api.FetchUserChannel(service, "dave", "two")
		wantSDKError(t, err, 404, 20404)
		ucs := sdkCall(api.ListUserChannel(service, "dave", nil)).must(t)
		if len(ucs) != 1 || sdkVal(ucs[0].ChannelSid) != sdkVal(one.Sid) {
			t.Errorf("user channels after leaving: %d, want only %s", len(ucs), sdkVal(one.Sid))
		}
		sdkWantEqual(t, "joined_channels_count", sdkCall(api.FetchUser(service, "dave")).must(t).JoinedChannelsCount, 1)
	})
}

// TestSDKPaging lists seven items of every list through the SDK, two per
// page, so that the SDK follows next_page_url across four pages.
func TestSDKPaging(t *testing.T) {
	const n = 7
	// lister lists through the SDK; 0 leaves PageSize or Limit unset.
	type lister func(api *sdk, pageSize, limit int) ([]string, error)
	cases := []struct {
		name string
		// seed creates the items and returns the keys the list must give,
		// in order, and the lister.
		seed func(t *testing.T, api *sdk) ([]string, lister)
	}{
		{"services", func(t *testing.T, api *sdk) ([]string, lister) {
			var want []string
			for i := 0; i < n; i++ {
				want = append(want, sdkVal(sdkService(t, api).Sid))
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := &chatv2.ListServiceParams{}
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListService(p)
				return sdkKeys(got, func(s chatv2.ChatV2Service) string { return sdkVal(s.Sid) }), err
			}
		}},
		{"roles", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			want := sdkKeys(sdkCall(api.ListRole(service, nil)).must(t), func(r chatv2.ChatV2Role) string { return sdkVal(r.Sid) })
			for len(want) < n {
				r := sdkCall(api.CreateRole(service, (&chatv2.CreateRoleParams{}).
					SetFriendlyName(fmt.Sprintf("role %d", len(want))).SetType("deployment").SetPermission([]string{"createChannel"}))).must(t)
				want = append(want, sdkVal(r.Sid))
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := &chatv2.ListRoleParams{}
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListRole(service, p)
				return sdkKeys(got, func(r chatv2.ChatV2Role) string { return sdkVal(r.Sid) }), err
			}
		}},
		{"users", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			var want []string
			for i := 0; i < n; i++ {
				want = append(want, sdkVal(sdkUser(t, api, service, fmt.Sprintf("user-%c", 'a'+i)).Sid))
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := &chatv2.ListUserParams{}
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListUser(service, p)
				return sdkKeys(got, func(u chatv2.ChatV2User) string { return sdkVal(u.Sid) }), err
			}
		}},
		{"channels", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			var want []string
			for i := 0; i < n; i++ {
				want = append(want, sdkVal(sdkChannel(t, api, service, "").Sid))
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := &chatv2.ListChannelParams{}
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListChannel(service, p)
				return sdkKeys(got, func(c chatv2.ChatV2Channel) string { return sdkVal(c.Sid) }), err
			}
		}},
		{"members", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			channel := sdkVal(sdkChannel(t, api, service, "").Sid)
			var want []string
			for i := 0; i < n; i++ {
				want = append(want, sdkVal(sdkMember(t, api, service, channel, fmt.Sprintf("member-%c", 'a'+i)).Sid))
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := &chatv2.ListMemberParams{}
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListMember(service, channel, p)
				return sdkKeys(got, func(m chatv2.ChatV2Member) string { return sdkVal(m.Sid) }), err
			}
		}},
		{"members filtered by Identity", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			channel := sdkVal(sdkChannel(t, api, service, "").Sid)
			var want, identities []string
			for i := 0; i < n+2; i++ {
				id := fmt.Sprintf("member-%c", 'a'+i)
				m := sdkMember(t, api, service, channel, id)
				if i%4 == 1 {
					continue // a member the filter leaves out
				}
				want = append(want, sdkVal(m.Sid))
				identities = append([]string{id}, identities...)
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := (&chatv2.ListMemberParams{}).SetIdentity(identities)
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListMember(service, channel, p)
				return sdkKeys(got, func(m chatv2.ChatV2Member) string { return sdkVal(m.Sid) }), err
			}
		}},
		{"channels filtered by Type", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			var want []string
			for i := 0; i < n; i++ {
				sdkChannel(t, api, service, "") // a public channel between the private ones
				ch := sdkCall(api.CreateChannel(service, (&chatv2.CreateChannelParams{}).SetType("private"))).must(t)
				want = append(want, sdkVal(ch.Sid))
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := (&chatv2.ListChannelParams{}).SetType([]string{"private"})
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListChannel(service, p)
				return sdkKeys(got, func(c chatv2.ChatV2Channel) string { return sdkVal(c.Sid) }), err
			}
		}},
		{"invites", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			channel := sdkVal(sdkChannel(t, api, service, "").Sid)
			var want []string
			for i := 0; i < n; i++ {
				id := fmt.Sprintf("guest-%c", 'a'+i)
				sdkUser(t, api, service, id)
				inv := sdkCall(api.CreateInvite(service, channel, (&chatv2.CreateInviteParams{}).SetIdentity(id))).must(t)
				want = append(want, sdkVal(inv.Sid))
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := &chatv2.ListInviteParams{}
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListInvite(service, channel, p)
				return sdkKeys(got, func(i chatv2.ChatV2Invite) string { return sdkVal(i.Sid) }), err
			}
		}},
		{"messages asc", func(t *testing.T, api *sdk) ([]string, lister) {
			return sdkSeedMessages(t, api, "asc")
		}},
		{"messages desc", func(t *testing.T, api *sdk) ([]string, lister) {
			return sdkSeedMessages(t, api, "desc")
		}},
		{"user channels", func(t *testing.T, api *sdk) ([]string, lister) {
			service := sdkVal(sdkService(t, api).Sid)
			sdkUser(t, api, service, "joiner")
			var want []string
			for i := 0; i < n; i++ {
				ch := sdkVal(sdkChannel(t, api, service, "").Sid)
				sdkMember(t, api, service, ch, "joiner")
				want = append(want, ch)
			}
			return want, func(api *sdk, size, limit int) ([]string, error) {
				p := &chatv2.ListUserChannelParams{}
				if size > 0 {
					p.SetPageSize(size)
				}
				if limit > 0 {
					p.SetLimit(limit)
				}
				got, err := api.ListUserChannel(service, "joiner", p)
				return sdkKeys(got, func(uc chatv2.ChatV2UserChannel) string { return sdkVal(uc.ChannelSid) }), err
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, api := newSDKHarness(t)
			want, list := tc.seed(t, api)
			if len(want) != n {
				t.Fatalf("seeded %d items, want %d", len(want), n)
			}

			t.Run("follows next_page_url to the end", func(t *testing.T) {
				api.rw.reset()
				got := sdkCall(list(api, 2, 0)).must(t)
				sdkNoDuplicates(t, got)
				sdkWantEqual(t, "keys", got, want)
				reqs := api.rw.requests()
				if len(reqs) != 4 {
					t.Fatalf("SDK sent %d requests, want 4 pages: %v", len(reqs), reqs)
				}
				for i, u := range reqs {
					q := u.Query()
					if q.Get("PageSize") != "2" {
						t.Errorf("request %d: PageSize %q, want 2 (%s)", i, q.Get("PageSize"), u)
					}
					if i == 0 {
						continue
					}
					if q.Get("Page") != strconv.Itoa(i) || q.Get("PageToken") == "" {
						t.Errorf("request %d is not a next_page_url of page %d: %s", i, i-1, u)
					}
				}
			})

			t.Run("Limit stops at three items", func(t *testing.T) {
				api.rw.reset()
				sdkWantEqual(t, "keys", sdkCall(list(api, 0, 3)).must(t), want[:3])
				if reqs := api.rw.requests(); len(reqs) != 1 || reqs[0].Query().Get("PageSize") != "3" {
					t.Errorf("requests = %v, want one page of 3", reqs)
				}
			})

			t.Run("Limit stops at three items across pages of two", func(t *testing.T) {
				api.rw.reset()
				sdkWantEqual(t, "keys", sdkCall(list(api, 2, 3)).must(t), want[:3])
				if reqs := api.rw.requests(); len(reqs) != 2 {
					t.Errorf("SDK sent %d requests, want 2: %v", len(reqs), reqs)
				}
			})
		})
	}
}

// sdkSeedMessages posts seven messages and lists them in order, keyed by index.
func sdkSeedMessages(t *testing.T, api *sdk, order string) ([]string, func(api *sdk, pageSize, limit int) ([]string, error)) {
	t.Helper()
	service := sdkVal(sdkService(t, api).Sid)
	channel := sdkVal(sdkChannel(t, api, service, "").Sid)
	var want []string
	for i := 0; i < 7; i++ {
		want = append(want, strconv.Itoa(sdkMessage(t, api, service, channel, fmt.Sprint("message ", i)).Index))
	}
	if order == "desc" {
		for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
			want[i], want[j] = want[j], want[i]
		}
	}
	return want, func(api *sdk, size, limit int) ([]string, error) {
		p := (&chatv2.ListMessageParams{}).SetOrder(order)
		if size > 0 {
			p.SetPageSize(size)
		}
		if limit > 0 {
			p.SetLimit(limit)
		}
		got, err := api.ListMessage(service, channel, p)
		return sdkKeys(got, func(m chatv2.ChatV2Message) string { return strconv.Itoa(m.Index) }), err
	}
}

// sdkKeys maps listed SDK records to their keys.
func sdkKeys[T any](records []T, key func(T) string) []string {
	var out []string
	for _, r := range records {
		out = append(out, key(r))
	}
	return out
}

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
			_, err := newSDK(t, h.URL(), "wrongtoken0123456789").FetchService(service)
			return err
		}, 401, 20003},
		{"bad credentials on a list", func(*sdk) error {
			_, err := newSDK(t, h.URL(), "wrongtoken0123456789").ListService(nil)
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
	api = newSDK(t, h.URL(), testToken)

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
