package webhook_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"maps"
	"slices"
	"testing"

	"github.com/twilio/twilio-go/client"

	"github.com/chatd/chatd/webhook"
)

// flatten turns single-valued parameters into the map twilio-go's validator
// takes; it fails the test on a repeated name, which that map cannot hold.
func flatten(t *testing.T, params map[string][]string) map[string]string {
	t.Helper()
	out := make(map[string]string, len(params))
	for k, vs := range params {
		if len(vs) != 1 {
			t.Fatalf("parameter %s has %d values; twilio-go validates single values only", k, len(vs))
		}
		out[k] = vs[0]
	}
	return out
}

// validates reports whether twilio-go's own validator accepts sig for a
// request to url with the given POST parameters.
func validates(t *testing.T, token, url string, params map[string][]string, sig string) bool {
	t.Helper()
	v := client.NewRequestValidator(token)
	return v.Validate(url, flatten(t, params), sig)
}

// hmacBase64 is the expected signature computed here, independently of
// Sign: HMAC-SHA1 keyed with token over data, base64-encoded.
func hmacBase64(token, data string) string {
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(data))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// postCases are POST parameter sets Sign must sign as Twilio does.
var postCases = []struct {
	name   string
	url    string
	params map[string][]string
}{
	{"no parameters", "https://example.com/hook", nil},
	{"empty parameter map", "https://example.com/hook", map[string][]string{}},
	{"one parameter", "https://example.com/hook", map[string][]string{"EventType": {"onMessageSent"}}},
	{
		// Byte order puts every upper-case name before every lower-case
		// one, and a name before the longer names it prefixes; a
		// case-insensitive sort would give another order.
		"names whose byte order differs from their case-insensitive order",
		"https://example.com/hook",
		map[string][]string{
			"attributes": {"{}"}, "Body": {"hello"}, "ZetaParam": {"z"}, "alpha": {"a"},
			"Reason": {"r"}, "ReasonConferenceEnded": {"rce"}, "_under": {"u"}, "a1": {"digit"}, "A": {"capital"},
		},
	},
	{
		"values with spaces, unicode, ampersands and equals signs",
		"https://example.com/hook",
		map[string][]string{
			"Body":       {"hello world & friends = all"},
			"Attributes": {`{"k":"v w","emoji":"😀"}`},
			"From":       {"Zoë Ünïcødé"},
			"Empty":      {""},
			"Query":      {"a=1&b=2"},
		},
	},
	{
		"a URL with a port, an escaped path and a query",
		"http://127.0.0.1:8080/path/to%20hook?x=1&y=two",
		map[string][]string{"ChannelSid": {"CH00000000000000000000000000000001"}, "RetryCount": {"0"}},
	},
}

func TestSignValidatesWithTwilioValidator(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	for _, c := range postCases {
		t.Run(c.name, func(t *testing.T) {
			sig := webhook.Sign(token, c.url, c.params)
			if !validates(t, token, c.url, c.params, sig) {
				t.Fatalf("twilio-go rejects Sign(%q, %v) = %s", c.url, c.params, sig)
			}
		})
	}
}

func TestSignDoesNotValidateAChangedRequest(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	url := "https://example.com/hook?x=1"
	params := map[string][]string{"Body": {"hello"}, "ChannelSid": {"CH1"}, "RetryCount": {"0"}}
	sig := webhook.Sign(token, url, params)
	if !validates(t, token, url, params, sig) {
		t.Fatal("the unchanged request does not validate")
	}
	with := func(edit func(map[string][]string)) map[string][]string {
		p := maps.Clone(params)
		edit(p)
		return p
	}
	for _, c := range []struct {
		name   string
		token  string
		url    string
		params map[string][]string
	}{
		{"a changed value", token, url, with(func(p map[string][]string) { p["Body"] = []string{"hellO"} })},
		{"a changed retry count", token, url, with(func(p map[string][]string) { p["RetryCount"] = []string{"1"} })},
		{"an added parameter", token, url, with(func(p map[string][]string) { p["Extra"] = []string{""} })},
		{"a removed parameter", token, url, with(func(p map[string][]string) { delete(p, "ChannelSid") })},
		{"a renamed parameter", token, url, with(func(p map[string][]string) { p["body"] = p["Body"]; delete(p, "Body") })},
		{"a changed path", token, "https://example.com/hook2?x=1", params},
		{"a changed query", token, "https://example.com/hook?x=2", params},
		{"a changed host", token, "https://example.org/hook?x=1", params},
		{"a changed scheme", token, "http://example.com/hook?x=1", params},
		{"a changed token", token + "0", url, params},
	} {
		t.Run(c.name, func(t *testing.T) {
			if validates(t, c.token, c.url, c.params, sig) {
				t.Errorf("twilio-go accepts the signature of the original request for %s", c.name)
			}
		})
	}
}

