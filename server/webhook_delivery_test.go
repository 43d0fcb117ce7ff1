package server_test

// Wire tests of post-event webhooks: REST changes made with
// X-Twilio-Webhook-Enabled: true reach local receivers with Twilio's event
// names, parameters and signature (checked with twilio-go's own request
// validator); WebhookFilters, WebhookMethod GET, v1 per-event URLs and the
// Channel webhooks (webhook, trigger, studio) choose who gets what; without
// the header nothing is recorded or sent; GET /_chatd/deliveries shows every
// delivery. Retries, restarts, hanging receivers and ordering are in
// webhook_order_test.go, the receiver and the checks in
// webhook_receiver_test.go.

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/twilio/twilio-go/client"
)

// TestHookEvents makes every REST change that has a post-event, with the
// header, and checks the request the Service's PostWebhookUrl gets for it:
// the event name, Twilio's parameter names, the values of the resource as
// the API answered it, and the common parameters.
func TestHookEvents(t *testing.T) {
	h := newHarness(t)
	rcv := newHookReceiver(t, nil)
	svc := h.newService()
	service := mediaServiceSid(svc)
	hookURL := rcv.url("/chat/events")
	h.update(svc, form("PostWebhookUrl", hookURL))

	var user, channel, member, message map[string]any
	steps := []struct {
		name  string
		event string
		// do makes the change and returns the identity the event is
		// attributed to and its own parameters.
		do func(t *testing.T) (string, map[string]string)
	}{
		{"UserCreate", "onUserAdded", func(t *testing.T) (string, map[string]string) {
			user = h.hooked(201, "POST", svc+"/Users", form("Identity", "alice", "FriendlyName", "Alice", "Attributes", `{"tier":"gold"}`))
			return "system", hookUserParams(user, false)
		}},
		{"UserUpdate", "onUserUpdated", func(t *testing.T) (string, map[string]string) {
			user = h.hooked(200, "POST", svc+"/Users/alice", form("FriendlyName", "Alice B", "Attributes", `{"tier":"silver"}`))
			return "system", hookUserParams(user, true)
		}},
		{"ChannelCreate", "onChannelAdded", func(t *testing.T) (string, map[string]string) {
			channel = h.hooked(201, "POST", svc+"/Channels", form("UniqueName", "general", "FriendlyName", "General",
				"Attributes", `{"topic":"news"}`, "CreatedBy", "alice"))
			return "alice", hookChannelParams(channel, false)
		}},
		{"ChannelUpdate", "onChannelUpdated", func(t *testing.T) (string, map[string]string) {
			channel = h.hooked(200, "POST", svc+"/Channels/general", form("FriendlyName", "General news"))
			return "alice", hookChannelParams(channel, true)
		}},
		{"ChannelUpdateV3", "onChannelUpdated", func(t *testing.T) (string, map[string]string) {
			channel = h.hooked(200, "POST", "/v3/Services/"+service+"/Channels/general", form("Type", "private"))
			if channel["type"] != "private" {
				t.Fatalf("v3 update answered type %v", channel["type"])
			}
			return "alice", hookChannelParams(channel, true)
		}},
		{"MemberCreate", "onMemberAdded", func(t *testing.T) (string, map[string]string) {
			member = h.hooked(201, "POST", svc+"/Channels/general/Members", form("Identity", "alice"))
			return "system", hookMemberParams(member, "onMemberAdded")
		}},
		{"MessageCreate", "onMessageSent", func(t *testing.T) (string, map[string]string) {
			message = h.hooked(201, "POST", svc+"/Channels/general/Messages", form("Body", "hello & welcome, ünïcode",
				"From", "alice", "Attributes", `{"k":"v"}`))
			return "alice", hookMessageParams(message, "onMessageSent")
		}},
		{"MemberUpdate", "onMemberUpdated", func(t *testing.T) (string, map[string]string) {
			member = h.hooked(200, "POST", svc+"/Channels/general/Members/"+str(member["sid"]),
				form("LastConsumedMessageIndex", "0", "Attributes", `{"seat":1}`))
			return "system", hookMemberParams(member, "onMemberUpdated")
		}},
		{"MediaMessageCreate", "onMediaMessageSent", func(t *testing.T) (string, map[string]string) {
			media := mediaUpload(t, h, service, "?Filename=cat.png", mediaBytes(1000, 7), "Content-Type", "image/png")
			m := h.hooked(201, "POST", svc+"/Channels/general/Messages", form("MediaSid", str(media["sid"]), "From", "alice"))
			if md := obj(m["media"]); md == nil || md["sid"] != media["sid"] || md["filename"] != "cat.png" {
				t.Fatalf("media message: media = %v", m["media"])
			}
			return "alice", hookMessageParams(m, "onMediaMessageSent")
		}},
		{"MessageUpdate", "onMessageUpdated", func(t *testing.T) (string, map[string]string) {
			message = h.hooked(200, "POST", svc+"/Channels/general/Messages/"+str(message["sid"]),
				form("Body", "hello again", "LastUpdatedBy", "bob"))
			return "bob", hookMessageParams(message, "onMessageUpdated")
		}},
		{"MessageDelete", "onMessageRemoved", func(t *testing.T) (string, map[string]string) {
			h.hooked(204, "DELETE", svc+"/Channels/general/Messages/"+str(message["sid"]), nil)
			return "alice", hookMessageParams(message, "onMessageRemoved")
		}},
		{"MemberDelete", "onMemberRemoved", func(t *testing.T) (string, map[string]string) {
			h.hooked(204, "DELETE", svc+"/Channels/general/Members/"+str(member["sid"]), nil)
			return "system", hookMemberParams(member, "onMemberRemoved")
		}},
		{"UserChannelDelete", "onMemberRemoved", func(t *testing.T) (string, map[string]string) {
			bob := h.create(svc+"/Channels/general/Members", form("Identity", "bob")) // no header: no event
			h.hooked(204, "DELETE", svc+"/Users/bob/Channels/general", nil)
			return "system", hookMemberParams(bob, "onMemberRemoved")
		}},
		{"ChannelDelete", "onChannelDestroyed", func(t *testing.T) (string, map[string]string) {
			channel = h.get(svc + "/Channels/general")
			h.hooked(204, "DELETE", svc+"/Channels/general", nil)
			return "alice", hookChannelParams(channel, true)
		}},
	}
	seen := 0
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			identity, own := s.do(t)
			c := rcv.wait(t, seen+1)[seen]
			seen++
			checkHookRequest(t, c, http.MethodPost)
			if c.URL != hookURL {
				t.Errorf("sent to %s, want %s", c.URL, hookURL)
			}
			if len(c.Query) != 0 {
				t.Errorf("a POST with a query: %v", c.Query)
			}
			wantHookParams(t, s.event, c.Form, hookCommon(s.event, service, identity, own))
		})
	}

	t.Run("EveryDeliveryRecorded", func(t *testing.T) {
		if seen != len(steps) {
			t.Fatalf("%d of %d steps were delivered", seen, len(steps))
		}
		ds := h.settled(t, service, seen)
		for i, d := range ds {
			step := steps[len(ds)-1-i] // newest first
			if d["event"] != step.event || d["status"] != "delivered" || num(d["attempts"]) != 1 ||
				num(d["response_code"]) != 200 || d["error"] != nil || d["url"] != hookURL || d["method"] != "POST" ||
				d["service_sid"] != service || d["webhook_sid"] != nil || d["next_attempt"] != nil {
				t.Errorf("delivery of %s (%s): %v", step.name, step.event, d)
			}
		}
		if got := len(rcv.received()); got != seen {
			t.Errorf("the receiver got %d requests for %d deliveries", got, seen)
		}
	})
}

