package server_test

// Golden tests of the response bodies: every resource shape of v1, v2 and
// v3, rendered from fixed records through the real handlers, compared byte
// for byte with testdata/render. The records are served by fixedBackend, so
// SIDs and dates are fixed, and they are chosen to reach every branch of the
// shapes: null and set optional fields, nil and empty lists, v1 list
// attributes, media messages, and strings that need JSON escaping (HTML
// characters, control characters, U+2028, invalid UTF-8).
//
// The golden files were written by the encoding/json encoder that chatd used
// before its own writer; go test -run TestRenderGolden -update rewrites them.

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/server"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/render")

// tricky needs every kind of JSON escape encoding/json makes with HTML
// escaping off, and a few that it must not make.
const tricky = "<a href=\"x\">&amp;</a> \\ / \b\f\n\r\t\x00\x1f\x7f é 世界 \u2028\u2029 \xff\xc3( 😀 end"

// fixedAttributes are assigned attributes: shown on a fetch, null in v1 lists.
const fixedAttributes = `{"color":"<blue>","note":"café & \u2028"}`

func sid(prefix string, n int) string { return fmt.Sprintf("%s%032x", prefix, n) }

func ptr[T any](v T) *T { return &v }

var (
	fixedT0   = time.Date(2024, 3, 5, 7, 8, 9, 0, time.UTC)
	fixedT1   = time.Date(2024, 3, 5, 9, 10, 11, 987654321, time.FixedZone("CET", 3600))
	fixedSvc  = sid("IS", 1)
	fixedChan = sid("CH", 1)
	fixedUser = sid("US", 1)
)

// fixedBackend serves fixed records; every method it does not override
// panics (a 500), which no golden file expects.
type fixedBackend struct {
	server.Backend
}

func (fixedBackend) services() []*model.Service {
	plain := &model.Service{
		Sid: fixedSvc, FriendlyName: "plain", DateCreated: fixedT0, DateUpdated: fixedT1,
		DefaultServiceRoleSid: sid("RL", 1), DefaultChannelRoleSid: sid("RL", 2), DefaultChannelCreatorRoleSid: sid("RL", 3),
		ReadStatusEnabled: true, TypingIndicatorTimeout: 5, ConsumptionReportInterval: 10,
		Limits: model.ServiceLimits{ChannelMembers: 100, UserChannels: 250},
		Media:  model.ServiceMedia{SizeLimitMB: 150},
	}
	full := &model.Service{
		Sid: sid("IS", 2), FriendlyName: tricky, DateCreated: fixedT0, DateUpdated: fixedT0,
		DefaultServiceRoleSid: sid("RL", 1), DefaultChannelRoleSid: sid("RL", 2), DefaultChannelCreatorRoleSid: sid("RL", 3),
		ReachabilityEnabled: true, TypingIndicatorTimeout: 7, ConsumptionReportInterval: 12,
		Limits: model.ServiceLimits{ChannelMembers: 5, UserChannels: 6},
		Notifications: model.ServiceNotifications{
			NewMessage:         model.Notification{Enabled: true, Template: ptr("${USER}: ${MESSAGE} <&>"), BadgeCountEnabled: ptr(true)},
			AddedToChannel:     model.Notification{Enabled: true, Sound: ptr("ding")},
			RemovedFromChannel: model.Notification{Template: ptr("")},
			LogEnabled:         true,
		},
		Media:                 model.ServiceMedia{SizeLimitMB: 150, CompatibilityMessage: "media: <unsupported>"},
		PreWebhookURL:         ptr("https://hooks.example.com/pre?a=1&b=2"),
		PostWebhookURL:        ptr("https://hooks.example.com/post"),
		WebhookMethod:         ptr("POST"),
		WebhookFilters:        []string{"onMessageSend", "onChannelAdded"},
		PreWebhookRetryCount:  2,
		PostWebhookRetryCount: 3,
		Webhooks: map[string]model.EventWebhook{
			"onMessageSend":   {URL: ptr("https://hooks.example.com/send"), Method: ptr("GET")},
			"onMemberRemoved": {URL: ptr("https://hooks.example.com/removed")},
		},
	}
	empty := &model.Service{Sid: sid("IS", 3), FriendlyName: "empty filters", DateCreated: fixedT0, DateUpdated: fixedT0, WebhookFilters: []string{}}
	return []*model.Service{plain, full, empty}
}

