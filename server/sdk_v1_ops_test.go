package server_test

// Every operation of the Chat API v1 spec, driven through twilio-go's Chat
// V1 package exactly as an application would call it, with assertions on
// what the SDK decodes. A recording transport sits under the SDK: it maps
// each request to its v1 operationId, keeps the raw response (for the v1
// shapes the SDK cannot show, such as a field that must be absent) and
// checks it against the spec. The last subtest fails unless every one of
// the 40 operations of v1Operations answered 2xx at least once.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/twilio/twilio-go/client"
	chatv1 "github.com/twilio/twilio-go/rest/chat/v1"
	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"
)

// v1Operations is every operation of twilio_chat_v1.json: its operationId,
// method and path template. TestSDKV1Operations drives each of them through
// Chat V1 and TestSDKV1OperationTable checks this table against the spec.
var v1Operations = []struct{ id, method, path string }{
	{"CreateService", "POST", "/v1/Services"},
	{"ListService", "GET", "/v1/Services"},
	{"FetchService", "GET", "/v1/Services/{Sid}"},
	{"UpdateService", "POST", "/v1/Services/{Sid}"},
	{"DeleteService", "DELETE", "/v1/Services/{Sid}"},

	{"CreateRole", "POST", "/v1/Services/{ServiceSid}/Roles"},
	{"ListRole", "GET", "/v1/Services/{ServiceSid}/Roles"},
	{"FetchRole", "GET", "/v1/Services/{ServiceSid}/Roles/{Sid}"},
	{"UpdateRole", "POST", "/v1/Services/{ServiceSid}/Roles/{Sid}"},
	{"DeleteRole", "DELETE", "/v1/Services/{ServiceSid}/Roles/{Sid}"},

	{"CreateUser", "POST", "/v1/Services/{ServiceSid}/Users"},
	{"ListUser", "GET", "/v1/Services/{ServiceSid}/Users"},
	{"FetchUser", "GET", "/v1/Services/{ServiceSid}/Users/{Sid}"},
	{"UpdateUser", "POST", "/v1/Services/{ServiceSid}/Users/{Sid}"},
	{"DeleteUser", "DELETE", "/v1/Services/{ServiceSid}/Users/{Sid}"},

	{"CreateChannel", "POST", "/v1/Services/{ServiceSid}/Channels"},
	{"ListChannel", "GET", "/v1/Services/{ServiceSid}/Channels"},
	{"FetchChannel", "GET", "/v1/Services/{ServiceSid}/Channels/{Sid}"},
	{"UpdateChannel", "POST", "/v1/Services/{ServiceSid}/Channels/{Sid}"},
	{"DeleteChannel", "DELETE", "/v1/Services/{ServiceSid}/Channels/{Sid}"},

	{"CreateMember", "POST", "/v1/Services/{ServiceSid}/Channels/{ChannelSid}/Members"},
	{"ListMember", "GET", "/v1/Services/{ServiceSid}/Channels/{ChannelSid}/Members"},
	{"FetchMember", "GET", "/v1/Services/{ServiceSid}/Channels/{ChannelSid}/Members/{Sid}"},
	{"UpdateMember", "POST", "/v1/Services/{ServiceSid}/Channels/{ChannelSid}/Members/{Sid}"},
	{"DeleteMember", "DELETE", "/v1/Services/{ServiceSid}/Channels/{ChannelSid}/Members/{Sid}"},

	{"CreateMessage", "POST", "/v1/Services/{ServiceSid}/Channels/{ChannelSid}/Messages"},
	{"ListMessage", "GET", "/v1/Services/{ServiceSid}/Channels/{ChannelSid}/Messages"},
	{"FetchMessage", "GET", "/v1/Services/{ServiceSid}/Channels/{ChannelSid}/Messages/{Sid}"},
	{"UpdateMessage", "POST", "/v1/Services/{ServiceSid}/Channels/{ChannelSid}/Messages/{Sid}"},
	{"DeleteMessage", "DELETE", "/v1/Services/{ServiceSid}/Channels/{ChannelSid}/Messages/{Sid}"},

	{"CreateInvite", "POST", "/v1/Services/{ServiceSid}/Channels/{ChannelSid}/Invites"},
	{"ListInvite", "GET", "/v1/Services/{ServiceSid}/Channels/{ChannelSid}/Invites"},
	{"FetchInvite", "GET", "/v1/Services/{ServiceSid}/Channels/{ChannelSid}/Invites/{Sid}"},
	{"DeleteInvite", "DELETE", "/v1/Services/{ServiceSid}/Channels/{ChannelSid}/Invites/{Sid}"},

	{"ListUserChannel", "GET", "/v1/Services/{ServiceSid}/Users/{UserSid}/Channels"},

	{"CreateCredential", "POST", "/v1/Credentials"},
	{"ListCredential", "GET", "/v1/Credentials"},
	{"FetchCredential", "GET", "/v1/Credentials/{Sid}"},
	{"UpdateCredential", "POST", "/v1/Credentials/{Sid}"},
	{"DeleteCredential", "DELETE", "/v1/Credentials/{Sid}"},
}

// v1OperationOf returns the operationId of a request, "" when it is none
// of v1Operations (a v2 request, say).
func v1OperationOf(method, path string) string {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for _, op := range v1Operations {
		tmpl := strings.Split(strings.TrimPrefix(op.path, "/"), "/")
		if op.method != method || len(tmpl) != len(segs) {
			continue
		}
		match := true
		for i, s := range tmpl {
			if strings.HasPrefix(s, "{") {
				match = match && segs[i] != ""
			} else {
				match = match && s == segs[i]
			}
		}
		if match {
			return op.id
		}
	}
	return ""
}

// v1Coverage records, for each operationId, the subtests in which it
// answered 2xx, and which groups of TestSDKV1Operations ran.
type v1Coverage struct {
	mu     sync.Mutex
	hits   map[string][]string
	groups map[string]bool
}

func (c *v1Coverage) hit(op, test string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.Contains(c.hits[op], test) {
		c.hits[op] = append(c.hits[op], test)
	}
}

func (c *v1Coverage) ran(group string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.groups[group] = true
}

// v1Exchange is one request the SDK sent and the answer it got.
type v1Exchange struct {
	op     string // operationId, "" outside v1Operations
	method string
	url    *url.URL
	status int
	body   []byte
}

// v1Wire is the SDK's transport: it passes each request on (next rewrites
// chat.twilio.com to the test server), records the exchange under the
// running subtest and credits its operation on a 2xx answer.
type v1Wire struct {
	next     http.RoundTripper
	coverage *v1Coverage

	mu      sync.Mutex
	test    string
	sent    []v1Exchange
	checked int // sent[:checked] have been checked against the spec
}

func (w *v1Wire) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := w.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	u := *req.URL
	x := v1Exchange{op: v1OperationOf(req.Method, req.URL.Path), method: req.Method, url: &u, status: resp.StatusCode, body: body}
	w.mu.Lock()
	w.sent = append(w.sent, x)
	test := w.test
	w.mu.Unlock()
	if x.op != "" && resp.StatusCode/100 == 2 {
		w.coverage.hit(x.op, test)
	}
	return resp, nil
}

// enter makes test the subtest that later exchanges are recorded under and
// returns the one it replaces.
func (w *v1Wire) enter(test string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	prev := w.test
	w.test = test
	return prev
}

// drain checks every exchange not yet checked against the spec, reporting
// a mismatch on t.
func (w *v1Wire) drain(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	todo := w.sent[w.checked:]
	w.checked = len(w.sent)
	w.mu.Unlock()
	for _, x := range todo {
		checkSpec(t, x.method, x.url.String(), x.status, x.body)
	}
}

// mark is the position of the next exchange, for since.
func (w *v1Wire) mark() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.sent)
}

// since returns the exchanges from mark on.
func (w *v1Wire) since(mark int) []v1Exchange {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]v1Exchange(nil), w.sent[mark:]...)
}

// v1Env is one chatd with twilio-go's Chat V1 and V2 pointed at it through
// one recording transport.
type v1Env struct {
	h    *harness
	v1   *chatv1.ApiService
	v2   *chatv2.ApiService
	wire *v1Wire
}

func newV1Env(t *testing.T, cov *v1Coverage) *v1Env {
	t.Helper()
	h := newHarness(t)
	target, err := url.Parse(h.URL())
	if err != nil {
		t.Fatal(err)
	}
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	wire := &v1Wire{next: &sdkRewrite{target: target, next: transport}, coverage: cov, test: t.Name()}
	c := &client.Client{
		Credentials: client.NewCredentials(testAccount, testToken),
		HTTPClient:  &http.Client{Transport: wire},
	}
	c.SetAccountSid(testAccount)
	return &v1Env{h: h, v1: chatv1.NewApiServiceWithClient(c), v2: chatv2.NewApiServiceWithClient(c), wire: wire}
}

// run runs f as a subtest whose exchanges are recorded under its name and
// checked against the spec when it ends.
func (e *v1Env) run(t *testing.T, name string, f func(t *testing.T)) bool {
	t.Helper()
	return t.Run(name, func(t *testing.T) {
		prev := e.wire.enter(t.Name())
		defer func() {
			e.wire.drain(t)
			e.wire.enter(prev)
		}()
		f(t)
	})
}