// hookScript makes one change of each post-event kind on one Channel, with
// the header, and returns the events it causes, in commit order.
func hookScript(h *harness, svc, channel string) []string {
	h.t.Helper()
	base := svc + "/Channels/" + channel
	h.hooked(201, "POST", svc+"/Channels", form("UniqueName", channel))
	h.hooked(200, "POST", base, form("FriendlyName", "renamed"))
	m := h.hooked(201, "POST", base+"/Members", form("Identity", "alice"))
	h.hooked(200, "POST", base+"/Members/"+str(m["sid"]), form("Attributes", `{"a":1}`))
	msg := h.hooked(201, "POST", base+"/Messages", form("Body", "hi", "From", "alice"))
	h.hooked(200, "POST", base+"/Messages/"+str(msg["sid"]), form("Body", "hi!"))
	h.hooked(204, "DELETE", base+"/Messages/"+str(msg["sid"]), nil)
	h.hooked(204, "DELETE", base+"/Members/"+str(m["sid"]), nil)
	h.hooked(204, "DELETE", base, nil)
	return []string{"onChannelAdded", "onChannelUpdated", "onMemberAdded", "onMemberUpdated",
		"onMessageSent", "onMessageUpdated", "onMessageRemoved", "onMemberRemoved", "onChannelDestroyed"}
}

