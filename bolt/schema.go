package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"
)

// The bucket tree of a chatd file, schema version 10. Records are encoded as
// records.go says; SIDs sort by creation time, so every "by SID" bucket is also
// in creation order. Indexes are written, moved and deleted in the same
// transaction as the records they point at.
//
//	meta/
//	  version                         -> uint64, big-endian: the schema version
//	  rekeying_message_sids           -> "" while Channels still have their
//	                                     schema-5 SID index (sid_migrate.go)
//	settings/
//	  <name>                          -> value (server-wide settings)
//	credentials/<CR sid>              -> Credential (account-level, v1 and v2)
//	api_keys/<SK sid>                 -> APIKey (account-level; kept by Wipe)
//	deliveries/<id>                   -> Delivery (the webhook outbox); key:
//	                                     8-byte big-endian ID, bucket sequence:
//	                                     the last ID given
//	deliveries_pending/<id>           -> "" (deliveries still to send)
//	deliveries_by_service/<IS sid>/<id> -> ""
//	media_uploads/<ME sid>            -> a staged upload (see upload.go): its
//	                                     start, chunk count, size and IS sid
//	mutations/<IS sid>/               first-person mutation ids, raw bytes
//	  ids/<len><identity><id>         -> 8-byte big-endian Unix nanoseconds,
//	                                     then the Ref; <len>: uvarint
//	  order/<seq>                     -> ids key; key: 8-byte big-endian
//	                                     insertion sequence (trimmed oldest first)
//	sync/                             no keys; bucket sequence: the last
//	                                     Sync event ID given (all Services)
//	<IS sid>/                         one subtree per Service, in the root
//	                                     (schema 10; services/<IS sid> before)
//	  record                          -> Service
//	  roles/<RL sid>                  -> Role
//	  users/<US sid>                  -> User
//	  user_identities/<identity>      -> US sid                  (unique index)
//	  user_channels/<US sid>/
//	    <CH sid>                      -> UserChannelLink (member or invite SID)
//	  channels/<CH sid>               -> Channel (with its derived counts)
//	  channel_names/<unique name>     -> CH sid                  (unique index)
//	  channel_types/<type>/<CH sid>   -> ""                      (list filter)
//	  bindings/<BS sid>               -> Binding
//	  binding_types/<type>/<BS sid>   -> ""                      (list filter)
//	  binding_endpoints/<type>\x00<endpoint> -> BS sid          (unique index)
//	  user_bindings/<US sid>/<BS sid> -> ""
//	  media/<ME sid>                  -> Media
//	  media_content/<ME sid>/<chunk>/ one bucket per chunk of content (of
//	                                     a Media, or of a staged upload); key:
//	                                     8-byte big-endian chunk number
//	    data                          -> up to model.MediaChunkSize bytes
//	                                     (the Sync log's buckets, objects
//	                                     and events, exist once it is
//	                                     started: sync.go)
//	  sync_state                      -> the Sync log's sweep (sweep.go):
//	                                     where it goes on from, events
//	                                     stored, events kept
//	  objects/<object sid>            -> the Sync log's objects (sync.go):
//	                                     last event ID, newest dropped ID,
//	                                     events kept after it, date of the
//	                                     newest (Unix ns), events ever
//	                                     appended, events to keep: 8 bytes
//	                                     each, big-endian
//	  events/<id>                     -> a Sync event: <len><object sid>,
//	                                     then its ordinal among the object's
//	                                     events, the ID of the object's event
//	                                     before it and its date (Unix ns), 8
//	                                     bytes each, then the payload; <len>:
//	                                     one byte; key: 8-byte big-endian ID
//	                                     (the Service's feed)
//	  channel_messages/<CH sid>/      the Messages of one Channel, a level
//	                                     nearer the Service than the rest of
//	                                     it, as a send writes nothing else
//	                                     of the Channel's subtree
//	    <index>                       -> Message (without its Service, Channel
//	                                     and index); key: 8-byte big-endian
//	                                     index, bucket sequence: indexes ever
//	                                     assigned
//	  channel_data/<CH sid>/          everything else that lives in one
//	                                     Channel
//	    members/<MB sid>              -> Member
//	    member_identities/<identity>  -> MB sid                  (unique index)
//	    messages_by_sid/<sid key>     -> 8-byte big-endian index; key: the
//	                                     16 bytes of the SID's hex digits
//	                                     (messageSidKey). Only for SIDs that
//	                                     do not carry their index: given by
//	                                     a caller, or minted before schema 7
//	                                     (model.NewMessageSid, findMessage)
//	    message_gaps/<index>          -> "" (indexes of deleted Messages)
//	    invites/<IN sid>              -> Invite
//	    invite_identities/<identity>  -> IN sid                  (unique index)
//	    webhooks/<WH sid>             -> ChannelWebhook
//	    message_media/<ME sid>        -> IM sid (Media attached to Messages here)
//
// The Sync log of a Service (sync_state, objects, events) is created when
// it starts: at the first sign-in of a client, or with its first event.
// Deleting a Service is one DeleteBucket, its Sync log included (and one
// more for its mutation records); wiping the file is deleting the
// Services' buckets and the other root buckets of data.
// The mutations and sync root buckets came without a version bump: root
// buckets are created at every open, and a chatd that does not know them
// leaves them alone.
const schemaVersion = 10

