package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// tx implements model.Tx over one bbolt transaction. It keeps the
// Services and Channels it decodes (cache.go), so that a transaction decodes
// each at most once however many writes of the batch read it.
type tx struct {
	btx *bbolt.Tx
	now time.Time

	services map[string]*model.Service
	channels map[channelKey]*model.Channel

	// The subtree of the Service looked up last, and the channel_data
	// subtree of the Channel looked up last (see service and channelData).
	lastService    string
	lastServiceDir *bbolt.Bucket
	lastChannel    channelKey
	lastChannelDir *bbolt.Bucket
	// The channel_messages bucket of the Channel whose messages were looked
	// up last (see channelMessages).
	lastMessages    channelKey
	lastMessagesDir *bbolt.Bucket

	// What PeekMessages handed out, released when a read transaction ends.
	peeked []*peeked

	// The Sync logs a write transaction opened, in that order (sync.go).
	syncTrees map[string]*syncTree
	syncOrder []*syncTree
}

var _ model.Tx = (*tx)(nil)

func (t *tx) Now() time.Time { return t.now }

func (t *tx) Setting(key string) (string, error) {
	return string(t.btx.Bucket(bucketSettings).Get([]byte(key))), nil
}

func (t *tx) PutSetting(key, value string) error {
	return t.btx.Bucket(bucketSettings).Put([]byte(key), []byte(value))
}

// service returns the subtree of the Service sid. The transaction keeps
// the last one: a page looks its Service up more than once (its Channel,
// then its Messages), and so does a send (its Channel, its author, its
// Sync log); in a read transaction bbolt seeks a bucket anew at each
// lookup, and in both each lookup copies the SID. A write that removes
// Services forgets it (forgetService, Wipe).
func (t *tx) service(sid string) (*bbolt.Bucket, error) {
	if t.lastServiceDir != nil && t.lastService == sid {
		return t.lastServiceDir, nil
	}
	name, ok := serviceName(sid)
	if !ok {
		return nil, model.ErrNotFound
	}
	b := t.btx.Bucket(name)
	if b == nil {
		return nil, model.ErrNotFound
	}
	t.lastService, t.lastServiceDir = sid, b
	return b, nil
}

// serviceChild returns the named bucket of the Service sid.
func (t *tx) serviceChild(sid string, name []byte) (*bbolt.Bucket, error) {
	b, err := t.service(sid)
	if err != nil {
		return nil, err
	}
	return b.Bucket(name), nil
}

// channelData returns the channel_data subtree of Channel ch, the last
// one looked up at once (as service does; DeleteChannelTree forgets it).
func (t *tx) channelData(service, ch string) (*bbolt.Bucket, error) {
	key := channelKey{service, ch}
	if t.lastChannelDir != nil && t.lastChannel == key {
		return t.lastChannelDir, nil
	}
	data, err := t.serviceChild(service, bucketChannelData)
	if err != nil {
		return nil, err
	}
	b := data.Bucket([]byte(ch))
	if b == nil {
		return nil, model.ErrNotFound
	}
	t.lastChannel, t.lastChannelDir = key, b
	return b, nil
}

// channelMessages returns the bucket of the Messages of Channel ch, the
// last one looked up at once (as channelData does).
func (t *tx) channelMessages(service, ch string) (*bbolt.Bucket, error) {
	key := channelKey{service, ch}
	if t.lastMessagesDir != nil && t.lastMessages == key {
		return t.lastMessagesDir, nil
	}
	all, err := t.serviceChild(service, bucketChannelMessages)
	if err != nil {
		return nil, err
	}
	b := all.Bucket([]byte(ch))
	if b == nil {
		return nil, model.ErrNotFound
	}
	t.lastMessages, t.lastMessagesDir = key, b
	return b, nil
}

// forgetSubtrees drops the subtrees service, channelData and
// channelMessages keep.
func (t *tx) forgetSubtrees() { t.lastServiceDir, t.lastChannelDir, t.lastMessagesDir = nil, nil, nil }