// TestHookFilters checks WebhookFilters: with none every event is sent;
// with some, only those are sent (and recorded).
func TestHookFilters(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		name    string
		filters []string
		want    []string
	}{
		{"NoFilterSendsEveryEvent", nil, []string{"onChannelAdded", "onChannelUpdated", "onMemberAdded",
			"onMemberUpdated", "onMessageSent", "onMessageUpdated", "onMessageRemoved", "onMemberRemoved", "onChannelDestroyed"}},
		{"OnlyListedEventsSent", []string{"onMessageSent", "onMemberRemoved", "onChannelAdded"},
			[]string{"onChannelAdded", "onMessageSent", "onMemberRemoved"}},
		{"PreEventFilterSendsNothing", []string{"onMessageSend", "onChannelAdd"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			rcv := newHookReceiver(t, nil)
			svc := h.newService()
			service := mediaServiceSid(svc)
			f := form("PostWebhookUrl", rcv.url("/filtered"))
			for _, e := range c.filters {
				f.Add("WebhookFilters", e)
			}
			if got := h.update(svc, f)["webhook_filters"]; len(arr(got)) != len(c.filters) {
				t.Fatalf("webhook_filters = %v, want %v", got, c.filters)
			}
			all := hookScript(h, svc, "filtered")
			if c.filters == nil && !slices.Equal(all, c.want) {
				t.Fatalf("script events %v", all)
			}
			ds := h.settled(t, service, len(c.want))
			calls := rcv.wait(t, len(c.want))
			if got := hookEventTypes(calls); !sameInAnyOrder(got, c.want) {
				t.Errorf("received %v, want %v", got, c.want)
			}
			for _, call := range calls {
				checkHookRequest(t, call, http.MethodPost)
			}
			for i, d := range ds {
				if want := c.want[len(c.want)-1-i]; d["event"] != want || d["status"] != "delivered" {
					t.Errorf("delivery %d: %s %s, want %s delivered", i, d["event"], d["status"], want)
				}
			}
		})
	}
}

// TestHookMethodGet checks WebhookMethod GET: the parameters go in the
// query string, after any the configured URL has, with no body, and the
// signature covers the full URL.
func TestHookMethodGet(t *testing.T) {
	h := newHarness(t)
	rcv := newHookReceiver(t, nil)
	svc := h.newService()
	service := mediaServiceSid(svc)
	h.update(svc, form("PostWebhookUrl", rcv.url("/get-hook?tenant=7&zone=eu"), "WebhookMethod", "get"))
	ch := h.hooked(201, "POST", svc+"/Channels", form("UniqueName", "plain"))
	msg := h.hooked(201, "POST", svc+"/Channels/plain/Messages", form("Body", "a&b=c d+e/ü?", "From", "alice"))

	calls := rcv.wait(t, 2)
	byEvent := map[string]hookCall{}
	for _, c := range calls {
		byEvent[c.Query.Get("EventType")] = c
	}
	for _, want := range []map[string]string{
		hookCommon("onChannelAdded", service, "system", hookChannelParams(ch, false)),
		hookCommon("onMessageSent", service, "alice", hookMessageParams(msg, "onMessageSent")),
	} {
		c, ok := byEvent[want["EventType"]]
		if !ok {
			t.Errorf("no %s received:\n%s", want["EventType"], hookCallList(calls))
			continue
		}
		checkHookRequest(t, c, http.MethodGet)
		if c.Path != "/get-hook" {
			t.Errorf("%s: path %s", c, c.Path)
		}
		q := url.Values{}
		maps.Copy(q, c.Query)
		if q.Get("tenant") != "7" || q.Get("zone") != "eu" {
			t.Errorf("%s: the configured query is lost: %s", c, c.URL)
		}
		delete(q, "tenant")
		delete(q, "zone")
		wantHookParams(t, c.String(), q, want)
		if len(c.Form) != 0 {
			t.Errorf("%s: a GET with form parameters %v", c, c.Form)
		}
	}
	for _, d := range h.settled(t, service, 2) {
		if d["method"] != "GET" || d["status"] != "delivered" {
			t.Errorf("delivery %v", d)
		}
	}
}

