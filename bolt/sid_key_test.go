package bolt

import (
	"bytes"
	"strings"
	"testing"
)

func TestMessageSidKey(t *testing.T) {
	for _, tc := range []struct {
		sid  string
		want []byte
	}{
		{"IM0123456789abcdef0123456789abcdef", []byte("\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef")},
		{"IM0123456789ABCDEF0123456789abcdef", []byte("IM0123456789ABCDEF0123456789abcdef\x00")},
		{"CH0123456789abcdef0123456789abcdef", []byte("CH0123456789abcdef0123456789abcdef\x00")},
		{"IM0123456789abcdef0123456789abcdeg", []byte("IM0123456789abcdef0123456789abcdeg\x00")},
		{"IM0123456789abcd", []byte("IM0123456789abcd\x00")},
		{"IM0123456789abc", []byte("IM0123456789abc")},
		{"", []byte{}},
	} {
		if got := messageSidKey(tc.sid); !bytes.Equal(got, tc.want) {
			t.Errorf("messageSidKey(%q) = %q, want %q", tc.sid, got, tc.want)
		}
	}
	// Minted SIDs keep their order.
	for i := range 300 {
		a, b := messageSidKey(sid("IM", i*4099)), messageSidKey(sid("IM", (i+1)*4099))
		if bytes.Compare(a, b) >= 0 {
			t.Fatalf("the key of %s does not sort before that of %s", sid("IM", i*4099), sid("IM", (i+1)*4099))
		}
	}
	// The key of no other SID is as long as a minted one's.
	for n := range 40 {
		other := strings.Repeat("0", n)
		if got := messageSidKey(other); len(got) == sidKeyLength {
			t.Errorf("messageSidKey(%q) is %d bytes, the length of a minted SID's", other, len(got))
		}
	}
}
