package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// The Sync event log (see schema.go): in the subtree of its Service, every
// event of the Service keyed by its ID, the objects' records, and the state
// of the sweep. A send changes that subtree anyway, so the log costs it no
// page of a bucket level of its own. Events only ever land at the end of
// their bucket, so a commit writes them on one page whatever objects they
// belong to, and that bucket is also the Service's feed. An object's events
// are chained: each names the object's event before it, which is how an
// object's events are listed. Deleting the Service deletes its log.
//
// An object keeps at least its newest keep events; older ones are dropped
// by a sweep that walks the events bucket from its oldest end, as garbage
// piles up (sweep.go), so that what it deletes lies on a few adjacent
// pages. Values are bytes laid out here, fixed binary fields and the event
// payloads as the rules layer built them, so they need no record codec.
// Event IDs come from the sequence of the sync root bucket: one counter for
// all Services, which Wipe leaves alone, so an ID is never given twice.
// That bucket holds nothing else, so bbolt keeps it inline in the root
// page, which every commit writes anyway.

var (
	bucketSync        = []byte("sync")
	bucketSyncObjects = []byte("objects")
	bucketSyncEvents  = []byte("events")
	keySyncState      = []byte("sync_state")
)

// syncObject is the record of an object: its newest event and its date,
// the newest event dropped, how many events after it are kept, how many
// the object ever had (the ordinal of its newest) and how many it keeps (0:
// all).
type syncObject struct {
	last, trimmed uint64
	events        uint64
	date          time.Time
	appended      uint64
	keep          uint64
}

// syncObjectSize is the size of an object's record: its fields in the
// order above, 8 bytes each, big-endian, the date in Unix nanoseconds.
const syncObjectSize = 48

func (o *syncObject) encode() []byte {
	b := make([]byte, 0, syncObjectSize)
	for _, f := range []uint64{o.last, o.trimmed, o.events, uint64(o.date.UnixNano()), o.appended, o.keep} {
		b = binary.BigEndian.AppendUint64(b, f)
	}
	return b
}

func decodeSyncObject(object string, v []byte) (*syncObject, error) {
	if len(v) != syncObjectSize {
		return nil, fmt.Errorf("bolt: Sync object %s has a malformed record (%d bytes)", object, len(v))
	}
	f := func(i int) uint64 { return binary.BigEndian.Uint64(v[8*i:]) }
	return &syncObject{last: f(0), trimmed: f(1), events: f(2), date: time.Unix(0, int64(f(3))).UTC(), appended: f(4), keep: f(5)}, nil
}

// live is how many of the object's stored events it must keep.
func (o *syncObject) live() uint64 {
	if o.keep == 0 {
		return o.events
	}
	return min(o.events, o.keep)
}

// syncIDKey is the key of an event: its ID, 8 bytes big-endian, so that
// keys sort as IDs.
func syncIDKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// syncEvent is a stored event as the log reads it: its object, its ordinal
// among the object's events (1 for the first), the ID of the object's event
// before it (0 for none), its date and its payload (in the transaction's
// memory).
type syncEvent struct {
	object        string
	ordinal, prev uint64
	date          time.Time
	payload       []byte
}

// encodeSyncEvent is the stored value of an event: the length of its
// object's SID (one byte) and the SID, then its ordinal, the ID of the
// object's event before it and its date in Unix nanoseconds (8 bytes each,
// big-endian), then its payload.
func encodeSyncEvent(e *model.SyncEvent, ordinal, prev uint64) []byte {
	v := make([]byte, 0, 1+len(e.ObjectSid)+24+len(e.Payload))
	v = append(v, byte(len(e.ObjectSid)))
	v = append(v, e.ObjectSid...)
	v = binary.BigEndian.AppendUint64(v, ordinal)
	v = binary.BigEndian.AppendUint64(v, prev)
	v = binary.BigEndian.AppendUint64(v, uint64(e.Date.UnixNano()))
	return append(v, e.Payload...)
}