func (b fixedBackend) FindService(_ context.Context, key string) (*model.Service, error) {
	for _, sv := range b.services() {
		if sv.Sid == key {
			return sv, nil
		}
	}
	return nil, model.NotFound()
}

func (b fixedBackend) ListServices(_ context.Context, p model.Page) ([]*model.Service, model.Cursor, error) {
	return b.services(), cursor(p), nil
}

// cursor is a page's cursor: a next page always, a previous one after the
// first; the tokens need query escaping.
func cursor(p model.Page) model.Cursor {
	c := model.Cursor{Next: "PT" + "a b&c=d/é"}
	if p.Number > 0 {
		c.Previous = "PB" + "0"
	}
	return c
}

func (fixedBackend) roles() []*model.Role {
	return []*model.Role{
		{Sid: sid("RL", 1), ServiceSid: fixedSvc, FriendlyName: "deployment admin", Type: "deployment",
			Permissions: []string{"createChannel", "joinChannel"}, DateCreated: fixedT0, DateUpdated: fixedT1},
		{Sid: sid("RL", 2), ServiceSid: fixedSvc, FriendlyName: tricky, Type: "channel", DateCreated: fixedT0, DateUpdated: fixedT0},
		{Sid: sid("RL", 3), ServiceSid: fixedSvc, FriendlyName: "empty", Type: "channel", Permissions: []string{}, DateCreated: fixedT0, DateUpdated: fixedT0},
	}
}

func (b fixedBackend) FindRole(_ context.Context, _, key string) (*model.Role, error) {
	return find(b.roles(), func(r *model.Role) bool { return r.Sid == key })
}

func (b fixedBackend) ListRoles(_ context.Context, _ string, p model.Page) ([]*model.Role, model.Cursor, error) {
	return b.roles(), cursor(p), nil
}

func find[T any](items []T, match func(T) bool) (T, error) {
	for _, it := range items {
		if match(it) {
			return it, nil
		}
	}
	var zero T
	return zero, model.NotFound()
}

func (fixedBackend) users() []*model.User {
	return []*model.User{
		{Sid: fixedUser, ServiceSid: fixedSvc, Identity: "alice", Attributes: model.DefaultAttributes,
			RoleSid: sid("RL", 1), DateCreated: fixedT0, DateUpdated: fixedT0},
		{Sid: sid("US", 2), ServiceSid: fixedSvc, Identity: "bob/<b>", FriendlyName: ptr(tricky), Attributes: fixedAttributes,
			RoleSid: sid("RL", 1), JoinedChannelsCount: 3, DateCreated: fixedT0, DateUpdated: fixedT1},
	}
}

func (b fixedBackend) FindUser(_ context.Context, _, key string) (*model.User, *model.Reachability, error) {
	u, err := find(b.users(), func(u *model.User) bool { return u.Sid == key || u.Identity == key })
	if err == nil && u.Identity == "alice" {
		return u, &model.Reachability{Notifiable: true}, nil
	}
	return u, nil, err
}

func (b fixedBackend) ListUsers(_ context.Context, _ string, p model.Page) ([]*model.User, model.Cursor, error) {
	return b.users(), cursor(p), nil
}

func (fixedBackend) userChannels() []*model.UserChannel {
	return []*model.UserChannel{
		{ServiceSid: fixedSvc, ChannelSid: fixedChan, UserSid: fixedUser, MemberSid: sid("MB", 1), Status: "joined",
			LastConsumedMessageIndex: ptr(4), UnreadMessagesCount: ptr(0), NotificationLevel: "default"},
		{ServiceSid: fixedSvc, ChannelSid: sid("CH", 2), UserSid: fixedUser, Status: "invited"},
	}
}

func (b fixedBackend) FindUserChannel(_ context.Context, _, _, channel string) (*model.UserChannel, error) {
	return find(b.userChannels(), func(uc *model.UserChannel) bool { return uc.ChannelSid == channel })
}

func (b fixedBackend) ListUserChannels(_ context.Context, _, _ string, p model.Page) ([]*model.UserChannel, model.Cursor, error) {
	return b.userChannels(), cursor(p), nil
}