var (
	bucketMeta        = []byte("meta")
	bucketSettings    = []byte("settings")
	bucketCredentials = []byte("credentials")
	bucketAPIKeys     = []byte("api_keys")
	bucketMutations   = []byte("mutations")

	bucketDeliveries          = []byte("deliveries")
	bucketDeliveriesPending   = []byte("deliveries_pending")
	bucketDeliveriesByService = []byte("deliveries_by_service")

	bucketMediaUploads = []byte("media_uploads")

	keyVersion = []byte("version")
	keyRecord  = []byte("record")

	bucketRoles        = []byte("roles")
	bucketUsers        = []byte("users")
	bucketIdentities   = []byte("user_identities")
	bucketUserChannels = []byte("user_channels")
	bucketChannels     = []byte("channels")
	bucketChannelNames = []byte("channel_names")
	bucketChannelTypes = []byte("channel_types")
	bucketChannelData  = []byte("channel_data")

	bucketChannelMessages = []byte("channel_messages")

	bucketBindings         = []byte("bindings")
	bucketBindingTypes     = []byte("binding_types")
	bucketBindingEndpoints = []byte("binding_endpoints")
	bucketUserBindings     = []byte("user_bindings")
	bucketMedia            = []byte("media")
	bucketMediaContent     = []byte("media_content")

	bucketMembers          = []byte("members")
	bucketMemberIdentities = []byte("member_identities")
	bucketMessagesBySid    = []byte("messages_by_sid")
	bucketMessageGaps      = []byte("message_gaps")
	bucketInvites          = []byte("invites")
	bucketInviteIdentities = []byte("invite_identities")
	bucketWebhooks         = []byte("webhooks")
	bucketMessageMedia     = []byte("message_media")
)

// appendFill is the FillPercent of the buckets whose keys only grow: a
// Channel's messages (by index) and messages_by_sid (by SID, and SIDs sort
// by creation time), and the deliveries buckets (by ID). New keys land on the
// last page, so filling each page completely before starting the next
// costs nothing, where bbolt's default of one half would leave every page
// half empty.
const appendFill = 1.0

// appendOnly sets b up for keys that only grow. A bucket's FillPercent is
// not stored: every transaction that writes b sets it again.
func appendOnly(b *bbolt.Bucket) *bbolt.Bucket {
	b.FillPercent = appendFill
	return b
}

