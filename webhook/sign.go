// Package webhook sends chatd's webhook deliveries: it reads the outbox that
// the rules layer fills in the same transaction as each change, signs each
// request as Twilio does, sends it with bounded workers and timeouts, retries
// it with back-off, and records every attempt, so a delivery survives a
// restart and a slow receiver never slows the API. It also makes the
// synchronous pre-event calls (PreSender), signed the same way.
package webhook

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"maps"
	"slices"
	"strings"
)

// Sign computes Twilio's X-Twilio-Signature: HMAC-SHA1, keyed with the auth
// token, over the full URL followed by each POST parameter as name and value
// with no separator, names in byte order and the values of a repeated name
// sorted too; then base64. For a GET, the parameters are in the URL and
// params is empty.
func Sign(authToken, url string, params map[string][]string) string {
	var b strings.Builder
	b.WriteString(url)
	for _, name := range slices.Sorted(maps.Keys(params)) {
		for _, v := range slices.Sorted(slices.Values(params[name])) {
			b.WriteString(name)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
