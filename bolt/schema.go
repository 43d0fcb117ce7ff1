package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"
)

// The bucket tree of a chatd file, schema version 4. Records are JSON of the
// model types; SIDs sort by creation time, so every "by SID" bucket is also
// in creation order. Indexes are written, moved and deleted in the same
// transaction as the records they point at.
//
//	meta/
//	  version                         -> uint64, big-endian: the schema version
//	settings/
//	  <name>                          -> value (server-wide settings)
//	credentials/<CR sid>              -> Credential (account-level, v1 and v2)
//	api_keys/<SK sid>                 -> APIKey (account-level; kept by Wipe)
//	deliveries/<id>                   -> Delivery (the webhook outbox); key:
//	                                     8-byte big-endian ID, bucket sequence:
//	                                     the last ID given
//	deliveries_pending/<id>           -> "" (deliveries still to send)
//	deliveries_by_service/<IS sid>/<id> -> ""
//	sync/                             the Sync event logs; bucket sequence:
//	                                     the last event ID given (all Services)
//	  <IS sid>/                       one subtree per Service with events
//	    objects/<object sid>          -> last event ID, newest trimmed ID,
//	                                     events kept, date of the newest (Unix
//	                                     ns): 8 bytes each, big-endian
//	    log/<len><object sid><id>     -> date (Unix ns, 8 bytes), then the
//	                                     event payload; <len>: one byte,
//	                                     <id>: 8-byte big-endian
//	    feed/<id>                     -> object sid (every event of the
//	                                     Service, in ID order)
//	services/
//	  <IS sid>/                       one subtree per Service
//	    record                        -> Service
//	    roles/<RL sid>                -> Role
//	    users/<US sid>                -> User
//	    user_identities/<identity>    -> US sid                  (unique index)
//	    user_channels/<US sid>/
//	      <CH sid>                    -> UserChannelLink (member or invite SID)
//	    channels/<CH sid>             -> Channel (with its derived counts)
//	    channel_names/<unique name>   -> CH sid                  (unique index)
//	    channel_types/<type>/<CH sid> -> ""                      (list filter)
//	    bindings/<BS sid>             -> Binding
//	    binding_types/<type>/<BS sid> -> ""                      (list filter)
//	    binding_endpoints/<type>\x00<endpoint> -> BS sid        (unique index)
//	    user_bindings/<US sid>/<BS sid> -> ""
//	    media/<ME sid>                -> Media
//	    media_content/<ME sid>/<chunk>-> 256 KiB of content; key: 8-byte
//	                                     big-endian chunk number
//	    channel_data/<CH sid>/        everything that lives in one Channel
//	      members/<MB sid>            -> Member
//	      member_identities/<identity>-> MB sid                  (unique index)
//	      messages/<index>            -> Message; key: 8-byte big-endian index,
//	                                     bucket sequence: indexes ever assigned
//	      message_sids/<IM sid>       -> 8-byte big-endian index
//	      message_gaps/<index>        -> "" (indexes of deleted Messages)
//	      invites/<IN sid>            -> Invite
//	      invite_identities/<identity>-> IN sid                  (unique index)
//	      webhooks/<WH sid>           -> ChannelWebhook
//	      message_media/<ME sid>      -> IM sid (Media attached to Messages here)
//
// Deleting a Service is one DeleteBucket (and one more for its Sync log);
// wiping the file is deleting the root buckets. The sync root bucket came
// without a version bump: root buckets are created at every open, and an
// older chatd refuses no file for holding one.
const schemaVersion = 4

