package model

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// SID prefixes: a SID is one of these two letters followed by 32 hex digits,
// 34 characters in all (the spec's `^XX[0-9a-fA-F]{32}$` patterns).
const (
	PrefixAccount = "AC"
	PrefixService = "IS"
	PrefixRole    = "RL"
	PrefixUser    = "US"
	PrefixChannel = "CH"
	PrefixMember  = "MB"
	PrefixMessage = "IM"
	PrefixInvite  = "IN"

	PrefixMessagingService = "MG"
	PrefixFlow             = "FW"
	PrefixAPIKey           = "SK"
)

// SIDLength is the length of every SID.
const SIDLength = 34

// IsSID reports whether s is a SID with the given prefix.
func IsSID(prefix, s string) bool {
	if len(s) != SIDLength || s[:2] != prefix {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// NewMessageSid mints the SID of a Message given index index in its
// Channel. It is 16 bytes in hex, like every SID chatd mints: the time in
// milliseconds (6 bytes, so SIDs sort roughly by creation), 5 random bytes,
// then the index XOR a mask those 5 bytes spell (indexMask: a plain XOR
// would repeat the random bytes in the SID of every small index). A store
// can therefore find a
// Message from its SID and Channel alone (MessageSidIndex), with no index of
// SIDs to write on every send. An index of 2^40 or more, or a negative one,
// gets 10 random bytes instead, which carry nothing: carries says which.
func NewMessageSid(t time.Time, index int) (sid string, carries bool) {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	rand.Read(b[6:])
	carries = index >= 0 && index < 1<<40
	if carries {
		carried := uint64(index) ^ indexMask(b[6:11])
		for i := range 5 {
			b[11+i] = byte(carried >> (8 * (4 - i)))
		}
	}
	return PrefixMessage + hex.EncodeToString(b[:]), carries
}

// MessageSidIndex is the index a Message SID minted by NewMessageSid
// carries. Any other SID of chatd's shape ("IM" and 32 lower-case hex
// digits) reads as some index too: a store must check that the Message at
// that index has that SID.
func MessageSidIndex(sid string) (int, bool) {
	if len(sid) != SIDLength || sid[:2] != PrefixMessage {
		return 0, false
	}
	var b [16]byte
	for i := range b {
		hi, ok1 := lowerHexDigit(sid[2+2*i])
		lo, ok2 := lowerHexDigit(sid[2+2*i+1])
		if !ok1 || !ok2 {
			return 0, false
		}
		b[i] = hi<<4 | lo
	}
	var carried uint64
	for i := range 5 {
		carried = carried<<8 | uint64(b[11+i])
	}
	return int(carried ^ indexMask(b[6:11])), true
}

// indexMask is the 40-bit mask of the index that a Message SID with the
// random bytes r carries: r mixed by a multiplication and a shift, so that
// every bit of the mask depends on most bits of r.
func indexMask(r []byte) uint64 {
	var x uint64
	for _, c := range r {
		x = x<<8 | uint64(c)
	}
	x *= 0x9e3779b97f4a7c15
	x ^= x >> 29
	return x & (1<<40 - 1)
}

func lowerHexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
