package model

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

func str(s string) *string { return &s }
func num(n int) *int       { return &n }
func strs(s ...string) *[]string {
	if s == nil {
		s = []string{}
	}
	return &s
}

// Values of every length limit, in runes and bytes.
var (
	name256 = strings.Repeat("é", MaxNameLength) // 256 runes, 512 bytes: limits count runes
	name257 = strings.Repeat("n", MaxNameLength+1)
	userSid = PrefixUser + strings.Repeat("0", 32)
	roleSid = PrefixRole + strings.Repeat("a", 32)
	credSid = PrefixCredential + strings.Repeat("F", 32)
)

// validateCase is one input and what its Validate answers: no error when
// code is 0, else the Twilio error with code, whose message names mention
// when it is set.
type validateCase struct {
	name    string
	in      interface{ Validate() error }
	code    int
	mention string
}

// validateCases hold every input type that has a Validate method
// (TestValidateCasesCoverEveryValidate keeps it so).
var validateCases = []validateCase{
	{"api key create", APIKeyCreate{FriendlyName: str("ci")}, 0, ""},
	{"api key create without a name", APIKeyCreate{}, 0, ""},
	{"api key create with a long name", APIKeyCreate{FriendlyName: str(strings.Repeat("k", MaxAPIKeyNameLength+1))}, 50003, ""},
	{"service create", ServiceCreate{FriendlyName: "support"}, 0, ""},
	{"service create with a 256-rune name", ServiceCreate{FriendlyName: name256}, 0, ""},
	{"service create without a name", ServiceCreate{}, 20001, "FriendlyName"},
	{"service create with a 257-character name", ServiceCreate{FriendlyName: name257}, 50003, ""},

	{"service update of nothing", ServiceUpdate{}, 0, ""},
	{"service update of every valid field", ServiceUpdate{
		FriendlyName: str(name256), DefaultServiceRoleSid: str(roleSid), DefaultChannelRoleSid: str(roleSid),
		DefaultChannelCreatorRoleSid: str(roleSid), TypingIndicatorTimeout: num(1), ConsumptionReportInterval: num(1),
		NewMessage:    NotificationUpdate{Template: str(strings.Repeat("t", MaxTemplateLength)), Sound: str(strings.Repeat("s", MaxSoundLength))},
		PreWebhookURL: str("https://example.com/pre"), PostWebhookURL: str("http://example.com:8080/post"),
		WebhookMethod: str("get"), WebhookFilters: strs("onMessageSent", "onUserAdded"),
		PreWebhookRetryCount: num(0), PostWebhookRetryCount: num(MaxRetryCount),
		LimitsChannelMembers: num(MaxLimit), LimitsUserChannels: num(1),
		Webhooks:                  map[string]EventWebhook{"onMessageSend": {URL: str("https://example.com/v1"), Method: str("post")}},
		MediaCompatibilityMessage: str(strings.Repeat("m", MaxMediaCompatLength)),
	}, 0, ""},
	{"service update clearing the URLs, method and filters", ServiceUpdate{
		PreWebhookURL: str(""), PostWebhookURL: str(""), WebhookMethod: str(""), WebhookFilters: strs(),
		Webhooks: map[string]EventWebhook{"onChannelAdded": {URL: str(""), Method: str("")}},
	}, 0, ""},
	{"service update with a long name", ServiceUpdate{FriendlyName: str(name257)}, 50003, ""},
	{"service update with a malformed default service role", ServiceUpdate{DefaultServiceRoleSid: str("RLnope")}, 20001, "DefaultServiceRoleSid"},
	{"service update with a user SID as default channel role", ServiceUpdate{DefaultChannelRoleSid: str(userSid)}, 20001, "DefaultChannelRoleSid"},
	{"service update with a malformed channel creator role", ServiceUpdate{DefaultChannelCreatorRoleSid: str("")}, 20001, "DefaultChannelCreatorRoleSid"},
	{"service update with a zero typing timeout", ServiceUpdate{TypingIndicatorTimeout: num(0)}, 50053, ""},
	{"service update with a zero consumption interval", ServiceUpdate{ConsumptionReportInterval: num(0)}, 50052, ""},
	{"service update with a long template", ServiceUpdate{InvitedToChannel: NotificationUpdate{Template: str(strings.Repeat("t", MaxTemplateLength+1))}}, 50058, ""},
	{"service update with a long sound", ServiceUpdate{RemovedFromChannel: NotificationUpdate{Sound: str(strings.Repeat("s", MaxSoundLength+1))}}, 50059, ""},
	{"service update with an ftp pre-webhook", ServiceUpdate{PreWebhookURL: str("ftp://example.com/")}, 50077, ""},
	{"service update with a relative post-webhook", ServiceUpdate{PostWebhookURL: str("/hooks")}, 50078, ""},
	{"service update with a hostless post-webhook", ServiceUpdate{PostWebhookURL: str("https://")}, 50078, ""},
	{"service update with a PUT webhook method", ServiceUpdate{WebhookMethod: str("PUT")}, 50055, ""},
	{"service update with an unknown webhook filter", ServiceUpdate{WebhookFilters: strs("onMessageSent", "onNothing")}, 20001, "onNothing"},
	{"service update with a negative pre-webhook retry count", ServiceUpdate{PreWebhookRetryCount: num(-1)}, 50065, ""},
	{"service update with a post-webhook retry count over the maximum", ServiceUpdate{PostWebhookRetryCount: num(MaxRetryCount + 1)}, 50065, ""},
	{"service update with no channel members", ServiceUpdate{LimitsChannelMembers: num(0)}, 50061, ""},
	{"service update with too many channel members", ServiceUpdate{LimitsChannelMembers: num(MaxLimit + 1)}, 50061, ""},
	{"service update with no user channels", ServiceUpdate{LimitsUserChannels: num(0)}, 50060, ""},
	{"service update with too many user channels", ServiceUpdate{LimitsUserChannels: num(MaxLimit + 1)}, 50060, ""},
	{"service update of a v1 webhook of an unknown event", ServiceUpdate{Webhooks: map[string]EventWebhook{"onUserAdded": {URL: str("https://example.com/")}}}, 20001, "onUserAdded"},
	{"service update of a v1 webhook with a malformed URL", ServiceUpdate{Webhooks: map[string]EventWebhook{"onMemberAdd": {URL: str("example.com")}}}, 50054, "onMemberAdd"},
	{"service update of a v1 webhook with a DELETE method", ServiceUpdate{Webhooks: map[string]EventWebhook{"onMemberAdd": {Method: str("DELETE")}}}, 50055, ""},
	{"service update with a long media compatibility message", ServiceUpdate{MediaCompatibilityMessage: str(strings.Repeat("m", MaxMediaCompatLength+1))}, 20001, fmt.Sprint(MaxMediaCompatLength)},

	{"role create", RoleCreate{FriendlyName: "mod", Type: RoleTypeChannel, Permissions: []string{"sendMessage", "sendMessage"}}, 0, ""},
	{"deployment role create with a user permission", RoleCreate{FriendlyName: "mod", Type: RoleTypeDeployment, Permissions: []string{"editOwnUserInfo"}}, 0, ""},
	{"role create without a name", RoleCreate{Type: RoleTypeChannel, Permissions: []string{"sendMessage"}}, 20001, "FriendlyName"},
	{"role create with a long name", RoleCreate{FriendlyName: name257, Type: RoleTypeChannel, Permissions: []string{"sendMessage"}}, 50003, ""},
	{"role create without a type", RoleCreate{FriendlyName: "mod", Permissions: []string{"sendMessage"}}, 20001, "Type"},
	{"role create of an unknown type", RoleCreate{FriendlyName: "mod", Type: "service", Permissions: []string{"sendMessage"}}, 50105, ""},
	{"role create without permissions", RoleCreate{FriendlyName: "mod", Type: RoleTypeChannel}, 20001, "Permission"},
	{"channel role create with a service-scope permission", RoleCreate{FriendlyName: "mod", Type: RoleTypeChannel, Permissions: []string{"editOwnUserInfo"}}, 50104, "editOwnUserInfo"},
	{"role create with an unknown permission", RoleCreate{FriendlyName: "mod", Type: RoleTypeDeployment, Permissions: []string{"createChannel", "fly"}}, 50104, "fly"},

	{"user create", UserCreate{Identity: "alice"}, 0, ""},
	{"user create with every field", UserCreate{Identity: name256, RoleSid: str(roleSid), Attributes: str(`{"a":[1,2]}`), FriendlyName: str(name256)}, 0, ""},
	{"user create with a lower-case us SID as identity", UserCreate{Identity: "us" + strings.Repeat("0", 32)}, 0, ""},
	{"user create with a 33-digit US identity", UserCreate{Identity: userSid + "0"}, 0, ""},
	{"user create without an identity", UserCreate{}, 20001, "Identity"},
	{"user create with a long identity", UserCreate{Identity: name257}, 50207, ""},
	{"user create with a User SID as identity", UserCreate{Identity: userSid}, 50206, ""},
	{"user create with a malformed role", UserCreate{Identity: "alice", RoleSid: str("admin")}, 20001, "RoleSid"},
	{"user create with a long friendly name", UserCreate{Identity: "alice", FriendlyName: str(name257)}, 50003, ""},
	{"user create with attributes that are not JSON", UserCreate{Identity: "alice", Attributes: str("{")}, 50304, ""},
	{"user create with too many attributes", UserCreate{Identity: "alice", Attributes: str(`"` + strings.Repeat("a", MaxAttributesLength-1) + `"`)}, 50303, ""},

	{"user update of nothing", UserUpdate{}, 0, ""},
	{"user update clearing the friendly name", UserUpdate{FriendlyName: str("")}, 0, ""},
	{"user update with the largest attributes", UserUpdate{Attributes: str(`"` + strings.Repeat("a", MaxAttributesLength-2) + `"`)}, 0, ""},
	{"user update with a malformed role", UserUpdate{RoleSid: str(userSid)}, 20001, "RoleSid"},
	{"user update with a long friendly name", UserUpdate{FriendlyName: str(name257)}, 50003, ""},
	{"user update with empty attributes", UserUpdate{Attributes: str("")}, 50304, ""},

	{"channel create of nothing", ChannelCreate{}, 0, ""},
	{"channel create of a private channel", ChannelCreate{Type: str(ChannelPrivate), UniqueName: str("room"), FriendlyName: str(name256), CreatedBy: str(name256)}, 0, ""},
	{"channel create of a public channel", ChannelCreate{Type: str(ChannelPublic)}, 0, ""},
	{"channel create of an unknown type", ChannelCreate{Type: str("secret")}, 20001, "Type"},
	{"channel create with a long friendly name", ChannelCreate{FriendlyName: str(name257)}, 50003, ""},
	{"channel create with a long unique name", ChannelCreate{UniqueName: str(name257)}, 50004, ""},
	{"channel create with a Channel SID as unique name", ChannelCreate{UniqueName: str(PrefixChannel + strings.Repeat("b", 32))}, 50306, ""},
	{"channel create with a long author", ChannelCreate{CreatedBy: str(name257)}, 50310, ""},
	{"channel create with attributes that are not JSON", ChannelCreate{Attributes: str("{'a':1}")}, 50304, ""},

	{"channel update of nothing", ChannelUpdate{}, 50347, ""},
	{"channel update clearing the names", ChannelUpdate{FriendlyName: str(""), UniqueName: str("")}, 0, ""},
	{"channel update to private", ChannelUpdate{Type: str(ChannelPrivate)}, 0, ""},
	{"channel update to public", ChannelUpdate{Type: str(ChannelPublic)}, 50393, ""},
	{"channel update with a messaging service", ChannelUpdate{MessagingServiceSid: str(PrefixMessagingService + strings.Repeat("c", 32))}, 0, ""},
	{"channel update with a malformed messaging service", ChannelUpdate{MessagingServiceSid: str("MG1")}, 20001, "MessagingServiceSid"},
	{"channel update with a Channel SID as unique name", ChannelUpdate{UniqueName: str(PrefixChannel + strings.Repeat("B", 32))}, 50306, ""},

	{"member create", MemberCreate{Identity: "alice", RoleSid: str(roleSid), LastConsumedMessageIndex: num(0), Attributes: str("[]")}, 0, ""},
	{"member create without an identity", MemberCreate{}, 20001, "Identity"},
	{"member create with a User SID as identity", MemberCreate{Identity: userSid}, 50206, ""},
	{"member create with a malformed role", MemberCreate{Identity: "alice", RoleSid: str("x")}, 20001, "RoleSid"},
	{"member create with a negative horizon", MemberCreate{Identity: "alice", LastConsumedMessageIndex: num(-1)}, 50406, ""},
	{"member create with attributes that are not JSON", MemberCreate{Identity: "alice", Attributes: str("nul")}, 50304, ""},

	{"member update of nothing", MemberUpdate{}, 0, ""},
	{"member update with a negative horizon", MemberUpdate{LastConsumedMessageIndex: num(-1)}, 50406, ""},
	{"member update with a malformed role", MemberUpdate{RoleSid: str("")}, 20001, "RoleSid"},
	{"member update with attributes that are not JSON", MemberUpdate{Attributes: str("{} {}")}, 50304, ""},

	{"message create of nothing", MessageCreate{}, 0, ""},
	{"message create with the longest body", MessageCreate{Body: str(strings.Repeat("b", MaxBodyLength)), From: str(name256), LastUpdatedBy: str(name256)}, 0, ""},
	{"message create with media", MessageCreate{MediaSid: str(PrefixMedia + strings.Repeat("d", 32))}, 0, ""},
	{"message create with a malformed media SID", MessageCreate{MediaSid: str("ME123")}, 20001, "MediaSid"},
	{"message create with a body one byte too long", MessageCreate{Body: str(strings.Repeat("b", MaxBodyLength+1))}, 50504, ""},
	{"message create with a long author", MessageCreate{From: str(name257)}, 50310, ""},
	{"message create with a long editor", MessageCreate{LastUpdatedBy: str(name257)}, 50505, ""},
	{"message create with attributes that are not JSON", MessageCreate{Attributes: str("{")}, 50304, ""},

	{"message update of nothing", MessageUpdate{}, 0, ""},
	{"message update with a body of multi-byte runes over the byte limit", MessageUpdate{Body: str(strings.Repeat("é", MaxBodyLength/2+1))}, 50504, ""},
	{"message update with a long editor", MessageUpdate{LastUpdatedBy: str(name257)}, 50505, ""},
	{"message update with a long author", MessageUpdate{From: str(name257)}, 50310, ""},
	{"message update with attributes that are not JSON", MessageUpdate{Attributes: str("]")}, 50304, ""},

	{"invite create", InviteCreate{Identity: "alice", RoleSid: str(roleSid)}, 0, ""},
	{"invite create without an identity", InviteCreate{}, 20001, "Identity"},
	{"invite create with a long identity", InviteCreate{Identity: name257}, 50207, ""},
	{"invite create with a malformed role", InviteCreate{Identity: "alice", RoleSid: str(credSid)}, 20001, "RoleSid"},

	{"user channel update of nothing", UserChannelUpdate{}, 0, ""},
	{"user channel update muting", UserChannelUpdate{NotificationLevel: str(NotificationMuted), LastConsumedMessageIndex: num(3)}, 0, ""},
	{"user channel update with an unknown level", UserChannelUpdate{NotificationLevel: str("loud")}, 50210, ""},
	{"user channel update with a negative horizon", UserChannelUpdate{LastConsumedMessageIndex: num(-1)}, 50406, ""},
	{"my channel update muting", MyChannelUpdate{NotificationLevel: str(NotificationMuted)}, 0, ""},
	{"my channel update clearing the horizon", MyChannelUpdate{SetConsumed: true}, 0, ""},
	{"my channel update with an unknown level", MyChannelUpdate{NotificationLevel: str("loud")}, 50210, ""},
	{"my channel update with a negative horizon", MyChannelUpdate{SetConsumed: true, LastConsumedMessageIndex: num(-1)}, 50406, ""},

	{"credential create", CredentialCreate{Type: PushFCM, CredentialUpdate: CredentialUpdate{Secret: str("s")}}, 0, ""},
	{"credential create without a type", CredentialCreate{}, 20001, "Type"},
	{"credential create of an unknown type", CredentialCreate{Type: "sms"}, 20001, "sms"},
	{"credential create with a long name", CredentialCreate{Type: PushAPN, CredentialUpdate: CredentialUpdate{FriendlyName: str(strings.Repeat("c", MaxCredentialNameLength+1))}}, 50003, ""},

	{"credential update of nothing", CredentialUpdate{}, 0, ""},
	{"credential update with the longest name", CredentialUpdate{FriendlyName: str(strings.Repeat("c", MaxCredentialNameLength))}, 0, ""},
	{"credential update with a long name", CredentialUpdate{FriendlyName: str(strings.Repeat("c", MaxCredentialNameLength+1))}, 50003, ""},

	{"binding create", BindingCreate{Identity: "alice", BindingType: PushAPN, Endpoint: "ep", CredentialSid: credSid}, 0, ""},
	{"binding create with message types", BindingCreate{Identity: "alice", BindingType: PushFCM, Endpoint: strings.Repeat("e", MaxEndpointLength), CredentialSid: credSid, MessageTypes: []string{"new_message"}}, 0, ""},
	{"binding create without an identity", BindingCreate{BindingType: PushAPN, Endpoint: "ep", CredentialSid: credSid}, 20001, "Identity"},
	{"binding create without a type", BindingCreate{Identity: "alice", Endpoint: "ep", CredentialSid: credSid}, 20001, "BindingType"},
	{"binding create of an unknown type", BindingCreate{Identity: "alice", BindingType: "sms", Endpoint: "ep", CredentialSid: credSid}, 50209, "sms"},
	{"binding create without an endpoint", BindingCreate{Identity: "alice", BindingType: PushGCM, CredentialSid: credSid}, 20001, "Endpoint"},
	{"binding create with a long endpoint", BindingCreate{Identity: "alice", BindingType: PushGCM, Endpoint: strings.Repeat("e", MaxEndpointLength+1), CredentialSid: credSid}, 20001, fmt.Sprint(MaxEndpointLength)},
	{"binding create without a credential", BindingCreate{Identity: "alice", BindingType: PushGCM, Endpoint: "ep"}, 20001, "CredentialSid"},
	{"binding create with a malformed credential", BindingCreate{Identity: "alice", BindingType: PushGCM, Endpoint: "ep", CredentialSid: roleSid}, 20001, "CredentialSid"},
	{"binding create with an unknown message type", BindingCreate{Identity: "alice", BindingType: PushGCM, Endpoint: "ep", CredentialSid: credSid, MessageTypes: []string{"new_message", "spam"}}, 20001, "spam"},

	{"binding filter of nothing", BindingFilter{}, 0, ""},
	{"binding filter of known types", BindingFilter{Types: []string{PushAPN, PushFCM}, Identities: []string{"anything"}}, 0, ""},
	{"binding filter of an unknown type", BindingFilter{Types: []string{PushAPN, "APN"}}, 50209, "APN"},

	{"webhook create", ChannelWebhookCreate{Type: WebhookTypeWebhook, ChannelWebhookUpdate: ChannelWebhookUpdate{URL: str("https://example.com/h"), Filters: strs("onMessageSent")}}, 0, ""},
	{"trigger create", ChannelWebhookCreate{Type: WebhookTypeTrigger, ChannelWebhookUpdate: ChannelWebhookUpdate{URL: str("https://example.com/h"), Method: str("get"), Triggers: strs("a", "b", "c", "d", "e")}}, 0, ""},
	{"studio create", ChannelWebhookCreate{Type: WebhookTypeStudio, ChannelWebhookUpdate: ChannelWebhookUpdate{FlowSid: str(PrefixFlow + strings.Repeat("e", 32))}}, 0, ""},
	{"webhook create without a type", ChannelWebhookCreate{}, 20001, "Type"},
	{"webhook create of an unknown type", ChannelWebhookCreate{Type: "email"}, 50324, "email"},
	{"webhook create without a URL", ChannelWebhookCreate{Type: WebhookTypeWebhook, ChannelWebhookUpdate: ChannelWebhookUpdate{Filters: strs("onMessageSent")}}, 50329, ""},
	{"webhook create with an empty URL", ChannelWebhookCreate{Type: WebhookTypeTrigger, ChannelWebhookUpdate: ChannelWebhookUpdate{URL: str(""), Triggers: strs("a")}}, 50329, ""},
	{"webhook create without filters", ChannelWebhookCreate{Type: WebhookTypeWebhook, ChannelWebhookUpdate: ChannelWebhookUpdate{URL: str("https://example.com/h"), Filters: strs()}}, 50330, ""},
	{"trigger create without triggers", ChannelWebhookCreate{Type: WebhookTypeTrigger, ChannelWebhookUpdate: ChannelWebhookUpdate{URL: str("https://example.com/h")}}, 50331, ""},
	{"studio create without a flow", ChannelWebhookCreate{Type: WebhookTypeStudio}, 50327, ""},

	{"webhook update of nothing", ChannelWebhookUpdate{}, 0, ""},
	{"webhook update with the longest URL", ChannelWebhookUpdate{URL: str("https://example.com/" + strings.Repeat("u", MaxWebhookURLLength-20))}, 0, ""},
	{"webhook update with a URL one character too long", ChannelWebhookUpdate{URL: str("https://example.com/" + strings.Repeat("u", MaxWebhookURLLength-19))}, 50332, ""},
	{"webhook update with a mailto URL", ChannelWebhookUpdate{URL: str("mailto:a@example.com")}, 20001, "Configuration.Url"},
	{"webhook update with a PATCH method", ChannelWebhookUpdate{Method: str("PATCH")}, 20001, "Configuration.Method"},
	{"webhook update with an empty method", ChannelWebhookUpdate{Method: str("")}, 20001, "Configuration.Method"},
	{"webhook update with an unknown filter", ChannelWebhookUpdate{Filters: strs("onTyping")}, 50325, "onTyping"},
	{"webhook update with six triggers", ChannelWebhookUpdate{Triggers: strs("a", "b", "c", "d", "e", "f")}, 50322, ""},
	{"webhook update with an empty trigger", ChannelWebhookUpdate{Triggers: strs("a", "")}, 50326, ""},
	{"webhook update with a malformed flow", ChannelWebhookUpdate{FlowSid: str("FW")}, 50327, "FW"},
	{"webhook update with a retry count over the maximum", ChannelWebhookUpdate{RetryCount: num(MaxRetryCount + 1)}, 50065, ""},
	{"webhook update with a negative retry count", ChannelWebhookUpdate{RetryCount: num(-1)}, 50065, ""},
}