// last returns the raw JSON body of the last exchange, to see what the SDK
// struct cannot: whether a field is on the wire at all.
func (e *v1Env) last(t *testing.T) map[string]any {
	t.Helper()
	e.wire.mu.Lock()
	defer e.wire.mu.Unlock()
	if len(e.wire.sent) == 0 {
		t.Fatal("no exchange recorded")
	}
	x := e.wire.sent[len(e.wire.sent)-1]
	var body map[string]any
	if err := json.Unmarshal(x.body, &body); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %v\n%s", x.method, x.url, err, x.body)
	}
	return body
}

// v1URL is the absolute v1 URL of a path on the test server.
func (e *v1Env) v1URL(path string) string { return e.h.URL() + "/v1" + path }

// wantAbsent fails the test if body has any of keys, even as null.
func wantAbsent(t *testing.T, what string, body map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if v, ok := body[k]; ok {
			t.Errorf("%s has %q (= %v); v1 has no such field", what, k, v)
		}
	}
}

// wantNull fails the test unless body has key with the value null.
func wantNull(t *testing.T, what string, body map[string]any, key string) {
	t.Helper()
	if v, ok := body[key]; !ok || v != nil {
		t.Errorf("%s: %q = %v (present: %v), want null", what, key, v, ok)
	}
}

// wantSid fails the test unless sid is a SID with prefix.
func wantSid(t *testing.T, what, sid, prefix string) {
	t.Helper()
	if !strings.HasPrefix(sid, prefix) || len(sid) != 34 {
		t.Errorf("%s = %q, want %s + 32 hex", what, sid, prefix)
	}
}

// wantKeys fails the test unless m has exactly keys.
func wantKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	got := make([]string, 0, len(m))
	for k := range m {
		got = append(got, k)
	}
	sort.Strings(got)
	want := append([]string(nil), keys...)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s has keys %v, want %v", what, got, want)
	}
}

// Fixtures, each made through Chat V1.

func (e *v1Env) service(t *testing.T, name string) *chatv1.ChatV1Service {
	t.Helper()
	return sdkCall(e.v1.CreateService((&chatv1.CreateServiceParams{}).SetFriendlyName(name))).must(t)
}

func (e *v1Env) channel(t *testing.T, service string, p *chatv1.CreateChannelParams) *chatv1.ChatV1Channel {
	t.Helper()
	return sdkCall(e.v1.CreateChannel(service, p)).must(t)
}

func (e *v1Env) user(t *testing.T, service, identity string) *chatv1.ChatV1User {
	t.Helper()
	return sdkCall(e.v1.CreateUser(service, (&chatv1.CreateUserParams{}).SetIdentity(identity))).must(t)
}

func (e *v1Env) member(t *testing.T, service, channel, identity string) *chatv1.ChatV1Member {
	t.Helper()
	return sdkCall(e.v1.CreateMember(service, channel, (&chatv1.CreateMemberParams{}).SetIdentity(identity))).must(t)
}

func (e *v1Env) message(t *testing.T, service, channel, body string) *chatv1.ChatV1Message {
	t.Helper()
	return sdkCall(e.v1.CreateMessage(service, channel, (&chatv1.CreateMessageParams{}).SetBody(body))).must(t)
}

// TestSDKV1Operations drives every operation of the v1 spec through Chat
// V1, one group of subtests per resource, each group on its own chatd.
func TestSDKV1Operations(t *testing.T) {
	cov := &v1Coverage{hits: map[string][]string{}, groups: map[string]bool{}}
	groups := []struct {
		name string
		test func(t *testing.T, e *v1Env)
	}{
		{"services", testV1Services},
		{"roles", testV1Roles},
		{"users", testV1Users},
		{"channels", testV1Channels},
		{"members", testV1Members},
		{"messages", testV1Messages},
		{"invites", testV1Invites},
		{"user channels", testV1UserChannels},
		{"credentials", testV1Credentials},
		{"v1 and v2 share the data", testV1SharedData},
		{"paging follows next_page_url", testV1Paging},
		{"errors", testV1Errors},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			cov.ran(g.name)
			e := newV1Env(t, cov)
			defer e.wire.drain(t)
			g.test(t, e)
		})
	}

	t.Run("every v1 operation answered 2xx through Chat V1", func(t *testing.T) {
		cov.mu.Lock()
		defer cov.mu.Unlock()
		for _, g := range groups {
			if !cov.groups[g.name] {
				t.Skipf("group %q did not run (-run filter): coverage is checked only on a full run", g.name)
			}
		}
		for _, op := range v1Operations {
			by := cov.hits[op.id]
			if len(by) == 0 {
				t.Errorf("%s (%s %s) never answered 2xx", op.id, op.method, op.path)
				continue
			}
			if testing.Verbose() {
				t.Logf("%-16s %s", op.id, strings.Join(by, ", "))
			}
		}
	})
}

// TestSDKV1OperationTable checks v1Operations against the v1 spec: the same
// 40 operationIds on the same methods and paths.
func TestSDKV1OperationTable(t *testing.T) {
	if len(v1Operations) != 40 {
		t.Errorf("v1Operations has %d entries, want 40", len(v1Operations))
	}
	raw, err := os.ReadFile(filepath.Join(specDir(), "twilio_chat_v1.json"))
	if os.IsNotExist(err) {
		t.Skip("no twilio_chat_v1.json in", specDir())
	}
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	var want []string
	for path, item := range spec.Paths {
		for method, rawOp := range item {
			var op struct {
				OperationID string `json:"operationId"`
			}
			if json.Unmarshal(rawOp, &op) != nil || op.OperationID == "" {
				continue // servers, description, x-twilio…
			}
			want = append(want, op.OperationID+" "+strings.ToUpper(method)+" "+path)
		}
	}
	var got []string
	for _, op := range v1Operations {
		got = append(got, op.id+" "+op.method+" "+op.path)
	}
	sort.Strings(want)
	sort.Strings(got)
	sdkWantEqual(t, "operations", got, want)
}

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

func testV1Channels(t *testing.T, e *v1Env) {
	service := sdkVal(e.service(t, "channels").Sid)
	ch := e.channel(t, service, (&chatv1.CreateChannelParams{}).
		SetFriendlyName("General").SetUniqueName("general").SetAttributes(`{"topic":"news"}`).SetType("private"))
	sid := sdkVal(ch.Sid)

	e.run(t, "create takes every parameter including Type", func(t *testing.T) {
		wantSid(t, "sid", sid, "CH")
		sdkWantEqual(t, "account_sid", sdkVal(ch.AccountSid), testAccount)
		sdkWantEqual(t, "service_sid", sdkVal(ch.ServiceSid), service)
		sdkWantEqual(t, "friendly_name", sdkVal(ch.FriendlyName), "General")
		sdkWantEqual(t, "unique_name", sdkVal(ch.UniqueName), "general")
		sdkWantEqual(t, "attributes", sdkVal(ch.Attributes), `{"topic":"news"}`)
		sdkWantEqual(t, "type", sdkVal(ch.Type), "private")
		sdkWantEqual(t, "created_by", sdkVal(ch.CreatedBy), "system")
		sdkWantEqual(t, "members_count", ch.MembersCount, 0)
		sdkWantEqual(t, "messages_count", ch.MessagesCount, 0)
		sdkWantEqual(t, "url", sdkVal(ch.Url), e.v1URL("/Services/"+service+"/Channels/"+sid))
		// v1 links have no webhooks.
		u := e.v1URL("/Services/" + service + "/Channels/" + sid)
		sdkWantEqual(t, "links", sdkVal(ch.Links), map[string]any{
			"members": u + "/Members", "messages": u + "/Messages", "invites": u + "/Invites", "last_message": nil,
		})
		if ch.DateCreated == nil || ch.DateUpdated == nil {
			t.Errorf("dates = %s, %s", sdkShow(ch.DateCreated), sdkShow(ch.DateUpdated))
		}
	})

	e.run(t, "create without parameters is a public channel by system", func(t *testing.T) {
		got := e.channel(t, service, nil)
		sdkWantEqual(t, "type", sdkVal(got.Type), "public")
		sdkWantEqual(t, "created_by", sdkVal(got.CreatedBy), "system")
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), "{}")
		if got.UniqueName != nil || got.FriendlyName != nil {
			t.Errorf("unique_name, friendly_name = %s, %s; want null", sdkShow(got.UniqueName), sdkShow(got.FriendlyName))
		}
		sdkOK(t, e.v1.DeleteChannel(service, sdkVal(got.Sid)))
	})

	for _, key := range []struct{ name, key string }{{"SID", sid}, {"unique name", "general"}} {
		e.run(t, "fetch by "+key.name+" gives the attributes", func(t *testing.T) {
			sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchChannel(service, key.key)).must(t), ch)
		})
	}

	e.run(t, "list filters by Type and gives assigned attributes as null", func(t *testing.T) {
		pub := e.channel(t, service, (&chatv1.CreateChannelParams{}).SetType("public").SetAttributes(`{"a":1}`))
		priv := e.channel(t, service, (&chatv1.CreateChannelParams{}).SetType("private"))
		all := []string{sid, sdkVal(pub.Sid), sdkVal(priv.Sid)}
		for _, tc := range []struct {
			name  string
			types []string
			want  []string
		}{
			{"no Type lists public channels", nil, []string{sdkVal(pub.Sid)}},
			{"public", []string{"public"}, []string{sdkVal(pub.Sid)}},
			{"private", []string{"private"}, []string{sid, sdkVal(priv.Sid)}},
			{"public and private", []string{"public", "private"}, all},
		} {
			e.run(t, tc.name, func(t *testing.T) {
				p := &chatv1.ListChannelParams{}
				if tc.types != nil {
					p.SetType(tc.types)
				}
				got := sdkCall(e.v1.ListChannel(service, p)).must(t)
				raw := items(e.last(t))
				sdkWantEqual(t, "sids", sdkKeys(got, func(c chatv1.ChatV1Channel) string { return sdkVal(c.Sid) }), tc.want)
				for i, c := range got {
					fetched := sdkVal(sdkCall(e.v2.FetchChannel(service, sdkVal(c.Sid))).must(t).Attributes)
					wantV1ListAttributes(t, "listed channel "+sdkVal(c.Sid), c.Attributes, raw[i], fetched)
					if sdkVal(c.Sid) == sid && (sdkVal(c.UniqueName) != "general" || sdkVal(c.Type) != "private") {
						t.Errorf("listed general: unique_name %s, type %s", sdkShow(c.UniqueName), sdkShow(c.Type))
					}
				}
			})
		}
		sdkOK(t, e.v1.DeleteChannel(service, sdkVal(pub.Sid)))
		sdkOK(t, e.v1.DeleteChannel(service, sdkVal(priv.Sid)))
	})

	e.run(t, "update sets name, unique name and attributes", func(t *testing.T) {
		got := sdkCall(e.v1.UpdateChannel(service, sid, (&chatv1.UpdateChannelParams{}).
			SetFriendlyName("Lobby").SetUniqueName("lobby").SetAttributes(`{"topic":"sports"}`))).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sid)
		sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "Lobby")
		sdkWantEqual(t, "unique_name", sdkVal(got.UniqueName), "lobby")
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), `{"topic":"sports"}`)
		sdkWantEqual(t, "type", sdkVal(got.Type), "private")
		sdkWantEqual(t, "created_by", sdkVal(got.CreatedBy), "system")
		sdkWantEqual(t, "fetched by new name", sdkCall(e.v1.FetchChannel(service, "lobby")).must(t), got)
		_, err := e.v1.FetchChannel(service, "general")
		wantSDKError(t, err, 404, 20404)
	})

	e.run(t, "delete removes the channel", func(t *testing.T) {
		sdkOK(t, e.v1.DeleteChannel(service, sid))
		for _, key := range []string{sid, "lobby"} {
			_, err := e.v1.FetchChannel(service, key)
			wantSDKError(t, err, 404, 20404)
		}
		sdkWantEqual(t, "channels left", len(sdkCall(e.v1.ListChannel(service, nil)).must(t)), 0)
	})
}

