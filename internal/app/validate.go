package app

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/chatd/chatd/model"
)

// Validate checks what chatd needs of a Config before it starts. Its
// messages name the chatd serve flags the fields stand for, which the README
// documents.
func (c Config) Validate() error {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	switch {
	case (c.AccountSid == "") != (c.AuthToken == ""):
		fail("--account-sid and --auth-token go together: give both or neither")
	case c.AccountSid != "" && !model.IsSID(model.PrefixAccount, c.AccountSid):
		fail("--account-sid %q is not an Account SID (AC and 32 hex digits)", c.AccountSid)
	case c.AuthToken != "" && !alphanumeric(c.AuthToken):
		// The helper libraries refuse to send other characters.
		fail("--auth-token must be letters and digits only")
	}
	switch {
	case (c.APIKeySid == "") != (c.APIKeySecret == ""):
		fail("--api-key-sid and --api-key-secret go together: give both or neither")
	case c.APIKeySid != "" && !model.IsSID(model.PrefixAPIKey, c.APIKeySid):
		fail("--api-key-sid %q is not an API key SID (SK and 32 hex digits)", c.APIKeySid)
	case c.APIKeySecret != "" && !alphanumeric(c.APIKeySecret):
		fail("--api-key-secret must be letters and digits only")
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fail("--public-url %q is not an http(s) URL", c.PublicURL)
		}
	}
	switch {
	case (c.TLSCert == "") != (c.TLSKey == ""):
		fail("--tls-cert and --tls-key go together: give both or neither")
	case c.TLSCert != "" && c.TLSSelfSigned:
		fail("--tls-self-signed and --tls-cert exclude each other")
	}
	switch {
	case c.Store != nil && (c.DB != "" || c.Ephemeral):
		fail("a Store given to chatd excludes --db and --ephemeral")
	case c.Store == nil && !c.Ephemeral && c.DB == "":
		fail("--db is empty: give a file, a database URL, or --ephemeral")
	case c.Store == nil && !c.Ephemeral && IsURL(c.DB) && c.OpenURL == nil:
		fail("--db %s is a database URL, and this chatd opens bbolt files only", Redacted(c.DB))
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}

// alphanumeric reports whether s is letters and digits only.
func alphanumeric(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
