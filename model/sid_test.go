package model

import (
	"strings"
	"testing"
	"time"
)

func TestNewMessageSidCarriesItsIndex(t *testing.T) {
	now := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for _, index := range []int{0, 1, 255, 256, 65535, 1 << 32, 1<<40 - 1} {
		for range 50 {
			sid, carries := NewMessageSid(now, index)
			if !carries || !IsSID(PrefixMessage, sid) || strings.ToLower(sid[2:]) != sid[2:] {
				t.Fatalf("NewMessageSid(%d) = %q, %v", index, sid, carries)
			}
			if got, ok := MessageSidIndex(sid); !ok || got != index {
				t.Fatalf("MessageSidIndex(%q) = %d, %v; want %d", sid, got, ok, index)
			}
			if seen[sid] {
				t.Fatalf("NewMessageSid(%d) gave %q twice", index, sid)
			}
			seen[sid] = true
		}
	}
	// The time comes first, as in every SID chatd mints.
	a, _ := NewMessageSid(now, 7)
	b, _ := NewMessageSid(now.Add(time.Millisecond), 3)
	if a[2:14] >= b[2:14] {
		t.Errorf("time prefixes %s, %s do not sort by time", a[2:14], b[2:14])
	}
	for _, index := range []int{-1, 1 << 40} {
		if sid, carries := NewMessageSid(now, index); carries || !IsSID(PrefixMessage, sid) {
			t.Errorf("NewMessageSid(%d) = %q, carries %v; want a SID that carries nothing", index, sid, carries)
		}
	}
}

func TestMessageSidIndexRefusesOtherShapes(t *testing.T) {
	minted, _ := NewMessageSid(time.Now(), 5)
	for _, sid := range []string{"", minted[:33], minted + "0", "CH" + minted[2:], "IM" + strings.Repeat("A", 32),
		minted[:20] + "g" + minted[21:]} {
		if _, ok := MessageSidIndex(sid); ok {
			t.Errorf("MessageSidIndex(%q) = ok", sid)
		}
	}
}

// FuzzMessageSidIndex: any string of chatd's Message SID shape reads as
// the index its last 10 bytes spell, anything else as none, and minting
// that index gives back a SID that reads as it.
func FuzzMessageSidIndex(f *testing.F) {
	minted, _ := NewMessageSid(time.Unix(0, 0), 42)
	for _, s := range []string{minted, "IM" + strings.Repeat("0", 32), "IM" + strings.Repeat("F", 32), "IM" + strings.Repeat("f", 31) + "g", "IM"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sid string) {
		index, ok := MessageSidIndex(sid)
		shaped := IsSID(PrefixMessage, sid) && strings.ToLower(sid[2:]) == sid[2:]
		if ok != shaped {
			t.Fatalf("MessageSidIndex(%q) ok = %v, want %v", sid, ok, shaped)
		}
		if !ok {
			return
		}
		if index < 0 || index >= 1<<40 {
			t.Fatalf("MessageSidIndex(%q) = %d, out of range", sid, index)
		}
		again, _ := NewMessageSid(time.Unix(0, 0), index)
		if got, _ := MessageSidIndex(again); got != index {
			t.Fatalf("minting index %d gave %q, which reads as %d", index, again, got)
		}
	})
}