func testV1Members(t *testing.T, e *v1Env) {
	sv := e.service(t, "members")
	service := sdkVal(sv.Sid)
	channel := sdkVal(e.channel(t, service, (&chatv1.CreateChannelParams{}).SetUniqueName("room")).Sid)
	aliceUser := sdkVal(e.user(t, service, "alice").Sid)
	alice := e.member(t, service, channel, "alice")
	rawAlice := e.last(t)
	creator := sdkVal(sv.DefaultChannelCreatorRoleSid)

	e.run(t, "create defaults RoleSid to the default channel role", func(t *testing.T) {
		wantSid(t, "sid", sdkVal(alice.Sid), "MB")
		sdkWantEqual(t, "account_sid", sdkVal(alice.AccountSid), testAccount)
		sdkWantEqual(t, "service_sid", sdkVal(alice.ServiceSid), service)
		sdkWantEqual(t, "channel_sid", sdkVal(alice.ChannelSid), channel)
		sdkWantEqual(t, "identity", sdkVal(alice.Identity), "alice")
		sdkWantEqual(t, "role_sid", sdkVal(alice.RoleSid), sdkVal(sv.DefaultChannelRoleSid))
		if alice.LastConsumedMessageIndex != nil || alice.LastConsumptionTimestamp != nil {
			t.Errorf("horizon = %s, %s; want null", sdkShow(alice.LastConsumedMessageIndex), sdkShow(alice.LastConsumptionTimestamp))
		}
		sdkWantEqual(t, "url", sdkVal(alice.Url), e.v1URL("/Services/"+service+"/Channels/"+channel+"/Members/"+sdkVal(alice.Sid)))
		wantAbsent(t, "v1 member", rawAlice, "attributes")
	})

	e.run(t, "create takes a RoleSid and makes the user of a new identity", func(t *testing.T) {
		bob := sdkCall(e.v1.CreateMember(service, "room", (&chatv1.CreateMemberParams{}).
			SetIdentity("bob").SetRoleSid(creator))).must(t)
		sdkWantEqual(t, "role_sid", sdkVal(bob.RoleSid), creator)
		u := sdkCall(e.v1.FetchUser(service, "bob")).must(t)
		sdkWantEqual(t, "user role_sid", sdkVal(u.RoleSid), sdkVal(sv.DefaultServiceRoleSid))
		sdkWantEqual(t, "joined_channels_count", u.JoinedChannelsCount, 1)
		sdkWantEqual(t, "members_count", sdkCall(e.v1.FetchChannel(service, channel)).must(t).MembersCount, 2)
	})

	e.run(t, "fetch returns the member without attributes", func(t *testing.T) {
		sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchMember(service, channel, sdkVal(alice.Sid))).must(t), alice)
		wantAbsent(t, "fetched v1 member", e.last(t), "attributes")
	})

	e.member(t, service, channel, "carol")
	e.run(t, "list filters by Identity", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			identities []string
			want       []string
		}{
			{"no filter", nil, []string{"alice", "bob", "carol"}},
			{"one identity", []string{"bob"}, []string{"bob"}},
			{"two identities in creation order", []string{"carol", "alice"}, []string{"alice", "carol"}},
			{"unknown identity", []string{"nobody"}, nil},
		} {
			e.run(t, tc.name, func(t *testing.T) {
				p := &chatv1.ListMemberParams{}
				if tc.identities != nil {
					p.SetIdentity(tc.identities)
				}
				got := sdkCall(e.v1.ListMember(service, channel, p)).must(t)
				sdkWantEqual(t, "identities", sdkKeys(got, func(m chatv1.ChatV1Member) string { return sdkVal(m.Identity) }), tc.want)
				for _, it := range items(e.last(t)) {
					wantAbsent(t, "listed v1 member", it, "attributes")
				}
			})
		}
	})

	e.run(t, "update sets RoleSid and LastConsumedMessageIndex", func(t *testing.T) {
		for _, body := range []string{"one", "two", "three"} {
			e.message(t, service, channel, body)
		}
		got := sdkCall(e.v1.UpdateMember(service, channel, sdkVal(alice.Sid), (&chatv1.UpdateMemberParams{}).
			SetRoleSid(creator).SetLastConsumedMessageIndex(1))).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sdkVal(alice.Sid))
		sdkWantEqual(t, "role_sid", sdkVal(got.RoleSid), creator)
		sdkWantEqual(t, "last_consumed_message_index", sdkShow(got.LastConsumedMessageIndex), "1")
		wantAbsent(t, "updated v1 member", e.last(t), "attributes")
		fetched := sdkCall(e.v1.FetchMember(service, channel, sdkVal(alice.Sid))).must(t)
		sdkWantEqual(t, "fetched", fetched, got)
		ucs := sdkCall(e.v1.ListUserChannel(service, aliceUser, nil)).must(t)
		if len(ucs) != 1 || sdkShow(ucs[0].UnreadMessagesCount) != "1" || sdkShow(ucs[0].LastConsumedMessageIndex) != "1" {
			t.Errorf("user channels = %+v, want one with horizon 1 and 1 unread", ucs)
		}
	})

	e.run(t, "update of RoleSid alone keeps the horizon", func(t *testing.T) {
		got := sdkCall(e.v1.UpdateMember(service, channel, sdkVal(alice.Sid), (&chatv1.UpdateMemberParams{}).
			SetRoleSid(sdkVal(sv.DefaultChannelRoleSid)))).must(t)
		sdkWantEqual(t, "role_sid", sdkVal(got.RoleSid), sdkVal(sv.DefaultChannelRoleSid))
		sdkWantEqual(t, "last_consumed_message_index", sdkShow(got.LastConsumedMessageIndex), "1")
	})

	e.run(t, "delete removes the member", func(t *testing.T) {
		carol := sdkCall(e.v1.ListMember(service, channel, (&chatv1.ListMemberParams{}).SetIdentity([]string{"carol"}))).must(t)
		if len(carol) != 1 {
			t.Fatalf("carol listed %d times", len(carol))
		}
		sdkOK(t, e.v1.DeleteMember(service, channel, sdkVal(carol[0].Sid)))
		_, err := e.v1.FetchMember(service, channel, sdkVal(carol[0].Sid))
		wantSDKError(t, err, 404, 20404)
		sdkWantEqual(t, "members_count", sdkCall(e.v1.FetchChannel(service, channel)).must(t).MembersCount, 2)
		sdkWantEqual(t, "carol's joined_channels_count", sdkCall(e.v1.FetchUser(service, "carol")).must(t).JoinedChannelsCount, 0)
	})
}

