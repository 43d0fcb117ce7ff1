package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/chatd/chatd/model"
)

// The Sync event log (see schema.go): under sync/<IS sid>, the objects'
// records, their events and the Service's feed. Values are bytes laid out
// here, fixed binary fields and the event payloads as the rules layer built
// them, so they need no record codec.
// Event IDs come from the sequence of the sync root bucket: one counter for
// all Services, which Wipe carries over, so an ID is never given twice.

var (
	bucketSync        = []byte("sync")
	bucketSyncObjects = []byte("objects")
	bucketSyncLog     = []byte("log")
	bucketSyncFeed    = []byte("feed")
)

// syncLogRecordSize is the size of an object's record: its last event ID,
// the newest trimmed ID, the number of events kept and the date of its
// newest event in Unix nanoseconds, 8 bytes each, big-endian.
const syncLogRecordSize = 32

func encodeSyncLog(o *model.SyncObjectLog) []byte {
	b := make([]byte, 0, syncLogRecordSize)
	b = binary.BigEndian.AppendUint64(b, o.LastEventID)
	b = binary.BigEndian.AppendUint64(b, o.Trimmed)
	b = binary.BigEndian.AppendUint64(b, uint64(o.Events))
	return binary.BigEndian.AppendUint64(b, uint64(o.DateUpdated.UnixNano()))
}

func decodeSyncLog(service, object string, v []byte) (*model.SyncObjectLog, error) {
	if len(v) != syncLogRecordSize {
		return nil, fmt.Errorf("bolt: Sync object %s has a malformed record (%d bytes)", object, len(v))
	}
	return &model.SyncObjectLog{
		ServiceSid:  service,
		ObjectSid:   object,
		LastEventID: binary.BigEndian.Uint64(v[0:]),
		Trimmed:     binary.BigEndian.Uint64(v[8:]),
		Events:      int(binary.BigEndian.Uint64(v[16:])),
		DateUpdated: time.Unix(0, int64(binary.BigEndian.Uint64(v[24:]))).UTC(),
	}, nil
}

// syncIDKey is the key of an event in the feed: its ID, 8 bytes
// big-endian, so that keys sort as IDs.
func syncIDKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// syncEventKey is the key of an event in the log: the length of the
// object's SID (one byte), the SID and the event's ID, so that an object's
// events are adjacent, in ID order, and apart from every other object's.
func syncEventKey(object string, id uint64) []byte {
	k := make([]byte, 0, 1+len(object)+8)
	k = append(k, byte(len(object)))
	k = append(k, object...)
	return binary.BigEndian.AppendUint64(k, id)
}

// syncObjectPrefix is what the keys of object's events start with.
func syncObjectPrefix(object string) []byte {
	return append([]byte{byte(len(object))}, object...)
}

// eventID is the ID in an event's key, or false when k is not a key of an
// event of the object whose keys start with prefix.
func eventID(k, prefix []byte) (uint64, bool) {
	if len(k) != len(prefix)+8 || !bytes.HasPrefix(k, prefix) {
		return 0, false
	}
	return binary.BigEndian.Uint64(k[len(prefix):]), true
}

// syncTree is the log of one Service.
type syncTree struct {
	objects, log, feed *bbolt.Bucket
}

// syncTree opens the log of service, creating it when create is true; it
// returns nil when there is none.
func (t *tx) syncTree(service string, create bool) (*syncTree, error) {
	root := t.btx.Bucket(bucketSync)
	b := root.Bucket([]byte(service))
	if b == nil && create {
		var err error
		if b, err = root.CreateBucket([]byte(service)); err != nil {
			return nil, err
		}
		if err := createBuckets(b, [][]byte{bucketSyncObjects, bucketSyncLog, bucketSyncFeed}); err != nil {
			return nil, err
		}
	}
	if b == nil {
		return nil, nil
	}
	// An object's events are appended at the end of its range of the log,
	// and the feed's keys only grow: both fill their pages completely.
	return &syncTree{b.Bucket(bucketSyncObjects), appendOnly(b.Bucket(bucketSyncLog)), appendOnly(b.Bucket(bucketSyncFeed))}, nil
}

func (t *tx) ReserveSyncEventIDs(service string, n int) (uint64, error) {
	if n < 1 {
		return 0, fmt.Errorf("bolt: reserving %d Sync event IDs", n)
	}
	if _, err := t.service(service); err != nil {
		return 0, err
	}
	root := t.btx.Bucket(bucketSync)
	first := root.Sequence() + 1
	return first, root.SetSequence(first + uint64(n) - 1)
}

