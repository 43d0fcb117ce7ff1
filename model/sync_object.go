package model

import (
	"net/url"
	"strconv"
	"strings"
)

// The Sync objects of a Service are chatd's projection of its chat state for
// the client SDKs: five kinds, each belonging to one User or one Channel and
// named after it (see sync.go). The SDK reads them (it never writes to Sync)
// and subscribes to their events by SID.

// Sync object types, as the Sync API names them.
const (
	SyncDocument = "document"
	SyncList     = "list"
	SyncMap      = "map"
)

// SyncKind is one of the five kinds of Sync object chatd keeps.
type SyncKind uint8

// The kinds.
const (
	SyncKindUserInfo     SyncKind = iota + 1 // map: a User's friendly name, attributes, reachability
	SyncKindUserChannels                     // map: a User's Channels, keyed by CH SID
	SyncKindChannel                          // document: a Channel
	SyncKindMessages                         // list: a Channel's Messages, by index
	SyncKindRoster                           // map: a Channel's Members, keyed by MB SID
)

// syncKind describes a kind: its Sync type, the prefix of its SIDs, the
// suffix of its name and the prefix of the SID of the User or Channel it
// belongs to.
type syncKind struct {
	typ, prefix, suffix, owner string
}

// syncKinds, by kind. The SDK treats SIDs as opaque strings, so a SID can
// say what it names: a kind's own two letters (documents ET and lists ES as
// at Twilio, and one pair per kind of map) followed by the 32 hex digits of
// its owner's SID. A client subscribes by SID alone, and chatd finds the
// object, and the Channel or User whose permissions guard it, without a
// lookup table.
var syncKinds = [...]syncKind{
	SyncKindUserInfo:     {SyncMap, "MU", ".info", PrefixUser},
	SyncKindUserChannels: {SyncMap, "MC", ".channels", PrefixUser},
	SyncKindChannel:      {SyncDocument, "ET", ".channel", PrefixChannel},
	SyncKindMessages:     {SyncList, "ES", ".messages", PrefixChannel},
	SyncKindRoster:       {SyncMap, "MP", ".roster", PrefixChannel},
}

// SyncRef names one Sync object: its kind and the SID of the User or
// Channel it belongs to.
type SyncRef struct {
	Kind  SyncKind
	Owner string // a US SID for the user maps, a CH SID otherwise
}

// UserInfoRef, UserChannelsRef, ChannelRef, MessagesRef and RosterRef name
// the objects of a User or of a Channel.
func UserInfoRef(user string) SyncRef     { return SyncRef{SyncKindUserInfo, user} }
func UserChannelsRef(user string) SyncRef { return SyncRef{SyncKindUserChannels, user} }
func ChannelRef(channel string) SyncRef   { return SyncRef{SyncKindChannel, channel} }
func MessagesRef(channel string) SyncRef  { return SyncRef{SyncKindMessages, channel} }
func RosterRef(channel string) SyncRef    { return SyncRef{SyncKindRoster, channel} }

// Type is the object's Sync type: SyncDocument, SyncList or SyncMap.
func (r SyncRef) Type() string { return syncKinds[r.Kind].typ }

// Name is the object's unique name, as the Client API hands it out.
func (r SyncRef) Name() string { return r.Owner + syncKinds[r.Kind].suffix }

// Sid is the object's SID.
func (r SyncRef) Sid() string { return syncKinds[r.Kind].prefix + r.Owner[2:] }

// OfUser reports whether the object belongs to a User (else to a Channel).
func (r SyncRef) OfUser() bool { return syncKinds[r.Kind].owner == PrefixUser }

// ItemsPath is the path of the items of a map or list in the Sync API.
func (r SyncRef) ItemsPath() string { return r.Path() + "/Items" }

// ItemPath is the path of one item: key is a map key or a list index.
func (r SyncRef) ItemPath(key string) string { return r.ItemsPath() + "/" + url.PathEscape(key) }

// Path is the object's path in the Sync API, by SID.
func (r SyncRef) Path() string { return r.TypePath() + r.Sid() }

// TypePath is the path in the Sync API of the objects of r's type, up to
// their SIDs: "/v3/Documents/", "/v3/Lists/" or "/v3/Maps/".
func (r SyncRef) TypePath() string {
	switch r.Type() {
	case SyncDocument:
		return "/v3/Documents/"
	case SyncList:
		return "/v3/Lists/"
	default:
		return "/v3/Maps/"
	}
}

// ParseSyncRef resolves id, a SID or a name, to an object of the Sync type
// typ ("" for any type).
func ParseSyncRef(typ, id string) (SyncRef, bool) {
	for k := SyncKindUserInfo; int(k) < len(syncKinds); k++ {
		kd := syncKinds[k]
		if typ != "" && kd.typ != typ {
			continue
		}
		if IsSID(kd.prefix, id) {
			return SyncRef{k, kd.owner + id[2:]}, true
		}
		if owner, ok := strings.CutSuffix(id, kd.suffix); ok && IsSID(kd.owner, owner) {
			return SyncRef{k, owner}, true
		}
	}
	return SyncRef{}, false
}

// SyncRevision is the revision string of an object or item whose newest
// event is id: Sync revisions are opaque strings that change with every
// change, which event IDs do.
func SyncRevision(id uint64) string { return strconv.FormatUint(id, 10) }
