package accesstoken

import (
	"context"
	"errors"
	"testing"

	"github.com/chatd/chatd/model"
)

// FuzzVerify feeds Verify arbitrary strings, starting from the seed corpus
// in testdata/fuzz/FuzzVerify (tokens of every kind the table test covers).
// Verify must never panic; it either accepts a token that names the known
// key, an identity and a Service, and has not expired, or refuses it with a
// Twilio error whose status is 401.
func FuzzVerify(f *testing.F) {
	valid, err := Mint(Token{
		KeySid: keySid, AccountSid: account, Identity: "alice", Chat: ChatGrant{ServiceSid: service},
		IssuedAt: now, NotBefore: now, Expires: now.Add(DefaultTTL),
	}, secret)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add("")
	f.Add("..")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := verifier().Verify(context.Background(), s)
		if err == nil {
			if tok.KeySid != keySid || tok.AccountSid != account || tok.Identity == "" ||
				!model.IsSID(model.PrefixService, tok.Chat.ServiceSid) || !now.Before(tok.Expires) {
				t.Fatalf("Verify accepted %q as %+v", s, tok)
			}
			return
		}
		var e *model.Error
		if !errors.As(err, &e) || e.Status() != 401 {
			t.Fatalf("Verify(%q) = %v, want a 401 Twilio error", s, err)
		}
	})
}
