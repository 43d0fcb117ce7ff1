package server_test

// TestSpecResponses drives every served v2 operation through the checker of
// internal/speccheck, which also checks every response the other tests
// receive (see internal/testenv). It skips when the spec files are absent,
// and fails then under CI.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/chatd/chatd/internal/speccheck"
)

// specClient sends requests with the API of the harness's Env, but
// without its spec check, which would report every mismatch a second time;
// each response is checked once, here.
type specClient struct {
	t    *testing.T
	h    *harness
	spec *speccheck.Spec
	seen map[string]bool // operations exercised, "GET /v2/Services/{Sid}"
}

func (c *specClient) send(method, path string, f url.Values) (int, []byte) {
	c.t.Helper()
	plain := c.h.srv.API
	plain.Spec = nil
	r := plain.Do(c.t, method, path, f)
	return r.Status, r.Raw
}

// call sends a request, requires status want, and checks the response
// against the spec: a JSON response must have been validated, a 204 must
// have no schema. It returns the decoded body.
func (c *specClient) call(want int, method, path string, f url.Values) map[string]any {
	c.t.Helper()
	status, raw := c.send(method, path, f)
	if status != want {
		c.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, status, want, raw)
	}
	full := path
	if method != http.MethodPost && len(f) > 0 {
		full += "?" + f.Encode()
	}
	if op := c.spec.Match(method, full); op != nil {
		c.seen[op.String()] = true
	}
	validated := c.spec.Report(c.t, method, full, status, raw)
	if status == http.StatusNoContent {
		if validated {
			c.t.Errorf("%s %s: a 204 was validated against a schema", method, path)
		}
		return nil
	}
	if !validated {
		c.t.Errorf("%s %s: the %d response was not validated against the spec", method, path, status)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		c.t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, path, err, raw)
	}
	return body
}

// specServedV2 are the v2 operations chatd serves (server/routes.go), named
// by their spec templates.
var specServedV2 = []string{
	"GET /v2/Services",
	"POST /v2/Services",
	"GET /v2/Services/{Sid}",
	"POST /v2/Services/{Sid}",
	"DELETE /v2/Services/{Sid}",
	"GET /v2/Services/{ServiceSid}/Roles",
	"POST /v2/Services/{ServiceSid}/Roles",
	"GET /v2/Services/{ServiceSid}/Roles/{Sid}",
	"POST /v2/Services/{ServiceSid}/Roles/{Sid}",
	"DELETE /v2/Services/{ServiceSid}/Roles/{Sid}",
	"GET /v2/Services/{ServiceSid}/Users",
	"POST /v2/Services/{ServiceSid}/Users",
	"GET /v2/Services/{ServiceSid}/Users/{Sid}",
	"POST /v2/Services/{ServiceSid}/Users/{Sid}",
	"DELETE /v2/Services/{ServiceSid}/Users/{Sid}",
	"GET /v2/Services/{ServiceSid}/Users/{UserSid}/Channels",
	"GET /v2/Services/{ServiceSid}/Users/{UserSid}/Channels/{ChannelSid}",
	"POST /v2/Services/{ServiceSid}/Users/{UserSid}/Channels/{ChannelSid}",
	"DELETE /v2/Services/{ServiceSid}/Users/{UserSid}/Channels/{ChannelSid}",
	"GET /v2/Services/{ServiceSid}/Channels",
	"POST /v2/Services/{ServiceSid}/Channels",
	"GET /v2/Services/{ServiceSid}/Channels/{Sid}",
	"POST /v2/Services/{ServiceSid}/Channels/{Sid}",
	"DELETE /v2/Services/{ServiceSid}/Channels/{Sid}",
	"GET /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Members",
	"POST /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Members",
	"GET /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Members/{Sid}",
	"POST /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Members/{Sid}",
	"DELETE /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Members/{Sid}",
	"GET /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Messages",
	"POST /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Messages",
	"GET /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Messages/{Sid}",
	"POST /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Messages/{Sid}",
	"DELETE /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Messages/{Sid}",
	"GET /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Invites",
	"POST /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Invites",
	"GET /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Invites/{Sid}",
	"DELETE /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Invites/{Sid}",
}

