package twilsock_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/chatd/chatd/twilsock"
)

// FuzzDecode feeds Decode arbitrary bytes, starting from the seed corpus in
// testdata/fuzz/FuzzDecode (frames of every method the SDK and chatd
// exchange, and near misses). Decode must never panic; what it accepts
// must encode, and decode again to the same frame: the codec loses
// nothing it read, and its output is a fixed point.
func FuzzDecode(f *testing.F) {
	f.Add(frame(`{"method":"reply","id":"TM1","payload_size":2}`, "{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := twilsock.Decode(b)
		if err != nil {
			if got != nil {
				t.Fatalf("Decode(%q) = %+v with error %v", b, got, err)
			}
			return
		}
		if !bytes.HasPrefix(b, []byte("TWILSOCK V3.0 ")) || got.Method == "" || got.ID == "" || got.PayloadSize != len(got.Payload) {
			t.Fatalf("Decode(%q) accepted %+v", b, got)
		}
		enc, err := twilsock.Encode(got)
		if err != nil {
			t.Fatalf("Encode(Decode(%q)): %v", b, err)
		}
		again, err := twilsock.Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(Decode(%q))) = %q: %v", b, enc, err)
		}
		if !reflect.DeepEqual(again, got) {
			t.Fatalf("round trip of %q:\n got %+v\nwant %+v", b, again, got)
		}
		if enc2, _ := twilsock.Encode(again); !bytes.Equal(enc2, enc) {
			t.Fatalf("Encode is not a fixed point:\n%q\n%q", enc, enc2)
		}
	})
}
