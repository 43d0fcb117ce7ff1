package model

import (
	"context"
	"time"
)

// Store is chatd's persistence: the seam between Twilio's rules (package chat)
// and a storage engine (package bolt today; a PostgreSQL store later). A Store
// knows records, keys, indexes and derived counts; it knows nothing of
// Twilio's validation, defaults, error codes or paging tokens.
type Store interface {
	// View runs fn in a read-only transaction that sees one consistent snapshot.
	View(ctx context.Context, fn func(Tx) error) error
	// Read runs fn like View, except that its reads need not share one
	// snapshot: each sees what was committed when it ran. It is for a
	// request that takes one look (a fetch, a page), which a store may then
	// serve without a transaction around it; a write in it fails.
	Read(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in one read-write transaction and returns once the
	// transaction is durable (fsync'd) or has failed. fn may run more than
	// once (a group commit that has to be retried, a serialization retry), so
	// it must not have side effects outside the transaction. The fns of
	// Updates under an Interleaving context may run interleaved.
	Update(ctx context.Context, fn func(Tx) error) error
	Close() error
	DeliveryClaims
}

// interleaving is the context key of Interleaving.
type interleaving struct{}

// Interleaving marks the Updates run under the context it returns as fit
// to interleave: a store may run their fns in one transaction side by
// side, the statements of one between those of another. A fn is fit when
// it writes nothing it read before, unless the write itself checks what
// it read (a counter bumped, a row inserted under a unique key, a record
// taken only while free): a send of a Message is.
func Interleaving(ctx context.Context) context.Context {
	return context.WithValue(ctx, interleaving{}, true)
}

// Interleaves reports whether ctx came from Interleaving.
func Interleaves(ctx context.Context) bool {
	ok, _ := ctx.Value(interleaving{}).(bool)
	return ok
}

// Window selects a run of an ordered collection: up to Limit records (all
// when Limit <= 0) whose keys come strictly after After in the reading
// direction. Reverse reads from the largest key down. Keys are SIDs, or for
// messages the decimal Index.
type Window struct {
	After   string // "" starts at the first (or, with Reverse, the last) key
	Reverse bool
	Limit   int
}

// UserChannelLink is the store's record that a User relates to a Channel: as
// a Member (MemberSid set) or as an invitee (InviteSid set).
type UserChannelLink struct {
	ChannelSid string
	MemberSid  string
	InviteSid  string
}

// Tx is one transaction. Lookups return ErrNotFound when there is no record
// (including when the Service itself is gone), inserts return *TakenError when
// a unique key clashes, and every method that changes a record also moves its
// index entries and derived counts in the same transaction, so that no reader
// ever sees one without the other.
//
// Derived counts kept by the store: Channel.MembersCount,
// Channel.MessagesCount, Channel.LastMessageSid and User.JoinedChannelsCount.
//
// Cascades kept by the store, as foreign keys with ON DELETE CASCADE would:
// a Media attached to a Message goes with the Message (and so with its
// Channel); Bindings go with their User; Channel webhooks with their Channel;
// everything with its Service.
type Tx interface {
	// Now is the transaction's clock, read once per attempt so that dates and
	// keys written by one transaction agree.
	Now() time.Time

	// Setting and PutSetting hold small server-wide values (such as the
	// generated development credentials); Setting returns "" when unset.
	// In an Update, reading a setting waits for the other Updates that
	// read it to end, and holds later ones off until this one ends, so
	// that processes sharing a store take turns at what a setting guards.
	Setting(key string) (string, error)
	PutSetting(key, value string) error

	Service(sid string) (*Service, error)
	Services(w Window) ([]*Service, error)
	InsertService(s *Service) error
	PutService(s *Service) error
	// DeleteServiceTree removes the Service and every record under it.
	DeleteServiceTree(sid string) error

	Role(service, sid string) (*Role, error)
	Roles(service string, w Window) ([]*Role, error)
	InsertRole(r *Role) error
	PutRole(r *Role) error
	DeleteRole(service, sid string) error

	// User finds a User by US SID, or by identity when no User has that SID.
	User(service, sidOrIdentity string) (*User, error)
	Users(service string, w Window) ([]*User, error)
	InsertUser(u *User) error // *TakenError{"identity"}
	PutUser(u *User) error    // the identity of a User never changes
	// DeleteUserTree removes the User, its Memberships and Invites (fixing
	// the Channels' counts) and its identity index entry.
	DeleteUserTree(service, sid string) error

	// Channel finds a Channel by CH SID, or by unique name when no Channel
	// has that SID.
	Channel(service, sidOrUniqueName string) (*Channel, error)
	// Channels lists Channels of the given types (all types when empty).
	Channels(service string, types []string, w Window) ([]*Channel, error)
	InsertChannel(c *Channel) error // *TakenError{"unique_name"}
	// PutChannel stores c, moving its unique-name and type index entries.
	// The derived counts in c are ignored: the stored ones are kept.
	PutChannel(c *Channel) error // *TakenError{"unique_name"}
	// DeleteChannelTree removes the Channel with its Members, Messages and
	// Invites, fixing the Users' counts and links.
	DeleteChannelTree(service, sid string) error

	// Member finds a Member of channel (a CH SID) by MB SID, or by identity
	// when no Member has that SID.
	Member(service, channel, sidOrIdentity string) (*Member, error)
	Members(service, channel string, w Window) ([]*Member, error)
	// InsertMember adds m (m.ChannelSid and m.UserSid must exist), links it to
	// its User and bumps Channel.MembersCount and User.JoinedChannelsCount.
	InsertMember(m *Member) error // *TakenError{"identity"}
	PutMember(m *Member) error
	// DeleteMember removes the Member, its link and the counts it added.
	DeleteMember(service, channel, sid string) error

	// AppendMessage stores m as the newest Message of its Channel: it sets
	// m.Index to the Channel's next index (0 for the first Message; indexes
	// only grow and are never reused, even after a delete), bumps
	// Channel.MessagesCount and points Channel.LastMessageSid at m. When
	// m.Media is set it attaches that Media to m: ErrNotFound when there is
	// no such Media, *TakenError{"media"} when it is attached already. A
	// Message without a SID gets a new one (NewMessageSid, which a store may
	// give the index to).
	AppendMessage(m *Message) error
	Message(service, channel, sid string) (*Message, error)
	Messages(service, channel string, w Window) ([]*Message, error)
	// PeekMessages reads a window as Messages does, for a reader that is
	// done with the Messages before the transaction ends (a page being
	// rendered): their strings may be the stored bytes themselves and
	// their memory may be reused once the transaction ends, so they must
	// be neither kept nor changed.
	PeekMessages(service, channel string, w Window) ([]*Message, error)
	PutMessage(m *Message) error // Index and SID never change
	// DeleteMessage removes the Message (and its Media) and lowers
	// MessagesCount; when it was the newest, LastMessageSid moves to the
	// newest remaining Message.
	DeleteMessage(service, channel, sid string) error
	// CountMessagesAfter counts the Channel's Messages whose Index is greater
	// than index, without reading them.
	CountMessagesAfter(service, channel string, index int) (int, error)

	Invite(service, channel, sid string) (*Invite, error)
	// InviteFor finds the Invite of identity to channel.
	InviteFor(service, channel, identity string) (*Invite, error)
	Invites(service, channel string, w Window) ([]*Invite, error)
	// InsertInvite adds in and links it to its User: *TakenError{"identity"}
	// when the identity is invited to the Channel already,
	// *TakenError{"member"} when it is a Member of it.
	InsertInvite(in *Invite) error
	DeleteInvite(service, channel, sid string) error

	// UserChannels lists a User's links to Channels in CH SID order.
	UserChannels(service, user string, w Window) ([]UserChannelLink, error)
	UserChannel(service, user, channel string) (UserChannelLink, error)

	// Credentials are account-level, outside every Service.
	Credential(sid string) (*Credential, error)
	Credentials(w Window) ([]*Credential, error)
	InsertCredential(c *Credential) error
	PutCredential(c *Credential) error
	DeleteCredential(sid string) error

	// API keys are account-level, outside every Service, and outlive a
	// Wipe.
	APIKey(sid string) (*APIKey, error)
	APIKeys(w Window) ([]*APIKey, error)
	InsertAPIKey(k *APIKey) error // *TakenError{"sid"}
	DeleteAPIKey(sid string) error

	Binding(service, sid string) (*Binding, error)
	// BindingFor finds the Binding of a device: its type and endpoint.
	BindingFor(service, bindingType, endpoint string) (*Binding, error)
	// Bindings lists Bindings of the given types (all when empty).
	Bindings(service string, types []string, w Window) ([]*Binding, error)
	// UserBindings lists every Binding of a User (a User has few).
	UserBindings(service, user string) ([]*Binding, error)
	InsertBinding(b *Binding) error // *TakenError{"endpoint"} for a known device
	PutBinding(b *Binding) error    // type, endpoint and user never change
	DeleteBinding(service, sid string) error

	ChannelWebhook(service, channel, sid string) (*ChannelWebhook, error)
	ChannelWebhooks(service, channel string, w Window) ([]*ChannelWebhook, error)
	InsertChannelWebhook(wh *ChannelWebhook) error
	PutChannelWebhook(wh *ChannelWebhook) error
	DeleteChannelWebhook(service, channel, sid string) error

	// Media content is uploaded in stages, so that no transaction holds
	// more than a few chunks of it. An upload is staged under the SID its
	// Media will have, in chunks 0, 1, 2, … of MediaChunkSize bytes (the
	// last may be shorter; an empty file is one empty chunk), a few to a
	// transaction, and CommitStagedMedia makes it a Media. Until then no
	// read but StagedMedia sees it.
	//
	// StageMediaChunk stores chunk seq of upload sid to the Service. Chunk 0
	// starts the upload: ErrNotFound without the Service, *TakenError{"sid"}
	// when an upload or a Media has the SID already. Chunk n > 0 must come
	// right after chunk n-1 of a started upload: ErrNotFound when there is
	// none (dropped, swept, or its Service deleted), an error when the
	// chunk is out of order, or follows a short one. The store may keep
	// using chunk until the Update returns.
	StageMediaChunk(service, sid string, seq int, chunk []byte) error
	// CommitStagedMedia stores m with the content staged under m.Sid, sets
	// m.Size to its length and ends the upload: ErrNotFound when there is no
	// such upload to m.ServiceSid (or no such Service).
	CommitStagedMedia(m *Media) error
	// DropStagedMedia forgets upload sid and its content; an upload that
	// is unknown (or committed already) is no error.
	DropStagedMedia(sid string) error
	// SweepStagedMedia drops every upload started before the given time
	// and returns how many it dropped.
	SweepStagedMedia(before time.Time) (int, error)
	// StagedMedia lists the uploads staged and not yet committed or
	// dropped, in SID order.
	StagedMedia() ([]*StagedMedia, error)

	Media(service, sid string) (*Media, error)
	// ReadMedia copies the Media's content from offset off into p, like
	// io.ReaderAt: it returns io.EOF when fewer than len(p) bytes remain.
	ReadMedia(service, sid string, p []byte, off int64) (int, error)

	// Mutation finds the record of a first-person client's mutation id:
	// identity's id in service.
	Mutation(service, identity, id string) (*Mutation, error)
	// InsertMutation records m (*TakenError{"id"} when identity used the
	// id already; ErrNotFound when the Service does not exist) and forgets
	// the Service's oldest records beyond its newest keep. Records go with
	// their Service.
	InsertMutation(m *Mutation, keep int) error

	// The webhook outbox. Deliveries are account-level: they outlive the
	// Service, Channel or Webhook that caused them.
	//
	// EnqueueDelivery adds d, pending unless it is already finished (an
	// undeliverable target), and sets d.ID to the next outbox sequence
	// number, so IDs follow commit order.
	EnqueueDelivery(d *Delivery) error
	// PendingDeliveries lists up to limit pending deliveries with an ID
	// after the given one, in ID order.
	PendingDeliveries(after uint64, limit int) ([]*Delivery, error)
	// PutDelivery records an attempt; a finished delivery leaves the
	// pending set.
	PutDelivery(d *Delivery) error
	// Deliveries walks deliveries by ID (the window's After is a decimal
	// ID), all of them or only service's when service is not "".
	Deliveries(service string, w Window) ([]*Delivery, error)
	// TrimDeliveries forgets the finished deliveries older than the newest
	// keep deliveries; pending ones are never forgotten.
	TrimDeliveries(keep int) error

	// The Sync event log of each Service (see SyncEvent), kept in the same
	// transactions as the changes it records. DeleteServiceTree and Wipe
	// remove a Service's log with the rest of it, but its IDs are never
	// given again.
	//
	// A Service's log is started by the first sign-in of a first-person
	// client (StartSyncLog); until then chat appends nothing to it, as no
	// client can hold a revision to bring up to date: a client's first
	// fetch derives every object whole. SyncLogStarted reports whether it
	// is started. Where writes run side by side, a write that found the log
	// not started keeps StartSyncLog waiting until it commits, so that what
	// the first client fetches includes it. AppendSyncEvents starts the
	// logs it appends to. Both are ErrNotFound when there is no such
	// Service.
	SyncLogStarted(service string) (bool, error)
	StartSyncLog(service string) error

	// ReserveSyncEventIDs allocates n consecutive event IDs of service and
	// returns the first: IDs reserved by a transaction are above every ID
	// of a transaction committed before it. ErrNotFound when there is no
	// such Service.
	ReserveSyncEventIDs(service string, n int) (first uint64, err error)
	// AppendSyncEvents adds events to the logs of their objects, each above
	// the object's newest event. An event's ID is one this transaction
	// reserved, or 0 for a draft: the store then reserves its ID, the next
	// after those reserved before it, and sets its ID and its Payload from
	// Render. An engine may do that as late as its COMMIT, and so hold the
	// IDs' order for the least time; neither is to be read before then.
	// Each object they touched keeps at least its newest keep events (all
	// of them when keep <= 0): older ones are dropped, oldest first, in
	// this transaction or a later one, so that an engine may delete them
	// in bulk, but the log does not hold on to most of them.
	// When keep is below what an object kept before (a removed object keeps
	// its last word only), its excess is dropped in this transaction.
	// Every event of an object after the newest dropped one (see
	// SyncObjectLog.Trimmed) is kept. ErrNotFound when an event's Service
	// does not exist.
	AppendSyncEvents(events []*SyncEvent, keep int) error
	// SyncObjectLog is what the log of service records of an object:
	// ErrNotFound while it holds no event of it.
	SyncObjectLog(service, object string) (*SyncObjectLog, error)
	// SyncEvents lists up to limit events of an object (all when limit <=
	// 0) with an ID above after, oldest first, of those it keeps: what a
	// resubscribing client missed.
	SyncEvents(service, object string, after uint64, limit int) ([]*SyncEvent, error)
	// SyncFeed lists up to limit events of service (all when limit <= 0),
	// of every object, with an ID above after, oldest first, of those their
	// objects keep.
	SyncFeed(service string, after uint64, limit int) ([]*SyncEvent, error)
	// SyncHead is the ID of the newest event of service's log, 0 when it
	// holds none: where a tailer of the feed that has seen nothing yet
	// starts.
	SyncHead(service string) (uint64, error)

	// Wipe removes every Service (with everything in it, mutation records
	// included), every Credential, every delivery and every staged upload;
	// server-wide settings and API keys stay, and delivery IDs and Sync
	// event IDs are never given again.
	Wipe() error
}