func decodeSyncEvent(id uint64, v []byte) (syncEvent, error) {
	if len(v) < 1 || len(v) < 1+int(v[0])+24 {
		return syncEvent{}, fmt.Errorf("bolt: Sync event %d is malformed (%d bytes)", id, len(v))
	}
	n := 1 + int(v[0])
	return syncEvent{
		object:  string(v[1:n]),
		ordinal: binary.BigEndian.Uint64(v[n:]),
		prev:    binary.BigEndian.Uint64(v[n+8:]),
		date:    time.Unix(0, int64(binary.BigEndian.Uint64(v[n+16:]))).UTC(),
		payload: v[n+24:],
	}, nil
}

// model copies the event out of the transaction.
func (e syncEvent) model(service string, id uint64) *model.SyncEvent {
	return &model.SyncEvent{ServiceSid: service, ObjectSid: e.object, ID: id, Date: e.date, Payload: bytes.Clone(e.payload)}
}

// syncTree is the log of one Service, with the records of the objects it
// has read, written back by flush.
type syncTree struct {
	service         string
	dir             *bbolt.Bucket // services/<IS sid>
	objects, events *bbolt.Bucket
	state           syncState
	read            map[string]*syncObject
	dirty           map[string]bool
	// appended counts the events appended since the last flush, and
	// appends the writes that appended them; changed says whether the log
	// changed since then.
	appended, appends int
	changed           bool
}

// SyncLogStarted reports whether the log of service is started: whether its
// buckets exist. A file from before logs started at a sign-in has them
// wherever a write ever appended an event.
func (t *tx) SyncLogStarted(service string) (bool, error) {
	if tree := t.syncTrees[service]; tree != nil {
		return true, nil
	}
	dir, err := t.service(service)
	if err != nil {
		return false, err
	}
	return dir.Bucket(bucketSyncEvents) != nil, nil
}

// StartSyncLog creates the buckets of the log of service. Writes are one
// at a time: none is in flight meanwhile.
func (t *tx) StartSyncLog(service string) error {
	_, err := t.syncTree(service, true)
	return err
}