func (fixedBackend) channels() []*model.Channel {
	return []*model.Channel{
		{Sid: fixedChan, ServiceSid: fixedSvc, Attributes: model.DefaultAttributes, Type: "public", CreatedBy: "system",
			DateCreated: fixedT0, DateUpdated: fixedT0},
		{Sid: sid("CH", 2), ServiceSid: fixedSvc, FriendlyName: ptr(tricky), UniqueName: ptr("general/<main>"), Attributes: fixedAttributes,
			Type: "private", CreatedBy: "alice", DateCreated: fixedT0, DateUpdated: fixedT1, MessagingServiceSid: ptr(sid("MG", 1)),
			MembersCount: 2, MessagesCount: 60, LastMessageSid: sid("IM", 60)},
	}
}

func (b fixedBackend) FindChannel(_ context.Context, _, key string) (*model.Channel, error) {
	return find(b.channels(), func(ch *model.Channel) bool { return ch.Sid == key })
}

func (b fixedBackend) ListChannels(_ context.Context, _ string, _ model.ChannelFilter, p model.Page) ([]*model.Channel, model.Cursor, error) {
	return b.channels(), cursor(p), nil
}

func (b fixedBackend) UpdateChannel(_ context.Context, _, key string, _ model.ChannelUpdate) (*model.Channel, error) {
	return b.FindChannel(context.Background(), "", key)
}

func (fixedBackend) members() []*model.Member {
	return []*model.Member{
		{Sid: sid("MB", 1), ServiceSid: fixedSvc, ChannelSid: fixedChan, UserSid: fixedUser, Identity: "alice",
			RoleSid: sid("RL", 2), Attributes: model.DefaultAttributes, DateCreated: fixedT0, DateUpdated: fixedT0},
		{Sid: sid("MB", 2), ServiceSid: fixedSvc, ChannelSid: fixedChan, UserSid: sid("US", 2), Identity: tricky,
			RoleSid: sid("RL", 2), Attributes: fixedAttributes, LastConsumedMessageIndex: ptr(0),
			LastConsumptionTimestamp: ptr(fixedT1), DateCreated: fixedT0, DateUpdated: fixedT1},
	}
}

func (b fixedBackend) FindMember(_ context.Context, _, _, key string) (*model.Member, error) {
	return find(b.members(), func(m *model.Member) bool { return m.Sid == key })
}

func (b fixedBackend) ListMembers(_ context.Context, _, _ string, _ model.MemberFilter, p model.Page) ([]*model.Member, model.Cursor, error) {
	return b.members(), cursor(p), nil
}

func (fixedBackend) messages() []*model.Message {
	return []*model.Message{
		{Sid: sid("IM", 1), ServiceSid: fixedSvc, ChannelSid: fixedChan, Index: 0, From: "system", Body: "hello",
			Attributes: model.DefaultAttributes, DateCreated: fixedT0, DateUpdated: fixedT0},
		{Sid: sid("IM", 2), ServiceSid: fixedSvc, ChannelSid: fixedChan, Index: 1, From: "bob/<b>", Body: tricky,
			Attributes: fixedAttributes, LastUpdatedBy: ptr("alice"), WasEdited: true, DateCreated: fixedT0, DateUpdated: fixedT1},
		{Sid: sid("IM", 3), ServiceSid: fixedSvc, ChannelSid: fixedChan, Index: 2, From: "alice", Body: "",
			Attributes: model.DefaultAttributes, DateCreated: fixedT1, DateUpdated: fixedT1,
			Media: &model.MessageMedia{Sid: sid("ME", 1), Size: 12345, ContentType: "image/png", Filename: ptr("cat <1>.png")}},
		{Sid: sid("IM", 4), ServiceSid: fixedSvc, ChannelSid: fixedChan, Index: 1234567, From: "alice",
			Attributes: model.DefaultAttributes, DateCreated: fixedT1, DateUpdated: fixedT1,
			Media: &model.MessageMedia{Sid: sid("ME", 2), ContentType: "application/octet-stream"}},
	}
}

func (b fixedBackend) FindMessage(_ context.Context, _, _, key string) (*model.Message, error) {
	return find(b.messages(), func(m *model.Message) bool { return m.Sid == key })
}

