package speccheck_test

// The checker against Twilio's Chat v2 spec itself, with hand-made bodies:
// these tests skip without the spec files (and fail under CI).

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/speccheck"
)

// Sample values for hand-made bodies.
const (
	sampleHex     = "0123456789abcdef0123456789abcdef"
	sampleBase    = "https://chat.twilio.com/v2"
	sampleDate    = "2024-01-02T03:04:05Z"
	sampleService = "IS" + sampleHex
	sampleAccount = "AC" + sampleHex
	sampleRole    = "RL" + sampleHex
	sampleChannel = "CH" + sampleHex
	sampleUser    = "US" + sampleHex
	sampleMember  = "MB" + sampleHex
	sampleMessage = "IM" + sampleHex
)

func serviceBody() map[string]any {
	u := sampleBase + "/Services/" + sampleService
	return map[string]any{
		"sid":                              sampleService,
		"account_sid":                      sampleAccount,
		"friendly_name":                    "friendly",
		"date_created":                     sampleDate,
		"date_updated":                     sampleDate,
		"default_service_role_sid":         sampleRole,
		"default_channel_role_sid":         sampleRole,
		"default_channel_creator_role_sid": sampleRole,
		"read_status_enabled":              true,
		"reachability_enabled":             false,
		"typing_indicator_timeout":         5,
		"consumption_report_interval":      10,
		"limits":                           map[string]any{"channel_members": 100, "user_channels": 250},
		"pre_webhook_url":                  nil,
		"post_webhook_url":                 nil,
		"webhook_method":                   nil,
		"webhook_filters":                  nil,
		"pre_webhook_retry_count":          0,
		"post_webhook_retry_count":         0,
		"notifications":                    map[string]any{"log_enabled": false},
		"media":                            map[string]any{"size_limit_mb": 150},
		"url":                              u,
		"links": map[string]any{
			"channels": u + "/Channels", "users": u + "/Users",
			"roles": u + "/Roles", "bindings": u + "/Bindings",
		},
	}
}

func channelBody() map[string]any {
	u := sampleBase + "/Services/" + sampleService + "/Channels/" + sampleChannel
	return map[string]any{
		"sid":            sampleChannel,
		"account_sid":    sampleAccount,
		"service_sid":    sampleService,
		"friendly_name":  "General",
		"unique_name":    "general",
		"attributes":     "{}",
		"type":           "public",
		"date_created":   sampleDate,
		"date_updated":   sampleDate,
		"created_by":     "system",
		"members_count":  1,
		"messages_count": 2,
		"url":            u,
		"links": map[string]any{
			"members": u + "/Members", "messages": u + "/Messages", "invites": u + "/Invites",
			"webhooks": u + "/Webhooks", "last_message": u + "/Messages/" + sampleMessage,
		},
	}
}

func userChannelBody() map[string]any {
	ch := sampleBase + "/Services/" + sampleService + "/Channels/" + sampleChannel
	return map[string]any{
		"account_sid":                 sampleAccount,
		"service_sid":                 sampleService,
		"channel_sid":                 sampleChannel,
		"user_sid":                    sampleUser,
		"member_sid":                  sampleMember,
		"status":                      "joined",
		"last_consumed_message_index": 1,
		"unread_messages_count":       0,
		"links":                       map[string]any{"channel": ch, "member": ch + "/Members/" + sampleMember},
		"url":                         sampleBase + "/Services/" + sampleService + "/Users/" + sampleUser + "/Channels/" + sampleChannel,
		"notification_level":          "default",
	}
}

func channelListBody(channels ...map[string]any) map[string]any {
	u := sampleBase + "/Services/" + sampleService + "/Channels?PageSize=50&Page=0"
	items := make([]any, len(channels))
	for i, ch := range channels {
		items[i] = ch
	}
	return map[string]any{
		"channels": items,
		"meta": map[string]any{
			"page": 0, "page_size": 50, "first_page_url": u, "previous_page_url": nil,
			"url": u, "next_page_url": nil, "key": "channels",
		},
	}
}