// syncTree opens the log of service, creating it when create is true; it
// returns nil when there is none, or no such Service to read from. A write
// transaction keeps the logs it opens until finish: the sends of one commit
// share the records of their objects, the sweep and the write-back of what
// changed.
func (t *tx) syncTree(service string, create bool) (*syncTree, error) {
	if tree := t.syncTrees[service]; tree != nil {
		return tree, nil
	}
	dir, err := t.service(service)
	if errors.Is(err, model.ErrNotFound) && !create {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	objects, events := dir.Bucket(bucketSyncObjects), dir.Bucket(bucketSyncEvents)
	if events == nil {
		if !create {
			return nil, nil
		}
		if objects, err = dir.CreateBucket(bucketSyncObjects); err != nil {
			return nil, err
		}
		if events, err = dir.CreateBucket(bucketSyncEvents); err != nil {
			return nil, err
		}
	}
	s := &syncTree{service: service, dir: dir, objects: objects, events: appendOnly(events)}
	state, err := decodeSyncState(dir.Get(keySyncState))
	if err != nil {
		return nil, fmt.Errorf("bolt: Sync log of %s: %w", service, err)
	}
	s.state = state
	if t.btx.Writable() {
		if t.syncTrees == nil {
			t.syncTrees = map[string]*syncTree{}
		}
		t.syncTrees[service] = s
		t.syncOrder = append(t.syncOrder, s)
	}
	return s, nil
}

// finishSync sweeps and writes back the logs the transaction changed:
// once per commit, however many of its writes appended to them. The sweep
// goes as far as it would have gone after each write: a round of that
// write's budget per write, each of which starts only while the garbage
// is above a quarter of what is kept, so that a busy commit does not sweep
// on towards the events still kept.
func (t *tx) finishSync() error {
	for _, tree := range t.syncOrder {
		if !tree.changed {
			continue
		}
		for range tree.appends {
			if err := tree.sweep(2*tree.appended/tree.appends + sweepSlack); err != nil {
				return err
			}
		}
		if err := tree.flush(); err != nil {
			return err
		}
		tree.appended, tree.appends, tree.changed = 0, 0, false
	}
	return nil
}

// forgetSync drops the log of service from those the transaction keeps,
// all of them for "": their buckets are gone with their Services.
func (t *tx) forgetSync(service string) {
	if service == "" {
		t.syncTrees, t.syncOrder = nil, nil
		return
	}
	if t.syncTrees[service] == nil {
		return
	}
	delete(t.syncTrees, service)
	t.syncOrder = slices.DeleteFunc(t.syncOrder, func(s *syncTree) bool { return s.service == service })
}

// object is the record of object, nil when the log has none.
func (s *syncTree) object(object string) (*syncObject, error) {
	if o, ok := s.read[object]; ok {
		return o, nil
	}
	var o *syncObject
	if v := s.objects.Get([]byte(object)); v != nil {
		var err error
		if o, err = decodeSyncObject(object, v); err != nil {
			return nil, err
		}
	}
	if s.read == nil {
		s.read, s.dirty = map[string]*syncObject{}, map[string]bool{}
	}
	s.read[object] = o
	return o, nil
}

// event reads the event id, which must be there.
func (s *syncTree) event(id uint64) (syncEvent, error) {
	v := s.events.Get(syncIDKey(id))
	if v == nil {
		return syncEvent{}, fmt.Errorf("bolt: Sync log of %s lacks event %d", s.service, id)
	}
	return decodeSyncEvent(id, v)
}

// flush writes back the records changed and the sweep's state.
func (s *syncTree) flush() error {
	for object := range s.dirty {
		if err := s.objects.Put([]byte(object), s.read[object].encode()); err != nil {
			return err
		}
	}
	clear(s.dirty)
	return s.dir.Put(keySyncState, s.state.encode())
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
	var (
		trees  []*syncTree // the logs appended to, mostly one
		shrunk map[*syncTree][]string
	)
	root := t.btx.Bucket(bucketSync)
	reserved := root.Sequence()
	k := uint64(max(keep, 0))
	for _, e := range events {
		if e.ID == 0 && e.Render != nil {
			// A draft: its ID is the next, and its payload follows.
			if _, err := t.service(e.ServiceSid); err != nil {
				return err
			}
			reserved++
			if err := root.SetSequence(reserved); err != nil {
				return err
			}
			payload, err := e.Render(reserved)
			if err != nil {
				return err
			}
			e.ID, e.Payload = reserved, payload
		}
		if e.ID == 0 || e.ID > reserved {
			return fmt.Errorf("bolt: Sync event ID %d was not reserved", e.ID)
		}
		tree := t.syncTrees[e.ServiceSid]
		if tree == nil {
			if _, err := t.service(e.ServiceSid); err != nil {
				return err
			}
			var err error
			if tree, err = t.syncTree(e.ServiceSid, true); err != nil {
				return err
			}
		}
		if !slices.Contains(trees, tree) {
			trees = append(trees, tree)
			tree.appends++
		}
		o, err := tree.object(e.ObjectSid)
		if err != nil {
			return err
		}
		if o == nil {
			o = &syncObject{}
			tree.read[e.ObjectSid] = o
		}
		if e.ID <= o.last {
			return fmt.Errorf("bolt: Sync event %d of %s is not above its newest, %d", e.ID, e.ObjectSid, o.last)
		}
		if len(e.ObjectSid) > 255 {
			return fmt.Errorf("bolt: Sync object SID %q is too long", e.ObjectSid)
		}
		if err := tree.events.Put(syncIDKey(e.ID), encodeSyncEvent(e, o.appended+1, o.last)); err != nil {
			return err
		}
		live := o.live()
		if k > 0 && (o.keep == 0 && o.appended > 0 || k < o.keep) {
			if shrunk == nil {
				shrunk = map[*syncTree][]string{}
			}
			shrunk[tree] = append(shrunk[tree], e.ObjectSid)
		}
		o.last, o.date, o.appended, o.keep = e.ID, e.Date, o.appended+1, k
		o.events++
		tree.state.stored++
		tree.state.live += o.live() - live
		tree.dirty[e.ObjectSid] = true
		tree.appended++
		tree.changed = true
	}
	for _, tree := range trees {
		for _, object := range shrunk[tree] {
			if err := tree.trim(object); err != nil {
				return err
			}
		}
	}
	return nil
}

// trim drops the events of object beyond the newest it keeps at once,
// walking its chain: for an object whose retention shrank (a removed
// object keeps its last word only).
func (s *syncTree) trim(object string) error {
	o, err := s.object(object)
	if err != nil || o.keep == 0 || o.events <= o.keep {
		return err
	}
	id := o.last
	var boundary syncEvent
	for range o.keep {
		if boundary, err = s.event(id); err != nil {
			return err
		}
		id = boundary.prev
	}
	o.trimmed, o.events = id, o.keep
	s.dirty[object] = true
	// Events before the boundary that the sweep passed while they were
	// still kept may be there too: drop them as far as the chain holds.
	for id > 0 {
		v := s.events.Get(syncIDKey(id))
		if v == nil {
			break
		}
		e, err := decodeSyncEvent(id, v)
		if err != nil {
			return err
		}
		if err := s.events.Delete(syncIDKey(id)); err != nil {
			return err
		}
		s.state.stored--
		id = e.prev
	}
	return nil
}

func (t *tx) SyncObjectLog(service, object string) (*model.SyncObjectLog, error) {
	tree, err := t.syncTree(service, false)
	if err != nil {
		return nil, err
	}
	if tree == nil {
		return nil, model.ErrNotFound
	}
	o, err := tree.object(object)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, model.ErrNotFound
	}
	return &model.SyncObjectLog{ServiceSid: service, ObjectSid: object, LastEventID: o.last,
		Trimmed: o.trimmed, Events: int(o.events), DateUpdated: o.date}, nil
}