// TestHookV1EventWebhooks checks the v1 per-event webhooks: each URL set
// through /v1/Services gets its event, with its method, for changes made
// through v2 with the header.
func TestHookV1EventWebhooks(t *testing.T) {
	h := newHarness(t)
	rcv := newHookReceiver(t, nil)
	svc := h.newService()
	service := mediaServiceSid(svc)
	v1 := h.update("/v1/Services/"+service, form(
		"Webhooks.OnMessageSent.Url", rcv.url("/v1/sent"), "Webhooks.OnMessageSent.Method", "POST",
		"Webhooks.OnChannelAdded.Url", rcv.url("/v1/added"), "Webhooks.OnChannelAdded.Method", "GET"))
	hooks := obj(v1["webhooks"])
	if u := obj(hooks["on_message_sent"])["url"]; u != rcv.url("/v1/sent") {
		t.Fatalf("webhooks.on_message_sent = %v", hooks["on_message_sent"])
	}

	ch := h.hooked(201, "POST", svc+"/Channels", form("UniqueName", "v1room"))
	h.hooked(201, "POST", svc+"/Channels/v1room/Members", form("Identity", "alice")) // no webhook for onMemberAdded
	msg := h.hooked(201, "POST", svc+"/Channels/v1room/Messages", form("Body", "from v2", "From", "alice"))

	h.settled(t, service, 2)
	calls := rcv.wait(t, 2)
	byPath := map[string]hookCall{}
	for _, c := range calls {
		byPath[c.Path] = c
	}
	added, sent := byPath["/v1/added"], byPath["/v1/sent"]
	if len(calls) != 2 || added.Method == "" || sent.Method == "" {
		t.Fatalf("received:\n%s", hookCallList(calls))
	}
	checkHookRequest(t, added, http.MethodGet)
	wantHookParams(t, "onChannelAdded", added.Query, hookCommon("onChannelAdded", service, "system", hookChannelParams(ch, false)))
	checkHookRequest(t, sent, http.MethodPost)
	wantHookParams(t, "onMessageSent", sent.Form, hookCommon("onMessageSent", service, "alice", hookMessageParams(msg, "onMessageSent")))
}

// hookedOperations makes every change whose v2 operation takes
// X-Twilio-Webhook-Enabled, with header, in a Channel and for Users named
// after tag.
func hookedOperations(h *harness, svc, tag string, header http.Header) {
	h.t.Helper()
	do := func(want int, method, path string, f url.Values) map[string]any {
		h.t.Helper()
		r := h.doHeader(method, path, f, testAccount, testToken, header)
		if r.Status != want {
			h.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.Status, want, r.Raw)
		}
		return r.Body
	}
	service := mediaServiceSid(svc)
	user, channel := "u-"+tag, "c-"+tag
	base := svc + "/Channels/" + channel
	do(201, "POST", svc+"/Users", form("Identity", user))
	do(200, "POST", svc+"/Users/"+user, form("FriendlyName", "U"))
	do(201, "POST", svc+"/Channels", form("UniqueName", channel))
	do(200, "POST", base, form("FriendlyName", "C"))
	do(200, "POST", "/v3/Services/"+service+"/Channels/"+channel, form("Type", "private"))
	m := do(201, "POST", base+"/Members", form("Identity", user))
	msg := do(201, "POST", base+"/Messages", form("Body", "hi", "From", user))
	do(200, "POST", base+"/Members/"+str(m["sid"]), form("LastConsumedMessageIndex", "0"))
	do(200, "POST", base+"/Messages/"+str(msg["sid"]), form("Body", "edited"))
	do(204, "DELETE", base+"/Messages/"+str(msg["sid"]), nil)
	do(204, "DELETE", svc+"/Users/"+user+"/Channels/"+channel, nil)
	m = do(201, "POST", base+"/Members", form("Identity", user))
	do(204, "DELETE", base+"/Members/"+str(m["sid"]), nil)
	do(204, "DELETE", base, nil)
}

