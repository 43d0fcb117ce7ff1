package server_test

// Every operation of the Chat API v1 spec, driven through twilio-go's Chat
// V1 package exactly as an application would call it, with assertions on
// what the SDK decodes. A recording transport sits under the SDK: it maps
// each request to its v1 operationId and keeps the raw response (for the v1
// shapes the SDK cannot show, such as a field that must be absent); the
// Env's transport below it checks every response against the spec. The
// last subtest fails unless every one of the 40 operations of v1Operations
// answered 2xx at least once.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	chatv1 "github.com/twilio/twilio-go/rest/chat/v1"
	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/chatd/chatd/internal/speccheck"
	"github.com/chatd/chatd/internal/testenv"
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

// v1Wire is the SDK's transport: it passes each request on (next routes
// chat.twilio.com to the test server), records the exchange under the
// running subtest and credits its operation on a 2xx answer.
type v1Wire struct {
	next     http.RoundTripper
	coverage *v1Coverage

	mu   sync.Mutex
	test string
	sent []v1Exchange
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
	wire := &v1Wire{coverage: cov, test: t.Name()}
	c := h.srv.SDK(t, testenv.SDKWrap(func(next http.RoundTripper) http.RoundTripper {
		wire.next = next
		return wire
	}))
	return &v1Env{h: h, v1: chatv1.NewApiServiceWithClient(c), v2: chatv2.NewApiServiceWithClient(c), wire: wire}
}

// run runs f as a subtest whose exchanges are recorded under its name.
func (e *v1Env) run(t *testing.T, name string, f func(t *testing.T)) bool {
	t.Helper()
	return t.Run(name, func(t *testing.T) {
		prev := e.wire.enter(t.Name())
		defer e.wire.enter(prev)
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
	dir := speccheck.Require(t, "twilio_chat_v1.json").Dir()
	raw, err := os.ReadFile(filepath.Join(dir, "twilio_chat_v1.json"))
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