func (t *tx) AppendSyncEvents(events []*model.SyncEvent, keep int) error {
	type objectKey struct{ service, object string }
	touched := map[objectKey]*syncTree{}
	trees := map[string]*syncTree{}
	reserved := t.btx.Bucket(bucketSync).Sequence()
	for _, e := range events {
		if e.ID == 0 || e.ID > reserved {
			return fmt.Errorf("bolt: Sync event ID %d was not reserved", e.ID)
		}
		tree := trees[e.ServiceSid]
		if tree == nil {
			if _, err := t.service(e.ServiceSid); err != nil {
				return err
			}
			var err error
			if tree, err = t.syncTree(e.ServiceSid, true); err != nil {
				return err
			}
			trees[e.ServiceSid] = tree
		}
		o := &model.SyncObjectLog{}
		if v := tree.objects.Get([]byte(e.ObjectSid)); v != nil {
			var err error
			if o, err = decodeSyncLog(e.ServiceSid, e.ObjectSid, v); err != nil {
				return err
			}
		}
		if e.ID <= o.LastEventID {
			return fmt.Errorf("bolt: Sync event %d of %s is not above its newest, %d", e.ID, e.ObjectSid, o.LastEventID)
		}
		if err := tree.log.Put(syncEventKey(e.ObjectSid, e.ID), encodeSyncEvent(e)); err != nil {
			return err
		}
		if err := tree.feed.Put(syncIDKey(e.ID), []byte(e.ObjectSid)); err != nil {
			return err
		}
		o.LastEventID, o.DateUpdated = e.ID, e.Date
		o.Events++
		if err := tree.objects.Put([]byte(e.ObjectSid), encodeSyncLog(o)); err != nil {
			return err
		}
		touched[objectKey{e.ServiceSid, e.ObjectSid}] = tree
	}
	if keep <= 0 {
		return nil
	}
	for k, tree := range touched {
		if err := tree.trim(k.object, keep); err != nil {
			return err
		}
	}
	return nil
}

// trim drops the oldest events of object until keep are left.
func (s *syncTree) trim(object string, keep int) error {
	v := s.objects.Get([]byte(object))
	o, err := decodeSyncLog("", object, v)
	if err != nil || o.Events <= keep {
		return err
	}
	prefix := syncObjectPrefix(object)
	var doomed []uint64
	c := s.log.Cursor()
	for k, _ := c.Seek(prefix); len(doomed) < o.Events-keep; k, _ = c.Next() {
		id, ok := eventID(k, prefix)
		if !ok {
			break
		}
		doomed = append(doomed, id)
	}
	for _, id := range doomed {
		if err := s.log.Delete(syncEventKey(object, id)); err != nil {
			return err
		}
		if err := s.feed.Delete(syncIDKey(id)); err != nil {
			return err
		}
		o.Trimmed = id
	}
	o.Events -= len(doomed)
	return s.objects.Put([]byte(object), encodeSyncLog(o))
}

func (t *tx) SyncObjectLog(service, object string) (*model.SyncObjectLog, error) {
	tree, err := t.syncTree(service, false)
	if err != nil {
		return nil, err
	}
	if tree == nil {
		return nil, model.ErrNotFound
	}
	v := tree.objects.Get([]byte(object))
	if v == nil {
		return nil, model.ErrNotFound
	}
	return decodeSyncLog(service, object, v)
}

func (t *tx) SyncEvents(service, object string, after uint64, limit int) ([]*model.SyncEvent, error) {
	tree, err := t.syncTree(service, false)
	if tree == nil || err != nil {
		return nil, err
	}
	prefix := syncObjectPrefix(object)
	var out []*model.SyncEvent
	c := tree.log.Cursor()
	for k, v := c.Seek(syncEventKey(object, after+1)); limit <= 0 || len(out) < limit; k, v = c.Next() {
		id, ok := eventID(k, prefix)
		if !ok {
			break
		}
		e, err := decodeSyncEvent(service, object, id, v)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (t *tx) SyncFeed(service string, after uint64, limit int) ([]*model.SyncEvent, error) {
	tree, err := t.syncTree(service, false)
	if tree == nil || err != nil {
		return nil, err
	}
	var out []*model.SyncEvent
	c := tree.feed.Cursor()
	for k, object := c.Seek(syncIDKey(after + 1)); k != nil && (limit <= 0 || len(out) < limit); k, object = c.Next() {
		id := binary.BigEndian.Uint64(k)
		v := tree.log.Get(syncEventKey(string(object), id))
		if v == nil {
			return nil, fmt.Errorf("bolt: Sync feed entry %d names an event %s does not have", id, object)
		}
		e, err := decodeSyncEvent(service, string(object), id, v)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (t *tx) SyncHead(service string) (uint64, error) {
	tree, err := t.syncTree(service, false)
	if tree == nil || err != nil {
		return 0, err
	}
	k, _ := tree.feed.Cursor().Last()
	if k == nil {
		return 0, nil
	}
	return binary.BigEndian.Uint64(k), nil
}

// encodeSyncEvent is the stored value of an event: its date in Unix
// nanoseconds, 8 bytes big-endian, then its payload.
func encodeSyncEvent(e *model.SyncEvent) []byte {
	v := make([]byte, 0, 8+len(e.Payload))
	v = binary.BigEndian.AppendUint64(v, uint64(e.Date.UnixNano()))
	return append(v, e.Payload...)
}

// decodeSyncEvent copies a stored event out of the transaction.
func decodeSyncEvent(service, object string, id uint64, v []byte) (*model.SyncEvent, error) {
	if len(v) < 8 {
		return nil, fmt.Errorf("bolt: Sync event %d of %s is malformed (%d bytes)", id, object, len(v))
	}
	return &model.SyncEvent{
		ServiceSid: service,
		ObjectSid:  object,
		ID:         id,
		Date:       time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC(),
		Payload:    bytes.Clone(v[8:]),
	}, nil
}

// deleteSyncTree removes the log of service, if it has one.
func (t *tx) deleteSyncTree(service string) error {
	err := t.btx.Bucket(bucketSync).DeleteBucket([]byte(service))
	if errors.Is(err, berrors.ErrBucketNotFound) {
		return nil
	}
	return err
}