// TestHookHeaderOff checks that a REST change sends (and records) nothing
// unless X-Twilio-Webhook-Enabled is true, that v1 and the operations
// without the header ignore it, and that true then sends.
func TestHookHeaderOff(t *testing.T) {
	h := newHarness(t)
	rcv := newHookReceiver(t, nil)
	svc := h.newService()
	service := mediaServiceSid(svc)
	v1svc := "/v1/Services/" + service
	h.update(svc, form("PostWebhookUrl", rcv.url("/never")))
	h.update(v1svc, form("Webhooks.OnMessageSent.Url", rcv.url("/never-v1"), "Webhooks.OnChannelAdded.Url", rcv.url("/never-v1")))
	noDeliveries := func(t *testing.T) {
		t.Helper()
		if ds := h.deliveries(service); len(ds) != 0 {
			t.Fatalf("deliveries recorded:\n%s", deliverySummary(ds))
		}
	}

	t.Run("HeaderAbsent", func(t *testing.T) {
		hookedOperations(h, svc, "absent", nil)
		noDeliveries(t)
	})
	t.Run("HeaderFalse", func(t *testing.T) {
		hookedOperations(h, svc, "false", http.Header{"X-Twilio-Webhook-Enabled": {"false"}})
		noDeliveries(t)
	})
	t.Run("V1OperationsNeverSend", func(t *testing.T) {
		do := func(want int, method, path string, f url.Values) map[string]any {
			t.Helper()
			r := h.doHeader(method, path, f, testAccount, testToken, hookEnabled)
			if r.Status != want {
				t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.Status, want, r.Raw)
			}
			return r.Body
		}
		base := v1svc + "/Channels/v1"
		do(201, "POST", v1svc+"/Users", form("Identity", "v1user"))
		do(200, "POST", v1svc+"/Users/v1user", form("FriendlyName", "V"))
		do(201, "POST", v1svc+"/Channels", form("UniqueName", "v1"))
		do(200, "POST", base, form("FriendlyName", "V"))
		m := do(201, "POST", base+"/Members", form("Identity", "v1user"))
		msg := do(201, "POST", base+"/Messages", form("Body", "hi"))
		do(200, "POST", base+"/Members/"+str(m["sid"]), form("LastConsumedMessageIndex", "0"))
		do(200, "POST", base+"/Messages/"+str(msg["sid"]), form("Body", "edited"))
		do(204, "DELETE", base+"/Messages/"+str(msg["sid"]), nil)
		do(204, "DELETE", base+"/Members/"+str(m["sid"]), nil)
		do(204, "DELETE", base, nil)
		noDeliveries(t)
	})
	t.Run("OperationsWithoutTheHeaderIgnoreIt", func(t *testing.T) {
		h.create(svc+"/Channels", form("UniqueName", "quiet"))
		h.create(svc+"/Users", form("Identity", "carol"))
		h.hooked(201, "POST", svc+"/Channels/quiet/Invites", form("Identity", "carol"))
		h.hooked(201, "POST", svc+"/Roles", form("FriendlyName", "r", "Type", "channel", "Permission", "sendMessage"))
		h.create(svc+"/Users", form("Identity", "dave"))
		h.hooked(204, "DELETE", svc+"/Users/dave", nil)
		h.hooked(200, "POST", svc, form("FriendlyName", "renamed"))
		h.hooked(201, "POST", svc+"/Channels/quiet/Webhooks", form("Type", "webhook",
			"Configuration.Url", rcv.url("/never-channel"), "Configuration.Filters", "onMessageSent"))
		noDeliveries(t)
	})
	t.Run("HeaderTrueSends", func(t *testing.T) {
		h.hooked(201, "POST", svc+"/Channels", form("UniqueName", "loud"))
		ds := h.settled(t, service, 2) // the Service's URL and the v1 onChannelAdded URL
		calls := rcv.wait(t, 2)
		if len(calls) != 2 || len(ds) != 2 {
			t.Fatalf("%d requests, %d deliveries:\n%s", len(calls), len(ds), hookCallList(calls))
		}
		for _, c := range calls {
			if c.params().Get("EventType") != "onChannelAdded" || c.params().Get("UniqueName") != "loud" {
				t.Errorf("received %s %v", c, c.params())
			}
		}
	})
}

// TestHookSignature checks X-Twilio-Signature against twilio-go's request
// validator for a POST (to a URL with a query of its own) and a GET, and
// that the check is real: a changed parameter, URL or token fails it.
func TestHookSignature(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		name   string
		method string
		path   string
	}{
		{"Post", "POST", "/signed/post?tenant=a%20b"},
		{"Get", "GET", "/signed/get"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rcv := newHookReceiver(t, nil)
			svc := h.newService()
			h.update(svc, form("PostWebhookUrl", rcv.url(c.path), "WebhookMethod", c.method))
			h.hooked(201, "POST", svc+"/Channels", form("UniqueName", "signed", "Attributes", `{"emoji":"✓","q":"a=b&c"}`))
			call := rcv.wait(t, 1)[0]
			checkHookRequest(t, call, c.method)
			sig := call.Header.Get("X-Twilio-Signature")
			v := client.NewRequestValidator(testToken)
			if !v.Validate(call.URL, hookSignedParams(call), sig) {
				t.Fatalf("the signature does not validate")
			}

			tampered := hookSignedParams(call)
			tamperedURL := call.URL
			if c.method == http.MethodPost {
				tampered["UniqueName"] = "forged"
			} else {
				tamperedURL = strings.Replace(call.URL, "UniqueName=signed", "UniqueName=forged", 1)
				if tamperedURL == call.URL {
					t.Fatalf("no UniqueName in %s", call.URL)
				}
			}
			if v.Validate(tamperedURL, tampered, sig) {
				t.Error("a tampered parameter validates")
			}
			if v.Validate(strings.Replace(call.URL, "/signed/", "/other/", 1), hookSignedParams(call), sig) {
				t.Error("another URL validates")
			}
			other := client.NewRequestValidator("anothertoken0123456789")
			if other.Validate(call.URL, hookSignedParams(call), sig) {
				t.Error("another auth token validates")
			}
		})
	}
}