func (b fixedBackend) ListMessages(_ context.Context, _, _ string, _ model.MessageFilter, p model.Page) ([]*model.Message, model.Cursor, error) {
	return b.messages(), cursor(p), nil
}

func (b fixedBackend) ViewMessages(ctx context.Context, service, channel string, f model.MessageFilter, p model.Page, view func([]*model.Message, model.Cursor)) error {
	ms, cur, err := b.ListMessages(ctx, service, channel, f, p)
	if err == nil {
		view(ms, cur)
	}
	return err
}

func (b fixedBackend) CreateMessage(context.Context, string, string, model.MessageCreate) (*model.Message, error) {
	return b.messages()[1], nil
}

func (fixedBackend) invites() []*model.Invite {
	return []*model.Invite{
		{Sid: sid("IN", 1), ServiceSid: fixedSvc, ChannelSid: fixedChan, UserSid: fixedUser, Identity: "alice",
			RoleSid: sid("RL", 2), DateCreated: fixedT0, DateUpdated: fixedT0},
		{Sid: sid("IN", 2), ServiceSid: fixedSvc, ChannelSid: fixedChan, UserSid: sid("US", 2), Identity: tricky,
			RoleSid: sid("RL", 2), CreatedBy: ptr("alice"), DateCreated: fixedT0, DateUpdated: fixedT1},
	}
}

func (b fixedBackend) FindInvite(_ context.Context, _, _, key string) (*model.Invite, error) {
	return find(b.invites(), func(in *model.Invite) bool { return in.Sid == key })
}

func (b fixedBackend) ListInvites(_ context.Context, _, _ string, _ model.InviteFilter, p model.Page) ([]*model.Invite, model.Cursor, error) {
	return b.invites(), cursor(p), nil
}

func (fixedBackend) credentials() []*model.Credential {
	return []*model.Credential{
		{Sid: sid("CR", 1), Type: "apn", Sandbox: true, DateCreated: fixedT0, DateUpdated: fixedT0},
		{Sid: sid("CR", 2), FriendlyName: ptr(tricky), Type: "fcm", DateCreated: fixedT0, DateUpdated: fixedT1},
	}
}

func (b fixedBackend) FindCredential(_ context.Context, key string) (*model.Credential, error) {
	return find(b.credentials(), func(c *model.Credential) bool { return c.Sid == key })
}

func (b fixedBackend) ListCredentials(_ context.Context, p model.Page) ([]*model.Credential, model.Cursor, error) {
	return b.credentials(), cursor(p), nil
}

func (fixedBackend) bindings() []*model.Binding {
	return []*model.Binding{
		{Sid: sid("BS", 1), ServiceSid: fixedSvc, UserSid: fixedUser, Identity: "alice", Endpoint: "ep-1",
			BindingType: "apn", CredentialSid: sid("CR", 1), MessageTypes: []string{"new_message", "added_to_channel"},
			DateCreated: fixedT0, DateUpdated: fixedT0},
		{Sid: sid("BS", 2), ServiceSid: fixedSvc, UserSid: sid("US", 2), Identity: "bob/<b> é", Endpoint: tricky,
			BindingType: "fcm", CredentialSid: sid("CR", 2), DateCreated: fixedT0, DateUpdated: fixedT1},
		{Sid: sid("BS", 3), ServiceSid: fixedSvc, UserSid: fixedUser, Identity: "alice", Endpoint: "ep-3",
			BindingType: "gcm", CredentialSid: sid("CR", 1), MessageTypes: []string{}, DateCreated: fixedT0, DateUpdated: fixedT0},
	}
}

func (b fixedBackend) FindBinding(_ context.Context, _, key string) (*model.Binding, error) {
	return find(b.bindings(), func(bd *model.Binding) bool { return bd.Sid == key })
}

func (b fixedBackend) ListBindings(_ context.Context, _ string, _ model.BindingFilter, p model.Page) ([]*model.Binding, model.Cursor, error) {
	return b.bindings(), cursor(p), nil
}

func (b fixedBackend) FindUserBinding(_ context.Context, _, _, key string) (*model.Binding, error) {
	return b.FindBinding(context.Background(), "", key)
}

func (b fixedBackend) ListUserBindings(_ context.Context, _, _ string, _ []string, p model.Page) ([]*model.Binding, model.Cursor, error) {
	return b.bindings(), cursor(p), nil
}