// run checks body against the Chat specs and returns the mismatches; it
// fails t unless Check validated the body.
func run(t *testing.T, method, path string, status int, body any) []string {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	validated, errs := speccheck.For(t).Check(method, path, status, raw)
	if !validated {
		t.Fatalf("Check(%s %s %d) validated nothing, want the body validated", method, path, status)
	}
	return errs
}

// mismatchCase is a hand-made body the checker must report exactly once, at
// path, with a message containing msg.
type mismatchCase struct {
	name   string
	mutate func(b map[string]any)
	path   string
	msg    string
}

func runCases(t *testing.T, method, path string, fresh func() map[string]any, cases []mismatchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := fresh()
			tc.mutate(b)
			errs := run(t, method, path, http.StatusOK, b)
			if len(errs) != 1 {
				t.Fatalf("reported %d mismatches, want 1 at %s:\n%s", len(errs), tc.path, strings.Join(errs, "\n"))
			}
			if !strings.Contains(errs[0], ": "+tc.path+": ") || !strings.Contains(errs[0], tc.msg) {
				t.Errorf("reported %q, want one naming %s and saying %q", errs[0], tc.path, tc.msg)
			}
		})
	}
}

func links(b map[string]any) map[string]any { return b["links"].(map[string]any) }

func TestChatService(t *testing.T) {
	speccheck.Require(t, "twilio_chat_v2.json")
	path := "/v2/Services/" + sampleService

	t.Run("correct body passes", func(t *testing.T) {
		if errs := run(t, http.MethodGet, path, http.StatusOK, serviceBody()); len(errs) > 0 {
			t.Errorf("a correct body was reported:\n%s", strings.Join(errs, "\n"))
		}
	})
	valid := []struct {
		name   string
		mutate func(b map[string]any)
	}{
		{"nullable property null", func(b map[string]any) { b["friendly_name"] = nil }},
		{"nullable array null", func(b map[string]any) { b["webhook_filters"] = nil }},
		{"string array", func(b map[string]any) { b["webhook_filters"] = []any{"onMessageSent", "onChannelAdded"} }},
		{"untyped property takes any value", func(b map[string]any) { b["limits"] = "anything" }},
		{"untyped property null", func(b map[string]any) { b["media"] = nil }},
		{"null link", func(b map[string]any) { links(b)["bindings"] = nil }},
		{"links null", func(b map[string]any) { b["links"] = nil }},
		{"https and http URLs", func(b map[string]any) { b["url"] = "http://127.0.0.1:8080/v2/Services/" + sampleService }},
	}
	for _, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			b := serviceBody()
			tc.mutate(b)
			if errs := run(t, http.MethodGet, path, http.StatusOK, b); len(errs) > 0 {
				t.Errorf("a valid body was reported:\n%s", strings.Join(errs, "\n"))
			}
		})
	}

	runCases(t, http.MethodGet, path, serviceBody, []mismatchCase{
		{"missing property", func(b map[string]any) { delete(b, "friendly_name") }, "friendly_name", "missing"},
		{"extra property", func(b map[string]any) { b["webhooks"] = map[string]any{} }, "webhooks", "extra property"},
		{"string for integer", func(b map[string]any) { b["typing_indicator_timeout"] = "5" }, "typing_indicator_timeout", "want integer, got string"},
		{"fraction for integer", func(b map[string]any) { b["consumption_report_interval"] = 10.5 }, "consumption_report_interval", "want integer, got number"},
		{"string for boolean", func(b map[string]any) { b["read_status_enabled"] = "true" }, "read_status_enabled", "want boolean, got string"},
		{"number for string", func(b map[string]any) { b["friendly_name"] = 7 }, "friendly_name", "want string, got integer"},
		{"string for array", func(b map[string]any) { b["webhook_filters"] = "onMessageSent" }, "webhook_filters", "want array, got string"},
		{"bad array item", func(b map[string]any) { b["webhook_filters"] = []any{"onMessageSent", 3} }, "webhook_filters[1]", "want string, got integer"},
		{"null in non-nullable", func(b map[string]any) { b["typing_indicator_timeout"] = nil }, "typing_indicator_timeout", "not nullable"},
		{"malformed SID", func(b map[string]any) { b["sid"] = "IS" + strings.Repeat("z", 32) }, "sid", "does not match the pattern"},
		{"SID of another resource", func(b map[string]any) { b["default_service_role_sid"] = sampleService }, "default_service_role_sid", "does not match the pattern"},
		{"date with milliseconds", func(b map[string]any) { b["date_created"] = "2024-01-02T03:04:05.000Z" }, "date_created", "want a date-time"},
		{"date with offset", func(b map[string]any) { b["date_updated"] = "2024-01-02T03:04:05+00:00" }, "date_updated", "want a date-time"},
		{"impossible date", func(b map[string]any) { b["date_updated"] = "2024-13-02T03:04:05Z" }, "date_updated", "not a valid date-time"},
		{"relative url", func(b map[string]any) { b["url"] = "/v2/Services/" + sampleService }, "url", "absolute http(s) URL"},
		{"non-http url", func(b map[string]any) { b["url"] = "ftp://chat.twilio.com/v2" }, "url", "absolute http(s) URL"},
		{"relative link", func(b map[string]any) { links(b)["channels"] = "/v2/Services/" + sampleService + "/Channels" }, "links.channels", "absolute http(s) URL"},
		{"non-string link", func(b map[string]any) { links(b)["users"] = 5 }, "links.users", "absolute http(s) URL or null"},
		{"links not an object", func(b map[string]any) { b["links"] = "x" }, "links", "want object, got string"},
	})

	t.Run("every mismatch reported", func(t *testing.T) {
		b := serviceBody()
		delete(b, "sid")
		b["extra"] = true
		b["url"] = "relative"
		errs := run(t, http.MethodGet, path, http.StatusOK, b)
		for _, want := range []string{": sid: ", ": extra: ", ": url: "} {
			found := false
			for _, e := range errs {
				found = found || strings.Contains(e, want)
			}
			if !found {
				t.Errorf("nothing reported at %q in:\n%s", want, strings.Join(errs, "\n"))
			}
		}
		if len(errs) != 3 {
			t.Errorf("reported %d mismatches, want 3:\n%s", len(errs), strings.Join(errs, "\n"))
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		validated, errs := speccheck.For(t).Check(http.MethodGet, path, http.StatusOK, []byte("<html>"))
		if !validated || len(errs) != 1 {
			t.Errorf("a non-JSON body: reported %q, want one mismatch", errs)
		}
	})
	t.Run("array body", func(t *testing.T) {
		errs := run(t, http.MethodGet, path, http.StatusOK, []any{})
		if len(errs) != 1 || !strings.Contains(errs[0], "(body): want object, got array") {
			t.Errorf("an array body: reported %q", errs)
		}
	})
}