func TestSignGET(t *testing.T) {
	// A GET carries its parameters in the query, which is part of the
	// signed URL; there are no POST parameters.
	const token = "0123456789abcdef0123456789abcdef"
	url := "https://example.com/hook?Body=hello+world&ChannelSid=CH1&EventType=onMessageSent&RetryCount=0"
	sig := webhook.Sign(token, url, nil)
	if got, want := sig, hmacBase64(token, url); got != want {
		t.Errorf("Sign(GET) = %s, want HMAC of the URL alone %s", got, want)
	}
	if !validates(t, token, url, nil, sig) {
		t.Fatal("twilio-go rejects the signature of a GET")
	}
	for _, c := range []struct{ name, token, url string }{
		{"a changed query value", token, "https://example.com/hook?Body=hello+world&ChannelSid=CH2&EventType=onMessageSent&RetryCount=0"},
		{"a changed retry count", token, "https://example.com/hook?Body=hello+world&ChannelSid=CH1&EventType=onMessageSent&RetryCount=1"},
		{"a dropped query parameter", token, "https://example.com/hook?Body=hello+world&ChannelSid=CH1&EventType=onMessageSent"},
		{"a changed path", token, "https://example.com/hooks?Body=hello+world&ChannelSid=CH1&EventType=onMessageSent&RetryCount=0"},
		{"a changed token", "x" + token, url},
	} {
		t.Run(c.name, func(t *testing.T) {
			if validates(t, c.token, c.url, nil, sig) {
				t.Errorf("twilio-go accepts the signature of the original GET for %s", c.name)
			}
		})
	}
	t.Run("query parameters are not signed as POST parameters", func(t *testing.T) {
		params := map[string][]string{"Body": {"hello world"}}
		if webhook.Sign(token, url, params) == sig {
			t.Error("Sign ignores its params when the URL has a query")
		}
	})
}

func TestSignKnownVectors(t *testing.T) {
	// Twilio's own example request, as in twilio-go's validator tests.
	twilioParams := map[string][]string{
		"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
		"Caller": {"+14158675309"}, "From": {"+14158675309"},
		"ReasonConferenceEnded": {"test"}, "Reason": {"Participant"},
	}
	for _, c := range []struct {
		name, token, url string
		params           map[string][]string
		want             string
	}{
		{
			"Twilio's published example",
			"12345", "https://mycompany.com/myapp.php?foo=1&bar=2", twilioParams,
			"vOEb5UThFn24KEfnOFLQY2AE5FY=",
		},
		{
			"the same, computed here: names in byte order, name and value with no separator",
			"12345", "https://mycompany.com/myapp.php?foo=1&bar=2", twilioParams,
			hmacBase64("12345", "https://mycompany.com/myapp.php?foo=1&bar=2"+
				"CallSidCA1234567890ABCDE"+"Caller+14158675309"+"Digits1234"+"From+14158675309"+
				"ReasonParticipant"+"ReasonConferenceEndedtest"+"To+18005551212"),
		},
		{
			"a chatd event, computed here",
			"secret token", "http://127.0.0.1:9000/hook",
			map[string][]string{
				"EventType": {"onMessageSent"}, "Body": {"héllo & = world"}, "attributes": {"{}"}, "RetryCount": {"2"},
			},
			hmacBase64("secret token", "http://127.0.0.1:9000/hook"+
				"Bodyhéllo & = world"+"EventTypeonMessageSent"+"RetryCount2"+"attributes{}"),
		},
		{"no parameters, computed here", "t", "https://example.com/", nil, hmacBase64("t", "https://example.com/")},
		{"an empty token, computed here", "", "https://example.com/", map[string][]string{"A": {"b"}}, hmacBase64("", "https://example.com/Ab")},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := webhook.Sign(c.token, c.url, c.params); got != c.want {
				t.Errorf("Sign = %s, want %s", got, c.want)
			}
		})
	}
}

// TestSignRepeatedParameter documents a repeated parameter name, which
// twilio-go's validator cannot express (it takes one value per name): Sign
// writes the name once per value, the values in byte order whatever order
// they were given in, as Twilio's newer validators do.
func TestSignRepeatedParameter(t *testing.T) {
	const token, url = "token", "https://example.com/hook"
	// Byte order: "onM" < "onU" < "onc".
	want := hmacBase64(token, url+"Aone"+"FiltersonMessageSent"+"FiltersonUserAdded"+"Filtersonchannelupdated")
	for _, order := range [][]string{
		{"onMessageSent", "onUserAdded", "onchannelupdated"},
		{"onchannelupdated", "onUserAdded", "onMessageSent"},
		{"onUserAdded", "onchannelupdated", "onMessageSent"},
	} {
		given := slices.Clone(order)
		params := map[string][]string{"Filters": order, "A": {"one"}}
		if got := webhook.Sign(token, url, params); got != want {
			t.Errorf("Sign with Filters %v = %s, want %s (values sorted)", order, got, want)
		}
		if !slices.Equal(order, given) {
			t.Errorf("Sign reordered the caller's values: %v, given %v", order, given)
		}
	}
	t.Run("a repeated name is not the same as its first value alone", func(t *testing.T) {
		params := map[string][]string{"Filters": {"onMessageSent", "onUserAdded"}}
		sig := webhook.Sign(token, url, params)
		v := client.NewRequestValidator(token)
		if v.Validate(url, map[string]string{"Filters": "onMessageSent"}, sig) {
			t.Error("twilio-go accepts the signature with only the first value")
		}
	})
	t.Run("a repeated identical value is written twice", func(t *testing.T) {
		params := map[string][]string{"A": {"x", "x"}}
		if got, want := webhook.Sign(token, url, params), hmacBase64(token, url+"Ax"+"Ax"); got != want {
			t.Errorf("Sign = %s, want %s", got, want)
		}
	})
}
