package bolt

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// A fixture file holds every kind of record chatd stores, written through
// the Tx by fixture.write. testdata/chatd-v<N>.db is one written by the
// chatd of schema version N, kept so that a later chatd proves it opens and
// migrates it: TestMigrateV3, TestMigrateV5SidIndex and TestSyncLogFixtures
// (migrate_test.go) read a copy of the files back through the Tx and check
// them with fixture.check (and, from schema 5 on, sidFixture.check; from
// schema 6 on, the files have Sync logs, and testdata/chatd-v<N>-sync.json
// is what they answered: see writeSyncFixture). To add the file of the current version (before a
// change of the format bumps it):
//
//	CHATD_WRITE_FIXTURE=1 go test -run TestWriteFixture ./bolt/

// fixtureDate is the date of the fixture's records: not the test clock, and
// with nanoseconds, so that a date that is not the clock's survives.
var fixtureDate = time.Date(2023, 11, 12, 13, 14, 15, 123456789, time.UTC)

// fixtureMedia is the content of Media 1.
var fixtureMedia = []byte("GIF89a fixture media content")

// fixture is the records of a fixture file. Store-assigned fields
// (indexes, IDs, counts) are as the store sets them.
type fixture struct {
	settings    map[string]string
	services    []*model.Service
	roles       []*model.Role
	users       []*model.User
	channels    []*model.Channel
	members     []*model.Member
	messages    []*model.Message // every one appended, deleted ones included
	deleted     []string         // SIDs of the Messages deleted after the appends
	media       []*model.Media
	invites     []*model.Invite
	links       map[string][]model.UserChannelLink // by User SID
	credentials []*model.Credential
	bindings    []*model.Binding
	webhooks    []*model.ChannelWebhook
	deliveries  []*model.Delivery
}

