package jsonenc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// marshal is what encoding/json writes for v with HTML escaping off.
func marshal(t testing.TB, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

var escapeSeeds = []string{
	"",
	"plain ascii",
	`quote " backslash \ slash /`,
	"<script>alert('&')</script>",
	"\b\f\n\r\t\x00\x01\x1f\x7f",
	"é 世界 😀",
	"\u2028\u2029 line and paragraph separators",
	"\xff \xc3 \xc3( \xe2\x80 \xed\xa0\x80 \xf4\x90\x80\x80 invalid UTF-8",
	"\xe2\x80\xa8", // U+2028 spelled as bytes
	"ends in a cut sequence \xe4\xb8",
}

func FuzzAppendString(f *testing.F) {
	for _, s := range escapeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := string(AppendString([]byte("prefix"), s))
		if want := "prefix" + marshal(t, s); got != want {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// TestAppendStringEveryOffset puts every byte, and runes of every length,
// at every offset of a run of safe ASCII, so that each reaches every
// position of the eight-byte test.
func TestAppendStringEveryOffset(t *testing.T) {
	var specials []string
	for c := range 256 {
		specials = append(specials, string([]byte{byte(c)}))
	}
	specials = append(specials, "é", "世", "\u2028", "\u2029", "😀", "\xe2\x80")
	for _, sp := range specials {
		for at := range 24 {
			s := strings.Repeat("a", at) + sp + strings.Repeat("b", 24-at)
			if got, want := string(AppendString(nil, s)), marshal(t, s); got != want {
				t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
			}
		}
	}
}

func BenchmarkAppendString(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"ascii", "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore."},
		{"escapes", `{"color":"blue","tags":["a","b"],"note":"line one\nline two"}`},
		{"unicode", "Съешь же ещё этих мягких французских булок, да выпей чаю. 世界"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			buf := make([]byte, 0, 1024)
			for b.Loop() {
				buf = AppendString(buf[:0], c.s)
			}
		})
	}
}