// TestHookChannelWebhooks checks the Channel webhooks: a webhook-type one
// gets its filters' events, a trigger one the messages holding one of its
// words as a whole word in any case, a studio one is recorded as not
// deliverable; the Service's receiver gets every event alongside.
func TestHookChannelWebhooks(t *testing.T) {
	h := newHarness(t)
	svcRcv, whRcv, trigRcv := newHookReceiver(t, nil), newHookReceiver(t, nil), newHookReceiver(t, nil)
	svc := h.newService()
	service := mediaServiceSid(svc)
	h.update(svc, form("PostWebhookUrl", svcRcv.url("/service")))
	ch := h.create(svc+"/Channels", form("UniqueName", "support"))
	chSid := str(ch["sid"])
	hooks := svc + "/Channels/support/Webhooks"
	wh := h.create(hooks, form("Type", "webhook", "Configuration.Url", whRcv.url("/webhook"), "Configuration.Method", "POST",
		"Configuration.Filters", "onMessageSent", "Configuration.Filters", "onMemberAdded", "Configuration.RetryCount", "1"))
	trig := h.create(hooks, form("Type", "trigger", "Configuration.Url", trigRcv.url("/trigger"),
		"Configuration.Triggers", "help", "Configuration.Triggers", "live agent"))
	studio := h.create(hooks, form("Type", "studio", "Configuration.FlowSid", testFlowSid, "Configuration.Filters", "onMessageSent"))

	h.hooked(201, "POST", svc+"/Channels/support/Members", form("Identity", "alice"))
	bodies := []struct {
		body    string
		trigger bool
	}{
		{"Help me", true},
		{"this is helpful", false},
		{"HELP!", true},
		{"unhelp", false},
		{"get me a LIVE AGENT now", true},
		{"a live agents", false},
		{"helpdesk", false},
		{"(help)", true},
	}
	var msgs []map[string]any
	for _, b := range bodies {
		msgs = append(msgs, h.hooked(201, "POST", svc+"/Channels/support/Messages", form("Body", b.body, "From", "alice")))
	}
	h.hooked(200, "POST", svc+"/Channels/support/Messages/"+str(msgs[0]["sid"]), form("Body", "help edited"))

	// Service: member + messages + update; webhook: member + messages;
	// trigger: the triggering messages; studio: one undeliverable per message.
	var triggering []string
	for _, b := range bodies {
		if b.trigger {
			triggering = append(triggering, b.body)
		}
	}
	total := (1 + len(bodies) + 1) + (1 + len(bodies)) + len(triggering) + len(bodies)
	ds := h.settled(t, service, total)

	t.Run("ServiceGetsEveryEvent", func(t *testing.T) {
		calls := svcRcv.wait(t, len(bodies)+2)
		want := append(append([]string{"onMemberAdded"}, slices.Repeat([]string{"onMessageSent"}, len(bodies))...), "onMessageUpdated")
		if got := hookEventTypes(calls); !sameInAnyOrder(got, want) {
			t.Errorf("received %v, want %v", got, want)
		}
		for _, c := range calls {
			checkHookRequest(t, c, http.MethodPost)
			if p := c.params(); p.Has("WebhookSid") || p.Has("WebhookType") {
				t.Errorf("%s: the Service's webhook got WebhookSid %q WebhookType %q", c, p.Get("WebhookSid"), p.Get("WebhookType"))
			}
		}
	})
	t.Run("WebhookGetsItsFilters", func(t *testing.T) {
		calls := whRcv.wait(t, len(bodies)+1)
		want := append([]string{"onMemberAdded"}, slices.Repeat([]string{"onMessageSent"}, len(bodies))...)
		if got := hookEventTypes(calls); !sameInAnyOrder(got, want) {
			t.Errorf("received %v, want %v", got, want)
		}
		for _, c := range calls {
			checkHookRequest(t, c, http.MethodPost)
			p := c.params()
			if p.Get("WebhookType") != "webhook" || p.Get("WebhookSid") != str(wh["sid"]) || p.Get("ChannelSid") != chSid {
				t.Errorf("%s: WebhookType %q WebhookSid %q ChannelSid %q", c, p.Get("WebhookType"), p.Get("WebhookSid"), p.Get("ChannelSid"))
			}
			if p.Get("EventType") == "onMessageSent" {
				index, err := strconv.Atoi(p.Get("Index"))
				if err != nil || index >= len(msgs) {
					t.Errorf("%s: Index %q", c, p.Get("Index"))
					continue
				}
				own := hookMessageParams(msgs[index], "onMessageSent")
				own["WebhookType"], own["WebhookSid"] = "webhook", str(wh["sid"])
				wantHookParams(t, c.String(), p, hookCommon("onMessageSent", service, "alice", own))
			}
		}
	})
	t.Run("TriggerGetsMessagesWithItsWords", func(t *testing.T) {
		calls := trigRcv.wait(t, len(triggering))
		var got []string
		for _, c := range calls {
			checkHookRequest(t, c, http.MethodPost)
			p := c.params()
			got = append(got, p.Get("Body"))
			if p.Get("EventType") != "onMessageSent" || p.Get("WebhookSid") != str(trig["sid"]) || p.Get("WebhookType") != "trigger" {
				t.Errorf("%s: EventType %q WebhookSid %q WebhookType %q", c, p.Get("EventType"), p.Get("WebhookSid"), p.Get("WebhookType"))
			}
		}
		if !sameInAnyOrder(got, triggering) {
			t.Errorf("triggered by %q, want %q", got, triggering)
		}
	})
	t.Run("StudioRecordedUndeliverable", func(t *testing.T) {
		n := 0
		for _, d := range ds {
			switch d["webhook_type"] {
			case "studio":
				n++
				if d["status"] != "undeliverable" || d["webhook_sid"] != studio["sid"] || num(d["attempts"]) != 0 ||
					str(d["error"]) == "" || d["event"] != "onMessageSent" || d["url"] != "" || d["channel_sid"] != chSid ||
					obj(d["params"])["FlowSid"] != testFlowSid {
					t.Errorf("studio delivery %v", d)
				}
			case nil:
				if d["url"] != svcRcv.url("/service") || d["status"] != "delivered" {
					t.Errorf("service delivery %v", d)
				}
			default:
				if d["status"] != "delivered" {
					t.Errorf("channel webhook delivery %v", d)
				}
			}
		}
		if n != len(bodies) {
			t.Errorf("%d studio deliveries, want %d", n, len(bodies))
		}
	})
	t.Run("NothingElseSent", func(t *testing.T) {
		got := len(svcRcv.received()) + len(whRcv.received()) + len(trigRcv.received())
		if want := total - len(bodies); got != want {
			t.Errorf("receivers got %d requests, want %d", got, want)
		}
	})
	t.Run("ChannelDeleteReachesItsWebhooks", func(t *testing.T) {
		doomedRcv := newHookReceiver(t, nil)
		h.create(svc+"/Channels", form("UniqueName", "doomed"))
		dw := h.create(svc+"/Channels/doomed/Webhooks", form("Type", "webhook", "Configuration.Url", doomedRcv.url("/doomed"),
			"Configuration.Filters", "onChannelDestroyed", "Configuration.Method", "GET"))
		doomed := h.get(svc + "/Channels/doomed")
		before := len(h.deliveries(service))
		h.hooked(204, "DELETE", svc+"/Channels/doomed", nil)
		h.wantError(h.do("GET", svc+"/Channels/doomed/Webhooks/"+str(dw["sid"]), nil), 404, 20404)
		h.settled(t, service, before+2) // the Channel's webhook and the Service's
		c := doomedRcv.wait(t, 1)[0]
		checkHookRequest(t, c, http.MethodGet)
		own := hookChannelParams(doomed, true)
		own["WebhookType"], own["WebhookSid"] = "webhook", str(dw["sid"])
		wantHookParams(t, c.String(), c.Query, hookCommon("onChannelDestroyed", service, "system", own))
		last := svcRcv.wait(t, len(bodies)+3)[len(bodies)+2]
		if last.params().Get("EventType") != "onChannelDestroyed" || last.params().Get("ChannelSid") != str(doomed["sid"]) {
			t.Errorf("the Service got %s %v", last, last.params())
		}
	})
}