// newFixture builds the records. Service 1 has every field set, Service 2
// as few as a Service can have, with empty (not nil) lists.
func newFixture() *fixture {
	s1, s2, ch1, ch2 := sid("IS", 1), sid("IS", 2), sid("CH", 1), sid("CH", 2)
	at := func(seconds int) time.Time { return fixtureDate.Add(time.Duration(seconds) * time.Second) }
	f := &fixture{settings: map[string]string{"dev_account_sid": sid("AC", 1), "dev_auth_token": "0123456789abcdef"}}
	f.services = []*model.Service{{
		Sid: s1, FriendlyName: "fixture service", DateCreated: at(0), DateUpdated: at(1),
		DefaultServiceRoleSid: sid("RL", 2), DefaultChannelRoleSid: sid("RL", 1), DefaultChannelCreatorRoleSid: sid("RL", 1),
		ReadStatusEnabled: true, ReachabilityEnabled: true, TypingIndicatorTimeout: 5, ConsumptionReportInterval: 10,
		Limits: model.ServiceLimits{ChannelMembers: 100, UserChannels: 250},
		Notifications: model.ServiceNotifications{
			NewMessage:         model.Notification{Enabled: true, Template: ptr("${USER}: ${MESSAGE}"), Sound: ptr("ding"), BadgeCountEnabled: ptr(true)},
			AddedToChannel:     model.Notification{Enabled: true, Template: ptr("added to ${CHANNEL}")},
			RemovedFromChannel: model.Notification{BadgeCountEnabled: ptr(false)},
			InvitedToChannel:   model.Notification{Sound: ptr("")},
			LogEnabled:         true,
		},
		Media:          model.ServiceMedia{SizeLimitMB: 150, CompatibilityMessage: "media not supported"},
		PreWebhookURL:  ptr("https://hooks.example.com/pre"),
		PostWebhookURL: ptr("https://hooks.example.com/post"), WebhookMethod: ptr("POST"),
		WebhookFilters:       []string{"onMessageSent", "onChannelAdded"},
		PreWebhookRetryCount: 1, PostWebhookRetryCount: 2,
		Webhooks: map[string]model.EventWebhook{
			"onMessageSend": {URL: ptr("https://hooks.example.com/v1/send"), Method: ptr("GET")},
			"onMemberAdded": {URL: ptr("https://hooks.example.com/v1/member")},
		},
	}, {
		Sid: s2, DateCreated: at(2), DateUpdated: at(2), WebhookFilters: []string{}, Webhooks: map[string]model.EventWebhook{},
	}}
	f.roles = []*model.Role{
		{Sid: sid("RL", 1), ServiceSid: s1, FriendlyName: "channel user", Type: model.RoleTypeChannel,
			Permissions: []string{"sendMessage", "leaveChannel"}, DateCreated: at(3), DateUpdated: at(3)},
		{Sid: sid("RL", 2), ServiceSid: s1, FriendlyName: "service user", Type: model.RoleTypeDeployment,
			Permissions: []string{"createChannel", "joinChannel"}, DateCreated: at(4), DateUpdated: at(5)},
	}
	f.users = []*model.User{
		{Sid: sid("US", 1), ServiceSid: s1, Identity: "alice", FriendlyName: ptr("Alice"), Attributes: `{"team":"a"}`,
			RoleSid: sid("RL", 2), JoinedChannelsCount: 2, DateCreated: at(6), DateUpdated: at(7)},
		{Sid: sid("US", 2), ServiceSid: s1, Identity: "bob", Attributes: "{}", RoleSid: sid("RL", 2),
			JoinedChannelsCount: 1, DateCreated: at(8), DateUpdated: at(8)},
		{Sid: sid("US", 3), ServiceSid: s1, Identity: "carol@example.com", FriendlyName: ptr(""), Attributes: "{}",
			RoleSid: sid("RL", 2), DateCreated: at(9), DateUpdated: at(9)},
	}
	f.channels = []*model.Channel{
		{Sid: ch1, ServiceSid: s1, FriendlyName: ptr("General"), UniqueName: ptr("general"), Attributes: `{"topic":"all"}`,
			Type: model.ChannelPublic, CreatedBy: "alice", DateCreated: at(10), DateUpdated: at(11),
			MembersCount: 2, MessagesCount: 3, LastMessageSid: sid("IM", 4)},
		{Sid: ch2, ServiceSid: s1, Attributes: "{}", Type: model.ChannelPrivate, CreatedBy: model.DefaultAuthor,
			DateCreated: at(12), DateUpdated: at(12), MessagingServiceSid: ptr(sid("MG", 1)),
			MembersCount: 1, MessagesCount: 1, LastMessageSid: sid("IM", 6)},
	}
	f.members = []*model.Member{
		{Sid: sid("MB", 1), ServiceSid: s1, ChannelSid: ch1, UserSid: sid("US", 1), Identity: "alice", RoleSid: sid("RL", 1),
			Attributes: `{"seat":1}`, LastConsumedMessageIndex: ptr(1), LastConsumptionTimestamp: ptr(at(20)),
			NotificationLevel: model.NotificationMuted, DateCreated: at(13), DateUpdated: at(20)},
		{Sid: sid("MB", 2), ServiceSid: s1, ChannelSid: ch1, UserSid: sid("US", 2), Identity: "bob", RoleSid: sid("RL", 1),
			Attributes: "{}", NotificationLevel: model.NotificationDefault, DateCreated: at(14), DateUpdated: at(14)},
		{Sid: sid("MB", 3), ServiceSid: s1, ChannelSid: ch2, UserSid: sid("US", 1), Identity: "alice", RoleSid: sid("RL", 1),
			Attributes: "{}", LastConsumedMessageIndex: ptr(0), NotificationLevel: model.NotificationDefault,
			DateCreated: at(15), DateUpdated: at(15)},
	}
	f.media = []*model.Media{
		{Sid: sid("ME", 1), ServiceSid: s1, ChannelSid: ch1, MessageSid: sid("IM", 4), Size: int64(len(fixtureMedia)),
			ContentType: "image/gif", Filename: ptr("cat.gif"), Author: "alice", DateCreated: at(16), DateUpdated: at(16)},
		{Sid: sid("ME", 2), ServiceSid: s1, Size: 0, ContentType: model.DefaultMediaContentType, Author: "bob",
			DateCreated: at(17), DateUpdated: at(17)},
	}
	f.messages = []*model.Message{
		{Sid: sid("IM", 1), ServiceSid: s1, ChannelSid: ch1, Index: 0, From: "alice", Body: "hello, wörld ✓",
			Attributes: `{"importance":"high"}`, DateCreated: at(21), DateUpdated: at(21)},
		{Sid: sid("IM", 2), ServiceSid: s1, ChannelSid: ch1, Index: 1, From: "bob", Body: "edited", Attributes: "{}",
			LastUpdatedBy: ptr("alice"), WasEdited: true, DateCreated: at(22), DateUpdated: at(30)},
		{Sid: sid("IM", 3), ServiceSid: s1, ChannelSid: ch1, Index: 2, From: "bob", Body: "deleted", Attributes: "{}",
			DateCreated: at(23), DateUpdated: at(23)},
		{Sid: sid("IM", 4), ServiceSid: s1, ChannelSid: ch1, Index: 3, From: "alice", Attributes: "{}",
			Media:       &model.MessageMedia{Sid: sid("ME", 1), Size: int64(len(fixtureMedia)), ContentType: "image/gif", Filename: ptr("cat.gif")},
			DateCreated: at(24), DateUpdated: at(24)},
		{Sid: sid("IM", 5), ServiceSid: s1, ChannelSid: ch1, Index: 4, From: "alice", Body: "deleted last", Attributes: "{}",
			DateCreated: at(25), DateUpdated: at(25)},
		{Sid: sid("IM", 6), ServiceSid: s1, ChannelSid: ch2, Index: 0, From: model.DefaultAuthor, Body: "", Attributes: "{}",
			DateCreated: at(26), DateUpdated: at(26)},
	}
	f.deleted = []string{sid("IM", 3), sid("IM", 5)}
	f.invites = []*model.Invite{
		{Sid: sid("IN", 1), ServiceSid: s1, ChannelSid: ch1, UserSid: sid("US", 3), Identity: "carol@example.com",
			RoleSid: sid("RL", 1), CreatedBy: ptr("alice"), DateCreated: at(27), DateUpdated: at(27)},
		{Sid: sid("IN", 2), ServiceSid: s1, ChannelSid: ch2, UserSid: sid("US", 2), Identity: "bob",
			RoleSid: sid("RL", 1), DateCreated: at(28), DateUpdated: at(28)},
	}
	f.links = map[string][]model.UserChannelLink{
		sid("US", 1): {{ChannelSid: ch1, MemberSid: sid("MB", 1)}, {ChannelSid: ch2, MemberSid: sid("MB", 3)}},
		sid("US", 2): {{ChannelSid: ch1, MemberSid: sid("MB", 2)}, {ChannelSid: ch2, InviteSid: sid("IN", 2)}},
		sid("US", 3): {{ChannelSid: ch1, InviteSid: sid("IN", 1)}},
	}
	f.credentials = []*model.Credential{
		{Sid: sid("CR", 1), FriendlyName: ptr("apns"), Type: model.PushAPN, Sandbox: true, DateCreated: at(31), DateUpdated: at(32),
			Certificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", PrivateKey: "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"},
		{Sid: sid("CR", 2), Type: model.PushFCM, DateCreated: at(33), DateUpdated: at(33), Secret: "fcm-server-key"},
	}
	f.bindings = []*model.Binding{
		{Sid: sid("BS", 1), ServiceSid: s1, UserSid: sid("US", 1), Identity: "alice", Endpoint: "apn-device-token-1",
			BindingType: model.PushAPN, CredentialSid: sid("CR", 1), MessageTypes: []string{"new_message", "added_to_channel"},
			DateCreated: at(34), DateUpdated: at(34)},
		{Sid: sid("BS", 2), ServiceSid: s1, UserSid: sid("US", 2), Identity: "bob", Endpoint: "fcm-registration-2",
			BindingType: model.PushFCM, CredentialSid: sid("CR", 2), MessageTypes: []string{}, DateCreated: at(35), DateUpdated: at(36)},
	}
	f.webhooks = []*model.ChannelWebhook{
		{Sid: sid("WH", 1), ServiceSid: s1, ChannelSid: ch1, Type: model.WebhookTypeWebhook, URL: ptr("https://hooks.example.com/ch1"),
			Method: ptr("POST"), Filters: []string{"onMessageSent", "onMemberAdded"}, RetryCount: ptr(2), DateCreated: at(37), DateUpdated: at(37)},
		{Sid: sid("WH", 2), ServiceSid: s1, ChannelSid: ch1, Type: model.WebhookTypeStudio, FlowSid: ptr(sid("FW", 1)),
			DateCreated: at(38), DateUpdated: at(38)},
		{Sid: sid("WH", 3), ServiceSid: s1, ChannelSid: ch2, Type: model.WebhookTypeTrigger, URL: ptr("https://hooks.example.com/ch2"),
			Method: ptr("GET"), Triggers: []string{"urgent", "help"}, RetryCount: ptr(0), DateCreated: at(39), DateUpdated: at(39)},
	}
	f.deliveries = []*model.Delivery{
		{ID: 1, ServiceSid: s1, ChannelSid: ch1, Event: "onMessageSent", URL: "https://hooks.example.com/ch1", Method: "POST",
			Params:     map[string][]string{"EventType": {"onMessageSent"}, "Body": {"hello, wörld ✓"}, "Repeated": {"b", "a", ""}},
			WebhookSid: sid("WH", 1), WebhookType: model.WebhookTypeWebhook, MaxRetries: 2, Status: model.DeliveryPending,
			Attempts: 1, ResponseCode: 503, Error: "receiver answered 503", Duration: 1500 * time.Millisecond,
			DateCreated: at(40), DateUpdated: at(41), NextAttempt: at(71)},
		{ID: 2, ServiceSid: s1, Event: "onUserUpdated", URL: "https://hooks.example.com/post", Method: "GET",
			Params: map[string][]string{"EventType": {"onUserUpdated"}}, MaxRetries: 0, Status: model.DeliveryDelivered,
			Attempts: 1, ResponseCode: 200, Duration: 20 * time.Millisecond, DateCreated: at(42), DateUpdated: at(43), NextAttempt: at(42)},
		{ID: 3, ServiceSid: s1, ChannelSid: ch1, Event: "onMessageSent", URL: "https://hooks.example.com/studio",
			Params: map[string][]string{}, WebhookSid: sid("WH", 2), WebhookType: model.WebhookTypeStudio,
			Status: model.DeliveryUndeliverable, Error: "Studio flows are not emulated", DateCreated: at(44), DateUpdated: at(44), NextAttempt: at(44)},
		{ID: 4, ServiceSid: s2, Event: "onChannelAdded", URL: "https://hooks.example.com/failing", Method: "POST",
			Status: model.DeliveryFailed, Attempts: 3, Error: "dial tcp: connection refused", Duration: time.Second,
			DateCreated: at(45), DateUpdated: at(46), NextAttempt: at(45)},
	}
	return f
}

// write stores the fixture, in an order the store accepts, with the
// deletions and updates that give the records their final state.
func (f *fixture) write(tx model.Tx) error {
	for k, v := range f.settings {
		if err := tx.PutSetting(k, v); err != nil {
			return err
		}
	}
	for _, c := range f.credentials {
		if err := tx.InsertCredential(clone(c)); err != nil {
			return err
		}
	}
	for _, s := range f.services {
		if err := tx.InsertService(clone(s)); err != nil {
			return err
		}
	}
	for _, r := range f.roles {
		if err := tx.InsertRole(clone(r)); err != nil {
			return err
		}
	}
	for _, u := range f.users {
		if err := tx.InsertUser(clone(u)); err != nil {
			return err
		}
	}
	for _, c := range f.channels {
		if err := tx.InsertChannel(clone(c)); err != nil {
			return err
		}
	}
	for _, m := range f.members {
		if err := tx.InsertMember(clone(m)); err != nil {
			return err
		}
	}
	for _, me := range f.media {
		attached := clone(me)
		attached.ChannelSid, attached.MessageSid = "", ""
		content := fixtureMedia[:me.Size]
		for seq := 0; seq == 0 || seq*model.MediaChunkSize < len(content); seq++ {
			chunk := content[seq*model.MediaChunkSize : min((seq+1)*model.MediaChunkSize, len(content))]
			if err := tx.StageMediaChunk(attached.ServiceSid, attached.Sid, seq, chunk); err != nil {
				return err
			}
		}
		if err := tx.CommitStagedMedia(attached); err != nil {
			return err
		}
	}
	for _, m := range f.messages {
		if err := tx.AppendMessage(clone(m)); err != nil {
			return err
		}
	}
	for _, m := range f.messages {
		if m.WasEdited {
			if err := tx.PutMessage(clone(m)); err != nil {
				return err
			}
		}
	}
	for _, s := range f.deleted {
		if err := tx.DeleteMessage(sid("IS", 1), f.channelOf(s), s); err != nil {
			return err
		}
	}
	for _, in := range f.invites {
		if err := tx.InsertInvite(clone(in)); err != nil {
			return err
		}
	}
	for _, b := range f.bindings {
		if err := tx.InsertBinding(clone(b)); err != nil {
			return err
		}
	}
	for _, wh := range f.webhooks {
		if err := tx.InsertChannelWebhook(clone(wh)); err != nil {
			return err
		}
	}
	for _, d := range f.deliveries {
		pending := clone(d)
		pending.Status = model.DeliveryPending
		if err := tx.EnqueueDelivery(pending); err != nil {
			return err
		}
		if d.Finished() {
			if err := tx.PutDelivery(clone(d)); err != nil {
				return err
			}
		}
	}
	return nil
}

// channelOf is the Channel of the fixture's Message sid.
func (f *fixture) channelOf(sid string) string {
	for _, m := range f.messages {
		if m.Sid == sid {
			return m.ChannelSid
		}
	}
	panic("fixture: no message " + sid)
}

// clone is a shallow copy of a record, so that a write that sets fields
// (indexes, IDs, counts) leaves the fixture alone.
func clone[T any](v *T) *T {
	c := *v
	return &c
}

// check reads everything back through tx and reports what differs from the
// fixture.
func (f *fixture) check(t *testing.T, tx model.Tx) {
	t.Helper()
	all := model.Window{}
	equal := func(what string, got, want any, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		} else if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", what, show(got), show(want))
		}
	}
	for k, v := range f.settings {
		got, err := tx.Setting(k)
		equal("setting "+k, got, v, err)
	}
	services, err := tx.Services(all)
	equal("Services", services, f.services, err)
	credentials, err := tx.Credentials(all)
	equal("Credentials", credentials, f.credentials, err)
	s1 := sid("IS", 1)
	roles, err := tx.Roles(s1, all)
	equal("Roles", roles, f.roles, err)
	users, err := tx.Users(s1, all)
	equal("Users", users, f.users, err)
	channels, err := tx.Channels(s1, nil, all)
	equal("Channels", channels, f.channels, err)
	for _, c := range f.channels {
		members, err := tx.Members(s1, c.Sid, all)
		equal("Members of "+c.Sid, members, filter(f.members, func(m *model.Member) bool { return m.ChannelSid == c.Sid }), err)
		invites, err := tx.Invites(s1, c.Sid, all)
		equal("Invites of "+c.Sid, invites, filter(f.invites, func(in *model.Invite) bool { return in.ChannelSid == c.Sid }), err)
		webhooks, err := tx.ChannelWebhooks(s1, c.Sid, all)
		equal("ChannelWebhooks of "+c.Sid, webhooks, filter(f.webhooks, func(wh *model.ChannelWebhook) bool { return wh.ChannelSid == c.Sid }), err)
		messages, err := tx.Messages(s1, c.Sid, all)
		equal("Messages of "+c.Sid, messages, filter(f.messages, func(m *model.Message) bool {
			return m.ChannelSid == c.Sid && !contains(f.deleted, m.Sid)
		}), err)
	}
	for _, m := range f.messages {
		got, err := tx.Message(s1, m.ChannelSid, m.Sid)
		if contains(f.deleted, m.Sid) {
			if err != model.ErrNotFound {
				t.Errorf("deleted Message %s: %v, %v; want ErrNotFound", m.Sid, got, err)
			}
			continue
		}
		equal("Message "+m.Sid, got, m, err)
	}
	for _, me := range f.media {
		got, err := tx.Media(s1, me.Sid)
		equal("Media "+me.Sid, got, me, err)
		content := make([]byte, me.Size+1)
		n, err := tx.ReadMedia(s1, me.Sid, content, 0)
		if err != io.EOF {
			t.Errorf("ReadMedia %s: %v, want io.EOF", me.Sid, err)
		}
		equal("content of Media "+me.Sid, content[:n], fixtureMedia[:me.Size], nil)
	}
	for user, want := range f.links {
		got, err := tx.UserChannels(s1, user, all)
		equal("UserChannels of "+user, got, want, err)
	}
	bindings, err := tx.Bindings(s1, nil, all)
	equal("Bindings", bindings, f.bindings, err)
	deliveries, err := tx.Deliveries("", all)
	equal("Deliveries", deliveries, f.deliveries, err)
	pending, err := tx.PendingDeliveries(0, 0)
	equal("PendingDeliveries", pending, filter(f.deliveries, func(d *model.Delivery) bool { return !d.Finished() }), err)
	for _, c := range f.channels {
		after, err := tx.CountMessagesAfter(s1, c.Sid, -1)
		equal("CountMessagesAfter(-1) of "+c.Sid, after, c.MessagesCount, err)
	}
}

