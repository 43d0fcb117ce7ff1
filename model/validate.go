package model

import (
	"encoding/json"
	"unicode/utf8"
)

// Length limits. Twilio documents 256 characters for names and identities
// (the spec's "64" on some create operations is not enforced by Twilio) and
// 32 KiB for a message body; it publishes no attribute limit for Chat, so
// chatd takes the 16 KiB that the same backend (Conversations) documents.
const (
	MaxNameLength       = 256
	MaxIdentityLength   = 256
	MaxAuthorLength     = 256
	MaxAttributesLength = 16 * 1024
	MaxBodyLength       = 32 * 1024
)

// DefaultAttributes is the attributes value of a resource created without any.
const DefaultAttributes = "{}"

// checkLen rejects s with code when it has more than max characters.
func checkLen(s string, max int, code Code) error {
	if utf8.RuneCountInString(s) > max {
		if code == CodeInvalidParameter {
			return Errorf(CodeInvalidParameter, "Parameter exceeds %d characters", max)
		}
		return E(code)
	}
	return nil
}

// CheckAttributes checks an Attributes parameter: a JSON document (50304)
// of at most MaxAttributesLength bytes (50303).
func CheckAttributes(s *string) error {
	if s == nil {
		return nil
	}
	if len(*s) > MaxAttributesLength {
		return E(CodeAttributesTooLong)
	}
	if !json.Valid([]byte(*s)) {
		return E(CodeAttributesNotJSON)
	}
	return nil
}

// CheckIdentity checks a User identity: present, at most 256 characters
// (50207), and not shaped like a User SID (50206), so that a path segment is
// never ambiguous between the two.
func CheckIdentity(identity string) error {
	if identity == "" {
		return MissingParam("Identity")
	}
	if err := checkLen(identity, MaxIdentityLength, CodeIdentityTooLong); err != nil {
		return err
	}
	if IsSID(PrefixUser, identity) {
		return E(CodeIdentityMatchesUserSid)
	}
	return nil
}

// checkRoleSid checks the shape of an optional RoleSid parameter.
func checkRoleSid(sid *string) error {
	if sid != nil && !IsSID(PrefixRole, *sid) {
		return InvalidParam("RoleSid", *sid)
	}
	return nil
}