func (t *tx) SyncEvents(service, object string, after uint64, limit int) ([]*model.SyncEvent, error) {
	tree, err := t.syncTree(service, false)
	if tree == nil || err != nil {
		return nil, err
	}
	o, err := tree.object(object)
	if o == nil || err != nil {
		return nil, err
	}
	// Walk the chain back from the newest to the first event to list; every
	// event after the newest dropped is kept.
	from := max(after, o.trimmed)
	var out []*model.SyncEvent
	for id := o.last; id > from; {
		e, err := tree.event(id)
		if err != nil {
			return nil, err
		}
		out = append(out, e.model(service, id))
		id = e.prev
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (t *tx) SyncFeed(service string, after uint64, limit int) ([]*model.SyncEvent, error) {
	tree, err := t.syncTree(service, false)
	if tree == nil || err != nil {
		return nil, err
	}
	var out []*model.SyncEvent
	c := tree.events.Cursor()
	for k, v := c.Seek(syncIDKey(after + 1)); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Next() {
		id := binary.BigEndian.Uint64(k)
		e, err := decodeSyncEvent(id, v)
		if err != nil {
			return nil, err
		}
		// An event at or below its object's newest dropped one is one the
		// sweep has yet to delete: it is gone already.
		o, err := tree.object(e.object)
		if err != nil {
			return nil, err
		}
		if o == nil || id <= o.trimmed {
			continue
		}
		out = append(out, e.model(service, id))
	}
	return out, nil
}

func (t *tx) SyncHead(service string) (uint64, error) {
	tree, err := t.syncTree(service, false)
	if tree == nil || err != nil {
		return 0, err
	}
	// The newest event is its object's newest, which is never dropped.
	k, _ := tree.events.Cursor().Last()
	if k == nil {
		return 0, nil
	}
	return binary.BigEndian.Uint64(k), nil
}