func (b fixedBackend) CreateBinding(_ context.Context, _ string, in model.BindingCreate) (*model.Binding, bool, error) {
	return b.bindings()[0], in.Endpoint == "new", nil
}

func (fixedBackend) webhooks() []*model.ChannelWebhook {
	return []*model.ChannelWebhook{
		{Sid: sid("WH", 1), ServiceSid: fixedSvc, ChannelSid: fixedChan, Type: model.WebhookTypeWebhook,
			URL: ptr("https://hooks.example.com/w?a=1&b=<2>"), Method: ptr("POST"), Filters: []string{"onMessageSent"},
			RetryCount: ptr(0), DateCreated: fixedT0, DateUpdated: fixedT0},
		{Sid: sid("WH", 2), ServiceSid: fixedSvc, ChannelSid: fixedChan, Type: model.WebhookTypeTrigger,
			URL: ptr("https://hooks.example.com/t"), Method: ptr("GET"), Triggers: []string{"urgent", tricky},
			DateCreated: fixedT0, DateUpdated: fixedT1},
		{Sid: sid("WH", 3), ServiceSid: fixedSvc, ChannelSid: fixedChan, Type: model.WebhookTypeStudio,
			FlowSid: ptr(sid("FW", 1)), Filters: []string{}, RetryCount: ptr(3), DateCreated: fixedT0, DateUpdated: fixedT0},
	}
}

func (b fixedBackend) FindChannelWebhook(_ context.Context, _, _, key string) (*model.ChannelWebhook, error) {
	return find(b.webhooks(), func(wh *model.ChannelWebhook) bool { return wh.Sid == key })
}

func (b fixedBackend) ListChannelWebhooks(_ context.Context, _, _ string, p model.Page) ([]*model.ChannelWebhook, model.Cursor, error) {
	return b.webhooks(), cursor(p), nil
}

func (fixedBackend) media() []*model.Media {
	return []*model.Media{
		{Sid: sid("ME", 1), ServiceSid: fixedSvc, Size: 12345, ContentType: "image/png", Filename: ptr("cat <1>.png"),
			Author: "alice", DateCreated: fixedT0, DateUpdated: fixedT0},
		{Sid: sid("ME", 2), ServiceSid: fixedSvc, ChannelSid: fixedChan, MessageSid: sid("IM", 4), ContentType: "text/plain",
			Author: tricky, DateCreated: fixedT1, DateUpdated: fixedT1},
	}
}

func (b fixedBackend) FindMedia(_ context.Context, _, key string) (*model.Media, error) {
	return find(b.media(), func(me *model.Media) bool { return me.Sid == key })
}

func (fixedBackend) ListDeliveries(_ context.Context, _ model.DeliveryFilter, p model.Page) ([]*model.Delivery, model.Cursor, error) {
	return []*model.Delivery{
		{ID: 1, ServiceSid: fixedSvc, ChannelSid: fixedChan, Event: "onMessageSent", URL: "https://hooks.example.com/post?x=<1>",
			Method: "POST", Params: map[string][]string{"Body": {tricky}, "EventType": {"onMessageSent"}, "Empty": {}, "Z&<key>": {"a", "b"}},
			MaxRetries: 3, Status: model.DeliveryPending, Attempts: 1, Error: "dial tcp: refused",
			Duration: 1500 * time.Microsecond, DateCreated: fixedT0, DateUpdated: fixedT1, NextAttempt: fixedT1.Add(time.Second)},
		{ID: 2, ServiceSid: fixedSvc, Event: "onUserUpdated", URL: "https://hooks.example.com/post", Method: "GET",
			WebhookSid: sid("WH", 1), WebhookType: "webhook", Status: "delivered", Attempts: 1, ResponseCode: 200,
			Duration: 2 * time.Second, DateCreated: fixedT0, DateUpdated: fixedT0},
		{ID: 3, ServiceSid: fixedSvc, Event: "onUserUpdated", URL: "https://hooks.example.com/post", Method: "POST",
			Status: "failed", Attempts: 4, ResponseCode: 503, Duration: 1, DateCreated: fixedT0, DateUpdated: fixedT0},
	}, cursor(p), nil
}