// lookup resolves key in records: as a key of records itself, or else through
// the unique index (unique name, identity) that maps to one.
func lookup(records, index *bbolt.Bucket, key string) []byte {
	if v := records.Get([]byte(key)); v != nil {
		return v
	}
	if sid := index.Get([]byte(key)); sid != nil {
		return records.Get(sid)
	}
	return nil
}

// walk calls fn for up to w.Limit keys of b (all when Limit <= 0) that come
// after the key after in the direction of w.
func walk(b *bbolt.Bucket, after []byte, w model.Window, fn func(k, v []byte) error) error {
	return walkCursor(b.Cursor(), nil, after, w, fn)
}

// walkCursor is walk over the keys of c that start with prefix.
func walkCursor(c *bbolt.Cursor, prefix, after []byte, w model.Window, fn func(k, v []byte) error) error {
	var k, v []byte
	switch {
	case after == nil && !w.Reverse && prefix == nil:
		k, v = c.First()
	case after == nil && !w.Reverse:
		k, v = c.Seek(prefix)
	case after == nil && prefix == nil:
		k, v = c.Last()
	case after == nil:
		// The last key with the prefix is the one before the first key
		// above them all.
		if k, _ = c.Seek(prefixEnd(prefix)); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	case !w.Reverse:
		k, v = c.Seek(after)
		if k != nil && bytes.Equal(k, after) {
			k, v = c.Next()
		}
	default:
		// Seek lands on the first key >= after; the one before it is the
		// first key < after. With no key >= after, that is the last key.
		if k, _ = c.Seek(after); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	for n := 0; k != nil && bytes.HasPrefix(k, prefix) && (w.Limit <= 0 || n < w.Limit); n++ {
		if err := fn(k, v); err != nil {
			return err
		}
		if w.Reverse {
			k, v = c.Prev()
		} else {
			k, v = c.Next()
		}
	}
	return nil
}

// sidKey is the cursor key of a window over a bucket keyed by SID.
func sidKey(w model.Window) []byte {
	if w.After == "" {
		return nil
	}
	return []byte(w.After)
}

// indexKey is the 8-byte big-endian key of a message index, so that keys sort
// as numbers.
func indexKey(i int) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(i))
}

// parseIndexKey turns a window's decimal After into an index key.
func parseIndexKey(after string) ([]byte, error) {
	if after == "" {
		return nil, nil
	}
	i, err := strconv.ParseUint(after, 10, 63)
	if err != nil {
		return nil, fmt.Errorf("bolt: bad message cursor %q", after)
	}
	return indexKey(int(i)), nil
}

// decodeIndex is the inverse of indexKey.
func decodeIndex(k []byte) uint64 { return binary.BigEndian.Uint64(k) }

// wiped are the root buckets Wipe empties (meta and settings stay, and so
// does sync, which holds only the counter of Sync event IDs; the Sync logs
// go with their Services).
var wiped = [][]byte{bucketCredentials, bucketDeliveries, bucketDeliveriesPending, bucketDeliveriesByService, bucketMediaUploads, bucketMutations}

// Wipe drops the Services' buckets, and drops and recreates the other root
// buckets of the data: each is one DeleteBucket, whatever it holds. Bucket
// sequences carry over, so that delivery IDs keep growing and are never
// given twice, as Sync event IDs.
func (t *tx) Wipe() error {
	t.services, t.channels = nil, nil
	t.forgetSubtrees()
	t.forgetSync("")
	for _, name := range serviceNames(t.btx) {
		if err := t.btx.DeleteBucket(name); err != nil {
			return err
		}
	}
	for _, name := range wiped {
		seq := t.btx.Bucket(name).Sequence()
		if err := t.btx.DeleteBucket(name); err != nil {
			return err
		}
		b, err := t.btx.CreateBucket(name)
		if err != nil {
			return err
		}
		if err := b.SetSequence(seq); err != nil {
			return err
		}
	}
	return nil
}
