package bolt

import (
	"fmt"
)

// syncLog hands out the Sync log of a Service (sync.go): each object's
// record, then every event in ID order, read from the feed.
func (e *exporter) syncLog(service string) error {
	root := e.root(bucketSync)
	if root == nil {
		return nil
	}
	b := root.Bucket([]byte(service))
	if b == nil {
		return nil
	}
	objects, log, feed := b.Bucket(bucketSyncObjects), b.Bucket(bucketSyncLog), b.Bucket(bucketSyncFeed)
	err := objects.ForEach(func(k, v []byte) error {
		o, err := decodeSyncLog(service, string(k), v)
		if err != nil {
			return err
		}
		return e.to.SyncObject(o)
	})
	if err != nil {
		return err
	}
	return feed.ForEach(func(k, object []byte) error {
		id := decodeIndex(k)
		v := log.Get(syncEventKey(string(object), id))
		if v == nil {
			return fmt.Errorf("bolt: Sync feed entry %d names an event %s does not have", id, object)
		}
		ev, err := decodeSyncEvent(service, string(object), id, v)
		if err != nil {
			return err
		}
		return e.to.SyncEvent(ev)
	})
}