func TestValidate(t *testing.T) {
	for _, c := range validateCases {
		t.Run(c.name, func(t *testing.T) {
			err := c.in.Validate()
			if c.code == 0 {
				if err != nil {
					t.Fatalf("%T.Validate() = %v, want nil", c.in, err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || int(e.Code) != c.code {
				t.Fatalf("%T.Validate() = %v, want Twilio error %d", c.in, err, c.code)
			}
			if e.Message == "" {
				t.Errorf("error %d has no message", e.Code)
			}
			if !strings.Contains(e.Message, c.mention) {
				t.Errorf("message %q does not name %q", e.Message, c.mention)
			}
		})
	}
}

// TestValidateCasesCoverEveryValidate fails when a type of this package has
// a Validate method that validateCases never calls, both valid and not.
func TestValidateCasesCoverEveryValidate(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var types []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil && fn.Name.Name == "Validate" {
				if id, ok := fn.Recv.List[0].Type.(*ast.Ident); ok {
					types = append(types, "model."+id.Name)
				}
			}
		}
	}
	if len(types) < 10 {
		t.Fatalf("found only %v: the parse looks in the wrong place", types)
	}
	valid, invalid := map[string]bool{}, map[string]bool{}
	for _, c := range validateCases {
		if c.code == 0 {
			valid[fmt.Sprintf("%T", c.in)] = true
		} else {
			invalid[fmt.Sprintf("%T", c.in)] = true
		}
	}
	for _, typ := range types {
		if !valid[typ] || !invalid[typ] {
			t.Errorf("%s.Validate has no valid case or no invalid case in validateCases", typ)
		}
	}
}
