package webhook_test

import (
	"crypto/hmac"
	"encoding/base64"
	"testing"

	"github.com/twilio/twilio-go/client"

	"github.com/chatd/chatd/webhook"
)

// FuzzSign signs arbitrary tokens, URLs and parameters and checks that
// twilio-go's own validator accepts every signature of single-valued
// parameters, that a repeated parameter signs the same whatever the order of
// its values (and as the HMAC of the URL and each name and value in
// sorted order), and that a signature is a base64 HMAC-SHA1.
func FuzzSign(f *testing.F) {
	f.Add("token", "hook", "EventType", "onMessageSent", "Body", "hello", "bye")
	f.Add("", "", "", "", "", "", "")
	f.Add("12345", "a?b=c&d#e", "b", "2", "a", "1", "0")
	f.Add("tok", "path with spaces/é", "Attributes", `{"a":1}`, "Attributes", "x", "y")
	f.Add("\x00", "%zz", "Z", "z", "a", "\xff", "")
	f.Fuzz(func(t *testing.T, token, path, name1, value1, name2, value2a, value2b string) {
		// An explicit port: twilio-go tries the URL with and without its
		// default port, and it leaves a URL with a port as it is.
		url := "https://example.com:8443/" + path

		single := map[string][]string{name1: {value1}}
		flat := map[string]string{name1: value1}
		if name2 != name1 {
			single[name2] = []string{value2a}
			flat[name2] = value2a
		}
		sig := webhook.Sign(token, url, single)
		v := client.NewRequestValidator(token)
		if !v.Validate(url, flat, sig) {
			t.Fatalf("twilio-go rejects Sign(%q, %q, %q) = %s", token, url, single, sig)
		}
		if mac, err := base64.StdEncoding.DecodeString(sig); err != nil || len(mac) != 20 {
			t.Fatalf("signature %q is not a base64 SHA-1 HMAC: %d bytes, %v", sig, len(mac), err)
		}

		repeated := webhook.Sign(token, url, map[string][]string{name2: {value2a, value2b}})
		if other := webhook.Sign(token, url, map[string][]string{name2: {value2b, value2a}}); other != repeated {
			t.Fatalf("the order of a repeated parameter's values changes the signature: %s, %s", repeated, other)
		}
		lo, hi := min(value2a, value2b), max(value2a, value2b)
		if want := hmacBase64(token, url+name2+lo+name2+hi); !hmac.Equal([]byte(repeated), []byte(want)) {
			t.Fatalf("Sign with %s=%q and %q = %s, want %s", name2, value2a, value2b, repeated, want)
		}
		if nilParams, empty := webhook.Sign(token, url, nil), webhook.Sign(token, url, map[string][]string{}); nilParams != empty || nilParams != hmacBase64(token, url) {
			t.Fatalf("without parameters: %s and %s, want the HMAC of the URL alone", nilParams, empty)
		}
	})
}