// TestHookDeliveryList checks GET /_chatd/deliveries: newest first, by
// Service, paged, each delivery's fields, and its errors. The dispatcher is
// stopped, so every delivery stays pending.
func TestHookDeliveryList(t *testing.T) {
	h := newHarnessWith(t, func(h *harness) { h.noHooks = true })
	const target = "http://127.0.0.1:9/never-contacted"
	one, two := h.newService(), h.newService()
	oneSid, twoSid := mediaServiceSid(one), mediaServiceSid(two)
	for _, svc := range []string{one, two} {
		h.update(svc, form("PostWebhookUrl", target, "PostWebhookRetryCount", "2"))
	}
	type made struct{ service, event string }
	var commits []made
	note := func(svc, event string) { commits = append(commits, made{mediaServiceSid(svc), event}) }
	h.hooked(201, "POST", one+"/Channels", form("UniqueName", "a"))
	note(one, "onChannelAdded")
	h.hooked(201, "POST", two+"/Channels", form("UniqueName", "b"))
	note(two, "onChannelAdded")
	for range 3 {
		h.hooked(201, "POST", one+"/Channels/a/Messages", form("Body", "x"))
		note(one, "onMessageSent")
	}
	h.hooked(201, "POST", two+"/Users", form("Identity", "zed"))
	note(two, "onUserAdded")
	h.hooked(201, "POST", one+"/Users", form("Identity", "amy"))
	note(one, "onUserAdded")

	newestFirst := func(service string) []made {
		var out []made
		for i := len(commits) - 1; i >= 0; i-- {
			if service == "" || commits[i].service == service {
				out = append(out, commits[i])
			}
		}
		return out
	}
	check := func(t *testing.T, got []map[string]any, want []made) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%d deliveries, want %d:\n%s", len(got), len(want), deliverySummary(got))
		}
		for i, d := range got {
			if d["service_sid"] != want[i].service || d["event"] != want[i].event {
				t.Errorf("delivery %d: %v %v, want %v %v", i, d["service_sid"], d["event"], want[i].service, want[i].event)
			}
			if i > 0 && num(d["id"]) >= num(got[i-1]["id"]) {
				t.Errorf("delivery %d: id %v after id %v", i, d["id"], got[i-1]["id"])
			}
		}
	}

	t.Run("NewestFirst", func(t *testing.T) {
		body := h.get("/_chatd/deliveries")
		if key := obj(body["meta"])["key"]; key != "deliveries" {
			t.Errorf("meta.key = %v", key)
		}
		check(t, h.deliveries(""), newestFirst(""))
	})
	t.Run("ServiceSidFilter", func(t *testing.T) {
		check(t, h.deliveries(oneSid), newestFirst(oneSid))
		check(t, h.deliveries(twoSid), newestFirst(twoSid))
		if ds := h.deliveries("IS0123456789abcdef0123456789abcdef"); len(ds) != 0 {
			t.Errorf("an unknown Service has deliveries:\n%s", deliverySummary(ds))
		}
	})
	t.Run("PageSize", func(t *testing.T) {
		for _, size := range []int{1, 2, 4} {
			first := h.get("/_chatd/deliveries?PageSize=" + strconv.Itoa(size) + "&ServiceSid=" + oneSid)
			if n := len(items(first)); n != size {
				t.Errorf("PageSize=%d: first page has %d", size, n)
			}
			if ps := num(obj(first["meta"])["page_size"]); ps != size {
				t.Errorf("PageSize=%d: meta.page_size = %d", size, ps)
			}
			check(t, h.walk("/_chatd/deliveries?PageSize="+strconv.Itoa(size)+"&ServiceSid="+oneSid), newestFirst(oneSid))
			check(t, h.walk("/_chatd/deliveries?PageSize="+strconv.Itoa(size)), newestFirst(""))
		}
	})
	t.Run("PendingFields", func(t *testing.T) {
		ds := h.deliveries(twoSid)
		user, channel := ds[0], ds[1]
		for _, d := range ds {
			if d["status"] != "pending" || num(d["attempts"]) != 0 || num(d["max_retries"]) != 2 ||
				d["response_code"] != nil || d["error"] != nil || d["next_attempt"] == nil ||
				d["url"] != target || d["method"] != "POST" || d["webhook_sid"] != nil || d["webhook_type"] != nil {
				t.Errorf("pending delivery %v", d)
			}
			for _, k := range []string{"date_created", "date_updated", "next_attempt"} {
				if !hookDateRe.MatchString(str(d[k])) {
					t.Errorf("%s = %v", k, d[k])
				}
			}
		}
		if user["channel_sid"] != nil || !strings.HasPrefix(str(channel["channel_sid"]), "CH") {
			t.Errorf("channel_sid: user event %v, channel event %v", user["channel_sid"], channel["channel_sid"])
		}
		p := obj(channel["params"])
		if p["EventType"] != "onChannelAdded" || p["InstanceSid"] != twoSid || p["UniqueName"] != "b" || p["RetryCount"] != "0" {
			t.Errorf("params %v", p)
		}
	})
	t.Run("ErrBadServiceSid", func(t *testing.T) {
		for _, bad := range []string{"nope", "CH0123456789abcdef0123456789abcdef", "IS0123"} {
			h.wantError(h.do("GET", "/_chatd/deliveries?ServiceSid="+bad, nil), 400, 20001)
		}
	})
	t.Run("ErrNoCredentials", func(t *testing.T) {
		h.wantError(h.doAuth("GET", "/_chatd/deliveries", nil, "", ""), 401, 20003)
		h.wantError(h.doAuth("GET", "/_chatd/deliveries", nil, testAccount, "wrongtoken"), 401, 20003)
	})
}
