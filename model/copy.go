package model

// Loader takes every record of a store as it is, for a copy of the whole
// store into another (chatd migrate): with its SIDs, Message indexes,
// derived counts, delivery IDs and counters as they were, where the Tx
// methods would assign their own. A store's export calls it in dependency
// order: a Service before anything in it, its Users and Channels before
// the Members, Invites, Messages and webhooks of the Channels, Messages
// before the Media attached to them, a Media before its content, and
// Counters last. Staged uploads, which are no Media yet, are not copied.
// The records passed are the Loader's to keep; the bytes of MediaChunk
// are valid only during the call.
//
// A User's links to Channels are not records of their own: they are its
// Members and Invites.
type Loader interface {
	// Setting is a server-wide value: the generated development
	// credentials, and the key API keys' secrets are sealed with, without
	// which no copied API key would verify.
	Setting(key, value string) error
	APIKey(k *APIKey) error
	Credential(c *Credential) error

	Service(s *Service) error
	Role(r *Role) error
	// User comes with its JoinedChannelsCount.
	User(u *User) error
	// Channel comes with its MembersCount, MessagesCount and LastMessageSid;
	// lastIndex is the Index of the newest Message ever appended to it,
	// deleted or not (-1 for none): the next Message gets lastIndex+1.
	Channel(c *Channel, lastIndex int) error
	Member(m *Member) error
	Invite(in *Invite) error
	// Message comes at its Index; the indexes of deleted Messages stay
	// gaps.
	Message(m *Message) error
	ChannelWebhook(wh *ChannelWebhook) error
	Binding(b *Binding) error
	// Media is a committed Media, with its Size; its content follows in
	// chunks 0, 1, 2, … of MediaChunkSize bytes (the last may be shorter;
	// an empty file is one empty chunk).
	Media(me *Media) error
	MediaChunk(service, media string, seq int, data []byte) error
	// Mutation comes with seq, its place in its Service's records, oldest
	// first, by which the oldest are forgotten.
	Mutation(m *Mutation, seq uint64) error
	// SyncLog comes after its Service when the Service's Sync log is
	// started (Tx.StartSyncLog), before its objects.
	SyncLog(service string) error
	SyncObject(o *SyncObjectLog) error
	// SyncEvent comes after the SyncObject of its object.
	SyncEvent(e *SyncEvent) error
	// Delivery comes with its ID, pending unless it is finished.
	Delivery(d *Delivery) error
	// Counters are the last delivery ID and the last Sync event ID the
	// store ever gave, deleted or not: the copy must never give them again.
	Counters(lastDelivery, lastSyncEvent uint64) error
}