// rootBuckets exist in every file; serviceBuckets in every Service subtree;
// channelBuckets in every channel_data subtree.
var (
	rootBuckets = [][]byte{
		bucketMeta, bucketSettings, bucketCredentials, bucketAPIKeys,
		bucketDeliveries, bucketDeliveriesPending, bucketDeliveriesByService,
		bucketMediaUploads, bucketMutations, bucketSync,
	}
	serviceBuckets = [][]byte{
		bucketRoles, bucketUsers, bucketIdentities, bucketUserChannels,
		bucketChannels, bucketChannelNames, bucketChannelTypes, bucketChannelData, bucketChannelMessages,
		bucketBindings, bucketBindingTypes, bucketBindingEndpoints, bucketUserBindings,
		bucketMedia, bucketMediaContent,
	}
	channelBuckets = [][]byte{
		bucketMembers, bucketMemberIdentities, bucketMessagesBySid,
		bucketMessageGaps, bucketInvites, bucketInviteIdentities,
		bucketWebhooks, bucketMessageMedia,
	}
)

// migration upgrades a file from schema version to version+1.
type migration struct {
	version int
	apply   func(*bbolt.Tx) error
}

// migrations run in order at Open on files older than schemaVersion, each
// in a transaction of its own that also stores the version it reaches: a
// step finds what the steps before it wrote committed, and a file stopped
// between steps goes on from where it is. (bbolt's MoveBucket, which the
// step from 6 uses, moves a bucket as the file holds it, and drops what
// its own transaction changed in it.) Every change to the tree above adds
// one and bumps schemaVersion. The step from 3 to 4 (records in their own
// format instead of JSON) rewrites the whole file: Open does it after the
// steps before it and runs the steps after it on the new file, as
// migrate.go says. Schema 4 also brought the root buckets api_keys and
// media_uploads, which initSchema creates, and Media content chunks as
// buckets of their own; the chunks of older files stay values, which
// ReadMedia reads as such. The step from 5 to 6 moves every Channel's SID
// index, which Open does after the steps, in transactions of its own
// (sid_migrate.go).
var migrations = []migration{
	// 1 → 2: Bindings, Media and Channel webhooks. Their buckets are added to
	// every existing Service and Channel (the credentials root bucket is
	// created with the other root buckets).
	{1, func(tx *bbolt.Tx) error {
		return eachSubtree(tx.Bucket(bucketServicesV9), func(service *bbolt.Bucket) error {
			if err := ensureBuckets(service, serviceBuckets); err != nil {
				return err
			}
			return eachSubtree(service.Bucket(bucketChannelData), func(channel *bbolt.Bucket) error {
				return ensureBuckets(channel, channelBuckets)
			})
		})
	}},
	// 2 → 3: the webhook outbox. Its buckets are root buckets, which
	// initSchema creates at every open, so there is nothing to move.
	{2, func(*bbolt.Tx) error { return nil }},
	// 4 → 5: each Service's Sync log keyed by event ID, with its objects'
	// events chained, instead of by object with a feed beside it
	// (sync_migrate.go).
	{4, migrateSyncLogs},
	// 5 → 6: each Channel's SID index keyed by the SIDs' 16 bytes instead
	// of their 34 characters. The step marks the file; Open then moves the
	// indexes in transactions of bounded size (sid_migrate.go).
	{5, startRekeyingMessageSids},
	// 6 → 7: each Service's Sync log moved from sync/<IS sid> into the
	// Service's subtree, so that a send writes no pages of bucket levels
	// of the log's own (sync_migrate.go). Schema 7 also stops writing
	// messages_by_sid for the Message SIDs it mints, which carry their
	// index: a chatd of schema 6 would not find those Messages.
	{6, moveSyncLogs},
	// 7 → 8: each Channel's Messages in channel_messages/<CH sid> instead
	// of channel_data/<CH sid>/messages. The step marks the file and adds
	// the bucket to every Service; Open then moves the Messages in
	// transactions of bounded size (message_migrate.go).
	{7, startMovingMessages},
	// 8 → 9: every Service's Sync log started, its buckets created where
	// it has none. From schema 9 on, a Service's log starts at its first
	// sign-in of a first-person client (sync.go); a file from before may
	// have clients signed in to a Service whose log holds nothing yet.
	{8, startSyncLogs},
	// 9 → 10: each Service's subtree a bucket of the file's root instead
	// of services/<IS sid>, so that a commit writes one page less
	// (services.go). bbolt's MoveBucket moves them without copying their
	// data.
	{9, moveServicesToRoot},
}