func TestChatEnums(t *testing.T) {
	speccheck.Require(t, "twilio_chat_v2.json")
	channel := "/v2/Services/" + sampleService + "/Channels/" + sampleChannel
	userChannel := "/v2/Services/" + sampleService + "/Users/" + sampleUser + "/Channels/" + sampleChannel

	for _, typ := range []string{"public", "private"} {
		b := channelBody()
		b["type"] = typ
		if errs := run(t, http.MethodGet, channel, http.StatusOK, b); len(errs) > 0 {
			t.Errorf("channel type %q reported:\n%s", typ, strings.Join(errs, "\n"))
		}
	}
	// Both spellings of the v2 spec quirk pass (the checker accepts both).
	for _, status := range []string{"joined", "invited", "notParticipating", "not_participating"} {
		b := userChannelBody()
		b["status"] = status
		if errs := run(t, http.MethodPost, userChannel, http.StatusOK, b); len(errs) > 0 {
			t.Errorf("user channel status %q reported:\n%s", status, strings.Join(errs, "\n"))
		}
	}
	invited := userChannelBody()
	invited["member_sid"], links(invited)["member"] = nil, nil
	invited["last_consumed_message_index"], invited["unread_messages_count"] = nil, nil
	if errs := run(t, http.MethodGet, userChannel, http.StatusOK, invited); len(errs) > 0 {
		t.Errorf("invited user channel reported:\n%s", strings.Join(errs, "\n"))
	}

	runCases(t, http.MethodGet, channel, channelBody, []mismatchCase{
		{"bad enum", func(b map[string]any) { b["type"] = "secret" }, "type", "want one of the enum"},
		{"enum is case-sensitive", func(b map[string]any) { b["type"] = "Public" }, "type", "want one of the enum"},
		{"null in a bare enum $ref", func(b map[string]any) { b["type"] = nil }, "type", "not nullable"},
		{"number for enum", func(b map[string]any) { b["type"] = 1 }, "type", "want string, got integer"},
		{"relative last_message", func(b map[string]any) { links(b)["last_message"] = "Messages/" + sampleMessage }, "links.last_message", "absolute http(s) URL"},
	})
	runCases(t, http.MethodGet, userChannel, userChannelBody, []mismatchCase{
		{"bad status", func(b map[string]any) { b["status"] = "left" }, "status", "want one of the enum"},
		{"bad notification level", func(b map[string]any) { b["notification_level"] = "loud" }, "notification_level", "want one of the enum"},
		{"null notification level", func(b map[string]any) { b["notification_level"] = nil }, "notification_level", "not nullable"},
		{"empty notification level", func(b map[string]any) { b["notification_level"] = "" }, "notification_level", "want one of the enum"},
		{"null status", func(b map[string]any) { b["status"] = nil }, "status", "not nullable"},
	})
}