func testV1Messages(t *testing.T, e *v1Env) {
	service := sdkVal(e.service(t, "messages").Sid)
	channel := sdkVal(e.channel(t, service, (&chatv1.CreateChannelParams{}).SetUniqueName("talk")).Sid)

	first := e.message(t, service, "talk", "hello")
	rawFirst := e.last(t)
	second := sdkCall(e.v1.CreateMessage(service, channel, (&chatv1.CreateMessageParams{}).
		SetBody("hi there").SetFrom("alice").SetAttributes(`{"mood":"happy"}`))).must(t)
	third := e.message(t, service, channel, "bye")

	e.run(t, "create without From is from system at index 0", func(t *testing.T) {
		wantSid(t, "sid", sdkVal(first.Sid), "IM")
		sdkWantEqual(t, "account_sid", sdkVal(first.AccountSid), testAccount)
		sdkWantEqual(t, "service_sid", sdkVal(first.ServiceSid), service)
		sdkWantEqual(t, "from", sdkVal(first.From), "system")
		sdkWantEqual(t, "body", sdkVal(first.Body), "hello")
		sdkWantEqual(t, "index", first.Index, 0)
		sdkWantEqual(t, "to", sdkVal(first.To), channel)
		sdkWantEqual(t, "channel_sid", sdkVal(first.ChannelSid), channel)
		sdkWantEqual(t, "was_edited", sdkVal(first.WasEdited), false)
		sdkWantEqual(t, "attributes", sdkVal(first.Attributes), "{}")
		sdkWantEqual(t, "url", sdkVal(first.Url), e.v1URL("/Services/"+service+"/Channels/"+channel+"/Messages/"+sdkVal(first.Sid)))
		if first.DateCreated == nil || first.DateUpdated == nil {
			t.Errorf("dates = %s, %s", sdkShow(first.DateCreated), sdkShow(first.DateUpdated))
		}
	})

	e.run(t, "a v1 message has no type, media or last_updated_by", func(t *testing.T) {
		wantAbsent(t, "created v1 message", rawFirst, "type", "media", "last_updated_by")
		sdkCall(e.v1.FetchMessage(service, channel, sdkVal(first.Sid))).must(t)
		wantAbsent(t, "fetched v1 message", e.last(t), "type", "media", "last_updated_by")
	})

	e.run(t, "create takes Body, From and Attributes and the next index", func(t *testing.T) {
		sdkWantEqual(t, "body", sdkVal(second.Body), "hi there")
		sdkWantEqual(t, "from", sdkVal(second.From), "alice")
		sdkWantEqual(t, "attributes", sdkVal(second.Attributes), `{"mood":"happy"}`)
		sdkWantEqual(t, "indexes", []int{second.Index, third.Index}, []int{1, 2})
		ch := sdkCall(e.v1.FetchChannel(service, channel)).must(t)
		sdkWantEqual(t, "messages_count", ch.MessagesCount, 3)
		sdkWantEqual(t, "links.last_message", sdkVal(ch.Links)["last_message"], any(sdkVal(third.Url)))
	})

	e.run(t, "fetch returns the message", func(t *testing.T) {
		sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchMessage(service, "talk", sdkVal(second.Sid))).must(t), second)
	})

	e.run(t, "list in Order", func(t *testing.T) {
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
			e.run(t, name, func(t *testing.T) {
				p := &chatv1.ListMessageParams{}
				if tc.order != "" {
					p.SetOrder(tc.order)
				}
				got := sdkCall(e.v1.ListMessage(service, channel, p)).must(t)
				raw := items(e.last(t))
				sdkWantEqual(t, "indexes", v1Indexes(got), tc.want)
				for i, m := range got {
					if m.Index == 1 {
						// Assigned attributes are null in a v1 list.
						wantV1ListAttributes(t, "listed second", m.Attributes, raw[i], sdkVal(second.Attributes))
						want := *second
						want.Attributes = nil
						sdkWantEqual(t, "listed second", m, want)
					}
				}
				for _, it := range raw {
					wantAbsent(t, "listed v1 message", it, "type", "media", "last_updated_by")
				}
			})
		}
	})

	e.run(t, "update sets Body and Attributes and was_edited", func(t *testing.T) {
		got := sdkCall(e.v1.UpdateMessage(service, channel, sdkVal(first.Sid), (&chatv1.UpdateMessageParams{}).
			SetBody("hello, world").SetAttributes(`{"edited":true}`))).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sdkVal(first.Sid))
		sdkWantEqual(t, "body", sdkVal(got.Body), "hello, world")
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), `{"edited":true}`)
		sdkWantEqual(t, "was_edited", sdkVal(got.WasEdited), true)
		sdkWantEqual(t, "index", got.Index, 0)
		sdkWantEqual(t, "from", sdkVal(got.From), "system")
		wantAbsent(t, "updated v1 message", e.last(t), "type", "media", "last_updated_by")
		sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchMessage(service, channel, sdkVal(first.Sid))).must(t), got)
	})

	e.run(t, "update of the attributes alone keeps the body", func(t *testing.T) {
		got := sdkCall(e.v1.UpdateMessage(service, channel, sdkVal(second.Sid), (&chatv1.UpdateMessageParams{}).
			SetAttributes(`{"mood":"calm"}`))).must(t)
		sdkWantEqual(t, "body", sdkVal(got.Body), "hi there")
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), `{"mood":"calm"}`)
	})

	e.run(t, "delete removes the message and keeps the other indexes", func(t *testing.T) {
		sdkOK(t, e.v1.DeleteMessage(service, channel, sdkVal(second.Sid)))
		_, err := e.v1.FetchMessage(service, channel, sdkVal(second.Sid))
		wantSDKError(t, err, 404, 20404)
		got := sdkCall(e.v1.ListMessage(service, channel, nil)).must(t)
		sdkWantEqual(t, "indexes", v1Indexes(got), []int{0, 2})
		sdkWantEqual(t, "next index", e.message(t, service, channel, "after").Index, 3)
	})
}

func testV1Invites(t *testing.T, e *v1Env) {
	sv := e.service(t, "invites")
	service := sdkVal(sv.Sid)
	channel := sdkVal(e.channel(t, service, (&chatv1.CreateChannelParams{}).SetUniqueName("club").SetType("private")).Sid)
	for _, id := range []string{"guest-a", "guest-b", "guest-c"} {
		e.user(t, service, id)
	}
	creator := sdkVal(sv.DefaultChannelCreatorRoleSid)

	a := sdkCall(e.v1.CreateInvite(service, channel, (&chatv1.CreateInviteParams{}).SetIdentity("guest-a"))).must(t)
	b := sdkCall(e.v1.CreateInvite(service, channel, (&chatv1.CreateInviteParams{}).SetIdentity("guest-b").SetRoleSid(creator))).must(t)
	c := sdkCall(e.v1.CreateInvite(service, channel, (&chatv1.CreateInviteParams{}).SetIdentity("guest-c"))).must(t)

	e.run(t, "create defaults RoleSid to the default channel role", func(t *testing.T) {
		wantSid(t, "sid", sdkVal(a.Sid), "IN")
		sdkWantEqual(t, "account_sid", sdkVal(a.AccountSid), testAccount)
		sdkWantEqual(t, "service_sid", sdkVal(a.ServiceSid), service)
		sdkWantEqual(t, "channel_sid", sdkVal(a.ChannelSid), channel)
		sdkWantEqual(t, "identity", sdkVal(a.Identity), "guest-a")
		sdkWantEqual(t, "role_sid", sdkVal(a.RoleSid), sdkVal(sv.DefaultChannelRoleSid))
		if a.CreatedBy != nil {
			t.Errorf("created_by = %s, want null for an invite made through the REST API", *a.CreatedBy)
		}
		sdkWantEqual(t, "url", sdkVal(a.Url), e.v1URL("/Services/"+service+"/Channels/"+channel+"/Invites/"+sdkVal(a.Sid)))
		if a.DateCreated == nil || a.DateUpdated == nil {
			t.Errorf("dates = %s, %s", sdkShow(a.DateCreated), sdkShow(a.DateUpdated))
		}
	})

	e.run(t, "create takes a RoleSid", func(t *testing.T) {
		sdkWantEqual(t, "role_sid", sdkVal(b.RoleSid), creator)
		sdkWantEqual(t, "channel_sid", sdkVal(b.ChannelSid), channel)
	})

	e.run(t, "fetch returns the invite", func(t *testing.T) {
		sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchInvite(service, channel, sdkVal(b.Sid))).must(t), b)
	})

	e.run(t, "list filters by Identity", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			identities []string
			want       []string
		}{
			{"no filter", nil, []string{sdkVal(a.Sid), sdkVal(b.Sid), sdkVal(c.Sid)}},
			{"one identity", []string{"guest-b"}, []string{sdkVal(b.Sid)}},
			{"two identities in creation order", []string{"guest-c", "guest-a"}, []string{sdkVal(a.Sid), sdkVal(c.Sid)}},
			{"unknown identity", []string{"nobody"}, nil},
		} {
			e.run(t, tc.name, func(t *testing.T) {
				p := &chatv1.ListInviteParams{}
				if tc.identities != nil {
					p.SetIdentity(tc.identities)
				}
				got := sdkCall(e.v1.ListInvite(service, channel, p)).must(t)
				sdkWantEqual(t, "sids", sdkKeys(got, func(i chatv1.ChatV1Invite) string { return sdkVal(i.Sid) }), tc.want)
				for _, inv := range got {
					if sdkVal(inv.Sid) == sdkVal(b.Sid) {
						sdkWantEqual(t, "listed guest-b", inv, *b)
					}
				}
			})
		}
	})

	e.run(t, "delete removes the invite", func(t *testing.T) {
		sdkOK(t, e.v1.DeleteInvite(service, channel, sdkVal(c.Sid)))
		_, err := e.v1.FetchInvite(service, channel, sdkVal(c.Sid))
		wantSDKError(t, err, 404, 20404)
		got := sdkCall(e.v1.ListInvite(service, channel, (&chatv1.ListInviteParams{}).SetIdentity([]string{"guest-c"}))).must(t)
		sdkWantEqual(t, "guest-c's invites", len(got), 0)
	})

	e.run(t, "joining consumes the invite", func(t *testing.T) {
		e.member(t, service, channel, "guest-a")
		_, err := e.v1.FetchInvite(service, channel, sdkVal(a.Sid))
		wantSDKError(t, err, 404, 20404)
		got := sdkCall(e.v1.ListInvite(service, channel, nil)).must(t)
		sdkWantEqual(t, "invites left", sdkKeys(got, func(i chatv1.ChatV1Invite) string { return sdkVal(i.Sid) }), []string{sdkVal(b.Sid)})
	})
}