// renderCase is one request whose response is compared with a golden file.
type renderCase struct {
	name   string
	method string
	path   string
	form   url.Values
}

func renderCases() []renderCase {
	svc := "/Services/" + fixedSvc
	ch := svc + "/Channels/" + fixedChan
	cases := []renderCase{
		{name: "health", method: "GET", path: "/_chatd/health"},
		{name: "error_not_found", method: "GET", path: "/v2" + svc + "/Channels/" + sid("CH", 9)},
		{name: "error_invalid_param", method: "GET", path: "/v2" + ch + "/Messages", form: url.Values{"PageSize": {"-1"}}},
		{name: "error_invalid_tricky", method: "GET", path: "/v2" + ch + "/Messages", form: url.Values{"Order": {tricky}}},
		{name: "error_method", method: "PUT", path: "/v2" + svc},
		{name: "error_route", method: "GET", path: "/v2/Nowhere/<x>"},
		{name: "v3_channel_update", method: "POST", path: "/v3" + svc + "/Channels/" + sid("CH", 2), form: url.Values{"Type": {"private"}}},
		{name: "v3_channel_update_plain", method: "POST", path: "/v3" + ch, form: url.Values{"Type": {"private"}}},
		{name: "media_fetch", method: "GET", path: "/v1" + svc + "/Media/" + sid("ME", 1)},
		{name: "media_fetch_attached", method: "GET", path: "/v1" + svc + "/Media/" + sid("ME", 2)},
		{name: "deliveries", method: "GET", path: "/_chatd/deliveries", form: url.Values{"ServiceSid": {fixedSvc}, "PageSize": {"3"}}},
		{name: "binding_create", method: "POST", path: "/_chatd" + svc + "/Bindings",
			form: url.Values{"Identity": {"alice"}, "BindingType": {"apn"}, "Endpoint": {"new"}, "CredentialSid": {sid("CR", 1)}}},
		{name: "binding_create_existing", method: "POST", path: "/_chatd" + svc + "/Bindings",
			form: url.Values{"Identity": {"alice"}, "BindingType": {"apn"}, "Endpoint": {"old"}, "CredentialSid": {sid("CR", 1)}}},
	}
	// v2 only.
	for _, c := range []renderCase{
		{name: "user_channel_fetch", method: "GET", path: svc + "/Users/" + fixedUser + "/Channels/" + fixedChan},
		{name: "user_channel_fetch_invited", method: "GET", path: svc + "/Users/" + fixedUser + "/Channels/" + sid("CH", 2)},
		{name: "binding_fetch", method: "GET", path: svc + "/Bindings/" + sid("BS", 2)},
		{name: "binding_list", method: "GET", path: svc + "/Bindings", form: url.Values{"BindingType": {"apn", "fcm"}, "Identity": {"bob/<b> é"}}},
		{name: "user_binding_fetch", method: "GET", path: svc + "/Users/" + fixedUser + "/Bindings/" + sid("BS", 1)},
		{name: "user_binding_list", method: "GET", path: svc + "/Users/" + fixedUser + "/Bindings", form: url.Values{"BindingType": {"gcm"}}},
		{name: "webhook_fetch", method: "GET", path: ch + "/Webhooks/" + sid("WH", 1)},
		{name: "webhook_list", method: "GET", path: ch + "/Webhooks", form: url.Values{"Page": {"1"}, "PageToken": {"PT" + sid("WH", 0)}}},
	} {
		c.name, c.path = "v2_"+c.name, "/v2"+c.path
		cases = append(cases, c)
	}
	// v1 and v2.
	for _, v := range []string{"v1", "v2"} {
		for _, c := range []renderCase{
			{name: "service_fetch", method: "GET", path: svc},
			{name: "service_fetch_full", method: "GET", path: "/Services/" + sid("IS", 2)},
			{name: "service_fetch_empty", method: "GET", path: "/Services/" + sid("IS", 3)},
			{name: "service_list", method: "GET", path: "/Services"},
			{name: "role_fetch", method: "GET", path: svc + "/Roles/" + sid("RL", 1)},
			{name: "role_list", method: "GET", path: svc + "/Roles", form: url.Values{"PageSize": {"3"}, "Page": {"2"}, "PageToken": {"PT" + sid("RL", 9)}}},
			{name: "user_fetch", method: "GET", path: svc + "/Users/" + fixedUser},
			{name: "user_fetch_full", method: "GET", path: svc + "/Users/" + sid("US", 2)},
			{name: "user_list", method: "GET", path: svc + "/Users"},
			{name: "user_channel_list", method: "GET", path: svc + "/Users/" + fixedUser + "/Channels"},
			{name: "channel_fetch", method: "GET", path: ch},
			{name: "channel_fetch_full", method: "GET", path: svc + "/Channels/" + sid("CH", 2)},
			{name: "channel_list", method: "GET", path: svc + "/Channels", form: url.Values{"Type": {"public", "private"}}},
			{name: "member_fetch", method: "GET", path: ch + "/Members/" + sid("MB", 2)},
			{name: "member_list", method: "GET", path: ch + "/Members", form: url.Values{"Identity": {"alice", tricky}}},
			{name: "message_fetch", method: "GET", path: ch + "/Messages/" + sid("IM", 2)},
			{name: "message_fetch_media", method: "GET", path: ch + "/Messages/" + sid("IM", 3)},
			{name: "message_list", method: "GET", path: ch + "/Messages", form: url.Values{"PageSize": {"4"}}},
			{name: "message_list_desc", method: "GET", path: ch + "/Messages",
				form: url.Values{"Order": {"desc"}, "Page": {"1"}, "PageToken": {"PT" + "5"}}},
			{name: "message_create", method: "POST", path: ch + "/Messages", form: url.Values{"Body": {"x"}}},
			{name: "invite_fetch", method: "GET", path: ch + "/Invites/" + sid("IN", 2)},
			{name: "invite_list", method: "GET", path: ch + "/Invites", form: url.Values{"Identity": {"alice"}}},
			{name: "credential_fetch", method: "GET", path: "/Credentials/" + sid("CR", 2)},
			{name: "credential_list", method: "GET", path: "/Credentials"},
		} {
			c.name, c.path = v+"_"+c.name, "/"+v+c.path
			cases = append(cases, c)
		}
	}
	return cases
}