func TestChatList(t *testing.T) {
	speccheck.Require(t, "twilio_chat_v2.json")
	path := "/v2/Services/" + sampleService + "/Channels"

	if errs := run(t, http.MethodGet, path, http.StatusOK, channelListBody()); len(errs) > 0 {
		t.Errorf("an empty list reported:\n%s", strings.Join(errs, "\n"))
	}
	if errs := run(t, http.MethodGet, path, http.StatusOK, channelListBody(channelBody(), channelBody())); len(errs) > 0 {
		t.Errorf("a list of two reported:\n%s", strings.Join(errs, "\n"))
	}
	fresh := func() map[string]any { return channelListBody(channelBody(), channelBody()) }
	meta := func(b map[string]any) map[string]any { return b["meta"].(map[string]any) }
	item := func(b map[string]any, i int) map[string]any { return b["channels"].([]any)[i].(map[string]any) }
	runCases(t, http.MethodGet, path, fresh, []mismatchCase{
		{"bad item link", func(b map[string]any) { links(item(b, 0))["last_message"] = "nope" }, "channels[0].links.last_message", "absolute http(s) URL"},
		{"missing item property", func(b map[string]any) { delete(item(b, 1), "members_count") }, "channels[1].members_count", "missing"},
		{"extra item property", func(b map[string]any) { item(b, 1)["is_online"] = nil }, "channels[1].is_online", "extra property"},
		{"items not an array", func(b map[string]any) { b["channels"] = map[string]any{} }, "channels", "want array, got object"},
		{"missing items", func(b map[string]any) { delete(b, "channels") }, "channels", "missing"},
		{"missing meta", func(b map[string]any) { delete(b, "meta") }, "meta", "missing"},
		{"extra top-level", func(b map[string]any) { b["services"] = []any{} }, "services", "extra property"},
		{"missing meta.key", func(b map[string]any) { delete(meta(b), "key") }, "meta.key", "missing"},
		{"extra meta property", func(b map[string]any) { meta(b)["total"] = 2 }, "meta.total", "extra property"},
		{"string meta.page", func(b map[string]any) { meta(b)["page"] = "0" }, "meta.page", "want integer, got string"},
		{"null meta.page_size", func(b map[string]any) { meta(b)["page_size"] = nil }, "meta.page_size", "not nullable"},
		{"null meta.first_page_url", func(b map[string]any) { meta(b)["first_page_url"] = nil }, "meta.first_page_url", "not nullable"},
		{"relative meta.next_page_url", func(b map[string]any) { meta(b)["next_page_url"] = "/v2/Services?Page=1" }, "meta.next_page_url", "absolute http(s) URL"},
	})
}

