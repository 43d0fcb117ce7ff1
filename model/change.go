package model

// Change is one record a committed write added, updated or removed: what a
// live view of the data (the console's channel page, a realtime client)
// watches for. A Change says what changed, not to what: a watcher reads
// the record again.
type Change struct {
	Op         string // ChangeAdded, ChangeUpdated, ChangeRemoved or ChangeWiped
	Kind       string // one of the Change kinds: ChangeMessage …
	ServiceSid string
	ChannelSid string // "" for a Service, a User or a wipe
	Sid        string // the record's SID; "" for a wipe
}

// Change operations.
const (
	ChangeAdded   = "added"
	ChangeUpdated = "updated"
	ChangeRemoved = "removed"
	// ChangeWiped: every Service went (a reset); ServiceSid is "".
	ChangeWiped = "wiped"
)

// Change kinds.
const (
	ChangeService = "service"
	ChangeUser    = "user"
	ChangeChannel = "channel"
	ChangeMember  = "member"
	ChangeMessage = "message"
	ChangeInvite  = "invite"
)