// bucketServicesV9 held the Services' subtrees up to schema 9.
var bucketServicesV9 = []byte("services")

// moveServicesToRoot is the step from schema 9 to 10.
func moveServicesToRoot(tx *bbolt.Tx) error {
	services := tx.Bucket(bucketServicesV9)
	if services == nil {
		return nil
	}
	var names [][]byte
	if err := services.ForEachBucket(func(k []byte) error {
		names = append(names, bytes.Clone(k))
		return nil
	}); err != nil {
		return err
	}
	for _, name := range names {
		if _, ok := serviceName(string(name)); !ok {
			return fmt.Errorf("services/%q is no Service's subtree", name)
		}
		if err := tx.MoveBucket(name, services, nil); err != nil {
			return fmt.Errorf("moving services/%s: %w", name, err)
		}
	}
	return tx.DeleteBucket(bucketServicesV9)
}

// eachSubtree calls fn for every nested bucket of b; a nil b has none (a
// file from before schema 10 that never had a Service).
func eachSubtree(b *bbolt.Bucket, fn func(*bbolt.Bucket) error) error {
	if b == nil {
		return nil
	}
	var names [][]byte
	if err := b.ForEachBucket(func(k []byte) error {
		names = append(names, bytes.Clone(k))
		return nil
	}); err != nil {
		return err
	}
	for _, name := range names {
		if err := fn(b.Bucket(name)); err != nil {
			return err
		}
	}
	return nil
}

// ensureBuckets creates the named sub-buckets of b that are missing.
func ensureBuckets(b *bbolt.Bucket, names [][]byte) error {
	for _, name := range names {
		if _, err := b.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

// initSchema creates the root buckets of a new file, or checks the version
// of an existing one and applies the first of the migrations above that
// it needs. It returns the version the file is then at, and whether it
// applied one: migrate commits each step before the next.
func initSchema(tx *bbolt.Tx) (version int, stepped bool, err error) {
	for _, name := range rootBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return 0, false, err
		}
	}
	meta := tx.Bucket(bucketMeta)
	version = schemaVersion
	if v := meta.Get(keyVersion); v != nil {
		if len(v) != 8 {
			return 0, false, fmt.Errorf("bolt: file has a malformed schema version (%d bytes, want 8)", len(v))
		}
		version = int(binary.BigEndian.Uint64(v))
	}
	if version > schemaVersion {
		return 0, false, fmt.Errorf("bolt: file has schema version %d, this chatd knows up to %d", version, schemaVersion)
	}
	for _, m := range migrations {
		if m.version != version {
			continue // done already, or after the rewrite of a schema-3 file
		}
		if err := m.apply(tx); err != nil {
			return 0, false, fmt.Errorf("bolt: migrating schema from version %d: %w", m.version, err)
		}
		version, stepped = m.version+1, true
		break
	}
	return version, stepped, meta.Put(keyVersion, versionBytes(version))
}

// versionBytes is the stored form of a schema version.
func versionBytes(v int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }

// createBuckets creates the named sub-buckets of b.
func createBuckets(b *bbolt.Bucket, names [][]byte) error {
	for _, name := range names {
		if _, err := b.CreateBucket(name); err != nil {
			return err
		}
	}
	return nil
}
