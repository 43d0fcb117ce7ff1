package model

import (
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// hex32 is the part of the spec's SID patterns after the prefix.
var hex32 = regexp.MustCompile("^[0-9a-fA-F]{32}$")

// FuzzSID checks IsSID against the spec's pattern for SIDs,
// ^XX[0-9a-fA-F]{32}$ with XX the prefix, for any prefix and string.
func FuzzSID(f *testing.F) {
	f.Add(PrefixUser, "US"+strings.Repeat("0", 32))
	f.Add(PrefixChannel, "CH"+strings.Repeat("aB", 16))
	f.Add(PrefixChannel, "ch"+strings.Repeat("0", 32))
	f.Add(PrefixRole, "RL"+strings.Repeat("g", 32))
	f.Add(PrefixMedia, "ME"+strings.Repeat("0", 31))
	f.Add("U", "U"+strings.Repeat("0", 33))
	f.Fuzz(func(t *testing.T, prefix, s string) {
		want := len(prefix) == 2 && strings.HasPrefix(s, prefix) && hex32.MatchString(s[2:])
		if got := IsSID(prefix, s); got != want {
			t.Fatalf("IsSID(%q, %q) = %v, want %v", prefix, s, got, want)
		}
	})
}

// FuzzIdentity checks CheckIdentity, and the inputs that carry an identity,
// against the rule: present (20001), at most MaxIdentityLength characters
// (50207), and not a User SID (50206), so that a path segment is never
// ambiguous; any other string is an identity, whatever its bytes.
func FuzzIdentity(f *testing.F) {
	for _, s := range []string{"", "alice", "US" + strings.Repeat("0", 32), "us" + strings.Repeat("0", 32),
		strings.Repeat("é", MaxIdentityLength), strings.Repeat("x", MaxIdentityLength+1), "\xff\xfe", "a/b?c#d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, identity string) {
		want := 0
		switch {
		case identity == "":
			want = 20001
		case utf8.RuneCountInString(identity) > MaxIdentityLength:
			want = 50207
		case IsSID(PrefixUser, identity):
			want = 50206
		}
		for _, in := range []interface{ Validate() error }{
			UserCreate{Identity: identity},
			MemberCreate{Identity: identity},
			InviteCreate{Identity: identity},
		} {
			err := in.Validate()
			if want == 0 {
				if err != nil {
					t.Fatalf("%T{Identity: %q}: %v", in, identity, err)
				}
				continue
			}
			var e *Error
			if !errors.As(err, &e) || int(e.Code) != want || e.Message == "" {
				t.Fatalf("%T{Identity: %q}: %v, want Twilio error %d", in, identity, err, want)
			}
		}
		if err := CheckIdentity(identity); (err == nil) != (want == 0) {
			t.Fatalf("CheckIdentity(%q) = %v", identity, err)
		}
	})
}

// FuzzAttributes checks CheckAttributes: a JSON document (50304) of at most
// MaxAttributesLength bytes (50303), judged against a decoder: what it
// accepts is one JSON value, and that value encoded again is accepted too.
func FuzzAttributes(f *testing.F) {
	for _, s := range []string{"{}", `{"a":[1,2,{"b":null}]}`, "", "{", "[]", `"x"`, "nul", "1e400", `{"a":1}{}`,
		`"\ud800"`, "\xff", " {} ", `{"a":1,"a":2}`, strings.Repeat("[", 100) + strings.Repeat("]", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckAttributes(&s)
		v, decodes := decodeOne(s)
		switch {
		case len(s) > MaxAttributesLength:
			if !IsCode(err, 50303) {
				t.Fatalf("CheckAttributes(%d bytes) = %v, want 50303", len(s), err)
			}
			return
		case !decodes:
			if !IsCode(err, 50304) {
				t.Fatalf("CheckAttributes(%q) = %v, want 50304: it does not decode", s, err)
			}
			return
		case err != nil:
			t.Fatalf("CheckAttributes(%q) = %v, but it decodes", s, err)
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("re-encoding %q: %v", s, err)
		}
		if len(again) <= MaxAttributesLength {
			a := string(again)
			if err := CheckAttributes(&a); err != nil {
				t.Fatalf("CheckAttributes(%q), re-encoded from %q: %v", a, s, err)
			}
		}
	})
}

// decodeOne decodes s as one JSON value (numbers kept as written) followed
// by nothing but white space.
func decodeOne(s string) (any, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return v, true
}
