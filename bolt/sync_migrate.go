package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// Schema 4 kept a Service's Sync log as objects/<object sid> (last event
// ID, newest trimmed ID, events kept, date: 8 bytes each), log/<len><object
// sid><id> (date, then payload) and feed/<id> (object sid). migrateSyncLogs
// rewrites each into the layout of sync.go, still under sync/<IS sid> as
// schemas 5 and 6 kept it (the step to 7 moves it, see moveSyncLogs): the
// events by ID, chained per object, and the objects' records with the
// events they hold as their ordinals. Nothing was dropped beyond what they
// keep, so the new records keep every event until the next append says
// how many to keep.
func migrateSyncLogs(tx *bbolt.Tx) error {
	return eachSubtree(tx.Bucket(bucketSync), func(b *bbolt.Bucket) error {
		if b.Bucket([]byte("log")) == nil {
			return nil // a log in the new layout already
		}
		if err := migrateSyncLog(b); err != nil {
			return fmt.Errorf("the Sync log of a Service: %w", err)
		}
		return nil
	})
}

func migrateSyncLog(b *bbolt.Bucket) error {
	oldObjects, oldLog := b.Bucket(bucketSyncObjects), b.Bucket([]byte("log"))
	objects := map[string]*syncObject{}
	err := oldObjects.ForEach(func(k, v []byte) error {
		if len(v) != 32 {
			return fmt.Errorf("Sync object %s has a malformed record (%d bytes)", k, len(v))
		}
		f := func(i int) uint64 { return binary.BigEndian.Uint64(v[8*i:]) }
		objects[string(k)] = &syncObject{last: f(0), trimmed: f(1), date: time.Unix(0, int64(f(3))).UTC()}
		return nil
	})
	if err != nil {
		return err
	}
	events, err := b.CreateBucket(bucketSyncEvents)
	if err != nil {
		return err
	}
	var state syncState
	newest := map[string]uint64{} // each object's event migrated last
	// The old log's keys put each object's events together, oldest first.
	err = oldLog.ForEach(func(k, v []byte) error {
		if len(k) < 1 || len(k) != 1+int(k[0])+8 || len(v) < 8 {
			return fmt.Errorf("Sync log entry %x is malformed", k)
		}
		object := string(k[1 : 1+k[0]])
		o := objects[object]
		if o == nil {
			return fmt.Errorf("Sync log entry %x is of an object without a record", k)
		}
		id := binary.BigEndian.Uint64(k[1+k[0]:])
		e := &model.SyncEvent{ObjectSid: object, Date: time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC(), Payload: v[8:]}
		if err := events.Put(syncIDKey(id), encodeSyncEvent(e, o.appended+1, newest[object])); err != nil {
			return err
		}
		o.appended++
		o.events++
		newest[object] = id
		state.stored++
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range [][]byte{bucketSyncObjects, []byte("log"), []byte("feed")} {
		if err := b.DeleteBucket(name); err != nil {
			return err
		}
	}
	newObjects, err := b.CreateBucket(bucketSyncObjects)
	if err != nil {
		return err
	}
	for object, o := range objects {
		if newest[object] != o.last {
			return fmt.Errorf("Sync object %s ends at event %d, its log at %d", object, o.last, newest[object])
		}
		state.live += o.live()
		if err := newObjects.Put([]byte(object), o.encode()); err != nil {
			return err
		}
	}
	return b.Put(keySyncStateV6, state.encode())
}

// Schema 6 kept a Service's Sync log in a subtree of its own, sync/<IS
// sid>, holding state (the sweep's) and the buckets objects and events.
// moveSyncLogs moves those buckets into the Service's subtree, which
// copies no data (they keep their names), and the state to its key
// there; the subtrees left empty are deleted, and so are the logs of
// Services that are gone. The sync bucket then holds only its sequence,
// the counter of event IDs.
func moveSyncLogs(tx *bbolt.Tx) error {
	root, services := tx.Bucket(bucketSync), tx.Bucket(bucketServicesV9)
	var names [][]byte
	if err := root.ForEachBucket(func(k []byte) error {
		names = append(names, bytes.Clone(k))
		return nil
	}); err != nil {
		return err
	}
	for _, name := range names {
		var dir *bbolt.Bucket // nil: the log of a Service gone
		if services != nil {
			dir = services.Bucket(name)
		}
		if dir != nil {
			if err := moveSyncLog(tx, root.Bucket(name), dir); err != nil {
				return fmt.Errorf("the Sync log of %s: %w", name, err)
			}
		}
		if err := root.DeleteBucket(name); err != nil {
			return err
		}
	}
	return nil
}

// keySyncStateV6 is the key of the sweep's state in a log of schema 5 or
// 6.
var keySyncStateV6 = []byte("state")

func moveSyncLog(tx *bbolt.Tx, log, dir *bbolt.Bucket) error {
	for _, name := range [][]byte{bucketSyncObjects, bucketSyncEvents} {
		if log.Bucket(name) == nil {
			continue
		}
		if err := tx.MoveBucket(name, log, dir); err != nil {
			return err
		}
	}
	if state := log.Get(keySyncStateV6); state != nil {
		return dir.Put(keySyncState, bytes.Clone(state))
	}
	return nil
}

// startSyncLogs creates the buckets of the Sync log of every Service that
// has none, which starts it (schema 9).
func startSyncLogs(tx *bbolt.Tx) error {
	return eachSubtree(tx.Bucket(bucketServicesV9), func(dir *bbolt.Bucket) error {
		for _, name := range [][]byte{bucketSyncObjects, bucketSyncEvents} {
			if _, err := dir.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
}