func TestChatMatching(t *testing.T) {
	s := speccheck.Require(t, "twilio_chat_v2.json")
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/v2/Services", "GET /v2/Services"},
		{"GET", "/v2/Services/" + sampleService, "GET /v2/Services/{Sid}"},
		{"post", "/v2/Services/" + sampleService + "/Channels/general", "POST /v2/Services/{ServiceSid}/Channels/{Sid}"},
		{"GET", "/v2/Services/" + sampleService + "/Channels/general/Members", "GET /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Members"},
		{"GET", "/v2/Services/" + sampleService + "/Users/alice/Channels", "GET /v2/Services/{ServiceSid}/Users/{UserSid}/Channels"},
		{"DELETE", "/v2/Services/" + sampleService + "/Users/alice/Channels/general", "DELETE /v2/Services/{ServiceSid}/Users/{UserSid}/Channels/{ChannelSid}"},
		{"GET", "/v2/Services/" + sampleService + "/Channels/a%2Fb", "GET /v2/Services/{ServiceSid}/Channels/{Sid}"},
		{"GET", "http://127.0.0.1:1234/v2/Services/" + sampleService + "/Roles?PageSize=1&Page=0", "GET /v2/Services/{ServiceSid}/Roles"},
		{"GET", "/v2/Services/" + sampleService + "/Roles?PageSize=1", "GET /v2/Services/{ServiceSid}/Roles"},
		{"GET", "/v2/Services/", ""},
		{"GET", "/v2/Services//Roles", ""},
		{"GET", "/v2/Nothing", ""},
		{"PUT", "/v2/Services", ""},
		{"GET", "/_chatd/health", ""},
	} {
		got := ""
		if op := s.Match(tc.method, tc.path); op != nil {
			got = op.String()
		}
		if got != tc.want {
			t.Errorf("match(%s %s) = %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestChatSkips(t *testing.T) {
	s := speccheck.Require(t, "twilio_chat_v2.json")
	svc := "/v2/Services/" + sampleService
	errBody := []byte(`{"code":20404,"message":"not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404}`)
	for _, tc := range []struct {
		name, method, path string
		status             int
		body               []byte
	}{
		{"204 has no schema", http.MethodDelete, svc, http.StatusNoContent, nil},
		{"error status has no schema", http.MethodGet, svc, http.StatusNotFound, errBody},
		{"201 is not a fetch status", http.MethodGet, svc, http.StatusCreated, []byte(`{}`)},
		{"no such path", http.MethodGet, "/v2/Nothing", http.StatusOK, []byte(`{}`)},
		{"no such method", http.MethodPut, svc, http.StatusOK, []byte(`{}`)},
		{"health", http.MethodGet, "/_chatd/health", http.StatusOK, []byte(`{"status":"ok"}`)},
	} {
		validated, errs := s.Check(tc.method, tc.path, tc.status, tc.body)
		if validated {
			t.Errorf("%s: validated, want nothing checked", tc.name)
		}
		if len(errs) > 0 {
			t.Errorf("%s: reported %q", tc.name, errs)
		}
	}
	// A body that does not fit is reported whatever the form of the target.
	for _, target := range []string{
		svc,
		svc + "?x=1",
		"http://127.0.0.1:1234" + svc,
		"https://chat.twilio.com" + svc + "?x=1",
	} {
		if validated, errs := s.Check(http.MethodGet, target, http.StatusOK, []byte(`{}`)); !validated || len(errs) == 0 {
			t.Errorf("Check(GET %s, {}) did not report the missing properties", target)
		}
	}
}