func filter[T any](all []T, keep func(T) bool) []T {
	var out []T
	for _, v := range all {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// show prints records as JSON, so that pointers are followed.
func show(v any) string {
	b, err := json.MarshalIndent(v, "\t", "  ")
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

// TestWriteFixture writes testdata/chatd-v<schemaVersion>.db when
// CHATD_WRITE_FIXTURE is set; see the top of this file.
func TestWriteFixture(t *testing.T) {
	if os.Getenv("CHATD_WRITE_FIXTURE") == "" {
		t.Skip("set CHATD_WRITE_FIXTURE=1 to write the fixture file of this schema version")
	}
	path := filepath.Join("testdata", fmt.Sprintf("chatd-v%d.db", schemaVersion))
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	d := openUnmanaged(t, path)
	mustUpdate(t, d, newFixture().write)
	mustUpdate(t, d, newSidFixture().write)
	if err := writeSyncFixture(d); err != nil {
		t.Fatal(err)
	}
	finishSyncFixture(t, d, path)
}

// TestFixture writes the fixture to a new file and reads it back: the
// fixture's own check.
func TestFixture(t *testing.T) {
	d := newDB(t)
	f, sids := newFixture(), newSidFixture()
	mustUpdate(t, d, f.write)
	mustUpdate(t, d, sids.write)
	mustView(t, d, func(tx model.Tx) error { f.check(t, tx); sids.check(t, tx); return nil })
}

// openCopy opens a copy of the file at path.
func openCopy(t *testing.T, path string) *DB {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "chatd.db")
	if err := os.WriteFile(cp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return mustOpen(t, cp)
}