// TestSpecResponses drives every served v2 operation with realistic data
// and checks each response against the spec.
func TestSpecResponses(t *testing.T) {
	spec := speccheck.Require(t, "twilio_chat_v2.json")
	h := newHarness(t)
	c := &specClient{t: t, h: h, spec: spec, seen: map[string]bool{}}
	const ok, created, gone = http.StatusOK, http.StatusCreated, http.StatusNoContent
	get := func(path string, f url.Values) map[string]any { t.Helper(); return c.call(ok, http.MethodGet, path, f) }
	post := func(want int, path string, f url.Values) map[string]any {
		t.Helper()
		return c.call(want, http.MethodPost, path, f)
	}
	del := func(path string) { t.Helper(); c.call(gone, http.MethodDelete, path, nil) }

	// Service: create, then set a few fields (reachability makes user
	// fetches carry is_online and is_notifiable).
	svc := "/v2/Services/" + str(post(created, "/v2/Services", form("FriendlyName", "spec service"))["sid"])
	post(ok, svc, form(
		"FriendlyName", "spec service renamed",
		"ReachabilityEnabled", "true",
		"TypingIndicatorTimeout", "7",
		"PreWebhookUrl", "https://example.com/pre",
		"PostWebhookUrl", "https://example.com/post",
		"WebhookMethod", "POST",
		"WebhookFilters", "onMessageSent",
		"WebhookFilters", "onChannelAdded",
		"Notifications.NewMessage.Enabled", "true",
		"Notifications.NewMessage.Template", "${USER}: ${MESSAGE}",
		"Notifications.NewMessage.BadgeCountEnabled", "true",
		"Notifications.AddedToChannel.Enabled", "true",
		"Limits.UserChannels", "100",
		"Media.CompatibilityMessage", "No media here",
	))

	role := svc + "/Roles/" + str(post(created, svc+"/Roles", form(
		"FriendlyName", "moderator", "Type", "channel",
		"Permission", "sendMessage", "Permission", "leaveChannel", "Permission", "editAnyMessage",
	))["sid"])
	userSid := str(post(created, svc+"/Users", form(
		"Identity", "alice", "FriendlyName", "Alice", "Attributes", `{"team":"blue"}`,
	))["sid"])
	user := svc + "/Users/" + userSid
	post(created, svc+"/Users", form("Identity", "bob"))
	post(created, svc+"/Users", form("Identity", "carol"))

	chBody := post(created, svc+"/Channels", form(
		"FriendlyName", "General", "UniqueName", "general", "Attributes", `{"topic":"all"}`,
		"Type", "public", "CreatedBy", "alice",
	))
	chSid := str(chBody["sid"])
	ch := svc + "/Channels/" + chSid
	member := ch + "/Members/" + str(post(created, ch+"/Members", form("Identity", "alice", "RoleSid", role[len(role)-34:]))["sid"])
	msg := ch + "/Messages/" + str(post(created, ch+"/Messages", form("From", "alice", "Body", "hello"))["sid"])
	post(created, ch+"/Messages", form("From", "alice", "Body", "second", "Attributes", `{"важно":true}`))
	invite := ch + "/Invites/" + str(post(created, ch+"/Invites", form("Identity", "bob"))["sid"])
	post(created, svc+"/Channels", form("FriendlyName", "Secret", "Type", "private"))

	// Lists, with a page size of 1 somewhere to follow next_page_url.
	get("/v2/Services", nil)
	roles := get(svc+"/Roles", form("PageSize", "1"))
	if next := str(obj(roles["meta"])["next_page_url"]); next == "" {
		t.Error("Roles with PageSize=1: no next_page_url")
	} else {
		get(next, nil)
	}
	get(svc+"/Users", nil)
	get(svc+"/Channels", nil)
	get(svc+"/Channels", form("Type", "private"))
	get(ch+"/Members", nil)
	get(ch+"/Members", form("Identity", "alice"))
	get(ch+"/Messages", nil)
	get(ch+"/Messages", form("Order", "desc", "PageSize", "1"))
	get(ch+"/Invites", nil)
	get(ch+"/Invites", form("Identity", "bob"))
	get(user+"/Channels", nil)
	get(svc+"/Users/bob/Channels", nil)

	// Fetches, by SID and by identity or unique name.
	get(svc, nil)
	get(role, nil)
	get(user, nil)
	get(svc+"/Users/alice", nil)
	get(ch, nil)
	get(svc+"/Channels/general", nil)
	get(member, nil)
	get(msg, nil)
	get(invite, nil)
	get(user+"/Channels/"+chSid, nil)
	get(svc+"/Users/bob/Channels/general", nil)

	// Updates.
	post(ok, role, form("Permission", "sendMessage", "Permission", "leaveChannel"))
	post(ok, user, form("FriendlyName", "Alice A.", "Attributes", `{"team":"red"}`))
	post(ok, ch, form("FriendlyName", "General chat", "Attributes", `{"topic":"news"}`))
	post(ok, member, form("LastConsumedMessageIndex", "0", "LastConsumptionTimestamp", "2024-01-02T03:04:05.123Z", "Attributes", `{"seat":1}`))
	post(ok, msg, form("Body", "hello, edited", "LastUpdatedBy", "alice", "Attributes", `{"edited":true}`))
	post(ok, user+"/Channels/"+chSid, form("NotificationLevel", "muted", "LastConsumedMessageIndex", "1"))
	get(user+"/Channels", nil)
	get(member, nil)

	// Deletes: each must answer 204 with no body to check.
	post(created, ch+"/Members", form("Identity", "carol"))
	del(svc + "/Users/carol/Channels/" + chSid)
	del(msg)
	del(invite)
	del(member)
	del(ch)
	del(role)
	del(user)
	del(svc)

	for _, op := range specServedV2 {
		if !c.seen[op] {
			t.Errorf("operation %s was not exercised", op)
		}
	}
}
