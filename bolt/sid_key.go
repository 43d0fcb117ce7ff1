package bolt

import "github.com/chatd/chatd/model"

// sidKeyLength is the length of the key of a SID as chatd mints them.
const sidKeyLength = (model.SIDLength - len(model.PrefixMessage)) / 2

// messageSidKey is the key of a Message SID in messages_by_sid: for a SID
// as chatd mints them ("IM" and 32 lower-case hex digits), the 16 bytes its
// digits spell, which sort as the SIDs do. Any other SID (a seed may give
// upper-case digits, a caller of the store anything) is its own bytes, with
// a zero byte after them when they are 16 bytes or more: so no other key
// is 16 bytes long, and no two SIDs share a key.
func messageSidKey(sid string) []byte {
	if len(sid) == model.SIDLength && sid[:len(model.PrefixMessage)] == model.PrefixMessage {
		if key, ok := lowerHex(sid[len(model.PrefixMessage):]); ok {
			return key
		}
	}
	key := make([]byte, len(sid), len(sid)+1)
	copy(key, sid)
	if len(key) >= sidKeyLength {
		key = append(key, 0)
	}
	return key
}

// lowerHex decodes the 32 lower-case hex digits of a minted SID.
func lowerHex(digits string) ([]byte, bool) {
	key := make([]byte, sidKeyLength)
	for i := range key {
		hi, ok1 := lowerHexDigit(digits[2*i])
		lo, ok2 := lowerHexDigit(digits[2*i+1])
		if !ok1 || !ok2 {
			return nil, false
		}
		key[i] = hi<<4 | lo
	}
	return key, true
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