func testV1UserChannels(t *testing.T, e *v1Env) {
	service := sdkVal(e.service(t, "user channels").Sid)
	dana := e.user(t, service, "dana")
	user := sdkVal(dana.Sid)
	var chs []string
	for _, name := range []string{"one", "two", "three"} {
		chs = append(chs, sdkVal(e.channel(t, service, (&chatv1.CreateChannelParams{}).SetUniqueName(name)).Sid))
	}
	m1 := e.member(t, service, chs[0], "dana")
	m2 := e.member(t, service, chs[1], "dana")
	sdkCall(e.v1.CreateInvite(service, chs[2], (&chatv1.CreateInviteParams{}).SetIdentity("dana"))).must(t)

	e.run(t, "list gives the joined and the invited channels", func(t *testing.T) {
		got := sdkCall(e.v1.ListUserChannel(service, user, nil)).must(t)
		if len(got) != 3 {
			t.Fatalf("%d user channels, want 3: %+v", len(got), got)
		}
		for i, tc := range []struct {
			status string
			member *chatv1.ChatV1Member
		}{{"joined", m1}, {"joined", m2}, {"invited", nil}} {
			uc := got[i]
			sdkWantEqual(t, "account_sid", sdkVal(uc.AccountSid), testAccount)
			sdkWantEqual(t, "service_sid", sdkVal(uc.ServiceSid), service)
			sdkWantEqual(t, "channel_sid", sdkVal(uc.ChannelSid), chs[i])
			sdkWantEqual(t, "status", sdkVal(uc.Status), tc.status)
			chURL := e.v1URL("/Services/" + service + "/Channels/" + chs[i])
			if tc.member == nil {
				if uc.MemberSid != nil {
					t.Errorf("invited channel: member_sid = %s, want null", *uc.MemberSid)
				}
				sdkWantEqual(t, "links", sdkVal(uc.Links), map[string]any{"channel": chURL, "member": nil})
				continue
			}
			sdkWantEqual(t, "member_sid", sdkVal(uc.MemberSid), sdkVal(tc.member.Sid))
			sdkWantEqual(t, "links", sdkVal(uc.Links), map[string]any{"channel": chURL, "member": sdkVal(tc.member.Url)})
			if uc.LastConsumedMessageIndex != nil || uc.UnreadMessagesCount != nil {
				t.Errorf("channel %d: horizon %s, unread %s; want null before any horizon", i,
					sdkShow(uc.LastConsumedMessageIndex), sdkShow(uc.UnreadMessagesCount))
			}
		}
		for _, it := range items(e.last(t)) {
			wantAbsent(t, "v1 user channel", it, "url", "user_sid", "notification_level")
		}
	})

	e.run(t, "the member's horizon gives the unread count", func(t *testing.T) {
		for _, body := range []string{"a", "b", "c"} {
			e.message(t, service, chs[0], body)
		}
		sdkCall(e.v1.UpdateMember(service, chs[0], sdkVal(m1.Sid), (&chatv1.UpdateMemberParams{}).SetLastConsumedMessageIndex(0))).must(t)
		got := sdkCall(e.v1.ListUserChannel(service, user, nil)).must(t)
		if len(got) == 0 {
			t.Fatal("no user channels")
		}
		sdkWantEqual(t, "last_consumed_message_index", sdkShow(got[0].LastConsumedMessageIndex), "0")
		sdkWantEqual(t, "unread_messages_count", sdkShow(got[0].UnreadMessagesCount), "2")
	})

	e.run(t, "leaving a channel drops it from the list", func(t *testing.T) {
		sdkOK(t, e.v1.DeleteMember(service, chs[1], sdkVal(m2.Sid)))
		got := sdkCall(e.v1.ListUserChannel(service, user, nil)).must(t)
		sdkWantEqual(t, "channels", sdkKeys(got, func(uc chatv1.ChatV1UserChannel) string { return sdkVal(uc.ChannelSid) }),
			[]string{chs[0], chs[2]})
	})
}

// Write-only credential secrets; no response may carry them.
const (
	v1CertSecret   = "V1CERTSECRET41c7"
	v1KeySecret    = "V1PRIVKEYSECRET93d2"
	v1APIKeySecret = "V1GCMAPIKEY5e08"
	v1FCMSecret    = "V1FCMSECRET17ab"
)

func testV1Credentials(t *testing.T, e *v1Env) {
	start := e.wire.mark()
	apn := sdkCall(e.v1.CreateCredential((&chatv1.CreateCredentialParams{}).
		SetType("apn").SetFriendlyName("iOS").SetSandbox(true).
		SetCertificate("-----BEGIN CERTIFICATE-----\n" + v1CertSecret + "\n-----END CERTIFICATE-----").
		SetPrivateKey("-----BEGIN RSA PRIVATE KEY-----\n" + v1KeySecret + "\n-----END RSA PRIVATE KEY-----"))).must(t)
	gcm := sdkCall(e.v1.CreateCredential((&chatv1.CreateCredentialParams{}).
		SetType("gcm").SetFriendlyName("Android").SetApiKey(v1APIKeySecret))).must(t)
	fcm := sdkCall(e.v1.CreateCredential((&chatv1.CreateCredentialParams{}).SetType("fcm").SetSecret(v1FCMSecret))).must(t)
	sids := []string{sdkVal(apn.Sid), sdkVal(gcm.Sid), sdkVal(fcm.Sid)}

	e.run(t, "create returns each credential without its secrets", func(t *testing.T) {
		for _, tc := range []struct {
			got                        *chatv1.ChatV1Credential
			friendlyName, typ, sandbox string
		}{
			{apn, "iOS", "apn", "true"},
			{gcm, "Android", "gcm", "false"},
			{fcm, "", "fcm", "false"},
		} {
			sid := sdkVal(tc.got.Sid)
			wantSid(t, "sid", sid, "CR")
			sdkWantEqual(t, "account_sid", sdkVal(tc.got.AccountSid), testAccount)
			sdkWantEqual(t, "friendly_name", sdkShow(tc.got.FriendlyName), map[bool]string{true: "null", false: tc.friendlyName}[tc.friendlyName == ""])
			sdkWantEqual(t, "type", sdkVal(tc.got.Type), tc.typ)
			sdkWantEqual(t, "sandbox", sdkVal(tc.got.Sandbox), tc.sandbox)
			sdkWantEqual(t, "url", sdkVal(tc.got.Url), e.v1URL("/Credentials/"+sid))
			if tc.got.DateCreated == nil || tc.got.DateUpdated == nil {
				t.Errorf("%s: dates = %s, %s", tc.typ, sdkShow(tc.got.DateCreated), sdkShow(tc.got.DateUpdated))
			}
		}
		for _, x := range e.wire.since(start) {
			for _, secret := range []string{v1CertSecret, v1KeySecret, v1APIKeySecret, v1FCMSecret} {
				if bytes.Contains(x.body, []byte(secret)) {
					t.Errorf("%s %s answered a secret: %s", x.method, x.url.Path, x.body)
				}
			}
		}
	})

	e.run(t, "fetch returns the credential", func(t *testing.T) {
		for i, want := range []*chatv1.ChatV1Credential{apn, gcm, fcm} {
			sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchCredential(sids[i])).must(t), want)
		}
	})

	e.run(t, "list returns every credential in order", func(t *testing.T) {
		got := sdkCall(e.v1.ListCredential(nil)).must(t)
		sdkWantEqual(t, "sids", sdkKeys(got, func(c chatv1.ChatV1Credential) string { return sdkVal(c.Sid) }), sids)
		if len(got) == 3 {
			sdkWantEqual(t, "listed apn", got[0], *apn)
		}
	})

	e.run(t, "update sets the name, sandbox and secrets", func(t *testing.T) {
		mark := e.wire.mark()
		got := sdkCall(e.v1.UpdateCredential(sids[0], (&chatv1.UpdateCredentialParams{}).
			SetFriendlyName("iOS production").SetSandbox(false).
			SetCertificate("-----BEGIN CERTIFICATE-----\n"+v1CertSecret+"2\n-----END CERTIFICATE-----"))).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sids[0])
		sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "iOS production")
		sdkWantEqual(t, "sandbox", sdkVal(got.Sandbox), "false")
		sdkWantEqual(t, "type", sdkVal(got.Type), "apn")
		sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchCredential(sids[0])).must(t), got)
		for _, x := range e.wire.since(mark) {
			if bytes.Contains(x.body, []byte(v1CertSecret)) {
				t.Errorf("%s %s answered the certificate", x.method, x.url.Path)
			}
		}
	})

	e.run(t, "delete removes the credential", func(t *testing.T) {
		sdkOK(t, e.v1.DeleteCredential(sids[1]))
		_, err := e.v1.FetchCredential(sids[1])
		wantSDKError(t, err, 404, 20404)
		wantSDKError(t, e.v1.DeleteCredential(sids[1]), 404, 20404)
		got := sdkCall(e.v1.ListCredential(nil)).must(t)
		sdkWantEqual(t, "sids left", sdkKeys(got, func(c chatv1.ChatV1Credential) string { return sdkVal(c.Sid) }),
			[]string{sids[0], sids[2]})
	})
}

