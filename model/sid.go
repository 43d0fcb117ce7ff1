package model

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