// temporaryURL matches the signed, time-dependent part of a temporary
// media URL.
var temporaryURL = regexp.MustCompile(`Expires=[0-9]+&Signature=[0-9a-f]+`)

// renderResponse sends c to h and returns its status, Content-Type and body
// as one text.
func renderResponse(t testing.TB, h http.Handler, c renderCase) []byte {
	t.Helper()
	var req *http.Request
	if c.method == http.MethodPost {
		req = httptest.NewRequest(c.method, c.path, strings.NewReader(c.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		target := c.path
		if len(c.form) > 0 {
			target += "?" + c.form.Encode()
		}
		req = httptest.NewRequest(c.method, target, nil)
	}
	req.Host = "chat.example.com"
	req.SetBasicAuth(testAccount, testToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := temporaryURL.ReplaceAll(rec.Body.Bytes(), []byte("Expires=EXPIRES&Signature=SIGNATURE"))
	head := fmt.Sprintf("%d %s\n", rec.Code, rec.Header().Get("Content-Type"))
	return append([]byte(head), body...)
}

func newFixedServer(publicURL string) http.Handler {
	return server.New(fixedBackend{}, server.Config{
		AccountSid: testAccount, AuthToken: testToken, PublicURL: publicURL,
		Logger: slog.New(slog.DiscardHandler), Version: "v0.0.0-golden",
	}).Handler()
}

func TestRenderGolden(t *testing.T) {
	servers := map[string]http.Handler{
		"":       newFixedServer(""),
		"public": newFixedServer(`https://chat.example.com/a"b<c>é/`),
	}
	cases := renderCases()
	// A public URL with characters to escape, on a few shapes.
	for _, c := range cases {
		switch c.name {
		case "v2_channel_fetch_full", "v1_message_list", "v2_service_fetch_full", "v2_member_fetch":
			c.name = "public_" + c.name
			cases = append(cases, c)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := servers[""]
			if strings.HasPrefix(c.name, "public_") {
				h = servers["public"]
			}
			got := renderResponse(t, h, c)
			file := filepath.Join("testdata", "render", c.name+".json")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("%s %s: response differs from %s\ngot:\n%s\nwant:\n%s", c.method, c.path, file, got, want)
			}
		})
	}
}