// testV1SharedData makes resources through one version and reads them
// through the other.
func testV1SharedData(t *testing.T, e *v1Env) {
	sv := e.service(t, "made in v1")
	service := sdkVal(sv.Sid)

	e.run(t, "a service made through v1 is read and updated through v2", func(t *testing.T) {
		got := sdkCall(e.v2.FetchService(service)).must(t)
		sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "made in v1")
		sdkWantEqual(t, "default_channel_role_sid", sdkVal(got.DefaultChannelRoleSid), sdkVal(sv.DefaultChannelRoleSid))
		sdkWantEqual(t, "url", sdkVal(got.Url), e.h.URL()+"/v2/Services/"+service)
		sdkCall(e.v2.UpdateService(service, (&chatv2.UpdateServiceParams{}).
			SetFriendlyName("renamed in v2").SetLimitsChannelMembers(7))).must(t)
		v1 := sdkCall(e.v1.FetchService(service)).must(t)
		sdkWantEqual(t, "v1 friendly_name", sdkVal(v1.FriendlyName), "renamed in v2")
		sdkWantEqual(t, "v1 limits", sdkVal(v1.Limits), any(map[string]any{"channel_members": 7.0, "user_channels": 250.0}))
	})

	e.run(t, "a role made through v1 is read through v2", func(t *testing.T) {
		role := sdkCall(e.v1.CreateRole(service, (&chatv1.CreateRoleParams{}).
			SetFriendlyName("mod").SetType("channel").SetPermission([]string{"sendMessage", "leaveChannel"}))).must(t)
		got := sdkCall(e.v2.FetchRole(service, sdkVal(role.Sid))).must(t)
		sdkWantEqual(t, "permissions", sdkVal(got.Permissions), []string{"sendMessage", "leaveChannel"})
		sdkCall(e.v2.UpdateRole(service, sdkVal(role.Sid), (&chatv2.UpdateRoleParams{}).SetPermission([]string{"editOwnMessage"}))).must(t)
		sdkWantEqual(t, "v1 permissions", sdkVal(sdkCall(e.v1.FetchRole(service, sdkVal(role.Sid))).must(t).Permissions), []string{"editOwnMessage"})
	})

	ch := sdkCall(e.v2.CreateChannel(service, (&chatv2.CreateChannelParams{}).
		SetUniqueName("general").SetAttributes(`{"from":"v2"}`).SetType("private"))).must(t)
	general := sdkVal(ch.Sid)

	e.run(t, "a channel made through v2 is read through v1, attributes only on fetch", func(t *testing.T) {
		got := sdkCall(e.v1.FetchChannel(service, "general")).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), general)
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), `{"from":"v2"}`)
		sdkWantEqual(t, "type", sdkVal(got.Type), "private")
		sdkWantEqual(t, "url", sdkVal(got.Url), e.v1URL("/Services/"+service+"/Channels/"+sdkVal(ch.Sid)))
		listed := sdkCall(e.v1.ListChannel(service, (&chatv1.ListChannelParams{}).SetType([]string{"private"}))).must(t)
		if len(listed) != 1 || listed[0].Attributes != nil {
			t.Errorf("v1 list = %+v, want general with null attributes", listed)
		}
		v2listed := sdkCall(e.v2.ListChannel(service, (&chatv2.ListChannelParams{}).SetType([]string{"private"}))).must(t)
		if len(v2listed) != 1 || sdkVal(v2listed[0].Attributes) != `{"from":"v2"}` {
			t.Errorf("v2 list = %+v, want general with its attributes", v2listed)
		}
	})

	e.run(t, "a user made through v1 is listed with attributes through v2", func(t *testing.T) {
		u := sdkCall(e.v1.CreateUser(service, (&chatv1.CreateUserParams{}).
			SetIdentity("alice").SetFriendlyName("Alice").SetAttributes(`{"from":"v1"}`))).must(t)
		got := sdkCall(e.v2.ListUser(service, nil)).must(t)
		if len(got) != 1 || sdkVal(got[0].Sid) != sdkVal(u.Sid) || sdkVal(got[0].Attributes) != `{"from":"v1"}` {
			t.Errorf("v2 users = %+v", got)
		}
		sdkCall(e.v2.UpdateUser(service, "alice", (&chatv2.UpdateUserParams{}).SetFriendlyName("Alice (v2)"))).must(t)
		sdkWantEqual(t, "v1 friendly_name", sdkVal(sdkCall(e.v1.FetchUser(service, sdkVal(u.Sid))).must(t).FriendlyName), "Alice (v2)")
	})

	e.run(t, "a member made through v2 has its attributes there only", func(t *testing.T) {
		m := sdkCall(e.v2.CreateMember(service, "general", (&chatv2.CreateMemberParams{}).
			SetIdentity("alice").SetAttributes(`{"nick":"al"}`))).must(t)
		got := sdkCall(e.v1.FetchMember(service, "general", sdkVal(m.Sid))).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sdkVal(m.Sid))
		sdkWantEqual(t, "identity", sdkVal(got.Identity), "alice")
		wantAbsent(t, "v1 member", e.last(t), "attributes")
		sdkCall(e.v1.UpdateMember(service, "general", sdkVal(m.Sid), (&chatv1.UpdateMemberParams{}).
			SetRoleSid(sdkVal(sv.DefaultChannelCreatorRoleSid)))).must(t)
		v2 := sdkCall(e.v2.FetchMember(service, "general", sdkVal(m.Sid))).must(t)
		sdkWantEqual(t, "v2 role_sid", sdkVal(v2.RoleSid), sdkVal(sv.DefaultChannelCreatorRoleSid))
		sdkWantEqual(t, "v2 attributes kept", sdkVal(v2.Attributes), `{"nick":"al"}`)
	})

	e.run(t, "messages of either version are one sequence", func(t *testing.T) {
		m1 := sdkCall(e.v1.CreateMessage(service, "general", (&chatv1.CreateMessageParams{}).
			SetBody("from v1").SetFrom("alice").SetAttributes(`{"v":1}`))).must(t)
		m2 := sdkCall(e.v2.CreateMessage(service, "general", (&chatv2.CreateMessageParams{}).SetBody("from v2"))).must(t)
		sdkWantEqual(t, "indexes", []int{m1.Index, m2.Index}, []int{0, 1})
		v2 := sdkCall(e.v2.FetchMessage(service, "general", sdkVal(m1.Sid))).must(t)
		sdkWantEqual(t, "v2 body", sdkVal(v2.Body), "from v1")
		sdkWantEqual(t, "v2 attributes", sdkVal(v2.Attributes), `{"v":1}`)
		sdkWantEqual(t, "v2 type", sdkVal(v2.Type), "text")
		v1 := sdkCall(e.v1.ListMessage(service, "general", (&chatv1.ListMessageParams{}).SetOrder("desc"))).must(t)
		sdkWantEqual(t, "v1 bodies", sdkKeys(v1, func(m chatv1.ChatV1Message) string { return sdkVal(m.Body) }),
			[]string{"from v2", "from v1"})
	})

	e.run(t, "an invite made through v1 is listed through v2", func(t *testing.T) {
		e.user(t, service, "bob")
		inv := sdkCall(e.v1.CreateInvite(service, general, (&chatv1.CreateInviteParams{}).SetIdentity("bob"))).must(t)
		got := sdkCall(e.v2.ListInvite(service, "general", nil)).must(t)
		if len(got) != 1 || sdkVal(got[0].Sid) != sdkVal(inv.Sid) || sdkVal(got[0].Identity) != "bob" {
			t.Errorf("v2 invites = %+v", got)
		}
	})

	e.run(t, "a credential made through v2 is read and deleted through v1", func(t *testing.T) {
		cr := sdkCall(e.v2.CreateCredential((&chatv2.CreateCredentialParams{}).SetType("fcm").SetFriendlyName("both").SetSecret("s"))).must(t)
		got := sdkCall(e.v1.FetchCredential(sdkVal(cr.Sid))).must(t)
		sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "both")
		sdkWantEqual(t, "url", sdkVal(got.Url), e.v1URL("/Credentials/"+sdkVal(cr.Sid)))
		sdkOK(t, e.v1.DeleteCredential(sdkVal(cr.Sid)))
		_, err := e.v2.FetchCredential(sdkVal(cr.Sid))
		wantSDKError(t, err, 404, 20404)
	})

	e.run(t, "a channel deleted through v1 is gone from v2", func(t *testing.T) {
		sdkOK(t, e.v1.DeleteChannel(service, general))
		_, err := e.v2.FetchChannel(service, "general")
		wantSDKError(t, err, 404, 20404)
		sdkWantEqual(t, "alice's joined_channels_count", sdkCall(e.v2.FetchUser(service, "alice")).must(t).JoinedChannelsCount, 0)
	})
}