var (
	bucketMeta        = []byte("meta")
	bucketSettings    = []byte("settings")
	bucketServices    = []byte("services")
	bucketCredentials = []byte("credentials")
	bucketAPIKeys     = []byte("api_keys")

	bucketDeliveries          = []byte("deliveries")
	bucketDeliveriesPending   = []byte("deliveries_pending")
	bucketDeliveriesByService = []byte("deliveries_by_service")

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

	bucketBindings         = []byte("bindings")
	bucketBindingTypes     = []byte("binding_types")
	bucketBindingEndpoints = []byte("binding_endpoints")
	bucketUserBindings     = []byte("user_bindings")
	bucketMedia            = []byte("media")
	bucketMediaContent     = []byte("media_content")

	bucketMembers          = []byte("members")
	bucketMemberIdentities = []byte("member_identities")
	bucketMessages         = []byte("messages")
	bucketMessageSids      = []byte("message_sids")
	bucketMessageGaps      = []byte("message_gaps")
	bucketInvites          = []byte("invites")
	bucketInviteIdentities = []byte("invite_identities")
	bucketWebhooks         = []byte("webhooks")
	bucketMessageMedia     = []byte("message_media")
)

// rootBuckets exist in every file; serviceBuckets in every Service subtree;
// channelBuckets in every channel_data subtree.
var (
	rootBuckets = [][]byte{
		bucketMeta, bucketSettings, bucketServices, bucketCredentials, bucketAPIKeys,
		bucketDeliveries, bucketDeliveriesPending, bucketDeliveriesByService, bucketSync,
	}
	serviceBuckets = [][]byte{
		bucketRoles, bucketUsers, bucketIdentities, bucketUserChannels,
		bucketChannels, bucketChannelNames, bucketChannelTypes, bucketChannelData,
		bucketBindings, bucketBindingTypes, bucketBindingEndpoints, bucketUserBindings,
		bucketMedia, bucketMediaContent,
	}
	channelBuckets = [][]byte{
		bucketMembers, bucketMemberIdentities, bucketMessages, bucketMessageSids,
		bucketMessageGaps, bucketInvites, bucketInviteIdentities,
		bucketWebhooks, bucketMessageMedia,
	}
)

// migration upgrades a file from schema version to version+1.
type migration struct {
	version int
	apply   func(*bbolt.Tx) error
}

// migrations run in order at Open on files older than schemaVersion. Every
// change to the tree above adds one and bumps schemaVersion.
var migrations = []migration{
	// 1 → 2: Bindings, Media and Channel webhooks. Their buckets are added to
	// every existing Service and Channel (the credentials root bucket is
	// created with the other root buckets).
	{1, func(tx *bbolt.Tx) error {
		return eachSubtree(tx.Bucket(bucketServices), func(service *bbolt.Bucket) error {
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
	// 3 → 4: API keys, a root bucket as well.
	{3, func(*bbolt.Tx) error { return nil }},
}

// eachSubtree calls fn for every nested bucket of b.
func eachSubtree(b *bbolt.Bucket, fn func(*bbolt.Bucket) error) error {
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

// initSchema creates the root buckets of a new file, or checks and migrates
// the version of an existing one.
func initSchema(tx *bbolt.Tx) error {
	for _, name := range rootBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	version := schemaVersion
	if v := meta.Get(keyVersion); v != nil {
		if len(v) != 8 {
			return fmt.Errorf("bolt: file has a malformed schema version (%d bytes, want 8)", len(v))
		}
		version = int(binary.BigEndian.Uint64(v))
	}
	if version > schemaVersion {
		return fmt.Errorf("bolt: file has schema version %d, this chatd knows up to %d", version, schemaVersion)
	}
	for _, m := range migrations {
		if m.version < version {
			continue
		}
		if err := m.apply(tx); err != nil {
			return fmt.Errorf("bolt: migrating schema from version %d: %w", m.version, err)
		}
		version = m.version + 1
	}
	return meta.Put(keyVersion, binary.BigEndian.AppendUint64(nil, uint64(schemaVersion)))
}

// createBuckets creates the named sub-buckets of b.
func createBuckets(b *bbolt.Bucket, names [][]byte) error {
	for _, name := range names {
		if _, err := b.CreateBucket(name); err != nil {
			return err
		}
	}
	return nil
}