// v1Lister lists the keys of one v1 list through the SDK with a PageSize.
type v1Lister func(pageSize int) ([]string, error)

// testV1Paging lists 5 or more items of each v1 list with SetPageSize(2):
// the SDK follows next_page_url to the end and gets every item once, in
// order.
func testV1Paging(t *testing.T, e *v1Env) {
	cases := []struct {
		name, op string
		seed     func(t *testing.T, e *v1Env) ([]string, v1Lister)
	}{
		{"services", "ListService", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			var want []string
			for i := 0; i < 5; i++ {
				want = append(want, sdkVal(e.service(t, fmt.Sprint("service ", i)).Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListService((&chatv1.ListServiceParams{}).SetPageSize(size))
				return sdkKeys(got, func(s chatv1.ChatV1Service) string { return sdkVal(s.Sid) }), err
			}
		}},
		{"roles", "ListRole", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			defaults := sdkCall(e.v2.ListRole(service, nil)).must(t)
			want := sdkKeys(defaults, func(r chatv2.ChatV2Role) string { return sdkVal(r.Sid) })
			for i := 0; i < 3; i++ {
				r := sdkCall(e.v1.CreateRole(service, (&chatv1.CreateRoleParams{}).
					SetFriendlyName(fmt.Sprint("role ", i)).SetType("channel").SetPermission([]string{"sendMessage"}))).must(t)
				want = append(want, sdkVal(r.Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListRole(service, (&chatv1.ListRoleParams{}).SetPageSize(size))
				return sdkKeys(got, func(r chatv1.ChatV1Role) string { return sdkVal(r.Sid) }), err
			}
		}},
		{"users", "ListUser", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			var want []string
			for i := 0; i < 5; i++ {
				want = append(want, sdkVal(e.user(t, service, fmt.Sprint("user-", i)).Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListUser(service, (&chatv1.ListUserParams{}).SetPageSize(size))
				return sdkKeys(got, func(u chatv1.ChatV1User) string { return sdkVal(u.Sid) }), err
			}
		}},
		{"channels", "ListChannel", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			var want []string
			for i := 0; i < 5; i++ {
				want = append(want, sdkVal(e.channel(t, service, nil).Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListChannel(service, (&chatv1.ListChannelParams{}).SetPageSize(size))
				return sdkKeys(got, func(c chatv1.ChatV1Channel) string { return sdkVal(c.Sid) }), err
			}
		}},
		{"channels filtered by Type", "ListChannel", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			var want []string
			for i := 0; i < 5; i++ {
				e.channel(t, service, (&chatv1.CreateChannelParams{}).SetType("public"))
				want = append(want, sdkVal(e.channel(t, service, (&chatv1.CreateChannelParams{}).SetType("private")).Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListChannel(service, (&chatv1.ListChannelParams{}).SetType([]string{"private"}).SetPageSize(size))
				return sdkKeys(got, func(c chatv1.ChatV1Channel) string { return sdkVal(c.Sid) }), err
			}
		}},
		{"members", "ListMember", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			channel := sdkVal(e.channel(t, service, nil).Sid)
			var want []string
			for i := 0; i < 5; i++ {
				want = append(want, sdkVal(e.member(t, service, channel, fmt.Sprint("member-", i)).Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListMember(service, channel, (&chatv1.ListMemberParams{}).SetPageSize(size))
				return sdkKeys(got, func(m chatv1.ChatV1Member) string { return sdkVal(m.Sid) }), err
			}
		}},
		{"members filtered by Identity", "ListMember", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			channel := sdkVal(e.channel(t, service, nil).Sid)
			var want, identities []string
			for i := 0; i < 7; i++ {
				id := fmt.Sprint("member-", i)
				m := e.member(t, service, channel, id)
				if i%3 == 1 {
					continue // left out by the filter
				}
				want = append(want, sdkVal(m.Sid))
				identities = append([]string{id}, identities...)
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListMember(service, channel, (&chatv1.ListMemberParams{}).SetIdentity(identities).SetPageSize(size))
				return sdkKeys(got, func(m chatv1.ChatV1Member) string { return sdkVal(m.Sid) }), err
			}
		}},
		{"messages asc", "ListMessage", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			return seedV1Messages(t, e, "asc")
		}},
		{"messages desc", "ListMessage", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			return seedV1Messages(t, e, "desc")
		}},
		{"invites filtered by Identity", "ListInvite", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			channel := sdkVal(e.channel(t, service, nil).Sid)
			var want, identities []string
			for i := 0; i < 6; i++ {
				id := fmt.Sprint("guest-", i)
				e.user(t, service, id)
				inv := sdkCall(e.v1.CreateInvite(service, channel, (&chatv1.CreateInviteParams{}).SetIdentity(id))).must(t)
				if i == 3 {
					continue // left out by the filter
				}
				want = append(want, sdkVal(inv.Sid))
				identities = append(identities, id)
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListInvite(service, channel, (&chatv1.ListInviteParams{}).SetIdentity(identities).SetPageSize(size))
				return sdkKeys(got, func(i chatv1.ChatV1Invite) string { return sdkVal(i.Sid) }), err
			}
		}},
		{"invites", "ListInvite", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			channel := sdkVal(e.channel(t, service, nil).Sid)
			var want []string
			for i := 0; i < 5; i++ {
				id := fmt.Sprint("guest-", i)
				e.user(t, service, id)
				want = append(want, sdkVal(sdkCall(e.v1.CreateInvite(service, channel, (&chatv1.CreateInviteParams{}).SetIdentity(id))).must(t).Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListInvite(service, channel, (&chatv1.ListInviteParams{}).SetPageSize(size))
				return sdkKeys(got, func(i chatv1.ChatV1Invite) string { return sdkVal(i.Sid) }), err
			}
		}},
		{"user channels", "ListUserChannel", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			service := sdkVal(e.service(t, "s").Sid)
			user := sdkVal(e.user(t, service, "joiner").Sid)
			var want []string
			for i := 0; i < 5; i++ {
				ch := sdkVal(e.channel(t, service, nil).Sid)
				e.member(t, service, ch, "joiner")
				want = append(want, ch)
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListUserChannel(service, user, (&chatv1.ListUserChannelParams{}).SetPageSize(size))
				return sdkKeys(got, func(uc chatv1.ChatV1UserChannel) string { return sdkVal(uc.ChannelSid) }), err
			}
		}},
		{"credentials", "ListCredential", func(t *testing.T, e *v1Env) ([]string, v1Lister) {
			var want []string
			for i, typ := range []string{"apn", "gcm", "fcm", "gcm", "fcm"} {
				cr := sdkCall(e.v1.CreateCredential((&chatv1.CreateCredentialParams{}).
					SetType(typ).SetFriendlyName(fmt.Sprint("credential ", i)))).must(t)
				want = append(want, sdkVal(cr.Sid))
			}
			return want, func(size int) ([]string, error) {
				got, err := e.v1.ListCredential((&chatv1.ListCredentialParams{}).SetPageSize(size))
				return sdkKeys(got, func(c chatv1.ChatV1Credential) string { return sdkVal(c.Sid) }), err
			}
		}},
	}
	for _, tc := range cases {
		e.run(t, tc.name, func(t *testing.T) {
			// Each list on its own chatd, so that nothing else is listed.
			pe := newV1Env(t, e.wire.coverage)
			want, list := tc.seed(t, pe)
			pe.wire.drain(t)
			if len(want) < 5 {
				t.Fatalf("seeded %d items, want 5 or more", len(want))
			}

			pe.run(t, "SetPageSize(2) gets every item once, in order", func(t *testing.T) {
				mark := pe.wire.mark()
				got := sdkCall(list(2)).must(t)
				sdkNoDuplicates(t, got)
				sdkWantEqual(t, "keys", got, want)
				reqs := pe.wire.since(mark)
				if pages := (len(want) + 1) / 2; len(reqs) != pages {
					t.Fatalf("SDK sent %d requests, want %d pages of 2", len(reqs), pages)
				}
				for i, x := range reqs {
					q := x.url.Query()
					if x.op != tc.op || x.status != http.StatusOK {
						t.Errorf("request %d: %s %s answered %d, want %s answering 200", i, x.method, x.url.Path, x.status, tc.op)
					}
					if q.Get("PageSize") != "2" {
						t.Errorf("request %d: PageSize %q, want 2 (%s)", i, q.Get("PageSize"), x.url)
					}
					if i > 0 && (q.Get("Page") != strconv.Itoa(i) || q.Get("PageToken") == "") {
						t.Errorf("request %d is not the next_page_url of page %d: %s", i, i-1, x.url)
					}
				}
			})

			pe.run(t, "one page of 50 lists the same", func(t *testing.T) {
				mark := pe.wire.mark()
				sdkWantEqual(t, "keys", sdkCall(list(50)).must(t), want)
				if reqs := pe.wire.since(mark); len(reqs) != 1 {
					t.Errorf("SDK sent %d requests, want 1", len(reqs))
				}
			})
		})
	}
}

// seedV1Messages posts seven messages and lists them in order, keyed by
// index and SID.
func seedV1Messages(t *testing.T, e *v1Env, order string) ([]string, v1Lister) {
	t.Helper()
	service := sdkVal(e.service(t, "s").Sid)
	channel := sdkVal(e.channel(t, service, nil).Sid)
	key := func(m chatv1.ChatV1Message) string { return strconv.Itoa(m.Index) + " " + sdkVal(m.Sid) }
	var want []string
	for i := 0; i < 7; i++ {
		want = append(want, key(*e.message(t, service, channel, fmt.Sprint("message ", i))))
	}
	if order == "desc" {
		slices.Reverse(want)
	}
	return want, func(size int) ([]string, error) {
		got, err := e.v1.ListMessage(service, channel, (&chatv1.ListMessageParams{}).SetOrder(order).SetPageSize(size))
		return sdkKeys(got, key), err
	}
}

// testV1Errors checks Twilio's error answers through Chat V1, and that a
// refused request changes nothing.
func testV1Errors(t *testing.T, e *v1Env) {
	service := sdkVal(e.service(t, "errors").Sid)
	taken := sdkVal(e.channel(t, service, (&chatv1.CreateChannelParams{}).SetUniqueName("taken")).Sid)
	other := sdkVal(e.channel(t, service, (&chatv1.CreateChannelParams{}).SetUniqueName("other")).Sid)
	alice := sdkVal(e.user(t, service, "alice").Sid)
	e.member(t, service, taken, "alice")
	kept := sdkVal(e.message(t, service, taken, "kept").Sid)
	const badAttributes = `{"unterminated": `
	const unknownChannel = "CH00000000000000000000000000000000"

	for _, tc := range []struct {
		name         string
		call         func() error
		status, code int
	}{
		{"duplicate unique name on create", func() error {
			_, err := e.v1.CreateChannel(service, (&chatv1.CreateChannelParams{}).SetUniqueName("taken"))
			return err
		}, 409, 50307},
		{"duplicate unique name on update", func() error {
			_, err := e.v1.UpdateChannel(service, other, (&chatv1.UpdateChannelParams{}).SetUniqueName("taken"))
			return err
		}, 409, 50307},
		{"duplicate user identity", func() error {
			_, err := e.v1.CreateUser(service, (&chatv1.CreateUserParams{}).SetIdentity("alice"))
			return err
		}, 409, 50201},
		{"member already in channel", func() error {
			_, err := e.v1.CreateMember(service, "taken", (&chatv1.CreateMemberParams{}).SetIdentity("alice"))
			return err
		}, 409, 50404},
		{"member already in channel by SID", func() error {
			_, err := e.v1.CreateMember(service, taken, (&chatv1.CreateMemberParams{}).SetIdentity("alice"))
			return err
		}, 409, 50404},
		{"unknown channel SID", func() error {
			_, err := e.v1.FetchChannel(service, unknownChannel)
			return err
		}, 404, 20404},
		{"unknown channel unique name", func() error {
			_, err := e.v1.FetchChannel(service, "missing")
			return err
		}, 404, 20404},
		{"update of an unknown channel", func() error {
			_, err := e.v1.UpdateChannel(service, unknownChannel, (&chatv1.UpdateChannelParams{}).SetFriendlyName("x"))
			return err
		}, 404, 20404},
		{"delete of an unknown channel", func() error {
			return e.v1.DeleteChannel(service, unknownChannel)
		}, 404, 20404},
		{"members of an unknown channel", func() error {
			_, err := e.v1.ListMember(service, "missing", nil)
			return err
		}, 404, 20404},
		{"messages of an unknown channel", func() error {
			_, err := e.v1.ListMessage(service, unknownChannel, nil)
			return err
		}, 404, 20404},
		{"message to an unknown channel", func() error {
			_, err := e.v1.CreateMessage(service, "missing", (&chatv1.CreateMessageParams{}).SetBody("x"))
			return err
		}, 404, 20404},
		{"message create without Body", func() error {
			_, err := e.v1.CreateMessage(service, "taken", (&chatv1.CreateMessageParams{}).SetFrom("alice"))
			return err
		}, 400, 20001},
		{"message create with Attributes and no Body", func() error {
			_, err := e.v1.CreateMessage(service, taken, (&chatv1.CreateMessageParams{}).SetAttributes(`{"a":1}`))
			return err
		}, 400, 20001},
		{"invalid channel Attributes JSON on create", func() error {
			_, err := e.v1.CreateChannel(service, (&chatv1.CreateChannelParams{}).SetUniqueName("bad").SetAttributes(badAttributes))
			return err
		}, 400, 50304},
		{"invalid channel Attributes JSON on update", func() error {
			_, err := e.v1.UpdateChannel(service, other, (&chatv1.UpdateChannelParams{}).SetAttributes(badAttributes))
			return err
		}, 400, 50304},
		{"invalid user Attributes JSON on create", func() error {
			_, err := e.v1.CreateUser(service, (&chatv1.CreateUserParams{}).SetIdentity("bob").SetAttributes(badAttributes))
			return err
		}, 400, 50304},
		{"invalid user Attributes JSON on update", func() error {
			_, err := e.v1.UpdateUser(service, alice, (&chatv1.UpdateUserParams{}).SetAttributes(badAttributes))
			return err
		}, 400, 50304},
		{"invalid message Attributes JSON on create", func() error {
			_, err := e.v1.CreateMessage(service, taken, (&chatv1.CreateMessageParams{}).SetBody("x").SetAttributes(badAttributes))
			return err
		}, 400, 50304},
		{"invalid message Attributes JSON on update", func() error {
			_, err := e.v1.UpdateMessage(service, taken, kept, (&chatv1.UpdateMessageParams{}).SetAttributes(badAttributes))
			return err
		}, 400, 50304},
	} {
		e.run(t, tc.name, func(t *testing.T) {
			wantSDKError(t, tc.call(), tc.status, tc.code)
		})
	}

	e.run(t, "refused requests change nothing", func(t *testing.T) {
		chs := sdkCall(e.v1.ListChannel(service, nil)).must(t)
		sdkWantEqual(t, "channels", sdkKeys(chs, func(c chatv1.ChatV1Channel) string { return sdkVal(c.UniqueName) }),
			[]string{"taken", "other"})
		sdkWantEqual(t, "other's attributes", sdkVal(sdkCall(e.v1.FetchChannel(service, other)).must(t).Attributes), "{}")
		users := sdkCall(e.v1.ListUser(service, nil)).must(t)
		sdkWantEqual(t, "users", sdkKeys(users, func(u chatv1.ChatV1User) string { return sdkVal(u.Identity) }), []string{"alice"})
		sdkWantEqual(t, "alice's attributes", sdkVal(sdkCall(e.v1.FetchUser(service, "alice")).must(t).Attributes), "{}")
		sdkWantEqual(t, "members", len(sdkCall(e.v1.ListMember(service, taken, nil)).must(t)), 1)
		msgs := sdkCall(e.v1.ListMessage(service, taken, nil)).must(t)
		sdkWantEqual(t, "messages", sdkKeys(msgs, func(m chatv1.ChatV1Message) string { return sdkVal(m.Body) + " " + sdkVal(m.Attributes) }),
			[]string{"kept {}"})
	})
}

// v1Indexes returns the indexes of listed messages.
func v1Indexes(msgs []chatv1.ChatV1Message) []int {
	var out []int
	for _, m := range msgs {
		out = append(out, m.Index)
	}
	return out
}

// wantV1ListAttributes checks a v1 list item's attributes against what a
// fetch gives: Twilio's v1 lists show attributes while they are unset ("{}")
// and null once assigned.
func wantV1ListAttributes(t *testing.T, what string, decoded *string, raw map[string]any, fetched string) {
	t.Helper()
	if fetched == "{}" {
		if decoded == nil || *decoded != "{}" || raw["attributes"] != "{}" {
			t.Errorf("%s: unset attributes listed as %s (raw %v), want \"{}\"", what, sdkShow(decoded), raw["attributes"])
		}
		return
	}
	if decoded != nil {
		t.Errorf("%s: assigned attributes listed as %s, want null in a v1 list", what, *decoded)
	}
	wantNull(t, what, raw, "attributes")
}
